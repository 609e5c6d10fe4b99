package org.custodia;

/** The kind of an envelope's recipient stanza ({@code custodia_recipient.kind}). */
public enum RecipientKind {
    /** ChaCha20-Poly1305 wrap under a key derived from a KEK. */
    KEK(1),
    /** HPKE base mode to an X25519 key. */
    X25519(2),
    /** HPKE auth mode to an X25519 key, from a named X25519 sender. */
    X25519_AUTH(3),
    /** HPKE base mode to an X-Wing (post-quantum hybrid) key. */
    XWING(4);

    private final int code;

    RecipientKind(int code) {
        this.code = code;
    }

    /** The stable code. */
    public int code() {
        return code;
    }
}
