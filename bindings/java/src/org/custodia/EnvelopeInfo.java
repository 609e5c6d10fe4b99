package org.custodia;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
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

    EnvelopeInfo(org.custodia.raw.EnvelopeInfo raw) {
        this.objectId = cString(raw.object_id);
        this.category = Category.fromCode(raw.category);
        this.classification = Classification.fromCode(raw.classification);
        this.created = Instant.ofEpochSecond(raw.created);
        this.notAfter = raw.not_after == 0 ? null : Instant.ofEpochSecond(raw.not_after);
        this.purposeCount = (int) raw.purpose_count;
        this.recipientCount = (int) raw.recipient_count;
        this.signer = raw.has_signer != 0 ? KeyId.fromBytes(raw.signer) : null;
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
    public String toString() {
        return "EnvelopeInfo[" + objectId + ", " + category.wireName() + ", " + classification.wireName() + "]";
    }
}
