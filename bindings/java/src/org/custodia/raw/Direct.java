package org.custodia.raw;

import com.sun.jna.Pointer;

/**
 * Layer 1: the calls of the hot paths ({@code Custodian.seal}, {@code Custodian.open}) as JNA <em>direct</em>
 * mappings: static natives bound once by {@link LibraryLoader} ({@code Native.register}), which skip the proxy,
 * reflection and per-call argument conversion of the interface mapping ({@link CustodiaLibrary}, which declares the
 * same functions for everything else and for the header parity test). Every argument is a primitive, a byte array
 * or a {@link Pointer} to memory the caller owns, so nothing is converted or allocated per call.
 *
 * <p>Only usable after {@link LibraryLoader#library()} has returned (it registers these methods).
 */
public final class Direct {
    private Direct() {}

    /** {@code custodia_seal_into}; {@code outLen} points to a {@code size_t}. */
    public static native int custodia_seal_into(long custodian, long actor, byte[] data, long dataLen, long options,
            Pointer out, long outCapacity, Pointer outLen);

    /**
     * {@code custodia_open_into}; {@code purpose} is NUL-terminated UTF-8, {@code outLen} points to a
     * {@code size_t}, {@code outInfo} to {@code sizeof(struct custodia_envelope_info)} bytes.
     */
    public static native int custodia_open_into(long custodian, long actor, byte[] purpose, long exception,
            byte[] envelope, long envelopeLen, byte[] requiredSigner, Pointer out, long outCapacity, Pointer outLen,
            Pointer outInfo);
}
