package org.custodia;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.custodia.handles.Native;

/**
 * A signed, PII-free record that keys were destroyed (its JSON text, {@code docs/AUDIT.md} §5), returned by
 * {@link Custodian#destroyKey} and {@link Custodian#shredExpired}. It verifies with the custodian's audit public key
 * text alone ({@link #verify}), long after the keys are gone. Immutable; equal when the texts are equal (its
 * signature covers exactly those bytes).
 */
public final class ErasureCertificate {
    private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)");
    private static final Pattern KEYS = Pattern.compile("\"keys\":\\[([^\\]]*)\\]");
    private static final Pattern KEY = Pattern.compile("\"([0-9a-f]{32})\"");

    private final String json;

    private ErasureCertificate(String json) {
        this.json = json;
    }

    /**
     * Wrap a certificate's JSON text; {@link #verify} checks it.
     *
     * @throws InvalidArgumentException when the text is not an erasure certificate object
     */
    public static ErasureCertificate fromJson(String json) {
        Objects.requireNonNull(json, "json");
        if (!json.startsWith("{\"type\":\"custodia.erasure.v2\",")) {
            throw new InvalidArgumentException(Status.INVALID_ARGUMENT.code(), "not a custodia erasure certificate");
        }
        return new ErasureCertificate(Native.text("certificate", json));
    }

    /** The JSON text, exactly as the library wrote it. */
    public String toJson() {
        return json;
    }

    /** The sequence number of the matching {@code erasure} entry in the audit log. */
    public long seq() {
        Matcher m = SEQ.matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** The destroyed keys. */
    public List<KeyId> keys() {
        List<KeyId> ids = new ArrayList<>();
        Matcher list = KEYS.matcher(json);
        if (list.find()) {
            Matcher k = KEY.matcher(list.group(1));
            while (k.find()) {
                ids.add(KeyId.parse(k.group(1)));
            }
        }
        return ids;
    }

    /**
     * Check the signature with the custodian's audit public key text ({@link Custodian#auditPublicKey()}).
     *
     * @throws AuditTamperedException when any member was altered, or the certificate names another audit key
     * @throws KeyringException for a mistyped key text
     */
    public void verify(String auditKey) {
        String k = Native.text("audit key", Objects.requireNonNull(auditKey, "auditKey"));
        Native.check(Native.lib().custodia_erasure_certificate_verify(json, k));
    }

    /** Why the keys were destroyed (e.g. {@code retention period ended}), read by the library's parser. */
    public String reason() {
        return cString(inspect().reason);
    }

    /** The case, if the erasure concerned one. */
    public java.util.Optional<String> caseRef() {
        String c = cString(inspect().case_ref);
        return c.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(c);
    }

    /** When the erasure was recorded. */
    public java.time.Instant time() {
        return java.time.Instant.ofEpochSecond(inspect().time);
    }

    /** How many envelopes became unreadable, when known. */
    public java.util.OptionalLong envelopes() {
        org.custodia.raw.ErasureCertificateInfo i = inspect();
        return i.has_envelopes != 0 ? java.util.OptionalLong.of(i.envelopes) : java.util.OptionalLong.empty();
    }

    /** {@code custodia_erasure_certificate_inspect}: the members as the library reads them (signature unchecked). */
    private org.custodia.raw.ErasureCertificateInfo inspect() {
        org.custodia.raw.ErasureCertificateInfo info = new org.custodia.raw.ErasureCertificateInfo();
        byte[] keys = new byte[org.custodia.raw.ErasureCertificateInfo.MAX_KEYS * KeyId.LENGTH];
        Native.check(Native.lib().custodia_erasure_certificate_inspect(json, info, keys,
                org.custodia.raw.ErasureCertificateInfo.MAX_KEYS));
        return info;
    }

    private static String cString(byte[] c) {
        int n = 0;
        while (n < c.length && c[n] != 0) {
            n++;
        }
        return new String(c, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ErasureCertificate && ((ErasureCertificate) o).json.equals(json);
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
