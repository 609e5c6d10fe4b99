//! Audit-log vectors for outside verifiers (`tests/vectors/audit/*.json`, described in `docs/AUDIT.md` §7.1).
//!
//! `audit_log.json` is a small closed log written with a known audit key and clock, with two anchors (one
//! counter-signed by a known witness key) and an erasure certificate. Its log id is random, so it cannot be sealed
//! again byte for byte; every must-fail vector is instead a fixed edit of it, and this test re-derives each one from
//! the committed `audit_log.json` and compares it byte for byte before checking the expected result. To regenerate
//! (a new random log id): `CUSTODIA_REGEN_VECTORS=1 cargo test --test audit_vectors`.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers")]

mod common;

use std::path::{Path, PathBuf};

use common::{T0, anna, case, clock, hex, key, line_from_body, log_id_of, options, other_key, sample_events};
use custodia::audit::{Anchor, AuditLog, ErasureCertificate, SigningKey, VerifyingKey, verify_reader};
use custodia::{Error, KeyId};
use serde_json::{Value, json};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/audit")
}

fn witness() -> SigningKey {
    SigningKey::from_bytes([44; 32])
}

fn keys_json() -> Value {
    json!({
        "audit_seed": hex(&[42; 32]),
        "audit_public": key().verifying_key().to_string(),
        "other_seed": hex(&[43; 32]),
        "other_public": other_key().verifying_key().to_string(),
        "witness_seed": hex(&[44; 32]),
        "witness_public": witness().verifying_key().to_string(),
    })
}

/// Write the good log: genesis and creation checkpoint, three events, a checkpoint (anchor 1, counter-signed by the
/// witness), the other events, an erasure certificate, the closing checkpoint (anchor 2).
fn write_good() -> Value {
    let tmp = tempfile::tempdir().unwrap();
    let c = clock();
    let (log, _) = AuditLog::open(tmp.path(), key(), options(c.clone())).unwrap();
    let events = sample_events();
    for e in &events[..3] {
        log.append(e).unwrap();
        c.advance(60);
    }
    let mut a1 = log.checkpoint().unwrap();
    a1.countersign(&witness()).expect("countersign");
    for e in &events[3..] {
        log.append(&e.clone().actor(&anna())).unwrap();
        c.advance(60);
    }
    let cert =
        log.certify_erasure(&[KeyId::from_bytes([2; 16])], Some(&case()), "retention period ended", Some(3)).unwrap();
    c.advance(60);
    let a2 = log.close().unwrap();
    let text = std::fs::read_to_string(log.path()).unwrap();
    json!({
        "name": "audit_log",
        "description": "a closed log: genesis, creation checkpoint, 3 events, checkpoint (anchors[0], counter-signed by witness), 3 events, erasure, closing checkpoint (anchors[1])",
        "keys": keys_json(),
        "clock_start": T0,
        "log": text,
        "anchors": [a1.to_json(), a2.to_json()],
        "certificate": cert.to_json(),
        "verify_with": "audit_public",
        "expect": {},
    })
}

fn lines(text: &str) -> Vec<String> {
    text.split_inclusive('\n').map(str::to_owned).collect()
}

/// A vector derived from the good one: the log (and anchors) as changed, and the expected result.
fn derived(
    good: &Value,
    name: &str,
    description: &str,
    log: &str,
    anchors: &[String],
    with: &str,
    expect: Value,
) -> Value {
    json!({
        "name": name,
        "description": description,
        "keys": good["keys"],
        "log": log,
        "anchors": anchors,
        "verify_with": with,
        "expect": expect,
    })
}

fn cert_vector(good: &Value, name: &str, description: &str, cert: &str, with: &str, expect: Value) -> Value {
    json!({ "name": name, "description": description, "keys": good["keys"], "certificate": cert, "verify_with": with, "expect": expect })
}

fn anchor_vector(good: &Value, name: &str, description: &str, anchor: &str, with: &str, expect: Value) -> Value {
    json!({ "name": name, "description": description, "keys": good["keys"], "anchor": anchor, "verify_with": with, "expect": expect })
}

fn tampered(entry: u64) -> Value {
    json!({ "error": "audit_tampered", "entry": entry })
}

/// Every must-fail (and the one instructive good) vector, as fixed edits of `good`.
fn derive_all(good: &Value) -> Vec<Value> {
    let text = good["log"].as_str().unwrap();
    let ls = lines(text);
    let anchors: Vec<String> =
        good["anchors"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_owned()).collect();
    let a1 = Anchor::from_json(&anchors[0]).unwrap();
    let mut v = Vec::new();

    // The good log itself, verified with both anchors.
    let mut g = good.clone();
    let n = ls.len() as u64;
    g["expect"] = json!({
        "result": "ok", "entries": n, "checkpoints": 3, "erasures": 1, "anchors": 2,
        "last_checkpoint": n - 1, "unsealed_tail": 0,
        "head": hex(&common::hash_of_body(&common::body_of(&ls[ls.len() - 1]))),
    });
    v.push(g);

    // Entry 3 (the `opened` event) edited: its hash no longer matches its body.
    let i = ls.iter().position(|l| l.contains("prosecution.trial")).unwrap();
    let mut e = ls.clone();
    e[i] = e[i].replace("prosecution.trial", "prosecution.trail");
    v.push(derived(
        good,
        "audit_fail_edited_entry",
        "one byte of an entry's purpose changed",
        &e.concat(),
        &[],
        "audit_public",
        tampered(i as u64),
    ));

    // Entries 3 and 4 swapped.
    let mut e = ls.clone();
    e.swap(3, 4);
    v.push(derived(
        good,
        "audit_fail_reordered",
        "entries 3 and 4 swapped",
        &e.concat(),
        &[],
        "audit_public",
        tampered(3),
    ));

    // Cut back to the first anchor's checkpoint (a valid log on its own), verified with the second anchor.
    let cut = usize::try_from(a1.count()).unwrap() + 1;
    let short = ls[..cut].concat();
    v.push(derived(
        good,
        "audit_cut_to_checkpoint",
        "the log cut back to the checkpoint of anchors[0], verified with no anchor: it verifies (only an anchor held elsewhere shows the cut)",
        &short,
        &[],
        "audit_public",
        json!({ "result": "ok", "entries": cut as u64, "checkpoints": 2, "erasures": 0, "anchors": 0, "last_checkpoint": cut as u64 - 1, "unsealed_tail": 0,
                "head": hex(&common::hash_of_body(&common::body_of(&ls[cut - 1]))) }),
    ));
    v.push(derived(
        good,
        "audit_fail_truncated",
        "the same cut log verified with anchors[1] (the closing checkpoint): log shorter than the anchor",
        &short,
        &anchors[1..],
        "audit_public",
        tampered(cut as u64),
    ));

    // An entry appended after the closing checkpoint, correctly hashed and chained but signed by another key.
    let log_id = log_id_of(&ls[0]);
    let last = &ls[ls.len() - 1];
    let prev = &last[last.len() - 1 - 2 - 128 - 10 - 64..last.len() - 1 - 2 - 128 - 10];
    let body = format!(
        "{{\"seq\":{n},\"time\":{},\"kind\":\"opened\",\"object\":\"{}\",\"outcome\":{{\"status\":\"ok\"}},\"prev\":\"{prev}\"}}",
        T0 + 3600,
        "cd".repeat(16)
    );
    let forged = line_from_body(&body, &log_id, &other_key());
    v.push(derived(
        good,
        "audit_fail_forged_entry",
        "an entry appended after the closing checkpoint, hashed and chained correctly, its auth signed by other_seed",
        &[text, &forged].concat(),
        &[],
        "audit_public",
        tampered(n),
    ));

    v.push(derived(
        good,
        "audit_fail_wrong_key",
        "the good log verified with another audit key",
        text,
        &[],
        "other_public",
        json!({ "error": "audit_wrong_key" }),
    ));

    let raised = anchors[0].replacen(&format!("\"count\":{}", a1.count()), &format!("\"count\":{}", a1.count() + 1), 1);
    v.push(derived(
        good,
        "audit_fail_anchor_count",
        "the good log with anchors[0]'s count raised by one",
        text,
        std::slice::from_ref(&raised),
        "audit_public",
        json!({ "error": "anchor_invalid" }),
    ));
    v.push(anchor_vector(
        good,
        "anchor_good",
        "anchors[0] on its own: checkpoint signature by the audit key, witness signature by witness_public",
        &anchors[0],
        "audit_public",
        json!({ "result": "ok", "witnessed_by": good["keys"]["witness_public"] }),
    ));
    v.push(anchor_vector(
        good,
        "anchor_fail_count",
        "anchors[0] with its count raised by one",
        &raised,
        "audit_public",
        json!({ "error": "anchor_invalid" }),
    ));
    v.push(anchor_vector(
        good,
        "anchor_fail_wrong_key",
        "anchors[0] checked with another audit key",
        &anchors[0],
        "other_public",
        json!({ "error": "anchor_invalid" }),
    ));

    let cert = good["certificate"].as_str().unwrap();
    v.push(cert_vector(
        good,
        "erasure_good",
        "the erasure certificate, checked with the audit key",
        cert,
        "audit_public",
        json!({ "result": "ok" }),
    ));
    v.push(cert_vector(
        good,
        "erasure_fail_edited",
        "the certificate with its reason changed",
        &cert.replace("retention period ended", "retention period ender"),
        "audit_public",
        json!({ "error": "audit_tampered" }),
    ));
    v.push(cert_vector(
        good,
        "erasure_fail_wrong_key",
        "the certificate checked with another audit key",
        cert,
        "other_public",
        json!({ "error": "audit_wrong_key" }),
    ));
    v
}

fn key_named(v: &Value, name: &str) -> VerifyingKey {
    v["keys"][name].as_str().unwrap().parse().unwrap()
}

/// What verifying the vector gives, in the form of its `expect`.
fn outcome(v: &Value) -> Value {
    let with = key_named(v, v["verify_with"].as_str().unwrap());
    let err = |e: &Error| match e {
        Error::AuditTampered { entry, .. } if v["log"].is_string() => json!({ "error": e.kind_name(), "entry": entry }),
        e => json!({ "error": e.kind_name() }),
    };
    if let Some(log) = v["log"].as_str() {
        let anchors: Result<Vec<Anchor>, Error> =
            v["anchors"].as_array().unwrap().iter().map(|a| Anchor::from_json(a.as_str().unwrap())).collect();
        match anchors.and_then(|a| verify_reader(log.as_bytes(), &with, &a)) {
            Ok(r) => json!({
                "result": "ok", "entries": r.entries, "checkpoints": r.checkpoints, "erasures": r.erasures,
                "anchors": r.anchors, "last_checkpoint": r.last_checkpoint, "unsealed_tail": r.unsealed_tail, "head": r.head,
            }),
            Err(e) => err(&e),
        }
    } else if let Some(a) = v["anchor"].as_str() {
        let a = Anchor::from_json(a).unwrap();
        match a.verify(&with) {
            Ok(()) => {
                let w = key_named(v, "witness_public");
                assert!(a.is_witnessed_by(&w));
                json!({ "result": "ok", "witnessed_by": v["keys"]["witness_public"] })
            }
            Err(e) => err(&e),
        }
    } else {
        match ErasureCertificate::from_json(v["certificate"].as_str().unwrap()).and_then(|c| c.verify(&with)) {
            Ok(()) => json!({ "result": "ok" }),
            Err(e) => err(&e),
        }
    }
}

#[test]
fn audit_vectors_verify_as_expected() {
    let path = |name: &str| dir().join(format!("{name}.json"));
    if std::env::var_os("CUSTODIA_REGEN_VECTORS").is_some() {
        std::fs::create_dir_all(dir()).unwrap();
        let good = write_good();
        for v in derive_all(&good) {
            std::fs::write(path(v["name"].as_str().unwrap()), serde_json::to_string_pretty(&v).unwrap() + "\n")
                .unwrap();
        }
    }
    let good: Value = serde_json::from_str(&std::fs::read_to_string(path("audit_log")).unwrap()).unwrap();
    let derived = derive_all(&good);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), derived.len(), "every derived vector is committed, and nothing else");
    let mut kinds = std::collections::BTreeSet::new();
    for want in &derived {
        let name = want["name"].as_str().unwrap();
        let committed: Value = serde_json::from_str(&std::fs::read_to_string(path(name)).unwrap()).unwrap();
        assert_eq!(&committed, want, "{name}: differs from its derivation; regenerate deliberately");
        assert_eq!(outcome(&committed), committed["expect"], "{name}");
        kinds.insert(committed["expect"]["error"].as_str().unwrap_or("ok").to_owned());
    }
    // The must-fail vectors cover each way a verifier must refuse.
    for k in ["ok", "audit_tampered", "audit_wrong_key", "anchor_invalid"] {
        assert!(kinds.contains(k), "no vector expects {k}");
    }
}
