//! Test vectors of grants and of an envelope carrying one (`tests/vectors/grants/*.json`, described in
//! `docs/FORMAT.md`, "Grants").
//!
//! Every committed vector is decoded and checked, and rebuilt from its recorded keys (Ed25519 signatures are
//! deterministic) to the same bytes. To regenerate after a deliberate format change:
//! `CUSTODIA_REGEN_VECTORS=1 cargo test --test grant_vectors`.

#![allow(clippy::unwrap_used, reason = "test helpers")]

use std::path::{Path, PathBuf};

use chacha20::ChaCha20Rng;
use custodia::format::{self, EnvelopeOptions, InstrumentKind, LegalInstrument, Metadata, Recipient};
use custodia::format::{Kek, SigningKey};
use custodia::{CaseRef, Category, Error, Grant, GrantScope, Jurisdiction, KeyId, PurposeSet, Timestamp};
use rand_core::SeedableRng;
use serde_json::{Value, json};

const GRANTOR_SEED: [u8; 32] = [0x41; 32];
const OTHER_SEED: [u8; 32] = [0x42; 32];
const KEK: [u8; 32] = [0x11; 32];
const ENVELOPE_SEED: [u8; 32] = [0x51; 32];
const ISSUED_AT: u64 = 1_790_000_100;
const NOT_AFTER: u64 = 1_800_000_000;
const REFERENCE: &str = "US request letter 2026/7, answer of 2026-09-21";

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/grants")
}

/// The envelope the grants are for: the `signed` vector's shape (KEK, signed by the grantor), its own seed.
fn envelope() -> Vec<u8> {
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
    m.chunk_size = 64;
    let kek = Kek::from_bytes(KEK);
    let sk = SigningKey::from_bytes(GRANTOR_SEED);
    let opts = EnvelopeOptions::new(m, vec![Recipient::Kek(&kek)]).with_signer(&sk);
    format::seal_with_rng(b"wire transfers 2026-01..2026-06", &opts, &mut ChaCha20Rng::from_seed(ENVELOPE_SEED))
        .unwrap()
}

fn object_id(env: &[u8]) -> [u8; 16] {
    *format::parse_header(env).unwrap().object_id()
}

fn onward(oid: &[u8; 16]) -> Grant {
    let scope = GrantScope::onward_transfer(
        "Office of International Affairs",
        Jurisdiction::parse("CA").unwrap(),
        KeyId::from_bytes([0x77; 16]),
    )
    .unwrap();
    let sk = SigningKey::from_bytes(GRANTOR_SEED);
    Grant::issue(&sk, oid, scope, Timestamp::from_unix(ISSUED_AT), Timestamp::from_unix(NOT_AFTER), REFERENCE).unwrap()
}

fn extension(oid: &[u8; 16]) -> Grant {
    let scope =
        GrantScope::purpose_extension(PurposeSet::parse(&["prosecution.trial", "asset_recovery"]).unwrap()).unwrap();
    let sk = SigningKey::from_bytes(GRANTOR_SEED);
    Grant::issue(&sk, oid, scope, Timestamp::from_unix(ISSUED_AT), Timestamp::from_unix(NOT_AFTER), REFERENCE).unwrap()
}

fn grant_json(name: &str, description: &str, g: &Grant) -> Value {
    let scope = match g.scope() {
        GrantScope::OnwardTransfer { authority, jurisdiction, key_id } => json!({
            "kind": "onward_transfer", "authority": authority, "jurisdiction": jurisdiction.as_str(),
            "key_id": key_id.to_string(),
        }),
        GrantScope::PurposeExtension(p) => json!({
            "kind": "purpose_extension", "purposes": p.iter().map(|x| x.as_str()).collect::<Vec<_>>(),
        }),
        _ => unreachable!(),
    };
    json!({
        "name": name,
        "description": description,
        "keys": { "grantor_ed25519_seed": hex(&GRANTOR_SEED) },
        "grant": { "hex": hex(&g.to_bytes()), "armored": g.to_armored() },
        "expect": {
            "id": g.id().to_string(),
            "object_id": hex(g.object_id()),
            "grantor": hex(&g.grantor().to_bytes()),
            "issued_at": g.issued_at().as_unix(),
            "not_after": g.not_after().as_unix(),
            "reference": g.reference(),
            "scope": scope,
            "signature_valid": true,
        },
    })
}

fn bad_json(name: &str, description: &str, bytes: &[u8], expect: Value) -> Value {
    json!({ "name": name, "description": description, "keys": { "grantor_ed25519_seed": hex(&GRANTOR_SEED) },
            "grant": { "hex": hex(bytes) }, "expect": expect })
}

fn all_vectors() -> Vec<Value> {
    let env = envelope();
    let oid = object_id(&env);
    let on = onward(&oid);
    let ext = extension(&oid);
    let mut v = vec![
        grant_json("grant_onward_transfer", "onward transfer to key 7777... of an authority in CA", &on),
        grant_json("grant_purpose_extension", "purpose extension to prosecution.trial and asset_recovery", &ext),
    ];

    // The envelope re-issued with the extension grant in its critical `grants` field.
    let header = format::parse_header(&env).unwrap();
    let dk = format::unwrap_with_kek(&header, &Kek::from_bytes(KEK)).unwrap();
    let (mut reissued, at) = format::reissue_header_with_rng(
        &header,
        &dk,
        &[],
        &[],
        &[ext.to_bytes()],
        &mut ChaCha20Rng::from_seed([0; 32]),
    )
    .unwrap();
    reissued.extend_from_slice(&env[at..]);
    v.push(json!({
        "name": "envelope_with_grant",
        "description": "a KEK envelope signed by the grantor, re-issued with grant_purpose_extension in field 0x800e",
        "keys": { "kek": hex(&KEK), "grantor_ed25519_seed": hex(&GRANTOR_SEED) },
        "sealed_envelope": { "hex": hex(&env) },
        "envelope": { "hex": hex(&reissued) },
        "expect": {
            "plaintext": hex(b"wire transfers 2026-01..2026-06"),
            "grants": [hex(&ext.to_bytes())],
            "sealed_header_len": header.len(),
            "header_len": format::parse_header(&reissued).unwrap().len(),
        },
    }));

    let mut forged = on.to_bytes();
    let n = forged.len();
    forged[n - 1] ^= 0x01;
    v.push(bad_json(
        "grant_fail_signature",
        "grant_onward_transfer with the last signature byte flipped: well-formed, the signature does not verify",
        &forged,
        json!({ "signature_valid": false }),
    ));
    let other = Grant::issue(
        &SigningKey::from_bytes(OTHER_SEED),
        &oid,
        ext.scope().clone(),
        Timestamp::from_unix(ISSUED_AT),
        Timestamp::from_unix(NOT_AFTER),
        REFERENCE,
    )
    .unwrap();
    let mut wrong =
        grant_json("grant_fail_wrong_signer", "signed by seed 0x42..: valid, but not the envelope's signer", &other);
    wrong["keys"]["grantor_ed25519_seed"] = json!(hex(&OTHER_SEED));
    v.push(wrong);
    v.push(bad_json(
        "grant_fail_truncated",
        "grant_onward_transfer without its last byte",
        &on.to_bytes()[..n - 1],
        json!({ "error": "grant_invalid" }),
    ));
    let mut trailing = on.to_bytes();
    trailing.insert(n - 64, 0);
    v.push(bad_json(
        "grant_fail_trailing",
        "a zero byte between the scope and the signature",
        &trailing,
        json!({ "error": "grant_invalid" }),
    ));
    v
}

#[test]
fn committed_grant_vectors_decode_as_expected() {
    if std::env::var_os("CUSTODIA_REGEN_VECTORS").is_some() {
        std::fs::create_dir_all(dir()).unwrap();
        for v in all_vectors() {
            let path = dir().join(format!("{}.json", v["name"].as_str().unwrap()));
            std::fs::write(path, serde_json::to_string_pretty(&v).unwrap() + "\n").unwrap();
        }
    }
    let regenerated = all_vectors();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir()).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert_eq!(files.len(), regenerated.len(), "one file per vector");
    for path in files {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let name = v["name"].as_str().unwrap();
        let again = regenerated.iter().find(|r| r["name"] == v["name"]).unwrap_or_else(|| panic!("{name}: no spec"));
        assert_eq!(again, &v, "{name}: drifted; regenerate deliberately");
        if name == "envelope_with_grant" {
            let env = unhex(v["envelope"]["hex"].as_str().unwrap());
            let h = format::parse_header(&env).unwrap();
            let grants: Vec<String> = h.grants().iter().map(|g| hex(g)).collect();
            assert_eq!(json!(grants), v["expect"]["grants"]);
            let signer = SigningKey::from_bytes(GRANTOR_SEED).verifying_key();
            let o = format::open(&env, &[&Kek::from_bytes(KEK)], Some(&signer)).unwrap();
            assert_eq!(hex(o.plaintext.expose_secret()), v["expect"]["plaintext"].as_str().unwrap());
            // The sealed envelope's payload and signature are the re-issued one's, byte for byte.
            let sealed = unhex(v["sealed_envelope"]["hex"].as_str().unwrap());
            let sl = usize::try_from(v["expect"]["sealed_header_len"].as_u64().unwrap()).unwrap();
            assert_eq!(&sealed[sl..], &env[h.len()..]);
            continue;
        }
        let bytes = unhex(v["grant"]["hex"].as_str().unwrap());
        match v["expect"]["error"].as_str() {
            Some(want) => {
                let e = Grant::from_bytes(&bytes).unwrap_err();
                assert!(matches!(e, Error::GrantInvalid(_)), "{name}: {e}");
                assert_eq!(e.kind_name(), want, "{name}");
            }
            None => {
                let g = Grant::from_bytes(&bytes).unwrap();
                let valid = v["expect"]["signature_valid"].as_bool().unwrap();
                assert_eq!(g.verify_signature().is_ok(), valid, "{name}");
                if let Some(id) = v["expect"]["id"].as_str() {
                    assert_eq!(g.id().to_string(), id, "{name}");
                    assert_eq!(Grant::parse(v["grant"]["armored"].as_str().unwrap().as_bytes()).unwrap(), g);
                    assert_eq!(hex(g.object_id()), v["expect"]["object_id"].as_str().unwrap());
                }
            }
        }
    }
}
