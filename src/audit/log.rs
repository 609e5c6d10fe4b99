//! The hash-chained, signed, append-only audit log: the public [`AuditLog`] and its options, and its file storage.
//!
//! This module owns the file: appending, durability (fsync), checkpoints, crash recovery. It must never return `Ok`
//! for an event that is not durable under the chosen [`Durability`], and never silently drop a complete entry. The
//! entries themselves are made by `chain.rs`, which the PostgreSQL storage (`postgres.rs`) shares.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha256};

use super::anchor::Anchor;
use super::chain::{ChainWriter, Head};
use super::entry::{
    Digest, FORMAT_NAME, LOG_ID_LEN, LineReader, MAX_LINE_LEN, decode, decode_genesis, from_hex, looks_like_checkpoint,
    to_hex,
};
use super::erasure::{ErasureCertificate, check_reason};
use super::event::{AuditEvent, EventKind};
use super::verify::Chain;
use crate::error::{Error, Result};
use crate::keys::AuditPin;
use crate::keys::keyring::refuse_writable_by_others;
use crate::vocabulary::CaseRef;
use crate::vocabulary::KeyId;
use crate::vocabulary::time::{Clock, SystemClock};

/// The file name of the log inside its directory.
pub const LOG_FILE_NAME: &str = "audit.log";

/// When `append` may return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Durability {
    /// Every append writes its line and calls `fdatasync` before returning. Simple; one sync per event.
    FsyncEach,
    /// Appenders on different threads share one `fdatasync`: the first to need a sync becomes the leader, waits
    /// until `max_batch` entries are pending or `max_delay` has passed, syncs, and wakes everyone it covered. An
    /// append still never returns `Ok` before its own bytes are synced; a single thread gets no benefit and pays
    /// up to `max_delay` per append (use a zero delay then).
    GroupCommit {
        /// Sync as soon as this many entries are pending.
        max_batch: usize,
        /// Longest a leader waits for followers before syncing.
        max_delay: Duration,
    },
    /// Every append hands its line to the operating system (`write`) before returning, without `fdatasync`;
    /// checkpoints, erasure certificates and close are still synced. An event survives a crash of the process but
    /// may be lost in a crash of the operating system or a power cut (since the last synced checkpoint): a weaker
    /// promise than the other policies, for hosts that accept it in exchange for throughput. Not the default.
    OsBuffered,
}

/// Called with the pin of every checkpoint once it is durable (see [`AuditOptions::on_checkpoint`]).
pub type CheckpointHook = Arc<dyn Fn(&AuditPin) -> Result<()> + Send + Sync>;

/// How to open a log.
#[derive(Clone)]
pub struct AuditOptions {
    pub(super) durability: Durability,
    pub(super) checkpoint_every: u64,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) pin: Option<AuditPin>,
    pub(super) on_checkpoint: Option<CheckpointHook>,
    pub(super) create: bool,
}

impl core::fmt::Debug for AuditOptions {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AuditOptions")
            .field("durability", &self.durability)
            .field("checkpoint_every", &self.checkpoint_every)
            .field("pin", &self.pin.map(|p| p.count))
            .field("on_checkpoint", &self.on_checkpoint.is_some())
            .field("create", &self.create)
            .finish_non_exhaustive()
    }
}

impl Default for AuditOptions {
    /// [`Durability::FsyncEach`], a checkpoint every 1000 entries, the system clock, no pin, no hook, create the
    /// log if there is none.
    fn default() -> Self {
        Self {
            durability: Durability::FsyncEach,
            checkpoint_every: 1000,
            clock: Arc::new(SystemClock),
            pin: None,
            on_checkpoint: None,
            create: true,
        }
    }
}

impl AuditOptions {
    /// The defaults with this clock.
    #[must_use]
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self { clock, ..Self::default() }
    }

    /// Choose the durability policy.
    #[must_use]
    pub fn durability(mut self, d: Durability) -> Self {
        self.durability = d;
        self
    }

    /// Write a signed checkpoint after every `n` entries (`0`: only on [`AuditLog::checkpoint`] and close). This
    /// also bounds how many entries a writer of the file can cut from its end unnoticed (see `docs/AUDIT.md` §8).
    #[must_use]
    pub fn checkpoint_every(mut self, n: u64) -> Self {
        self.checkpoint_every = n;
        self
    }

    /// The last checkpoint the caller saw written, kept somewhere the file's writer cannot change (the
    /// [`crate::Custodian`] keeps it in its keyring). Opening then starts its verification at that checkpoint and
    /// refuses a log that is missing, empty, shorter than the pin, of another log, or has another entry there.
    #[must_use]
    pub fn expect_pin(mut self, pin: Option<AuditPin>) -> Self {
        self.pin = pin;
        self
    }

    /// Called with the checkpoint's pin after every checkpoint is durable (on open, every
    /// [`AuditOptions::checkpoint_every`] entries, [`AuditLog::checkpoint`], close), without the log's lock held,
    /// possibly from several threads and out of order (keep the highest). If it fails, the log is poisoned like
    /// on a failed sync: that call and every later append return [`Error::AuditWrite`] until the log is reopened,
    /// because the log could no longer promise the truncation bound the pin gives.
    #[must_use]
    pub fn on_checkpoint(mut self, hook: CheckpointHook) -> Self {
        self.on_checkpoint = Some(hook);
        self
    }

    /// Whether opening may start a new log where there is none (default `true`). With `false`, a missing log is
    /// [`Error::Io`] (`NotFound`) instead of a new genesis entry. A log the pin ([`AuditOptions::expect_pin`])
    /// says existed is never started over, whatever this says.
    #[must_use]
    pub fn create(mut self, create: bool) -> Self {
        self.create = create;
        self
    }
}

/// What opening the log found and did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OpenReport {
    /// The log's id, lowercase hex.
    pub log_id: String,
    /// Whether the log was created by this open.
    pub created: bool,
    /// Entries in the log after opening (including any recovery and checkpoint entries written by the open).
    pub entries: u64,
    /// A torn last line that was cut away, if any.
    pub recovery: Option<Recovery>,
    /// Whether the previous writer stopped without a closing checkpoint, so the open wrote one.
    pub sealed_unclosed_tail: bool,
    /// Sequence number at which the open's verification started: the pinned checkpoint, else the last checkpoint
    /// in the file, else the genesis entry. Everything from there to the end was verified before anything was
    /// written.
    pub verified_from: u64,
}

/// A torn last line found and removed on open (the process died mid-append). The bytes were never acknowledged to
/// any caller: `append` returns only after the whole line, newline included, is synced.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Recovery {
    /// How many bytes were cut.
    pub truncated_bytes: u64,
    /// SHA-256 of the cut bytes, lowercase hex (also recorded in the `recovery` entry).
    pub discarded_sha256: String,
    /// Sequence number of the `recovery` entry.
    pub seq: u64,
}

/// The audit log: `Send + Sync`; share it behind an `Arc` and append from any thread. Several `AuditLog`s, in this
/// process or others, may write the same log: they form one chain (`docs/AUDIT.md` §6.3).
///
/// The log lives in a file ([`AuditLog::open`], the default) or, with the feature `postgres`, in a PostgreSQL
/// database that many application servers share (`AuditLog::open_postgres`, feature `postgres`, `docs/AUDIT.md` "On PostgreSQL").
/// Both store the same lines, made and authenticated by the same code, and verify the same way.
///
/// Every append returns only once the entry is durable (per [`Durability`]); any write or sync failure returns
/// [`Error::AuditWrite`] and poisons a file log, so that every later append fails too (fail closed) until the log is
/// reopened, which recovers the file.
pub struct AuditLog {
    store: Store,
}

/// Where the lines go. The chain (what an entry holds, how it is signed, checkpoints) is `chain.rs`'s, shared.
#[allow(clippy::large_enum_variant, reason = "one per open log, made once and never moved in a hot path")]
enum Store {
    File(FileLog),
    #[cfg(feature = "postgres")]
    Postgres(super::postgres::PgLog),
}

/// Call the same method on whichever store holds the log.
macro_rules! on_store {
    ($self:expr, $log:ident => $call:expr) => {
        match &$self.store {
            Store::File($log) => $call,
            #[cfg(feature = "postgres")]
            Store::Postgres($log) => $call,
        }
    };
}

impl core::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        on_store!(self, l => l.fmt(f))
    }
}

impl AuditLog {
    /// Open (or create) the log `audit.log` in the existing directory `dir`. Other writers (processes, or other
    /// `AuditLog`s in this one) may have it open too: the file's lock is held only while opening and while each
    /// append, checkpoint or erasure entry is written, and every writer first verifies what the others appended
    /// (see `docs/AUDIT.md` §6.3).
    ///
    /// Before writing or signing anything, the open verifies the log from its last checkpoint (the pinned one when
    /// [`AuditOptions::expect_pin`] gives one, else the last in the file, else the genesis entry) to its end: every
    /// entry's signature, hash, sequence number and link, and the checkpoint's signature. Only then is a torn last
    /// line cut away (and a `recovery` entry appended) and, if the previous writer did not close the log, a
    /// checkpoint written to seal what it left. A new log is created with mode 0600 and starts with its genesis
    /// entry and a checkpoint, written to a temporary file and linked into place, so a log never lacks them.
    ///
    /// # Errors
    /// [`Error::AuditTampered`] when the log does not verify, or does not reach the pin (missing, empty, cut,
    /// replaced): nothing is written then. [`Error::AuditUnsupportedFormat`] for a log of another format version;
    /// [`Error::AuditWrongKey`] when it belongs to another audit key; [`Error::AuditMalformed`] for a line that is
    /// not an entry; [`Error::InsecurePermissions`] when group or others may write the file; [`Error::AuditWrite`]
    /// when it cannot be created or written; [`Error::Io`] when `dir` does not exist or the file cannot be read,
    /// or when there is no log and [`AuditOptions::create`] is false.
    pub fn open(dir: &Path, key: crate::keys::SigningKey, options: AuditOptions) -> Result<(Self, OpenReport)> {
        let (log, report) = FileLog::open(dir, key, options)?;
        Ok((Self { store: Store::File(log) }, report))
    }

    /// Open (or create) the log in the PostgreSQL database `config` names, whose schema
    /// [`crate::postgres::install_schema`] installed. Every server that opens it with the same audit key appends
    /// to one chain (`docs/AUDIT.md` "On PostgreSQL"). Like [`AuditLog::open`], opening verifies the log from its
    /// last checkpoint (or the pin) to its end, and checks that the head row agrees with the last entry, before
    /// writing anything; a log whose last entry is not a checkpoint is sealed with one. A new log's genesis entry
    /// and creation checkpoint are inserted in the transaction that creates the head row.
    ///
    /// [`Durability::FsyncEach`] commits one transaction per event; [`Durability::GroupCommit`] lets the appenders
    /// of this process share one transaction (and its commit); [`Durability::OsBuffered`] shares them too and
    /// commits with `synchronous_commit = off` (an acknowledged event may be lost if the database server crashes).
    ///
    /// # Errors
    /// As [`AuditLog::open`]; [`Error::AuditTampered`] also when the head row disagrees with the entries;
    /// [`Error::AuditWrite`] when the database cannot be reached or refuses (schema not installed, privileges);
    /// [`Error::Io`] (`NotFound`) when there is no log and [`AuditOptions::create`] is false.
    #[cfg(feature = "postgres")]
    pub fn open_postgres(
        config: &crate::postgres::PgConfig,
        key: crate::keys::SigningKey,
        options: AuditOptions,
    ) -> Result<(Self, OpenReport)> {
        let (log, report) = super::postgres::PgLog::open(config, key, options)?;
        Ok((Self { store: Store::Postgres(log) }, report))
    }

    /// The path of the log file; empty for a log in PostgreSQL.
    #[must_use]
    pub fn path(&self) -> &Path {
        match &self.store {
            Store::File(l) => l.path(),
            #[cfg(feature = "postgres")]
            Store::Postgres(_) => Path::new(""),
        }
    }

    /// The database of a log in PostgreSQL; `None` for a file.
    #[cfg(feature = "postgres")]
    #[must_use]
    pub fn postgres(&self) -> Option<&crate::postgres::PgConfig> {
        match &self.store {
            Store::File(_) => None,
            Store::Postgres(l) => Some(l.config()),
        }
    }

    /// The log's id.
    #[must_use]
    pub fn log_id(&self) -> [u8; LOG_ID_LEN] {
        on_store!(self, l => l.chain().log_id())
    }

    /// The public half of the audit key, which verifies checkpoints and erasure certificates.
    #[must_use]
    pub fn verifying_key(&self) -> crate::keys::VerifyingKey {
        crate::keys::VerifyingKey::from_dalek(on_store!(self, l => l.chain().verifying_key()))
    }

    /// The Merkle tree of the first `size` entries of the log (all complete entries when `None`), read through the
    /// verifying reader (`merkle.rs`): from the file, or from the database in one snapshot.
    pub(crate) fn tree(&self, size: Option<u64>) -> Result<super::LogTree> {
        match &self.store {
            Store::File(l) => super::LogTree::read(l.path(), &self.verifying_key(), size),
            #[cfg(feature = "postgres")]
            Store::Postgres(l) => l.tree(&self.verifying_key(), size),
        }
    }

    /// Sign a Merkle checkpoint's note text with the audit key: called only by `merkle.rs`, whose texts begin with
    /// `custodia.audit/` and so never equal a `custodia/audit/v2/…` message (`docs/AUDIT.md` §12).
    pub(crate) fn sign_note(&self, text: &super::merkle::NoteText) -> Result<[u8; 64]> {
        on_store!(self, l => l.chain().sign_note(text))
    }

    /// Number of entries in the log, by every writer (the next sequence number). A file log takes the file's lock
    /// briefly to follow what other writers appended, as an append does; a PostgreSQL log reads the head row.
    ///
    /// # Errors
    /// [`Error::AuditWrite`] if the log is poisoned by an earlier failure; as [`AuditLog::append`] when what other
    /// writers appended does not verify.
    pub fn entry_count(&self) -> Result<u64> {
        on_store!(self, l => l.entry_count())
    }

    /// Append an event, returning its sequence number once it is durable. The log stamps the time unless the event
    /// carries one. May also write a checkpoint after it (see [`AuditOptions::checkpoint_every`]).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an invalid event or a kind only the log writes (genesis, checkpoint,
    /// recovery, erasure); [`Error::AuditWrite`] when the entry could not be made durable (on PostgreSQL: not
    /// committed, or the connection lost before the commit was confirmed): the caller must then refuse the
    /// operation it was recording. [`Error::AuditTampered`] or [`Error::AuditMalformed`] when what other writers
    /// appended since this one's last entry does not verify (nothing is written, and the log is poisoned as by a
    /// failed sync).
    pub fn append(&self, event: &AuditEvent) -> Result<u64> {
        event.validate()?;
        if event.kind.is_reserved() {
            return Err(Error::InvalidArgument(format!(
                "audit event kind {} is written by the log itself",
                event.kind
            )));
        }
        on_store!(self, l => l.append(event))
    }

    /// The latest checkpoint this log wrote or verified when it was opened, as an [`Anchor`]: what this process
    /// knows the log must still contain. Works after [`AuditLog::close`] and on a poisoned log.
    #[must_use]
    pub fn latest_anchor(&self) -> Option<Anchor> {
        on_store!(self, l => l.latest_anchor())
    }

    /// Write a signed checkpoint now, make it durable, and return it as an [`Anchor`] to hand to another
    /// authority. If the last entry is already a checkpoint, returns that one.
    ///
    /// # Errors
    /// [`Error::AuditWrite`] as for [`AuditLog::append`].
    pub fn checkpoint(&self) -> Result<Anchor> {
        on_store!(self, l => l.checkpoint())
    }

    /// Record that `keys` were destroyed and return a signed, PII-free certificate of it that verifies with the
    /// audit public key alone. The certificate is also written (with its signature) as an `erasure` entry.
    ///
    /// `reason` must not contain personal data (e.g. `retention period ended`); `envelopes` is how many envelopes
    /// became unreadable, when known.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for no keys or a bad reason; [`Error::AuditWrite`] as for [`AuditLog::append`].
    pub fn certify_erasure(
        &self,
        keys: &[KeyId],
        case: Option<&CaseRef>,
        reason: &str,
        envelopes: Option<u64>,
    ) -> Result<ErasureCertificate> {
        check_reason(reason)?;
        if keys.is_empty() || keys.len() > super::event::MAX_KEYS {
            return Err(Error::InvalidArgument("an erasure certificate names 1 to 64 keys".into()));
        }
        on_store!(self, l => l.certify_erasure(keys, case, reason, envelopes))
    }

    /// Write a closing checkpoint, sync, and return it as an anchor. Later appends fail. Dropping an unclosed log
    /// does the same, ignoring errors; call `close` to see them.
    ///
    /// # Errors
    /// [`Error::AuditWrite`] when the checkpoint cannot be made durable.
    pub fn close(&self) -> Result<Anchor> {
        on_store!(self, l => l.close())
    }

    /// Verify the whole log with its own audit key against `anchors`: [`super::verify`] on the file, or
    /// `verify_postgres` (feature `postgres`) on the database.
    ///
    /// # Errors
    /// As [`super::verify`] (and `verify_postgres`).
    pub fn verify(&self, anchors: &[Anchor]) -> Result<super::VerifyReport> {
        let key = self.verifying_key();
        match &self.store {
            Store::File(l) => super::verify(l.path(), &key, anchors),
            #[cfg(feature = "postgres")]
            Store::Postgres(l) => super::verify_postgres(l.config(), &key, anchors),
        }
    }

    /// The log's entries, in order (each checked against its own hash only; run [`AuditLog::verify`] first when the
    /// answer must be trusted).
    ///
    /// # Errors
    /// As [`super::entries`]; for PostgreSQL, [`Error::Io`] when the database cannot be reached.
    pub fn entries(&self) -> Result<super::Entries> {
        match &self.store {
            Store::File(l) => super::entries(l.path()),
            #[cfg(feature = "postgres")]
            Store::Postgres(l) => super::postgres::entries(l.config()),
        }
    }

    /// The log's entries that match `q`, in order.
    ///
    /// # Errors
    /// As [`AuditLog::entries`].
    pub fn query<'q>(&self, q: &'q super::Query) -> Result<impl Iterator<Item = Result<super::LogEntry>> + 'q> {
        Ok(self.entries()?.filter(move |r| r.as_ref().map_or(true, |e| q.matches(e))))
    }
}

/// The file storage of [`AuditLog`]: one file, `flock` per append, `fdatasync` per [`Durability`].
pub(crate) struct FileLog {
    path: PathBuf,
    file: File,
    chain: ChainWriter,
    durability: Durability,
    checkpoint_every: u64,
    on_checkpoint: Option<CheckpointHook>,
    state: Mutex<State>,
    synced: Condvar,
    #[cfg(test)]
    fail_next_sync: std::sync::atomic::AtomicBool,
}

struct State {
    /// Where this writer's view of the chain ends.
    head: Head,
    /// Entries known durable.
    durable: u64,
    /// Bytes in the file (the offset of the next line).
    len: u64,
    /// The pin of the last checkpoint.
    last_pin: Option<AuditPin>,
    syncing: bool,
    failed: Option<String>,
    closed: bool,
}

impl core::fmt::Debug for FileLog {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FileLog")
            .field("path", &self.path)
            .field("log_id", &to_hex(&self.chain.log_id()))
            .field("durability", &self.durability)
            .finish_non_exhaustive()
    }
}

impl FileLog {
    /// Open (or create) the log `audit.log` in the existing directory `dir`. Other writers (processes, or other
    /// `AuditLog`s in this one) may have it open too: the file's lock is held only while opening and while each
    /// append, checkpoint or erasure entry is written, and every writer first verifies what the others appended
    /// (see `docs/AUDIT.md` §6.3).
    ///
    /// Before writing or signing anything, the open verifies the log from its last checkpoint (the pinned one when
    /// [`AuditOptions::expect_pin`] gives one, else the last in the file, else the genesis entry) to its end: every
    /// entry's signature, hash, sequence number and link, and the checkpoint's signature. Only then is a torn last
    /// line cut away (and a `recovery` entry appended) and, if the previous writer did not close the log, a
    /// checkpoint written to seal what it left. A new log is created with mode 0600 and starts with its genesis
    /// entry and a checkpoint, written to a temporary file and linked into place, so a log never lacks them.
    ///
    /// # Errors
    /// [`Error::AuditTampered`] when the log does not verify, or does not reach the pin (missing, empty, cut,
    /// replaced): nothing is written then. [`Error::AuditUnsupportedFormat`] for a log of another format version;
    /// [`Error::AuditWrongKey`] when it belongs to another audit key; [`Error::AuditMalformed`] for a line that is
    /// not an entry; [`Error::InsecurePermissions`] when group or others may write the file; [`Error::AuditWrite`]
    /// when it cannot be created or written; [`Error::Io`] when `dir` does not exist or the file cannot be read.
    pub(crate) fn open(dir: &Path, key: crate::keys::SigningKey, options: AuditOptions) -> Result<(Self, OpenReport)> {
        let werr = |what: &str, e: std::io::Error| Error::AuditWrite(format!("{what}: {e}"));
        if !dir.is_dir() {
            return Err(Error::Io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("the audit directory {} does not exist", dir.display()),
            )));
        }
        let path = dir.join(LOG_FILE_NAME);
        let verifying = *key.verifying_key().dalek();
        let pin = options.pin;
        // The log id is the new log's, until the log found says otherwise.
        let mut new_id = [0u8; LOG_ID_LEN];
        getrandom::fill(&mut new_id).map_err(|_| Error::Rng)?;
        let mut chain = ChainWriter::new(key, new_id, options.clock.clone());
        let mut created = false;
        let file = match open_log_file(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(p) = &pin {
                    return Err(Error::AuditTampered {
                        entry: 0,
                        reason: format!(
                            "the audit log is missing, but the keyring pins its checkpoint at entry {}: deleted or \
                             moved; a new log is not started over it",
                            p.count
                        ),
                    });
                }
                if !options.create {
                    return Err(Error::Io(std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        format!("there is no audit log {} and creating one was not asked for", path.display()),
                    )));
                }
                created = create_log(dir, &path, &chain)?;
                open_log_file(&path).map_err(|e| werr("opening the audit log", e))?
            }
            Err(e) => return Err(werr("opening the audit log", e)),
        };
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(Error::AuditWrite(format!("{} is not a regular file", path.display())));
        }
        refuse_writable_by_others(&path, &meta)?;
        // The writers' lock, held for the open only (verification, recovery, the sealing checkpoint); released
        // below, or by closing `file` on an error.
        file.lock().map_err(|e| werr("locking the audit log", e))?;

        let (valid_len, torn_len) = find_tail(&file)?;
        let torn_hash = if torn_len > 0 { Some(hash_range(&file, valid_len, torn_len)?) } else { None };
        let found = if valid_len == 0 {
            if let Some(p) = &pin {
                return Err(Error::AuditTampered {
                    entry: 0,
                    reason: format!(
                        "the audit log has no complete entry, but the keyring pins its checkpoint at entry {}",
                        p.count
                    ),
                });
            }
            None
        } else {
            Some(verify_tail(&file, valid_len, &verifying, pin.as_ref())?)
        };

        // Verified (or empty): from here on the open may write.
        if torn_len > 0 {
            let cut = if found.is_some() { valid_len } else { 0 };
            file.set_len(cut).map_err(|e| werr("truncating a torn line", e))?;
            file.sync_all().map_err(|e| werr("syncing after truncation", e))?;
        }
        // No complete entry (the remains of a torn genesis line, no pin): the log starts in place, under a new id.
        let fresh = found.is_none();
        if let Some(t) = &found {
            chain.set_log_id(t.log_id);
        } else {
            let mut id = [0u8; LOG_ID_LEN];
            getrandom::fill(&mut id).map_err(|_| Error::Rng)?;
            chain.set_log_id(id);
        }
        let log = Self {
            path,
            file,
            chain,
            durability: options.durability,
            checkpoint_every: options.checkpoint_every,
            on_checkpoint: options.on_checkpoint,
            state: Mutex::new(State {
                head: found.as_ref().map_or_else(Head::empty, |t| Head {
                    next: t.next,
                    hash: t.head,
                    since_checkpoint: t.since_checkpoint,
                    last_anchor: t.checkpoint.as_ref().map(|(a, _)| a.clone()),
                }),
                durable: 0,
                len: found.as_ref().map_or(0, |_| valid_len),
                last_pin: found.as_ref().and_then(|t| t.checkpoint.as_ref().map(|(_, p)| *p)),
                syncing: false,
                failed: None,
                closed: false,
            }),
            synced: Condvar::new(),
            #[cfg(test)]
            fail_next_sync: std::sync::atomic::AtomicBool::new(false),
        };

        let _held = HeldLock(&log.file);
        let mut st = log.lock()?;
        let mut recovery = None;
        if fresh {
            let line = log.chain.genesis(&mut st.head)?;
            log.write_line(&mut st, line)?;
            log.write_checkpoint(&mut st)?;
            created = true;
        }
        if let Some(h) = torn_hash {
            let e = AuditEvent::new(EventKind::Recovery)
                .detail("truncated_bytes", &torn_len.to_string())
                .detail("discarded_sha256", &h);
            let seq = log.write_entry(&mut st, &e)?;
            recovery = Some(Recovery { truncated_bytes: torn_len, discarded_sha256: h, seq });
        }
        let unclosed = found.as_ref().is_some_and(|t| !t.ends_with_checkpoint);
        if unclosed || recovery.is_some() {
            log.write_checkpoint(&mut st)?;
        }
        let target = st.head.next;
        log.sync_locked(&mut st, target)?;
        if fresh {
            File::open(dir).and_then(|d| d.sync_all()).map_err(|e| werr("syncing the audit directory", e))?;
        }
        let report = OpenReport {
            log_id: to_hex(&log.chain.log_id()),
            created,
            entries: st.head.next,
            recovery,
            sealed_unclosed_tail: unclosed,
            verified_from: found.as_ref().map_or(0, |t| t.from),
        };
        let pin = st.last_pin;
        drop(st);
        drop(_held);
        if let Some(p) = pin {
            log.run_hook(&p)?;
        }
        Ok((log, report))
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn chain(&self) -> &ChainWriter {
        &self.chain
    }

    pub(crate) fn entry_count(&self) -> Result<u64> {
        let mut st = self.lock()?;
        let (held, pin) = self.take_head(&mut st)?;
        let n = st.head.next;
        drop(held);
        drop(st);
        if let Some(p) = pin {
            self.run_hook(&p)?;
        }
        Ok(n)
    }

    /// Append a checked event (see [`AuditLog::append`]).
    pub(crate) fn append(&self, event: &AuditEvent) -> Result<u64> {
        let mut st = self.lock()?;
        let (held, recovered) = self.take_head(&mut st)?;
        let seq = self.write_entry(&mut st, event)?;
        let mut pin = None;
        if ChainWriter::checkpoint_due(&st.head, self.checkpoint_every) {
            pin = Some(self.write_checkpoint(&mut st)?);
        }
        // The line is in the file: other writers may chain onto it while this one syncs.
        drop(held);
        if let Some(p) = recovered {
            self.run_hook(&p)?;
        }
        if self.durability == Durability::OsBuffered && pin.is_none() {
            // The line is in the operating system already (written without buffering in this process).
            return Ok(seq);
        }
        let target = st.head.next;
        self.make_durable(st, target)?;
        if let Some(p) = pin {
            self.run_hook(&p)?;
        }
        Ok(seq)
    }

    pub(crate) fn latest_anchor(&self) -> Option<Anchor> {
        self.state.lock().map_or_else(|p| p.into_inner().head.last_anchor.clone(), |st| st.head.last_anchor.clone())
    }

    pub(crate) fn checkpoint(&self) -> Result<Anchor> {
        let mut st = self.lock()?;
        let (held, recovered) = self.take_head(&mut st)?;
        let mut pin = recovered;
        if st.head.since_checkpoint > 0 || st.head.last_anchor.is_none() {
            pin = Some(self.write_checkpoint(&mut st)?);
        }
        drop(held);
        let target = st.head.next;
        let anchor = st.head.last_anchor.clone().ok_or_else(|| Error::Internal("checkpoint just written".into()))?;
        self.make_durable(st, target)?;
        if let Some(p) = pin {
            self.run_hook(&p)?;
        }
        Ok(anchor)
    }

    /// Write a checked erasure certificate's entry (see [`AuditLog::certify_erasure`]).
    pub(crate) fn certify_erasure(
        &self,
        keys: &[KeyId],
        case: Option<&CaseRef>,
        reason: &str,
        envelopes: Option<u64>,
    ) -> Result<ErasureCertificate> {
        let mut st = self.lock()?;
        let (held, recovered) = self.take_head(&mut st)?;
        let (line, cert) = self.chain.erasure(&mut st.head, keys, case, reason, envelopes)?;
        self.write_line(&mut st, line)?;
        drop(held);
        let target = st.head.next;
        self.make_durable(st, target)?;
        if let Some(p) = recovered {
            self.run_hook(&p)?;
        }
        Ok(cert)
    }

    pub(crate) fn close(&self) -> Result<Anchor> {
        let anchor = self.checkpoint()?;
        self.lock()?.closed = true;
        Ok(anchor)
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    fn lock(&self) -> Result<MutexGuard<'_, State>> {
        let st = self.state.lock().map_err(|_| Error::AuditWrite("audit log lock poisoned".into()))?;
        if let Some(f) = &st.failed {
            return Err(Error::AuditWrite(format!("audit log failed earlier and must be reopened: {f}")));
        }
        if st.closed {
            return Err(Error::AuditWrite("audit log is closed".into()));
        }
        Ok(st)
    }

    /// Take the writers' lock on the file and bring `st` up to the file's head: verify every entry other writers
    /// (other processes, or other `AuditLog`s on the same file) appended since this one last wrote, exactly as
    /// opening does, and recover a torn last line left by a writer that died mid-append (cut it, record a
    /// `recovery` entry, seal with a checkpoint, sync; the checkpoint's pin is returned for the hook, to be run
    /// once the state lock is released). The lock is released when the returned guard drops: after the caller's
    /// lines are written, before any sync. A log that does not verify, or that is shorter than what this writer
    /// already saw, poisons this writer: nothing is chained onto it.
    fn take_head<'f>(&'f self, st: &mut State) -> Result<(HeldLock<'f>, Option<AuditPin>)> {
        if let Err(e) = self.file.lock() {
            let msg = format!("locking the audit log: {e}");
            st.failed = Some(msg.clone());
            return Err(Error::AuditWrite(msg));
        }
        let held = HeldLock(&self.file);
        match self.follow(st) {
            Ok(pin) => Ok((held, pin)),
            Err(e) => {
                st.failed.get_or_insert_with(|| e.to_string());
                Err(e)
            }
        }
    }

    /// The work of [`AuditLog::take_head`] under the lock.
    fn follow(&self, st: &mut State) -> Result<Option<AuditPin>> {
        let len = self.file.metadata()?.len();
        if len == st.len {
            return Ok(None);
        }
        // What the others appended is usually a few lines: read it in one piece. Far more (this writer sat idle
        // while others wrote a lot) is streamed, as opening does.
        const IN_ONE_READ: u64 = 256 * 1024;
        let (valid_len, torn_len, new_bytes) = if len > st.len && len - st.len <= IN_ONE_READ {
            let n = usize::try_from(len - st.len).map_err(|_| Error::Internal("read size".into()))?;
            let mut buf = vec![0u8; n];
            read_exact_at(&self.file, st.len, &mut buf)?;
            let complete = buf.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            buf.truncate(complete);
            (st.len + complete as u64, len - st.len - complete as u64, Some(buf))
        } else {
            let (v, t) = find_tail(&self.file)?;
            (v, t, None)
        };
        if valid_len < st.len {
            return Err(Error::AuditTampered {
                entry: st.head.next,
                reason: format!(
                    "the audit log was cut while open: {valid_len} bytes of complete lines, {} written before",
                    st.len
                ),
            });
        }
        if valid_len > st.len {
            let key = self.chain.verifying_key();
            let log_id = self.chain.log_id();
            let mut chain = Chain::resume(&key, log_id, st.head.next, st.head.hash);
            let mut offset = st.len;
            let mut take = |line: &[u8], st: &mut State| -> Result<()> {
                let e = decode(line, chain.next + 1)?;
                chain.check(&e)?;
                if e.kind() == EventKind::Checkpoint {
                    let sig = e.sig.ok_or_else(|| Error::Internal("a verified checkpoint has a signature".into()))?;
                    st.head.last_anchor =
                        Some(Anchor::new(log_id, e.seq, e.prev, ed25519_dalek::Signature::from_bytes(&sig)));
                    st.last_pin = Some(AuditPin { log_id, count: e.seq, head: e.prev, offset });
                    st.head.since_checkpoint = 0;
                } else {
                    st.head.since_checkpoint += 1;
                }
                offset += line.len() as u64 + 1;
                Ok(())
            };
            match &new_bytes {
                Some(buf) => {
                    // `buf` ends with a newline (it holds complete lines only, and at least one): every piece
                    // before it is a line, an empty one included (which `decode` refuses).
                    let body = buf.strip_suffix(b"\n").ok_or_else(|| Error::Internal("complete lines".into()))?;
                    for line in body.split(|&b| b == b'\n') {
                        take(line, st)?;
                    }
                }
                None => {
                    let mut f = &self.file;
                    f.seek(SeekFrom::Start(st.len))?;
                    let mut reader = LineReader::new(BufReader::new(f.take(valid_len - st.len)));
                    let mut buf = Vec::new();
                    while reader.next_line(&mut buf)?.is_some() {
                        take(&buf, st)?;
                    }
                }
            }
            st.head.next = chain.next;
            st.head.hash = chain.head;
            st.len = valid_len;
        }
        if torn_len == 0 {
            return Ok(None);
        }
        // A writer died inside `write` (its lock went with it): the bytes after the last newline were never
        // acknowledged. Recover exactly as opening does.
        let werr = |what: &str, e: std::io::Error| Error::AuditWrite(format!("{what}: {e}"));
        let h = hash_range(&self.file, valid_len, torn_len)?;
        self.file.set_len(valid_len).map_err(|e| werr("truncating a torn line", e))?;
        self.file.sync_all().map_err(|e| werr("syncing after truncation", e))?;
        let e = AuditEvent::new(EventKind::Recovery)
            .detail("truncated_bytes", &torn_len.to_string())
            .detail("discarded_sha256", &h);
        self.write_entry(st, &e)?;
        let pin = self.write_checkpoint(st)?;
        let target = st.head.next;
        self.sync_locked(st, target)?;
        Ok(Some(pin))
    }

    /// Make the next entry and write it (not yet synced). Any failure poisons the log.
    fn write_entry(&self, st: &mut State, event: &AuditEvent) -> Result<u64> {
        let seq = st.head.next;
        let line = self.chain.entry(&mut st.head, event, None)?;
        self.write_line(st, line)?;
        Ok(seq)
    }

    /// Write a line the chain writer just made (`st.head` has already moved past it). Any failure poisons the log.
    fn write_line(&self, st: &mut State, mut line: String) -> Result<()> {
        line.push('\n');
        if let Err(e) = (&self.file).write_all(line.as_bytes()) {
            let msg = format!("writing entry {}: {e}", st.head.next - 1);
            st.failed = Some(msg.clone());
            return Err(Error::AuditWrite(msg));
        }
        st.len += line.len() as u64;
        Ok(())
    }

    /// Write a checkpoint (not yet synced) and return its pin.
    fn write_checkpoint(&self, st: &mut State) -> Result<AuditPin> {
        let offset = st.len;
        let (line, anchor) = self.chain.checkpoint(&mut st.head)?;
        self.write_line(st, line)?;
        let pin = AuditPin { log_id: self.chain.log_id(), count: anchor.count(), head: anchor.head(), offset };
        st.last_pin = Some(pin);
        Ok(pin)
    }

    /// Hand a durable checkpoint's pin to the hook, without the state lock (the hook may take the host's locks,
    /// and those may be held by a thread waiting to append). A failing hook poisons the log.
    fn run_hook(&self, pin: &AuditPin) -> Result<()> {
        let Some(hook) = &self.on_checkpoint else { return Ok(()) };
        hook(pin).map_err(|e| {
            let msg = format!("checkpoint {} is durable but could not be pinned: {e}", pin.count);
            if let Ok(mut st) = self.state.lock() {
                st.failed.get_or_insert_with(|| msg.clone());
            }
            Error::AuditWrite(msg)
        })
    }

    fn sync_file(&self) -> std::io::Result<()> {
        #[cfg(test)]
        if self.fail_next_sync.swap(false, std::sync::atomic::Ordering::SeqCst) {
            return Err(std::io::Error::other("injected sync failure"));
        }
        self.file.sync_data()
    }

    /// Sync while holding the lock (open, and [`Durability::FsyncEach`]).
    fn sync_locked(&self, st: &mut State, target: u64) -> Result<()> {
        if st.durable >= target {
            return Ok(());
        }
        match self.sync_file() {
            Ok(()) => {
                st.durable = st.durable.max(target);
                Ok(())
            }
            Err(e) => {
                // After a failed fsync the kernel may have dropped the dirty pages: nothing written since the
                // last good sync can be trusted, so the log is poisoned rather than retried.
                let msg = format!("syncing the audit log: {e}");
                st.failed = Some(msg.clone());
                Err(Error::AuditWrite(msg))
            }
        }
    }

    /// Return once entries `0..target` are durable.
    fn make_durable<'a>(&'a self, mut st: MutexGuard<'a, State>, target: u64) -> Result<()> {
        let (max_batch, max_delay) = match self.durability {
            Durability::FsyncEach | Durability::OsBuffered => return self.sync_locked(&mut st, target),
            Durability::GroupCommit { max_batch, max_delay } => (max_batch.max(1), max_delay),
        };
        // Followers wake leaders that are gathering a batch.
        self.synced.notify_all();
        loop {
            if st.durable >= target {
                return Ok(());
            }
            if let Some(f) = &st.failed {
                return Err(Error::AuditWrite(format!("audit log failed: {f}")));
            }
            if st.syncing {
                st = self.wait(st, None)?;
                continue;
            }
            // Leader: gather followers for a while, then sync everything written so far.
            st.syncing = true;
            let deadline = Instant::now() + max_delay;
            loop {
                let pending = st.head.next.saturating_sub(st.durable);
                let now = Instant::now();
                if usize::try_from(pending).unwrap_or(usize::MAX) >= max_batch || now >= deadline {
                    break;
                }
                st = self.wait(st, Some(deadline - now))?;
            }
            let upto = st.head.next;
            drop(st);
            let res = self.sync_file();
            st = self.state.lock().map_err(|_| Error::AuditWrite("audit log lock poisoned".into()))?;
            st.syncing = false;
            match res {
                Ok(()) => st.durable = st.durable.max(upto),
                Err(e) => {
                    if st.failed.is_none() {
                        st.failed = Some(format!("syncing the audit log: {e}"));
                    }
                }
            }
            self.synced.notify_all();
        }
    }

    fn wait<'a>(&self, st: MutexGuard<'a, State>, timeout: Option<Duration>) -> Result<MutexGuard<'a, State>> {
        let poisoned = || Error::AuditWrite("audit log lock poisoned".into());
        match timeout {
            None => self.synced.wait(st).map_err(|_| poisoned()),
            Some(t) => self.synced.wait_timeout(st, t).map(|(g, _)| g).map_err(|_| poisoned()),
        }
    }
}

impl Drop for FileLog {
    fn drop(&mut self) {
        let open = self.state.lock().is_ok_and(|st| !st.closed && st.failed.is_none());
        if open {
            let _ = self.close();
        }
    }
}

/// The writers' lock on the log file (`flock`, exclusive), held while a writer brings itself to the file's head and
/// writes its lines; released on drop. A writer that dies holding it releases it with its descriptor.
struct HeldLock<'f>(&'f File);

impl Drop for HeldLock<'_> {
    fn drop(&mut self) {
        // Unlocking an flock held by this descriptor cannot fail in a way that leaves it held; closing the
        // descriptor releases it in any case.
        let _ = self.0.unlock();
    }
}

/// `(genesis log id, named audit key)` from the genesis entry.
pub(crate) fn genesis_fields(e: &super::entry::LogEntry) -> Result<([u8; LOG_ID_LEN], [u8; 32])> {
    let bad = |reason: &str| Error::AuditMalformed { line: 1, reason: reason.into() };
    if e.seq != 0 || e.kind() != EventKind::Genesis {
        return Err(bad("the first entry must be the genesis entry with seq 0"));
    }
    match e.event.detail.get("format") {
        Some(f) if f == FORMAT_NAME => {}
        Some(f) => return Err(Error::AuditUnsupportedFormat(f.clone())),
        None => return Err(bad("the genesis entry names no format")),
    }
    let id = e.event.detail.get("log_id").and_then(|h| from_hex(h)).ok_or_else(|| bad("genesis has no log id"))?;
    let key = e.event.detail.get("audit_key").and_then(|h| from_hex(h)).ok_or_else(|| bad("genesis has no key"))?;
    Ok((id, key))
}

/// Open an existing log for reading and appending (never creating it).
fn open_log_file(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().read(true).append(true).open(path)
}

/// Create a new log: its genesis entry and creation checkpoint are written to a temporary file (mode 0600), synced,
/// and hard-linked to `path`, which fails if another opener created the log first. Returns whether this call
/// created it.
fn create_log(dir: &Path, path: &Path, chain: &ChainWriter) -> Result<bool> {
    let werr = |what: &str, e: std::io::Error| Error::AuditWrite(format!("{what}: {e}"));
    let log_id = chain.log_id();
    let mut head = Head::empty();
    let first = chain.genesis(&mut head)?;
    let (second, _) = chain.checkpoint(&mut head)?;
    let tmp = dir.join(format!(".{LOG_FILE_NAME}.new-{}-{}", std::process::id(), to_hex(&log_id[..8])));
    let written = (|| -> std::io::Result<bool> {
        let mut f = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        f.write_all(format!("{first}\n{second}\n").as_bytes())?;
        f.sync_all()?;
        drop(f);
        let created = match std::fs::hard_link(&tmp, path) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
            Err(e) => return Err(e),
        };
        std::fs::remove_file(&tmp)?;
        File::open(dir)?.sync_all()?;
        Ok(created)
    })();
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        werr("creating the audit log", e)
    })
}

/// What [`verify_tail`] established about the complete part of the file.
struct Tail {
    log_id: [u8; LOG_ID_LEN],
    /// Sequence number where verification started.
    from: u64,
    /// Entries in the file (the next sequence number).
    next: u64,
    head: Digest,
    since_checkpoint: u64,
    ends_with_checkpoint: bool,
    /// The last checkpoint: as an anchor, and as a pin.
    checkpoint: Option<(Anchor, AuditPin)>,
}

/// Verify the first `valid_len` bytes of the log (complete lines) from the pinned checkpoint, else the last
/// checkpoint line found scanning backwards, else the genesis entry, to the end. Reads only.
fn verify_tail(file: &File, valid_len: u64, key: &ed25519_dalek::VerifyingKey, pin: Option<&AuditPin>) -> Result<Tail> {
    let genesis = decode_genesis(&read_line_at(file, 0)?)?;
    let mut chain = Chain::from_genesis(&genesis, key)?;
    let log_id = chain.log_id;
    let start = match pin {
        Some(p) => {
            if p.log_id != log_id {
                return Err(Error::AuditTampered {
                    entry: 0,
                    reason: format!(
                        "the keyring pins audit log {}, but this file is log {}: the log was replaced",
                        to_hex(&p.log_id),
                        to_hex(&log_id)
                    ),
                });
            }
            // A pinned checkpoint is never the first line (that is the genesis entry).
            let at_line_start = p.offset > 0 && p.offset < valid_len && {
                let mut b = [0u8; 1];
                read_exact_at(file, p.offset - 1, &mut b).is_ok() && b[0] == b'\n'
            };
            if !at_line_start {
                return Err(Error::AuditTampered {
                    entry: p.count,
                    reason: format!(
                        "log truncated or rewritten: the keyring pins the checkpoint at entry {} (byte {}), which \
                         the log no longer holds",
                        p.count, p.offset
                    ),
                });
            }
            p.offset
        }
        None => find_last_checkpoint(file, valid_len)?.unwrap_or(0),
    };
    let mut checkpoint = None;
    let mut since_checkpoint = 0;
    let mut ends_with_checkpoint = false;
    let mut offset = start;
    if start > 0 {
        let line = read_line_at(file, start)?;
        let e = decode(&line, pin.map_or(0, |p| p.count + 1))?;
        if let Some(p) = pin
            && (e.seq != p.count || e.prev != p.head || e.kind() != EventKind::Checkpoint)
        {
            return Err(Error::AuditTampered {
                entry: p.count,
                reason: format!(
                    "the entry at the pinned offset is not the checkpoint at entry {} the keyring pins",
                    p.count
                ),
            });
        }
        chain = Chain::from_checkpoint(&e, log_id, key)?;
        // The checkpoint must sit where it was written: right after the entry it covers. (A genuine checkpoint line
        // copied to the end of the file would otherwise pass for the last one.)
        let before = decode(&line_ending_at(file, start)?, e.seq)?;
        if before.seq + 1 != e.seq || before.hash != e.prev {
            return Err(Error::AuditTampered {
                entry: e.seq,
                reason: "the checkpoint does not follow the entry it covers (entries moved, copied or deleted)".into(),
            });
        }
        super::entry::check_auth(&before, &log_id, key)?;
        let sig = e.sig.ok_or_else(|| Error::Internal("a verified checkpoint has a signature".into()))?;
        checkpoint = Some((
            Anchor::new(log_id, e.seq, e.prev, ed25519_dalek::Signature::from_bytes(&sig)),
            AuditPin { log_id, count: e.seq, head: e.prev, offset },
        ));
        ends_with_checkpoint = true;
        offset += line.len() as u64 + 1;
    } else {
        offset += read_line_at(file, 0)?.len() as u64 + 1;
    }
    let from = if start > 0 { chain.next - 1 } else { 0 };
    let mut f = file;
    f.seek(SeekFrom::Start(offset))?;
    let mut reader = LineReader::new(BufReader::new(f.take(valid_len - offset)));
    let mut buf = Vec::new();
    while reader.next_line(&mut buf)?.is_some() {
        let e = decode(&buf, chain.next + 1)?;
        chain.check(&e)?;
        if e.kind() == EventKind::Checkpoint {
            let sig = e.sig.ok_or_else(|| Error::Internal("a verified checkpoint has a signature".into()))?;
            checkpoint = Some((
                Anchor::new(log_id, e.seq, e.prev, ed25519_dalek::Signature::from_bytes(&sig)),
                AuditPin { log_id, count: e.seq, head: e.prev, offset },
            ));
            since_checkpoint = 0;
            ends_with_checkpoint = true;
        } else {
            since_checkpoint += 1;
            ends_with_checkpoint = false;
        }
        offset += buf.len() as u64 + 1;
    }
    chain.finish()?;
    Ok(Tail { log_id, from, next: chain.next, head: chain.head, since_checkpoint, ends_with_checkpoint, checkpoint })
}

/// The offset of the last line that looks like a checkpoint (by its canonical prefix), scanning backwards from
/// `valid_len` and holding at most one line and one 64 KiB chunk in memory; `None` if there is none.
fn find_last_checkpoint(file: &File, valid_len: u64) -> Result<Option<u64>> {
    const CHUNK: u64 = 64 * 1024;
    // `buf` holds the file's bytes [buf_start, buf_start + buf.len()).
    let mut buf: Vec<u8> = Vec::new();
    let mut buf_start = valid_len;
    // Absolute position of the newline that ends the line being looked at.
    let mut line_end = valid_len - 1;
    loop {
        // The part of the current line (before its newline) that is in the buffer.
        let have = usize::try_from(line_end.saturating_sub(buf_start)).map_err(|_| Error::Internal("size".into()))?;
        let have = have.min(buf.len());
        if let Some(i) = buf[..have].iter().rposition(|&b| b == b'\n') {
            if looks_like_checkpoint(&buf[i + 1..have]) {
                return Ok(Some(buf_start + i as u64 + 1));
            }
            line_end = buf_start + i as u64;
            buf.truncate(i);
            continue;
        }
        if buf_start == 0 {
            // What is left is the first line: the genesis entry, never a checkpoint.
            return Ok(None);
        }
        if have > MAX_LINE_LEN {
            return Err(Error::AuditMalformed {
                line: 0,
                reason: format!("a line near byte {buf_start} is longer than {MAX_LINE_LEN} bytes"),
            });
        }
        let new_start = buf_start.saturating_sub(CHUNK);
        let n = usize::try_from(buf_start - new_start).map_err(|_| Error::Internal("chunk size".into()))?;
        let mut chunk = vec![0u8; n];
        read_exact_at(file, new_start, &mut chunk)?;
        chunk.extend_from_slice(&buf);
        buf = chunk;
        buf_start = new_start;
    }
}

/// `(length up to and including the last newline, bytes after it)`.
fn find_tail(file: &File) -> Result<(u64, u64)> {
    let len = file.metadata()?.len();
    let mut end = len;
    let mut buf = vec![0u8; 64 * 1024];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let n = usize::try_from(end - start).map_err(|_| Error::Internal("chunk size".into()))?;
        read_exact_at(file, start, &mut buf[..n])?;
        if let Some(i) = buf[..n].iter().rposition(|&b| b == b'\n') {
            let valid = start + i as u64 + 1;
            return Ok((valid, len - valid));
        }
        end = start;
    }
    Ok((0, len))
}

/// The complete line that ends with the newline at `end - 1` (`end` > 0 is the offset of the line after it).
fn line_ending_at(file: &File, end: u64) -> Result<Vec<u8>> {
    let nl = end - 1;
    let start = nl.saturating_sub(MAX_LINE_LEN as u64 + 1);
    let n = usize::try_from(nl - start).map_err(|_| Error::Internal("line size".into()))?;
    let mut buf = vec![0u8; n];
    read_exact_at(file, start, &mut buf)?;
    match buf.iter().rposition(|&b| b == b'\n') {
        Some(i) => Ok(buf.split_off(i + 1)),
        None if start == 0 => Ok(buf),
        None => Err(Error::AuditMalformed { line: 0, reason: format!("a line longer than {MAX_LINE_LEN} bytes") }),
    }
}

fn read_line_at(file: &File, offset: u64) -> Result<Vec<u8>> {
    let mut f = file;
    f.seek(SeekFrom::Start(offset))?;
    let mut r = LineReader::new(BufReader::new(f));
    let mut buf = Vec::new();
    r.next_line(&mut buf)?;
    Ok(buf)
}

fn read_exact_at(file: &File, offset: u64, buf: &mut [u8]) -> Result<()> {
    let mut f = file;
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(buf)?;
    Ok(())
}

fn hash_range(file: &File, offset: u64, len: u64) -> Result<String> {
    let mut f = file;
    f.seek(SeekFrom::Start(offset))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f.take(len), &mut HashWriter(&mut h))?;
    Ok(to_hex(&h.finalize()))
}

struct HashWriter<'a>(&'a mut Sha256);

impl Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::time::{FixedClock, Timestamp};

    fn opts() -> AuditOptions {
        AuditOptions::with_clock(Arc::new(FixedClock::new(Timestamp::from_unix(1_800_000_000))))
    }

    #[test]
    fn failed_sync_poisons_the_log_fail_closed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (log, _) = FileLog::open(dir.path(), crate::keys::SigningKey::from_bytes([1; 32]), opts()).expect("opens");
        log.append(&AuditEvent::new(EventKind::Sealed)).expect("appends");
        log.fail_next_sync.store(true, std::sync::atomic::Ordering::SeqCst);
        assert!(matches!(log.append(&AuditEvent::new(EventKind::Opened)), Err(Error::AuditWrite(_))));
        assert!(matches!(log.append(&AuditEvent::new(EventKind::Opened)), Err(Error::AuditWrite(_))));
        drop(log);
        // Reopening recovers: the entry whose sync failed is present but was never acknowledged; the log verifies.
        let (log, report) =
            AuditLog::open(dir.path(), crate::keys::SigningKey::from_bytes([1; 32]), opts()).expect("reopens");
        assert!(report.sealed_unclosed_tail);
        log.close().expect("closes");
    }

    #[test]
    fn group_commit_failure_reaches_every_waiter() {
        let dir = tempfile::tempdir().expect("tempdir");
        let o = opts().durability(Durability::GroupCommit { max_batch: 4, max_delay: Duration::ZERO });
        let (log, _) = FileLog::open(dir.path(), crate::keys::SigningKey::from_bytes([1; 32]), o).expect("opens");
        log.fail_next_sync.store(true, std::sync::atomic::Ordering::SeqCst);
        assert!(matches!(log.append(&AuditEvent::new(EventKind::Opened)), Err(Error::AuditWrite(_))));
        assert!(matches!(log.append(&AuditEvent::new(EventKind::Opened)), Err(Error::AuditWrite(_))));
    }

    #[test]
    fn reserved_kinds_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (log, _) = AuditLog::open(dir.path(), crate::keys::SigningKey::from_bytes([1; 32]), opts()).expect("opens");
        for k in [EventKind::Genesis, EventKind::Checkpoint, EventKind::Recovery, EventKind::Erasure] {
            assert!(matches!(log.append(&AuditEvent::new(k)), Err(Error::InvalidArgument(_))));
        }
    }

    #[test]
    fn a_failing_checkpoint_hook_poisons_the_log() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fail = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (f, s) = (fail.clone(), seen.clone());
        let hook: CheckpointHook = Arc::new(move |p: &AuditPin| {
            if f.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(Error::AuditWrite("keyring full".into()));
            }
            s.lock().map_err(|_| Error::Internal("lock".into()))?.push(p.count);
            Ok(())
        });
        let o = opts().checkpoint_every(2).on_checkpoint(hook);
        let (log, _) = AuditLog::open(dir.path(), crate::keys::SigningKey::from_bytes([1; 32]), o).expect("opens");
        log.append(&AuditEvent::new(EventKind::Sealed)).expect("appends");
        log.append(&AuditEvent::new(EventKind::Sealed)).expect("appends and checkpoints");
        assert_eq!(*seen.lock().expect("seen"), vec![1, 4]);
        fail.store(true, std::sync::atomic::Ordering::SeqCst);
        log.append(&AuditEvent::new(EventKind::Opened)).expect("no checkpoint, no hook");
        let err = log.append(&AuditEvent::new(EventKind::Opened)).expect_err("the hook failed");
        assert!(matches!(&err, Error::AuditWrite(m) if m.contains("keyring full")), "{err}");
        assert!(matches!(log.append(&AuditEvent::new(EventKind::Opened)), Err(Error::AuditWrite(_))), "poisoned");
        drop(log);
        // The checkpoint itself is durable: the log verifies and reopens.
        let (log, report) =
            AuditLog::open(dir.path(), crate::keys::SigningKey::from_bytes([1; 32]), opts()).expect("reopens");
        assert_eq!(report.entries, 8);
        drop(log);
    }

    #[test]
    fn open_finds_the_last_checkpoint_behind_long_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = || crate::keys::SigningKey::from_bytes([1; 32]);
        let (log, _) = AuditLog::open(dir.path(), key(), opts().checkpoint_every(0)).expect("opens");
        for _ in 0..3 {
            log.append(&AuditEvent::new(EventKind::Sealed)).expect("appends");
        }
        log.checkpoint().expect("checkpoint at entry 5");
        let big = "x".repeat(1000);
        for i in 0..40 {
            let mut e = AuditEvent::new(EventKind::Opened);
            for d in 0..16 {
                e = e.detail(&format!("d{d:02}"), &format!("{i}{big}"));
            }
            log.append(&e).expect("appends");
        }
        drop(log);
        // Drop the closing checkpoint: the writer "died" after entry 45, ~650 KiB after the last checkpoint.
        let path = dir.path().join(LOG_FILE_NAME);
        let bytes = std::fs::read(&path).expect("reads");
        let cut = bytes[..bytes.len() - 1].iter().rposition(|&b| b == b'\n').expect("lines") + 1;
        std::fs::write(&path, &bytes[..cut]).expect("writes");
        let (log, report) = AuditLog::open(dir.path(), key(), opts()).expect("reopens");
        assert_eq!(report.verified_from, 5);
        assert!(report.sealed_unclosed_tail);
        assert_eq!(report.entries, 47);
        drop(log);
        crate::audit::verify(&path, &key().verifying_key(), &[]).expect("verifies");
    }

    #[test]
    fn two_writers_on_one_file_form_one_chain() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = || crate::keys::SigningKey::from_bytes([1; 32]);
        let o = || opts().checkpoint_every(3);
        let (a, _) = AuditLog::open(dir.path(), key(), o()).expect("opens");
        let (b, report) = AuditLog::open(dir.path(), key(), o()).expect("a second writer opens");
        assert_eq!(report.entries, 2, "a's open left genesis and creation checkpoint; nothing to seal");
        let mut seqs = Vec::new();
        for i in 0..10 {
            let log = if i % 3 == 0 { &a } else { &b };
            seqs.push(log.append(&AuditEvent::new(EventKind::Sealed)).expect("appends"));
        }
        // Gapless across both writers, with a checkpoint after every 3 entries of the whole file (5, 9, 13),
        // whichever writer appended the third.
        let expected = vec![2, 3, 4, 6, 7, 8, 10, 11, 12, 14];
        assert_eq!(seqs, expected);
        assert_eq!(a.entry_count().expect("count"), b.entry_count().expect("count"));
        a.close().expect("closes");
        b.close().expect("closes");
        let r = crate::audit::verify(&dir.path().join(LOG_FILE_NAME), &key().verifying_key(), &[]).expect("verifies");
        drop(r);
    }

    #[test]
    fn a_writer_refuses_a_replayed_line_it_did_not_write() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, _) = AuditLog::open(dir.path(), crate::keys::SigningKey::from_bytes([1; 32]), opts()).expect("opens");
        a.append(&AuditEvent::new(EventKind::Sealed)).expect("appends");
        // Someone without the key appends a copy of the last entry: it does not chain, so nothing is written after it.
        let path = dir.path().join(LOG_FILE_NAME);
        let bytes = std::fs::read(&path).expect("reads");
        let last = bytes[..bytes.len() - 1].iter().rposition(|&b| b == b'\n').expect("lines") + 1;
        let forged = bytes[last..].to_vec();
        OpenOptions::new().append(true).open(&path).expect("opens").write_all(&forged).expect("writes");
        let err = a.append(&AuditEvent::new(EventKind::Opened)).expect_err("refused");
        assert!(matches!(err, Error::AuditTampered { .. }), "{err}");
        assert!(matches!(a.append(&AuditEvent::new(EventKind::Opened)), Err(Error::AuditWrite(_))), "poisoned");
    }

    #[test]
    fn an_empty_line_between_writers_is_refused_not_skipped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, _) = AuditLog::open(dir.path(), crate::keys::SigningKey::from_bytes([1; 32]), opts()).expect("opens");
        let (b, _) = AuditLog::open(dir.path(), crate::keys::SigningKey::from_bytes([1; 32]), opts()).expect("opens");
        b.append(&AuditEvent::new(EventKind::Sealed)).expect("appends");
        OpenOptions::new().append(true).open(a.path()).expect("opens").write_all(b"\n").expect("writes");
        b.append(&AuditEvent::new(EventKind::Sealed)).expect_err("b will not chain past an empty line");
        let err = a.append(&AuditEvent::new(EventKind::Opened)).expect_err("neither will a");
        assert!(matches!(err, Error::AuditMalformed { .. }), "{err}");
    }

    #[test]
    fn a_writer_catches_up_after_a_long_absence() {
        // More than one read's worth (256 KiB) appended by the other writer: followed by streaming, still verified.
        let dir = tempfile::tempdir().expect("tempdir");
        let key = || crate::keys::SigningKey::from_bytes([1; 32]);
        let (a, _) = AuditLog::open(dir.path(), key(), opts().checkpoint_every(10)).expect("opens");
        let (b, _) = AuditLog::open(dir.path(), key(), opts().checkpoint_every(10)).expect("opens");
        let big = "y".repeat(1000);
        for i in 0..30 {
            let mut e = AuditEvent::new(EventKind::Opened);
            for d in 0..16 {
                e = e.detail(&format!("d{d:02}"), &format!("{i}{big}"));
            }
            b.append(&e).expect("appends");
        }
        let seq = a.append(&AuditEvent::new(EventKind::Sealed)).expect("a follows and appends");
        assert_eq!(seq, b.entry_count().expect("count") - 1);
        assert_eq!(a.latest_anchor(), b.latest_anchor(), "a knows the checkpoints b wrote");
        a.close().expect("closes");
        b.close().expect("closes");
        crate::audit::verify(&dir.path().join(LOG_FILE_NAME), &key().verifying_key(), &[]).expect("verifies");
    }
}
