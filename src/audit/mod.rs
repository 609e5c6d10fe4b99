//! The tamper-evident audit log: every seal, open, refusal, share and key event, hash-chained and each signed.
//!
//! This module owns audit events and where they go. It never sees plaintext or key material (only key *ids*), and
//! it never lets an operation proceed on an unrecorded event: [`AuditLog::append`] returns `Ok` only once the entry
//! is durable, and the caller refuses the operation otherwise (fail closed).
//!
//! - [`AuditEvent`]: what happened, built with chained setters.
//! - [`AuditLog`]: the default sink, a file of one JSON entry per line, each carrying the hash of the previous
//!   one and the audit key's Ed25519 signature, with signed checkpoints every N entries and on close; opening
//!   verifies the log from its last checkpoint (or an [`AuditPin`](crate::AuditPin) kept elsewhere) before writing anything; crash
//!   recovery on open; group commit.
//! - [`verify`]: checks a log file with the audit public key ([`VerifyingKey`], parsed from the text form
//!   [`crate::Custodian::audit_public_key`] exports) and optional external [`Anchor`]s; no other crate is needed.
//! - [`ErasureCertificate`]: a signed record that keys were destroyed, verifiable with the public key alone.
//! - [`LogTree`], [`MerkleCheckpoint`], [`InclusionBundle`], [`ConsistencyProof`]: the log as an RFC 6962 Merkle
//!   tree, with C2SP signed-note checkpoints, inclusion proofs that show one entry to someone holding only the audit
//!   public key ([`verify_inclusion_bundle`]), and consistency proofs that show the log only grew.
//! - [`query`] / [`write_csv`]: what a data-protection officer reads.
//! - [`AuditSink`], [`MemorySink`], [`FanOut`]: where events go.
//!
//! The format is specified in `docs/AUDIT.md`, so that another implementation can verify a log.
//!
//! ```
//! use std::sync::Arc;
//! use custodia::audit::{AuditEvent, AuditLog, AuditOptions, EventKind, SigningKey, VerifyingKey, verify};
//! use custodia::{CaseRef, FixedClock, Timestamp};
//!
//! # fn main() -> custodia::Result<()> {
//! let dir = tempfile::tempdir()?;
//! let key = SigningKey::from_bytes([7; 32]);
//! // The text form a custodian's `audit_public_key` exports, read back: all an offline verifier needs.
//! let public: VerifyingKey = key.verifying_key().to_string().parse()?;
//! let clock = Arc::new(FixedClock::new(Timestamp::from_date(2026, 11, 23)?));
//! let (log, _report) = AuditLog::open(dir.path(), key, AuditOptions::with_clock(clock))?;
//! let seq = log.append(&AuditEvent::new(EventKind::Sealed).case(&CaseRef::parse("MLA-2026-0042")?))?;
//! assert_eq!(seq, 2); // entry 0 is the genesis entry, entry 1 the creation checkpoint
//! let anchor = log.close()?; // a signed checkpoint; hand it to another authority
//! let report = verify(log.path(), &public, &[anchor])?;
//! assert_eq!((report.entries, report.checkpoints, report.unsealed_tail), (4, 2, 0));
//! # Ok(()) }
//! ```

mod anchor;
mod chain;
pub(crate) mod entry;
mod erasure;
mod event;
mod log;
mod merkle;
#[cfg(feature = "postgres")]
mod postgres;
mod query;
mod verify;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The Ed25519 key types the audit layer signs and verifies with: the same types as [`crate::format::SigningKey`] and
/// [`crate::format::VerifyingKey`], named here too so that an offline verifier needs only this module.
pub use crate::keys::{SigningKey, VerifyingKey};
pub use anchor::{ANCHOR_TYPE, Anchor, Witness, parse_audit_key};
pub use entry::{Digest, FORMAT_NAME, LOG_ID_LEN, LogEntry, MAX_LINE_LEN};
pub(crate) use erasure::CertBody;
pub use erasure::{ERASURE_TYPE, ErasureCertificate, MAX_REASON_LEN};
pub use event::{
    AuditEvent, EventKind, ExceptionRecord, MAX_DETAIL_ENTRIES, MAX_DETAIL_KEY_LEN, MAX_DETAIL_VALUE_LEN, MAX_KEYS,
    MAX_OBJECT_ID_HEX, Outcome,
};
pub use log::{AuditLog, AuditOptions, CheckpointHook, Durability, LOG_FILE_NAME, OpenReport, Recovery};
pub use merkle::{
    ConsistencyProof, INCLUSION_BUNDLE_HEADER, InclusionBundle, LogTree, MAX_NOTE_LEN, MAX_NOTE_SIGNATURES,
    MAX_TREE_SIZE, MERKLE_ORIGIN_PREFIX, MerkleCheckpoint, MerkleTree, NoteSignature, TLOG_PROOF_HEADER,
    WITNESS_NAME_PREFIX, merkle_origin, note_key_id, verify_consistency, verify_inclusion, verify_inclusion_bundle,
};
#[cfg(feature = "postgres")]
pub use postgres::verify_postgres;
pub use query::{CSV_COLUMNS, Entries, Query, entries, query, write_csv};
pub use verify::{VerifyReport, verify, verify_reader};

use crate::error::{Error, Result};

/// Somewhere audit events go. `record` returns `Ok` only once the event is recorded as durably as the sink
/// promises; on `Err` the caller must refuse the operation it was recording.
pub trait AuditSink: Send + Sync {
    /// Record one event.
    ///
    /// # Errors
    /// [`Error::AuditWrite`] (or another error) when the event could not be recorded.
    fn record(&self, event: &AuditEvent) -> Result<()>;
}

impl AuditSink for AuditLog {
    fn record(&self, event: &AuditEvent) -> Result<()> {
        self.append(event).map(|_| ())
    }
}

impl<S: AuditSink + ?Sized> AuditSink for Arc<S> {
    fn record(&self, event: &AuditEvent) -> Result<()> {
        (**self).record(event)
    }
}

/// An in-memory sink for tests: keeps every event; can be told to fail, to test that callers fail closed.
#[derive(Debug, Default)]
pub struct MemorySink {
    events: Mutex<Vec<AuditEvent>>,
    failing: std::sync::atomic::AtomicBool,
}

impl MemorySink {
    /// An empty sink that records.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Make every later `record` fail with [`Error::AuditWrite`] (or succeed again).
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    /// A copy of the events recorded so far.
    #[must_use]
    pub fn events(&self) -> Vec<AuditEvent> {
        self.events.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl AuditSink for MemorySink {
    fn record(&self, event: &AuditEvent) -> Result<()> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(Error::AuditWrite("memory sink set to fail".into()));
        }
        event.validate()?;
        self.events.lock().map_err(|_| Error::AuditWrite("memory sink lock poisoned".into()))?.push(event.clone());
        Ok(())
    }
}

/// Records to a primary sink (the durable log) and then forwards to secondary sinks (e.g. a SIEM forwarder).
///
/// The primary decides: if it fails, `record` fails and no secondary sees the event (a SIEM never shows an event
/// the log lacks). A failing secondary does **not** fail `record` by default: the log is the record of
/// accountability, and a SIEM outage must not halt casework. Failures are counted ([`FanOut::secondary_failures`])
/// for the host to alert on, and the SIEM can be re-fed from the log with [`query`]. Use
/// [`FanOut::require_secondaries`] when a secondary must be as binding as the primary.
pub struct FanOut {
    primary: Arc<dyn AuditSink>,
    secondaries: Vec<Arc<dyn AuditSink>>,
    strict: bool,
    secondary_failures: AtomicU64,
}

impl core::fmt::Debug for FanOut {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FanOut")
            .field("secondaries", &self.secondaries.len())
            .field("strict", &self.strict)
            .field("secondary_failures", &self.secondary_failures())
            .finish_non_exhaustive()
    }
}

impl FanOut {
    /// A fan-out with this primary and no secondaries yet.
    #[must_use]
    pub fn new(primary: Arc<dyn AuditSink>) -> Self {
        Self { primary, secondaries: Vec::new(), strict: false, secondary_failures: AtomicU64::new(0) }
    }

    /// Add a secondary sink.
    #[must_use]
    pub fn with_secondary(mut self, sink: Arc<dyn AuditSink>) -> Self {
        self.secondaries.push(sink);
        self
    }

    /// Make a failing secondary fail `record` too (after the primary has recorded the event).
    #[must_use]
    pub fn require_secondaries(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// How many secondary `record` calls have failed.
    #[must_use]
    pub fn secondary_failures(&self) -> u64 {
        self.secondary_failures.load(Ordering::Relaxed)
    }
}

impl AuditSink for FanOut {
    fn record(&self, event: &AuditEvent) -> Result<()> {
        self.primary.record(event)?;
        let mut first_err = None;
        for s in &self.secondaries {
            if let Err(e) = s.record(event) {
                self.secondary_failures.fetch_add(1, Ordering::Relaxed);
                first_err.get_or_insert(e);
            }
        }
        match first_err {
            Some(e) if self.strict => Err(e),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fan_out_primary_decides_secondary_is_counted() {
        let primary = Arc::new(MemorySink::new());
        let siem = Arc::new(MemorySink::new());
        let fan = FanOut::new(primary.clone()).with_secondary(siem.clone());
        let e = AuditEvent::new(EventKind::Opened);
        siem.set_failing(true);
        fan.record(&e).expect("secondary failure tolerated");
        assert_eq!(fan.secondary_failures(), 1);
        assert_eq!(primary.events().len(), 1);

        primary.set_failing(true);
        siem.set_failing(false);
        assert!(matches!(fan.record(&e), Err(Error::AuditWrite(_))));
        assert!(siem.events().is_empty(), "a secondary never sees what the primary did not record");

        primary.set_failing(false);
        siem.set_failing(true);
        let strict = FanOut::new(primary).with_secondary(siem).require_secondaries(true);
        assert!(strict.record(&e).is_err());
    }

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn sinks_are_send_and_sync() {
        assert_send_sync::<AuditLog>();
        assert_send_sync::<FanOut>();
        assert_send_sync::<MemorySink>();
    }
}
