package org.custodia.raw;

import com.sun.jna.Structure;

/** Layer 1: {@code struct custodia_audit_report}. */
@Structure.FieldOrder({"entries", "checkpoints", "erasures", "recoveries", "unsealed_tail", "has_last_checkpoint",
        "last_checkpoint", "head", "anchors"})
public final class AuditReport extends Structure {
    public long entries;
    public long checkpoints;
    public long erasures;
    public long recoveries;
    public long unsealed_tail;
    /** C {@code bool}. */
    public byte has_last_checkpoint;
    public long last_checkpoint;
    /** {@code char head[CUSTODIA_AUDIT_HEAD_SIZE]}: NUL-terminated hex. */
    public byte[] head = new byte[65];
    public long anchors;
}
