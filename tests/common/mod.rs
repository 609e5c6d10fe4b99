//! Helpers shared by the audit integration tests, including an independent re-implementation of the entry hash
//! and checkpoint signature exactly as `docs/AUDIT.md` states them.
#![allow(dead_code, unreachable_pub)]

pub mod authority;
pub mod soft_provider;

use std::path::Path;
use std::sync::Arc;

use custodia::audit::SigningKey;
use custodia::audit::{AuditEvent, AuditLog, AuditOptions, Durability, EventKind, Outcome};
use custodia::{
    Actor, CaseRef, Category, Classification, ExceptionGround, FixedClock, Jurisdiction, Purpose, PurposeSet,
};
use custodia::{Error, Timestamp};
use ed25519_dalek::Signer as _;
use sha2::{Digest as _, Sha256};

pub const T0: u64 = 1_795_435_200; // 2026-11-23T12:00:00Z

pub fn key() -> SigningKey {
    SigningKey::from_bytes([42; 32])
}

/// The same key as the custodia type holds, for the tests that sign forged entries by hand.
fn dalek(key: &SigningKey) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(key.expose_bytes().expect("a local key"))
}

pub fn other_key() -> SigningKey {
    SigningKey::from_bytes([43; 32])
}

pub fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(Timestamp::from_unix(T0)))
}

pub fn options(clock: Arc<FixedClock>) -> AuditOptions {
    AuditOptions::with_clock(clock).durability(Durability::FsyncEach).checkpoint_every(0)
}

pub fn anna() -> Actor {
    Actor::new("anna", "prosecutor", Jurisdiction::parse("DE").expect("DE"), Classification::Secret).expect("actor")
}

pub fn case() -> CaseRef {
    CaseRef::parse("MLA-2026-0042").expect("case")
}

/// A handful of varied events.
pub fn sample_events() -> Vec<AuditEvent> {
    let purposes = PurposeSet::parse(&["investigation", "prosecution"]).expect("purposes");
    let refusal = Error::PurposeNotPermitted { requested: "asset_recovery".into(), permitted: purposes.to_string() };
    let exception = ExceptionGround::court_order(
        "LG Berlin 2026/17",
        "Court ordered disclosure for the confiscation hearing, see order, \"urgent\", today",
    )
    .expect("exception");
    vec![
        AuditEvent::new(EventKind::Sealed)
            .actor(&anna())
            .object(&[0xab; 16])
            .case(&case())
            .category(Category::FinancialRecords)
            .classification(Classification::Confidential)
            .purposes(&purposes)
            .key(custodia::KeyId::from_bytes([1; 16])),
        AuditEvent::new(EventKind::Opened)
            .actor(&anna())
            .object(&[0xab; 16])
            .case(&case())
            .purposes(&purposes)
            .purpose(&Purpose::parse("prosecution.trial").expect("purpose")),
        AuditEvent::refused(&refusal)
            .actor(&anna())
            .object(&[0xab; 16])
            .case(&case())
            .purpose(&Purpose::parse("asset_recovery").expect("purpose")),
        AuditEvent::new(EventKind::ExceptionUsed)
            .actor(&anna())
            .object(&[0xab; 16])
            .case(&case())
            .purpose(&Purpose::parse("asset_recovery").expect("purpose"))
            .exception(&exception),
        AuditEvent::new(EventKind::KeyRotated).key(custodia::KeyId::from_bytes([2; 16])).detail("reason", "yearly"),
        AuditEvent::new(EventKind::Opened).object(&[0xcd; 16]).outcome(Outcome::Failed { kind: "open_failed".into() }),
    ]
}

/// A closed log with genesis, the sample events and a closing checkpoint; returns its lines (with newlines).
pub fn write_sample_log(dir: &Path) -> Vec<Vec<u8>> {
    let c = clock();
    let (log, _) = AuditLog::open(dir, key(), options(c.clone())).expect("opens");
    for e in sample_events() {
        log.append(&e).expect("appends");
        c.advance(60);
    }
    log.close().expect("closes");
    split_lines(&std::fs::read(log.path()).expect("reads"))
}

pub fn split_lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes.split_inclusive(|&b| b == b'\n').map(<[u8]>::to_vec).collect()
}

pub fn log_path(dir: &Path) -> std::path::PathBuf {
    dir.join(custodia::audit::LOG_FILE_NAME)
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

/// Length of what follows the body in every line: `,"hash":"` + 64 hex + `","auth":"` + 128 hex + `"}`.
pub const SUFFIX_LEN: usize = 9 + 64 + 10 + 128 + 2;

/// Independent implementation of the documented encoding: the body is the line without its final
/// `,"hash":"…","auth":"…"` members; hash = SHA-256("custodia/audit/v2/entry" || 0x00 || body).
pub fn body_of(line: &str) -> String {
    let line = line.trim_end_matches('\n');
    format!("{}}}", &line[..line.len() - SUFFIX_LEN])
}

pub fn hash_of_body(body: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"custodia/audit/v2/entry\0");
    h.update(body.as_bytes());
    h.finalize().into()
}

/// auth = Ed25519(audit key, "custodia/audit/v2/auth" || 0x00 || log_id || hash).
pub fn auth_of(hash: &[u8; 32], log_id: &[u8], key: &SigningKey) -> String {
    let mut msg = b"custodia/audit/v2/auth\0".to_vec();
    msg.extend_from_slice(log_id);
    msg.extend_from_slice(hash);
    hex(&dalek(key).sign(&msg).to_bytes())
}

/// A complete line (with newline) for `body`, hashed and signed with `key`.
pub fn line_from_body(body: &str, log_id: &[u8], key: &SigningKey) -> String {
    let hash = hash_of_body(body);
    format!("{},\"hash\":\"{}\",\"auth\":\"{}\"}}\n", &body[..body.len() - 1], hex(&hash), auth_of(&hash, log_id, key))
}

/// The log id named by a genesis line.
pub fn log_id_of(genesis: &str) -> Vec<u8> {
    let id_at = genesis.find("\"log_id\":\"").expect("log id") + 10;
    unhex(&genesis[id_at..id_at + 32])
}

/// Rewrite history as a writer holding the audit key could: renumber and re-link every entry to its (possibly
/// edited) predecessor, re-sign every entry and every checkpoint. The log id is read from line 0.
pub fn rechain(lines: &[String], key: &SigningKey) -> Vec<String> {
    rechain_signing(lines, key, key)
}

/// Like [`rechain`], but every entry is signed with `entry_key` (a writer without the audit key can only use
/// another key), and checkpoints with `checkpoint_key`.
pub fn rechain_signing(lines: &[String], entry_key: &SigningKey, checkpoint_key: &SigningKey) -> Vec<String> {
    let log_id = log_id_of(&lines[0]);
    let mut out = Vec::new();
    let mut prev = [0u8; 32];
    for (seq, line) in lines.iter().enumerate() {
        let mut body = body_of(line);
        // `{"seq":<n>,` starts every body; `"prev":"<64 hex>"}` ends it.
        let digits = body[7..].find(',').expect("seq");
        body = format!("{{\"seq\":{seq}{}", &body[7 + digits..]);
        let cut = body.len() - 66;
        body = format!("{}{}\"}}", &body[..cut], hex(&prev));
        if body.contains("\"kind\":\"checkpoint\"") {
            let mut msg = b"custodia/audit/v2/checkpoint\0".to_vec();
            msg.extend_from_slice(&log_id);
            msg.extend_from_slice(&(seq as u64).to_be_bytes());
            msg.extend_from_slice(&prev);
            let sig = hex(&dalek(checkpoint_key).sign(&msg).to_bytes());
            let at = body.find("\"sig\":\"").expect("sig") + 7;
            body = format!("{}{}{}", &body[..at], sig, &body[at + 128..]);
        }
        prev = hash_of_body(&body);
        out.push(line_from_body(&body, &log_id, entry_key));
    }
    out
}

/// Like [`rechain`], but keeps each entry's original `auth` (what a writer without the audit key can do: recompute
/// the unkeyed hash chain, but not the signatures). Checkpoint signatures are kept too.
pub fn rechain_without_key(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut prev = [0u8; 32];
    for (seq, line) in lines.iter().enumerate() {
        let trimmed = line.trim_end_matches('\n');
        let auth = &trimmed[trimmed.len() - 130..trimmed.len() - 2];
        let mut body = body_of(line);
        let digits = body[7..].find(',').expect("seq");
        body = format!("{{\"seq\":{seq}{}", &body[7 + digits..]);
        let cut = body.len() - 66;
        body = format!("{}{}\"}}", &body[..cut], hex(&prev));
        prev = hash_of_body(&body);
        out.push(format!("{},\"hash\":\"{}\",\"auth\":\"{auth}\"}}\n", &body[..body.len() - 1], hex(&prev)));
    }
    out
}

/// Where an error points: the entry index it names (line number minus one for malformed lines).
pub fn error_position(e: &Error) -> Option<u64> {
    match e {
        Error::AuditTampered { entry, .. } => Some(*entry),
        Error::AuditMalformed { line, .. } => Some(line.saturating_sub(1)),
        _ => None,
    }
}
