package org.custodia;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Secret: opened plaintext, wiped ({@code Arrays.fill} with zeros) on {@link #close()}; never printed. Use it in
 * try-with-resources and do not keep references to {@link #bytes()} beyond the block.
 *
 * <p>The JVM may have copied the array while moving it (garbage collection), and those copies cannot be wiped
 * from Java; wiping still removes the copy you are most likely to leak (in a heap dump, a pooled buffer, a log).
 */
public final class SensitiveBytes implements AutoCloseable {
    private final byte[] bytes;
    private volatile boolean wiped;

    /** Take ownership of {@code bytes} (not copied): it will be wiped on close. */
    public SensitiveBytes(byte[] bytes) {
        this.bytes = java.util.Objects.requireNonNull(bytes, "bytes");
    }

    /**
     * The bytes themselves, not a copy: wiped when this is closed.
     *
     * @throws IllegalStateException after close
     */
    public byte[] bytes() {
        checkOpen();
        return bytes;
    }

    /** A copy the caller must wipe. */
    public byte[] copy() {
        checkOpen();
        return bytes.clone();
    }

    /** The bytes as UTF-8 text (an immutable String that cannot be wiped: only for data that may be kept). */
    public String toUtf8String() {
        checkOpen();
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** The number of bytes. */
    public int length() {
        return bytes.length;
    }

    /** Whether these bytes equal {@code other} (constant time in the length). */
    public boolean contentEquals(byte[] other) {
        checkOpen();
        return java.security.MessageDigest.isEqual(bytes, other);
    }

    /** Whether {@link #close()} was called. */
    public boolean isWiped() {
        return wiped;
    }

    /** Overwrite the bytes with zeros; idempotent. */
    @Override
    public void close() {
        wiped = true;
        Arrays.fill(bytes, (byte) 0);
    }

    private void checkOpen() {
        if (wiped) {
            throw new IllegalStateException("sensitive bytes were wiped (closed)");
        }
    }

    @Override
    public String toString() {
        return "SensitiveBytes[" + bytes.length + " bytes" + (wiped ? ", wiped" : "") + "]";
    }
}
