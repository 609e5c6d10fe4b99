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
    private final String authority;
    private final Instant notBefore;
    private final Instant notAfter;
    private final Instant revokedAt;
    private final String revokedReason;
    private final Instant compromisedAt;
    private final String compromisedReason;

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
        this.authority = raw.authority == null ? null : raw.authority.getString(0, "UTF-8");
        this.notBefore = instant(raw.not_before);
        this.notAfter = instant(raw.not_after);
        this.revokedAt = instant(raw.revoked_at);
        this.revokedReason = raw.revoked_reason == null ? null : raw.revoked_reason.getString(0, "UTF-8");
        this.compromisedAt = instant(raw.compromised_at);
        this.compromisedReason = raw.compromised_reason == null ? null : raw.compromised_reason.getString(0, "UTF-8");
    }

    private static Instant instant(long unix) {
        return unix == 0 ? null : Instant.ofEpochSecond(unix);
    }

    /** For another authority's key: the authority's name ({@link Custodian#importAuthorityKey}). */
    public Optional<String> authority() {
        return Optional.ofNullable(authority);
    }

    /** For another authority's key: nothing is sealed or shared to it before this time. */
    public Optional<Instant> notBefore() {
        return Optional.ofNullable(notBefore);
    }

    /** For another authority's key: nothing is sealed or shared to it at or after this time. */
    public Optional<Instant> notAfter() {
        return Optional.ofNullable(notAfter);
    }

    /** When it was revoked ({@link Custodian#revokeKey}), if it was. */
    public Optional<Instant> revokedAt() {
        return Optional.ofNullable(revokedAt);
    }

    /** Why it was revoked, if it was. */
    public Optional<String> revokedReason() {
        return Optional.ofNullable(revokedReason);
    }

    /** When it was marked compromised ({@link Custodian#markCompromised}), if it was. */
    public Optional<Instant> compromisedAt() {
        return Optional.ofNullable(compromisedAt);
    }

    /** Why it was marked compromised, if it was. */
    public Optional<String> compromisedReason() {
        return Optional.ofNullable(compromisedReason);
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
