//! Test vectors of the SD-JWT profile (`tests/vectors/sdjwt/*.json`, docs/FORMAT.md section 15).
//!
//! Every committed vector is rebuilt from its seeds (ChaCha20 for salts and decoys; Ed25519 is deterministic) and
//! compared byte for byte. Every good one is verified by the library and a second time by `independent`, written
//! from docs/FORMAT.md section 15 alone (SHA-256 and Ed25519 from `ring`, base64url from `data-encoding`), which must
//! agree on the disclosed fields and the withheld count; every must-fail one is refused with its kind. Regenerate
//! deliberately with `CUSTODIA_REGEN_VECTORS=1 cargo test --test sdjwt_vectors`.

#![allow(clippy::unwrap_used, reason = "test helpers")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chacha20::ChaCha20Rng;
use custodia::format::SigningKey;
use custodia::sdjwt::{self, Claims, SdJwt};
use custodia::{CaseRef, FieldName, FieldValue, RecordDate, Timestamp};
use rand_core::SeedableRng;
use serde_json::{Value, json};

const ISSUER_SEED: [u8; 32] = [0x51; 32];
const OTHER_ISSUER_SEED: [u8; 32] = [0x52; 32];
const RNG_SEED: u8 = 0x71;
const OTHER_RNG_SEED: u8 = 0x72;
const OBJECT_ID: &str = "00112233445566778899aabbccddeeff";
const OTHER_OBJECT_ID: &str = "ffeeddccbbaa99887766554433221100";
const ISSUED_AT: u64 = 1_795_435_200;
/// The record has 7 fields; the issuer could open these 6 (`witness_name` was withheld from it).
const FIELD_COUNT: usize = 7;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/sdjwt")
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn name(s: &str) -> FieldName {
    FieldName::parse(s).unwrap()
}

fn fields(phone: &str) -> Vec<(FieldName, FieldValue)> {
    let mut address = BTreeMap::new();
    address.insert(name("city"), FieldValue::text("Utrecht"));
    address.insert(name("postcode"), FieldValue::Integer(3511));
    vec![
        (name("account_iban"), FieldValue::text("NL91ABNA0417164300")),
        (name("address"), FieldValue::Nested(address)),
        (name("born"), FieldValue::Date(RecordDate::new(1971, 5, 4).unwrap())),
        (name("note"), FieldValue::text("said \"no\"\n\u{e9}t\u{e9} \\ done")),
        (name("phone"), FieldValue::text(phone)),
        (name("scan"), FieldValue::Bytes(vec![0x25, 0x50, 0x44, 0x46, 0x00, 0xff])),
    ]
}

fn value_json(v: &FieldValue) -> Value {
    let mut s = String::new();
    v.write_json(&mut s);
    serde_json::from_str(&s).unwrap()
}

fn issue(seed: [u8; 32], object_id: &str, phone: &str, rng_seed: u8) -> SdJwt {
    let key = SigningKey::from_bytes(seed);
    let claims = Claims::new(
        object_id,
        Some(CaseRef::parse("MLA-2026-0042").unwrap()),
        key.id(),
        Timestamp::from_unix(ISSUED_AT),
        FIELD_COUNT,
    )
    .unwrap();
    let f = fields(phone);
    let refs: Vec<(&FieldName, &FieldValue)> = f.iter().map(|(n, v)| (n, v)).collect();
    sdjwt::issue_with_rng(&key, &claims, &refs, &mut ChaCha20Rng::from_seed([rng_seed; 32])).unwrap()
}

fn issued() -> SdJwt {
    issue(ISSUER_SEED, OBJECT_ID, "+31 6 1234 5678", RNG_SEED)
}

fn split(text: &str) -> Vec<String> {
    let mut v: Vec<String> = text.split('~').map(str::to_owned).collect();
    assert_eq!(v.pop().as_deref(), Some(""));
    v
}

fn join(parts: &[String]) -> String {
    let mut out = parts.join("~");
    out.push('~');
    out
}

fn b64(b: &[u8]) -> String {
    data_encoding::BASE64URL_NOPAD.encode(b)
}

fn unb64(s: &str) -> Vec<u8> {
    data_encoding::BASE64URL_NOPAD.decode(s.as_bytes()).unwrap()
}

fn base(name: &str, description: &str) -> Value {
    let key = SigningKey::from_bytes(ISSUER_SEED);
    json!({
        "name": name,
        "description": description,
        "issuer_seed": hex(&ISSUER_SEED),
        "issuer_public": hex(&key.verifying_key().to_bytes()),
        "issuer_key_id": key.id().to_string(),
    })
}

fn expect_ok(text: &str, shown: &[&str]) -> Value {
    let all = fields("+31 6 1234 5678");
    let disclosed: serde_json::Map<String, Value> =
        all.iter().filter(|(n, _)| shown.contains(&n.as_str())).map(|(n, v)| (n.to_string(), value_json(v))).collect();
    json!({
        "presentation": text,
        "expect": {
            "object_id": OBJECT_ID,
            "case_ref": "MLA-2026-0042",
            "issued_at": ISSUED_AT,
            "field_count": FIELD_COUNT,
            "disclosed": disclosed,
            "withheld": FIELD_COUNT - shown.len(),
        }
    })
}

fn fail(name: &str, description: &str, text: &str, error: &str) -> Value {
    let mut v = base(name, description);
    v["presentation"] = json!(text);
    v["expect"] = json!({ "error": error });
    v
}

fn all_vectors() -> Vec<Value> {
    let sd = issued();
    let whole = sd.to_text().to_string();
    let parts = split(&whole);
    let jwt: Vec<&str> = parts[0].split('.').collect();

    let mut issued_v = base("sdjwt_issued", "An issued SD-JWT: 6 of the record's 7 fields, every disclosure included.");
    issued_v["rng_seed"] = json!(hex(&[RNG_SEED; 32]));
    issued_v["fields"] = json!(
        fields("+31 6 1234 5678")
            .iter()
            .map(|(n, v)| (n.to_string(), value_json(v)))
            .collect::<serde_json::Map<_, _>>()
    );
    issued_v["jwt_header"] = json!(String::from_utf8(unb64(jwt[0])).unwrap());
    issued_v["jwt_payload"] = json!(String::from_utf8(unb64(jwt[1])).unwrap());
    issued_v["disclosures"] = json!(
        sd.disclosures()
            .iter()
            .map(|d| json!({
                "name": d.name().as_str(),
                "json": String::from_utf8(unb64(d.expose_encoded())).unwrap(),
                "encoded": d.expose_encoded(),
                "digest": d.digest(),
            }))
            .collect::<Vec<_>>()
    );
    let ok = expect_ok(&whole, &["account_iban", "address", "born", "note", "phone", "scan"]);
    issued_v["presentation"] = ok["presentation"].clone();
    issued_v["expect"] = ok["expect"].clone();

    let shown = ["born", "phone"];
    let text = sd.present(&shown).unwrap().to_string();
    let mut presented = base("sdjwt_presentation", "A presentation of two fields: five are withheld.");
    let ok = expect_ok(&text, &shown);
    presented["fields_presented"] = json!(shown);
    presented["presentation"] = ok["presentation"].clone();
    presented["expect"] = ok["expect"].clone();

    let phone = split(&text)[2].clone();
    let mut altered: Value = serde_json::from_slice(&unb64(&phone)).unwrap();
    altered[2] = json!({"text": "+31 6 0000 0000"});
    let altered = b64(serde_json::to_string(&altered).unwrap().as_bytes());
    let mut salted: Value = serde_json::from_slice(&unb64(&phone)).unwrap();
    salted[0] = json!(b64(&[0x42; 16]));
    let salted = b64(serde_json::to_string(&salted).unwrap().as_bytes());
    let other = issue(ISSUER_SEED, OTHER_OBJECT_ID, "+31 6 8765 4321", OTHER_RNG_SEED);
    let other_phone = split(&other.present(&["phone"]).unwrap())[1].clone();
    let stranger = issue(OTHER_ISSUER_SEED, OBJECT_ID, "+31 6 1234 5678", RNG_SEED);
    let reserved = b64(br#"["c2FsdHNhbHRzYWx0c2FsdA","iss","x"]"#);

    vec![
        issued_v,
        presented,
        fail(
            "sdjwt_fail_altered_disclosure",
            "The phone disclosure with its value changed: its digest is not in _sd.",
            &join(&[parts[0].clone(), altered]),
            "signature_invalid",
        ),
        fail(
            "sdjwt_fail_wrong_salt",
            "The phone disclosure with another salt: its digest is not in _sd.",
            &join(&[parts[0].clone(), salted]),
            "signature_invalid",
        ),
        fail(
            "sdjwt_fail_other_record",
            "This record's JWT with the phone disclosure of another record by the same issuer.",
            &join(&[parts[0].clone(), other_phone]),
            "signature_invalid",
        ),
        fail(
            "sdjwt_fail_other_key",
            "The same claims and disclosures signed by another key, verified with this issuer's key.",
            &stranger.present(&["phone"]).unwrap(),
            "signature_invalid",
        ),
        fail(
            "sdjwt_fail_duplicate_disclosure",
            "The phone disclosure presented twice.",
            &join(&[parts[0].clone(), split(&text)[2].clone(), split(&text)[2].clone()]),
            "malformed",
        ),
        fail(
            "sdjwt_fail_reserved_name",
            "A disclosure of the reserved name iss.",
            &join(&[parts[0].clone(), reserved]),
            "malformed",
        ),
        fail(
            "sdjwt_fail_key_binding",
            "A key binding JWT after the last '~': not part of the profile.",
            &format!("{text}eyJhbGciOiJFZERTQSIsInR5cCI6ImtiK2p3dCJ9.e30.AA"),
            "malformed",
        ),
    ]
}

/// A verifier written from docs/FORMAT.md section 15 alone, for the good vectors: the disclosed fields (as the
/// section 14 JSON value form) and the withheld count.
mod independent {
    use super::*;
    use ring::digest::{SHA256, digest};
    use ring::signature::{ED25519, UnparsedPublicKey};

    pub(super) fn verify(text: &str, public: &[u8]) -> (serde_json::Map<String, Value>, u64) {
        let parts = split(text);
        let jwt: Vec<&str> = parts[0].split('.').collect();
        assert_eq!(jwt.len(), 3);
        let header: Value = serde_json::from_slice(&unb64(jwt[0])).unwrap();
        assert_eq!(header["alg"], "EdDSA");
        assert_eq!(header["typ"], "custodia-record+sd-jwt");
        let signed = format!("{}.{}", jwt[0], jwt[1]);
        UnparsedPublicKey::new(&ED25519, public).verify(signed.as_bytes(), &unb64(jwt[2])).unwrap();
        let payload: Value = serde_json::from_slice(&unb64(jwt[1])).unwrap();
        assert_eq!(payload["_sd_alg"], "sha-256");
        let sd: Vec<&str> = payload["_sd"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
        let mut sorted = sd.clone();
        sorted.sort_unstable();
        assert_eq!(sd, sorted, "_sd is sorted");
        assert_eq!(sd.len() % 4, 0, "decoys pad _sd to a multiple of four");
        let mut out = serde_json::Map::new();
        for d in &parts[1..] {
            assert!(sd.contains(&b64(digest(&SHA256, d.as_bytes()).as_ref()).as_str()));
            let arr: Value = serde_json::from_slice(&unb64(d)).unwrap();
            assert!(unb64(arr[0].as_str().unwrap()).len() >= 16, "128-bit salt");
            assert!(out.insert(arr[1].as_str().unwrap().to_owned(), arr[2].clone()).is_none());
        }
        let count = payload["custodia_field_count"].as_u64().unwrap();
        (out, count - parts.len() as u64 + 1)
    }
}

#[test]
fn committed_sdjwt_vectors_verify_as_expected_and_rebuild_byte_for_byte() {
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
        let public: [u8; 32] = data_encoding::HEXLOWER.decode(v["issuer_public"].as_str().unwrap().as_bytes()).unwrap()
            [..]
            .try_into()
            .unwrap();
        let issuer = custodia::format::VerifyingKey::from_bytes(public).unwrap();
        let text = v["presentation"].as_str().unwrap();
        match v["expect"]["error"].as_str() {
            Some(want) => {
                let e = sdjwt::verify_presentation(text, &issuer).unwrap_err();
                assert_eq!(e.kind_name(), want, "{name}");
            }
            None => {
                let got = sdjwt::verify_presentation(text, &issuer).unwrap();
                let e = &v["expect"];
                assert_eq!(got.claims.object_id, e["object_id"].as_str().unwrap(), "{name}");
                assert_eq!(got.claims.case_ref.as_ref().map(CaseRef::as_str), e["case_ref"].as_str(), "{name}");
                assert_eq!(got.claims.issued_at.as_unix(), e["issued_at"].as_u64().unwrap(), "{name}");
                assert_eq!(got.claims.field_count as u64, e["field_count"].as_u64().unwrap(), "{name}");
                assert_eq!(got.withheld as u64, e["withheld"].as_u64().unwrap(), "{name}");
                let mine: serde_json::Map<String, Value> =
                    got.disclosed.iter().map(|d| (d.name.to_string(), value_json(&d.value))).collect();
                assert_eq!(Value::Object(mine), e["disclosed"], "{name}");
                let (theirs, withheld) = independent::verify(text, &public);
                assert_eq!(Value::Object(theirs), e["disclosed"], "{name}: independent");
                assert_eq!(withheld, e["withheld"].as_u64().unwrap(), "{name}: independent");
            }
        }
    }
}
