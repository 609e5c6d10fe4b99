package org.custodia;

/** The life of a key ({@code custodia_key_state}). */
public enum KeyState {
    /** Seals and opens. */
    ACTIVE(0),
    /** Opens what was sealed under it but seals nothing new (it was rotated). */
    DECRYPT_ONLY(1),
    /** Crypto-shredded: the secret is gone; a tombstone remains. */
    DESTROYED(2);

    private final int code;

    KeyState(int code) {
        this.code = code;
    }

    /** The stable C code. */
    public int code() {
        return code;
    }

    /** The state with this code. */
    public static KeyState fromCode(int code) {
        for (KeyState s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new InvalidArgumentException(Status.UNKNOWN_CODE.code(), "unknown key state code " + code);
    }
}
