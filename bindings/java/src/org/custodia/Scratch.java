package org.custodia;

import com.sun.jna.Memory;

/**
 * This thread's output buffers for {@link Custodian#seal} and {@link Custodian#open}: the library writes into them
 * ({@code custodia_seal_into}, {@code custodia_open_into}), so a seal or open allocates no native memory and makes
 * one C call. A call takes its thread's buffer out of the thread-local and puts it back when done, so a nested call
 * on the same thread (from a signer, key provider or audit sink callback) gets a buffer of its own instead of
 * overwriting the outer call's. Plaintext written into an open buffer is copied out and wiped at once.
 */
final class Scratch {
    /** The first buffer's size: a 1 KiB seal needs {@code custodia_seal_max_size}, about 66 KiB. */
    static final long START = 1L << 17;
    /** The largest buffer a thread keeps between calls; a call needing more allocates for itself alone. */
    static final long KEEP = 1L << 22;
    /** {@code sizeof(struct custodia_envelope_info)} as JNA lays it out (checked against the header by the tests). */
    static final int INFO_SIZE = new org.custodia.raw.EnvelopeInfo().size();

    private static final ThreadLocal<Scratch> SEAL = new ThreadLocal<>();
    private static final ThreadLocal<Scratch> OPEN = new ThreadLocal<>();

    /** The output buffer. */
    final Memory out;
    /** Its size. */
    final long cap;
    /** A {@code size_t} out-parameter (the length written, or needed). */
    final Memory len = new Memory(8);
    /** A {@code struct custodia_envelope_info} out-parameter, for opens; null for seals. */
    final Memory info;

    private Scratch(long cap, boolean withInfo) {
        this.out = new Memory(Math.max(1, cap));
        this.cap = cap;
        this.info = withInfo ? new Memory(INFO_SIZE) : null;
    }

    /** A buffer of {@code cap} bytes for one call, not taken from (nor given back to) a thread. */
    static Scratch of(long cap, boolean withInfo) {
        return new Scratch(cap, withInfo);
    }

    static Scratch takeSeal() {
        Scratch s = SEAL.get();
        if (s == null) {
            return new Scratch(START, false);
        }
        SEAL.set(null);
        return s;
    }

    static void putSeal(Scratch s) {
        SEAL.set(s);
    }

    static Scratch takeOpen() {
        Scratch s = OPEN.get();
        if (s == null) {
            return new Scratch(START, true);
        }
        OPEN.set(null);
        return s;
    }

    static void putOpen(Scratch s) {
        OPEN.set(s);
    }

    /** The {@code size_t} in {@link #len}. */
    long length() {
        return len.getLong(0);
    }

    /** A copy of the envelope info the last open wrote, decoded only if asked for ({@link Opened#info()}). */
    byte[] infoBytes() {
        return info.getByteArray(0, INFO_SIZE);
    }
}
