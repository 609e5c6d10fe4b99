package org.custodia.raw;

import com.sun.jna.Callback;
import com.sun.jna.Pointer;

/**
 * Layer 1: {@code custodia_audit_sink_fn}, {@code int (*)(void *user_data, const struct custodia_audit_entry *event)}.
 * custodia calls it on the thread of the call that recorded the event, inside that call; it must return normally
 * (never throw) and must not call back into the custodian.
 */
public interface AuditSinkFn extends Callback {
    /** 0 when the event was taken, non-zero when the sink failed. */
    int invoke(Pointer userData, Pointer event);
}
