//! Verification of a log file: chain, hashes, signatures, anchors. Reads only; never repairs.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use ed25519_dalek::VerifyingKey;

use super::anchor::Anchor;
use super::entry::{
    Digest, LOG_ID_LEN, LineReader, LineSource, LogEntry, ZERO_DIGEST, check_auth, checkpoint_message, decode,
    decode_genesis, to_hex,
};
use super::erasure::CertBody;
use super::event::EventKind;
use super::log::genesis_fields;
use crate::error::{Error, Result};

/// What a successful verification checked.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct VerifyReport {
    /// The log's id, lowercase hex.
    pub log_id: String,
    /// Entries checked (hash, chain link, sequence number).
    pub entries: u64,
    /// Checkpoint signatures checked.
    pub checkpoints: u64,
    /// Erasure-certificate signatures checked.
    pub erasures: u64,
    /// `recovery` entries seen (each marks a crash mid-append).
    pub recoveries: u64,
    /// Anchors checked against the log.
    pub anchors: u64,
    /// Sequence number of the last checkpoint.
    pub last_checkpoint: Option<u64>,
    /// **Warning**: entries after the last checkpoint. Each is signed, but no checkpoint covers them: anyone who
    /// can write the file could have cut entries from the end after them (and a cut back to a checkpoint leaves no
    /// trace in the file itself: only the keyring's pin or an anchor held elsewhere proves what came after).
    /// `0` for a cleanly closed log.
    pub unsealed_tail: u64,
    /// Hash of the last entry, lowercase hex.
    pub head: String,
}

/// Verify the log at `path` with the audit public key, and check that it still contains exactly the prefix each
/// anchor names.
///
/// Returns `Ok` only when everything checks. The first problem is an error naming the entry (its position: line
/// number minus one) or the line:
///
/// - [`Error::AuditTampered`]: an entry modified, deleted, inserted or reordered; a bad checkpoint or erasure
///   signature; a prefix that differs from an anchor; a log shorter than an anchor (truncated).
/// - [`Error::AuditMalformed`]: a line that is not an entry (over [`super::MAX_LINE_LEN`] bytes, binary, unknown
///   event kind, non-canonical encoding), or a torn final line (reopen the log with [`super::AuditLog::open`] to
///   recover it first).
/// - [`Error::AuditWrongKey`]: the log was written under another audit key.
///
/// # Errors
/// As above; [`Error::AnchorInvalid`] for an anchor whose signatures do not verify or that belongs to another
/// log; [`Error::Io`] when the file cannot be read.
pub fn verify(path: &Path, audit_key: &crate::keys::VerifyingKey, anchors: &[Anchor]) -> Result<VerifyReport> {
    verify_reader(BufReader::new(File::open(path)?), audit_key, anchors)
}

/// [`verify`] over any buffered reader (a log held in memory, a network stream).
///
/// # Errors
/// As [`verify`].
pub fn verify_reader<R: BufRead>(
    log: R,
    audit_key: &crate::keys::VerifyingKey,
    anchors: &[Anchor],
) -> Result<VerifyReport> {
    verify_lines(LineReader::new(log), audit_key, anchors)
}

/// [`verify`] over the lines of any [`LineSource`]: a file, a reader, the rows of a log in PostgreSQL.
pub(crate) fn verify_lines<S: LineSource>(
    log: S,
    audit_key: &crate::keys::VerifyingKey,
    anchors: &[Anchor],
) -> Result<VerifyReport> {
    for a in anchors {
        a.verify(audit_key)?;
        if a.count() == 0 {
            return Err(Error::InvalidArgument("anchor: covers no entries".into()));
        }
    }
    let audit_key = audit_key.dalek();
    let mut by_count: BTreeMap<u64, Vec<&Anchor>> = BTreeMap::new();
    for a in anchors {
        by_count.entry(a.count()).or_default().push(a);
    }

    let mut entries = ChainReader::new(log, audit_key, TornLine::Error);
    let mut r = VerifyReport {
        log_id: String::new(),
        entries: 0,
        checkpoints: 0,
        erasures: 0,
        recoveries: 0,
        anchors: 0,
        last_checkpoint: None,
        unsealed_tail: 0,
        head: String::new(),
    };
    while let Some(e) = entries.next_entry()? {
        let idx = e.seq;
        if idx == 0 {
            r.log_id = to_hex(&entries.log_id());
            if let Some(a) = anchors.iter().find(|a| a.log_id() != entries.log_id()) {
                return Err(Error::AnchorInvalid(format!(
                    "anchor belongs to log {}, not to log {}",
                    to_hex(&a.log_id()),
                    r.log_id
                )));
            }
        }
        match e.kind() {
            EventKind::Checkpoint => {
                r.checkpoints += 1;
                r.last_checkpoint = Some(e.seq);
                r.unsealed_tail = 0;
            }
            EventKind::Erasure => {
                r.erasures += 1;
                r.unsealed_tail += 1;
            }
            EventKind::Recovery => {
                r.recoveries += 1;
                r.unsealed_tail += 1;
            }
            _ => r.unsealed_tail += 1,
        }
        r.entries += 1;
        for a in by_count.get(&r.entries).into_iter().flatten() {
            if a.head() != e.hash {
                return Err(Error::AuditTampered {
                    entry: idx,
                    reason: format!(
                        "the first {} entries differ from an anchor (history rewritten at or before this entry)",
                        a.count()
                    ),
                });
            }
            r.anchors += 1;
        }
    }
    let chain = entries.finish()?;
    if let Some((&count, _)) = by_count.range(r.entries + 1..).next() {
        return Err(Error::AuditTampered {
            entry: r.entries,
            reason: format!("log truncated: an anchor covers {count} entries, the log has {}", r.entries),
        });
    }
    r.head = to_hex(&chain.head);
    Ok(r)
}

/// What [`ChainReader`] does with a final line that has no newline.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TornLine {
    /// Refuse it ([`verify`]: a torn line must be recovered by opening the log first).
    Error,
    /// Treat it as not yet written (a reader racing a writer mid-append): the entries end before it.
    End,
}

/// The one reader of a log's entries from its first line: each line decoded and checked exactly as [`verify`]
/// checks it (form, hash, chain link, sequence number, entry signature, checkpoint and erasure signatures), and
/// only then handed out. [`verify`] and the Merkle tree builder (`merkle.rs`) both read through it.
pub(crate) struct ChainReader<'k, S> {
    lines: S,
    buf: Vec<u8>,
    key: &'k VerifyingKey,
    torn: TornLine,
    chain: Option<Chain<'k>>,
}

impl<'k, S: LineSource> ChainReader<'k, S> {
    pub(crate) fn new(lines: S, key: &'k VerifyingKey, torn: TornLine) -> Self {
        Self { lines, buf: Vec::new(), key, torn, chain: None }
    }

    /// The next entry, verified; `None` at the end of the log.
    ///
    /// # Errors
    /// As [`verify`], for the entry at hand.
    pub(crate) fn next_entry(&mut self) -> Result<Option<LogEntry>> {
        let Some(line) = self.lines.next_line(&mut self.buf)? else { return Ok(None) };
        if !line.terminated {
            if self.torn == TornLine::End {
                return Ok(None);
            }
            return Err(Error::AuditMalformed {
                line: line.no,
                reason: "torn final line (the writer stopped mid-append); open the log to recover it".into(),
            });
        }
        let e = if line.no == 1 { decode_genesis(&self.buf)? } else { decode(&self.buf, line.no)? };
        match &mut self.chain {
            None => self.chain = Some(Chain::from_genesis(&e, self.key)?),
            Some(c) => c.check(&e)?,
        }
        Ok(Some(e))
    }

    /// The bytes of the line of the entry [`ChainReader::next_entry`] last returned, without its newline.
    pub(crate) fn line(&self) -> &[u8] {
        &self.buf
    }

    /// The log's id (zeros before the genesis entry was read).
    pub(crate) fn log_id(&self) -> [u8; LOG_ID_LEN] {
        self.chain.as_ref().map_or([0; LOG_ID_LEN], |c| c.log_id)
    }

    /// At the end of the log: the chain's final state.
    ///
    /// # Errors
    /// [`Error::AuditMalformed`] for an empty log; [`Error::AuditTampered`] for one cut before its creation
    /// checkpoint.
    pub(crate) fn finish(self) -> Result<Chain<'k>> {
        let Some(chain) = self.chain else {
            return Err(Error::AuditMalformed { line: 1, reason: "the log is empty".into() });
        };
        chain.finish()?;
        Ok(chain)
    }
}

/// The running state of a chain check, shared by [`verify`] (from the genesis entry) and by
/// [`super::AuditLog::open`] (from the last checkpoint): each entry must carry the next sequence number, link to
/// the previous entry's hash, and be signed by the audit key; checkpoints and erasure entries carry a valid
/// signature; entry 1 is the creation checkpoint.
pub(crate) struct Chain<'k> {
    key: &'k VerifyingKey,
    pub(crate) log_id: [u8; LOG_ID_LEN],
    /// The next sequence number expected.
    pub(crate) next: u64,
    /// Hash of the last entry checked.
    pub(crate) head: Digest,
}

impl<'k> Chain<'k> {
    /// Start at the genesis entry (checked here: position, format, key, signature).
    pub(crate) fn from_genesis(e: &LogEntry, key: &'k VerifyingKey) -> Result<Self> {
        if e.seq != 0 {
            return Err(Error::AuditTampered {
                entry: 0,
                reason: format!("sequence number {} where 0 was expected (genesis entry missing)", e.seq),
            });
        }
        if e.prev != ZERO_DIGEST {
            return Err(Error::AuditTampered { entry: 0, reason: "the genesis entry must have a zero prev".into() });
        }
        let (log_id, named) = genesis_fields(e)?;
        if named != key.to_bytes() {
            return Err(Error::AuditWrongKey { expected: to_hex(key.as_bytes()), found: to_hex(&named) });
        }
        check_auth(e, &log_id, key)?;
        Ok(Self { key, log_id, next: 1, head: e.hash })
    }

    /// Start at a checkpoint entry (checked here: signature, entry signature); entries before it are trusted.
    pub(crate) fn from_checkpoint(e: &LogEntry, log_id: [u8; LOG_ID_LEN], key: &'k VerifyingKey) -> Result<Self> {
        let mut c = Self { key, log_id, next: e.seq, head: e.prev };
        if e.kind() != EventKind::Checkpoint {
            return Err(Error::AuditTampered { entry: e.seq, reason: "not a checkpoint entry".into() });
        }
        c.check(e)?;
        Ok(c)
    }

    /// Continue after an entry already verified: `next` is its sequence number + 1, `head` its hash. Used by a
    /// writer to verify what other writers appended since it last looked.
    pub(crate) fn resume(key: &'k VerifyingKey, log_id: [u8; LOG_ID_LEN], next: u64, head: Digest) -> Self {
        Self { key, log_id, next, head }
    }

    /// Check the next entry.
    pub(crate) fn check(&mut self, e: &LogEntry) -> Result<()> {
        let idx = self.next;
        let tampered = |reason: String| Error::AuditTampered { entry: idx, reason };
        if e.seq != idx {
            return Err(tampered(format!(
                "sequence number {} where {idx} was expected (entries deleted, inserted or reordered)",
                e.seq
            )));
        }
        if e.prev != self.head {
            return Err(tampered(format!(
                "prev does not match the hash of entry {} (entries deleted, inserted or reordered)",
                idx.saturating_sub(1)
            )));
        }
        check_auth(e, &self.log_id, self.key)?;
        let needs_sig = matches!(e.kind(), EventKind::Checkpoint | EventKind::Erasure);
        if needs_sig != e.sig.is_some() {
            return Err(tampered(format!(
                "a {} entry {} a signature",
                e.kind(),
                if needs_sig { "needs" } else { "must not carry" }
            )));
        }
        if idx == 1 && e.kind() != EventKind::Checkpoint {
            return Err(tampered("entry 1 must be the creation checkpoint".into()));
        }
        match (e.kind(), &e.sig) {
            (EventKind::Genesis, _) => return Err(tampered("a second genesis entry".into())),
            (EventKind::Checkpoint, Some(sig)) => {
                self.key
                    .verify_strict(
                        &checkpoint_message(&self.log_id, e.seq, &e.prev),
                        &ed25519_dalek::Signature::from_bytes(sig),
                    )
                    .map_err(|_| tampered("checkpoint signature does not verify".into()))?;
            }
            (EventKind::Erasure, Some(sig)) => {
                let envelopes = match e.event.detail.get("envelopes") {
                    None => None,
                    Some(n) => Some(n.parse().map_err(|_| tampered("erasure envelopes is not a number".into()))?),
                };
                let body = CertBody::new(
                    &self.log_id,
                    e.seq,
                    e.time,
                    e.event.case.clone(),
                    e.event.keys.clone(),
                    e.event.detail.get("reason").cloned().unwrap_or_default(),
                    envelopes,
                    &crate::keys::VerifyingKey::from_dalek(*self.key),
                );
                self.key
                    .verify_strict(&body.message()?, &ed25519_dalek::Signature::from_bytes(sig))
                    .map_err(|_| tampered("erasure certificate signature does not verify".into()))?;
            }
            _ => {}
        }
        self.next += 1;
        self.head = e.hash;
        Ok(())
    }

    /// At the end of the file: a log that stops before its creation checkpoint was truncated.
    pub(crate) fn finish(&self) -> Result<()> {
        if self.next < 2 {
            return Err(Error::AuditTampered {
                entry: 1,
                reason: "log truncated: the creation checkpoint after the genesis entry is missing".into(),
            });
        }
        Ok(())
    }
}
