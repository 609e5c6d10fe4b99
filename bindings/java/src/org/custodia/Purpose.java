package org.custodia;

import java.util.Objects;
import org.custodia.handles.Native;

/**
 * A purpose data is given for or opened for ({@code "criminal_investigation.fraud"}): a dotted path, checked
 * against custodia's grammar when made, so a {@code Purpose} in hand is always valid. A purpose covers its
 * sub-purposes: data given for {@code criminal_investigation} may be opened for
 * {@code criminal_investigation.fraud}.
 */
public final class Purpose {
    private final String value;
    /** The value as the C calls take it (UTF-8, NUL-terminated), encoded once: {@link Custodian#open} passes it. */
    private final byte[] cString;

    private Purpose(String value) {
        this.value = value;
        byte[] utf8 = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        this.cString = java.util.Arrays.copyOf(utf8, utf8.length + 1);
    }

    /** The NUL-terminated UTF-8 form; callers must not modify it. */
    byte[] cString() {
        return cString;
    }

    /**
     * Parse a purpose.
     *
     * @throws InvalidPurposeException when it breaks the grammar (the message says which rule)
     * @throws NullPointerException when {@code value} is null
     */
    public static Purpose of(String value) {
        Objects.requireNonNull(value, "purpose");
        Native.check(Native.lib().custodia_purpose_validate(Native.text("purpose", value)));
        return new Purpose(value);
    }

    /** The purpose's text. */
    public String value() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Purpose && ((Purpose) o).value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return value;
    }
}
