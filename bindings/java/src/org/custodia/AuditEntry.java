package org.custodia;

import com.sun.jna.Pointer;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One audit log entry ({@link Custodian#auditEntries}) or, for an {@link AuditSink}, one event before the log
 * numbered it: who did what to which object of which case, for what purpose, with what outcome. {@code json} is the
 * whole entry as the library gives it (every member a log line has, without the chain members).
 *
 * @param seq the sequence number; empty for an event given to a sink
 * @param time when it happened
 * @param kind the event kind's stable name ({@code "opened"}, {@code "refused"}, ...)
 * @param actorId who acted
 * @param actorRole the actor's role
 * @param actorJurisdiction the actor's jurisdiction
 * @param caseRef the case
 * @param objectId the object (envelope) id, lowercase hex
 * @param purpose the purpose the actor stated
 * @param outcome {@code ok}, or {@code refused:<kind>} / {@code failed:<kind>}
 * @param json the entry as one JSON object
 */
public record AuditEntry(OptionalLong seq, Instant time, String kind, Optional<String> actorId,
        Optional<String> actorRole, Optional<String> actorJurisdiction, Optional<String> caseRef,
        Optional<String> objectId, Optional<String> purpose, String outcome, String json) {

    static AuditEntry of(org.custodia.raw.AuditEntry e) {
        return new AuditEntry(
                e.seq == org.custodia.raw.AuditEntry.SEQ_UNKNOWN ? OptionalLong.empty() : OptionalLong.of(e.seq),
                Instant.ofEpochSecond(e.time), text(e.kind).orElse(""), text(e.actor_id), text(e.actor_role),
                text(e.actor_jurisdiction), text(e.case_ref), text(e.object), text(e.purpose),
                text(e.outcome).orElse(""), text(e.json).orElse("{}"));
    }

    private static Optional<String> text(Pointer p) {
        return p == null ? Optional.empty() : Optional.of(p.getString(0, "UTF-8"));
    }
}
