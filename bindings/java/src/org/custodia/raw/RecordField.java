package org.custodia.raw;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/** Layer 1: {@code struct custodia_record_field}; its strings belong to the opened record and die with it. */
@Structure.FieldOrder({"name", "category", "classification", "kind", "purposes", "withheld", "mask"})
public final class RecordField extends Structure {
    public Pointer name;
    public int category;
    public int classification;
    /** {@code CUSTODIA_FIELD_TEXT} (1) ... {@code CUSTODIA_FIELD_NESTED} (5). */
    public int kind;
    /** Space-separated own purposes, or NULL. */
    public Pointer purposes;
    /** {@code custodia_status}: 0 when disclosed, else the refusal that withheld the value. */
    public int withheld;
    /** 0, or the {@code CUSTODIA_MASK_*} rule of a masked view (read with the text getter). */
    public int mask;

    /** The offset of {@code field} in the C struct as JNA lays it out (the layout test compares it with C's). */
    public int offsetOf(String field) {
        return fieldOffset(field);
    }
}
