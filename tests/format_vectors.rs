//! Test vectors of envelope format v1 (`tests/vectors/*.json`, described in `docs/FORMAT.md`).
//!
//! `committed_vectors_open_as_expected` decodes and opens every committed vector, and checks that sealing again with
//! the recorded keys and RNG seed gives byte-identical envelopes. To regenerate after a deliberate format change:
//! `CUSTODIA_REGEN_VECTORS=1 cargo test --test format_vectors`.

#![allow(clippy::unwrap_used, reason = "test helpers")]

use std::path::{Path, PathBuf};

use chacha20::ChaCha20Rng;
use custodia::format::{self, EnvelopeOptions, InstrumentKind, LegalInstrument, Metadata, Recipient, Unwrap};
use custodia::format::{Kek, SigningKey, X25519Identity, XWingIdentity};
use custodia::{CaseRef, Category, Jurisdiction, PurposeSet, Timestamp};
use rand_core::SeedableRng;
use serde_json::{Value, json};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn arr32(s: &str) -> [u8; 32] {
    unhex(s).try_into().unwrap()
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

/// The fixed keys every vector uses (secret bytes are part of the vector).
struct Keys {
    kek: [u8; 32],
    kek2: [u8; 32],
    x25519: [u8; 32],
    sender: [u8; 32],
    xwing_seed: [u8; 32],
    ed25519: [u8; 32],
}

const KEYS: Keys = Keys {
    kek: [0x11; 32],
    kek2: [0x12; 32],
    x25519: [0x21; 32],
    sender: [0x22; 32],
    xwing_seed: [0x31; 32],
    ed25519: [0x41; 32],
};

fn keys_json() -> Value {
    json!({
        "kek": hex(&KEYS.kek),
        "kek2": hex(&KEYS.kek2),
        "x25519": hex(&KEYS.x25519),
        "sender_x25519": hex(&KEYS.sender),
        "xwing_seed": hex(&KEYS.xwing_seed),
        "ed25519_seed": hex(&KEYS.ed25519),
    })
}

fn metadata(chunk: u32) -> Metadata {
    let mut m = Metadata::new(
        Category::FinancialRecords,
        PurposeSet::parse(&["investigation.financial", "mla.request"]).unwrap(),
        Timestamp::from_unix(1_790_000_000),
    );
    m.case_ref = Some(CaseRef::parse("MLA-2026-0042").unwrap());
    m.instrument =
        Some(LegalInstrument::new(InstrumentKind::BilateralTreaty, Some("NL-US/2026/7"), Some("MLAT Art. 7")).unwrap());
    m.origin = Some(Jurisdiction::parse("NL").unwrap());
    m.destinations = vec![Jurisdiction::parse("US").unwrap()];
    m.not_after = Some(Timestamp::from_unix(1_900_000_000));
    m.chunk_size = chunk;
    m
}

fn plaintext(n: usize) -> Vec<u8> {
    (0..n).map(|i| u8::try_from(i % 256).unwrap()).collect()
}

/// One good vector: how it is sealed.
struct Spec {
    name: &'static str,
    description: &'static str,
    size: usize,
    recipients: &'static [&'static str],
    sender: bool,
    signed: bool,
    armored: bool,
}

const SPECS: &[Spec] = &[
    Spec {
        name: "kek_one_chunk",
        description: "one KEK, 40 bytes, one chunk",
        size: 40,
        recipients: &["kek"],
        sender: false,
        signed: false,
        armored: false,
    },
    Spec {
        name: "kek_empty",
        description: "one KEK, empty plaintext: one empty final chunk",
        size: 0,
        recipients: &["kek"],
        sender: false,
        signed: false,
        armored: false,
    },
    Spec {
        name: "x25519_base",
        description: "HPKE base mode to X25519",
        size: 20,
        recipients: &["x25519"],
        sender: false,
        signed: false,
        armored: false,
    },
    Spec {
        name: "x25519_auth",
        description: "HPKE auth mode to X25519 from sender_x25519",
        size: 20,
        recipients: &["x25519"],
        sender: true,
        signed: false,
        armored: false,
    },
    Spec {
        name: "xwing",
        description: "HPKE base mode to X-Wing",
        size: 20,
        recipients: &["xwing"],
        sender: false,
        signed: false,
        armored: false,
    },
    Spec {
        name: "multi_recipient",
        description: "KEK, X25519 and X-Wing recipients",
        size: 70,
        recipients: &["kek", "x25519", "xwing"],
        sender: false,
        signed: false,
        armored: false,
    },
    Spec {
        name: "multi_chunk_exact",
        description: "KEK, 128 bytes = exactly two full 64-byte chunks, the second final",
        size: 128,
        recipients: &["kek"],
        sender: false,
        signed: false,
        armored: false,
    },
    Spec {
        name: "multi_chunk",
        description: "KEK, 150 bytes = 64 + 64 + 22",
        size: 150,
        recipients: &["kek"],
        sender: false,
        signed: false,
        armored: false,
    },
    Spec {
        name: "signed",
        description: "KEK, signed by ed25519_seed",
        size: 100,
        recipients: &["kek"],
        sender: false,
        signed: true,
        armored: false,
    },
    Spec {
        name: "armored",
        description: "KEK, armored text form",
        size: 30,
        recipients: &["kek"],
        sender: false,
        signed: false,
        armored: true,
    },
];

fn seal_spec(s: &Spec, seed: u8) -> Vec<u8> {
    let kek = Kek::from_bytes(KEYS.kek);
    let x = X25519Identity::from_bytes(KEYS.x25519);
    let sender = X25519Identity::from_bytes(KEYS.sender);
    let xw = XWingIdentity::from_seed(KEYS.xwing_seed);
    let sk = SigningKey::from_bytes(KEYS.ed25519);
    let rs: Vec<Recipient<'_>> = s
        .recipients
        .iter()
        .map(|r| match *r {
            "kek" => Recipient::Kek(&kek),
            "x25519" => Recipient::X25519(x.recipient()),
            "xwing" => Recipient::XWing(xw.recipient()),
            _ => unreachable!(),
        })
        .collect();
    let mut opts = EnvelopeOptions::new(metadata(64), rs);
    if s.sender {
        opts = opts.with_sender(&sender);
    }
    if s.signed {
        opts = opts.with_signer(&sk);
    }
    format::seal_with_rng(&plaintext(s.size), &opts, &mut ChaCha20Rng::from_seed([seed; 32])).unwrap()
}

fn good_vectors() -> Vec<Value> {
    SPECS
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let seed = u8::try_from(i + 1).unwrap();
            let env = seal_spec(s, seed);
            let h = format::parse_header(&env).unwrap();
            let envelope = if s.armored { json!({ "armored": format::armor(&env) }) } else { json!({ "hex": hex(&env) }) };
            json!({
                "name": s.name,
                "description": s.description,
                "rng": { "algorithm": "ChaCha20Rng (rand_core 0.10 SeedableRng)", "seed": hex(&[seed; 32]) },
                "keys": keys_json(),
                "recipients": s.recipients,
                "sender": s.sender,
                "signed": s.signed,
                "chunk_size": 64,
                "envelope": envelope,
                "header_len": h.len(),
                "object_id": hex(h.object_id()),
                "stanzas": h.stanzas().iter().map(|st| json!({"kind": st.kind().code(), "key_id": st.key_id().to_string()})).collect::<Vec<_>>(),
                "expect": { "plaintext": hex(&plaintext(s.size)) },
            })
        })
        .collect()
}

fn bad(name: &str, description: &str, env: &[u8], key: &str, error: &str) -> Value {
    json!({
        "name": name,
        "description": description,
        "keys": keys_json(),
        "open_with": key,
        "envelope": { "hex": hex(env) },
        "expect": { "error": error },
    })
}

fn bad_vectors() -> Vec<Value> {
    let base = seal_spec(&SPECS[7], 100); // multi_chunk
    let signed = seal_spec(&SPECS[8], 101);
    let hl = format::parse_header(&base).unwrap().len();
    let mut v = Vec::new();

    let mut e = base.clone();
    e[hl + 3] ^= 0x01;
    v.push(bad("fail_payload_bit", "one bit of the first chunk flipped", &e, "kek", "open_failed"));

    v.push(bad("fail_truncated_chunk", "the last (partial) chunk removed", &base[..hl + 2 * 80], "kek", "open_failed"));
    v.push(bad("fail_truncated_header", "cut inside the header", &base[..hl - 10], "kek", "truncated"));

    let mut e = base.clone();
    e[9] = 2;
    v.push(bad("fail_version", "version 2", &e, "kek", "unsupported_version"));

    let mut e = base.clone();
    e[11] = 9;
    v.push(bad("fail_suite", "suite 9", &e, "kek", "unsupported_suite"));

    let i = base.windows(13).position(|w| w == b"investigation").unwrap();
    let mut e = base.clone();
    e[i] = b'j';
    v.push(bad(
        "fail_purpose_tampered",
        "purpose 'investigation.financial' changed to 'jnvestigation.financial'",
        &e,
        "kek",
        "open_failed",
    ));

    let na = 1_900_000_000u64.to_be_bytes();
    let i = base.windows(8).position(|w| w == na).unwrap();
    let mut e = base.clone();
    e[i + 7] ^= 0x80;
    v.push(bad("fail_expiry_tampered", "not_after changed", &e, "kek", "open_failed"));

    // An unknown critical field (tag 0x8001, empty) appended to the fields; the fields length adjusted.
    let flen = u32::from_be_bytes(base[12..16].try_into().unwrap());
    let mut e = base[..12].to_vec();
    e.extend_from_slice(&(flen + 4).to_be_bytes());
    e.extend_from_slice(&base[16..16 + flen as usize]);
    e.extend_from_slice(&[0x80, 0x01, 0x00, 0x00]);
    e.extend_from_slice(&base[16 + flen as usize..]);
    v.push(bad("fail_unknown_critical_field", "field 0x8001 appended", &e, "kek", "unknown_critical_field"));

    let mut e = base[..12].to_vec();
    e.extend_from_slice(&0x4000_0000u32.to_be_bytes());
    e.resize(100, 0);
    v.push(bad("fail_huge_length", "fields length 1 GiB in a 100-byte input", &e, "kek", "limit_exceeded"));

    v.push(bad("fail_wrong_key", "opened with kek2, which has no stanza", &base, "kek2", "no_matching_recipient"));

    let mut e = signed.clone();
    let n = e.len();
    e[n - 1] ^= 0x01;
    v.push(bad("fail_signature", "last byte of the signature flipped", &e, "kek", "signature_invalid"));

    let mut e = base.clone();
    e[0] = b'X';
    v.push(bad("fail_magic", "bad magic", &e, "kek", "malformed"));

    let arm = format::armor(&base).replacen('\n', "\n ", 2);
    let mut val = bad("fail_armor", "a space at the start of the first base64 line", &[], "kek", "armor");
    val["envelope"] = json!({ "armored": arm });
    v.push(val);
    v
}

fn key_for(name: &str) -> Box<dyn Unwrap> {
    match name {
        "kek" => Box::new(Kek::from_bytes(KEYS.kek)),
        "kek2" => Box::new(Kek::from_bytes(KEYS.kek2)),
        "x25519" => Box::new(X25519Identity::from_bytes(KEYS.x25519)),
        "xwing" => Box::new(XWingIdentity::from_seed(KEYS.xwing_seed)),
        _ => unreachable!(),
    }
}

fn envelope_bytes(v: &Value) -> Vec<u8> {
    let e = &v["envelope"];
    if let Some(h) = e["hex"].as_str() { unhex(h) } else { e["armored"].as_str().unwrap().as_bytes().to_vec() }
}

fn all_vectors() -> Vec<Value> {
    let mut v = good_vectors();
    v.extend(bad_vectors());
    v
}

#[test]
fn committed_vectors_open_as_expected() {
    if std::env::var_os("CUSTODIA_REGEN_VECTORS").is_some() {
        std::fs::create_dir_all(dir()).unwrap();
        for v in all_vectors() {
            let path = dir().join(format!("{}.json", v["name"].as_str().unwrap()));
            std::fs::write(path, serde_json::to_string_pretty(&v).unwrap() + "\n").unwrap();
        }
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "expected the committed vectors, found {}", files.len());
    let regenerated = all_vectors();
    for path in files {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let name = v["name"].as_str().unwrap();
        let env = envelope_bytes(&v);
        let sk = SigningKey::from_bytes(arr32(v["keys"]["ed25519_seed"].as_str().unwrap()));
        if let Some(pt) = v["expect"]["plaintext"].as_str() {
            for r in v["recipients"].as_array().unwrap() {
                let key = key_for(r.as_str().unwrap());
                let required = v["signed"].as_bool().unwrap().then(|| sk.verifying_key());
                let o =
                    format::open(&env, &[key.as_ref()], required.as_ref()).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(hex(o.plaintext.expose_secret()), pt, "{name}");
                if v["sender"].as_bool().unwrap() {
                    let s = X25519Identity::from_bytes(arr32(v["keys"]["sender_x25519"].as_str().unwrap()));
                    assert_eq!(o.sender.as_ref(), Some(s.recipient()), "{name}");
                }
            }
            let h = format::parse_header(&env).unwrap();
            assert_eq!(h.len() as u64, v["header_len"].as_u64().unwrap(), "{name}");
            assert_eq!(hex(h.object_id()), v["object_id"].as_str().unwrap(), "{name}");
        } else {
            let want = v["expect"]["error"].as_str().unwrap();
            let key = key_for(v["open_with"].as_str().unwrap());
            let got = format::open(&env, &[key.as_ref()], None).map(|_| ()).unwrap_err();
            assert_eq!(got.kind_name(), want, "{name}: got {got}");
        }
        // Sealing again with the recorded keys and seed reproduces the committed bytes exactly.
        let again = regenerated.iter().find(|r| r["name"] == v["name"]).unwrap_or_else(|| panic!("{name}: no spec"));
        assert_eq!(again["envelope"], v["envelope"], "{name}: format drifted; regenerate deliberately");
    }
}
