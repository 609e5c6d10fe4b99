//! Building and signing the next entries of a chain, whatever stores them: the one place entries are made.
//!
//! The file log (`log.rs`) and the PostgreSQL log (`postgres.rs`) differ in where the head of the chain comes from
//! (the file's end under its `flock`; the head row under `SELECT ... FOR UPDATE`) and where the lines go; what a line
//! holds, how it is hashed and authenticated, what a checkpoint or an erasure certificate signs, and what the genesis
//! entry names are decided here, once. This module never does I/O.

use std::sync::Arc;

use super::anchor::Anchor;
use super::entry::{Digest, FORMAT_NAME, LOG_ID_LEN, ZERO_DIGEST, checkpoint_message, encode, to_hex};
use super::erasure::{CertBody, ErasureCertificate};
use super::event::{AuditEvent, EventKind};
use crate::error::Result;
use crate::vocabulary::time::Clock;
use crate::vocabulary::{CaseRef, KeyId};

/// Where a chain stands: the entry the next one follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Head {
    /// Entries in the log (the next sequence number).
    pub(crate) next: u64,
    /// Hash of the last entry ([`ZERO_DIGEST`] before the genesis entry).
    pub(crate) hash: Digest,
    /// Entries since the last checkpoint.
    pub(crate) since_checkpoint: u64,
    /// The last checkpoint written or verified, as an anchor.
    pub(crate) last_anchor: Option<Anchor>,
}

impl Head {
    /// Before the genesis entry.
    pub(crate) fn empty() -> Self {
        Self { next: 0, hash: ZERO_DIGEST, since_checkpoint: 0, last_anchor: None }
    }
}

/// Makes entries: the audit key (in locked, undumpable memory, docs/MEMORY.md), the log id and the clock.
pub(crate) struct ChainWriter {
    key: crate::keys::SigningKey,
    log_id: [u8; LOG_ID_LEN],
    clock: Arc<dyn Clock>,
}

impl ChainWriter {
    pub(crate) fn new(key: crate::keys::SigningKey, log_id: [u8; LOG_ID_LEN], clock: Arc<dyn Clock>) -> Self {
        Self { key, log_id, clock }
    }

    /// Make entries for this log from now on (opening found an existing log, or lost the race to create one).
    pub(crate) fn set_log_id(&mut self, log_id: [u8; LOG_ID_LEN]) {
        self.log_id = log_id;
    }

    pub(crate) fn log_id(&self) -> [u8; LOG_ID_LEN] {
        self.log_id
    }

    pub(crate) fn verifying_key(&self) -> ed25519_dalek::VerifyingKey {
        *self.key.verifying_key().dalek()
    }

    /// Sign a Merkle checkpoint's note text (`merkle.rs`; its texts begin with `custodia.audit/`, never a
    /// `custodia/audit/v2/…` message, docs/AUDIT.md §12).
    pub(crate) fn sign_note(&self, text: &super::merkle::NoteText) -> Result<[u8; 64]> {
        self.key.sign(text.as_bytes())
    }

    /// The next entry after `head` (the line, without newline), and `head` moved past it. The time is the event's
    /// own, else the clock's.
    pub(crate) fn entry(
        &self,
        head: &mut Head,
        event: &AuditEvent,
        sig: Option<&ed25519_dalek::Signature>,
    ) -> Result<String> {
        let time = event.time.unwrap_or_else(|| self.clock.now());
        let (line, hash) = encode(head.next, time, event, sig, &head.hash, &self.log_id, &self.key)?;
        head.next += 1;
        head.hash = hash;
        head.since_checkpoint += 1;
        Ok(line)
    }

    /// The genesis entry of a new log (at `head`, which must be [`Head::empty`]).
    pub(crate) fn genesis(&self, head: &mut Head) -> Result<String> {
        let e = AuditEvent::new(EventKind::Genesis)
            .detail("audit_key", &to_hex(&self.key.verifying_key().to_bytes()))
            .detail("format", FORMAT_NAME)
            .detail("log_id", &to_hex(&self.log_id));
        self.entry(head, &e, None)
    }

    /// A checkpoint covering every entry up to `head`: its line, and `head` moved past it with the checkpoint as its
    /// last anchor.
    pub(crate) fn checkpoint(&self, head: &mut Head) -> Result<(String, Anchor)> {
        let (count, covered) = (head.next, head.hash);
        let sig =
            ed25519_dalek::Signature::from_bytes(&self.key.sign(&checkpoint_message(&self.log_id, count, &covered))?);
        let line = self.entry(head, &AuditEvent::new(EventKind::Checkpoint), Some(&sig))?;
        head.since_checkpoint = 0;
        let anchor = Anchor::new(self.log_id, count, covered, sig);
        head.last_anchor = Some(anchor.clone());
        Ok((line, anchor))
    }

    /// An erasure certificate for `keys` as the next entry: its line, and the certificate.
    pub(crate) fn erasure(
        &self,
        head: &mut Head,
        keys: &[KeyId],
        case: Option<&CaseRef>,
        reason: &str,
        envelopes: Option<u64>,
    ) -> Result<(String, ErasureCertificate)> {
        let time = self.clock.now();
        let body = CertBody::new(
            &self.log_id,
            head.next,
            time,
            case.cloned(),
            keys.to_vec(),
            reason.to_owned(),
            envelopes,
            &self.key.verifying_key(),
        );
        let sig = ed25519_dalek::Signature::from_bytes(&self.key.sign(&body.message()?)?);
        let mut e = AuditEvent::new(EventKind::Erasure).at(time).keys(keys.iter().copied()).detail("reason", reason);
        if let Some(c) = case {
            e = e.case(c);
        }
        if let Some(n) = envelopes {
            e = e.detail("envelopes", &n.to_string());
        }
        let line = self.entry(head, &e, Some(&sig))?;
        Ok((line, ErasureCertificate::new(body, sig.to_bytes())))
    }

    /// Whether a checkpoint is due after an append (see `AuditOptions::checkpoint_every`).
    pub(crate) fn checkpoint_due(head: &Head, every: u64) -> bool {
        every > 0 && head.since_checkpoint >= every
    }
}
