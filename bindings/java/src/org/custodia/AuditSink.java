package org.custodia;

/**
 * Where a custodian forwards each audit event after its log has it ({@link Custodian.Options#auditSink}): a SIEM
 * forwarder, the case system's own store.
 *
 * <p>Called on the thread whose call recorded the event, inside that call, in log order for that thread (several
 * threads may call it concurrently: make it thread-safe then). It must not call back into the custodian. An exception
 * thrown here never reaches the library: it is caught, kept ({@link Custodian#auditSinkErrors}) and counted
 * ({@link Custodian#auditSinkFailures}); with {@link Custodian.Options#requireAuditSinks} the operation then fails
 * with {@link AuditWriteException} too (its event is in the log already).
 */
@FunctionalInterface
public interface AuditSink {
    /** Take one event ({@link AuditEntry#seq()} is empty: the log numbers it). */
    void accept(AuditEntry event) throws Exception;
}
