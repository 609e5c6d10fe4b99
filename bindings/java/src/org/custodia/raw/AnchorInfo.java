package org.custodia.raw;

import com.sun.jna.Structure;

/** Layer 1: {@code struct custodia_anchor_info}. */
@Structure.FieldOrder({"log_id", "count", "head", "witness_count"})
public final class AnchorInfo extends Structure {
    /** {@code char log_id[CUSTODIA_LOG_ID_SIZE]}: NUL-terminated hex. */
    public byte[] log_id = new byte[33];
    public long count;
    /** {@code char head[CUSTODIA_ANCHOR_HEAD_SIZE]}: NUL-terminated hex. */
    public byte[] head = new byte[65];
    /** {@code size_t}. */
    public long witness_count;
}
