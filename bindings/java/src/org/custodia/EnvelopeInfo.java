package org.custodia;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** An envelope's bound metadata (not secret): what the data is, when it was sealed, until when, who signed. */
public final class EnvelopeInfo {
    private final String objectId;
    private final Category category;
    private final Classification classification;
    private final Instant created;
    private final Instant notAfter;
    private final int purposeCount;
    private final int recipientCount;
    private final KeyId signer;
    private final int instrumentKind;
    private final String instrumentReference;
    private final String transferBasis;
    private final String origin;
    private final List<String> destinations;
    private final List<String> purposes;
    private final String caseRef;
    private final List<Recipient> recipients;
    private final int grantCount;
    private final List<Grant> grants;

    EnvelopeInfo(org.custodia.raw.EnvelopeInfo raw) {
        this(raw, List.of());
    }

    EnvelopeInfo(org.custodia.raw.EnvelopeInfo raw, List<Grant> grants) {
        this.objectId = cString(raw.object_id);
        this.category = Category.fromCode(raw.category);
        this.classification = Classification.fromCode(raw.classification);
        this.created = Instant.ofEpochSecond(raw.created);
        this.notAfter = raw.not_after == 0 ? null : Instant.ofEpochSecond(raw.not_after);
        this.purposeCount = (int) raw.purpose_count;
        this.recipientCount = (int) raw.recipient_count;
        this.signer = raw.has_signer != 0 ? KeyId.fromBytes(raw.signer) : null;
        this.instrumentKind = raw.instrument_kind;
        this.instrumentReference = emptyToNull(cString(raw.instrument_reference));
        this.transferBasis = emptyToNull(cString(raw.transfer_basis));
        this.origin = emptyToNull(cString(raw.origin));
        this.destinations = words(cString(raw.destinations));
        this.purposes = words(cString(raw.purposes));
        this.caseRef = emptyToNull(cString(raw.case_ref));
        int n = (int) Math.min(raw.recipient_count, raw.recipients.length);
        Recipient[] list = new Recipient[n];
        for (int i = 0; i < n; i++) {
            list[i] = new Recipient(KeyId.fromBytes(raw.recipients[i].key_id), raw.recipients[i].kind);
        }
        this.recipients = List.of(list);
        this.grantCount = (int) raw.grant_count;
        this.grants = List.copyOf(grants);
    }

    /** The case reference, if the sealer gave one. */
    public Optional<String> caseRef() {
        return Optional.ofNullable(caseRef);
    }

    /** The recipient stanzas (key id and kind), in header order. */
    public List<Recipient> recipients() {
        return recipients;
    }

    /** How many originator's grants the header carries ({@link Custodian#envelopeGrants} gives them). */
    public int grantCount() {
        return grantCount;
    }

    /**
     * The originator's grants the header carries, as read (not yet checked), when the envelope's bytes were at hand
     * ({@link Custodian#inspect}); otherwise empty: see {@link #grantCount()}.
     */
    public List<Grant> grants() {
        return grants;
    }

    private static String emptyToNull(String s) {
        return s.isEmpty() ? null : s;
    }

    private static List<String> words(String s) {
        return s.isEmpty() ? List.of() : List.copyOf(Arrays.asList(s.split(" ")));
    }

    /** The legal instrument's kind, if the sealer named one. */
    public Optional<InstrumentKind> instrumentKind() {
        for (InstrumentKind k : InstrumentKind.values()) {
            if (k.code() == instrumentKind) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    /** The instrument's reference (e.g. the EIO number), if any. */
    public Optional<String> instrumentReference() {
        return Optional.ofNullable(instrumentReference);
    }

    /** The transfer basis (e.g. "Art. 18 MLAT NL-US"), if any. */
    public Optional<String> transferBasis() {
        return Optional.ofNullable(transferBasis);
    }

    /** Where the data comes from ({@code "NL"}), if named. */
    public Optional<String> origin() {
        return Optional.ofNullable(origin);
    }

    /** Where it may go, besides the origin. */
    public List<String> destinations() {
        return destinations;
    }

    /** The purposes it was given for. */
    public List<String> purposes() {
        return purposes;
    }

    static String cString(byte[] bytes) {
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) {
            n++;
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }

    /** The envelope's object id (32 hex digits), as the audit log names it. */
    public String objectId() {
        return objectId;
    }

    /** What the data is. */
    public Category category() {
        return category;
    }

    /** How tightly it is held. */
    public Classification classification() {
        return classification;
    }

    /** When it was sealed. */
    public Instant created() {
        return created;
    }

    /** When it stops opening, if ever. */
    public Optional<Instant> notAfter() {
        return Optional.ofNullable(notAfter);
    }

    /** How many purposes it was given for. */
    public int purposeCount() {
        return purposeCount;
    }

    /** How many recipient stanzas it has. */
    public int recipientCount() {
        return recipientCount;
    }

    /** The signing key, if it is signed. */
    public Optional<KeyId> signer() {
        return Optional.ofNullable(signer);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof EnvelopeInfo)) {
            return false;
        }
        EnvelopeInfo e = (EnvelopeInfo) o;
        return objectId.equals(e.objectId) && category == e.category && classification == e.classification
                && created.equals(e.created) && java.util.Objects.equals(notAfter, e.notAfter)
                && java.util.Objects.equals(signer, e.signer) && instrumentKind == e.instrumentKind
                && java.util.Objects.equals(instrumentReference, e.instrumentReference)
                && java.util.Objects.equals(transferBasis, e.transferBasis) && java.util.Objects.equals(origin, e.origin)
                && destinations.equals(e.destinations) && purposes.equals(e.purposes)
                && java.util.Objects.equals(caseRef, e.caseRef) && recipients.equals(e.recipients)
                && grantCount == e.grantCount;
    }

    @Override
    public int hashCode() {
        return objectId.hashCode();
    }

    @Override
    public String toString() {
        return "EnvelopeInfo[" + objectId + ", " + category.wireName() + ", " + classification.wireName() + "]";
    }
}
