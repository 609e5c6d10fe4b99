package org.custodia;

import java.util.Objects;
import java.util.Optional;

/** One recipient stanza of an envelope: the key it is for and its kind. Not secret. */
public final class Recipient {
    private final KeyId keyId;
    private final int kindCode;

    Recipient(KeyId keyId, int kindCode) {
        this.keyId = Objects.requireNonNull(keyId, "keyId");
        this.kindCode = kindCode;
    }

    /** The key the stanza is for. */
    public KeyId keyId() {
        return keyId;
    }

    /** The stanza kind's stable code (1 KEK, 2 X25519, 3 X25519 with sender, 4 X-Wing; others unknown kinds). */
    public int kindCode() {
        return kindCode;
    }

    /** The stanza's kind, if this library knows it. */
    public Optional<RecipientKind> kind() {
        for (RecipientKind k : RecipientKind.values()) {
            if (k.code() == kindCode) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Recipient && ((Recipient) o).keyId.equals(keyId) && ((Recipient) o).kindCode == kindCode;
    }

    @Override
    public int hashCode() {
        return keyId.hashCode() * 31 + kindCode;
    }

    @Override
    public String toString() {
        return "Recipient[" + keyId + ", " + kind().map(Enum::name).orElse(Integer.toString(kindCode)) + "]";
    }
}
