package org.custodia;

import java.time.Instant;
import java.util.Optional;

/** Public facts about one key of the keyring (no secret). */
public final class KeyInfo {
    private final KeyId id;
    private final KeyKind kind;
    private final KeyState state;
    private final String label;
    private final String caseRef;
    private final Instant created;
    private final Instant destroyAfter;
    private final Instant destroyedAt;
    private final boolean hasSecret;
    private final KeyId rotatedFrom;
    private final KeyId rotatedTo;
    private final String jurisdiction;

    KeyInfo(org.custodia.raw.KeyInfo raw) {
        this.id = KeyId.fromBytes(raw.key_id);
        this.kind = KeyKind.fromCode(raw.kind);
        this.state = KeyState.fromCode(raw.state);
        this.label = raw.label == null ? "" : raw.label.getString(0, "UTF-8");
        this.caseRef = raw.case_ref == null ? null : raw.case_ref.getString(0, "UTF-8");
        this.created = Instant.ofEpochSecond(raw.created);
        this.destroyAfter = raw.destroy_after == 0 ? null : Instant.ofEpochSecond(raw.destroy_after);
        this.destroyedAt = raw.destroyed_at == 0 ? null : Instant.ofEpochSecond(raw.destroyed_at);
        this.hasSecret = raw.has_secret != 0;
        this.rotatedFrom = raw.has_rotated_from != 0 ? KeyId.fromBytes(raw.rotated_from) : null;
        this.rotatedTo = raw.has_rotated_to != 0 ? KeyId.fromBytes(raw.rotated_to) : null;
        this.jurisdiction = raw.jurisdiction == null ? null : raw.jurisdiction.getString(0, "UTF-8");
    }

    public KeyId id() {
        return id;
    }

    public KeyKind kind() {
        return kind;
    }

    public KeyState state() {
        return state;
    }

    public String label() {
        return label;
    }

    /** The case this key belongs to, for per-case keys. */
    public Optional<String> caseRef() {
        return Optional.ofNullable(caseRef);
    }

    public Instant created() {
        return created;
    }

    /** The retention deadline, if any. */
    public Optional<Instant> destroyAfter() {
        return Optional.ofNullable(destroyAfter);
    }

    /** When it was destroyed, if it was. */
    public Optional<Instant> destroyedAt() {
        return Optional.ofNullable(destroyedAt);
    }

    /** Whether the keyring holds its secret (false for imported public keys and destroyed keys). */
    public boolean hasSecret() {
        return hasSecret;
    }

    /** The key this one replaced by rotation. */
    public Optional<KeyId> rotatedFrom() {
        return Optional.ofNullable(rotatedFrom);
    }

    /** For another authority's key: the jurisdiction it was imported with ({@code "NL"}). */
    public Optional<String> jurisdiction() {
        return Optional.ofNullable(jurisdiction);
    }

    /** The key that replaced this one by rotation. */
    public Optional<KeyId> rotatedTo() {
        return Optional.ofNullable(rotatedTo);
    }

    @Override
    public String toString() {
        return "KeyInfo[" + id + ", " + kind.wireName() + ", " + state + ", " + label + "]";
    }
}
