//! Test vectors of the disclosure receipt format (`tests/vectors/receipts/*.json`, `docs/FORMAT.md` section 11).
//!
//! The good vector is a receipt signed with a fixed Ed25519 seed; the must-fail vectors are edits of it (some signed
//! again, so that only the rule under test is broken). Each committed file is decoded and checked; making the vectors
//! again from their recipe must reproduce the committed bytes (Ed25519 is deterministic). Regenerate deliberately
//! with `CUSTODIA_REGEN_VECTORS=1 cargo test --test receipt_vectors`.

use std::path::PathBuf;

use base64ct::{Base64, Encoding as _};
use custodia::format::SigningKey;
use custodia::{CaseRef, Receipt, ReceiptField, ReceiptItem, ReceiptItemKind, Timestamp, encode_public};
use custodia::{KeyKind, MAX_RECEIPT_LEN};
use ed25519_dalek::Signer as _;
use serde_json::{Value, json};

const T0: u64 = 1_795_435_200; // 2026-11-23T12:00:00Z
const SEED: [u8; 32] = [0x42; 32];
const OTHER_SEED: [u8; 32] = [0x43; 32];
const DOMAIN: &[u8] = b"custodia/receipt/v1\0";

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/receipts")
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

fn public_text(seed: [u8; 32]) -> String {
    encode_public(KeyKind::Ed25519, &SigningKey::from_bytes(seed).verifying_key().to_bytes())
}

fn basic() -> Receipt {
    let at = |s| Timestamp::from_unix(T0 + s);
    let items = vec![
        ReceiptItem::new(ReceiptItemKind::Received, at(60))
            .with(ReceiptField::Role, "clerk")
            .with(ReceiptField::Jurisdiction, "NL")
            .with(ReceiptField::Key, "0123456789abcdef0123456789abcdef"),
        ReceiptItem::new(ReceiptItemKind::Opened, at(120))
            .with(ReceiptField::Purpose, "investigation")
            .with(ReceiptField::Role, "investigator")
            .with(ReceiptField::Jurisdiction, "NL"),
        ReceiptItem::new(ReceiptItemKind::ExceptionUsed, at(180))
            .with(ReceiptField::Purpose, "asset_recovery")
            .with(ReceiptField::Role, "investigator")
            .with(ReceiptField::Jurisdiction, "NL")
            .with(ReceiptField::ExceptionKind, "national_security")
            .with(ReceiptField::ExceptionReference, "Decision AIVD 2026/3"),
        ReceiptItem::new(ReceiptItemKind::Refused, at(240))
            .with(ReceiptField::Purpose, "tax_assessment")
            .with(ReceiptField::Role, "investigator")
            .with(ReceiptField::Refusal, "purpose_not_permitted")
            .with(ReceiptField::Operation, "open"),
        ReceiptItem::new(ReceiptItemKind::Destroyed, at(300))
            .with(ReceiptField::Key, "0123456789abcdef0123456789abcdef")
            .with(ReceiptField::ErasureCertificate, "00112233445566778899aabbccddeeff:17")
            .with(ReceiptField::ErasureCertificateSha256, &"ab".repeat(32)),
    ];
    let case = Some(CaseRef::parse("MLA-2026-0042").expect("case"));
    Receipt::sign([0x11; 16], case, at(600), items, &SigningKey::from_bytes(SEED)).expect("sign")
}

/// Sign `body` as a receipt with `seed` (to make vectors that break one rule and nothing else).
fn signed(body: &[u8], seed: [u8; 32]) -> Vec<u8> {
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let mut m = DOMAIN.to_vec();
    m.extend_from_slice(body);
    let mut out = body.to_vec();
    out.extend_from_slice(&key.sign(&m).to_bytes());
    out
}

/// The byte offset of the first item (after the case ref and the item count).
fn first_item(body: &[u8]) -> usize {
    let case_len = usize::from(body[66]);
    67 + case_len + 2
}

fn vectors() -> Vec<Value> {
    let r = basic();
    let bytes = r.to_bytes();
    let body = &bytes[..bytes.len() - 64];
    let items: Vec<Value> = r
        .items()
        .iter()
        .map(|i| {
            let fields: serde_json::Map<String, Value> =
                i.fields().map(|(f, v)| (f.name().to_owned(), Value::from(v))).collect();
            json!({ "kind": i.kind().name(), "at": i.at().as_unix(), "fields": fields })
        })
        .collect();
    let mut out = vec![json!({
        "name": "receipt_basic",
        "issuer_seed": hex(&SEED),
        "issuer_public": public_text(SEED),
        "receipt": { "hex": hex(&bytes), "armored": r.to_armored() },
        "verify_with": public_text(SEED),
        "expect": {
            "object_id": r.object_id(),
            "case_ref": "MLA-2026-0042",
            "issued_at": T0 + 600,
            "issuer_key_id": r.issuer().to_string(),
            "items": items,
        },
    })];
    let fail = |name: &str, b: Vec<u8>, verify_with: String, error: &str| {
        json!({
            "name": name,
            "issuer_seed": hex(&SEED),
            "receipt": { "hex": hex(&b) },
            "verify_with": verify_with,
            "expect": { "error": error },
        })
    };
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x01;
    out.push(fail("receipt_fail_signature", flipped, public_text(SEED), "receipt_invalid"));
    let mut edited = bytes.clone();
    let at = edited.windows(13).position(|w| w == b"investigation").expect("purpose");
    edited[at] = b'j';
    out.push(fail("receipt_fail_edited_item", edited, public_text(SEED), "receipt_invalid"));
    out.push(fail("receipt_fail_wrong_key", bytes.clone(), public_text(OTHER_SEED), "receipt_issuer_unknown"));
    out.push(fail("receipt_fail_truncated", bytes[..bytes.len() - 65].to_vec(), public_text(SEED), "receipt_invalid"));
    let mut v2 = body.to_vec();
    v2[9] = 2;
    out.push(fail("receipt_fail_version", signed(&v2, SEED), public_text(SEED), "receipt_invalid"));
    // The first item's first field tag (2, role) raised to an unassigned tag, signed again.
    let mut unknown = body.to_vec();
    let f = first_item(body) + 1 + 8 + 1;
    assert_eq!(unknown[f], ReceiptField::Role.tag());
    unknown[f] = 99;
    out.push(fail("receipt_fail_unknown_field", signed(&unknown, SEED), public_text(SEED), "receipt_invalid"));
    // The first item's time set after issued_at, signed again.
    let mut late = body.to_vec();
    let t = first_item(body) + 1;
    late[t..t + 8].copy_from_slice(&(T0 + 601).to_be_bytes());
    out.push(fail("receipt_fail_item_after_issue", signed(&late, SEED), public_text(SEED), "receipt_invalid"));
    // A receipt signed by the key it names, but that key is not the one given (a forger's own key).
    let mut forged = body.to_vec();
    forged[26..58].copy_from_slice(&SigningKey::from_bytes(OTHER_SEED).verifying_key().to_bytes());
    out.push(fail("receipt_fail_forger_key", signed(&forged, OTHER_SEED), public_text(SEED), "receipt_issuer_unknown"));
    // The issuer field names the recipient's key, the signature is the forger's.
    out.push(fail("receipt_fail_signed_by_other", signed(body, OTHER_SEED), public_text(SEED), "receipt_invalid"));
    out
}

fn check(v: &Value) {
    let name = v["name"].as_str().expect("name");
    let bytes = unhex(v["receipt"]["hex"].as_str().expect("hex"));
    let verify_with = v["verify_with"].as_str().expect("key");
    let result = Receipt::from_bytes(&bytes).and_then(|r| r.verify(verify_with).map(|()| r));
    if let Some(err) = v["expect"]["error"].as_str() {
        let got = result.expect_err(name);
        assert_eq!(got.kind_name(), err, "{name}: {got}");
        return;
    }
    let r = result.unwrap_or_else(|e| panic!("{name}: {e}"));
    let e = &v["expect"];
    assert_eq!(r.object_id(), e["object_id"].as_str().expect("oid"), "{name}");
    assert_eq!(r.case_ref().map(CaseRef::as_str), e["case_ref"].as_str(), "{name}");
    assert_eq!(r.issued_at().as_unix(), e["issued_at"].as_u64().expect("t"), "{name}");
    assert_eq!(r.issuer().to_string(), e["issuer_key_id"].as_str().expect("kid"), "{name}");
    let items = e["items"].as_array().expect("items");
    assert_eq!(r.items().len(), items.len(), "{name}");
    for (got, want) in r.items().iter().zip(items) {
        assert_eq!(got.kind().name(), want["kind"].as_str().expect("kind"));
        assert_eq!(got.at().as_unix(), want["at"].as_u64().expect("at"));
        let fields = want["fields"].as_object().expect("fields");
        assert_eq!(got.fields().count(), fields.len());
        for (f, value) in got.fields() {
            assert_eq!(Some(value), fields[f.name()].as_str(), "{name}: {}", f.name());
        }
    }
    let armored = v["receipt"]["armored"].as_str().expect("armored");
    assert_eq!(Receipt::from_armored(armored).expect("armored"), r, "{name}");
    // The signature, checked here independently of the library, as section 11 states it.
    let (body, sig) = bytes.split_at(bytes.len() - 64);
    let issuer: [u8; 32] = body[26..58].try_into().expect("issuer");
    let key = ed25519_dalek::VerifyingKey::from_bytes(&issuer).expect("key");
    let mut m = DOMAIN.to_vec();
    m.extend_from_slice(body);
    key.verify_strict(&m, &ed25519_dalek::Signature::from_slice(sig).expect("sig")).expect(name);
    assert_eq!(&body[..10], b"CUSTRCPT\x00\x01", "{name}: magic and version");
    let b64: String = armored.lines().filter(|l| !l.starts_with("-----")).collect();
    assert_eq!(Base64::decode_vec(&b64).expect("base64"), bytes, "{name}: armor is base64 of the bytes");
}

#[test]
fn committed_receipt_vectors_decode_as_expected() {
    let made = vectors();
    if std::env::var_os("CUSTODIA_REGEN_VECTORS").is_some() {
        std::fs::create_dir_all(dir()).expect("mkdir");
        for v in &made {
            let path = dir().join(format!("{}.json", v["name"].as_str().expect("name")));
            std::fs::write(path, serde_json::to_string_pretty(v).expect("json") + "\n").expect("write");
        }
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .expect("tests/vectors/receipts")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), made.len(), "one committed file per vector");
    for path in files {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        check(&v);
        let again = made.iter().find(|m| m["name"] == v["name"]).expect("recipe");
        assert_eq!(again["receipt"], v["receipt"], "{}: format drifted; regenerate deliberately", v["name"]);
    }
}

#[test]
fn an_oversized_receipt_is_refused_before_it_is_read() {
    let mut huge = basic().to_bytes();
    huge.resize(MAX_RECEIPT_LEN + 1, 0);
    let e = Receipt::from_bytes(&huge).expect_err("oversized");
    assert_eq!(e.kind_name(), "receipt_invalid");
    assert!(e.to_string().contains("at most 65536"), "{e}");
}
