package org.custodia.handles;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.custodia.CustodiaException;
import org.custodia.InvalidArgumentException;
import org.custodia.Status;
import org.custodia.raw.CustodiaBuffer;
import org.custodia.raw.CustodiaLibrary;
import org.custodia.raw.LibraryLoader;

/**
 * Layer 2: the checks every call through the raw layer goes through. Owns turning a status into an exception
 * (reading the thread-local last error at once, on the calling thread), copying buffers out and freeing them, and
 * refusing Java strings that would not reach C unchanged. It must never keep a copy of a secret it copied out.
 */
public final class Native {
    private Native() {}

    /** The loaded, ABI-checked library. */
    public static CustodiaLibrary lib() {
        return LibraryLoader.library();
    }

    /**
     * Throw the exception for {@code status} unless it is {@code CUSTODIA_OK}. Must be called right after the
     * failing call, on the same thread, before any other custodia call (the message is thread-local and replaced
     * by the next call). JNA calls run on the calling thread, so that holds.
     */
    public static void check(int status) {
        if (status != Status.OK.code()) {
            throw CustodiaException.of(status, lib().custodia_last_error_message());
        }
    }

    /**
     * A string argument as C will see it. JNA truncates at an embedded NUL and replaces unpaired surrogates, so
     * both would silently change the meaning of a purpose or reference: refuse them instead.
     */
    public static String text(String what, String value) {
        if (value == null) {
            return null;
        }
        if (value.indexOf('\0') >= 0) {
            throw new InvalidArgumentException(Status.INVALID_ARGUMENT.code(), what + " contains a NUL character");
        }
        if (!StandardCharsets.UTF_8.newEncoder().canEncode(value)) {
            throw new InvalidArgumentException(Status.INVALID_UTF8.code(),
                    what + " is not valid Unicode (unpaired surrogate)");
        }
        return value;
    }

    /** Each element of {@code values} checked as by {@link #text}; nulls are refused here. */
    public static String[] texts(String what, String[] values) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == null) {
                throw new InvalidArgumentException(Status.NULL_POINTER.code(), what + "[" + i + "] is null");
            }
            text(what + "[" + i + "]", values[i]);
        }
        return values;
    }

    /**
     * Copy a buffer that a successful call filled in into a new array, then free it (custodia zeroizes its copy).
     * The caller owns the array and wipes it if it is secret.
     */
    public static byte[] takeBytes(CustodiaBuffer buffer) {
        try {
            if (buffer.data == null || buffer.len == 0) {
                return new byte[0];
            }
            if (buffer.len < 0 || buffer.len > Integer.MAX_VALUE - 8) {
                throw new InvalidArgumentException(Status.LIMIT_EXCEEDED.code(),
                        "a native buffer of " + Long.toUnsignedString(buffer.len) + " bytes does not fit a Java array");
            }
            return buffer.data.getByteArray(0, (int) buffer.len);
        } finally {
            free(buffer);
        }
    }

    /** Copy out a text buffer (UTF-8) and free it. Only for text that is not secret. */
    public static String takeText(CustodiaBuffer buffer) {
        byte[] bytes = takeBytes(buffer);
        try {
            return new String(bytes, StandardCharsets.UTF_8);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** Free a buffer (zeroizing it); a no-op for an empty one. */
    public static void free(CustodiaBuffer buffer) {
        if (buffer.data != null) {
            check(lib().custodia_buffer_free(buffer));
        }
    }

    /** A static string written through a {@code const char **} out-parameter. */
    public static String staticString(PointerByReference out) {
        Pointer p = out.getValue();
        return p == null ? "" : p.getString(0, "UTF-8");
    }
}
