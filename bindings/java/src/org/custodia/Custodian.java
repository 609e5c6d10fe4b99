package org.custodia;

import com.sun.jna.Memory;
import com.sun.jna.ptr.LongByReference;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.Reference;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.custodia.handles.CustodianHandle;
import org.custodia.handles.CustodianOptionsHandle;
import org.custodia.handles.KeyListHandle;
import org.custodia.handles.Native;
import org.custodia.handles.ReaderHandle;
import org.custodia.handles.Streams;
import org.custodia.raw.CustodiaBuffer;
import org.custodia.raw.CustodiaLibrary;
import org.custodia.raw.Direct;

/**
 * The facade: a keyring and an audit log in one directory; seal, open, share, rotate, shred, all audited by the
 * library (the host cannot forget to log). Opening runs the policy gate before any key is touched, and fails
 * closed: if the audit event cannot be written, no plaintext is returned.
 *
 * <p>One {@code Custodian} per directory and process; share it across threads (every method may be called
 * concurrently). Close it when done: the audit log gets its closing checkpoint (returned by {@link #closeWithAnchor()}
 * as an {@link Anchor}) and the keys are zeroized.
 */
public final class Custodian implements AutoCloseable {
    private final CustodianHandle handle;
    /** The audit sinks' callbacks: the library may call them as long as the handle lives. */
    private final AuditSinks sinks;
    private volatile Anchor closing;
    /**
     * The key providers and signers the custodian was opened with ({@link ProviderBridge}, {@link SignerBridge}):
     * their callbacks must live as long as it can call them.
     */
    private final List<Object> providers;

    /** The native handle's id, for white-box tests of the raw layer (package-private). */
    long handleId() {
        return handle.id();
    }

    private Custodian(CustodianHandle handle, AuditSinks sinks, List<Object> providers) {
        this.handle = handle;
        this.sinks = sinks;
        this.providers = providers;
        handle.keepAlive(sinks);
    }

    /**
     * Open the existing custodian in {@code dir}, unlocking the keyring with a passphrase (Argon2id). To start a new
     * one, pass {@code new Options().create(true)}. The caller should wipe {@code passphrase} afterwards; the UTF-8
     * copy made here is wiped.
     *
     * @throws CustodianNotFoundException when {@code dir} holds no custodian and creation was not asked for
     * @throws WrongPassphraseException for a wrong passphrase
     * @throws KdfParamsOutOfRangeException when the keyring asks for Argon2id costs beyond the accepted range
     * @throws KeyringException for a damaged keyring
     */
    public static Custodian open(Path dir, char[] passphrase) {
        return open(dir, passphrase, null);
    }

    /** As {@link #open(Path, char[])}, with options (null for the defaults). */
    public static Custodian open(Path dir, char[] passphrase, Options options) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(passphrase, "passphrase");
        AuditSinks sinks = new AuditSinks(options == null ? List.of() : options.sinks);
        try (CustodianOptionsHandle opts = options == null ? null : options.toHandle(sinks)) {
            return new Custodian(CustodianHandle.openPassphrase(dir.toString(), passphrase, opts), sinks,
                    options == null ? List.of() : options.bridges);
        }
    }

    /**
     * Open the custodian in {@code dir} (or start one, with {@link Options#create(boolean)}) with a raw 32-byte
     * master key from an HSM, KMS or secret store.
     *
     * @throws CustodianNotFoundException when {@code dir} holds no custodian and creation was not asked for
     * @throws InvalidArgumentException when the key is not 32 bytes
     * @throws WrongPassphraseException for another master key than the keyring's
     */
    public static Custodian openWithMasterKey(Path dir, byte[] masterKey, Options options) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(masterKey, "masterKey");
        AuditSinks sinks = new AuditSinks(options == null ? List.of() : options.sinks);
        try (CustodianOptionsHandle opts = options == null ? null : options.toHandle(sinks)) {
            return new Custodian(CustodianHandle.openMasterKey(dir.toString(), masterKey, opts), sinks,
                    options == null ? List.of() : options.bridges);
        }
    }

    // ---- keys

    /** Generate a key of {@code kind}, labelled, in the keyring. */
    public KeyId generateKey(Actor actor, KeyKind kind, String label) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(label, "label");
        String l = Native.text("label", label);
        byte[] out = new byte[KeyId.LENGTH];
        withActor(actor, (c, a) -> lib().custodia_key_generate(c, a, kind.code(), l, out));
        return KeyId.fromBytes(out);
    }

    /**
     * The key of a case: the existing active per-case key, or a new one with retention deadline
     * {@code destroyAfter} (null for none). Destroying it crypto-shreds everything sealed only under it.
     */
    public KeyId caseKey(Actor actor, String caseRef, Instant destroyAfter) {
        Objects.requireNonNull(caseRef, "caseRef");
        String c0 = Native.text("case reference", caseRef);
        long deadline = destroyAfter == null ? 0 : destroyAfter.getEpochSecond();
        byte[] out = new byte[KeyId.LENGTH];
        withActor(actor, (c, a) -> lib().custodia_key_for_case(c, a, c0, deadline, out));
        return KeyId.fromBytes(out);
    }

    /** Public facts about every key (active, decrypt-only and destroyed). */
    public List<KeyInfo> keys() {
        try (KeyListHandle list = KeyListHandle.create(handle)) {
            long n = list.length();
            List<KeyInfo> keys = new ArrayList<>((int) n);
            for (long i = 0; i < n; i++) {
                keys.add(new KeyInfo(list.get(i)));
            }
            return keys;
        }
    }

    /** The facts about one key. */
    public KeyInfo key(KeyId id) {
        Objects.requireNonNull(id, "id");
        for (KeyInfo k : keys()) {
            if (k.id().equals(id)) {
                return k;
            }
        }
        throw new KeyNotFoundException(Status.KEY_NOT_FOUND.code(), "no key " + id);
    }

    /** The public text form of a key pair, to give to another authority. */
    public String exportPublic(KeyId id) {
        Objects.requireNonNull(id, "id");
        CustodiaBuffer out = new CustodiaBuffer();
        handle.run(c -> lib().custodia_key_export_public(c, id.raw(), out));
        return Native.takeText(out);
    }

    /**
     * Import another authority's public key (text form) as a recipient, with the {@code jurisdiction} ({@code "NL"})
     * that authority acts in: sharing with the key ({@link #rewrap}) is refused unless an envelope permits it.
     *
     * @throws InvalidKeyTextException for a mistyped key
     * @throws InvalidJurisdictionException for a code that is not an ISO 3166-1 alpha-2 code
     * @throws InvalidArgumentException when the key was already imported for another jurisdiction
     */
    public KeyId importPublic(Actor actor, String keyText, String label, String jurisdiction) {
        Objects.requireNonNull(keyText, "keyText");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(jurisdiction, "jurisdiction");
        String t = Native.text("key text", keyText);
        String l = Native.text("label", label);
        String j = Native.text("jurisdiction", jurisdiction);
        byte[] out = new byte[KeyId.LENGTH];
        withActor(actor, (c, a) -> lib().custodia_key_import_public(c, a, t, l, j, out));
        return KeyId.fromBytes(out);
    }

    /**
     * Import another authority's public key as {@link #importPublic} does, recording the {@code authority}'s name and
     * the period in which data may be sealed or shared to it ({@code notBefore} inclusive, {@code notAfter} exclusive;
     * either may be null). Sealing for it is refused unless the envelope's destinations include {@code jurisdiction}
     * ({@link DestinationRequiredException}, {@link RecipientNotPermittedException}), and outside the period
     * ({@link KeyNotValidException}).
     *
     * @throws InvalidArgumentException for a bad authority name, a period that ends before it begins, or a key
     *     already imported for another jurisdiction
     */
    public KeyId importAuthorityKey(Actor actor, String keyText, String label, String authority, String jurisdiction,
            Instant notBefore, Instant notAfter) {
        Objects.requireNonNull(keyText, "keyText");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(authority, "authority");
        Objects.requireNonNull(jurisdiction, "jurisdiction");
        String t = Native.text("key text", keyText);
        String l = Native.text("label", label);
        String n = Native.text("authority", authority);
        String j = Native.text("jurisdiction", jurisdiction);
        long from = unixOrZero(notBefore, "notBefore");
        long until = unixOrZero(notAfter, "notAfter");
        byte[] out = new byte[KeyId.LENGTH];
        withActor(actor, (c, a) -> lib().custodia_key_import_authority(c, a, t, l, n, j, from, until, out));
        return KeyId.fromBytes(out);
    }

    private static long unixOrZero(Instant t, String name) {
        if (t == null) {
            return 0;
        }
        if (t.getEpochSecond() <= 0) {
            throw new InvalidArgumentException(Status.INVALID_ARGUMENT.code(), name + " must be after 1970");
        }
        return t.getEpochSecond();
    }

    /**
     * Revoke another authority's key (end of cooperation, compromise): nothing new is sealed or shared to it
     * ({@link KeyRevokedException}). Recorded as {@code key_revoked}.
     *
     * @throws InvalidArgumentException for an own key, a key already revoked or a bad reason
     */
    public void revokeKey(Actor actor, KeyId id, String reason) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(reason, "reason");
        String r = Native.text("reason", reason);
        withActor(actor, (c, a) -> lib().custodia_key_revoke(c, a, id.raw(), r));
    }

    /**
     * Mark a key compromised (own or another authority's): it seals, signs and receives nothing new
     * ({@link KeyCompromisedException}); an own key still opens so that its envelopes can be moved off it (rotate it,
     * then follow {@link #compromiseReport}). Recorded as {@code key_compromised}.
     */
    public void markCompromised(Actor actor, KeyId id, String reason) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(reason, "reason");
        String r = Native.text("reason", reason);
        withActor(actor, (c, a) -> lib().custodia_key_mark_compromised(c, a, id.raw(), r));
    }

    /**
     * What a key protected, from the audit log: every envelope, case and recipient, whether each is still wrapped
     * to it, the re-wrap plan to a fresh key, and what the log cannot know.
     *
     * @throws KeyNotFoundException for an unknown key
     */
    public CompromiseReport compromiseReport(KeyId id) {
        Objects.requireNonNull(id, "id");
        CustodiaBuffer out = new CustodiaBuffer();
        handle.run(c -> lib().custodia_key_compromise_report(c, id.raw(), out));
        return CompromiseReport.parse(Native.takeText(out));
    }

    /** Rotate a key: a new active key replaces it; the old one becomes decrypt-only. Returns the new key. */
    public KeyId rotate(Actor actor, KeyId id) {
        Objects.requireNonNull(id, "id");
        byte[] out = new byte[KeyId.LENGTH];
        withActor(actor, (c, a) -> lib().custodia_key_rotate(c, a, id.raw(), out));
        return KeyId.fromBytes(out);
    }

    /**
     * Destroy a key (crypto-shredding): opening anything sealed only under it then throws
     * {@link KeyDestroyedException}. Returns the signed erasure certificate written to the audit log, which verifies
     * with {@link #auditPublicKey()} alone ({@link ErasureCertificate#verify}). {@code reason} must not contain
     * personal data.
     *
     * @throws LegalHoldException when its case is under legal hold
     */
    public ErasureCertificate destroyKey(Actor actor, KeyId id, String reason) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(reason, "reason");
        String r = Native.text("reason", reason);
        CustodiaBuffer out = new CustodiaBuffer();
        withActor(actor, (c, a) -> lib().custodia_key_destroy(c, a, id.raw(), r, out));
        return ErasureCertificate.fromJson(Native.takeText(out));
    }

    /**
     * Destroy every key whose retention deadline has passed, except those of cases under legal hold; the report
     * carries the erasure certificate of each key destroyed.
     */
    public ShredReport shredExpired(Actor actor) {
        LongByReference destroyed = new LongByReference();
        LongByReference held = new LongByReference();
        CustodiaBuffer out = new CustodiaBuffer();
        withActor(actor, (c, a) -> lib().custodia_key_shred_expired(c, a, destroyed, held, out));
        List<ErasureCertificate> certificates = new ArrayList<>();
        for (String line : Native.takeText(out).split("\n")) {
            if (!line.isEmpty()) {
                certificates.add(ErasureCertificate.fromJson(line));
            }
        }
        return new ShredReport(destroyed.getValue(), held.getValue(), certificates);
    }

    /**
     * Set a key's retention deadline, after which {@link #shredExpired} destroys it; null clears it.
     *
     * @throws KeyNotFoundException for an unknown key
     */
    public void setRetention(Actor actor, KeyId id, Instant destroyAfter) {
        Objects.requireNonNull(id, "id");
        long deadline = destroyAfter == null ? 0 : destroyAfter.getEpochSecond();
        if (destroyAfter != null && deadline <= 0) {
            throw new InvalidArgumentException(Status.INVALID_ARGUMENT.code(),
                    "destroyAfter must be after 1970-01-01T00:00:00Z");
        }
        withActor(actor, (c, a) -> lib().custodia_key_set_retention(c, a, id.raw(), deadline));
    }

    /**
     * Place a legal hold on a case, citing its {@code reference} (order, instruction) and {@code reason}: until it is
     * released no key of the case can be destroyed ({@link LegalHoldException}) and {@link #shredExpired} keeps them.
     *
     * @throws InvalidArgumentException when the case is already held, or the reference or reason is empty
     */
    public void placeLegalHold(Actor actor, String caseRef, String reference, String reason) {
        String c0 = Native.text("case reference", Objects.requireNonNull(caseRef, "caseRef"));
        String r0 = Native.text("reference", Objects.requireNonNull(reference, "reference"));
        String r1 = Native.text("reason", Objects.requireNonNull(reason, "reason"));
        withActor(actor, (c, a) -> lib().custodia_legal_hold_place(c, a, c0, r0, r1));
    }

    /**
     * Release the legal hold on a case.
     *
     * @throws InvalidArgumentException when the case is not held
     */
    public void releaseLegalHold(Actor actor, String caseRef) {
        String c0 = Native.text("case reference", Objects.requireNonNull(caseRef, "caseRef"));
        withActor(actor, (c, a) -> lib().custodia_legal_hold_release(c, a, c0));
    }

    /**
     * How many keys {@link #shredExpired} destroyed, how many it kept because of a legal hold, and the erasure
     * certificates of those destroyed.
     */
    public static final class ShredReport {
        private final long destroyed;
        private final long held;
        private final List<ErasureCertificate> certificates;

        ShredReport(long destroyed, long held, List<ErasureCertificate> certificates) {
            this.destroyed = destroyed;
            this.held = held;
            this.certificates = Collections.unmodifiableList(certificates);
        }

        /** The erasure certificate of each key destroyed. */
        public List<ErasureCertificate> certificates() {
            return certificates;
        }

        public long destroyed() {
            return destroyed;
        }

        public long held() {
            return held;
        }
    }

    // ---- seal and open

    /**
     * Seal {@code plaintext} under {@code options}, as {@code actor}. The library copies the bytes into memory it
     * zeroizes; the caller still owns (and should wipe) its array.
     *
     * @throws ClearanceInsufficientException when the actor is not cleared for the classification
     * @throws KeyNotFoundException, KeyStateException, KeyDestroyedException for a recipient, sender or signer
     * @throws AuditWriteException when the seal could not be recorded (nothing is returned)
     */
    public byte[] seal(Actor actor, byte[] plaintext, SealOptions options) {
        Objects.requireNonNull(plaintext, "plaintext");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(actor, "actor");
        // Written by the library into this thread's scratch buffer (custodia_seal_into, a direct mapping) and copied
        // out once: one C call per seal, no size call, no native allocation. When the buffer is too small the
        // library writes and records nothing and says what it needs; a larger buffer is then made (and kept for
        // this thread up to Scratch.KEEP).
        Scratch s = Scratch.takeSeal();
        try {
            long c = handle.id();
            long a = actor.handle().id();
            long o = options.handle().id();
            int status = Direct.custodia_seal_into(c, a, plaintext, plaintext.length, o, s.out, s.cap, s.len);
            if (status == Status.BUFFER_TOO_SMALL.code()) {
                Scratch bigger = Scratch.of(s.length(), false);
                if (bigger.cap <= Scratch.KEEP) {
                    s = bigger;
                }
                status = Direct.custodia_seal_into(c, a, plaintext, plaintext.length, o, bigger.out, bigger.cap,
                        bigger.len);
                Native.check(status);
                return bigger.out.getByteArray(0, (int) bigger.length());
            }
            Native.check(status);
            return s.out.getByteArray(0, (int) s.length());
        } finally {
            Scratch.putSeal(s);
            Reference.reachabilityFence(this);
            Reference.reachabilityFence(actor);
            Reference.reachabilityFence(options);
        }
    }

    /** As {@link #seal(Actor, byte[], SealOptions)}. */
    public byte[] seal(Actor actor, SensitiveBytes plaintext, SealOptions options) {
        return seal(actor, Objects.requireNonNull(plaintext, "plaintext").bytes(), options);
    }

    /**
     * Seal {@code record} as one envelope (docs/FORMAT.md section 14): {@code options} gives the envelope's own
     * category and classification (what every reader must be cleared for to see anything of it), purposes and
     * recipients. The actor must be cleared for every field. Audited with the field names.
     */
    public byte[] sealRecord(Actor actor, Record record, SealOptions options) {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(options, "options");
        long r = record.build();
        try {
            org.custodia.raw.CustodiaBuffer out = new org.custodia.raw.CustodiaBuffer();
            withActor(actor, (c, a) -> options.handle().call(o -> lib().custodia_seal_record(c, a, r, o, out)));
            return Native.takeBytes(out);
        } finally {
            lib().custodia_record_free(r);
            Reference.reachabilityFence(options);
        }
    }

    /**
     * Keyed pseudonyms (32 hex digits) of {@code values} within case {@code caseRef} and {@code domain}: stable in
     * one case, unrelated across cases; destroying the case's key destroys the linkability. Audited (count and
     * domain, never the values).
     */
    public List<String> pseudonymize(Actor actor, Purpose purpose, String caseRef, Category category, String domain,
            List<String> values) {
        String[] array = Native.texts("values", values.toArray(new String[0]));
        CustodiaBuffer out = new CustodiaBuffer();
        withActor(actor, (c, a) -> lib().custodia_pseudonymize(c, a, purpose.value(), Native.text("caseRef", caseRef),
                category.code(), Native.text("domain", domain), array, array.length, out));
        String text = Native.takeText(out);
        return text.isEmpty() ? List.of() : List.of(text.substring(0, text.length() - 1).split("\n"));
    }

    /** The index of the candidate whose pseudonym is {@code pseudonym}, or -1: the audited way back. */
    public int resolvePseudonym(Actor actor, Purpose purpose, String caseRef, Category category, String domain,
            String pseudonym, List<String> candidates) {
        String[] array = Native.texts("candidates", candidates.toArray(new String[0]));
        LongByReference index = new LongByReference();
        withActor(actor, (c, a) -> lib().custodia_resolve_pseudonym(c, a, purpose.value(),
                Native.text("caseRef", caseRef), category.code(), Native.text("domain", domain),
                Native.text("pseudonym", pseudonym), array, array.length, index));
        return index.getValue() == -1L ? -1 : (int) index.getValue();
    }

    /**
     * Open a record envelope field by field for {@code purpose}: the envelope's own terms are decided first (a
     * refusal throws, as for {@link #open}); a field this reader may not see is withheld ({@link
     * OpenedRecord.Field#withheld}), not an exception.
     */
    public OpenedRecord openRecord(Actor actor, byte[] envelope, Purpose purpose) {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(purpose, "purpose");
        LongByReference out = new LongByReference();
        withGround(actor, null, (c, a, g) -> lib().custodia_open_record(c, a, purpose.value(), g, envelope,
                envelope.length, null, out, null));
        try {
            return new OpenedRecord(out.getValue());
        } finally {
            lib().custodia_opened_record_free(out.getValue());
        }
    }

    /** As {@link #issueSdJwt(Actor, byte[], Purpose, KeyId, ExceptionGround)} without an exception ground. */
    public String issueSdJwt(Actor actor, byte[] envelope, Purpose purpose, KeyId signer) {
        return issueSdJwt(actor, envelope, purpose, signer, null);
    }

    /**
     * An SD-JWT of a record envelope (docs/FORMAT.md section 15), signed with this custodian's Ed25519 key
     * {@code signer}: the record is opened first as {@link #openRecord} does (its gate and each field's terms
     * apply); only the fields {@code actor} may open get a disclosure, the others count as withheld. Audited
     * ({@code selective_disclosure}). The text holds every disclosed value: keep it secret.
     */
    public String issueSdJwt(Actor actor, byte[] envelope, Purpose purpose, KeyId signer, ExceptionGround ground) {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(purpose, "purpose");
        Objects.requireNonNull(signer, "signer");
        CustodiaBuffer out = new CustodiaBuffer();
        withGround(actor, ground, (c, a, g) -> lib().custodia_sd_jwt_issue(c, a, purpose.value(), g, envelope,
                envelope.length, signer.raw(), out));
        return Native.takeText(out);
    }

    /**
     * A presentation of {@code sdJwt} (issued by a key of this custodian) holding only {@code fields}, for
     * {@code audience} (who receives it, e.g. {@code "FR-PNF"}) and {@code purpose}; audited before it is returned.
     * Check it anywhere with {@link #verifyPresentation}.
     */
    public String present(Actor actor, String sdJwt, List<String> fields, String audience, Purpose purpose) {
        Objects.requireNonNull(purpose, "purpose");
        String[] array = Native.texts("fields", fields.toArray(new String[0]));
        String text = Native.text("sdJwt", sdJwt);
        String to = Native.text("audience", audience);
        CustodiaBuffer out = new CustodiaBuffer();
        withActor(actor, (c, a) -> lib().custodia_sd_jwt_present(c, a, text, array, array.length, to,
                purpose.value(), out));
        return Native.takeText(out);
    }

    /** Verify an SD-JWT presentation with the issuer's public key text alone: {@link Presentation#verify}. */
    public static Presentation verifyPresentation(String text, String issuerKeyText) {
        return Presentation.verify(text, issuerKeyText);
    }

    /** Open {@code envelope} for {@code purpose}, without an exception ground or a signer requirement. */
    public Opened open(Actor actor, byte[] envelope, Purpose purpose) {
        return open(actor, envelope, purpose, null, null);
    }

    /** Open {@code envelope} for {@code purpose}, invoking {@code ground} (a purpose it was not given for). */
    public Opened open(Actor actor, byte[] envelope, Purpose purpose, ExceptionGround ground) {
        return open(actor, envelope, purpose, ground, null);
    }

    /**
     * Open an envelope (binary or armored) as {@code actor}, for {@code purpose}. The policy gate runs before any
     * key is touched; the open (or refusal) is recorded in the audit log.
     *
     * @param ground an exception ground for a purpose the data was not given for, or null
     * @param requiredSigner the key that must have signed the envelope, or null
     * @throws PurposeNotPermittedException, ExpiredException, JurisdictionNotPermittedException,
     *     ClearanceInsufficientException, KeyDestroyedException, SignerMismatchException refusals, each naming its
     *     rule
     * @throws OpenFailedException for a damaged or forged envelope (deliberately nothing more)
     * @throws MalformedEnvelopeException for bytes that are not an envelope
     */
    public Opened open(Actor actor, byte[] envelope, Purpose purpose, ExceptionGround ground, KeyId requiredSigner) {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(purpose, "purpose");
        Objects.requireNonNull(actor, "actor");
        byte[] signer = requiredSigner == null ? null : requiredSigner.raw();
        // Written by the library into this thread's scratch buffer (custodia_open_into, a direct mapping), copied
        // out once and wiped there at once: one C call per open, no size call, no native allocation; the envelope
        // info is copied as bytes and decoded only if asked for. A plaintext larger than the buffer (the library
        // then decides, records and writes nothing, and says what it needs) goes into memory of its exact size.
        Scratch s = Scratch.takeOpen();
        try {
            long c = handle.id();
            long a = actor.handle().id();
            long g = ground == null ? 0 : ground.handle().id();
            byte[] p = purpose.cString();
            int status = Direct.custodia_open_into(c, a, p, g, envelope, envelope.length, signer, s.out, s.cap,
                    s.len, s.info);
            if (status == Status.BUFFER_TOO_SMALL.code()) {
                long need = s.length();
                if (need > Integer.MAX_VALUE - 8) {
                    throw new InvalidArgumentException(Status.LIMIT_EXCEEDED.code(),
                            "a plaintext of " + need + " bytes does not fit a Java array");
                }
                Scratch exact = Scratch.of(need, false);
                try {
                    Native.check(Direct.custodia_open_into(c, a, p, g, envelope, envelope.length, signer, exact.out,
                            exact.cap, exact.len, s.info));
                    return new Opened(new SensitiveBytes(exact.out.getByteArray(0, (int) exact.length())),
                            s.infoBytes());
                } finally {
                    exact.out.clear();
                }
            }
            Native.check(status);
            int n = (int) s.length();
            if (n == 0) {
                return new Opened(new SensitiveBytes(new byte[0]), s.infoBytes());
            }
            byte[] plain;
            try {
                plain = s.out.getByteArray(0, n);
            } finally {
                s.out.clear(n);
            }
            return new Opened(new SensitiveBytes(plain), s.infoBytes());
        } finally {
            Scratch.putOpen(s);
            Reference.reachabilityFence(this);
            Reference.reachabilityFence(actor);
            Reference.reachabilityFence(ground);
        }
    }

    /** Open the envelope file {@code path} for random access, without an exception ground or a signer requirement. */
    public EnvelopeChannel openSeekable(Actor actor, Path path, Purpose purpose) {
        return openSeekable(actor, path, purpose, null, null);
    }

    /**
     * Open the envelope file {@code path} for random access, as {@code actor}, for {@code purpose}. The policy gate
     * decides first, before any key is touched, and the open is recorded, as for {@link #open}. The result is a
     * read-only {@link EnvelopeChannel} (a {@code SeekableByteChannel}, with an {@code InputStream} view) whose
     * every chunk is authenticated before a byte of it is returned; close it to wipe its buffer and key.
     *
     * @throws PurposeNotPermittedException and the other refusals of {@link #open}, before any key is touched
     * @throws EnvironmentException when the file cannot be read (I/O)
     */
    public EnvelopeChannel openSeekable(Actor actor, Path path, Purpose purpose, ExceptionGround ground,
            KeyId requiredSigner) {
        Objects.requireNonNull(purpose, "purpose");
        byte[] p = CustodianHandle.cPath("envelope path", Objects.requireNonNull(path, "path").toString());
        org.custodia.raw.EnvelopeInfo info = new org.custodia.raw.EnvelopeInfo();
        byte[] signer = requiredSigner == null ? null : requiredSigner.raw();
        LongByReference out = new LongByReference();
        withGround(actor, ground, (c, a, g) -> lib().custodia_reader_open_file(c, a, purpose.value(), g, signer, p,
                out, info));
        return new EnvelopeChannel(ReaderHandle.adopt(out.getValue()), new EnvelopeInfo(info));
    }

    /**
     * The originator's grants an envelope's header carries, as read (whether each holds is decided when the
     * envelope is opened or re-wrapped). No key, not audited.
     */
    public List<Grant> envelopeGrants(byte[] envelope) {
        Objects.requireNonNull(envelope, "envelope");
        org.custodia.raw.EnvelopeInfo info = new org.custodia.raw.EnvelopeInfo();
        handle.run(c -> lib().custodia_envelope_inspect(c, envelope, envelope.length, info));
        List<Grant> grants = new ArrayList<>();
        for (long i = 0; i < info.grant_count; i++) {
            long index = i;
            CustodiaBuffer out = new CustodiaBuffer();
            handle.run(c -> lib().custodia_envelope_grant(c, envelope, envelope.length, index, out));
            grants.add(Grant.fromText(Native.takeText(out)));
        }
        return Collections.unmodifiableList(grants);
    }

    /** An envelope's bound metadata, without opening it (no key, no policy decision, not audited). */
    public EnvelopeInfo inspect(byte[] envelope) {
        Objects.requireNonNull(envelope, "envelope");
        org.custodia.raw.EnvelopeInfo info = new org.custodia.raw.EnvelopeInfo();
        handle.run(c -> lib().custodia_envelope_inspect(c, envelope, envelope.length, info));
        return new EnvelopeInfo(info, info.grant_count == 0 ? List.of() : envelopeGrants(envelope));
    }

    /** An envelope's bound terms as text (purposes, case, jurisdictions, recipients), without opening it. */
    public String describe(byte[] envelope) {
        Objects.requireNonNull(envelope, "envelope");
        CustodiaBuffer out = new CustodiaBuffer();
        handle.run(c -> lib().custodia_envelope_describe(c, envelope, envelope.length, out));
        return Native.takeText(out);
    }

    /** Seal the file {@code src} into a new envelope file {@code dst} (mode 0600), in constant memory. */
    public void sealFile(Actor actor, SealOptions options, Path src, Path dst) {
        Objects.requireNonNull(options, "options");
        byte[] s = CustodianHandle.cPath("source path", Objects.requireNonNull(src, "src").toString());
        byte[] d = CustodianHandle.cPath("destination path", Objects.requireNonNull(dst, "dst").toString());
        try {
            withActor(actor, (c, a) -> options.handle().call(o -> lib().custodia_seal_file(c, a, o, s, d)));
        } finally {
            Reference.reachabilityFence(options);
        }
    }

    /**
     * Open the envelope file {@code src} into a new plaintext file {@code dst} (mode 0600), chunk by chunk, each
     * written only after it authenticates; on failure {@code dst} is removed. Refusals as {@link #open}.
     */
    public EnvelopeInfo openFile(Actor actor, Purpose purpose, ExceptionGround ground, KeyId requiredSigner, Path src,
            Path dst) {
        Objects.requireNonNull(purpose, "purpose");
        byte[] s = CustodianHandle.cPath("source path", Objects.requireNonNull(src, "src").toString());
        byte[] d = CustodianHandle.cPath("destination path", Objects.requireNonNull(dst, "dst").toString());
        byte[] signer = requiredSigner == null ? null : requiredSigner.raw();
        org.custodia.raw.EnvelopeInfo info = new org.custodia.raw.EnvelopeInfo();
        withGround(actor, ground, (c, a, g) -> lib().custodia_open_file(c, a, purpose.value(), g, signer, s, d, info));
        return new EnvelopeInfo(info);
    }

    /** Seal everything {@code in} yields into {@code out} as one envelope, in constant memory. */
    public void sealStream(Actor actor, SealOptions options, InputStream in, OutputStream out) throws IOException {
        Objects.requireNonNull(options, "options");
        try (Streams.Reader reader = new Streams.Reader(Objects.requireNonNull(in, "in"));
                Streams.Writer writer = new Streams.Writer(Objects.requireNonNull(out, "out"))) {
            try {
                withActor(actor, (c, a) -> options.handle().call(o ->
                        lib().custodia_seal_stream(c, a, o, reader, null, writer, null)));
            } catch (EnvironmentException e) {
                throw streamFailure(e, reader, writer);
            } finally {
                Reference.reachabilityFence(options);
            }
        }
    }

    /**
     * Open the envelope {@code in} yields, writing plaintext to {@code out} chunk by chunk, each after it
     * authenticates. A signature covers the whole payload and is checked at the end: on any exception, discard
     * what {@code out} received.
     */
    public EnvelopeInfo openStream(Actor actor, Purpose purpose, ExceptionGround ground, KeyId requiredSigner,
            InputStream in, OutputStream out) throws IOException {
        Objects.requireNonNull(purpose, "purpose");
        byte[] signer = requiredSigner == null ? null : requiredSigner.raw();
        org.custodia.raw.EnvelopeInfo info = new org.custodia.raw.EnvelopeInfo();
        try (Streams.Reader reader = new Streams.Reader(Objects.requireNonNull(in, "in"));
                Streams.Writer writer = new Streams.Writer(Objects.requireNonNull(out, "out"))) {
            try {
                withGround(actor, ground, (c, a, g) -> lib().custodia_open_stream(c, a, purpose.value(), g, signer,
                        reader, null, writer, null, info));
            } catch (EnvironmentException e) {
                throw streamFailure(e, reader, writer);
            }
        }
        return new EnvelopeInfo(info);
    }

    /**
     * Re-wrap an envelope for {@code purpose}: remove the recipient stanzas of {@code remove}, add stanzas for
     * {@code add} (own keys, or imported public keys: sharing). Payload, bound terms and signature are unchanged.
     * The policy gate decides first, as for {@link #open} but with no exception ground: clearance, jurisdiction,
     * expiry, and a purpose the envelope grants. Adding another authority's key (sharing) also needs {@code purpose}
     * under {@code mla.execution} and a key imported with a jurisdiction the envelope permits. Refusals are audited.
     *
     * @throws ClearanceInsufficientException, JurisdictionNotPermittedException, ExpiredException,
     *     PurposeNotPermittedException, TransferNotPermittedException, RecipientNotPermittedException,
     *     RecipientJurisdictionUnknownException refusals, each naming its rule
     */
    public byte[] rewrap(Actor actor, byte[] envelope, Purpose purpose, Collection<KeyId> remove,
            Collection<KeyId> add) {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(purpose, "purpose");
        byte[] r = packIds(Objects.requireNonNull(remove, "remove"));
        byte[] a0 = packIds(Objects.requireNonNull(add, "add"));
        CustodiaBuffer out = new CustodiaBuffer();
        withActor(actor, (c, a) -> lib().custodia_rewrap(c, a, purpose.value(), envelope, envelope.length, r,
                remove.size(), a0, add.size(), out));
        return Native.takeBytes(out);
    }

    /**
     * Put {@code policy} in force: written atomically to {@code access-policy.toml} in the directory, recorded as
     * {@code policy_changed} with {@code actor} and the policy's SHA-256, applied to every later open, seal and share.
     */
    public void setAccessPolicy(Actor actor, AccessPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        try {
            withActor(actor, (c, a) -> policy.handle().call(p -> lib().custodia_custodian_set_access_policy(c, a, p)));
        } finally {
            Reference.reachabilityFence(policy);
        }
    }

    /**
     * Sign a four-eyes approval as {@code approver} with this keyring's Ed25519 key {@code signingKey}: consent that
     * {@code actorId} open envelope {@code objectId} for {@code purpose} under an exception of {@code kind} with
     * {@code reference} (null for none) until {@code notAfter}. Recorded here as {@code exception_approved}.
     *
     * @return the approval's text, which the opener attaches with {@link ExceptionGround#withApproval}
     * @throws InvalidArgumentException also when {@code approver} is {@code actorId} (no self-approval)
     */
    public String approveException(Actor approver, KeyId signingKey, String objectId, String actorId,
            Purpose purpose, ExceptionGround.Kind kind, String reference, Instant notAfter) {
        Objects.requireNonNull(signingKey, "signingKey");
        Objects.requireNonNull(objectId, "objectId");
        Objects.requireNonNull(actorId, "actorId");
        Objects.requireNonNull(purpose, "purpose");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(notAfter, "notAfter");
        CustodiaBuffer out = new CustodiaBuffer();
        withActor(approver, (c, a) -> lib().custodia_custodian_approve_exception(c, a, signingKey.raw(), objectId,
                actorId, purpose.value(), kind.code(), reference, notAfter.getEpochSecond(), out));
        return Native.takeText(out);
    }

    /**
     * {@link #rewrap(Actor, byte[], Purpose, Collection, Collection)} applying an originator's grant (rule of
     * speciality): a custodian that is not the envelope's originator (it does not hold the envelope signer's secret)
     * needs a grant of the signer naming each key of another authority it adds. The grant is verified before any key
     * is touched and written into the new envelope's header; recorded as {@code grant_applied} and in the
     * {@code shared} entry.
     *
     * @throws OnwardTransferNotGrantedException without a valid grant; the message says what is missing or wrong
     */
    public byte[] rewrap(Actor actor, byte[] envelope, Purpose purpose, Collection<KeyId> remove,
            Collection<KeyId> add, Grant grant) {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(purpose, "purpose");
        Objects.requireNonNull(grant, "grant");
        byte[] r = packIds(Objects.requireNonNull(remove, "remove"));
        byte[] a0 = packIds(Objects.requireNonNull(add, "add"));
        byte[] g = grant.raw();
        CustodiaBuffer out = new CustodiaBuffer();
        withActor(actor, (c, a) -> lib().custodia_rewrap_with_grant(c, a, purpose.value(), envelope,
                envelope.length, r, remove.size(), a0, add.size(), g, g.length, out));
        return Native.takeBytes(out);
    }

    /**
     * Issue, as the originator, a grant letting a recipient of the envelope {@code objectId} add the key
     * {@code recipient} of {@code authority} acting in {@code jurisdiction}. Signed with the own Ed25519 key
     * {@code signer} (the envelope's signer), valid until {@code notAfter}; {@code reference} names the request
     * letter. Recorded as {@code grant_issued}.
     */
    public Grant issueOnwardTransferGrant(Actor actor, KeyId signer, String objectId, String authority,
            String jurisdiction, KeyId recipient, Instant notAfter, String reference) {
        Objects.requireNonNull(signer, "signer");
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(notAfter, "notAfter");
        String o = Native.text("object id", Objects.requireNonNull(objectId, "objectId"));
        String au = Native.text("authority", Objects.requireNonNull(authority, "authority"));
        String j = Native.text("jurisdiction", Objects.requireNonNull(jurisdiction, "jurisdiction"));
        String ref = Native.text("reference", Objects.requireNonNull(reference, "reference"));
        long t = notAfter.getEpochSecond();
        CustodiaBuffer out = new CustodiaBuffer();
        withActor(actor, (c, a) -> lib().custodia_grant_issue_onward_transfer(c, a, signer.raw(), o, au, j,
                recipient.raw(), t, ref, out));
        return Grant.fromText(Native.takeText(out));
    }

    /**
     * Issue, as the originator, a grant extending the purposes of the envelope {@code objectId} by
     * {@code purposes}. Otherwise as {@link #issueOnwardTransferGrant}.
     */
    public Grant issuePurposeExtensionGrant(Actor actor, KeyId signer, String objectId, Collection<String> purposes,
            Instant notAfter, String reference) {
        Objects.requireNonNull(signer, "signer");
        Objects.requireNonNull(notAfter, "notAfter");
        String o = Native.text("object id", Objects.requireNonNull(objectId, "objectId"));
        String[] ps = Native.texts("purposes", Objects.requireNonNull(purposes, "purposes").toArray(new String[0]));
        String ref = Native.text("reference", Objects.requireNonNull(reference, "reference"));
        long t = notAfter.getEpochSecond();
        CustodiaBuffer out = new CustodiaBuffer();
        withActor(actor, (c, a) -> lib().custodia_grant_issue_purpose_extension(c, a, signer.raw(), o,
                ps.length == 0 ? null : ps, ps.length, t, ref, out));
        return Grant.fromText(Native.takeText(out));
    }

    /**
     * Apply an originator's purpose extension grant: re-issue the envelope with the grant in its header, so every
     * later reader may open it for the extended purposes. Checked before any key is touched, then the actor's
     * clearance, jurisdiction and the expiry. Recorded as {@code grant_applied}.
     *
     * @throws PurposeExtensionNotGrantedException when the grant does not hold; the message says which check failed
     */
    public byte[] extendPurposes(Actor actor, byte[] envelope, Grant grant) {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(grant, "grant");
        byte[] g = grant.raw();
        CustodiaBuffer out = new CustodiaBuffer();
        withActor(actor, (c, a) -> lib().custodia_extend_purposes(c, a, envelope, envelope.length, g, g.length,
                out));
        return Native.takeBytes(out);
    }

    /**
     * How many times this custodian has tried to unwrap a data key since it was opened: unchanged by a refused open
     * or re-wrap, which touches no key.
     */
    public long unwrapAttempts() {
        LongByReference out = new LongByReference();
        handle.run(c -> lib().custodia_custodian_unwrap_attempts(c, out));
        return out.getValue();
    }

    /**
     * Record that an envelope from another authority arrived ({@code received} in the audit log): one of this
     * keyring's keys must be a recipient. No key is touched. A receipt for it ({@link #issueReceipt}) starts here.
     *
     * @throws NoMatchingRecipientException when no key here is a recipient (recorded too)
     */
    public EnvelopeInfo receive(Actor actor, byte[] envelope) {
        Objects.requireNonNull(envelope, "envelope");
        org.custodia.raw.EnvelopeInfo info = new org.custodia.raw.EnvelopeInfo();
        withActor(actor, (c, a) -> lib().custodia_envelope_receive(c, a, envelope, envelope.length, info));
        return new EnvelopeInfo(info);
    }

    /**
     * Sign a disclosure receipt for the envelope {@code objectId} with this keyring's Ed25519 key {@code signer},
     * from the audit log: received, opened (purpose, time, role; actor ids only with {@code nameActors}), exceptions
     * used, shares, refusals ({@code includeRefusals}), the destruction of its key. Recorded as
     * {@code receipt_issued}.
     *
     * @throws ReceiptNotApplicableException when the object was never received here
     */
    public Receipt issueReceipt(Actor actor, String objectId, KeyId signer, boolean nameActors,
            boolean includeRefusals) {
        Objects.requireNonNull(signer, "signer");
        String o = Native.text("object id", Objects.requireNonNull(objectId, "objectId"));
        LongByReference out = new LongByReference();
        withActor(actor, (c, a) -> lib().custodia_receipt_issue(c, a, o, signer.raw(), (byte) (nameActors ? 1 : 0),
                (byte) (includeRefusals ? 1 : 0), out));
        return Receipt.fromHandle(out.getValue());
    }

    /** As {@link #issueReceipt(Actor, String, KeyId, boolean, boolean)}: roles without names, refusals included. */
    public Receipt issueReceipt(Actor actor, String objectId, KeyId signer) {
        return issueReceipt(actor, objectId, signer, false, true);
    }

    /**
     * Import a receipt (armored text) from a recipient authority: verified against the public signing keys of
     * other authorities imported here, refused unless it is about an object this custodian sealed or shared; kept
     * and recorded as {@code receipt_imported}. Rejections are recorded too.
     *
     * @throws ReceiptInvalidException malformed, oversized, or a signature that does not verify
     * @throws ReceiptIssuerUnknownException signed by a key not imported here
     * @throws ReceiptNotApplicableException about an object this custodian never sent, or another case
     */
    public Receipt importReceipt(Actor actor, String text) {
        String t = Native.text("receipt", Objects.requireNonNull(text, "text"));
        LongByReference out = new LongByReference();
        withActor(actor, (c, a) -> lib().custodia_receipt_import(c, a, t, out));
        return Receipt.fromHandle(out.getValue());
    }

    /** The receipts imported for an envelope, in import order (one per distinct receipt). */
    public List<Receipt> receiptsForObject(String objectId) {
        String o = Native.text("object id", Objects.requireNonNull(objectId, "objectId"));
        CustodiaBuffer out = new CustodiaBuffer();
        handle.run(c -> lib().custodia_receipt_find_by_object(c, o, out));
        return Receipt.splitArmored(Native.takeText(out));
    }

    /** The receipts imported for every envelope of a case: what the other state did with what was sent. */
    public List<Receipt> receiptsForCase(String caseRef) {
        String k = Native.text("case ref", Objects.requireNonNull(caseRef, "caseRef"));
        CustodiaBuffer out = new CustodiaBuffer();
        handle.run(c -> lib().custodia_receipt_find_by_case(c, k, out));
        return Receipt.splitArmored(Native.takeText(out));
    }

    /**
     * Re-wrap an envelope for the newest successors of its rotated keys (after {@link #rotate}); an envelope that
     * names no rotated key comes back unchanged (binary). Needs only the actor's clearance for the data (no purpose;
     * works on expired data): the successor is this custodian's own key.
     */
    public byte[] rewrapRotated(Actor actor, byte[] envelope) {
        Objects.requireNonNull(envelope, "envelope");
        CustodiaBuffer out = new CustodiaBuffer();
        withActor(actor, (c, a) -> lib().custodia_rewrap_rotated(c, a, envelope, envelope.length, out));
        return Native.takeBytes(out);
    }

    // ---- audit

    /**
     * Verify the whole audit log: hash chain, sequence, checkpoint and erasure-certificate signatures. Without
     * anchors this cannot detect a writer holding the audit key, nor a log cut back to a checkpoint: pass the anchors
     * other authorities hold ({@link #verifyAudit(Collection)}).
     *
     * @throws AuditTamperedException naming the first bad entry
     */
    public AuditReport verifyAudit() {
        return verifyAudit(List.of());
    }

    /**
     * Verify the whole audit log, and that it still holds exactly the prefix each anchor pins.
     *
     * @throws AuditTamperedException naming the first bad entry, also for a log rewritten or cut below an anchor
     * @throws AnchorInvalidException for an anchor that does not verify with this custodian's audit key or belongs to
     *     another log
     */
    public AuditReport verifyAudit(Collection<Anchor> anchors) {
        Objects.requireNonNull(anchors, "anchors");
        String[] texts = anchors.isEmpty() ? null : anchors.stream()
                .map(a -> Objects.requireNonNull(a, "anchor").toJson()).toArray(String[]::new);
        long count = anchors.size();
        org.custodia.raw.AuditReport report = new org.custodia.raw.AuditReport();
        handle.run(c -> lib().custodia_audit_verify(c, texts, count, report));
        return new AuditReport(report);
    }

    /**
     * Write a signed checkpoint now, sync it, and return it as an {@link Anchor} to hand to another authority, which
     * checks it against {@link #auditPublicKey()} and counter-signs it. Export one regularly: only anchors held
     * elsewhere pin the log's past.
     *
     * @throws AuditWriteException when it cannot be made durable
     */
    public Anchor checkpoint() {
        CustodiaBuffer out = new CustodiaBuffer();
        handle.run(c -> lib().custodia_audit_checkpoint(c, out));
        return Anchor.fromJson(Native.takeText(out));
    }

    /**
     * Counter-sign another custodian's anchor with {@code witness}, an Ed25519 key of this keyring (from
     * {@link #generateKey} with {@link KeyKind#ED25519}; not the audit key). {@code theirAuditKey} is the other
     * custodian's {@link #auditPublicKey()} text, obtained out of band. Recorded as {@code anchor_witnessed}.
     *
     * @throws AnchorInvalidException when the anchor's signatures do not verify with {@code theirAuditKey} (the
     *     refusal is recorded)
     */
    public Anchor countersignAnchor(Actor actor, Anchor anchor, String theirAuditKey, KeyId witness) {
        Objects.requireNonNull(anchor, "anchor");
        Objects.requireNonNull(witness, "witness");
        String key = Native.text("audit key", Objects.requireNonNull(theirAuditKey, "theirAuditKey"));
        CustodiaBuffer out = new CustodiaBuffer();
        withActor(actor, (c, a) -> lib().custodia_anchor_countersign(c, a, anchor.toJson(), key, witness.raw(), out));
        return Anchor.fromJson(Native.takeText(out));
    }

    /**
     * An inclusion bundle for entry {@code seq} of this custodian's audit log ({@code docs/AUDIT.md} section 12.3): the
     * entry, its RFC 6962 audit path in the tree of every entry written so far, and a checkpoint of that tree signed
     * with the audit key. Whoever holds only {@link #auditPublicKey()} checks it with {@link #verifyInclusion},
     * without seeing the rest of the log. Writes nothing to the log.
     *
     * @throws InvalidArgumentException when {@code seq} is negative or beyond the log
     */
    public String proveAuditEntry(long seq) {
        if (seq < 0) {
            throw new InvalidArgumentException(Status.INVALID_ARGUMENT.code(), "seq must not be negative");
        }
        CustodiaBuffer out = new CustodiaBuffer();
        handle.run(c -> lib().custodia_audit_merkle_prove(c, seq, out));
        return Native.takeText(out);
    }

    /**
     * Check a Merkle inclusion bundle ({@link #proveAuditEntry}) with the audit public key text alone, as an authority
     * does for an entry of another authority's log that was proved to it; needs no custodian. Returns the entry's
     * line (its JSON, as in the log).
     *
     * @throws AuditTamperedException with code {@code CHECKPOINT_INVALID} (509) for a checkpoint not signed by
     *     {@code auditKey} or a malformed bundle, {@code MERKLE_PROOF_INVALID} (508) when the entry is not the one at
     *     that index of that tree, {@code AUDIT_TAMPERED} / {@code AUDIT_MALFORMED} for a line that is not an entry
     */
    public static String verifyInclusion(String bundle, String auditKey) {
        String b = Native.text("bundle", Objects.requireNonNull(bundle, "bundle"));
        String k = Native.text("audit key", Objects.requireNonNull(auditKey, "auditKey"));
        CustodiaBuffer out = new CustodiaBuffer();
        Native.check(lib().custodia_audit_merkle_verify_inclusion(b, k, out));
        return Native.takeText(out);
    }

    /**
     * The audit log's public key in text form, for auditors who verify a copy of the log independently
     * ({@code cargo run --example audit_verify -- <dir>/audit.log <key>}). Not secret.
     */
    public String auditPublicKey() {
        CustodiaBuffer out = new CustodiaBuffer();
        handle.run(c -> lib().custodia_audit_public_key(c, out));
        return Native.takeText(out);
    }

    /**
     * Close: write the audit log's closing checkpoint, sync it, release the handle (keys are zeroized once no other
     * thread uses them), and return the checkpoint as an {@link Anchor} to hand to another authority. Later calls
     * throw {@link InvalidHandleException}; a call already running on another thread gets
     * {@link CustodianClosedException}. Closing again returns the same anchor (null if the custodian was released
     * without one). The handle is released even when the checkpoint fails.
     *
     * @throws AuditWriteException when the closing checkpoint cannot be made durable (the next open recovers the log)
     */
    public synchronized Anchor closeWithAnchor() {
        if (handle.isClosed()) {
            return closing;
        }
        try {
            closing = Anchor.fromJson(handle.closeLog());
        } finally {
            handle.close();
        }
        return closing;
    }

    /** As {@link #closeWithAnchor()}, for try-with-resources. */
    @Override
    public void close() {
        closeWithAnchor();
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return handle.isClosed();
    }

    @Override
    public String toString() {
        return handle.isClosed() ? "Custodian (closed)" : "Custodian";
    }

    // ---- audit queries, legal holds, batch re-wrap, sinks (issue 17)

    /**
     * The audit log entries {@code query} matches, in log order. Each entry's own hash is checked, not the chain: call
     * {@link #verifyAudit()} first when the answer must be trusted.
     *
     * @throws InvalidArgumentException for an unknown event kind or a malformed case reference
     */
    public List<AuditEntry> auditEntries(AuditQuery query) {
        try (org.custodia.handles.AuditEntriesHandle entries = runQuery(query)) {
            LongByReference n = new LongByReference();
            entries.run(id -> lib().custodia_audit_entries_len(id, n));
            List<AuditEntry> out = new ArrayList<>();
            for (long i = 0; i < n.getValue(); i++) {
                org.custodia.raw.AuditEntry e = new org.custodia.raw.AuditEntry();
                long index = i;
                entries.run(id -> lib().custodia_audit_entries_get(id, index, e));
                out.add(AuditEntry.of(e));
            }
            return out;
        }
    }

    /**
     * The entries {@code query} matches as CSV text: RFC 4180, CRLF line ends, a header row first, formula-like fields
     * prefixed with {@code '} ({@code docs/AUDIT.md}).
     */
    public String auditCsv(AuditQuery query) {
        try (org.custodia.handles.AuditEntriesHandle entries = runQuery(query)) {
            CustodiaBuffer out = new CustodiaBuffer();
            entries.run(id -> lib().custodia_audit_entries_csv(id, out, null));
            return Native.takeText(out);
        }
    }

    /** Write {@link #auditCsv} to {@code path} (created with mode 0600, or truncated); returns the rows written. */
    public long writeAuditCsv(AuditQuery query, Path path) {
        byte[] p = CustodianHandle.cPath("path", Objects.requireNonNull(path, "path").toString());
        try (org.custodia.handles.AuditEntriesHandle entries = runQuery(query)) {
            LongByReference rows = new LongByReference();
            entries.run(id -> lib().custodia_audit_entries_write_csv(id, p, rows));
            return rows.getValue();
        }
    }

    private org.custodia.handles.AuditEntriesHandle runQuery(AuditQuery q) {
        Objects.requireNonNull(q, "query");
        String[] kinds = Native.texts("kinds", q.kinds.toArray(new String[0]));
        return org.custodia.handles.AuditEntriesHandle.create(out -> handle.call(c -> lib().custodia_audit_query(c,
                Native.text("caseRef", q.caseRef), Native.text("objectId", q.objectId),
                Native.text("actorId", q.actorId), kinds.length == 0 ? null : kinds, kinds.length, q.since, q.until,
                out)));
    }

    /** The legal holds in force, in the order they were placed, each with the keys it keeps from destruction. */
    public List<LegalHoldInfo> legalHolds() {
        try (org.custodia.handles.LegalHoldListHandle list = org.custodia.handles.LegalHoldListHandle.create(
                out -> handle.call(c -> lib().custodia_legal_hold_list_new(c, out)))) {
            LongByReference n = new LongByReference();
            list.run(id -> lib().custodia_legal_hold_list_len(id, n));
            List<LegalHoldInfo> holds = new ArrayList<>();
            for (long i = 0; i < n.getValue(); i++) {
                org.custodia.raw.LegalHold h = new org.custodia.raw.LegalHold();
                long index = i;
                list.run(id -> lib().custodia_legal_hold_list_get(id, index, h));
                List<KeyId> keys = new ArrayList<>();
                for (long k = 0; k < h.key_count; k++) {
                    keys.add(KeyId.fromBytes(h.keys.getByteArray(k * KeyId.LENGTH, KeyId.LENGTH)));
                }
                holds.add(new LegalHoldInfo(h.case_ref.getString(0, "UTF-8"), h.reference.getString(0, "UTF-8"),
                        h.reason.getString(0, "UTF-8"), h.set_by.getString(0, "UTF-8"),
                        Instant.ofEpochSecond(h.set_at), keys));
            }
            return holds;
        }
    }

    /**
     * Re-wrap many envelope files in place, each through the same gate as {@link #rewrap} (for {@code purpose}, with
     * {@code remove}/{@code add}) or, with {@code purpose} null, as {@link #rewrapRotated} (then {@code remove} and
     * {@code add} must be empty). One bad or refused file does not stop the batch: the outcome of each, in order,
     * says what happened to it.
     *
     * @throws InvalidArgumentException for {@code remove}/{@code add} without a purpose
     */
    public List<RewrapOutcome> rewrapBatch(Actor actor, List<Path> paths, Purpose purpose, Collection<KeyId> remove,
            Collection<KeyId> add) {
        String[] files = new String[paths.size()];
        for (int i = 0; i < files.length; i++) {
            files[i] = Native.text("paths[" + i + "]", Objects.requireNonNull(paths.get(i), "path").toString());
        }
        byte[] rm = packIds(remove);
        byte[] ad = packIds(add);
        String p = purpose == null ? null : purpose.value();
        Objects.requireNonNull(actor, "actor");
        try (org.custodia.handles.RewrapResultsHandle results = org.custodia.handles.RewrapResultsHandle.create(
                out -> handle.call(c -> lib().custodia_rewrap_batch(c, actor.handle().id(), files.length == 0 ? null
                        : files, files.length, p, rm, remove.size(), ad, add.size(), out)))) {
            List<RewrapOutcome> outcomes = new ArrayList<>();
            for (int i = 0; i < files.length; i++) {
                com.sun.jna.ptr.IntByReference status = new com.sun.jna.ptr.IntByReference();
                com.sun.jna.ptr.PointerByReference message = new com.sun.jna.ptr.PointerByReference();
                long index = i;
                results.run(id -> lib().custodia_rewrap_results_get(id, index, status, message));
                int code = status.getValue();
                outcomes.add(new RewrapOutcome(paths.get(i), code == Status.OK.code() ? java.util.Optional.empty()
                        : java.util.Optional.of(CustodiaException.of(code, Native.staticString(message)))));
            }
            return outcomes;
        } finally {
            Reference.reachabilityFence(actor);
        }
    }

    /** As {@link #rewrapBatch(Actor, List, Purpose, Collection, Collection)} off rotated keys. */
    public List<RewrapOutcome> rewrapBatch(Actor actor, List<Path> paths) {
        return rewrapBatch(actor, paths, null, List.of(), List.of());
    }

    /** How many times an audit sink has failed (thrown) since this custodian was opened. */
    public long auditSinkFailures() {
        LongByReference n = new LongByReference();
        handle.run(c -> lib().custodia_custodian_audit_sink_failures(c, n));
        return n.getValue();
    }

    /** The most recent exceptions thrown by the audit sinks (at most 100), oldest first. */
    public List<Throwable> auditSinkErrors() {
        return sinks.errors();
    }

    // ---- helpers

    /** Options for opening a custodian. */
    public static final class Options {
        private boolean create;
        private int[] kdf;
        private Durability durability;
        private long maxBatch = 64;
        private int maxDelayUs = 1000;
        private final List<AuditSink> sinks = new ArrayList<>();
        private boolean requireSinks;
        private final List<KeyProvider> keyProviders = new ArrayList<>();
        private KeyProvider caseKeyProvider;
        private final List<Signer> signers = new ArrayList<>();
        private Signer auditSigner;
        private KeyId caseKek;
        private long[] caseKeyBounds;
        /** The bridges made by the last {@link #toHandle}, handed to the custodian opened with it. */
        private List<Object> bridges = List.of();

        /** The defaults: no create, the library's Argon2id cost, {@link Durability#FSYNC_EACH}. */
        public Options() {}

        /**
         * Whether the open may start a new custodian when the directory holds none: create the directory itself
         * (mode 0700, never its parents) and a new keyring. Off by default, so that a mistyped path is a
         * {@link CustodianNotFoundException} rather than a new, empty keyring.
         */
        public Options create(boolean create) {
            this.create = create;
            return this;
        }

        /**
         * The Argon2id cost for a passphrase keyring created by this open (an existing one keeps its own); outside
         * 64..262144 KiB, 1..10 passes, 1..8 lanes, memory x passes at most 1048576: {@link
         * KdfParamsOutOfRangeException}.
         */
        public Options kdf(int memoryKib, int passes, int lanes) {
            this.kdf = new int[] {memoryKib, passes, lanes};
            return this;
        }

        /** When audit entries are on disk; {@link Durability#FSYNC_EACH} by default. */
        public Options durability(Durability durability) {
            this.durability = Objects.requireNonNull(durability, "durability");
            return this;
        }

        /**
         * {@link Durability#GROUP_COMMIT}, syncing as soon as {@code maxBatch} (at least 1) entries are pending or
         * after {@code maxDelay}.
         */
        public Options groupCommit(int maxBatch, java.time.Duration maxDelay) {
            Objects.requireNonNull(maxDelay, "maxDelay");
            long us = maxDelay.toNanos() / 1000;
            if (maxBatch < 1 || us < 0 || us > 0xFFFF_FFFFL) {
                throw new InvalidArgumentException(Status.INVALID_ARGUMENT.code(),
                        "group commit needs maxBatch >= 1 and 0 <= maxDelay < 4295 s");
            }
            this.durability = Durability.GROUP_COMMIT;
            this.maxBatch = maxBatch;
            this.maxDelayUs = (int) us;
            return this;
        }

        /**
         * Forward every audit event to {@code sink} after the log has it (see {@link AuditSink} for the thread, the
         * order and what an exception does). Sinks run in the order they were added.
         */
        public Options auditSink(AuditSink sink) {
            sinks.add(Objects.requireNonNull(sink, "sink"));
            return this;
        }

        /**
         * Whether a failing audit sink fails the operation too, with {@link AuditWriteException} (its event is in the
         * log already). Off by default: failures are only counted ({@link Custodian#auditSinkFailures}).
         */
        public Options requireAuditSinks(boolean require) {
            this.requireSinks = require;
            return this;
        }

        /**
         * Add a key provider (a host's own KMS or HSM): a recipient key id the keyring does not hold is sealed to
         * through the first provider that holds it, and its stanzas are opened through it, always after the policy
         * gate. The custodian keeps the provider reachable for as long as it is open.
         */
        public Options provider(KeyProvider provider) {
            keyProviders.add(Objects.requireNonNull(provider, "provider"));
            return this;
        }

        /**
         * Wrap every new case key ({@link Custodian#caseKey}) under {@code provider}'s key {@code kek} instead of
         * keeping it in clear inside the encrypted keyring, and cache an unwrapped case key for at most {@code
         * cacheTtlSecs} seconds and {@code cacheMaxUses} seals and opens (unsigned; either 0 disables the cache): an
         * open then costs one provider call per case and cache period, not one per object. Destroying the case key
         * ends its cache entries in every custodian on the same keyring before they are used again (docs/KEYS.md
         * "Case keys wrapped by a provider"). The custodian keeps the provider reachable for as long as it is open.
         */
        public Options caseKeys(KeyProvider provider, KeyId kek, long cacheTtlSecs, long cacheMaxUses) {
            this.caseKeyProvider = Objects.requireNonNull(provider, "provider");
            this.caseKek = Objects.requireNonNull(kek, "kek");
            this.caseKeyBounds = new long[] {cacheTtlSecs, cacheMaxUses};
            return this;
        }

        /**
         * Add a signer: an Ed25519 key held by the host (an HSM, a KMS). The custodian records the key in its keyring
         * as a public key and signs with it through the signer wherever it is named by its id ({@link
         * Signer#keyId()}): the {@link SealOptions} signer, grants, receipts. Every signature is verified before use.
         * The custodian keeps the signer reachable for as long as it is open.
         */
        public Options signer(Signer signer) {
            signers.add(Objects.requireNonNull(signer, "signer"));
            return this;
        }

        /**
         * Make {@code signer} the audit log's key, chosen when the log is created: a directory whose audit key is held
         * outside refuses to open without its signer ({@link InvalidArgumentException}) or with another ({@link
         * AuditTamperedException} with status {@link Status#AUDIT_WRONG_KEY}). A signature that does not verify is never written: the operation it
         * would record fails with {@link AuditWriteException}. The custodian keeps the signer reachable.
         */
        public Options auditSigner(Signer signer) {
            this.auditSigner = Objects.requireNonNull(signer, "signer");
            return this;
        }

        CustodianOptionsHandle toHandle(AuditSinks installed) {
            CustodianOptionsHandle h = CustodianOptionsHandle.create();
            try {
                for (org.custodia.raw.AuditSinkFn fn : installed.callbacks) {
                    h.addAuditSink(fn);
                }
                h.setRequireAuditSinks(requireSinks);
                h.setCreate(create);
                List<Object> made = new ArrayList<>();
                for (KeyProvider p : keyProviders) {
                    ProviderBridge b = new ProviderBridge(p);
                    b.addTo(h);
                    made.add(b);
                }
                if (caseKeyProvider != null) {
                    ProviderBridge b = new ProviderBridge(caseKeyProvider);
                    b.setCaseKeys(h, caseKek, caseKeyBounds[0], caseKeyBounds[1]);
                    made.add(b);
                }
                for (Signer s : signers) {
                    SignerBridge b = new SignerBridge(s);
                    b.addTo(h);
                    made.add(b);
                }
                if (auditSigner != null) {
                    SignerBridge b = new SignerBridge(auditSigner);
                    b.setAuditSigner(h);
                    made.add(b);
                }
                bridges = List.copyOf(made);
                if (kdf != null) {
                    h.setKdf(kdf[0], kdf[1], kdf[2]);
                }
                if (durability != null) {
                    h.setDurability(durability.code(), maxBatch, maxDelayUs);
                }
                return h;
            } catch (RuntimeException e) {
                h.close();
                throw e;
            }
        }
    }

    private static CustodiaLibrary lib() {
        return Native.lib();
    }

    private interface ActorCall {
        int call(long custodian, long actor);
    }

    private interface GroundCall {
        int call(long custodian, long actor, long ground);
    }

    private void withActor(Actor actor, ActorCall call) {
        Objects.requireNonNull(actor, "actor");
        try {
            handle.run(c -> call.call(c, actor.handle().id()));
        } finally {
            Reference.reachabilityFence(actor);
        }
    }

    private void withGround(Actor actor, ExceptionGround ground, GroundCall call) {
        try {
            withActor(actor, (c, a) -> call.call(c, a, ground == null ? 0 : ground.handle().id()));
        } finally {
            Reference.reachabilityFence(ground);
        }
    }

    private static byte[] packIds(Collection<KeyId> ids) {
        if (ids.isEmpty()) {
            return null;
        }
        byte[] packed = new byte[ids.size() * KeyId.LENGTH];
        int i = 0;
        for (KeyId id : ids) {
            System.arraycopy(Objects.requireNonNull(id, "key id").raw(), 0, packed, i, KeyId.LENGTH);
            i += KeyId.LENGTH;
        }
        return packed;
    }

    private static IOException streamFailure(EnvironmentException e, Streams.Reader r, Streams.Writer w) {
        IOException cause = Streams.rethrow(r, w);
        if (cause == null) {
            throw e;
        }
        cause.addSuppressed(e);
        return cause;
    }
}
