//! The `Custodian`: one facade that composes the policy gate, the keyring, the envelope format and the audit log.
//!
//! It is the type hosts (and the C API and the bindings) hold. Every operation records itself in the audit log; the
//! host cannot forget to log. Opening runs the policy gate before any key is touched, and fails closed: if the
//! audit event cannot be written durably, no plaintext is returned.
//!
//! A `Custodian` is `Send + Sync`: share it in an `Arc` across threads. Reads (seal, open) take a shared lock on
//! the in-memory keyring; key changes take an exclusive one, and a file lock against other processes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use zeroize::Zeroizing;

use crate::audit::{
    Anchor, AuditEvent, AuditLog, AuditOptions, AuditSink, Durability, ErasureCertificate, EventKind, FanOut, Outcome,
    VerifyReport,
};
use crate::error::{Error, Result};
use crate::format::{
    self, DataKey, Kek, LegalInstrument, Metadata, Recipient, SigningKey, StanzaKind, VerifyingKey, X25519Identity,
    X25519Recipient, XWingIdentity, XWingRecipient,
};
use crate::jurisdiction::Jurisdiction;
use crate::keys::keyring::{KeyRecord, KeyState, KeyringBody, SecretBytes};
use crate::keys::{KdfParams, KeyId, KeyKind, Keyring, LegalHold, Unlock, text};
use crate::policy::{self, Actor, CaseRef, Decision, Grant, NewRecipient, OpenRequest, PolicyGate, RewrapRequest};
use crate::purpose::{Purpose, PurposeSet};
use crate::sensitive::{Category, Classification, Sensitive};
use crate::time::{Clock, SystemClock, Timestamp};

/// Label of the custodian's own audit signing key in the keyring.
pub const AUDIT_KEY_LABEL: &str = "custodian audit key";

/// How a [`Custodian`] is set up. `Default` gives the embedded defaults: system clock, Argon2id at 64 MiB, every
/// audit event fsynced before the operation it records returns, a signed checkpoint every 1000 entries.
#[derive(Clone)]
pub struct CustodianOptions {
    /// Where time comes from (expiry, retention, audit timestamps).
    pub clock: Arc<dyn Clock>,
    /// Argon2id parameters for a passphrase keyring created by this open.
    pub kdf: KdfParams,
    /// When an audit event counts as written (see `docs/AUDIT.md`).
    pub durability: Durability,
    /// A signed audit checkpoint after this many entries (and always on close).
    pub checkpoint_every: u64,
    /// Further sinks every event is forwarded to after the log has it (a SIEM, the host's own store).
    pub secondary_sinks: Vec<Arc<dyn AuditSink>>,
    /// Whether a failing secondary sink fails the operation too (default: no; failures are counted, see
    /// [`Custodian::secondary_audit_failures`]).
    pub require_secondary_sinks: bool,
    /// Whether [`Custodian::open`] may start a new custodian when `dir` holds none: create `dir` itself (mode 0700;
    /// never its parents) and a new keyring in it. Default `false`, so that a mistyped path is
    /// [`Error::CustodianNotFound`] instead of a new, empty keyring. Set it where a custodian is meant to be set up
    /// (first start of a host, the quick start); an existing custodian is opened the same either way.
    pub create: bool,
}

impl Default for CustodianOptions {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            kdf: KdfParams::DEFAULT,
            durability: Durability::FsyncEach,
            checkpoint_every: 1000,
            secondary_sinks: Vec::new(),
            require_secondary_sinks: false,
            create: false,
        }
    }
}

impl CustodianOptions {
    /// The defaults with an injected clock (tests, replays).
    #[must_use]
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self { clock, ..Self::default() }
    }
}

impl core::fmt::Debug for CustodianOptions {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CustodianOptions")
            .field("kdf", &self.kdf)
            .field("durability", &self.durability)
            .field("checkpoint_every", &self.checkpoint_every)
            .field("create", &self.create)
            .finish_non_exhaustive()
    }
}

/// What a host may know about a key: everything but its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    /// Fingerprint.
    pub id: KeyId,
    /// Kind.
    pub kind: KeyKind,
    /// Label.
    pub label: String,
    /// State (with the tombstone's time and reason when destroyed).
    pub state: KeyState,
    /// When it was generated or imported.
    pub created: Timestamp,
    /// The case of a per-case key.
    pub case_ref: Option<CaseRef>,
    /// Retention deadline.
    pub destroy_after: Option<Timestamp>,
    /// The key this one replaced.
    pub rotated_from: Option<KeyId>,
    /// The key that replaced this one.
    pub rotated_to: Option<KeyId>,
    /// Whether this keyring holds the secret (false for imported public keys and destroyed keys).
    pub has_secret: bool,
    /// For another authority's key: the jurisdiction it was imported with (see [`Custodian::import_public`]).
    pub jurisdiction: Option<Jurisdiction>,
}

impl From<&KeyRecord> for KeyInfo {
    fn from(r: &KeyRecord) -> Self {
        Self {
            id: r.id,
            kind: r.kind,
            label: r.label.clone(),
            state: r.state.clone(),
            created: r.created,
            case_ref: r.case_ref.clone(),
            destroy_after: r.destroy_after,
            rotated_from: r.rotated_from,
            rotated_to: r.rotated_to,
            has_secret: r.has_secret(),
            jurisdiction: r.jurisdiction,
        }
    }
}

/// What `shred_expired` did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShredReport {
    /// When the run happened.
    pub at: Timestamp,
    /// Keys destroyed by this run.
    pub destroyed: Vec<KeyId>,
    /// Keys due but kept because their case is under legal hold, with the hold's reference.
    pub held: Vec<(KeyId, String)>,
    /// The erasure certificate of each destroyed key, in the order of `destroyed`.
    pub certificates: Vec<ErasureCertificate>,
}

/// The facade: seal, open, share, re-wrap, rotate, shred, all audited.
pub struct Custodian {
    dir: PathBuf,
    ring: RwLock<Keyring>,
    gate: PolicyGate,
    clock: Arc<dyn Clock>,
    audit: Arc<AuditLog>,
    sink: FanOut,
    audit_key_id: KeyId,
    unwraps: AtomicU64,
    /// Set by [`Custodian::close`] before the log is closed: from then on no key is touched and nothing recorded.
    closed: AtomicBool,
    /// The closing anchor, once [`Custodian::close`] succeeded (a second close returns it again).
    closing: Mutex<Option<Anchor>>,
}

impl core::fmt::Debug for Custodian {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Custodian").field("dir", &self.dir).finish_non_exhaustive()
    }
}

impl Custodian {
    /// Open the custodian whose keyring and audit log live in `dir`; with [`CustodianOptions::create`], start a new
    /// one there if `dir` holds none.
    ///
    /// Starting a custodian creates `dir` if it is missing (mode 0700; its parent must exist: parents are never
    /// created), the keyring and the custodian's Ed25519 audit key, and starts the audit log.
    ///
    /// # Errors
    /// [`Error::CustodianNotFound`] when `dir` or its keyring is missing and `create` is false, or when `dir`'s parent
    /// is missing; keyring errors ([`Error::WrongPassphrase`], [`Error::KeyringCorrupt`],
    /// [`Error::KdfParamsOutOfRange`], ...), audit log errors, I/O errors.
    pub fn open(dir: &Path, unlock: Unlock, options: CustodianOptions) -> Result<Self> {
        if options.create {
            create_final_dir(dir)?;
        }
        let mut ring = Keyring::open_with(dir, &unlock, options.kdf, options.create)?;
        drop(unlock);
        let clock = options.clock.clone();
        let existing = ring
            .body()
            .keys
            .iter()
            .find(|k| k.kind == KeyKind::Ed25519 && k.label == AUDIT_KEY_LABEL && k.has_secret())
            .map(|k| k.id);
        let audit_key_id = match existing {
            Some(id) => id,
            None => {
                let key = SigningKey::generate()?;
                let record = new_record(
                    key.id(),
                    KeyKind::Ed25519,
                    AUDIT_KEY_LABEL,
                    clock.now(),
                    Some(key.verifying_key().to_bytes().to_vec()),
                    Some(key.expose_bytes()),
                );
                let id = record.id;
                ring.update(|b| b.add(record))?;
                id
            }
        };
        let signing = signing_key(&ring, &audit_key_id)?;
        // The keyring remembers the last checkpoint it saw (authenticated under the master key), so a writer of the
        // log file cannot cut the log back past it, delete it or replace it. The hook raises the pin through its
        // own handle on the keyring file, never through `self.ring`: it runs on whichever thread wrote the
        // checkpoint, and that thread may hold `self.ring` (an append under a keyring lock cannot deadlock).
        let pins = ring.pin_store();
        let audit_options = AuditOptions::with_clock(clock.clone())
            .durability(options.durability)
            .checkpoint_every(options.checkpoint_every)
            .expect_pin(ring.body().audit_pin)
            .on_checkpoint(Arc::new(move |pin| pins.raise(pin)));
        let (audit, _report) = AuditLog::open(dir, signing_to_audit(&signing), audit_options)?;
        let audit = Arc::new(audit);
        let mut sink = FanOut::new(audit.clone()).require_secondaries(options.require_secondary_sinks);
        for s in options.secondary_sinks {
            sink = sink.with_secondary(s);
        }
        Ok(Self {
            dir: dir.to_owned(),
            ring: RwLock::new(ring),
            gate: PolicyGate::new(clock.clone()),
            clock,
            audit,
            sink,
            audit_key_id,
            unwraps: AtomicU64::new(0),
            closed: AtomicBool::new(false),
            closing: Mutex::new(None),
        })
    }

    /// The directory holding the keyring and the audit log.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The current time, by the custodian's clock.
    #[must_use]
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Every key is reached through this or [`Custodian::write`], so a closed custodian touches no key.
    fn read(&self) -> Result<RwLockReadGuard<'_, Keyring>> {
        self.check_open()?;
        self.ring.read().map_err(|_| Error::Internal("keyring lock poisoned".into()))
    }

    fn write(&self) -> Result<RwLockWriteGuard<'_, Keyring>> {
        self.check_open()?;
        self.ring.write().map_err(|_| Error::Internal("keyring lock poisoned".into()))
    }

    fn check_open(&self) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::CustodianClosed);
        }
        Ok(())
    }

    /// Record an event; a failure becomes [`Error::AuditWrite`] so the caller's operation fails closed.
    fn record(&self, event: AuditEvent) -> Result<()> {
        self.check_open()?;
        self.sink.record(&event.at(self.clock.now())).map_err(|e| match e {
            Error::AuditWrite(_) => e,
            other => Error::AuditWrite(other.to_string()),
        })
    }

    // ---- keys --------------------------------------------------------------------------------------------------

    /// Every key in the keyring, tombstones included.
    ///
    /// # Errors
    /// [`Error::CustodianClosed`] after [`Custodian::close`]; otherwise only if the keyring lock is poisoned.
    pub fn keys(&self) -> Result<Vec<KeyInfo>> {
        Ok(self.read()?.body().keys.iter().map(KeyInfo::from).collect())
    }

    /// One key's public information.
    ///
    /// # Errors
    /// [`Error::KeyNotFound`].
    pub fn key(&self, id: &KeyId) -> Result<KeyInfo> {
        let ring = self.read()?;
        ring.body().get(id).map(KeyInfo::from).ok_or_else(|| Error::KeyNotFound(id.to_string()))
    }

    /// Generate a new key of `kind` with a human `label`, and record it.
    ///
    /// # Errors
    /// Keyring write errors; [`Error::AuditWrite`].
    pub fn generate_key(&self, actor: &Actor, kind: KeyKind, label: &str) -> Result<KeyId> {
        self.add_generated(actor, kind, label, None, None, None)
    }

    fn add_generated(
        &self,
        actor: &Actor,
        kind: KeyKind,
        label: &str,
        case_ref: Option<&CaseRef>,
        destroy_after: Option<Timestamp>,
        rotated_from: Option<KeyId>,
    ) -> Result<KeyId> {
        check_label(label)?;
        let mut record = generate_record(kind, label, self.clock.now())?;
        record.case_ref = case_ref.cloned();
        record.destroy_after = destroy_after;
        record.rotated_from = rotated_from;
        let id = record.id;
        self.write()?.update(|b| {
            if let Some(old) = rotated_from {
                let prev = b.get_mut(&old).ok_or_else(|| Error::KeyNotFound(old.to_string()))?;
                prev.state = KeyState::DecryptOnly;
                prev.rotated_to = Some(id);
            }
            b.add(record)
        })?;
        let mut ev =
            AuditEvent::new(if rotated_from.is_some() { EventKind::KeyRotated } else { EventKind::KeyGenerated })
                .actor(actor)
                .key(id)
                .detail("kind", kind.name())
                .detail("label", label);
        if let Some(c) = case_ref {
            ev = ev.case(c);
        }
        if let Some(old) = rotated_from {
            ev = ev.detail("rotated_from", &old.to_string());
        }
        self.record(ev)?;
        Ok(id)
    }

    /// The active key-encryption key of `case`, generated on first use with the given retention deadline.
    ///
    /// # Errors
    /// [`Error::LegalHold`] never; keyring write errors; [`Error::AuditWrite`].
    pub fn case_key(&self, actor: &Actor, case: &CaseRef, destroy_after: Option<Timestamp>) -> Result<KeyId> {
        {
            let ring = self.read()?;
            if let Some(k) =
                ring.body().keys.iter().find(|k| {
                    k.kind == KeyKind::Kek && k.case_ref.as_ref() == Some(case) && k.state == KeyState::Active
                })
            {
                return Ok(k.id);
            }
        }
        self.add_generated(actor, KeyKind::Kek, &format!("case {case}"), Some(case), destroy_after, None)
    }

    /// The text form of a key's public part (X25519, X-Wing, Ed25519), to hand to another authority.
    ///
    /// # Errors
    /// [`Error::KeyNotFound`]; [`Error::InvalidArgument`] for a symmetric key, which has no public part.
    pub fn export_public(&self, id: &KeyId) -> Result<String> {
        let ring = self.read()?;
        let r = ring.body().get(id).ok_or_else(|| Error::KeyNotFound(id.to_string()))?;
        let public = r
            .public
            .as_deref()
            .ok_or_else(|| Error::InvalidArgument(format!("key {id} is a symmetric key and has no public part")))?;
        Ok(text::encode_public(r.kind, public))
    }

    /// Import another authority's public key from its text form, under a label, with the `jurisdiction` that
    /// authority acts in. Sharing an envelope with the key is refused unless the envelope permits that jurisdiction
    /// (see [`Custodian::rewrap`]); the jurisdiction is the importing actor's statement, recorded in the audit log.
    ///
    /// Importing a key already in the keyring changes nothing, except that a key imported without a jurisdiction
    /// (by an older version) gets this one.
    ///
    /// # Errors
    /// [`Error::InvalidKeyText`] for a mistyped or malformed key; [`Error::InvalidArgument`] when the key is already
    /// recorded with another jurisdiction; keyring write errors; [`Error::AuditWrite`].
    pub fn import_public(
        &self,
        actor: &Actor,
        key_text: &str,
        label: &str,
        jurisdiction: Jurisdiction,
    ) -> Result<KeyId> {
        check_label(label)?;
        let (kind, public) = text::decode_public(key_text)?;
        let id = match kind {
            KeyKind::X25519 => {
                let bytes: [u8; 32] =
                    public.as_slice().try_into().map_err(|_| Error::InvalidKeyText("length".into()))?;
                X25519Recipient::from_bytes(bytes)?.id()
            }
            KeyKind::XWing => XWingRecipient::from_bytes(&public)?.id(),
            KeyKind::Ed25519 => {
                let bytes: [u8; 32] =
                    public.as_slice().try_into().map_err(|_| Error::InvalidKeyText("length".into()))?;
                VerifyingKey::from_bytes(bytes)?.id()
            }
            _ => return Err(Error::InvalidKeyText("not a public key kind".into())),
        };
        let mut record = new_record(id, kind, label, self.clock.now(), Some(public), None);
        record.jurisdiction = Some(jurisdiction);
        self.write()?.update(|b| match b.get_mut(&id) {
            // An own key's public part coming back: it is ours, not another authority's.
            Some(existing) if existing.has_secret() => Ok(()),
            Some(existing) => match existing.jurisdiction {
                None => {
                    existing.jurisdiction = Some(jurisdiction);
                    Ok(())
                }
                Some(j) if j == jurisdiction => Ok(()),
                Some(j) => Err(Error::InvalidArgument(format!(
                    "key {id} is already imported for jurisdiction {j}, not {jurisdiction}"
                ))),
            },
            None => b.add(record),
        })?;
        self.record(
            AuditEvent::new(EventKind::KeyGenerated)
                .actor(actor)
                .key(id)
                .detail("kind", kind.name())
                .detail("label", label)
                .detail("imported", "true")
                .detail("jurisdiction", jurisdiction.as_str()),
        )?;
        Ok(id)
    }

    /// Rotate a key: generate a new active key of the same kind (and case), and make the old one decrypt-only. Seal
    /// with the new key; re-wrap old envelopes with [`Custodian::rewrap`].
    ///
    /// # Errors
    /// [`Error::KeyNotFound`]; [`Error::KeyState`] unless the key is active and held with its secret.
    pub fn rotate(&self, actor: &Actor, id: &KeyId) -> Result<KeyId> {
        let (kind, label, case, destroy_after) = {
            let ring = self.read()?;
            let r = ring.body().get(id).ok_or_else(|| Error::KeyNotFound(id.to_string()))?;
            if r.state != KeyState::Active || !r.has_secret() {
                return Err(Error::KeyState { key_id: id.to_string(), operation: "rotate", state: state_name(r) });
            }
            (r.kind, r.label.clone(), r.case_ref.clone(), r.destroy_after)
        };
        self.add_generated(actor, kind, &label, case.as_ref(), destroy_after, Some(*id))
    }

    /// Set or clear a key's retention deadline.
    ///
    /// # Errors
    /// [`Error::KeyNotFound`]; keyring write errors; [`Error::AuditWrite`].
    pub fn set_retention(&self, actor: &Actor, id: &KeyId, destroy_after: Option<Timestamp>) -> Result<()> {
        self.write()?.update(|b| {
            let r = b.get_mut(id).ok_or_else(|| Error::KeyNotFound(id.to_string()))?;
            r.destroy_after = destroy_after;
            Ok(())
        })?;
        let until = destroy_after.map_or_else(|| "none".to_owned(), |t| t.to_string());
        self.record(AuditEvent::new(EventKind::KeyGenerated).actor(actor).key(*id).detail("retention_set", &until))
    }

    /// Crypto-shred a key: its secret is wiped from memory and from the keyring file, a tombstone remains, and
    /// everything sealed only under it can no longer be opened by anyone holding only this keyring.
    ///
    /// Returns the signed erasure certificate written to the audit log (its JSON form is
    /// [`ErasureCertificate::to_json`]): it names the key, the case and the reason, holds no personal data, and
    /// verifies with the audit public key alone ([`ErasureCertificate::verify`] with
    /// [`crate::audit::parse_audit_key`] of [`Custodian::audit_public_key`]), so it can be handed to the
    /// authority that asked for the erasure.
    ///
    /// # Errors
    /// [`Error::KeyNotFound`]; [`Error::LegalHold`] when its case is under hold; [`Error::KeyDestroyed`] if it is
    /// already destroyed; keyring write errors; [`Error::AuditWrite`]; [`Error::CustodianClosed`].
    pub fn destroy_key(&self, actor: &Actor, id: &KeyId, reason: &str) -> Result<ErasureCertificate> {
        // Checked before the key is touched: the erasure certificate refuses what this refuses.
        crate::keys::keyring::check_destroy_reason(reason)?;
        if *id == self.audit_key_id {
            return Err(Error::InvalidArgument("the custodian's audit key cannot be destroyed".into()));
        }
        let now = self.clock.now();
        let case = self.read()?.body().get(id).and_then(|r| r.case_ref.clone());
        let result = self.write()?.update(|b| b.destroy(id, now, reason));
        if let Err(e) = result {
            let mut ev = AuditEvent::refused(&e).actor(actor).key(*id).detail("operation", "destroy_key");
            if let Some(c) = &case {
                ev = ev.case(c);
            }
            self.record(ev)?;
            return Err(e);
        }
        let certificate = self
            .audit
            .certify_erasure(&[*id], case.as_ref(), reason, None)
            .map_err(|e| Error::AuditWrite(e.to_string()))?;
        let mut ev = AuditEvent::new(EventKind::KeyDestroyed).actor(actor).key(*id).detail("reason", reason);
        if let Some(c) = &case {
            ev = ev.case(c);
        }
        self.record(ev)?;
        Ok(certificate)
    }

    /// Destroy every key whose retention deadline has passed, except keys of cases under legal hold. The report
    /// carries the erasure certificate of every key destroyed.
    ///
    /// # Errors
    /// Keyring write errors; [`Error::AuditWrite`]; [`Error::CustodianClosed`].
    pub fn shred_expired(&self, actor: &Actor) -> Result<ShredReport> {
        let now = self.clock.now();
        let mut report = ShredReport { at: now, ..ShredReport::default() };
        let due: Vec<(KeyId, Option<CaseRef>)> = {
            let ring = self.read()?;
            ring.body()
                .keys
                .iter()
                .filter(|k| !matches!(k.state, KeyState::Destroyed { .. }) && k.destroy_after.is_some_and(|t| t <= now))
                .map(|k| (k.id, k.case_ref.clone()))
                .collect()
        };
        for (id, case) in due {
            match self.destroy_key(actor, &id, "retention period ended") {
                Ok(certificate) => {
                    report.destroyed.push(id);
                    report.certificates.push(certificate);
                }
                Err(Error::LegalHold { reference, .. }) => report.held.push((id, reference)),
                Err(e) => return Err(e),
            }
            let _ = case;
        }
        self.record(
            AuditEvent::new(EventKind::ShredRun)
                .actor(actor)
                .keys(report.destroyed.iter().copied())
                .detail("destroyed", &report.destroyed.len().to_string())
                .detail("held", &report.held.len().to_string()),
        )?;
        Ok(report)
    }

    /// Place a legal hold on a case: none of its keys can be destroyed until the hold is released.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty, over-long or non-printable reference or reason, or a case already
    /// held; [`Error::AuditWrite`].
    pub fn place_legal_hold(&self, actor: &Actor, case: &CaseRef, reference: &str, reason: &str) -> Result<()> {
        let hold = LegalHold {
            case_ref: case.clone(),
            reference: reference.to_owned(),
            reason: reason.to_owned(),
            set_at: self.clock.now(),
            set_by: actor.id().to_owned(),
        };
        hold.check()?;
        self.write()?.update(|b| {
            if b.hold_on(case).is_some() {
                return Err(Error::InvalidArgument(format!("case {case} is already under legal hold")));
            }
            b.holds.push(hold);
            Ok(())
        })?;
        self.record(
            AuditEvent::new(EventKind::LegalHoldSet)
                .actor(actor)
                .case(case)
                .detail("reference", reference)
                .detail("reason", reason),
        )
    }

    /// Release the legal hold on a case.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the case is not held; [`Error::AuditWrite`].
    pub fn release_legal_hold(&self, actor: &Actor, case: &CaseRef) -> Result<()> {
        self.write()?.update(|b| {
            let before = b.holds.len();
            b.holds.retain(|h| h.case_ref != *case);
            if b.holds.len() == before {
                return Err(Error::InvalidArgument(format!("case {case} is not under legal hold")));
            }
            Ok(())
        })?;
        self.record(AuditEvent::new(EventKind::LegalHoldReleased).actor(actor).case(case))
    }

    /// The legal holds in force.
    ///
    /// # Errors
    /// [`Error::CustodianClosed`] after [`Custodian::close`]; otherwise only if the keyring lock is poisoned.
    pub fn legal_holds(&self) -> Result<Vec<LegalHold>> {
        Ok(self.read()?.body().holds.clone())
    }

    // ---- seal ----------------------------------------------------------------------------------------------------

    /// Seal a sensitive value into an envelope for the recipients in `options`, and record it.
    ///
    /// The envelope carries the value's category and classification (raised by `options.classification` if given)
    /// and every bound field of `options`. The origin defaults to the actor's jurisdiction.
    ///
    /// # Errors
    /// [`Error::NoPurpose`]; [`Error::ClearanceInsufficient`] when the actor is not cleared for the data;
    /// [`Error::KeyNotFound`], [`Error::KeyState`] (a decrypt-only key cannot seal), [`Error::KeyDestroyed`] for a
    /// recipient, sender or signer; [`Error::AuditWrite`] (the envelope is then discarded).
    pub fn seal(&self, actor: &Actor, data: &Sensitive<Vec<u8>>, options: &SealOptions) -> Result<Vec<u8>> {
        let plaintext = data.expose_secret();
        // In memory: one allocation of the envelope's exact size, chunks sealed in parallel when large.
        let (out, _) = self.seal_with(actor, data.category(), data.classification(), options, |fopts| {
            let out = format::seal(plaintext, fopts)?;
            let id = format::sealed_object_id(&out)?;
            Ok((out, id, plaintext.len() as u64))
        })?;
        if options.armor {
            return Ok(format::armor(&out).into_bytes());
        }
        Ok(out)
    }

    /// Seal everything `src` yields into `dst` as one envelope, in constant memory, and record it. Returns the
    /// envelope's summary. `options.armor` is ignored (streams are binary).
    ///
    /// # Errors
    /// As [`Custodian::seal`], and [`Error::Io`].
    pub fn seal_stream(
        &self,
        actor: &Actor,
        category: Category,
        classification: Classification,
        options: &SealOptions,
        src: &mut dyn Read,
        dst: &mut dyn Write,
    ) -> Result<Sealed> {
        let (_, sealed) = self.seal_with(actor, category, classification, options, |fopts| {
            // Seal into the destination through a capturing writer, so the summary knows the object id.
            let mut head = HeaderCapture::new(dst);
            let len = format::seal_stream(src, &mut head, fopts)?;
            Ok(((), format::sealed_object_id(head.captured())?, len))
        })?;
        Ok(sealed)
    }

    /// The checks, key resolution and audit record around a seal; `run` seals with the format options and returns
    /// its output, the envelope's object id and the plaintext length.
    fn seal_with<T>(
        &self,
        actor: &Actor,
        category: Category,
        classification: Classification,
        options: &SealOptions,
        run: impl FnOnce(&format::SealOptions<'_>) -> Result<(T, [u8; format::OBJECT_ID_LEN], u64)>,
    ) -> Result<(T, Sealed)> {
        let classification = options.classification.map_or(classification, |c| c.max(classification));
        category.check(classification)?;
        if actor.clearance() < classification {
            return Err(Error::ClearanceInsufficient { required: classification, held: actor.clearance() });
        }
        if options.purposes.is_empty() {
            return Err(Error::NoPurpose);
        }
        if options.recipients.is_empty() {
            return Err(Error::InvalidArgument("at least one recipient is required".into()));
        }
        let now = self.clock.now();
        let mut meta = Metadata::new(category, options.purposes.clone(), now);
        meta.classification = classification;
        meta.case_ref = options.case_ref.clone();
        meta.instrument = options.instrument.clone();
        meta.origin = Some(options.origin.unwrap_or_else(|| actor.jurisdiction()));
        meta.destinations = options.destinations.clone();
        meta.not_after = options.not_after;
        if let Some(cs) = options.chunk_size {
            meta.chunk_size = cs;
        }

        let ring = self.read()?;
        let keys = ResolvedRecipients::resolve(ring.body(), &options.recipients)?;
        let sender = options.sender.map(|id| x25519_identity(ring.body(), &id)).transpose()?;
        let signer = options.signer.map(|id| signer_for(ring.body(), &id)).transpose()?;
        drop(ring);

        let mut fopts = format::SealOptions::new(meta.clone(), keys.recipients());
        if let Some(s) = &sender {
            fopts = fopts.with_sender(s);
        }
        if let Some(s) = &signer {
            fopts = fopts.with_signer(s);
        }
        let (output, object_id, len) = run(&fopts)?;
        let sealed = Sealed { object_id: hex(&object_id), plaintext_len: len, recipients: options.recipients.clone() };
        let mut ev = AuditEvent::new(EventKind::Sealed)
            .actor(actor)
            .object(&object_id)
            .category(category)
            .classification(classification)
            .purposes(&options.purposes)
            .keys(options.recipients.iter().copied())
            .detail("bytes", &len.to_string());
        if let Some(c) = &options.case_ref {
            ev = ev.case(c);
        }
        if let Some(s) = options.signer {
            ev = ev.detail("signer", &s.to_string());
        }
        self.record(ev)?;
        Ok((output, sealed))
    }

    // ---- open ----------------------------------------------------------------------------------------------------

    /// Open an envelope (binary or armored) for the purpose stated in `request`.
    ///
    /// The policy gate runs on the header before any key is touched; then the data key is unwrapped with whichever
    /// of this keyring's keys has a stanza; then commitment, header MAC, required signer and every chunk are
    /// checked. The open (and any exception used) is recorded before the plaintext is returned; if it cannot be
    /// recorded, the plaintext is wiped and [`Error::AuditWrite`] returned.
    ///
    /// # Errors
    /// Refusals ([`Error::PurposeNotPermitted`], [`Error::Expired`], [`Error::JurisdictionNotPermitted`],
    /// [`Error::ClearanceInsufficient`], [`Error::KeyDestroyed`], [`Error::SignerMismatch`]), format and
    /// authentication errors ([`Error::OpenFailed`], [`Error::NoMatchingRecipient`], ...), [`Error::AuditWrite`].
    pub fn open_envelope(
        &self,
        request: &OpenRequest,
        envelope: &[u8],
        required_signer: Option<&KeyId>,
    ) -> Result<OpenedEnvelope> {
        let (header, decision, opened) = self.open_with(
            request,
            format::parse_header(envelope),
            required_signer,
            Record::AfterFinish,
            |h, dk, s| format::open_payload(h, dk, envelope, s),
        )?;
        Ok(OpenedEnvelope {
            info: EnvelopeInfo::from_header(&header),
            data: opened.plaintext,
            decision,
            recipient: opened.recipient,
            signer: opened.signer.map(|v| v.id()),
            sender: opened.sender.map(|s| s.id()),
        })
    }

    /// Open the envelope that `src` yields, writing plaintext to `dst` chunk by chunk in constant memory.
    ///
    /// Each chunk is written only after it authenticates. A signature (if any) covers the whole payload and is
    /// checked at the end: on any error, discard what `dst` received.
    ///
    /// # Errors
    /// As [`Custodian::open_envelope`], and [`Error::Io`].
    pub fn open_stream(
        &self,
        request: &OpenRequest,
        src: &mut dyn Read,
        dst: &mut dyn Write,
        required_signer: Option<&KeyId>,
    ) -> Result<EnvelopeInfo> {
        let header = format::read_header(src);
        // Plaintext reaches `dst` during the call, so the open is recorded before the first chunk is written.
        let (header, _, _) = self.open_with(request, header, required_signer, Record::BeforeFinish, |h, dk, s| {
            format::open_stream(h, dk, src, dst, s)
        })?;
        Ok(EnvelopeInfo::from_header(&header))
    }

    /// Open a seekable envelope for random access: the returned reader decrypts only the chunks a read touches,
    /// each after it authenticates. `src` must be positioned at the start of the envelope. The open is recorded
    /// before the reader is returned.
    ///
    /// The reader reads `src` again on every seek, so a source changed while open (by a co-recipient, who knows the
    /// data key) is caught: each re-read chunk must match a fingerprint kept when it was verified, or the read fails
    /// with an [`std::io::Error`] wrapping [`Error::EnvelopeChanged`] (see [`format::Reader`]; 16 bytes of memory
    /// per chunk).
    ///
    /// # Errors
    /// As [`Custodian::open_envelope`], and [`Error::Io`].
    pub fn open_seekable<R: Read + Seek>(
        &self,
        request: &OpenRequest,
        mut src: R,
        required_signer: Option<&KeyId>,
    ) -> Result<(format::Reader<R>, EnvelopeInfo)> {
        let header = format::read_header(&mut src);
        let (header, _, reader) =
            self.open_with(request, header, required_signer, Record::AfterFinish, |h, dk, s| {
                format::Reader::new(h, dk, src, s)
            })?;
        Ok((reader, EnvelopeInfo::from_header(&header)))
    }

    /// The one open path: header parsed -> policy gate (refusals recorded) -> unwrap with this keyring's keys ->
    /// `finish` (authenticate and decrypt). The open is recorded durably before the caller can see plaintext:
    /// after `finish` when it holds the plaintext back (dropped, and so wiped, if the record fails), before it when
    /// it hands plaintext out as it goes. Any failure after the gate is recorded too.
    fn open_with<T>(
        &self,
        request: &OpenRequest,
        header: Result<format::Header>,
        required_signer: Option<&KeyId>,
        when: Record,
        finish: impl FnOnce(&format::Header, &DataKey, Option<&VerifyingKey>) -> Result<T>,
    ) -> Result<(format::Header, Decision, T)> {
        let header = header.map_err(|e| self.record_failure(request, None, e))?;
        let decision = self.decide(request, &header)?;
        let result = (|| {
            let ring = self.read()?;
            let signer = required_signer.map(|id| verifying_key(ring.body(), id)).transpose()?;
            let dk = self.unwrap(ring.body(), &header)?;
            drop(ring);
            if when == Record::BeforeFinish {
                self.record_open(request, &header, &decision)?;
            }
            finish(&header, &dk, signer.as_ref())
        })();
        let value = result.map_err(|e| match e {
            Error::AuditWrite(_) => e,
            e => self.record_failure(request, Some(&header), e),
        })?;
        if when == Record::AfterFinish {
            self.record_open(request, &header, &decision)?;
        }
        Ok((header, decision, value))
    }

    /// Read an envelope's bound metadata without opening it (no key, no policy decision, not audited).
    ///
    /// # Errors
    /// Format errors.
    pub fn inspect(&self, envelope: &[u8]) -> Result<EnvelopeInfo> {
        Ok(EnvelopeInfo::from_header(&format::parse_header(envelope)?))
    }

    /// How many times this custodian has tried to unwrap a data key. Lets a host (and the tests) confirm that a
    /// refused open never touched a key.
    #[must_use]
    pub fn unwrap_attempts(&self) -> u64 {
        self.unwraps.load(Ordering::Relaxed)
    }

    fn decide(&self, request: &OpenRequest, header: &format::Header) -> Result<Decision> {
        match self.gate.decide(&header.terms(), request) {
            Ok(d) => Ok(d),
            Err(refusal) => {
                let ev = open_event(AuditEvent::refused(&refusal), request, header);
                self.record(ev)?;
                Err(refusal)
            }
        }
    }

    fn record_open(&self, request: &OpenRequest, header: &format::Header, decision: &Decision) -> Result<()> {
        if let Some(ex) = decision.used_exception() {
            self.record(open_event(AuditEvent::new(EventKind::ExceptionUsed).exception(ex), request, header))?;
        }
        let mut ev = open_event(AuditEvent::new(EventKind::Opened), request, header);
        if let Grant::Purpose(p) = &decision.grant {
            ev = ev.detail("granted_by", p.as_str());
        }
        self.record(ev)
    }

    /// Record a failed open (bad input, wrong key, tampering) and hand back the error, or the audit failure.
    fn record_failure(&self, request: &OpenRequest, header: Option<&format::Header>, e: Error) -> Error {
        let base = if e.is_refusal() {
            AuditEvent::refused(&e)
        } else {
            AuditEvent::new(EventKind::Opened).outcome(Outcome::from_error(&e))
        };
        let ev = match header {
            Some(h) => open_event(base, request, h),
            None => base.actor(&request.actor).purpose(&request.purpose),
        };
        match self.record(ev) {
            Ok(()) => e,
            Err(audit) => audit,
        }
    }

    /// Unwrap the data key with the first of this keyring's keys that has a stanza in `header`.
    fn unwrap(&self, body: &KeyringBody, header: &format::Header) -> Result<DataKey> {
        let mut destroyed: Option<Error> = None;
        let mut failure: Option<Error> = None;
        for stanza in header.stanzas() {
            let Some(rec) = body.get(&stanza.key_id()) else { continue };
            if let KeyState::Destroyed { at, .. } = rec.state {
                destroyed.get_or_insert(Error::KeyDestroyed { key_id: rec.id.to_string(), destroyed_at: at });
                continue;
            }
            if !rec.has_secret() {
                continue;
            }
            self.unwraps.fetch_add(1, Ordering::Relaxed);
            let attempt = match (stanza.kind(), rec.kind) {
                (StanzaKind::Kek, KeyKind::Kek) => format::unwrap_with_kek(header, &Kek::from_bytes(*secret32(rec)?)),
                (StanzaKind::X25519 | StanzaKind::X25519Auth, KeyKind::X25519) => {
                    format::unwrap_with_x25519(header, &stored_x25519(rec)?, None)
                }
                (StanzaKind::XWing, KeyKind::XWing) => {
                    format::unwrap_with_xwing(header, &XWingIdentity::from_seed(*secret32(rec)?))
                }
                _ => continue,
            };
            match attempt {
                Ok(dk) => return Ok(dk),
                Err(e) => failure = Some(e),
            }
        }
        Err(failure.or(destroyed).unwrap_or(Error::NoMatchingRecipient))
    }

    // ---- re-wrap and share -----------------------------------------------------------------------------------------

    /// Re-wrap an envelope for the stated `purpose`: remove the stanzas of `remove`, add stanzas for `add` (keys of
    /// this keyring, or imported public keys of other authorities: sharing). The payload bytes, the bound context
    /// and any signature are carried over unchanged. The result is binary.
    ///
    /// Re-wrapping unwraps the data key, so the policy gate runs on the header first, before any key is touched
    /// ([`crate::policy::decide_rewrap_at`]): the actor's clearance, jurisdiction, the expiry and the purpose, which
    /// the envelope must grant (no exception authorizes a re-wrap). Adding another authority's key is an onward
    /// transfer and needs more: `purpose` lies under `mla.execution`, and the key was imported with a jurisdiction
    /// the envelope permits. A refusal is recorded as a `refused` event (detail `operation` `rewrap` or `share`);
    /// a re-wrap as `rewrapped`, or `shared` when it added another authority's key, with the purpose.
    ///
    /// # Errors
    /// Refusals: [`Error::ClearanceInsufficient`], [`Error::JurisdictionNotPermitted`], [`Error::Expired`],
    /// [`Error::PurposeNotPermitted`], [`Error::TransferNotPermitted`], [`Error::RecipientJurisdictionUnknown`],
    /// [`Error::RecipientNotPermitted`], [`Error::KeyDestroyed`]; [`Error::NoMatchingRecipient`] when no key here
    /// can unwrap the envelope; [`Error::KeyNotFound`]; [`Error::KeyState`] for a decrypt-only key added;
    /// [`Error::InvalidArgument`] for a key removed that has no stanza or a key added that already has one;
    /// [`Error::AuditWrite`].
    pub fn rewrap(
        &self,
        actor: &Actor,
        purpose: &Purpose,
        envelope: &[u8],
        remove: &[KeyId],
        add: &[KeyId],
    ) -> Result<Vec<u8>> {
        let bin = format::to_binary(envelope)?;
        let header = format::parse_header(&bin)?;
        let (mut out, at) = self.rewrap_header(actor, &header, RewrapAct::Change { purpose, remove, add })?;
        out.extend_from_slice(&bin[at..]);
        Ok(out)
    }

    /// Re-wrap an envelope whose stanzas name rotated keys: each stanza for a key that was rotated is replaced by
    /// one for its newest successor. An envelope with no rotated key is returned unchanged (as binary).
    ///
    /// This needs only clearance for the data, no purpose, and works on expired data and for an actor outside the
    /// envelope's jurisdictions: the successor is this custodian's own key, so nobody gains access who did not have
    /// it, and rotation must be able to move every retained envelope off an old key before that key is destroyed.
    /// A refusal is recorded as a `refused` event with detail `operation` `rewrap_rotated`.
    ///
    /// # Errors
    /// [`Error::ClearanceInsufficient`]; otherwise as [`Custodian::rewrap`].
    pub fn rewrap_rotated(&self, actor: &Actor, envelope: &[u8]) -> Result<Vec<u8>> {
        let bin = format::to_binary(envelope)?;
        let header = format::parse_header(&bin)?;
        let (remove, add) = self.rotation_plan(&header)?;
        if remove.is_empty() {
            return Ok(bin.into_owned());
        }
        let (mut out, at) = self.rewrap_header(actor, &header, RewrapAct::Rotated { remove: &remove, add: &add })?;
        out.extend_from_slice(&bin[at..]);
        Ok(out)
    }

    /// Re-wrap many envelopes, files or buffers; one bad (or refused) item does not stop the batch. Each item passes
    /// the gate as [`Custodian::rewrap`] or [`Custodian::rewrap_rotated`] would. `progress` is called on the caller's
    /// thread after each item with its index and result.
    pub fn rewrap_batch<I>(
        &self,
        actor: &Actor,
        items: I,
        plan: &RewrapPlan,
        progress: &mut dyn FnMut(usize, &Result<RewrapOutput>),
    ) -> Vec<Result<RewrapOutput>>
    where
        I: IntoIterator<Item = RewrapItem>,
    {
        let mut results = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            let r = self.rewrap_item(actor, item, plan);
            progress(i, &r);
            results.push(r);
        }
        results
    }

    fn rewrap_item(&self, actor: &Actor, item: RewrapItem, plan: &RewrapPlan) -> Result<RewrapOutput> {
        match item {
            RewrapItem::Bytes(b) => {
                let out = match plan {
                    RewrapPlan::Rotated => self.rewrap_rotated(actor, &b)?,
                    RewrapPlan::Change { purpose, remove, add } => self.rewrap(actor, purpose, &b, remove, add)?,
                };
                Ok(RewrapOutput::Bytes(out))
            }
            RewrapItem::File(path) => {
                let mut f = File::open(&path)?;
                let header = format::read_header(&mut f)?;
                let rotation;
                let act = match plan {
                    RewrapPlan::Rotated => {
                        rotation = self.rotation_plan(&header)?;
                        if rotation.0.is_empty() {
                            return Ok(RewrapOutput::File(path));
                        }
                        RewrapAct::Rotated { remove: &rotation.0, add: &rotation.1 }
                    }
                    RewrapPlan::Change { purpose, remove, add } => RewrapAct::Change { purpose, remove, add },
                };
                let (new_header, at) = self.rewrap_header(actor, &header, act)?;
                f.seek(SeekFrom::Start(u64::try_from(at).map_err(|_| Error::Internal("offset".into()))?))?;
                replace_file(&path, &new_header, &mut f)?;
                Ok(RewrapOutput::File(path))
            }
        }
    }

    /// For each stanza of a rotated key, the newest successor. Successors are always own keys with their secret
    /// (only a key held with its secret can be rotated), so a rotation never adds another authority's key.
    fn rotation_plan(&self, header: &format::Header) -> Result<(Vec<KeyId>, Vec<KeyId>)> {
        let ring = self.read()?;
        let mut remove = Vec::new();
        let mut add = Vec::new();
        for s in header.stanzas() {
            let Some(mut rec) = ring.body().get(&s.key_id()) else { continue };
            if rec.rotated_to.is_none() {
                continue;
            }
            // Follow the rotation chain to its newest key (bounded: a chain cannot be longer than the keyring).
            for _ in 0..ring.body().keys.len() {
                match rec.rotated_to.and_then(|n| ring.body().get(&n)) {
                    Some(next) => rec = next,
                    None => break,
                }
            }
            if rec.id != s.key_id() && !header.stanzas().iter().any(|t| t.key_id() == rec.id) && !add.contains(&rec.id)
            {
                remove.push(s.key_id());
                add.push(rec.id);
            }
        }
        Ok((remove, add))
    }

    /// The one re-wrap path: gate (refusals recorded) -> unwrap -> new stanzas -> record. Returns the new header and
    /// the offset where the old one ended.
    fn rewrap_header(&self, actor: &Actor, header: &format::Header, act: RewrapAct<'_>) -> Result<(Vec<u8>, usize)> {
        let (operation, decision) = self.authorize_rewrap(actor, header, act)?;
        let result = (|| {
            let ring = self.read()?;
            let dk = self.unwrap(ring.body(), header)?;
            let keys = ResolvedRecipients::resolve(ring.body(), act.add())?;
            drop(ring);
            format::rewrap_header(header, &dk, act.remove(), &keys.recipients())
        })();
        // A refusal past the gate (a destroyed key) is recorded like the gate's own.
        let result = result.or_else(|e| {
            if e.is_refusal() {
                self.record(rewrap_event(AuditEvent::refused(&e), actor, header, act, operation))?;
            }
            Err(e)
        })?;
        let kind = if operation == SHARE { EventKind::Shared } else { EventKind::Rewrapped };
        let mut ev = rewrap_event(AuditEvent::new(kind), actor, header, act, operation);
        if let Some(Grant::Purpose(p)) = decision.as_ref().map(|d| &d.grant) {
            ev = ev.detail("granted_by", p.as_str());
        }
        self.record(ev)?;
        Ok(result)
    }

    /// The gate for a re-wrap. It reads the header and the added keys' public records only (no secret, no unwrap);
    /// a refusal is recorded before it is returned. Gives the operation's audit name and, for a change, the decision.
    fn authorize_rewrap(
        &self,
        actor: &Actor,
        header: &format::Header,
        act: RewrapAct<'_>,
    ) -> Result<(&'static str, Option<Decision>)> {
        let terms = header.terms();
        let (operation, decided) = match act {
            RewrapAct::Rotated { .. } => (REWRAP_ROTATED, policy::decide_rotation(&terms, actor).map(|()| None)),
            RewrapAct::Change { purpose, add, .. } => {
                let ring = self.read()?;
                let body = ring.body();
                let foreign = |r: &KeyRecord| !r.has_secret() && !matches!(r.state, KeyState::Destroyed { .. });
                let operation = if add.iter().any(|id| body.get(id).is_some_and(foreign)) { SHARE } else { REWRAP };
                let add = new_recipients(body, add);
                drop(ring);
                let decided = add.and_then(|add| {
                    let request = RewrapRequest { actor: actor.clone(), purpose: purpose.clone(), add };
                    self.gate.decide_rewrap(&terms, &request).map(Some)
                });
                (operation, decided)
            }
        };
        match decided {
            Ok(decision) => Ok((operation, decision)),
            Err(e) if e.is_refusal() => {
                self.record(rewrap_event(AuditEvent::refused(&e), actor, header, act, operation))?;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Danger: a copy of a key's secret bytes, unaudited. Exists so tests can prove that a destroyed key left no
    /// trace; only with the `danger-test-hooks` feature, which no release artefact enables.
    ///
    /// # Errors
    /// [`Error::KeyNotFound`], [`Error::KeyDestroyed`], [`Error::KeyState`] for a public-only key.
    #[cfg(feature = "danger-test-hooks")]
    #[doc(hidden)]
    pub fn danger_export_secret_for_tests(&self, id: &KeyId) -> Result<Zeroizing<[u8; 32]>> {
        let ring = self.read()?;
        secret32(ring.body().get(id).ok_or_else(|| Error::KeyNotFound(id.to_string()))?)
    }

    /// Danger: whether the decrypted keyring file contains `needle` (raw or base64). For tests of crypto-shredding;
    /// only with the `danger-test-hooks` feature, which no release artefact enables.
    ///
    /// # Errors
    /// Only if the keyring lock is poisoned.
    #[cfg(feature = "danger-test-hooks")]
    #[doc(hidden)]
    pub fn danger_keyring_contains(&self, needle: &[u8]) -> Result<bool> {
        Ok(self.read()?.danger_body_contains(needle))
    }

    // ---- audit ---------------------------------------------------------------------------------------------------

    /// The custodian's audit public key in text form (`custodia-ed25519-public:…`), for auditors, for the
    /// authorities that counter-sign its anchors, and for checking its erasure certificates
    /// ([`crate::audit::parse_audit_key`] reads it back). Still available after [`Custodian::close`].
    ///
    /// # Errors
    /// None in practice; the `Result` is kept for compatibility.
    pub fn audit_public_key(&self) -> Result<String> {
        Ok(text::encode_public(KeyKind::Ed25519, self.audit.verifying_key().as_bytes()))
    }

    /// The audit log.
    #[must_use]
    pub fn audit_log(&self) -> &AuditLog {
        &self.audit
    }

    /// How many times forwarding an event to a secondary sink has failed (when they are not required).
    #[must_use]
    pub fn secondary_audit_failures(&self) -> u64 {
        self.sink.secondary_failures()
    }

    /// Verify the whole audit log against the custodian's audit key, and check that it still holds exactly the
    /// prefix each anchor pins.
    ///
    /// Pass the anchors other authorities hold (parsed with [`Anchor::from_json`]): they are the defence
    /// `docs/AUDIT.md` calls mandatory. Without them this only proves the log is consistent with the audit key,
    /// and whoever holds that key (or, for the tail after the last checkpoint, whoever can write the file) can
    /// rewrite or cut it without detection; with them, a log that differs from, or is shorter than, an anchored
    /// prefix is refused. The latest checkpoint this custodian wrote or verified on open is always checked as one
    /// more anchor (not counted in [`VerifyReport::anchors`]), so a log cut or rewritten behind a running
    /// custodian's back is refused here too. Works after [`Custodian::close`] too.
    ///
    /// # Errors
    /// [`Error::AuditTampered`] or [`Error::AuditMalformed`] at the first bad entry (including a log rewritten or
    /// truncated below an anchor); [`Error::AnchorInvalid`] for an anchor whose signatures do not verify with this
    /// custodian's audit key or that belongs to another log; I/O errors.
    pub fn verify_audit(&self, anchors: &[Anchor]) -> Result<VerifyReport> {
        // The latest checkpoint this custodian wrote (or verified on open) is an anchor too: a file cut or rewritten
        // behind the running custodian's back is refused here, not only at the next open.
        let own = self.audit.latest_anchor();
        let mut all = anchors.to_vec();
        all.extend(own.iter().cloned());
        let mut report = crate::audit::verify(self.audit.path(), &self.audit.verifying_key(), &all)?;
        report.anchors = report.anchors.saturating_sub(u64::from(own.is_some()));
        Ok(report)
    }

    /// Write a signed checkpoint now, make it durable, and return it as an [`Anchor`] to hand to another authority
    /// (its JSON form is [`Anchor::to_json`]), which checks it against [`Custodian::audit_public_key`],
    /// counter-signs it ([`Custodian::countersign_anchor`] on its side) and keeps it. If the last entry is already
    /// a checkpoint, that one is returned. Export one regularly: only anchors held elsewhere pin the log's past.
    ///
    /// # Errors
    /// [`Error::AuditWrite`] when the checkpoint cannot be made durable; [`Error::CustodianClosed`].
    pub fn checkpoint(&self) -> Result<Anchor> {
        self.check_open()?;
        self.audit.checkpoint()
    }

    /// Close the custodian: write the closing checkpoint, sync it, and return it as an [`Anchor`].
    ///
    /// From then on every operation that would touch a key or record an event (seal, open, re-wrap, key
    /// management, [`Custodian::checkpoint`], [`Custodian::countersign_anchor`]) fails with
    /// [`Error::CustodianClosed`] before doing anything; [`Custodian::audit_public_key`],
    /// [`Custodian::verify_audit`] and [`Custodian::inspect`] still work. Closing again returns the same anchor.
    /// Keys are zeroized when the `Custodian` is dropped. Dropping a custodian that was never closed still writes
    /// the closing checkpoint, ignoring errors: call `close` to see them and to get the anchor.
    ///
    /// Close once the other threads are done with the custodian: an operation in flight on another thread either
    /// completes first or fails with [`Error::CustodianClosed`]; one that has already changed the keyring when the
    /// log closes (a key generated, a hold placed) then lacks its audit event, as it would after a disk failure.
    ///
    /// # Errors
    /// [`Error::AuditWrite`] when the closing checkpoint cannot be made durable (the custodian stays closed; the
    /// next open recovers the log and seals its tail).
    pub fn close(&self) -> Result<Anchor> {
        // Serialises concurrent closes; the guarded value is only ever replaced whole, so a poisoned lock is fine.
        let mut closing = self.closing.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(anchor) = closing.as_ref() {
            return Ok(anchor.clone());
        }
        self.closed.store(true, Ordering::Release);
        let anchor = self.audit.close()?;
        *closing = Some(anchor.clone());
        Ok(anchor)
    }

    /// Whether [`Custodian::close`] was called.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Counter-sign another custodian's anchor as a witness, with an Ed25519 key of this keyring.
    ///
    /// `their_audit_key` is the other custodian's audit public key in text form, as its
    /// [`Custodian::audit_public_key`] exports it (obtained out of band, e.g. at the start of the case). The
    /// anchor's checkpoint signature and every counter-signature it already carries must verify; otherwise it is
    /// refused with [`Error::AnchorInvalid`] and the refusal is recorded (`anchor_witnessed`, outcome
    /// `failed:anchor_invalid`): someone handed over a forged or altered checkpoint. On success the counter-signed
    /// anchor is returned (keep it: it is what pins the other log) and an `anchor_witnessed` event records the
    /// log id, count, head and audit key witnessed.
    ///
    /// `witness` must be an active Ed25519 key of this keyring (from [`Custodian::generate_key`] with
    /// [`KeyKind::Ed25519`]); its public half, from [`Custodian::export_public`], is what the other side checks
    /// with [`Anchor::is_witnessed_by`]. The custodian's own audit key is refused as a witness: it signs this
    /// custodian's checkpoints and nothing else, so that a witness key can be rotated or destroyed without
    /// touching the log, and a signature by the audit key always means "this log's checkpoint". An anchor of this
    /// custodian's own log is refused too: witnessing oneself pins nothing.
    ///
    /// # Errors
    /// [`Error::InvalidKeyText`] for `their_audit_key`; [`Error::InvalidArgument`] for this custodian's own audit
    /// key as `witness` or as `their_audit_key`; [`Error::KeyNotFound`], [`Error::KeyState`],
    /// [`Error::KeyDestroyed`] for the witness key; [`Error::AnchorInvalid`]; [`Error::AuditWrite`];
    /// [`Error::CustodianClosed`].
    pub fn countersign_anchor(
        &self,
        actor: &Actor,
        anchor: &Anchor,
        their_audit_key: &str,
        witness: &KeyId,
    ) -> Result<Anchor> {
        self.check_open()?;
        let theirs = crate::audit::parse_audit_key(their_audit_key)?;
        if theirs == self.audit.verifying_key() {
            return Err(Error::InvalidArgument(
                "this is the custodian's own audit key: an anchor of its own log must be witnessed by another \
                 authority"
                    .into(),
            ));
        }
        if *witness == self.audit_key_id {
            return Err(Error::InvalidArgument(
                "the custodian's audit key signs only its own checkpoints; witness with another Ed25519 key of the \
                 keyring"
                    .into(),
            ));
        }
        let signer = signer_for(self.read()?.body(), witness)?;
        let event = AuditEvent::new(EventKind::AnchorWitnessed)
            .actor(actor)
            .key(*witness)
            .detail("anchor_log", &hex(&anchor.log_id()))
            .detail("anchor_count", &anchor.count().to_string())
            .detail("anchor_head", &hex(&anchor.head()))
            .detail("anchor_audit_key", &hex(theirs.as_bytes()));
        if let Err(e) = anchor.verify(&theirs) {
            self.record(event.outcome(Outcome::from_error(&e)))?;
            return Err(e);
        }
        let mut witnessed = anchor.clone();
        witnessed.countersign(&signing_to_audit(&signer));
        self.record(event)?;
        Ok(witnessed)
    }
}

/// What to seal for whom, beyond the data itself.
#[derive(Clone, Debug, Default)]
pub struct SealOptions {
    /// Purposes the data may be opened for (at least one).
    pub purposes: PurposeSet,
    /// Raise the classification above the value's own (never lower it).
    pub classification: Option<Classification>,
    /// The case the data belongs to.
    pub case_ref: Option<CaseRef>,
    /// The legal instrument of the transfer (treaty, European Investigation Order, ...).
    pub instrument: Option<LegalInstrument>,
    /// Where the data comes from; defaults to the sealing actor's jurisdiction.
    pub origin: Option<Jurisdiction>,
    /// Where it may be opened (with the origin).
    pub destinations: Vec<Jurisdiction>,
    /// When it expires.
    pub not_after: Option<Timestamp>,
    /// Who can open it: ids of keys in the keyring (own KEKs and key pairs, imported public keys).
    pub recipients: Vec<KeyId>,
    /// An own X25519 identity: X25519 recipients then learn and authenticate the sender (HPKE auth mode).
    pub sender: Option<KeyId>,
    /// An own Ed25519 key to sign the envelope with.
    pub signer: Option<KeyId>,
    /// Payload chunk size (default 64 KiB).
    pub chunk_size: Option<u32>,
    /// Return the envelope in its armored text form.
    pub armor: bool,
}

impl SealOptions {
    /// Options for `purposes` and `recipients`, everything else default.
    #[must_use]
    pub fn new(purposes: PurposeSet, recipients: Vec<KeyId>) -> Self {
        Self { purposes, recipients, ..Self::default() }
    }
}

/// The summary of a sealed envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    /// The envelope's object id, lowercase hex.
    pub object_id: String,
    /// Plaintext bytes sealed.
    pub plaintext_len: u64,
    /// Its recipients.
    pub recipients: Vec<KeyId>,
}

/// The bound metadata of an envelope, readable without a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvelopeInfo {
    /// Object id, lowercase hex.
    pub object_id: String,
    /// Category.
    pub category: Category,
    /// Classification.
    pub classification: Classification,
    /// Permitted purposes.
    pub purposes: PurposeSet,
    /// Case reference.
    pub case_ref: Option<CaseRef>,
    /// Origin jurisdiction.
    pub origin: Option<Jurisdiction>,
    /// Destination jurisdictions.
    pub destinations: Vec<Jurisdiction>,
    /// When it was sealed.
    pub created: Timestamp,
    /// When it expires.
    pub not_after: Option<Timestamp>,
    /// The key ids of its recipient stanzas.
    pub recipients: Vec<KeyId>,
    /// The key id of its signer, if signed.
    pub signer: Option<KeyId>,
}

impl EnvelopeInfo {
    fn from_header(h: &format::Header) -> Self {
        let m = h.metadata();
        Self {
            object_id: hex(h.object_id()),
            category: m.category,
            classification: m.classification,
            purposes: m.purposes.clone(),
            case_ref: m.case_ref.clone(),
            origin: m.origin,
            destinations: m.destinations.clone(),
            created: m.created,
            not_after: m.not_after,
            recipients: h.stanzas().iter().map(format::Stanza::key_id).collect(),
            signer: h.signer_id(),
        }
    }
}

/// An opened envelope: the plaintext, still a [`Sensitive`], and what is known about it.
#[derive(Debug)]
pub struct OpenedEnvelope {
    /// The plaintext, tagged with the envelope's category and classification.
    pub data: Sensitive<Vec<u8>>,
    /// The envelope's bound metadata.
    pub info: EnvelopeInfo,
    /// The policy decision that allowed the open (and any exception used).
    pub decision: Decision,
    /// The key whose stanza opened it.
    pub recipient: KeyId,
    /// Who signed it (verified), if signed.
    pub signer: Option<KeyId>,
    /// Who sealed it (authenticated by HPKE auth mode), if known.
    pub sender: Option<KeyId>,
}

/// One envelope of a batch re-wrap.
#[derive(Debug)]
pub enum RewrapItem {
    /// An envelope file, rewritten in place atomically.
    File(PathBuf),
    /// An envelope in memory.
    Bytes(Vec<u8>),
}

/// What a batch re-wrap does to each envelope.
#[derive(Clone, Debug)]
pub enum RewrapPlan {
    /// Replace every stanza for a rotated key by one for its newest successor.
    Rotated,
    /// Remove these recipients and add those, for a stated purpose (see [`Custodian::rewrap`]).
    Change {
        /// The purpose the re-wrap is done for.
        purpose: Purpose,
        /// Key ids whose stanzas are removed.
        remove: Vec<KeyId>,
        /// Key ids for which stanzas are added.
        add: Vec<KeyId>,
    },
}

/// The result of re-wrapping one batch item.
#[derive(Debug)]
pub enum RewrapOutput {
    /// The file was rewritten (or needed no change).
    File(PathBuf),
    /// The re-wrapped envelope.
    Bytes(Vec<u8>),
}

/// When an open is recorded relative to decryption.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Record {
    /// Before plaintext starts flowing to the caller (streams).
    BeforeFinish,
    /// After decryption, before the held-back plaintext is returned.
    AfterFinish,
}

/// The audit names of the re-wrap operations (detail `operation`).
const REWRAP: &str = "rewrap";
const SHARE: &str = "share";
const REWRAP_ROTATED: &str = "rewrap_rotated";

/// What one re-wrap does: move stanzas off rotated keys (clearance only), or a change for a stated purpose.
#[derive(Clone, Copy)]
enum RewrapAct<'a> {
    Rotated { remove: &'a [KeyId], add: &'a [KeyId] },
    Change { purpose: &'a Purpose, remove: &'a [KeyId], add: &'a [KeyId] },
}

impl<'a> RewrapAct<'a> {
    fn remove(self) -> &'a [KeyId] {
        match self {
            Self::Rotated { remove, .. } | Self::Change { remove, .. } => remove,
        }
    }

    fn add(self) -> &'a [KeyId] {
        match self {
            Self::Rotated { add, .. } | Self::Change { add, .. } => add,
        }
    }

    fn purpose(self) -> Option<&'a Purpose> {
        match self {
            Self::Rotated { .. } => None,
            Self::Change { purpose, .. } => Some(purpose),
        }
    }
}

/// The added keys as the gate sees them, from their public records: own (secret held) or another authority's.
fn new_recipients(body: &KeyringBody, add: &[KeyId]) -> Result<Vec<NewRecipient>> {
    add.iter()
        .map(|id| {
            let r = body.get(id).ok_or_else(|| Error::KeyNotFound(id.to_string()))?;
            if let KeyState::Destroyed { at, .. } = r.state {
                // A destroyed key kept no secret; it is neither ours to use nor another authority's to share with.
                return Err(Error::KeyDestroyed { key_id: id.to_string(), destroyed_at: at });
            }
            Ok(if r.has_secret() {
                NewRecipient::Own(*id)
            } else {
                NewRecipient::Authority { key_id: *id, jurisdiction: r.jurisdiction }
            })
        })
        .collect()
}

/// The audit event of a re-wrap (or of its refusal).
fn rewrap_event(
    base: AuditEvent,
    actor: &Actor,
    header: &format::Header,
    act: RewrapAct<'_>,
    operation: &str,
) -> AuditEvent {
    let m = header.metadata();
    let mut ev = base
        .actor(actor)
        .object(header.object_id())
        .category(m.category)
        .classification(m.classification)
        .purposes(&m.purposes)
        .keys(act.add().iter().copied())
        .detail("operation", operation);
    if !act.remove().is_empty() {
        ev = ev.detail("removed", &act.remove().iter().map(ToString::to_string).collect::<Vec<_>>().join(" "));
    }
    if let Some(p) = act.purpose() {
        ev = ev.purpose(p);
    }
    if let Some(c) = header.case_ref() {
        ev = ev.case(c);
    }
    ev
}

/// The format-layer keys for a list of recipient ids, owned for the duration of a seal or re-wrap.
struct ResolvedRecipients {
    keks: Vec<Kek>,
    x25519: Vec<X25519Recipient>,
    xwing: Vec<XWingRecipient>,
    order: Vec<(KeyKind, usize)>,
}

impl ResolvedRecipients {
    fn resolve(body: &KeyringBody, ids: &[KeyId]) -> Result<Self> {
        let mut r = Self { keks: Vec::new(), x25519: Vec::new(), xwing: Vec::new(), order: Vec::new() };
        for id in ids {
            let rec = body.get(id).ok_or_else(|| Error::KeyNotFound(id.to_string()))?;
            match &rec.state {
                KeyState::Destroyed { at, .. } => {
                    return Err(Error::KeyDestroyed { key_id: id.to_string(), destroyed_at: *at });
                }
                KeyState::DecryptOnly => {
                    return Err(Error::KeyState { key_id: id.to_string(), operation: "seal", state: "decrypt_only" });
                }
                KeyState::Active => {}
            }
            match rec.kind {
                KeyKind::Kek => {
                    r.keks.push(Kek::from_bytes(*secret32(rec)?));
                    r.order.push((KeyKind::Kek, r.keks.len() - 1));
                }
                KeyKind::X25519 => {
                    r.x25519.push(X25519Recipient::from_bytes(public32(rec)?)?);
                    r.order.push((KeyKind::X25519, r.x25519.len() - 1));
                }
                KeyKind::XWing => {
                    let public = rec
                        .public
                        .as_deref()
                        .ok_or_else(|| Error::KeyringCorrupt(format!("key {id} has no public part")))?;
                    r.xwing.push(XWingRecipient::from_bytes(public)?);
                    r.order.push((KeyKind::XWing, r.xwing.len() - 1));
                }
                _ => {
                    return Err(Error::InvalidArgument(format!(
                        "key {id} is a {} key and cannot be a recipient",
                        rec.kind
                    )));
                }
            }
        }
        Ok(r)
    }

    fn recipients(&self) -> Vec<Recipient<'_>> {
        self.order
            .iter()
            .filter_map(|(kind, i)| match kind {
                KeyKind::Kek => self.keks.get(*i).map(Recipient::Kek),
                KeyKind::X25519 => self.x25519.get(*i).map(Recipient::X25519),
                KeyKind::XWing => self.xwing.get(*i).map(Recipient::XWing),
                _ => None,
            })
            .collect()
    }
}

/// A writer that passes everything through and keeps the first bytes (the header) for the summary.
struct HeaderCapture<'a> {
    inner: &'a mut dyn Write,
    head: Vec<u8>,
}

impl<'a> HeaderCapture<'a> {
    fn new(inner: &'a mut dyn Write) -> Self {
        Self { inner, head: Vec::new() }
    }

    fn captured(&self) -> &[u8] {
        &self.head
    }
}

impl Write for HeaderCapture<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        // The header is written first and is at most MAX_HEADER_LEN bytes; keep that much (no plaintext is ever
        // written in the clear, so nothing secret is kept).
        let room = format::MAX_HEADER_LEN.saturating_sub(self.head.len());
        self.head.extend_from_slice(&buf[..n.min(room)]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn open_event(base: AuditEvent, request: &OpenRequest, header: &format::Header) -> AuditEvent {
    let m = header.metadata();
    let mut ev = base
        .actor(&request.actor)
        .object(header.object_id())
        .category(m.category)
        .classification(m.classification)
        .purposes(&m.purposes)
        .purpose(&request.purpose)
        .keys(header.stanzas().iter().map(format::Stanza::key_id));
    if let Some(c) = header.case_ref() {
        ev = ev.case(c);
    }
    if let Some(ex) = &request.exception {
        ev = ev.exception(ex);
    }
    ev
}

fn hex(bytes: &[u8]) -> String {
    crate::audit::entry::to_hex(bytes)
}

fn public32(r: &KeyRecord) -> Result<[u8; 32]> {
    r.public
        .as_deref()
        .and_then(|p| p.try_into().ok())
        .ok_or_else(|| Error::KeyringCorrupt(format!("key {} has no 32-byte public part", r.id)))
}

fn x25519_identity(body: &KeyringBody, id: &KeyId) -> Result<X25519Identity> {
    stored_x25519(usable(body, id, KeyKind::X25519, "act as sender")?)
}

/// The identity of an X25519 record, with the public key the keyring stored (not recomputed from the secret).
fn stored_x25519(r: &KeyRecord) -> Result<X25519Identity> {
    Ok(X25519Identity::from_stored(*secret32(r)?, public32(r)?))
}

fn signer_for(body: &KeyringBody, id: &KeyId) -> Result<SigningKey> {
    let r = usable(body, id, KeyKind::Ed25519, "sign")?;
    Ok(SigningKey::from_bytes(*secret32(r)?))
}

fn verifying_key(body: &KeyringBody, id: &KeyId) -> Result<VerifyingKey> {
    let r = body.get(id).ok_or_else(|| Error::KeyNotFound(id.to_string()))?;
    if r.kind != KeyKind::Ed25519 {
        return Err(Error::InvalidArgument(format!("key {id} is not an Ed25519 signing key")));
    }
    VerifyingKey::from_bytes(public32(r)?)
}

fn usable<'a>(body: &'a KeyringBody, id: &KeyId, kind: KeyKind, operation: &'static str) -> Result<&'a KeyRecord> {
    let r = body.get(id).ok_or_else(|| Error::KeyNotFound(id.to_string()))?;
    if r.kind != kind {
        return Err(Error::InvalidArgument(format!("key {id} is a {} key; {operation} needs a {kind} key", r.kind)));
    }
    match &r.state {
        KeyState::Destroyed { at, .. } => Err(Error::KeyDestroyed { key_id: id.to_string(), destroyed_at: *at }),
        KeyState::DecryptOnly => Err(Error::KeyState { key_id: id.to_string(), operation, state: "decrypt_only" }),
        KeyState::Active if !r.has_secret() => {
            Err(Error::KeyState { key_id: id.to_string(), operation, state: "public only" })
        }
        KeyState::Active => Ok(r),
    }
}

/// Create `dir` (mode 0700) unless it exists; never its parents, so a mistyped path fails instead of growing a tree.
fn create_final_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(Error::CustodianNotFound {
            path: dir.display().to_string(),
            reason: "its parent directory does not exist (custodia creates only the final directory)".into(),
        }),
        Err(e) => Err(e.into()),
    }
}

/// Replace `path` atomically by `head` followed by the rest of `tail`: temp file, fsync, rename, fsync directory.
fn replace_file(path: &Path, head: &[u8], tail: &mut File) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or_else(|| Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.rewrap-{}", std::process::id()));
    let result = (|| -> io::Result<()> {
        let mut out = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        out.write_all(head)?;
        io::copy(tail, &mut out)?;
        out.sync_all()?;
        drop(out);
        fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(e.into());
    }
    Ok(())
}

fn state_name(r: &KeyRecord) -> &'static str {
    if r.has_secret() { r.state.name() } else { "public only" }
}

fn check_label(label: &str) -> Result<()> {
    crate::keys::keyring::check_label(label)
}

fn new_record(
    id: KeyId,
    kind: KeyKind,
    label: &str,
    created: Timestamp,
    public: Option<Vec<u8>>,
    secret: Option<&[u8; 32]>,
) -> KeyRecord {
    KeyRecord {
        id,
        kind,
        label: label.to_owned(),
        state: KeyState::Active,
        created,
        case_ref: None,
        destroy_after: None,
        rotated_from: None,
        rotated_to: None,
        jurisdiction: None,
        public,
        secret: secret.map(|s| SecretBytes::new(Zeroizing::new(s.to_vec()))),
    }
}

fn generate_record(kind: KeyKind, label: &str, now: Timestamp) -> Result<KeyRecord> {
    Ok(match kind {
        KeyKind::Kek => {
            let k = Kek::generate()?;
            new_record(k.id(), kind, label, now, None, Some(k.expose_bytes()))
        }
        KeyKind::X25519 => {
            let k = X25519Identity::generate()?;
            new_record(k.id(), kind, label, now, Some(k.recipient().to_bytes().to_vec()), Some(k.expose_bytes()))
        }
        KeyKind::XWing => {
            let k = XWingIdentity::generate()?;
            new_record(k.id(), kind, label, now, Some(k.recipient().as_bytes().to_vec()), Some(k.expose_seed()))
        }
        KeyKind::Ed25519 => {
            let k = SigningKey::generate()?;
            new_record(k.id(), kind, label, now, Some(k.verifying_key().to_bytes().to_vec()), Some(k.expose_bytes()))
        }
    })
}

fn secret32(r: &KeyRecord) -> Result<Zeroizing<[u8; 32]>> {
    let s = r.secret.as_ref().ok_or_else(|| match &r.state {
        KeyState::Destroyed { at, .. } => Error::KeyDestroyed { key_id: r.id.to_string(), destroyed_at: *at },
        _ => Error::KeyState { key_id: r.id.to_string(), operation: "use its secret", state: "public only" },
    })?;
    let mut out = Zeroizing::new([0u8; 32]);
    if s.expose().len() != 32 {
        return Err(Error::KeyringCorrupt(format!("key {} has a secret of the wrong length", r.id)));
    }
    out.copy_from_slice(s.expose());
    Ok(out)
}

fn signing_key(ring: &Keyring, id: &KeyId) -> Result<SigningKey> {
    let r = ring.body().get(id).ok_or_else(|| Error::KeyNotFound(id.to_string()))?;
    Ok(SigningKey::from_bytes(*secret32(r)?))
}

fn signing_to_audit(k: &SigningKey) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(k.expose_bytes())
}

// ---- files and reports

impl Custodian {
    /// Seal the file at `src_path` into an envelope file at `dst_path`, in constant memory, and record it. Returns
    /// the envelope's summary. `options.armor` is ignored (files are sealed binary, as streams).
    ///
    /// The envelope is written to a new file (mode 0600) beside `dst_path` and renamed over it only on success; on
    /// failure the partial file is removed and `dst_path` is untouched. `dst_path` may be `src_path` (sealing in
    /// place).
    ///
    /// # Errors
    /// As [`Custodian::seal_stream`]; [`Error::InvalidArgument`] when `dst_path` names no file; [`Error::Io`].
    pub fn seal_file(
        &self,
        actor: &Actor,
        category: Category,
        classification: Classification,
        options: &SealOptions,
        src_path: &Path,
        dst_path: &Path,
    ) -> Result<Sealed> {
        let mut input = File::open(src_path)?;
        let mut output = OutputFile::create(dst_path)?;
        let sealed = self.seal_stream(actor, category, classification, options, &mut input, output.file())?;
        output.finish()?;
        Ok(sealed)
    }

    /// Open the envelope file at `src_path` into a plaintext file at `dst_path`, chunk by chunk in constant memory,
    /// each chunk written only after it authenticates. Returns the envelope's metadata.
    ///
    /// The plaintext is written to a new file (mode 0600) beside `dst_path` and renamed over it only when
    /// everything (signature included) has checked; on any failure the partial file is removed and `dst_path` is
    /// untouched.
    ///
    /// # Errors
    /// As [`Custodian::open_stream`]; [`Error::InvalidArgument`] when `dst_path` names no file; [`Error::Io`].
    pub fn open_file(
        &self,
        request: &OpenRequest,
        src_path: &Path,
        dst_path: &Path,
        required_signer: Option<&KeyId>,
    ) -> Result<EnvelopeInfo> {
        let mut input = File::open(src_path)?;
        let mut output = OutputFile::create(dst_path)?;
        let info = self.open_stream(request, &mut input, output.file(), required_signer)?;
        output.finish()?;
        Ok(info)
    }

    /// Describe an envelope's bound metadata as text, one `name: value` per line (object, category, classification,
    /// purposes, case, origin, destinations, created, not_after, recipients, signer; `-` for none). Needs no key,
    /// makes no policy decision and is not audited, as [`Custodian::inspect`].
    ///
    /// # Errors
    /// As [`Custodian::inspect`].
    pub fn describe(&self, envelope: &[u8]) -> Result<String> {
        let i = self.inspect(envelope)?;
        let list = |v: Vec<String>| if v.is_empty() { "-".to_owned() } else { v.join(", ") };
        Ok(format!(
            "object: {}\ncategory: {}\nclassification: {}\npurposes: {}\ncase: {}\norigin: {}\ndestinations: {}\n\
             created: {}\nnot_after: {}\nrecipients: {}\nsigner: {}\n",
            i.object_id,
            i.category,
            i.classification,
            i.purposes,
            i.case_ref.as_ref().map_or("-".to_owned(), ToString::to_string),
            i.origin.map_or("-".to_owned(), |j| j.to_string()),
            list(i.destinations.iter().map(ToString::to_string).collect()),
            i.created,
            i.not_after.map_or("-".to_owned(), |t| t.to_string()),
            list(i.recipients.iter().map(ToString::to_string).collect()),
            i.signer.map_or("-".to_owned(), |k| k.to_string()),
        ))
    }
}

/// An output file written beside its destination and renamed over it only on success, so that a failed seal or
/// open leaves no partial envelope or plaintext, and leaves an existing destination (even the source itself) as it
/// was.
struct OutputFile<'a> {
    path: &'a Path,
    temp: PathBuf,
    file: Option<File>,
}

impl<'a> OutputFile<'a> {
    fn create(path: &'a Path) -> Result<Self> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name =
            path.file_name().ok_or_else(|| Error::InvalidArgument("dst_path: names no file".into()))?.to_string_lossy();
        let unique = format!(".{name}.{}-{}.custodia-tmp", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        let temp = path.with_file_name(unique);
        // `create_new` (O_EXCL) never follows or replaces an existing file or symlink.
        let file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temp)?;
        Ok(Self { path, temp, file: Some(file) })
    }

    fn file(&mut self) -> &mut File {
        self.file.as_mut().expect("the file is present until `finish` or drop")
    }

    fn finish(mut self) -> Result<()> {
        let mut file = self.file.take().expect("the file is present until `finish` or drop");
        let synced = file.flush().and_then(|()| file.sync_all());
        drop(file);
        // The partial file goes on any failure here too (the file is taken, so `drop` will not remove it).
        if let Err(e) = synced.and_then(|()| fs::rename(&self.temp, self.path)) {
            let _ = fs::remove_file(&self.temp);
            return Err(e.into());
        }
        Ok(())
    }
}

impl Drop for OutputFile<'_> {
    fn drop(&mut self) {
        // Still here: the operation failed; remove the partial output.
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.temp);
        }
    }
}
