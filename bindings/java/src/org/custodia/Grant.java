package org.custodia;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.custodia.handles.Native;

/**
 * An originator's grant (rule of speciality): a small signed object by which the authority that sealed an envelope
 * lets a recipient pass it on to one more authority's key (onward transfer) or use it for more purposes (purpose
 * extension). Issue one with {@link Custodian#issueOnwardTransferGrant} or
 * {@link Custodian#issuePurposeExtensionGrant}; apply it with {@link Custodian#rewrap(Actor, byte[], Purpose,
 * java.util.Collection, java.util.Collection, Grant)} or {@link Custodian#extendPurposes}. It travels as text
 * ({@code -----BEGIN CUSTODIA GRANT-----}).
 *
 * <p>Immutable; equal when the bytes are equal; not secret. Its form is checked on construction
 * ({@link GrantInvalidException}); its signature, envelope and expiry where it is used.
 */
public final class Grant {
    private static final int ID_TEXT_SIZE = 33;

    private final byte[] bytes;
    private final String id;

    private Grant(byte[] bytes) {
        this.bytes = bytes;
        byte[] out = new byte[ID_TEXT_SIZE];
        Native.check(Native.lib().custodia_grant_id(bytes, bytes.length, out, out.length));
        this.id = new String(out, 0, ID_TEXT_SIZE - 1, StandardCharsets.US_ASCII);
    }

    /**
     * A grant from its armored text.
     *
     * @throws GrantInvalidException when the text is not a well-formed grant
     */
    public static Grant fromText(String text) {
        Objects.requireNonNull(text, "text");
        return new Grant(text.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * A grant from its bytes (armored or binary).
     *
     * @throws GrantInvalidException when the bytes are not a well-formed grant
     */
    public static Grant fromBytes(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        return new Grant(bytes.clone());
    }

    /** The grant's id (32 hex digits), as the audit log records it (detail {@code grant}). */
    public String id() {
        return id;
    }

    /** The bytes it was made from (the armored text, as the library issues it). */
    public byte[] toBytes() {
        return bytes.clone();
    }

    /** The armored text form. */
    public String toText() {
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    byte[] raw() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Grant && Arrays.equals(((Grant) o).bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "Grant(" + id + ")";
    }
}
