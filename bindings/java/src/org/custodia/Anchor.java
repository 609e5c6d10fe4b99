package org.custodia;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.custodia.handles.Native;

/**
 * A signed checkpoint of a custodian's audit log (its JSON text, {@code docs/AUDIT.md} §4.1), to hand to and keep at
 * another authority, which counter-signs it ({@link Custodian#countersignAnchor}). Passed back to
 * {@link Custodian#verifyAudit(java.util.Collection)}, it proves the log still holds exactly the prefix it pins.
 *
 * <p>Immutable; equal when the texts are equal. Only the shape is checked on construction: the library checks the
 * signatures ({@link #verify}, {@link Custodian#verifyAudit(java.util.Collection)}).
 */
public final class Anchor {
    private static final Pattern COUNT = Pattern.compile("\"count\":(\\d+)");
    private static final Pattern LOG = Pattern.compile("\"log\":\"([0-9a-f]{32})\"");
    private static final Pattern HEAD = Pattern.compile("\"head\":\"([0-9a-f]{64})\"");

    private final String json;

    private Anchor(String json) {
        this.json = json;
    }

    /**
     * Wrap an anchor's JSON text (as {@link #toJson()} gives it).
     *
     * @throws InvalidArgumentException when the text is not an anchor object
     */
    public static Anchor fromJson(String json) {
        Objects.requireNonNull(json, "json");
        if (!json.startsWith("{\"type\":\"custodia.audit.anchor.v2\",") || !COUNT.matcher(json).find()) {
            throw new InvalidArgumentException(Status.INVALID_ARGUMENT.code(), "not a custodia audit anchor");
        }
        return new Anchor(Native.text("anchor", json));
    }

    /** The JSON text, exactly as the library wrote it. */
    public String toJson() {
        return json;
    }

    /** How many log entries it covers. */
    public long count() {
        Matcher m = COUNT.matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** The id of the log it belongs to (32 hex digits). */
    public String logId() {
        Matcher m = LOG.matcher(json);
        return m.find() ? m.group(1) : "";
    }

    /** The hash of the last covered entry (64 hex digits). */
    public String head() {
        Matcher m = HEAD.matcher(json);
        return m.find() ? m.group(1) : "";
    }

    /**
     * Check the checkpoint signature with the custodian's audit public key text and every counter-signature.
     *
     * @throws AnchorInvalidException naming the signature that does not verify
     * @throws KeyringException for a mistyped key text
     */
    public void verify(String auditKey) {
        verify(auditKey, null);
    }

    /**
     * As {@link #verify(String)}, and, when {@code witnessKey} (a witness's Ed25519 public key text, from
     * {@link Custodian#exportPublic}) is not null, that this witness counter-signed it.
     *
     * @throws AnchorInvalidException when a signature does not verify or the witness did not sign
     */
    public void verify(String auditKey, String witnessKey) {
        String k = Native.text("audit key", Objects.requireNonNull(auditKey, "auditKey"));
        String w = witnessKey == null ? null : Native.text("witness key", witnessKey);
        Native.check(Native.lib().custodia_anchor_verify(json, k, w));
    }

    /** Whether the anchor is genuine (by {@code auditKey}) and counter-signed by {@code witnessKey} (key texts). */
    public boolean isWitnessedBy(String witnessKey, String auditKey) {
        Objects.requireNonNull(witnessKey, "witnessKey");
        try {
            verify(auditKey, witnessKey);
            return true;
        } catch (AnchorInvalidException e) {
            return false;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Anchor && ((Anchor) o).json.equals(json);
    }

    @Override
    public int hashCode() {
        return json.hashCode();
    }

    @Override
    public String toString() {
        return json;
    }
}
