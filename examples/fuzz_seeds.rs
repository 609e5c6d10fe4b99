//! Writes the seed corpora of the fuzz targets in `fuzz/` from real artefacts: envelopes sealed with the fixed keys
//! of `tests/vectors/` (binary and armored, every recipient kind, signed, multi-chunk), the committed vectors
//! (envelopes, grants, receipts), a keyring file and its body, an audit log with its anchors and an erasure
//! certificate, approvals, access policies (the documented examples), key texts and vocabulary. Nothing binary is
//! committed: `./scripts/fuzz.sh` runs this first.
//!
//! Run with `cargo run --example fuzz_seeds -- <corpus dir>` (default `fuzz/corpus`); it writes one directory per
//! target, each file named by a hash of its contents, and replaces what was there.

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chacha20::ChaCha20Rng;
use custodia::audit::{AuditEvent, AuditLog, AuditOptions, EventKind, SigningKey as AuditSigningKey};
use custodia::format::{
    self, EnvelopeOptions, InstrumentKind, Kek, LegalInstrument, Metadata, Recipient, SigningKey, X25519Identity,
    XWingIdentity,
};
use custodia::{
    AccessPolicy, Actor, ApprovalTerms, CaseRef, Category, Classification, Custodian, CustodianOptions, ExceptionKind,
    FixedClock, Jurisdiction, KEYRING_FILE, KeyKind, Keyring, Purpose, PurposeSet, Timestamp, Unlock, encode_public,
};
use rand_core::SeedableRng;

/// The keyring master key the `keyring` target opens with.
const KEYRING_MASTER: [u8; 32] = [0x55; 32];
/// The audit key the `audit_verify` and `anchor_certificate` targets verify with.
const AUDIT_KEY: [u8; 32] = [0x61; 32];
const T0: u64 = 1_790_000_000;

struct Corpus {
    root: PathBuf,
    count: usize,
}

impl Corpus {
    fn add(&mut self, target: &str, bytes: &[u8]) -> std::io::Result<()> {
        let dir = self.root.join(target);
        fs::create_dir_all(&dir)?;
        let mut h = DefaultHasher::new();
        bytes.hash(&mut h);
        fs::write(dir.join(format!("seed-{:016x}", h.finish())), bytes)?;
        self.count += 1;
        Ok(())
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "fuzz/corpus".into()));
    for target in
        ["envelope_open", "header_parse", "key_text", "vocabulary", "keyring", "audit_verify", "anchor_certificate"]
            .iter()
            .chain(&["grant", "receipt", "access_policy", "merkle_parse", "record_parse", "sdjwt_presentation"])
    {
        let dir = root.join(target);
        if dir.exists() {
            // Only the seeds are replaced: a corpus a campaign grew beside them stays.
            for e in fs::read_dir(&dir)? {
                let p = e?.path();
                if p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("seed-")) {
                    fs::remove_file(p)?;
                }
            }
        }
    }
    let mut c = Corpus { root, count: 0 };
    envelopes(&mut c)?;
    vectors(&mut c, Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors").as_path())?;
    keyring_and_approvals(&mut c)?;
    audit(&mut c)?;
    policies(&mut c)?;
    words(&mut c)?;
    println!("wrote {} seeds under {}", c.count, c.root.display());
    Ok(())
}

fn metadata(chunk: u32, rich: bool) -> custodia::Result<Metadata> {
    let mut m = Metadata::new(
        Category::FinancialRecords,
        PurposeSet::parse(&["investigation.financial", "mla.request"])?,
        Timestamp::from_unix(T0),
    );
    m.chunk_size = chunk;
    if rich {
        m.case_ref = Some(CaseRef::parse("MLA-2026-0042")?);
        m.instrument =
            Some(LegalInstrument::new(InstrumentKind::BilateralTreaty, Some("NL-US/2026/7"), Some("MLAT Art. 7"))?);
        m.origin = Some(Jurisdiction::parse("NL")?);
        m.destinations = vec![Jurisdiction::parse("US")?, Jurisdiction::parse("DE")?];
        m.not_after = Some(Timestamp::from_unix(T0 + 100_000_000));
    }
    Ok(m)
}

/// Envelopes under the fixed keys the `envelope_open` target holds (those of `tests/vectors/`).
fn envelopes(c: &mut Corpus) -> Result<(), Box<dyn std::error::Error>> {
    let kek = Kek::from_bytes([0x11; 32]);
    let kek2 = Kek::from_bytes([0x12; 32]);
    let x = X25519Identity::from_bytes([0x21; 32]);
    let sender = X25519Identity::from_bytes([0x22; 32]);
    let xw = XWingIdentity::from_seed([0x31; 32]);
    let signer = SigningKey::from_bytes([0x41; 32]);
    let (xr, xwr) = (x.recipient(), xw.recipient());
    let plain: Vec<u8> = (0..=255u8).cycle().take(300).collect();
    let mut seed = 1u8;
    for (chunk, len) in [(64, 0), (64, 1), (64, 64), (64, 300), (1024, 300)] {
        for rich in [false, true] {
            let sets: Vec<(Vec<Recipient<'_>>, bool, bool)> = vec![
                (vec![Recipient::Kek(&kek)], false, false),
                (vec![Recipient::Kek(&kek)], true, false),
                (vec![Recipient::Kek(&kek2), Recipient::X25519(xr)], false, false),
                (vec![Recipient::X25519(xr)], false, true),
                (vec![Recipient::XWing(xwr)], true, false),
            ];
            for (recipients, signed, auth) in sets {
                let mut opts = EnvelopeOptions::new(metadata(chunk, rich)?, recipients);
                if signed {
                    opts = opts.with_signer(&signer);
                }
                if auth {
                    opts = opts.with_sender(&sender);
                }
                seed = seed.wrapping_add(1);
                let env = format::seal_with_rng(&plain[..len], &opts, &mut ChaCha20Rng::from_seed([seed; 32]))?;
                for target in ["envelope_open", "header_parse"] {
                    c.add(target, &env)?;
                    c.add(target, format::armor(&env).as_bytes())?;
                }
            }
        }
    }
    Ok(())
}

/// Every hex or armored value of the committed vectors, into the corpus of the parser it is for.
fn vectors(c: &mut Corpus, dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    paths.sort();
    for p in paths {
        if p.is_dir() {
            vectors(c, &p)?;
            continue;
        }
        if p.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let v: serde_json::Value = serde_json::from_slice(&fs::read(&p)?)?;
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name.starts_with("sdjwt_") {
            // SD-JWT presentations are text: the presentation itself, and its disclosures alone (the target also
            // tries them after the vectors' JWT).
            if let Some(text) = v["presentation"].as_str() {
                c.add("sdjwt_presentation", text.as_bytes())?;
                if let Some((_, disclosures)) = text.split_once('~') {
                    c.add("sdjwt_presentation", disclosures.as_bytes())?;
                }
            }
            continue;
        }
        let targets: &[&str] = if name.starts_with("receipt") {
            &["receipt"]
        } else if name.starts_with("record_") {
            // The record payloads (sealed again by the target with the vectors' seed, they authenticate), and the
            // envelopes for the envelope parsers.
            &["record_parse", "envelope_open", "header_parse"]
        } else if name.starts_with("grant_") {
            &["grant"]
        } else {
            &["envelope_open", "header_parse", "grant"]
        };
        let mut values = Vec::new();
        collect(&v, &mut values);
        for bytes in values {
            for t in targets {
                c.add(t, &bytes)?;
            }
        }
    }
    Ok(())
}

fn collect(v: &serde_json::Value, out: &mut Vec<Vec<u8>>) {
    match v {
        serde_json::Value::String(s) if s.contains("-----BEGIN") => out.push(s.clone().into_bytes()),
        serde_json::Value::String(s) if s.len() >= 64 && s.len() % 2 == 0 => {
            if let Ok(b) = data_encoding::HEXLOWER_PERMISSIVE.decode(s.as_bytes()) {
                out.push(b);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| collect(x, out)),
        _ => {}
    }
}

/// A custodian's keyring (every key kind, an imported key, a case key, a destroyed key, an audit pin) as a whole
/// file and as its body; the key texts it exports; an approval signed with one of its keys.
fn keyring_and_approvals(c: &mut Corpus) -> Result<(), Box<dyn std::error::Error>> {
    let tmp = tempfile::tempdir()?;
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let options = CustodianOptions { create: true, ..CustodianOptions::with_clock(clock) };
    let cust = Custodian::load(tmp.path(), Unlock::master_key(KEYRING_MASTER), options)?;
    let nl = Jurisdiction::parse("NL")?;
    let jan = Actor::new("jan.devries", "central_authority", nl, Classification::Secret)?;
    let mut ids = Vec::new();
    for (kind, label) in
        [(KeyKind::Kek, "escrow"), (KeyKind::X25519, "x"), (KeyKind::XWing, "pq"), (KeyKind::Ed25519, "signing")]
    {
        ids.push((kind, cust.generate_key(&jan, kind, label)?));
    }
    let other = X25519Identity::from_bytes([0x77; 32]);
    let other_text = encode_public(KeyKind::X25519, &other.recipient().to_bytes());
    cust.import_public(&jan, &other_text, "DE Federal Office of Justice", Jurisdiction::parse("DE")?)?;
    cust.case_key(&jan, &CaseRef::parse("MLA-2026-0042")?, Some(Timestamp::from_unix(T0 + 1_000_000)))?;
    let doomed = cust.generate_key(&jan, KeyKind::Kek, "doomed")?;
    cust.destroy_key(&jan, &doomed, "end of retention")?;
    c.add("key_text", other_text.as_bytes())?;
    c.add("key_text", cust.audit_public_key()?.as_bytes())?;
    for (kind, id) in &ids {
        c.add("key_text", id.to_string().as_bytes())?;
        if *kind != KeyKind::Kek {
            c.add("key_text", cust.export_public(id)?.as_bytes())?;
        }
    }
    let signing = ids.iter().find(|(k, _)| *k == KeyKind::Ed25519).map(|(_, id)| *id).ok_or("no signing key")?;
    let approver = Actor::new("piet.jansen", "central_authority", nl, Classification::Secret)?;
    let terms = ApprovalTerms::new(
        "7897bdd7ad188ad93ce0bbd215ecfd55",
        "jan.devries",
        Purpose::parse("investigation")?,
        ExceptionKind::CourtOrder,
        Some("LG Berlin 2026/17"),
        Timestamp::from_unix(T0 + 86_400),
    )?;
    let approval = cust.approve_exception(&approver, &signing, terms)?;
    c.add("access_policy", &approval.to_bytes()?)?;
    c.add("access_policy", approval.to_text()?.as_bytes())?;
    cust.close()?;
    drop(cust);

    let file = fs::read(tmp.path().join(KEYRING_FILE))?;
    let body = Keyring::danger_body_plaintext_for_fuzzing(&file, &Unlock::master_key(KEYRING_MASTER))?;
    c.add("keyring", &[&[0u8][..], &file].concat())?;
    c.add("keyring", &[&[1u8][..], &body].concat())?;
    c.add("keyring", &[&[1u8][..], b"{}"].concat())?;
    Ok(())
}

/// An audit log under the fixed audit key: events of several kinds, an erasure certificate, checkpoints; its
/// anchors (one counter-signed) and the certificate as JSON.
fn audit(c: &mut Corpus) -> Result<(), Box<dyn std::error::Error>> {
    let tmp = tempfile::tempdir()?;
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let (log, _) = AuditLog::open(
        tmp.path(),
        AuditSigningKey::from_bytes(AUDIT_KEY),
        AuditOptions::with_clock(clock.clone()).checkpoint_every(4),
    )?;
    let nl = Jurisdiction::parse("NL")?;
    let anna = Actor::new("anna.schmidt", "prosecutor", nl, Classification::Secret)?;
    let case = CaseRef::parse("MLA-2026-0042")?;
    let purposes = PurposeSet::parse(&["investigation", "prosecution"])?;
    let key = custodia::KeyId::from_bytes([1; 16]);
    for kind in [EventKind::Sealed, EventKind::Opened, EventKind::KeyGenerated] {
        log.append(
            &AuditEvent::new(kind)
                .actor(&anna)
                .object(&[0xab; 16])
                .case(&case)
                .category(Category::FinancialRecords)
                .purposes(&purposes)
                .key(key),
        )?;
        clock.advance(60);
    }
    let refusal = custodia::Error::PurposeNotPermitted { requested: "asset_recovery".into(), permitted: "x".into() };
    log.append(&AuditEvent::refused(&refusal).actor(&anna).object(&[0xab; 16]))?;
    let cert = log.certify_erasure(&[key], Some(&case), "end of retention", Some(3))?;
    let mut anchor = log.checkpoint()?;
    c.add("anchor_certificate", anchor.to_json().as_bytes())?;
    anchor.countersign(&AuditSigningKey::from_bytes([0x62; 32]))?;
    c.add("anchor_certificate", anchor.to_json().as_bytes())?;
    c.add("anchor_certificate", cert.to_json().as_bytes())?;
    let merkle = log.checkpoint_merkle()?;
    c.add("anchor_certificate", merkle.to_json().as_bytes())?;
    if let Some(m) = merkle.merkle() {
        c.add("merkle_parse", m.to_note().as_bytes())?;
        let mut cosigned = m.clone();
        cosigned.cosign(&AuditSigningKey::from_bytes([0x62; 32]))?;
        c.add("merkle_parse", cosigned.to_note().as_bytes())?;
    }
    for seq in [0, 3, merkle.count() - 1] {
        c.add("merkle_parse", log.inclusion_bundle(seq, None)?.to_text().as_bytes())?;
    }
    c.add("merkle_parse", log.consistency_proof(2, None)?.to_text().as_bytes())?;
    let closing = log.close()?;
    c.add("anchor_certificate", closing.to_json().as_bytes())?;
    let bytes = fs::read(log.path())?;
    drop(log);
    c.add("audit_verify", &bytes)?;
    // A log with a torn tail, and the first few entries only.
    c.add("audit_verify", &bytes[..bytes.len() - 40])?;
    let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
    c.add("audit_verify", &lines[..3].concat())?;
    Ok(())
}

/// The access-policy examples documented in `docs/` (every TOML block), and one built here.
fn policies(c: &mut Corpus) -> Result<(), Box<dyn std::error::Error>> {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    for name in ["POLICY.md", "C_API.md", "KEYS.md"] {
        let Ok(text) = fs::read_to_string(docs.join(name)) else { continue };
        let mut block: Option<String> = None;
        for line in text.lines() {
            match (&mut block, line.trim_start()) {
                (None, l) if l.starts_with("```toml") => block = Some(String::new()),
                (Some(b), l) if l.starts_with("```") => {
                    c.add("access_policy", b.as_bytes())?;
                    block = None;
                }
                (Some(b), _) => {
                    b.push_str(line);
                    b.push('\n');
                }
                (None, _) => {}
            }
        }
    }
    let built = AccessPolicy::builder()
        .role("central_authority", &[], &["mla", "investigation", "witness_protection"])
        .role("prosecutor", &[Category::FinancialRecords, Category::WitnessIdentity], &["investigation", "prosecution"])
        .case_team("MLA-2026-0042", &["anna.schmidt"], &["central_authority"])
        .four_eyes(Category::WitnessIdentity)
        .approver(
            "piet.jansen",
            &encode_public(KeyKind::Ed25519, &SigningKey::from_bytes([0x41; 32]).verifying_key().to_bytes()),
        )
        .build()?;
    c.add("access_policy", built.text().as_bytes())?;
    Ok(())
}

/// Purposes, purpose sets, jurisdictions, case references and the other words of the vocabulary.
fn words(c: &mut Corpus) -> Result<(), Box<dyn std::error::Error>> {
    let words = [
        "investigation",
        "investigation.financial",
        "prosecution.trial.appeal",
        "mla.request",
        "investigation\nmla.request\nprosecution",
        "NL",
        "DE",
        "EU",
        "MLA-2026-0042",
        "NL/OM/2026-17.a",
        "financial_records",
        "witness_identity",
        "confidential",
        "secret",
        "court_order",
        "imminent_threat",
        "sealed",
        "opened",
        "erasure",
        "0123456789abcdef0123456789abcdef",
    ];
    for w in words {
        c.add("vocabulary", w.as_bytes())?;
    }
    Ok(())
}
