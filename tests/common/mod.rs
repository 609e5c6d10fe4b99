//! Helpers shared by the audit integration tests, including an independent re-implementation of the entry hash
//! and checkpoint signature exactly as `docs/AUDIT.md` states them.
#![allow(dead_code, unreachable_pub)]

use std::path::Path;
use std::sync::Arc;

use custodia::audit::{AuditEvent, AuditLog, AuditOptions, Durability, EventKind, Outcome};
use custodia::{Actor, CaseRef, Category, Classification, Exception, FixedClock, Jurisdiction, Purpose, PurposeSet};
use custodia::{Error, Timestamp};
use ed25519_dalek::{Signer as _, SigningKey};
use sha2::{Digest as _, Sha256};

pub const T0: u64 = 1_795_435_200; // 2026-11-23T12:00:00Z

pub fn key() -> SigningKey {
    SigningKey::from_bytes(&[42; 32])
}

pub fn other_key() -> SigningKey {
    SigningKey::from_bytes(&[43; 32])
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
    let exception = Exception::court_order(
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

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

/// Independent implementation of the documented encoding: the body is the line without its final
/// `,"hash":"…"` member; hash = SHA-256("custodia/audit/v1/entry" || 0x00 || body).
pub fn body_of(line: &str) -> String {
    let line = line.trim_end_matches('\n');
    format!("{}}}", &line[..line.len() - 75])
}

pub fn hash_of_body(body: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"custodia/audit/v1/entry\0");
    h.update(body.as_bytes());
    h.finalize().into()
}

pub fn line_from_body(body: &str) -> String {
    format!("{},\"hash\":\"{}\"}}\n", &body[..body.len() - 1], hex(&hash_of_body(body)))
}

/// Rewrite history as a writer holding the audit key could: re-link every entry to its (possibly edited)
/// predecessor and re-sign every checkpoint. Genesis log id is read from line 0.
pub fn rechain(lines: &[String], key: &SigningKey) -> Vec<String> {
    let genesis = body_of(&lines[0]);
    let id_at = genesis.find("\"log_id\":\"").expect("log id") + 10;
    let log_id = unhex(&genesis[id_at..id_at + 32]);
    let mut out = Vec::new();
    let mut prev = [0u8; 32];
    for (seq, line) in lines.iter().enumerate() {
        let mut body = body_of(line);
        // `"prev":"<64 hex>"}` ends every body.
        let cut = body.len() - 66;
        body = format!("{}{}\"}}", &body[..cut], hex(&prev));
        if body.contains("\"kind\":\"checkpoint\"") {
            let mut msg = b"custodia/audit/v1/checkpoint\0".to_vec();
            msg.extend_from_slice(&log_id);
            msg.extend_from_slice(&(seq as u64).to_be_bytes());
            msg.extend_from_slice(&prev);
            let sig = hex(&key.sign(&msg).to_bytes());
            let at = body.find("\"sig\":\"").expect("sig") + 7;
            body = format!("{}{}{}", &body[..at], sig, &body[at + 128..]);
        }
        prev = hash_of_body(&body);
        out.push(line_from_body(&body));
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
