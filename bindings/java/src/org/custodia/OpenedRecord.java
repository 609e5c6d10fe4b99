package org.custodia;

import com.sun.jna.ptr.LongByReference;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.custodia.handles.Native;
import org.custodia.raw.CustodiaLibrary;
import org.custodia.raw.CustodiaBuffer;

/**
 * A record as one reader opened it ({@link Custodian#openRecord}): every field, in name order, with its terms and
 * either its value or the refusal that withheld it. A getter of a withheld field throws that refusal.
 * {@link #close()} wipes the byte values.
 */
public final class OpenedRecord implements AutoCloseable {
    /** What the record says of one field. */
    public static final class Field {
        /** The field's name. */
        public final String name;
        /** Its category. */
        public final Category category;
        /** Its classification. */
        public final Classification classification;
        /** Its type: {@code text}, {@code integer}, {@code date}, {@code bytes} or {@code nested}. */
        public final String kind;
        /** Its own purposes; empty when the envelope's apply. */
        public final List<String> purposes;
        /** The refusal that withheld its value, or null when disclosed. */
        public final CustodiaException withheld;
        /** The mask rule of a masked view ({@code iban}, {@code last_three_digits}, {@code initials}, {@code year}),
         * or null. */
        public final String mask;

        Field(String name, Category category, Classification classification, String kind, List<String> purposes,
                CustodiaException withheld, String mask) {
            this.name = name;
            this.category = category;
            this.classification = classification;
            this.kind = kind;
            this.purposes = purposes;
            this.withheld = withheld;
            this.mask = mask;
        }
    }

    private static final String[] KINDS = {"", "text", "integer", "date", "bytes", "nested"};
    private static final String[] MASKS = {null, "iban", "last_three_digits", "initials", "year"};

    private final Map<String, Field> fields = new LinkedHashMap<>();
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final Map<String, String> masked = new LinkedHashMap<>();

    OpenedRecord(long handle) {
        CustodiaLibrary lib = Native.lib();
        LongByReference n = new LongByReference();
        Native.check(lib.custodia_opened_record_len(handle, n));
        for (long i = 0; i < n.getValue(); i++) {
            org.custodia.raw.RecordField f = new org.custodia.raw.RecordField();
            Native.check(lib.custodia_opened_record_field(handle, i, f));
            String name = f.name.getString(0, "UTF-8");
            List<String> purposes = f.purposes == null ? List.of()
                    : List.of(f.purposes.getString(0, "UTF-8").split(" "));
            CustodiaException withheld = null;
            String mask = f.mask > 0 && f.mask < MASKS.length ? MASKS[f.mask] : null;
            if (mask != null) {
                CustodiaBuffer b = new CustodiaBuffer();
                Native.check(lib.custodia_opened_record_text(handle, i, b));
                masked.put(name, Native.takeText(b));
                withheld = CustodiaException.of(f.withheld, "field " + name + " is masked for this reader");
            } else if (f.withheld != 0) {
                // The getter returns the refusal again, its message naming the field.
                int status = lib.custodia_opened_record_json(handle, i, new CustodiaBuffer());
                withheld = CustodiaException.of(status, lib.custodia_last_error_message());
            } else {
                values.put(name, read(lib, handle, i, f.kind));
            }
            fields.put(name, new Field(name, Category.fromCode(f.category), Classification.fromCode(f.classification),
                    KINDS[f.kind], purposes, withheld, mask));
        }
    }

    private static Object read(CustodiaLibrary lib, long h, long i, int kind) {
        switch (kind) {
            case 1: {
                CustodiaBuffer b = new CustodiaBuffer();
                Native.check(lib.custodia_opened_record_text(h, i, b));
                return Native.takeText(b);
            }
            case 2: {
                LongByReference v = new LongByReference();
                Native.check(lib.custodia_opened_record_integer(h, i, v));
                return v.getValue();
            }
            case 3: {
                CustodiaBuffer b = new CustodiaBuffer();
                Native.check(lib.custodia_opened_record_text(h, i, b));
                return LocalDate.parse(Native.takeText(b));
            }
            case 4: {
                CustodiaBuffer b = new CustodiaBuffer();
                Native.check(lib.custodia_opened_record_bytes(h, i, b));
                return Native.takeBytes(b);
            }
            default: {
                CustodiaBuffer b = new CustodiaBuffer();
                Native.check(lib.custodia_opened_record_json(h, i, b));
                return Native.takeText(b);
            }
        }
    }

    /** Every field, in name order. */
    public List<Field> fields() {
        return Collections.unmodifiableList(new ArrayList<>(fields.values()));
    }

    /** The names of the disclosed fields. */
    public List<String> disclosed() {
        return new ArrayList<>(values.keySet());
    }

    /** The names of the withheld fields. */
    public List<String> withheld() {
        List<String> out = new ArrayList<>();
        for (Field f : fields.values()) {
            if (f.withheld != null && f.mask == null) {
                out.add(f.name);
            }
        }
        return out;
    }

    private Object value(String name) {
        Field f = fields.get(name);
        if (f == null) {
            throw new InvalidArgumentException(Status.INVALID_ARGUMENT.code(), "the record has no field " + name);
        }
        if (f.withheld != null) {
            throw f.withheld;
        }
        return values.get(name);
    }

    /** The masked view of a field this reader may not see in the clear, or null when it has none. */
    public String masked(String name) {
        return masked.get(name);
    }

    /** A text field's value. */
    public String text(String name) {
        return (String) value(name);
    }

    /** An integer field's value. */
    public long integer(String name) {
        return (Long) value(name);
    }

    /** A date field's value. */
    public LocalDate date(String name) {
        return (LocalDate) value(name);
    }

    /** A bytes field's value (a copy; wipe it when done). */
    public byte[] bytes(String name) {
        return ((byte[]) value(name)).clone();
    }

    /** A nested field's values as one JSON value ({@code {"nested": {...}}}, docs/FORMAT.md section 14). */
    public String nestedJson(String name) {
        return (String) value(name);
    }

    /** Wipe the byte values. */
    @Override
    public void close() {
        for (Object v : values.values()) {
            if (v instanceof byte[]) {
                Arrays.fill((byte[]) v, (byte) 0);
            }
        }
        values.clear();
    }
}
