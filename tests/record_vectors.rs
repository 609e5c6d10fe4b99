//! Test vectors of records (`tests/vectors/records/*.json`, docs/FORMAT.md section 14).
//!
//! Every committed vector is rebuilt from its seed and compared byte for byte; every good one is opened by the
//! library and decoded a second time by `independent`, written from docs/FORMAT.md section 14 alone (HKDF, HMAC and
//! ChaCha20-Poly1305 from their crates, the data key from the vector), which must agree field by field; every
//! must-fail one is refused with its kind. Regenerate deliberately with
//! `CUSTODIA_REGEN_VECTORS=1 cargo test --test record_vectors`.

#![allow(clippy::unwrap_used, reason = "test helpers")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chacha20::ChaCha20Rng;
use custodia::format::{self, EnvelopeOptions, Kek, Metadata, Recipient, SigningKey};
use custodia::{
    CaseRef, Category, Classification, FieldName, FieldSpec, FieldValue, PayloadType, PurposeSet, Record, RecordDate,
    Timestamp,
};
use rand_core::{Rng, SeedableRng};
use serde_json::{Value, json};

const KEK: [u8; 32] = [0x11; 32];
const SIGNER_SEED: [u8; 32] = [0x41; 32];
const SEED: u8 = 0x61;
const OTHER_SEED: u8 = 0x62;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/records")
}

fn name(s: &str) -> FieldName {
    FieldName::parse(s).unwrap()
}

fn record() -> Record {
    let mut address = BTreeMap::new();
    address.insert(name("city"), FieldValue::text("Utrecht"));
    address.insert(name("postcode"), FieldValue::Integer(3511));
    Record::new()
        .field("account_iban", FieldValue::text("NL91ABNA0417164300"), Category::FinancialRecords)
        .unwrap()
        .field("address", FieldValue::Nested(address), Category::ContactDetails)
        .unwrap()
        .field("born", FieldValue::Date(RecordDate::new(1971, 5, 4).unwrap()), Category::PersonalIdentity)
        .unwrap()
        .field("note", FieldValue::text(""), Category::InvestigativeNotes)
        .unwrap()
        .field("scan", FieldValue::Bytes(vec![0x25, 0x50, 0x44, 0x46, 0x00, 0xff]), Category::Evidence)
        .unwrap()
        .field_with(
            "transfers",
            FieldValue::Integer(-42),
            FieldSpec::new(Category::FinancialRecords)
                .classified(Classification::Secret)
                .unwrap()
                .for_purposes(PurposeSet::parse(&["investigation.financial"]).unwrap()),
        )
        .unwrap()
        .field("witness_name", FieldValue::text("A. Jansen"), Category::WitnessIdentity)
        .unwrap()
}

fn metadata(payload_type: PayloadType) -> Metadata {
    let mut m = Metadata::new(
        Category::CaseAdministration,
        PurposeSet::parse(&["investigation", "prosecution"]).unwrap(),
        Timestamp::from_unix(1_790_000_000),
    );
    m.case_ref = Some(CaseRef::parse("MLA-2026-0042").unwrap());
    m.chunk_size = 64;
    m.payload_type = payload_type;
    m
}

fn seal(record: &Record, seed: u8, signed: bool) -> Vec<u8> {
    let kek = Kek::from_bytes(KEK);
    let sk = SigningKey::from_bytes(SIGNER_SEED);
    let mut opts = EnvelopeOptions::new(metadata(PayloadType::Bytes), vec![Recipient::Kek(&kek)]);
    if signed {
        opts = opts.with_signer(&sk);
    }
    format::seal_record_with_rng(record, &opts, &mut ChaCha20Rng::from_seed([seed; 32])).unwrap()
}

/// A holder of the data key re-sealing a changed record payload with the same randomness: same data key, object id
/// and header; only the field tags can tell.
fn reseal(payload: &[u8], seed: u8) -> Vec<u8> {
    let kek = Kek::from_bytes(KEK);
    let opts = EnvelopeOptions::new(metadata(PayloadType::Record), vec![Recipient::Kek(&kek)]);
    format::seal_with_rng(payload, &opts, &mut ChaCha20Rng::from_seed([seed; 32])).unwrap()
}

/// The data key and object id a seal with `seed` drew: the first 32 and the next 16 bytes of the RNG.
fn drawn(seed: u8) -> ([u8; 32], [u8; 16]) {
    let mut rng = ChaCha20Rng::from_seed([seed; 32]);
    let (mut dk, mut oid) = ([0u8; 32], [0u8; 16]);
    rng.fill_bytes(&mut dk);
    rng.fill_bytes(&mut oid);
    (dk, oid)
}

fn payload(envelope: &[u8]) -> Vec<u8> {
    format::open(envelope, &[&Kek::from_bytes(KEK)], None).unwrap().plaintext.expose_secret().clone()
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).position(|w| w == needle).unwrap()
}

fn value_json(v: &FieldValue) -> Value {
    match v {
        FieldValue::Text(s) => json!({ "text": s }),
        FieldValue::Integer(i) => json!({ "integer": i }),
        FieldValue::Date(d) => json!({ "date": d.to_string() }),
        FieldValue::Bytes(b) => json!({ "bytes": hex(b) }),
        FieldValue::Nested(m) => {
            json!({ "nested": m.iter().map(|(k, v)| (k.to_string(), value_json(v))).collect::<serde_json::Map<_, _>>() })
        }
        _ => unreachable!(),
    }
}

fn good(name: &str, description: &str, envelope: &[u8], seed: u8, signed: bool) -> Value {
    let (dk, oid) = drawn(seed);
    let opened = format::open_record(envelope, &[&Kek::from_bytes(KEK)], None).unwrap();
    assert_eq!(opened.object_id, oid, "the data key and object id are the RNG's first 48 bytes");
    let fields: Vec<Value> = opened
        .fields
        .iter()
        .map(|(d, v)| {
            json!({
                "name": d.name.as_str(), "category": d.category.name(), "classification": d.classification.name(),
                "purposes": d.purposes.as_ref().map(|p| p.iter().map(|x| x.as_str()).collect::<Vec<_>>()),
                "type": d.kind.as_str(), "value": value_json(v.expose_secret()),
            })
        })
        .collect();
    json!({
        "name": name, "description": description,
        "keys": { "kek": hex(&KEK), "ed25519_seed": hex(&SIGNER_SEED) },
        "rng": { "algorithm": "ChaCha20Rng (rand_core 0.10 SeedableRng)", "seed": hex(&[seed; 32]) },
        "envelope": { "hex": hex(envelope) },
        "signed": signed,
        "data_key": hex(&dk),
        "object_id": hex(&oid),
        "record_payload": hex(&payload(envelope)),
        "expect": { "fields": fields },
    })
}

fn bad(name: &str, description: &str, envelope: &[u8], seed: u8, error: &str) -> Value {
    json!({
        "name": name, "description": description,
        "keys": { "kek": hex(&KEK) },
        "rng": { "algorithm": "ChaCha20Rng (rand_core 0.10 SeedableRng)", "seed": hex(&[seed; 32]) },
        "envelope": { "hex": hex(envelope) },
        "open_with": "kek",
        "expect": { "error": error },
    })
}

fn all_vectors() -> Vec<Value> {
    let env = seal(&record(), SEED, false);
    let pl = payload(&env);
    let mut v = vec![
        good("record_fields", "a record of every type; transfers has its own purposes; unsigned", &env, SEED, false),
        good("record_signed", "the same record, signed by ed25519_seed", &seal(&record(), SEED, true), SEED, true),
    ];
    let after = |field: &str| find(&pl, field.as_bytes()) + field.len();

    let mut renamed = pl.clone();
    renamed[after("scan") - 1] = b'm'; // "scan" -> "scam": still between "note" and "transfers"
    v.push(bad(
        "record_fail_renamed_field",
        "field scan renamed scam, re-sealed",
        &reseal(&renamed, SEED),
        SEED,
        "open_failed",
    ));

    let mut retagged = pl.clone();
    retagged[after("account_iban") + 1] = 7; // financial_records (3) -> communications_metadata (7)
    v.push(bad(
        "record_fail_retagged_field",
        "account_iban's category changed to communications_metadata, re-sealed",
        &reseal(&retagged, SEED),
        SEED,
        "open_failed",
    ));

    // transfers: its one purpose (investigation.financial) dropped, so the envelope's (wider) would apply.
    let at = after("transfers") + 3;
    let mut widened = pl[..at].to_vec();
    widened.push(0);
    widened.extend_from_slice(&pl[at + 1 + 1 + "investigation.financial".len()..]);
    v.push(bad(
        "record_fail_widened_purposes",
        "transfers without its own purposes, re-sealed",
        &reseal(&widened, SEED),
        SEED,
        "open_failed",
    ));

    let mut swapped = pl.clone();
    let value_at = |field: &str| after(field) + 2 + 1 + 1 + 1 + 4; // category, class, purpose count 0, type, len
    let (a, b) = (value_at("account_iban"), value_at("witness_name"));
    // Swap the first 9 ciphertext bytes: both values keep their lengths and types, the tags no longer match.
    let tmp = swapped[a..a + 9].to_vec();
    swapped[a..a + 9].copy_from_slice(&pl[b..b + 9]);
    swapped[b..b + 9].copy_from_slice(&tmp);
    v.push(bad(
        "record_fail_swapped_values",
        "the first 9 ciphertext bytes of account_iban and witness_name swapped, re-sealed",
        &reseal(&swapped, SEED),
        SEED,
        "open_failed",
    ));

    let other = payload(&seal(&record(), OTHER_SEED, false));
    let mut moved = pl.clone();
    let (s, e) = (value_at("witness_name"), value_at("witness_name") + "A. Jansen".len() + 16);
    moved[s..e].copy_from_slice(&other[s..e]);
    v.push(bad(
        "record_fail_moved_field",
        "witness_name's ciphertext and tag taken from the same record sealed with another seed, re-sealed",
        &reseal(&moved, SEED),
        SEED,
        "open_failed",
    ));

    let mut ptype = env.clone();
    let at = find(&ptype, &[0x80, 0x0f, 0x00, 0x01, 0x01]);
    ptype[at + 4] = 2;
    v.push(bad("record_fail_payload_type", "payload_type 2 (unknown)", &ptype, SEED, "malformed"));
    v
}

/// A decoder written from docs/FORMAT.md section 14 alone: the descriptors and every value, as JSON.
mod independent {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    use chacha20poly1305::{ChaCha20Poly1305, Nonce};
    use hkdf::Hkdf;
    use serde_json::{Value, json};
    use sha2::Sha256;

    struct C<'a>(&'a [u8]);

    impl<'a> C<'a> {
        fn take(&mut self, n: usize) -> &'a [u8] {
            let (h, t) = self.0.split_at(n);
            self.0 = t;
            h
        }
        fn u8(&mut self) -> u8 {
            self.take(1)[0]
        }
        fn u16(&mut self) -> u16 {
            u16::from_be_bytes(self.take(2).try_into().unwrap())
        }
        fn u32(&mut self) -> usize {
            u32::from_be_bytes(self.take(4).try_into().unwrap()) as usize
        }
        fn text(&mut self, n: usize) -> String {
            String::from_utf8(self.take(n).to_vec()).unwrap()
        }
    }

    const CATEGORIES: [&str; 12] = [
        "personal_identity",
        "contact_details",
        "financial_records",
        "biometric",
        "health",
        "communications_content",
        "communications_metadata",
        "evidence",
        "privileged_legal",
        "investigative_notes",
        "witness_identity",
        "case_administration",
    ];
    const CLASSES: [&str; 4] = ["public", "restricted", "confidential", "secret"];
    const TYPES: [&str; 5] = ["text", "integer", "date", "bytes", "nested"];

    fn value(kind: u8, b: &[u8]) -> Value {
        match kind {
            1 => json!({ "text": String::from_utf8(b.to_vec()).unwrap() }),
            2 => json!({ "integer": i64::from_be_bytes(b.try_into().unwrap()) }),
            3 => json!({ "date": String::from_utf8(b.to_vec()).unwrap() }),
            4 => json!({ "bytes": super::hex(b) }),
            5 => {
                let mut c = C(b);
                let mut m = serde_json::Map::new();
                for _ in 0..c.u16() {
                    let n = usize::from(c.u8());
                    let name = c.text(n);
                    let k = c.u8();
                    let len = c.u32();
                    m.insert(name, value(k, c.take(len)));
                }
                assert!(c.0.is_empty());
                json!({ "nested": m })
            }
            _ => panic!("type {kind}"),
        }
    }

    pub(super) fn decode(payload: &[u8], data_key: &[u8], object_id: &[u8]) -> Vec<Value> {
        let prk = Hkdf::<Sha256>::new(Some(object_id), data_key);
        let mut c = C(payload);
        assert_eq!(c.u8(), 1, "version");
        let count = c.u16();
        let mut out = Vec::new();
        for i in 0..count {
            let start = c.0;
            let n = usize::from(c.u8());
            let name = c.text(n);
            let category = CATEGORIES[usize::from(c.u16()) - 1];
            let class = CLASSES[usize::from(c.u8())];
            let pn = c.u8();
            let purposes: Option<Vec<String>> = (pn > 0).then(|| {
                (0..pn)
                    .map(|_| {
                        let l = usize::from(c.u8());
                        c.text(l)
                    })
                    .collect()
            });
            let kind = c.u8();
            let descriptor = &start[..start.len() - c.0.len()];
            let len = c.u32();
            let ct = c.take(len + 16);
            let mut info = b"custodia/v1/record-field".to_vec();
            info.extend_from_slice(&i.to_be_bytes());
            let mut key = [0u8; 32];
            prk.expand(&info, &mut key).unwrap();
            let mut aad = object_id.to_vec();
            aad.extend_from_slice(&i.to_be_bytes());
            aad.extend_from_slice(descriptor);
            let plain = ChaCha20Poly1305::new(&key.into())
                .decrypt(&Nonce::from([0u8; 12]), Payload { msg: ct, aad: &aad })
                .expect("field tag");
            out.push(json!({
                "name": name, "category": category, "classification": class, "purposes": purposes,
                "type": TYPES[usize::from(kind) - 1], "value": value(kind, &plain),
            }));
        }
        assert!(c.0.is_empty(), "nothing after the last field");
        out
    }
}

#[test]
fn committed_record_vectors_open_as_expected_and_rebuild_byte_for_byte() {
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
    let kek = Kek::from_bytes(KEK);
    for path in files {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let name = v["name"].as_str().unwrap();
        let again = regenerated.iter().find(|r| r["name"] == v["name"]).unwrap_or_else(|| panic!("{name}: no spec"));
        assert_eq!(again, &v, "{name}: drifted; regenerate deliberately");
        let env = unhex(v["envelope"]["hex"].as_str().unwrap());
        match v["expect"]["error"].as_str() {
            Some(want) => {
                let e = format::open_record(&env, &[&kek], None).unwrap_err();
                assert_eq!(e.kind_name(), want, "{name}");
            }
            None => {
                let signer =
                    v["signed"].as_bool().unwrap().then(|| SigningKey::from_bytes(SIGNER_SEED).verifying_key());
                let opened = format::open_record(&env, &[&kek], signer.as_ref()).unwrap();
                assert_eq!(opened.fields.len(), v["expect"]["fields"].as_array().unwrap().len(), "{name}");
                let pl = unhex(v["record_payload"].as_str().unwrap());
                assert_eq!(pl, payload(&env), "{name}: the payload is the envelope's STREAM plaintext");
                let dk = unhex(v["data_key"].as_str().unwrap());
                let oid = unhex(v["object_id"].as_str().unwrap());
                assert_eq!(json!(independent::decode(&pl, &dk, &oid)), v["expect"]["fields"], "{name}");
            }
        }
    }
}
