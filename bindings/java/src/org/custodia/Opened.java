package org.custodia;

/**
 * An opened envelope: the plaintext (secret, wiped on {@link #close()}) and the envelope's metadata. The open has
 * already been recorded in the audit log. Use in try-with-resources.
 */
public final class Opened implements AutoCloseable {
    private final SensitiveBytes plaintext;
    private final EnvelopeInfo info;

    Opened(SensitiveBytes plaintext, EnvelopeInfo info) {
        this.plaintext = plaintext;
        this.info = info;
    }

    /** The plaintext; wiped when this is closed. */
    public SensitiveBytes plaintext() {
        return plaintext;
    }

    /** The envelope's bound metadata. */
    public EnvelopeInfo info() {
        return info;
    }

    /** Wipe the plaintext. */
    @Override
    public void close() {
        plaintext.close();
    }

    @Override
    public String toString() {
        return "Opened[" + info + ", " + plaintext + "]";
    }
}
