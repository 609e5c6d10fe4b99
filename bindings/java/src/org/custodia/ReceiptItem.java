package org.custodia;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;

/**
 * One thing a {@link Receipt} says happened: its kind ({@code "opened"}, ...), when, and its fields by name
 * ({@code "purpose"}, {@code "role"}, {@code "exception_kind"}, ...; only those present). Immutable.
 */
public final class ReceiptItem {
    private final String kind;
    private final Instant at;
    private final Map<String, String> fields;

    ReceiptItem(String kind, Instant at, Map<String, String> fields) {
        this.kind = kind;
        this.at = at;
        this.fields = Collections.unmodifiableMap(fields);
    }

    /** What happened ({@code received}, {@code opened}, {@code exception_used}, {@code shared}, ...). */
    public String kind() {
        return kind;
    }

    /** When. */
    public Instant at() {
        return at;
    }

    /** A field's value, or null. */
    public String get(String name) {
        return fields.get(name);
    }

    /** The fields present. */
    public Map<String, String> fields() {
        return fields;
    }

    @Override
    public String toString() {
        return kind + "@" + at + fields;
    }
}
