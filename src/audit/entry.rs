//! The bytes of one log line: canonical encoding, the entry hash, and the signed messages.
//!
//! This module knows bytes, not files or policy. Every rule here is restated in `docs/AUDIT.md` so that the log can
//! be verified by an independent implementation.

use std::collections::BTreeMap;
use std::io::BufRead;

use sha2::{Digest as _, Sha256};

use super::event::{AuditEvent, EventKind, ExceptionRecord, Outcome};
use crate::error::{Error, Result};
use crate::vocabulary::KeyId;
use crate::vocabulary::purpose::{Purpose, PurposeSet};
use crate::vocabulary::sensitive::{Category, Classification};
use crate::vocabulary::time::Timestamp;
use crate::vocabulary::{Actor, CaseRef};

/// Longest line the log writes or reads, newline excluded: 64 KiB.
pub const MAX_LINE_LEN: usize = 64 * 1024;

/// A SHA-256 digest: entry hashes and chain links.
pub type Digest = [u8; 32];

/// Length of a log id in bytes.
pub const LOG_ID_LEN: usize = 16;

/// The value of the genesis entry's `format` detail.
pub const FORMAT_NAME: &str = "custodia-audit/2";

pub(crate) const DOMAIN_ENTRY: &[u8] = b"custodia/audit/v2/entry";
pub(crate) const DOMAIN_AUTH: &[u8] = b"custodia/audit/v2/auth";
pub(crate) const DOMAIN_CHECKPOINT: &[u8] = b"custodia/audit/v2/checkpoint";
pub(crate) const DOMAIN_WITNESS: &[u8] = b"custodia/audit/v2/witness";
pub(crate) const DOMAIN_ERASURE: &[u8] = b"custodia/audit/v2/erasure";

/// The `prev` of the genesis entry.
pub(crate) const ZERO_DIGEST: Digest = [0; 32];

/// What follows the body in every line: `,"hash":"` + 64 hex digits + `","auth":"` + 128 hex digits + `"}`.
const SUFFIX_LEN: usize = HASH_AT + 64 + 10 + 128 + 2;
/// Offset of the hash digits in the suffix.
const HASH_AT: usize = 9;
/// Offset of the auth digits in the suffix.
const AUTH_AT: usize = HASH_AT + 64 + 10;

/// One decoded log entry: an event with its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogEntry {
    /// Sequence number, from 0 (the genesis entry).
    pub seq: u64,
    /// When the log wrote it.
    pub time: Timestamp,
    /// The event (its `time` is `Some(self.time)`).
    pub event: AuditEvent,
    /// The Ed25519 signature of a checkpoint or erasure entry.
    pub sig: Option<[u8; 64]>,
    /// Hash of the previous entry (zeros for the genesis entry).
    pub prev: Digest,
    /// This entry's hash, as stored (checked against the recomputed one when decoded).
    pub hash: Digest,
    /// The audit key's signature over the entry hash (see `docs/AUDIT.md` §3). Decoding does not check it (it
    /// needs the log id and the key); [`crate::audit::verify`] and [`crate::audit::AuditLog::open`] do.
    pub auth: [u8; 64],
}

impl LogEntry {
    /// The event kind.
    #[must_use]
    pub fn kind(&self) -> EventKind {
        self.event.kind
    }
}

/// The on-disk field order. Changing it changes every hash: it is part of the format.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    seq: u64,
    time: Timestamp,
    kind: EventKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    actor: Option<Actor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    object: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    case: Option<CaseRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    category: Option<Category>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    classification: Option<Classification>,
    #[serde(default, skip_serializing_if = "PurposeSet::is_empty")]
    purposes: PurposeSet,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    purpose: Option<Purpose>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exception: Option<ExceptionRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    keys: Vec<KeyId>,
    outcome: Outcome,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    detail: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sig: Option<String>,
    prev: String,
}

/// Encode an entry and authenticate it with the audit key: returns the line (without newline) and its hash.
pub(crate) fn encode(
    seq: u64,
    time: Timestamp,
    event: &AuditEvent,
    sig: Option<&ed25519_dalek::Signature>,
    prev: &Digest,
    log_id: &[u8; LOG_ID_LEN],
    key: &crate::keys::SigningKey,
) -> Result<(String, Digest)> {
    let wire = Wire {
        seq,
        time,
        kind: event.kind,
        actor: event.actor.clone(),
        object: event.object.clone(),
        case: event.case.clone(),
        category: event.category,
        classification: event.classification,
        purposes: event.purposes.clone(),
        purpose: event.purpose.clone(),
        exception: event.exception.clone(),
        keys: event.keys.clone(),
        outcome: event.outcome.clone(),
        detail: event.detail.clone(),
        sig: sig.map(|s| to_hex(&s.to_bytes())),
        prev: to_hex(prev),
    };
    let body = serde_json::to_string(&wire).map_err(|e| Error::Internal(format!("audit encoding: {e}")))?;
    let hash = entry_hash(body.as_bytes());
    let auth = ed25519_dalek::Signature::from_bytes(&key.sign(&auth_message(log_id, &hash))?);
    let mut line = body;
    line.reserve_exact(SUFFIX_LEN);
    line.pop(); // the closing brace; the hash and auth members go last
    line.push_str(",\"hash\":\"");
    line.push_str(&to_hex(&hash));
    line.push_str("\",\"auth\":\"");
    line.push_str(&to_hex(&auth.to_bytes()));
    line.push_str("\"}");
    if line.len() > MAX_LINE_LEN {
        return Err(Error::InvalidArgument(format!("audit entry would exceed {MAX_LINE_LEN} bytes")));
    }
    Ok((line, hash))
}

/// Decode and self-check one line (without its newline). `line_no` is 1-based; errors name it, and tamper errors
/// name entry `line_no - 1`, the position the entry should hold.
pub(crate) fn decode(line: &[u8], line_no: u64) -> Result<LogEntry> {
    let malformed = |reason: String| Error::AuditMalformed { line: line_no, reason };
    if line.len() > MAX_LINE_LEN {
        return Err(malformed(format!("line longer than {MAX_LINE_LEN} bytes")));
    }
    let text = core::str::from_utf8(line).map_err(|_| malformed("not UTF-8 text (binary data)".into()))?;
    if text.len() < SUFFIX_LEN + 2
        || !text.ends_with("\"}")
        // ASCII, so that every slice of the suffix below falls on a character boundary (a hostile line with a
        // multi-byte character among the hash digits made the verifier panic: found by the `audit_verify` fuzz target).
        || !line[line.len() - SUFFIX_LEN..].is_ascii()
        || !text[text.len() - SUFFIX_LEN..].starts_with(",\"hash\":\"")
        || !text[text.len() - SUFFIX_LEN + HASH_AT + 64..].starts_with("\",\"auth\":\"")
    {
        return Err(malformed("not an audit entry: it must end with the \"hash\" and \"auth\" members".into()));
    }
    let split = text.len() - SUFFIX_LEN;
    let stored = from_hex::<32>(&text[split + HASH_AT..split + HASH_AT + 64])
        .ok_or_else(|| malformed("hash is not 64 lowercase hex digits".into()))?;
    let auth = from_hex::<64>(&text[split + AUTH_AT..text.len() - 2])
        .ok_or_else(|| malformed("auth is not 128 lowercase hex digits".into()))?;
    let mut body = String::with_capacity(split + 1);
    body.push_str(&text[..split]);
    body.push('}');
    let wire: Wire = serde_json::from_str(&body).map_err(|e| {
        let msg = e.to_string();
        if msg.contains("unknown variant") && msg.contains("genesis") {
            malformed(format!("unknown event kind: {msg}"))
        } else {
            malformed(format!("invalid entry: {msg}"))
        }
    })?;
    let canonical = serde_json::to_string(&wire).map_err(|e| Error::Internal(format!("audit encoding: {e}")))?;
    if canonical != body {
        return Err(malformed("entry is not in canonical form".into()));
    }
    if entry_hash(body.as_bytes()) != stored {
        return Err(Error::AuditTampered {
            entry: line_no.saturating_sub(1),
            reason: "entry hash does not match its content (entry modified)".into(),
        });
    }
    let prev = from_hex::<32>(&wire.prev).ok_or_else(|| malformed("prev is not 64 lowercase hex digits".into()))?;
    let sig = match &wire.sig {
        None => None,
        Some(h) => Some(from_hex::<64>(h).ok_or_else(|| malformed("sig is not 128 lowercase hex digits".into()))?),
    };
    let event = AuditEvent {
        kind: wire.kind,
        time: Some(wire.time),
        actor: wire.actor,
        object: wire.object,
        case: wire.case,
        category: wire.category,
        classification: wire.classification,
        purposes: wire.purposes,
        purpose: wire.purpose,
        exception: wire.exception,
        keys: wire.keys,
        outcome: wire.outcome,
        detail: wire.detail,
    };
    // The limits `append` enforces hold for what is read back, too (a verifier meets hostile files).
    event.validate().map_err(|e| malformed(format!("invalid entry: {e}")))?;
    Ok(LogEntry { seq: wire.seq, time: wire.time, event, sig, prev, hash: stored, auth })
}

/// Decode the first line, telling a log of another format version (which fails to decode as this one) apart from a
/// damaged line: a line naming another `"format"` is [`Error::AuditUnsupportedFormat`].
pub(crate) fn decode_genesis(line: &[u8]) -> Result<LogEntry> {
    decode(line, 1).map_err(|e| {
        // Only a line that does not even have this format's shape is another format; a line of this shape whose
        // hash does not match was altered (e.g. its format renamed) and stays `AuditTampered`.
        if !matches!(e, Error::AuditMalformed { .. }) {
            return e;
        }
        const MARK: &[u8] = b"\"format\":\"";
        let found = line
            .windows(MARK.len())
            .position(|w| w == MARK)
            .map(|i| &line[i + MARK.len()..])
            .and_then(|rest| rest.iter().position(|&b| b == b'"').map(|end| &rest[..end.min(64)]))
            .and_then(|v| core::str::from_utf8(v).ok())
            .filter(|v| {
                v.strip_prefix("custodia-audit/")
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                    && *v != FORMAT_NAME
            });
        match found {
            Some(v) => Error::AuditUnsupportedFormat(v.to_owned()),
            None => e,
        }
    })
}

/// Check an entry's `auth` signature: the audit key's Ed25519 signature (strict) over [`auth_message`].
///
/// # Errors
/// [`Error::AuditTampered`] naming the entry when it does not verify.
pub(crate) fn check_auth(e: &LogEntry, log_id: &[u8; LOG_ID_LEN], key: &ed25519_dalek::VerifyingKey) -> Result<()> {
    key.verify_strict(&auth_message(log_id, &e.hash), &ed25519_dalek::Signature::from_bytes(&e.auth)).map_err(|_| {
        Error::AuditTampered {
            entry: e.seq,
            reason: "entry signature does not verify (entry forged or re-chained without the audit key)".into(),
        }
    })
}

/// What the audit key signs for every entry: `"custodia/audit/v2/auth" || 0x00 || log_id || hash` (71 bytes).
pub(crate) fn auth_message(log_id: &[u8; LOG_ID_LEN], hash: &Digest) -> [u8; 71] {
    let mut m = [0u8; 71];
    m[..22].copy_from_slice(DOMAIN_AUTH);
    m[23..39].copy_from_slice(log_id);
    m[39..].copy_from_slice(hash);
    m
}

/// Whether a line is, by its canonical prefix, a checkpoint entry: `{"seq":<digits>,"time":<digits>,"kind":"checkpoint"`.
/// A cheap test for scanning backwards; the line is decoded and checked in full afterwards.
pub(crate) fn looks_like_checkpoint(line: &[u8]) -> bool {
    fn digits(s: &[u8]) -> usize {
        s.iter().take_while(|b| b.is_ascii_digit()).count()
    }
    let Some(rest) = line.strip_prefix(b"{\"seq\":") else { return false };
    let rest = &rest[digits(rest)..];
    let Some(rest) = rest.strip_prefix(b",\"time\":") else { return false };
    let rest = &rest[digits(rest)..];
    rest.starts_with(b",\"kind\":\"checkpoint\"")
}

/// `SHA-256(DOMAIN_ENTRY || 0x00 || body)`.
pub(crate) fn entry_hash(body: &[u8]) -> Digest {
    let mut h = Sha256::new();
    h.update(DOMAIN_ENTRY);
    h.update([0u8]);
    h.update(body);
    h.finalize().into()
}

/// What the audit key signs for a checkpoint covering the first `count` entries, whose last has hash `head`.
pub(crate) fn checkpoint_message(log_id: &[u8; LOG_ID_LEN], count: u64, head: &Digest) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN_CHECKPOINT.len() + 1 + LOG_ID_LEN + 8 + 32);
    m.extend_from_slice(DOMAIN_CHECKPOINT);
    m.push(0);
    m.extend_from_slice(log_id);
    m.extend_from_slice(&count.to_be_bytes());
    m.extend_from_slice(head);
    m
}

/// Lowercase hex.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// Exactly `2 * N` lowercase hex digits.
pub(crate) fn from_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let b = s.as_bytes();
    if b.len() != 2 * N {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = (nibble(b[2 * i])? << 4) | nibble(b[2 * i + 1])?;
    }
    Some(out)
}

/// Reads lines of at most [`MAX_LINE_LEN`] bytes, never buffering more than that (a huge line is an error, not an
/// allocation).
pub(crate) struct LineReader<R> {
    inner: R,
    line_no: u64,
}

/// One line as read.
pub(crate) struct Line {
    /// 1-based line number.
    pub(crate) no: u64,
    /// Whether it ended with a newline (a missing one means a torn write).
    pub(crate) terminated: bool,
}

/// Where the lines of a log come from, in order: a file or any reader ([`LineReader`]), or the rows of a log in
/// PostgreSQL. The verifier and the readers take lines from any of them the same way.
pub(crate) trait LineSource {
    /// Read the next line into `buf` (cleared first, newline stripped); `None` at the end of the log.
    fn next_line(&mut self, buf: &mut Vec<u8>) -> Result<Option<Line>>;
}

impl<T: LineSource + ?Sized> LineSource for &mut T {
    fn next_line(&mut self, buf: &mut Vec<u8>) -> Result<Option<Line>> {
        (**self).next_line(buf)
    }
}

impl<R: BufRead> LineSource for LineReader<R> {
    fn next_line(&mut self, buf: &mut Vec<u8>) -> Result<Option<Line>> {
        LineReader::next_line(self, buf)
    }
}

impl<R: BufRead> LineReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self { inner, line_no: 0 }
    }

    /// Read the next line into `buf` (cleared first, newline stripped); `None` at end of input.
    pub(crate) fn next_line(&mut self, buf: &mut Vec<u8>) -> Result<Option<Line>> {
        buf.clear();
        self.line_no += 1;
        loop {
            let avail = self.inner.fill_buf()?;
            if avail.is_empty() {
                return Ok(if buf.is_empty() { None } else { Some(Line { no: self.line_no, terminated: false }) });
            }
            let (take, done) = match avail.iter().position(|&b| b == b'\n') {
                Some(i) => (i, true),
                None => (avail.len(), false),
            };
            if buf.len() + take > MAX_LINE_LEN {
                return Err(Error::AuditMalformed {
                    line: self.line_no,
                    reason: format!("line longer than {MAX_LINE_LEN} bytes"),
                });
            }
            buf.extend_from_slice(&avail[..take]);
            self.inner.consume(take + usize::from(done));
            if done {
                return Ok(Some(Line { no: self.line_no, terminated: true }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_is_strict() {
        assert_eq!(to_hex(&[0x00, 0xab, 0xff]), "00abff");
        assert_eq!(from_hex::<3>("00abff"), Some([0x00, 0xab, 0xff]));
        assert_eq!(from_hex::<3>("00ABff"), None);
        assert_eq!(from_hex::<3>("00abf"), None);
    }

    #[test]
    fn encode_decode_round_trip() {
        let e = AuditEvent::new(EventKind::Sealed).object(&[7; 16]).detail("k", "v \"quoted\" é");
        let key = crate::keys::SigningKey::from_bytes([3; 32]);
        let (line, hash) = encode(3, Timestamp::from_unix(99), &e, None, &[1; 32], &[9; 16], &key).expect("encodes");
        let d = decode(line.as_bytes(), 4).expect("decodes");
        check_auth(&d, &[9; 16], key.verifying_key().dalek()).expect("signed");
        assert!(check_auth(&d, &[8; 16], key.verifying_key().dalek()).is_err(), "bound to the log id");
        assert!(!looks_like_checkpoint(line.as_bytes()));
        assert_eq!(d.seq, 3);
        assert_eq!(d.hash, hash);
        assert_eq!(d.prev, [1; 32]);
        assert_eq!(d.event, e.at(Timestamp::from_unix(99)));
    }

    #[test]
    fn an_entry_beyond_the_event_limits_is_malformed_when_read() {
        // A control character in a detail value: `append` refuses such an event; `decode` must too.
        let mut e = AuditEvent::new(EventKind::Sealed);
        e.detail.insert("note".into(), "line\u{1b}[2J".into());
        assert!(e.validate().is_err());
        let body = format!(
            "{{\"seq\":1,\"time\":5,\"kind\":\"sealed\",\"outcome\":{{\"status\":\"ok\"}},\"detail\":{{\"note\":{}}},\"prev\":\"{}\"}}",
            serde_json::to_string("line\u{1b}[2J").expect("json"),
            "0".repeat(64)
        );
        let hash = entry_hash(body.as_bytes());
        let line =
            format!("{},\"hash\":\"{}\",\"auth\":\"{}\"}}", &body[..body.len() - 1], to_hex(&hash), "0".repeat(128));
        assert!(
            matches!(decode(line.as_bytes(), 2), Err(Error::AuditMalformed { line: 2, .. })),
            "{:?}",
            decode(line.as_bytes(), 2)
        );
    }

    #[test]
    fn non_canonical_is_rejected() {
        let e = AuditEvent::new(EventKind::Sealed);
        let key = crate::keys::SigningKey::from_bytes([3; 32]);
        let (line, _) = encode(0, Timestamp::from_unix(1), &e, None, &ZERO_DIGEST, &[9; 16], &key).expect("encodes");
        let spaced = line.replacen(",", ", ", 1);
        assert!(matches!(decode(spaced.as_bytes(), 1), Err(Error::AuditMalformed { line: 1, .. })));
    }

    #[test]
    fn checkpoint_prefix_is_recognised() {
        let key = crate::keys::SigningKey::from_bytes([3; 32]);
        let e = AuditEvent::new(EventKind::Checkpoint);
        let sig = ed25519_dalek::Signature::from_bytes(&key.sign(b"x").expect("sign"));
        let (line, _) = encode(12, Timestamp::from_unix(5), &e, Some(&sig), &[1; 32], &[9; 16], &key).expect("encodes");
        assert!(looks_like_checkpoint(line.as_bytes()));
        assert!(!looks_like_checkpoint(b"{\"seq\":1,\"time\":2,\"kind\":\"opened\"}"));
        assert!(!looks_like_checkpoint(b"{\"seq\":1,\"detail\":{\"kind\":\"checkpoint\"}}"));
    }
}
