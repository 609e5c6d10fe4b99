package org.custodia;

/**
 * An opened envelope: the plaintext (secret, wiped on {@link #close()}) and the envelope's metadata. The open has
 * already been recorded in the audit log. Use in try-with-resources.
 */
public final class Opened implements AutoCloseable {
    private final SensitiveBytes plaintext;
    /** Decoded on first use from {@link #rawInfo}: most callers only want the plaintext. */
    private EnvelopeInfo info;
    /** The library's {@code struct custodia_envelope_info} as bytes, until decoded. */
    private byte[] rawInfo;

    Opened(SensitiveBytes plaintext, EnvelopeInfo info) {
        this.plaintext = plaintext;
        this.info = info;
    }

    Opened(SensitiveBytes plaintext, byte[] rawInfo) {
        this.plaintext = plaintext;
        this.rawInfo = rawInfo;
    }

    /** The plaintext; wiped when this is closed. */
    public SensitiveBytes plaintext() {
        return plaintext;
    }

    /** The envelope's bound metadata. */
    public synchronized EnvelopeInfo info() {
        if (info == null) {
            com.sun.jna.Memory m = new com.sun.jna.Memory(rawInfo.length);
            m.write(0, rawInfo, 0, rawInfo.length);
            org.custodia.raw.EnvelopeInfo raw = new org.custodia.raw.EnvelopeInfo(m);
            raw.read();
            info = new EnvelopeInfo(raw);
            rawInfo = null;
        }
        return info;
    }

    /** Wipe the plaintext. */
    @Override
    public void close() {
        plaintext.close();
    }

    @Override
    public String toString() {
        return "Opened[" + info() + ", " + plaintext + "]";
    }
}
