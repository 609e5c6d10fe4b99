package org.custodia;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.custodia.handles.Native;

/** A key id: the short, stable fingerprint of a key (16 bytes; plain data, not secret, not a handle). */
public final class KeyId {
    /** Length of a key id in bytes ({@code CUSTODIA_KEY_ID_LEN}). */
    public static final int LENGTH = 16;
    private static final int TEXT_SIZE = 33;

    private final byte[] bytes;

    private KeyId(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * Parse the text form (32 hex digits).
     *
     * @throws InvalidArgumentException when it is not 32 hex digits
     */
    public static KeyId parse(String text) {
        Objects.requireNonNull(text, "key id text");
        byte[] out = new byte[LENGTH];
        Native.check(Native.lib().custodia_key_id_parse(Native.text("key id", text), out));
        return new KeyId(out);
    }

    /**
     * A key id from its 16 bytes (copied).
     *
     * @throws InvalidArgumentException when there are not exactly 16
     */
    public static KeyId fromBytes(byte[] bytes) {
        Objects.requireNonNull(bytes, "key id bytes");
        byte[] out = new byte[LENGTH];
        Native.check(Native.lib().custodia_key_id_from_bytes(bytes, bytes.length, out));
        return new KeyId(out);
    }

    /** A copy of the 16 bytes. */
    public byte[] toBytes() {
        return bytes.clone();
    }

    /** The bytes for a native call (not copied; never handed to callers). */
    byte[] raw() {
        return bytes;
    }

    /** The text form: 32 lowercase hex digits. */
    @Override
    public String toString() {
        byte[] out = new byte[TEXT_SIZE];
        Native.check(Native.lib().custodia_key_id_format(bytes, out, out.length));
        return new String(out, 0, TEXT_SIZE - 1, StandardCharsets.US_ASCII);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyId && Arrays.equals(((KeyId) o).bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }
}
