package org.custodia;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A filter over the audit log for {@link Custodian#auditEntries}, {@link Custodian#auditCsv} and
 * {@link Custodian#writeAuditCsv}: every condition set must hold. {@code new AuditQuery()} matches everything.
 */
public final class AuditQuery {
    String caseRef;
    String objectId;
    String actorId;
    final List<String> kinds = new ArrayList<>();
    long since;
    long until;

    /** Everything. */
    public AuditQuery() {}

    /** Only entries about this case. */
    public AuditQuery caseRef(String caseRef) {
        this.caseRef = Objects.requireNonNull(caseRef, "caseRef");
        return this;
    }

    /** Only entries about this object (hex, any case). */
    public AuditQuery objectId(String objectId) {
        this.objectId = Objects.requireNonNull(objectId, "objectId");
        return this;
    }

    /** Only entries by this actor id. */
    public AuditQuery actorId(String actorId) {
        this.actorId = Objects.requireNonNull(actorId, "actorId");
        return this;
    }

    /**
     * Only entries of these kinds (stable names such as {@code "opened"}, {@code "refused"}; an unknown name is an
     * {@link InvalidArgumentException} when the query runs). Call again to allow more kinds.
     */
    public AuditQuery kinds(String... kinds) {
        for (String k : kinds) {
            this.kinds.add(Objects.requireNonNull(k, "kind"));
        }
        return this;
    }

    /** Only entries at or after {@code t} (whole seconds). */
    public AuditQuery since(Instant t) {
        this.since = seconds(t, "since");
        return this;
    }

    /** Only entries strictly before {@code t} (whole seconds). */
    public AuditQuery until(Instant t) {
        this.until = seconds(t, "until");
        return this;
    }

    private static long seconds(Instant t, String what) {
        long s = Objects.requireNonNull(t, what).getEpochSecond();
        if (s <= 0) {
            throw new InvalidArgumentException(Status.INVALID_ARGUMENT.code(), what + " must be after 1970");
        }
        return s;
    }
}
