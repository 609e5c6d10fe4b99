package org.custodia;

import com.sun.jna.ptr.LongByReference;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.custodia.handles.Native;
import org.custodia.raw.CustodiaLibrary;

/**
 * A record to seal with {@link Custodian#sealRecord}: named, typed fields (docs/FORMAT.md section 14), each with
 * its own category, classification and purposes. Names are 1 to 64 bytes, a-z then a-z, 0-9 and _. The values are
 * held in Java memory until {@link #close()} wipes the byte values it holds (Java strings cannot be wiped).
 *
 * <pre>{@code
 * Record r = new Record()
 *     .text("phone", "+31 6 1234 5678", Category.CONTACT_DETAILS)
 *     .text("witness_name", "A. Jansen", Category.WITNESS_IDENTITY);
 * }</pre>
 */
public final class Record implements AutoCloseable {
    /** {@code CUSTODIA_CLASSIFICATION_MINIMUM}. */
    private static final int MINIMUM = -1;

    private enum Kind { TEXT, INTEGER, DATE, BYTES, NESTED }

    private static final class Entry {
        final String name;
        final Kind kind;
        final Object value;
        final Category category;
        final int classification;
        final String[] purposes;

        Entry(String name, Kind kind, Object value, Category category, Classification classification,
                List<String> purposes) {
            this.name = Native.text("name", Objects.requireNonNull(name, "name"));
            this.kind = kind;
            this.value = Objects.requireNonNull(value, "value");
            this.category = Objects.requireNonNull(category, "category");
            this.classification = classification == null ? MINIMUM : classification.code();
            this.purposes = purposes == null ? new String[0] : Native.texts("purposes", purposes.toArray(new String[0]));
        }
    }

    private final List<Entry> entries = new ArrayList<>();

    /** An empty record. */
    public Record() {}

    /** Add a text field of {@code category} at its minimum classification, under the envelope's purposes. */
    public Record text(String name, String value, Category category) {
        return text(name, value, category, null, null);
    }

    /** Add a text field with its own classification (null: the category's minimum) and purposes (null: the envelope's). */
    public Record text(String name, String value, Category category, Classification classification,
            List<String> purposes) {
        entries.add(new Entry(name, Kind.TEXT, Native.text("value", value), category, classification, purposes));
        return this;
    }

    /** Add an integer field. */
    public Record integer(String name, long value, Category category) {
        return integer(name, value, category, null, null);
    }

    /** Add an integer field with its own classification and purposes (null for the defaults). */
    public Record integer(String name, long value, Category category, Classification classification,
            List<String> purposes) {
        entries.add(new Entry(name, Kind.INTEGER, value, category, classification, purposes));
        return this;
    }

    /** Add a date field. */
    public Record date(String name, LocalDate value, Category category) {
        entries.add(new Entry(name, Kind.DATE, value, category, null, null));
        return this;
    }

    /** Add a bytes field (the array is copied; the copy is wiped by {@link #close()}). */
    public Record bytes(String name, byte[] value, Category category, Classification classification,
            List<String> purposes) {
        entries.add(new Entry(name, Kind.BYTES, value.clone(), category, classification, purposes));
        return this;
    }

    /** Add a nested field holding {@code inner}'s values (their own terms are not kept: they go with this field). */
    public Record nested(String name, Record inner, Category category) {
        entries.add(new Entry(name, Kind.NESTED, Objects.requireNonNull(inner, "inner"), category, null, null));
        return this;
    }

    /** Build the native record; the caller frees it with {@code custodia_record_free}. */
    long build() {
        CustodiaLibrary lib = Native.lib();
        LongByReference out = new LongByReference();
        Native.check(lib.custodia_record_new(out));
        long r = out.getValue();
        try {
            for (Entry e : entries) {
                add(lib, r, e, e.category.code(), e.classification, e.purposes);
            }
            return r;
        } catch (RuntimeException e) {
            lib.custodia_record_free(r);
            throw e;
        }
    }

    private static void add(CustodiaLibrary lib, long r, Entry e, int category, int classification, String[] p) {
        switch (e.kind) {
            case TEXT: {
                byte[] b = ((String) e.value).getBytes(StandardCharsets.UTF_8);
                try {
                    Native.check(lib.custodia_record_add_text(r, e.name, b, b.length, category, classification, p,
                            p.length));
                } finally {
                    Arrays.fill(b, (byte) 0);
                }
                break;
            }
            case INTEGER:
                Native.check(lib.custodia_record_add_integer(r, e.name, (Long) e.value, category, classification, p,
                        p.length));
                break;
            case DATE:
                Native.check(lib.custodia_record_add_date(r, e.name, e.value.toString(), category, classification,
                        p, p.length));
                break;
            case BYTES: {
                byte[] b = (byte[]) e.value;
                Native.check(lib.custodia_record_add_bytes(r, e.name, b, b.length, category, classification, p,
                        p.length));
                break;
            }
            default: {
                long inner = ((Record) e.value).build();
                try {
                    Native.check(lib.custodia_record_add_nested(r, e.name, inner, category, classification, p,
                            p.length));
                } finally {
                    lib.custodia_record_free(inner);
                }
            }
        }
    }

    /** Wipe the byte values this record holds. */
    @Override
    public void close() {
        for (Entry e : entries) {
            if (e.value instanceof byte[]) {
                Arrays.fill((byte[]) e.value, (byte) 0);
            }
        }
        entries.clear();
    }
}
