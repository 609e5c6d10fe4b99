package org.custodia;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.custodia.handles.SealOptionsHandle;

/**
 * The terms data is sealed under: category, classification, purposes, case, where it comes from and may be opened,
 * until when, who can open it (recipients) and who vouches for it (signer). Made by {@link #builder}; immutable
 * once built, reusable for many seals and from several threads. Owns a native handle: close it.
 */
public final class SealOptions implements AutoCloseable {
    private final SealOptionsHandle handle;
    private final Category category;
    private final Classification classification;
    private final Set<Purpose> purposes;
    private final String caseRef;
    private final String origin;
    private final List<String> destinations;
    private final Instant notAfter;
    private final List<KeyId> recipients;
    private final KeyId signer;

    private SealOptions(Builder b, SealOptionsHandle handle) {
        this.handle = handle;
        this.category = b.category;
        this.classification = b.classification == null ? b.category.minimumClassification() : b.classification;
        this.purposes = Collections.unmodifiableSet(new LinkedHashSet<>(b.purposes));
        this.caseRef = b.caseRef;
        this.origin = b.origin;
        this.destinations = List.copyOf(b.destinations);
        this.notAfter = b.notAfter;
        this.recipients = List.copyOf(b.recipients);
        this.signer = b.signer;
    }

    /** Start options for data of {@code category} given for {@code purposes} (at least one, at most 32). */
    public static Builder builder(Category category, Purpose... purposes) {
        Builder b = new Builder(Objects.requireNonNull(category, "category"));
        for (Purpose p : Objects.requireNonNull(purposes, "purposes")) {
            b.purpose(p);
        }
        return b;
    }

    /** The category. */
    public Category category() {
        return category;
    }

    /** The classification (the category's minimum unless set). */
    public Classification classification() {
        return classification;
    }

    /** The purposes the data is given for. */
    public Set<Purpose> purposes() {
        return purposes;
    }

    /** The case reference, if set. */
    public Optional<String> caseRef() {
        return Optional.ofNullable(caseRef);
    }

    /** Where the data comes from, if set. */
    public Optional<String> origin() {
        return Optional.ofNullable(origin);
    }

    /** The jurisdictions the data may be opened in (none: only the origin). */
    public List<String> destinations() {
        return destinations;
    }

    /** The time after which the data may no longer be opened, if set. */
    public Optional<Instant> notAfter() {
        return Optional.ofNullable(notAfter);
    }

    /** The recipient keys. */
    public List<KeyId> recipients() {
        return recipients;
    }

    /** The signing key, if any. */
    public Optional<KeyId> signer() {
        return Optional.ofNullable(signer);
    }

    SealOptionsHandle handle() {
        return handle;
    }

    /** Release the native handle; idempotent. */
    @Override
    public void close() {
        handle.close();
    }

    @Override
    public String toString() {
        return "SealOptions[" + category.wireName() + ", " + classification.wireName() + ", purposes " + purposes
                + (caseRef == null ? "" : ", case " + caseRef) + (handle.isClosed() ? ", closed" : "") + "]";
    }

    /** Collects the terms; {@link #build()} checks them all natively and makes the options. Not thread-safe. */
    public static final class Builder {
        private final Category category;
        private final Set<Purpose> purposes = new LinkedHashSet<>();
        private Classification classification;
        private String caseRef;
        private String origin;
        private final List<String> destinations = new ArrayList<>();
        private Instant notAfter;
        private final Set<KeyId> recipients = new LinkedHashSet<>();
        private KeyId signer;
        private KeyId sender;
        private InstrumentKind instrument;
        private String instrumentReference;
        private String transferBasis;
        private int chunkSize;
        private boolean armor;

        private Builder(Category category) {
            this.category = category;
        }

        /** Add a purpose the data is given for. */
        public Builder purpose(Purpose purpose) {
            purposes.add(Objects.requireNonNull(purpose, "purpose"));
            return this;
        }

        /** Set the classification; it may not be below the category's minimum. */
        public Builder classification(Classification classification) {
            this.classification = Objects.requireNonNull(classification, "classification");
            return this;
        }

        /** Set the case reference ({@code "MLA-2026-0042"}). */
        public Builder caseRef(String caseRef) {
            this.caseRef = Objects.requireNonNull(caseRef, "caseRef");
            return this;
        }

        /** Set where the data comes from (ISO 3166-1 alpha-2). */
        public Builder origin(String origin) {
            this.origin = Objects.requireNonNull(origin, "origin");
            return this;
        }

        /** Add jurisdictions the data may be opened in (ISO 3166-1 alpha-2). */
        public Builder destinations(String... destinations) {
            for (String d : destinations) {
                this.destinations.add(Objects.requireNonNull(d, "destination"));
            }
            return this;
        }

        /** Set the time after which the data may no longer be opened (whole seconds; must be after the epoch). */
        public Builder notAfter(Instant notAfter) {
            Objects.requireNonNull(notAfter, "notAfter");
            if (notAfter.getEpochSecond() <= 0) {
                throw new InvalidArgumentException(Status.INVALID_ARGUMENT.code(), "notAfter must be after 1970");
            }
            this.notAfter = notAfter;
            return this;
        }

        /** Add a recipient key (in the custodian's keyring, or an imported public key). */
        public Builder recipient(KeyId keyId) {
            recipients.add(Objects.requireNonNull(keyId, "keyId"));
            return this;
        }

        /** Sign with this Ed25519 key of the custodian's keyring. */
        public Builder signer(KeyId keyId) {
            this.signer = Objects.requireNonNull(keyId, "keyId");
            return this;
        }

        /** Seal as this own X25519 key, so X25519 recipients learn and authenticate who sealed (HPKE auth mode). */
        public Builder sender(KeyId keyId) {
            this.sender = Objects.requireNonNull(keyId, "keyId");
            return this;
        }

        /** The legal instrument of the transfer, the request's reference and the transfer basis (each nullable). */
        public Builder instrument(InstrumentKind kind, String reference, String transferBasis) {
            this.instrument = Objects.requireNonNull(kind, "kind");
            this.instrumentReference = reference;
            this.transferBasis = transferBasis;
            return this;
        }

        /** The payload chunk size in bytes (64 B to 16 MiB; default 64 KiB). */
        public Builder chunkSize(int bytes) {
            this.chunkSize = bytes;
            return this;
        }

        /** Whether {@code seal} returns the armored text form instead of binary (streams are always binary). */
        public Builder armor(boolean armor) {
            this.armor = armor;
            return this;
        }

        /**
         * Make the options.
         *
         * @throws InvalidPurposeException for no purpose or more than 32
         * @throws ClassificationBelowMinimumException for a classification below the category's minimum
         * @throws InvalidArgumentException for a malformed case reference
         * @throws InvalidJurisdictionException for an unassigned jurisdiction code
         */
        public SealOptions build() {
            String[] names = purposes.stream().map(Purpose::value).toArray(String[]::new);
            SealOptionsHandle handle = SealOptionsHandle.create(category.code(), names);
            try {
                if (classification != null) {
                    handle.setClassification(classification.code());
                }
                if (caseRef != null) {
                    handle.setCaseRef(caseRef);
                }
                if (origin != null || !destinations.isEmpty()) {
                    handle.setJurisdictions(origin, destinations.toArray(new String[0]));
                }
                if (notAfter != null) {
                    handle.setNotAfter(notAfter.getEpochSecond());
                }
                for (KeyId r : recipients) {
                    handle.addRecipient(r.raw());
                }
                if (signer != null) {
                    handle.setSigner(signer.raw());
                }
                if (sender != null) {
                    handle.setSender(sender.raw());
                }
                if (instrument != null) {
                    handle.setInstrument(instrument.code(), instrumentReference, transferBasis);
                }
                if (chunkSize != 0) {
                    handle.setChunkSize(chunkSize);
                }
                if (armor) {
                    handle.setArmor(true);
                }
                return new SealOptions(this, handle);
            } catch (RuntimeException e) {
                handle.close();
                throw e;
            }
        }
    }
}
