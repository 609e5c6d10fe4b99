package org.custodia.raw;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/** Layer 1: {@code struct custodia_envelope_info}. */
@Structure.FieldOrder({"object_id", "category", "classification", "created", "not_after", "purpose_count",
        "recipient_count", "has_signer", "signer", "instrument_kind", "instrument_reference", "transfer_basis", "origin",
        "destinations", "purposes", "case_ref", "recipients", "grant_count"})
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
    /** A {@code custodia_instrument_kind}; 0 when none. */
    public int instrument_kind;
    /** {@code char instrument_reference[CUSTODIA_INSTRUMENT_TEXT_SIZE]}. */
    public byte[] instrument_reference = new byte[1025];
    /** {@code char transfer_basis[CUSTODIA_INSTRUMENT_TEXT_SIZE]}. */
    public byte[] transfer_basis = new byte[1025];
    /** {@code char origin[CUSTODIA_JURISDICTION_SIZE]}. */
    public byte[] origin = new byte[3];
    /** {@code char destinations[CUSTODIA_JURISDICTION_LIST_SIZE]}: space-separated. */
    public byte[] destinations = new byte[192];
    /** {@code char purposes[CUSTODIA_PURPOSE_LIST_SIZE]}: space-separated. */
    public byte[] purposes = new byte[4128];
    /** {@code char case_ref[CUSTODIA_CASE_REF_SIZE]} (ABI 4). */
    public byte[] case_ref = new byte[129];
    /** {@code struct custodia_recipient recipients[CUSTODIA_MAX_RECIPIENTS]} (ABI 4). */
    public Recipient[] recipients = (Recipient[]) new Recipient().toArray(64);
    /** {@code size_t grant_count} (ABI 4). */
    public long grant_count;

    /** A structure in memory of its own. */
    public EnvelopeInfo() {}

    /** A structure over {@code memory} (at least {@link #size()} bytes), not read until {@link #read()}. */
    public EnvelopeInfo(Pointer memory) {
        super(memory);
    }

    /** {@code struct custodia_recipient}: a stanza's key id and kind. */
    @Structure.FieldOrder({"key_id", "kind"})
    public static final class Recipient extends Structure {
        /** {@code struct custodia_key_id}. */
        public byte[] key_id = new byte[16];
        /** 1 KEK, 2 X25519, 3 X25519 with sender, 4 X-Wing; others unknown kinds. */
        public int kind;

        /** The offset of {@code field} as JNA lays it out (for the header layout test). */
        public int offsetOf(String field) {
            return fieldOffset(field);
        }
    }

    /** The offset of {@code field} as JNA lays it out (for the header layout test). */
    public int offsetOf(String field) {
        return fieldOffset(field);
    }
}
