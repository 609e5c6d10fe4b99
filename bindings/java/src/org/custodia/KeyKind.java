package org.custodia;

import java.util.Locale;

/** The kinds of key ({@code custodia_key_kind}). */
public enum KeyKind {
    /** A 256-bit symmetric key-encryption key. */
    KEK(1),
    /** An X25519 key pair (HPKE recipient and sender identity). */
    X25519(2),
    /** An X-Wing (ML-KEM-768 + X25519) post-quantum hybrid key pair. */
    XWING(3),
    /** An Ed25519 signing key pair. */
    ED25519(4);

    private final int code;

    KeyKind(int code) {
        this.code = code;
    }

    /** The stable C code. */
    public int code() {
        return code;
    }

    /** The stable name ({@code "x25519"}). */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind with this code. */
    public static KeyKind fromCode(int code) {
        for (KeyKind k : values()) {
            if (k.code == code) {
                return k;
            }
        }
        throw new InvalidArgumentException(Status.UNKNOWN_CODE.code(), "unknown key kind code " + code);
    }
}
