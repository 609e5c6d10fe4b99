//! The `Custodian`: one facade that composes the policy gate, the keyring, the envelope format and the audit log.
//!
//! It is the type hosts (and the C API and the bindings) hold. Every operation records itself in the audit log; the
//! host cannot forget to log. Opening runs the policy gate before any key is touched, and fails closed: if the
//! audit event cannot be written durably, no plaintext is returned.
//!
//! A `Custodian` is `Send + Sync`: share it in an `Arc` across threads. Reads (seal, open) take a shared lock on
//! the in-memory keyring; key changes take an exclusive one, and a file lock against other processes.
//!
//! The facade is split by act, one `impl Custodian` block per file: `seal.rs` (seal a value or a stream),
//! `open.rs` (open, inspect, the policy decision and the unwrap), `share.rs` (re-wrap, share, batch re-wrap),
//! `keys.rs` (generate, import, rotate, retention, destroy, shred, legal holds), `receipts.rs` (receive, issue,
//! import and query disclosure receipts), `audit.rs` (the audit key, verify,
//! checkpoint, close, counter-sign). This file holds the type itself, its options and construction, and the private
//! helpers the acts share (resolving keyring records to format-layer keys, atomic file replacement).

mod access;
mod audit;
mod breach;
mod files;
mod grants;
mod keys;
mod open;
mod pseudonyms;
mod receipts;
mod records;
mod sdjwt;
mod seal;
mod share;
mod transfer;

pub use self::breach::{CompromiseReport, ProtectedEnvelope};
pub use self::keys::{KeyAuthority, KeyInfo, ShredReport};
pub use self::open::{EnvelopeInfo, Opened};
pub use self::pseudonyms::{MAX_PSEUDONYM_BATCH, MAX_PSEUDONYM_DOMAIN_LEN, Pseudonym};
pub use self::receipts::{RECEIPTS_DIR, ReceiptOptions};
pub use self::records::{FieldOutcome, OpenedRecord, RecordField};
pub use self::seal::{SealOptions, Sealed};
pub use self::share::{RewrapItem, RewrapOptions, RewrapOutput, RewrapPlan};

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::marker::PhantomData;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use zeroize::Zeroizing;

use crate::audit::{Anchor, AuditEvent, AuditLog, AuditOptions, AuditSink, Durability, FanOut};
use crate::error::{Error, Result};
use crate::format::Recipient;
use crate::keys::KeyProvider;
use crate::keys::case_cache::{CaseKeyCache, CaseKeyWrapping};
use crate::keys::keyring::{KeyRecord, KeyState, KeyringBody, SecretBytes};
use crate::keys::provider::{public32, secret32, stored_x25519};
use crate::keys::{KdfParams, Kek, Keyring, Signer, SigningKey, Unlock, VerifyingKey, X25519Identity, X25519Recipient};
use crate::policy::{AccessPolicy, PolicyGate};
use crate::vocabulary::time::{Clock, SystemClock, Timestamp};
use crate::vocabulary::{KeyId, KeyKind};

/// Label of the custodian's own audit signing key in the keyring.
pub const AUDIT_KEY_LABEL: &str = "custodian audit key";

/// How a [`Custodian`] is set up. `Default` gives the embedded defaults: system clock, Argon2id at 64 MiB, every
/// audit event fsynced before the operation it records returns, a signed checkpoint every 1000 entries.
#[derive(Clone)]
#[allow(
    clippy::exhaustive_structs,
    reason = "options that hosts, examples and the C ABI build by struct update syntax from `default()` or `with_clock()`; every new field must come with a default"
)]
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
    /// Whether [`Custodian::load`] may start a new custodian when `dir` holds none: create `dir` itself (mode 0700;
    /// never its parents) and a new keyring in it. Default `false`, so that a mistyped path is
    /// [`Error::CustodianNotFound`] instead of a new, empty keyring. Set it where a custodian is meant to be set up
    /// (first start of a host, the quick start); an existing custodian is opened the same either way.
    pub create: bool,
    /// Key providers besides the keyring (an HSM over PKCS#11, a host's KMS; docs/KEYS.md "Key providers"): a seal
    /// recipient id the keyring does not hold is looked up in each in turn ([`KeyProvider::holds`]), and an open
    /// offers each stanza of a provider's kind to it, always after the policy gate has allowed the open.
    pub providers: Vec<Arc<dyn KeyProvider>>,
    /// Per-case keys wrapped by a provider's KEK instead of held in clear in the keyring, and the bounds of their
    /// in-memory cache (docs/KEYS.md "Case keys wrapped by a provider"). `None` (the default): case keys in clear
    /// inside the (encrypted) keyring, as before.
    pub case_keys: Option<CaseKeyWrapping>,
    /// Ed25519 keys held outside this process, each by a [`Signer`] (an HSM token:
    /// `custodia::pkcs11::Pkcs11Provider::signing_key` with the `pkcs11` feature; docs/KEYS.md "Signing keys on a
    /// token"). Each is recorded in the keyring as a public key (added at load if absent) and then signs wherever a
    /// key of this custodian is named by id: envelopes ([`SealOptions::signer`]), grants, receipts, approvals and
    /// counter-signatures. Its state in the keyring (compromised, destroyed) is checked as for any key; every
    /// signature it returns is verified before use.
    pub signers: Vec<Arc<dyn Signer>>,
    /// The audit log's key, held outside this process (docs/KEYS.md "Signing keys on a token"): it signs every
    /// entry, checkpoint, Merkle checkpoint and erasure certificate. Chosen when the log is created: a directory
    /// (or a PostgreSQL store) whose audit key is another is refused with [`Error::AuditWrongKey`], and one whose
    /// audit key is held outside must be loaded with it. `None` (the default): a key generated in the keyring.
    pub audit_signer: Option<Arc<dyn Signer>>,
    /// The shared store of a deployment with many application servers (feature `postgres`, docs/DEPLOYMENT.md):
    /// when set, the audit log and the keyring's metadata live in this PostgreSQL database, which every server
    /// uses at once, instead of in the directory. `None` (the default): the directory's files.
    #[cfg(feature = "postgres")]
    pub postgres: Option<crate::postgres::PgConfig>,
    /// With [`CustodianOptions::postgres`]: accept, for this load only, a shared keyring older than the newest one
    /// this server has seen, because an administrator restored it from a backup (docs/KEYS.md "The keyring on
    /// PostgreSQL"; docs/DEPLOYMENT.md "Backup and restore"). The restore is recorded in the audit log
    /// ([`crate::audit::EventKind::KeyringRestored`]). Without it (the default), such a keyring is refused as rolled back.
    #[cfg(feature = "postgres")]
    pub keyring_restored: bool,
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
            providers: Vec::new(),
            case_keys: None,
            signers: Vec::new(),
            audit_signer: None,
            #[cfg(feature = "postgres")]
            postgres: None,
            #[cfg(feature = "postgres")]
            keyring_restored: false,
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
            .field("providers", &self.providers.iter().map(|p| p.name().to_owned()).collect::<Vec<_>>())
            .field("case_keys", &self.case_keys)
            .field("signers", &self.signers.iter().map(|s| s.verifying_key().id()).collect::<Vec<_>>())
            .field("audit_signer", &self.audit_signer.as_ref().map(|s| s.verifying_key().id()))
            .finish_non_exhaustive()
    }
}

/// The facade: seal, open, share, re-wrap, rotate, shred, all audited.
pub struct Custodian {
    dir: PathBuf,
    ring: RwLock<Keyring>,
    gate: PolicyGate,
    /// The access policy in force (`access-policy.toml`), if any; replaced by [`Custodian::set_access_policy`].
    access: RwLock<Option<Arc<AccessPolicy>>>,
    clock: Arc<dyn Clock>,
    audit: Arc<AuditLog>,
    sink: FanOut,
    audit_key_id: KeyId,
    unwraps: AtomicU64,
    /// Key providers besides the keyring ([`CustodianOptions::providers`]).
    providers: Vec<Arc<dyn KeyProvider>>,
    /// Signing keys held outside the process ([`CustodianOptions::signers`]), by key id.
    signers: HashMap<KeyId, Arc<dyn Signer>>,
    /// Unwrapped per-case keys ([`CustodianOptions::case_keys`]), bounded in time and uses.
    case_keys: CaseKeyCache,
    /// Whether the keyring is shared by many servers ([`CustodianOptions::postgres`]): the access policy then lives
    /// in the keyring, not in the directory.
    shared_keyring: bool,
    /// Set by [`Custodian::close`] before the log is closed: from then on no key is touched and nothing recorded.
    closed: AtomicBool,
    /// The closing anchor, once [`Custodian::close`] succeeded (a second close returns it again).
    closing: Mutex<Option<Anchor>>,
    /// This custodian's number in the process, by which a thread's [`Operation`] names it.
    number: u64,
}

/// Custodians made by this process so far: each gets the next number.
static CUSTODIANS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The public operations in progress on this thread, outermost first: the number of the custodian each runs on,
    /// and whether it has already checked that custodian's keyring for staleness.
    static OPERATIONS: RefCell<Vec<(u64, bool)>> = const { RefCell::new(Vec::new()) };
}

/// One public operation of a custodian on this thread (a seal, an open, a re-wrap, ...), from its first step to its
/// return: within it, [`Custodian::read`] checks the keyring's staleness once, at the first keyring access, and
/// later accesses use what that check left (docs/KEYS.md "The keyring on PostgreSQL"). An operation begun inside
/// another on the same custodian (a public method calling another) is part of the outer one. Not `Send`: it lives
/// and ends on the thread that began it; a keyring access on another thread checks every time.
struct Operation {
    /// The custodian number this guard registered, `None` when an outer operation on it was already in progress.
    owner: Option<u64>,
    _thread_bound: PhantomData<*const ()>,
}

impl Drop for Operation {
    fn drop(&mut self) {
        if let Some(number) = self.owner {
            // `try_with`: nothing to undo when the thread's locals are already gone.
            let _ = OPERATIONS.try_with(|ops| {
                if let Ok(mut ops) = ops.try_borrow_mut() {
                    ops.retain(|(n, _)| *n != number);
                }
            });
        }
    }
}

impl core::fmt::Debug for Custodian {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Custodian").field("dir", &self.dir).finish_non_exhaustive()
    }
}

impl Custodian {
    /// Load the custodian whose keyring and audit log live in `dir`; with [`CustodianOptions::create`], start a new
    /// one there if `dir` holds none.
    ///
    /// Starting a custodian creates `dir` if it is missing (mode 0700; its parent must exist: parents are never
    /// created), the keyring and the custodian's Ed25519 audit key, and starts the audit log.
    ///
    /// # Errors
    /// [`Error::CustodianNotFound`] when `dir` or its keyring is missing and `create` is false, or when `dir`'s parent
    /// is missing; keyring errors ([`Error::WrongPassphrase`], [`Error::KeyringCorrupt`],
    /// [`Error::KdfParamsOutOfRange`], ...), audit log errors, I/O errors; [`Error::PolicyInvalid`] when the
    /// directory's `access-policy.toml` is invalid (see `docs/POLICY.md`).
    ///
    /// # Example
    ///
    /// ```
    /// use custodia::{AUDIT_KEY_LABEL, Custodian, CustodianOptions, Unlock};
    ///
    /// let dir = tempfile::tempdir()?;
    /// // The first start creates the keyring and the audit log; later starts leave `create` false.
    /// let options = CustodianOptions { create: true, ..CustodianOptions::default() };
    /// let custodian = Custodian::load(dir.path(), Unlock::passphrase("correct horse battery staple"), options)?;
    /// assert!(custodian.keys()?.iter().any(|k| k.label == AUDIT_KEY_LABEL));
    /// # Ok::<(), custodia::Error>(())
    /// ```
    pub fn load(dir: impl AsRef<Path>, unlock: Unlock, options: CustodianOptions) -> Result<Self> {
        let dir = dir.as_ref();
        if options.create {
            create_final_dir(dir)?;
        }
        for p in &options.providers {
            crate::keys::provider::check_provider_kind(p.as_ref())?;
        }
        // On PostgreSQL the keyring is every server's; what is this server's own (its audit log's pin) stays in a
        // keyring file in `dir`, unlocked with a key derived from the shared one (docs/KEYS.md).
        #[cfg(feature = "postgres")]
        let (mut ring, local) = match &options.postgres {
            Some(pg) => {
                let ring = Keyring::open_pg(dir, pg, &unlock, options.kdf, options.create)?;
                let local = Keyring::open_with(dir, &ring.derived_unlock(), options.kdf, options.create)?;
                (ring, Some(local))
            }
            None => (Keyring::open_with(dir, &unlock, options.kdf, options.create)?, None),
        };
        #[cfg(not(feature = "postgres"))]
        let (mut ring, local): (_, Option<Keyring>) =
            (Keyring::open_with(dir, &unlock, options.kdf, options.create)?, None);
        drop(unlock);
        let shared_keyring = local.is_some();
        let clock = options.clock.clone();
        // Signing keys held outside: each recorded as a public key (under the keyring's lock, once).
        let mut signers = HashMap::new();
        for s in &options.signers {
            let public = s.verifying_key();
            signers.insert(public.id(), s.clone());
            if ring.body().get(&public.id()).is_none() {
                let label = format!("{} signing key", s.name());
                let record = new_record(
                    public.id(),
                    KeyKind::Ed25519,
                    &label,
                    clock.now(),
                    Some(public.to_bytes().to_vec()),
                    None,
                );
                ring.update(|b| if b.get(&record.id).is_none() { b.add(record) } else { Ok(()) })?;
            }
        }
        let outside = options.audit_signer.as_ref().map(|s| s.verifying_key());
        let audit_key_id = audit_key(&mut ring, outside.as_ref(), clock.now())?;
        let signing = match &options.audit_signer {
            Some(s) => SigningKey::external(s.clone()),
            None => signing_key(&ring, &audit_key_id)?,
        };
        // With PostgreSQL the audit log is shared by every server, and so is its pin: it lives in the shared
        // keyring, so no server opens a log cut back below a checkpoint any server has seen.
        #[cfg(feature = "postgres")]
        let restored = match local {
            Some(local) => remember_generation(&mut ring, local, options.keyring_restored)?,
            None => None,
        };
        #[cfg(not(feature = "postgres"))]
        drop(local);
        let pin_ring = &ring;
        // The keyring remembers the last checkpoint it saw (authenticated under the master key), so a writer of the
        // log file cannot cut the log back past it, delete it or replace it. The hook raises the pin through its
        // own handle on the keyring file, never through `self.ring`: it runs on whichever thread wrote the
        // checkpoint, and that thread may hold `self.ring` (an append under a keyring lock cannot deadlock).
        let pins = pin_ring.pin_store()?;
        let audit_options = AuditOptions::with_clock(clock.clone())
            .durability(options.durability)
            .checkpoint_every(options.checkpoint_every)
            .expect_pin(pin_ring.body().audit_pin)
            .on_checkpoint(Arc::new(move |pin| pins.raise(pin)));
        // With a PostgreSQL store the log is the database's, shared by every server (and created by the first
        // one started with `create`), as is the keyring that holds its pin.
        #[cfg(feature = "postgres")]
        let (audit, _report) = match &options.postgres {
            Some(pg) => AuditLog::open_postgres(pg, signing, audit_options.create(options.create))?,
            None => AuditLog::open(dir, signing, audit_options)?,
        };
        #[cfg(not(feature = "postgres"))]
        let (audit, _report) = AuditLog::open(dir, signing, audit_options)?;
        let audit = Arc::new(audit);
        #[cfg(feature = "postgres")]
        if let Some((seen, now)) = restored {
            audit.append(
                &AuditEvent::new(crate::audit::EventKind::KeyringRestored)
                    .detail("generation_seen", &seen.to_string())
                    .detail("generation_now", &now.to_string()),
            )?;
        }
        let mut sink = FanOut::new(audit.clone()).require_secondaries(options.require_secondary_sinks);
        for s in options.secondary_sinks {
            sink = sink.with_secondary(s);
        }
        let custodian = Self {
            dir: dir.to_owned(),
            ring: RwLock::new(ring),
            gate: PolicyGate::new(clock.clone()),
            access: RwLock::new(None),
            clock,
            audit,
            sink,
            audit_key_id,
            unwraps: AtomicU64::new(0),
            providers: options.providers,
            signers,
            case_keys: CaseKeyCache::new(options.case_keys),
            shared_keyring,
            closed: AtomicBool::new(false),
            closing: Mutex::new(None),
            number: CUSTODIANS.fetch_add(1, Ordering::Relaxed),
        };
        // A policy file that is invalid fails the load: a custodian never runs under rules it could not read.
        custodian.load_access_policy()?;
        Ok(custodian)
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

    /// Begin a public operation (see [`Operation`]): every public method that reaches the keyring more than once
    /// holds one for its whole run, so that it checks the keyring's staleness once, not at every access.
    fn operation(&self) -> Operation {
        let owner = OPERATIONS
            .try_with(|ops| {
                let mut ops = ops.try_borrow_mut().ok()?;
                if ops.iter().any(|(n, _)| *n == self.number) {
                    return None;
                }
                ops.push((self.number, false));
                Some(self.number)
            })
            .ok()
            .flatten();
        Operation { owner, _thread_bound: PhantomData }
    }

    /// Whether the operation in progress on this thread, if any, has already checked this custodian's keyring.
    fn checked_in_operation(&self) -> bool {
        OPERATIONS
            .try_with(|ops| ops.try_borrow().is_ok_and(|ops| ops.iter().any(|(n, c)| *n == self.number && *c)))
            .unwrap_or(false)
    }

    /// Record that the operation in progress on this thread (if any) checked this custodian's keyring.
    fn mark_checked(&self) {
        let _ = OPERATIONS.try_with(|ops| {
            if let Ok(mut ops) = ops.try_borrow_mut()
                && let Some(op) = ops.iter_mut().find(|(n, _)| *n == self.number)
            {
                op.1 = true;
            }
        });
    }

    /// Every key is reached through this or [`Custodian::write`], so a closed custodian touches no key.
    ///
    /// Another process (or another custodian on the directory) may have changed the keyring since this one read it:
    /// a key rotated, destroyed, a legal hold placed. One `stat` (on PostgreSQL, one `SELECT version`) tells; the
    /// keyring is then re-read before the caller sees it, so a key destroyed elsewhere opens nothing here in any
    /// operation that begins after the destruction returned, and unwrapped case keys the keyring no longer holds
    /// leave the cache. The check is made once per public [`Operation`] (its first keyring access; again if that
    /// failed), and at every access outside one.
    fn read(&self) -> Result<RwLockReadGuard<'_, Keyring>> {
        self.check_open()?;
        let poisoned = || Error::Internal("keyring lock poisoned".into());
        let ring = self.ring.read().map_err(|_| poisoned())?;
        if self.checked_in_operation() || !ring.is_stale()? {
            self.mark_checked();
            self.case_keys.sync(ring.body());
            return Ok(ring);
        }
        let loads = ring.loads();
        drop(ring);
        {
            let mut ring = self.ring.write().map_err(|_| poisoned())?;
            // Another thread re-read or changed the keyring since this one found it stale: it is then at least as
            // recent as this one's check, and needs no second query.
            if ring.loads() == loads {
                ring.reload()?;
            }
        }
        self.mark_checked();
        let ring = self.ring.read().map_err(|_| poisoned())?;
        // Unwrapped case keys whose record is gone, destroyed or changed die now, used or not.
        self.case_keys.sync(ring.body());
        Ok(ring)
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
}

/// The format-layer keys for a list of recipient ids, owned for the duration of a seal or re-wrap.
struct ResolvedRecipients {
    keks: Vec<Kek>,
    x25519: Vec<X25519Recipient>,
    #[cfg(feature = "xwing")]
    xwing: Vec<crate::keys::XWingRecipient>,
    provided: Vec<(Arc<dyn KeyProvider>, KeyId)>,
    order: Vec<Slot>,
}

/// Where [`ResolvedRecipients`] keeps each recipient, in the order they were asked for.
#[derive(Clone, Copy)]
enum Slot {
    Kek(usize),
    X25519(usize),
    #[cfg(feature = "xwing")]
    XWing(usize),
    Provider(usize),
}

impl ResolvedRecipients {
    /// The keyring's keys for `ids`; an id the keyring does not hold goes to the first of `providers` that holds it.
    /// A per-case key wrapped by a provider comes out of `cases` (cached, or one provider call).
    fn resolve(
        body: &KeyringBody,
        providers: &[Arc<dyn KeyProvider>],
        cases: &CaseKeyCache,
        now: Timestamp,
        ids: &[KeyId],
    ) -> Result<Self> {
        let mut r = Self {
            keks: Vec::new(),
            x25519: Vec::new(),
            #[cfg(feature = "xwing")]
            xwing: Vec::new(),
            provided: Vec::new(),
            order: Vec::new(),
        };
        for id in ids {
            let Some(rec) = body.get(id) else {
                let mut holder = None;
                for p in providers {
                    if p.holds(id)? {
                        holder = Some(p.clone());
                        break;
                    }
                }
                r.provided.push((holder.ok_or(Error::KeyNotFound(*id))?, *id));
                r.order.push(Slot::Provider(r.provided.len() - 1));
                continue;
            };
            match &rec.state {
                KeyState::Destroyed { at, .. } => {
                    return Err(Error::KeyDestroyed { key_id: *id, destroyed_at: *at });
                }
                KeyState::DecryptOnly => {
                    return Err(Error::KeyState { key_id: *id, operation: "seal", state: "decrypt_only" });
                }
                KeyState::Active => {}
            }
            match rec.kind {
                KeyKind::Kek if rec.wrapped_by.is_some() => {
                    r.keks.push(cases.kek(rec, now)?);
                    r.order.push(Slot::Kek(r.keks.len() - 1));
                }
                KeyKind::Kek => {
                    r.keks.push(Kek::from_bytes(*secret32(rec)?));
                    r.order.push(Slot::Kek(r.keks.len() - 1));
                }
                KeyKind::X25519 => {
                    r.x25519.push(X25519Recipient::from_bytes(public32(rec)?)?);
                    r.order.push(Slot::X25519(r.x25519.len() - 1));
                }
                KeyKind::XWing => {
                    let public = rec
                        .public
                        .as_deref()
                        .ok_or_else(|| Error::KeyringCorrupt(format!("key {id} has no public part")))?;
                    #[cfg(feature = "xwing")]
                    {
                        r.xwing.push(crate::keys::XWingRecipient::from_bytes(public)?);
                        r.order.push(Slot::XWing(r.xwing.len() - 1));
                    }
                    #[cfg(not(feature = "xwing"))]
                    {
                        let _ = public;
                        return Err(crate::keys::xwing_unavailable());
                    }
                }
                _ => {
                    return Err(Error::InvalidArgument(format!(
                        "key {id} is {} {} key and cannot be a recipient",
                        rec.kind.article(),
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
            .filter_map(|slot| match *slot {
                Slot::Kek(i) => self.keks.get(i).map(Recipient::Kek),
                Slot::X25519(i) => self.x25519.get(i).map(Recipient::X25519),
                #[cfg(feature = "xwing")]
                Slot::XWing(i) => self.xwing.get(i).map(Recipient::XWing),
                Slot::Provider(i) => self.provided.get(i).map(|(p, id)| Recipient::Provider(p.as_ref(), *id)),
            })
            .collect()
    }
}

fn hex(bytes: &[u8]) -> String {
    crate::audit::entry::to_hex(bytes)
}

fn x25519_identity(body: &KeyringBody, id: &KeyId) -> Result<X25519Identity> {
    stored_x25519(usable(body, id, KeyKind::X25519, "act as sender")?)
}

/// The signing key `id` of this custodian: its secret in the keyring, or a signer outside the process
/// ([`CustodianOptions::signers`]) for a public-only record; either way usable (active, not compromised).
fn signer_for(body: &KeyringBody, id: &KeyId, outside: &HashMap<KeyId, Arc<dyn Signer>>) -> Result<SigningKey> {
    let held = outside.get(id);
    let r = usable_with(body, id, KeyKind::Ed25519, "sign", held.is_some())?;
    match held {
        Some(s) if !r.has_secret() => Ok(SigningKey::external(s.clone())),
        _ => Ok(SigningKey::from_bytes(*secret32(r)?)),
    }
}

fn verifying_key(body: &KeyringBody, id: &KeyId) -> Result<VerifyingKey> {
    let r = body.get(id).ok_or(Error::KeyNotFound(*id))?;
    if r.kind != KeyKind::Ed25519 {
        return Err(Error::InvalidArgument(format!("key {id} is not an Ed25519 signing key")));
    }
    VerifyingKey::from_bytes(public32(r)?)
}

fn usable<'a>(body: &'a KeyringBody, id: &KeyId, kind: KeyKind, operation: &'static str) -> Result<&'a KeyRecord> {
    usable_with(body, id, kind, operation, false)
}

/// [`usable`], where `held_outside` says a signer outside the process holds the secret of a public-only record.
fn usable_with<'a>(
    body: &'a KeyringBody,
    id: &KeyId,
    kind: KeyKind,
    operation: &'static str,
    held_outside: bool,
) -> Result<&'a KeyRecord> {
    let r = body.get(id).ok_or(Error::KeyNotFound(*id))?;
    if r.kind != kind {
        return Err(Error::InvalidArgument(format!(
            "key {id} is {} {} key; {operation} needs {} {kind} key",
            r.kind.article(),
            r.kind,
            kind.article()
        )));
    }
    match &r.state {
        KeyState::Destroyed { at, .. } => Err(Error::KeyDestroyed { key_id: *id, destroyed_at: *at }),
        KeyState::DecryptOnly => Err(Error::KeyState { key_id: *id, operation, state: "decrypt_only" }),
        KeyState::Active if !r.has_secret() && !held_outside => {
            Err(Error::KeyState { key_id: *id, operation, state: "public only" })
        }
        KeyState::Active => match &r.compromised {
            // A compromised key signs and acts as sender for nothing new.
            Some(m) => Err(Error::KeyCompromised { key_id: *id, compromised_at: m.at }),
            None => Ok(r),
        },
    }
}

/// The audit key's id: one record labelled `audit`, with its secret, or its public half only when a signer outside
/// (`outside`) holds it; made (looked for again under the keyring's lock, since another process may have made it
/// meanwhile) when the keyring has none. The log is signed by that key, so a configured signer holding another is
/// refused, and a key held outside needs its signer.
fn audit_key(ring: &mut Keyring, outside: Option<&VerifyingKey>, now: Timestamp) -> Result<KeyId> {
    let find = |b: &KeyringBody| {
        b.keys.iter().find(|k| k.kind == KeyKind::Ed25519 && k.label == AUDIT_KEY_LABEL).map(|k| (k.id, k.has_secret()))
    };
    let wrong_key = |b: &KeyringBody, id: &KeyId, configured: &VerifyingKey| Error::AuditWrongKey {
        expected: hex(&configured.to_bytes()),
        found: b.get(id).and_then(|r| r.public.as_deref()).map_or_else(|| id.to_string(), hex),
    };
    let check = |b: &KeyringBody, (id, has_secret): (KeyId, bool)| match outside {
        Some(public) if id != public.id() => Err(wrong_key(b, &id, public)),
        None if !has_secret => Err(Error::InvalidArgument(format!(
            "the audit key {id} is held outside this process (an HSM): load with CustodianOptions::audit_signer"
        ))),
        _ => Ok(id),
    };
    if let Some(found) = find(ring.body()) {
        return check(ring.body(), found);
    }
    let record = match outside {
        Some(public) => {
            new_record(public.id(), KeyKind::Ed25519, AUDIT_KEY_LABEL, now, Some(public.to_bytes().to_vec()), None)
        }
        None => {
            let key = SigningKey::generate()?;
            let seed = key.expose_bytes().ok_or_else(|| Error::Internal("a generated key has its seed".into()))?;
            let public = key.verifying_key().to_bytes().to_vec();
            new_record(key.id(), KeyKind::Ed25519, AUDIT_KEY_LABEL, now, Some(public), Some(seed))
        }
    };
    ring.update(|b| match find(b) {
        Some(found) => check(b, found),
        None => {
            let id = record.id;
            b.add(record)?;
            Ok(id)
        }
    })
}

/// On a shared keyring: refuse it if it is older than the highest generation this server saw before (kept in the
/// server's own keyring file, `local`), unless `restored` accepts that once; then keep `local` up to date with every
/// new generation the shared keyring reads or writes. Returns the generations (seen, now) of an accepted restore.
#[cfg(feature = "postgres")]
fn remember_generation(shared: &mut Keyring, mut local: Keyring, restored: bool) -> Result<Option<(u64, u64)>> {
    let now = shared.highest_generation();
    let seen = local.body().shared_generation;
    let accepted = match seen {
        Some(seen) if now < seen && !restored => {
            return Err(Error::KeyringCorrupt(format!(
                "the shared keyring was rolled back: generation {now}, older than generation {seen} this server saw \
                 before (after restoring it from a backup, load once with CustodianOptions::keyring_restored)"
            )));
        }
        Some(seen) if now < seen => Some((seen, now)),
        _ => None,
    };
    if seen != Some(now) {
        local.update(|b| {
            b.shared_generation = Some(now);
            Ok(())
        })?;
    }
    shared.on_generation(Box::new(move |generation| {
        local.update(|b| {
            b.shared_generation = Some(b.shared_generation.map_or(generation, |s| s.max(generation)));
            Ok(())
        })
    }));
    Ok(accepted)
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

/// Replace (or create) `path` atomically by `head` followed by the rest of `tail`: a temporary file beside it (mode
/// 0600, `create_new`, a name unique per process and call so that concurrent writers never share one), fsync, rename,
/// fsync the directory. On failure the temporary file is removed and `path` is as it was. The one way the facade
/// writes whole files in place: re-wrapped envelope files, the access policy, imported receipts.
fn replace_file(path: &Path, head: &[u8], tail: &mut dyn io::Read) -> Result<()> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or_else(|| Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.{}.tmp", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
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

pub(crate) fn new_record(
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
        authority: None,
        wrapped_by: None,
        not_before: None,
        not_after: None,
        revoked: None,
        compromised: None,
        public,
        secret: secret.map(|s| SecretBytes::new(Zeroizing::new(s.to_vec()))),
    }
}

fn signing_key(ring: &Keyring, id: &KeyId) -> Result<SigningKey> {
    let r = ring.body().get(id).ok_or(Error::KeyNotFound(*id))?;
    Ok(SigningKey::from_bytes(*secret32(r)?))
}
