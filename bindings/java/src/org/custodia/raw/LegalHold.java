package org.custodia.raw;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/** Layer 1: {@code struct custodia_legal_hold}; its strings and key ids belong to the hold list and die with it. */
@Structure.FieldOrder({"case_ref", "reference", "reason", "set_by", "set_at", "key_count", "keys"})
public final class LegalHold extends Structure {
    public Pointer case_ref;
    public Pointer reference;
    public Pointer reason;
    public Pointer set_by;
    public long set_at;
    /** {@code size_t}. */
    public long key_count;
    /** {@code const struct custodia_key_id *}: {@code key_count} ids of 16 bytes, back to back. */
    public Pointer keys;
}
