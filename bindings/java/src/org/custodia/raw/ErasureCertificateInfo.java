package org.custodia.raw;

import com.sun.jna.Structure;

/** Layer 1: {@code struct custodia_erasure_certificate_info}. */
@Structure.FieldOrder({"log_id", "seq", "time", "case_ref", "reason", "has_envelopes", "envelopes", "key_count"})
public final class ErasureCertificateInfo extends Structure {
    /** {@code CUSTODIA_ERASURE_MAX_KEYS}. */
    public static final int MAX_KEYS = 64;

    /** {@code char log_id[CUSTODIA_LOG_ID_SIZE]}. */
    public byte[] log_id = new byte[33];
    public long seq;
    public long time;
    /** {@code char case_ref[CUSTODIA_CASE_REF_SIZE]}. */
    public byte[] case_ref = new byte[129];
    /** {@code char reason[CUSTODIA_ERASURE_REASON_SIZE]}. */
    public byte[] reason = new byte[513];
    /** C {@code bool}. */
    public byte has_envelopes;
    public long envelopes;
    /** {@code size_t}. */
    public long key_count;
}
