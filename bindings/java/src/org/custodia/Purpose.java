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

    private Purpose(String value) {
        this.value = value;
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
