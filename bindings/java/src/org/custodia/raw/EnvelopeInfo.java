package org.custodia.raw;

import com.sun.jna.Structure;

/** Layer 1: {@code struct custodia_envelope_info}. */
@Structure.FieldOrder({"object_id", "category", "classification", "created", "not_after", "purpose_count",
        "recipient_count", "has_signer", "signer"})
public final class EnvelopeInfo extends Structure {
    /** {@code char object_id[CUSTODIA_OBJECT_ID_SIZE]}: NUL-terminated hex. */
    public byte[] object_id = new byte[33];
    public int category;
    public int classification;
    public long created;
    public long not_after;
    public long purpose_count;
    public long recipient_count;
    public byte has_signer;
    public byte[] signer = new byte[16];
}
