package org.custodia;

import java.util.OptionalLong;

/** What verifying the audit log found: it verified (otherwise {@link AuditTamperedException}), and its size. */
public final class AuditReport {
    private final long entries;
    private final long checkpoints;
    private final long erasures;
    private final long recoveries;
    private final long unsealedTail;
    private final Long lastCheckpoint;
    private final String head;
    private final long anchors;

    AuditReport(org.custodia.raw.AuditReport raw) {
        this.entries = raw.entries;
        this.checkpoints = raw.checkpoints;
        this.erasures = raw.erasures;
        this.recoveries = raw.recoveries;
        this.unsealedTail = raw.unsealed_tail;
        this.lastCheckpoint = raw.has_last_checkpoint != 0 ? raw.last_checkpoint : null;
        this.head = EnvelopeInfo.cString(raw.head);
        this.anchors = raw.anchors;
    }

    /** Anchors checked against the log (all of those given). */
    public long anchors() {
        return anchors;
    }

    /** Entries verified. */
    public long entries() {
        return entries;
    }

    /** Signed checkpoints verified. */
    public long checkpoints() {
        return checkpoints;
    }

    /** Erasure certificates verified. */
    public long erasures() {
        return erasures;
    }

    /** Crash recoveries recorded in the log. */
    public long recoveries() {
        return recoveries;
    }

    /** Entries after the last checkpoint. */
    public long unsealedTail() {
        return unsealedTail;
    }

    /** The sequence number of the last checkpoint, if any. */
    public OptionalLong lastCheckpoint() {
        return lastCheckpoint == null ? OptionalLong.empty() : OptionalLong.of(lastCheckpoint);
    }

    /** The hash at the head of the chain (hex): anchor it elsewhere to detect truncation. */
    public String head() {
        return head;
    }

    @Override
    public String toString() {
        return "AuditReport[" + entries + " entries, " + checkpoints + " checkpoints, head " + head + "]";
    }
}
