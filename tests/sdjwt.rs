//! Verifiable redaction (issue 16, section 3): an originator signs a record as an SD-JWT (docs/FORMAT.md section 15),
//! a holder presents some fields, and a third party verifies with the issuer's public key alone. Each promise is
//! attacked: the allowed case shows exactly the chosen fields and counts the rest as withheld; fields the issuing
//! reader may not open never enter the SD-JWT; an altered disclosure, another salt, a disclosure from another record,
//! a presentation of another record, another issuer's key and a duplicated disclosure are all refused, each with its
//! typed error. Issuing and presenting are recorded in the audit log.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use base64ct::{Base64UrlUnpadded, Encoding};
use common::authority::{Authority, authority, j, p};
use custodia::audit::{AuditEvent, EventKind};
use custodia::format::SigningKey;
use custodia::sdjwt::{self, Claims, SdJwt, verify_presentation};
use custodia::{
    Actor, CaseRef, Category, Classification, DataTag, Error, ErrorKind, FieldName, FieldSpec, FieldValue, FixedClock,
    KeyId, KeyKind, OpenRequest, PurposeSet, Record, RecordDate, SealOptions, Timestamp,
};

const T0: u64 = 1_795_435_200; // 2026-11-23T12:00:00Z
const WITNESS: &str = "A. Jansen, born 1971";
const IBAN: &str = "NL91ABNA0417164300";

fn jan() -> Actor {
    Actor::new("jan", "central_authority", j("NL"), Classification::Secret).expect("actor")
}

fn ana() -> Actor {
    Actor::new("ana", "analyst", j("NL"), Classification::Confidential).expect("actor")
}

fn name(s: &str) -> FieldName {
    FieldName::parse(s).expect("name")
}

fn record(phone: &str) -> Record {
    let mut address = BTreeMap::new();
    address.insert(name("city"), FieldValue::text("Utrecht"));
    address.insert(name("street"), FieldValue::text("Oudegracht 1"));
    Record::new()
        .field("account_iban", FieldValue::text(IBAN), Category::FinancialRecords)
        .and_then(|r| r.field("address", FieldValue::Nested(address), Category::ContactDetails))
        .and_then(|r| r.field("born", FieldValue::Date(RecordDate::new(1971, 5, 4)?), Category::PersonalIdentity))
        .and_then(|r| r.field("phone", FieldValue::text(phone), Category::ContactDetails))
        .and_then(|r| r.field("scan", FieldValue::Bytes(vec![0x25, 0x50, 0x44, 0x46]), Category::Evidence))
        .and_then(|r| {
            r.field_with(
                "transfers",
                FieldValue::Integer(42),
                FieldSpec::new(Category::FinancialRecords)
                    .for_purposes(PurposeSet::parse(&["investigation.financial"]).expect("purposes")),
            )
        })
        .and_then(|r| r.field("witness_name", FieldValue::text(WITNESS), Category::WitnessIdentity))
        .expect("record")
}

struct Scene {
    a: Authority,
    signer: KeyId,
    issuer: custodia::format::VerifyingKey,
    envelope: Vec<u8>,
    other_envelope: Vec<u8>,
}

fn scene() -> Scene {
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let a = authority(&clock);
    let kek = a.c.generate_key(&jan(), KeyKind::Kek, "case team").expect("kek");
    let signer = a.c.generate_key(&jan(), KeyKind::Ed25519, "NL redaction key").expect("signer");
    let issuer = a.c.export_public(&signer).expect("export").parse().expect("verifying key");
    let mut o = SealOptions::new(PurposeSet::parse(&["investigation", "prosecution"]).expect("purposes"), vec![kek]);
    o.case_ref = Some(CaseRef::parse("MLA-2026-0042").expect("case"));
    let tag = DataTag::new(Category::CaseAdministration, Classification::Restricted);
    let envelope = a.c.seal_record(&jan(), tag, &record("+31 6 1234 5678"), &o).expect("seal").envelope;
    // The same fields with the same values but one: another record (another object id).
    let other_envelope = a.c.seal_record(&jan(), tag, &record("+31 6 8765 4321"), &o).expect("seal").envelope;
    Scene { a, signer, issuer, envelope, other_envelope }
}

fn issue(s: &Scene, actor: Actor, purpose: &str, envelope: &[u8]) -> SdJwt {
    s.a.c.issue_sd_jwt(&OpenRequest::new(actor, p(purpose)), envelope, &s.signer).expect("issue")
}

fn events(s: &Scene) -> Vec<AuditEvent> {
    custodia::audit::entries(s.a.c.audit_log().path()).expect("entries").map(|e| e.expect("entry").event).collect()
}

fn present(s: &Scene, sd: &SdJwt, fields: &[&str]) -> String {
    s.a.c.present(&jan(), sd, fields, "FR-PNF", &p("mla.execution")).expect("present").to_string()
}

/// The presentation's parts: the JWT, then the disclosures (the trailing empty part dropped).
fn parts(presentation: &str) -> Vec<String> {
    let mut v: Vec<String> = presentation.split('~').map(str::to_owned).collect();
    assert_eq!(v.pop().as_deref(), Some(""));
    v
}

fn join(parts: &[String]) -> String {
    let mut out = parts.join("~");
    out.push('~');
    out
}

fn decode(d: &str) -> serde_json::Value {
    serde_json::from_slice(&Base64UrlUnpadded::decode_vec(d).expect("base64url")).expect("json")
}

fn encode(v: &serde_json::Value) -> String {
    Base64UrlUnpadded::encode_string(serde_json::to_string(v).expect("json").as_bytes())
}

fn kind(r: Result<sdjwt::VerifiedPresentation, Error>) -> ErrorKind {
    r.expect_err("must fail").kind()
}

#[test]
fn a_third_party_sees_exactly_the_presented_fields_and_how_many_were_withheld() {
    let s = scene();
    let sd = issue(&s, jan(), "investigation.financial", &s.envelope);
    assert_eq!(sd.field_names().len(), 7);
    let text = present(&s, &sd, &["phone", "born", "address"]);
    // The verifier has the issuer's public key and nothing else of this custodian.
    let v = verify_presentation(&text, &s.issuer).expect("verify");
    assert_eq!(v.names(), ["address", "born", "phone"]);
    assert_eq!(v.withheld, 4);
    assert_eq!(v.value("phone").and_then(FieldValue::as_text), Some("+31 6 1234 5678"));
    assert!(matches!(v.value("born"), Some(FieldValue::Date(d)) if d.to_string() == "1971-05-04"));
    let Some(FieldValue::Nested(address)) = v.value("address") else { panic!("address") };
    assert_eq!(address[&name("street")].as_text(), Some("Oudegracht 1"));
    assert_eq!(v.claims.object_id, s.a.c.inspect(&s.envelope).expect("inspect").object_id);
    assert_eq!(v.claims.case_ref.as_ref().map(CaseRef::as_str), Some("MLA-2026-0042"));
    assert_eq!(v.claims.issuer, s.signer);
    assert_eq!(v.claims.issued_at, Timestamp::from_unix(T0));
    assert_eq!(v.claims.field_count, 7);
    // None of the withheld values is in the presentation, in any form.
    for secret in [IBAN, WITNESS] {
        assert!(!text.contains(&Base64UrlUnpadded::encode_string(secret.as_bytes())[..12]));
    }
    // Every value of the whole SD-JWT comes back as sealed.
    let all = verify_presentation(&sd.to_text(), &s.issuer).expect("verify all");
    assert_eq!(all.withheld, 0);
    assert_eq!(all.value("account_iban").and_then(FieldValue::as_text), Some(IBAN));
    assert!(matches!(all.value("scan"), Some(FieldValue::Bytes(b)) if b == b"%PDF"));
    assert!(matches!(all.value("transfers"), Some(FieldValue::Integer(42))));
    // An empty presentation proves the record's existence and size, nothing more.
    let none = verify_presentation(&present(&s, &sd, &[]), &s.issuer).expect("verify none");
    assert!(none.disclosed.is_empty());
    assert_eq!(none.withheld, 7);
    // Nothing secret in Debug.
    for dbg in [format!("{sd:?}"), format!("{all:?}")] {
        assert!(!dbg.contains(IBAN) && !dbg.contains("Jansen") && !dbg.contains("Utrecht"), "{dbg}");
    }
}

#[test]
fn a_holder_can_pass_on_a_presentation_it_received_with_fewer_fields() {
    let s = scene();
    let sd = issue(&s, jan(), "investigation", &s.envelope);
    let first = present(&s, &sd, &["phone", "born"]);
    let received = SdJwt::parse(&first, &s.issuer).expect("parse");
    assert_eq!(received.field_names(), ["born", "phone"]);
    let second = received.present(&["born"]).expect("present");
    let v = verify_presentation(&second, &s.issuer).expect("verify");
    assert_eq!(v.names(), ["born"]);
    assert_eq!(v.withheld, 6);
}

#[test]
fn fields_the_issuing_reader_may_not_open_never_enter_the_sd_jwt() {
    let s = scene();
    // Ana (confidential) states the general purpose: the witness (secret) and `transfers` (own purpose
    // investigation.financial) are withheld from her, so she cannot have them signed either.
    let sd = issue(&s, ana(), "investigation", &s.envelope);
    assert_eq!(sd.field_names(), ["account_iban", "address", "born", "phone", "scan"]);
    assert_eq!(sd.claims().field_count, 7);
    let whole = sd.to_text();
    assert!(!whole.contains(&Base64UrlUnpadded::encode_string(WITNESS.as_bytes())[..12]));
    let v = verify_presentation(&whole, &s.issuer).expect("verify");
    assert_eq!(v.withheld, 2);
    assert!(v.value("witness_name").is_none());
    let e = s.a.c.present(&ana(), &sd, &["witness_name"], "FR-PNF", &p("mla.execution")).expect_err("not there");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    // The envelope-level gate refuses before anything is signed: no SD-JWT for a purpose the record does not permit.
    let refused = s.a.c.issue_sd_jwt(&OpenRequest::new(jan(), p("intelligence")), &s.envelope, &s.signer);
    assert!(refused.expect_err("refused").is_refusal());
    let issued = events(&s).into_iter().filter(|e| e.kind == EventKind::SelectiveDisclosure).count();
    assert_eq!(issued, 1, "the refused issue is not recorded as issued");
}

#[test]
fn issuing_and_presenting_are_audited_with_fields_audience_and_purpose() {
    let s = scene();
    let sd = issue(&s, ana(), "investigation", &s.envelope);
    present(&s, &sd, &["phone", "born"]);
    let evs: Vec<AuditEvent> = events(&s).into_iter().filter(|e| e.kind == EventKind::SelectiveDisclosure).collect();
    assert_eq!(evs.len(), 2);
    let oid = s.a.c.inspect(&s.envelope).expect("inspect").object_id;
    let (issued, presented) = (&evs[0], &evs[1]);
    assert_eq!(issued.detail["operation"], "sd_jwt_issue");
    assert_eq!(issued.detail["fields"], "account_iban address born phone scan");
    assert_eq!(issued.detail["withheld"], "transfers witness_name");
    assert_eq!(issued.object.as_deref(), Some(oid.as_str()));
    assert_eq!(issued.keys, [s.signer]);
    assert_eq!(presented.detail["operation"], "sd_jwt_present");
    assert_eq!(presented.detail["fields"], "born phone");
    assert_eq!(presented.detail["audience"], "FR-PNF");
    assert_eq!(presented.detail["withheld_count"], "5");
    assert_eq!(presented.purpose.as_ref().map(ToString::to_string).as_deref(), Some("mla.execution"));
    assert_eq!(issued.purpose.as_ref().map(ToString::to_string).as_deref(), Some("investigation"));
    assert_eq!(presented.object.as_deref(), Some(oid.as_str()));
    // The open that issuing needed is recorded as an open.
    assert!(events(&s).iter().any(|e| e.kind == EventKind::Opened && e.detail.contains_key("disclosed")));
    // No value in the log.
    let log = std::fs::read_to_string(s.a.c.audit_log().path()).expect("log");
    assert!(!log.contains("1234 5678") && !log.contains("1971-05-04"));
}

#[test]
fn an_altered_disclosure_is_refused() {
    let s = scene();
    let sd = issue(&s, jan(), "investigation", &s.envelope);
    let mut ps = parts(&present(&s, &sd, &["phone"]));
    let mut d = decode(&ps[1]);
    d[2] = serde_json::json!({"text": "+31 6 0000 0000"});
    ps[1] = encode(&d);
    assert_eq!(kind(verify_presentation(&join(&ps), &s.issuer)), ErrorKind::SignatureInvalid);
    // One character changed in the base64url text is as bad.
    let mut ps = parts(&present(&s, &sd, &["phone"]));
    let last = ps[1].pop().expect("char");
    ps[1].push(if last == 'A' { 'B' } else { 'A' });
    assert!(matches!(
        kind(verify_presentation(&join(&ps), &s.issuer)),
        ErrorKind::SignatureInvalid | ErrorKind::Malformed
    ));
}

#[test]
fn a_disclosure_with_another_salt_is_refused() {
    let s = scene();
    let sd = issue(&s, jan(), "investigation", &s.envelope);
    let mut ps = parts(&present(&s, &sd, &["phone"]));
    let mut d = decode(&ps[1]);
    d[0] = serde_json::json!(Base64UrlUnpadded::encode_string(&[0x42; 16]));
    ps[1] = encode(&d);
    assert_eq!(kind(verify_presentation(&join(&ps), &s.issuer)), ErrorKind::SignatureInvalid);
}

#[test]
fn a_disclosure_from_another_record_is_refused() {
    let s = scene();
    let sd = issue(&s, jan(), "investigation", &s.envelope);
    let other = issue(&s, jan(), "investigation", &s.other_envelope);
    // This record's JWT with the other record's disclosure of the same field.
    let mine = parts(&present(&s, &sd, &["phone"]));
    let theirs = parts(&present(&s, &other, &["phone"]));
    let forged = join(&[mine[0].clone(), theirs[1].clone()]);
    assert_eq!(kind(verify_presentation(&forged, &s.issuer)), ErrorKind::SignatureInvalid);
    // The other record's whole presentation verifies, but names its own record: a verifier expecting this one sees
    // that it is another.
    let v = verify_presentation(&join(&theirs), &s.issuer).expect("verify");
    assert_ne!(v.claims.object_id, s.a.c.inspect(&s.envelope).expect("inspect").object_id);
    assert_eq!(v.claims.object_id, s.a.c.inspect(&s.other_envelope).expect("inspect").object_id);
}

#[test]
fn a_presentation_signed_by_another_key_is_refused() {
    let s = scene();
    let sd = issue(&s, jan(), "investigation", &s.envelope);
    let text = present(&s, &sd, &["phone"]);
    let stranger = SigningKey::from_bytes([0x77; 32]).verifying_key();
    assert_eq!(kind(verify_presentation(&text, &stranger)), ErrorKind::SignatureInvalid);
    // Re-signed by another key over the same claims and disclosures: the verifier expecting this issuer refuses it.
    let key = SigningKey::from_bytes([0x77; 32]);
    let claims = sd.claims();
    let claims = Claims::new(&claims.object_id, claims.case_ref.clone(), key.id(), claims.issued_at, 7).expect("c");
    let forged = sdjwt::issue(&key, &claims, &[(&name("phone"), &FieldValue::text("+31 6 0000 0000"))]).expect("i");
    assert_eq!(kind(verify_presentation(&forged.to_text(), &s.issuer)), ErrorKind::SignatureInvalid);
    assert!(verify_presentation(&forged.to_text(), &key.verifying_key()).is_ok());
}

#[test]
fn duplicated_and_reserved_disclosures_are_refused() {
    let s = scene();
    let sd = issue(&s, jan(), "investigation", &s.envelope);
    let ps = parts(&present(&s, &sd, &["phone"]));
    let dup = join(&[ps[0].clone(), ps[1].clone(), ps[1].clone()]);
    assert_eq!(kind(verify_presentation(&dup, &s.issuer)), ErrorKind::Malformed);
    for reserved in ["_sd", "...", "iss", "custodia_field_count"] {
        let d = encode(&serde_json::json!(["c2FsdHNhbHRzYWx0c2FsdA", reserved, {"integer": 1}]));
        let text = join(&[ps[0].clone(), d]);
        assert_eq!(kind(verify_presentation(&text, &s.issuer)), ErrorKind::Malformed, "{reserved}");
    }
}

#[test]
fn malformed_presentations_are_refused_with_their_kind() {
    let s = scene();
    let sd = issue(&s, jan(), "investigation", &s.envelope);
    let text = present(&s, &sd, &["phone"]);
    let ps = parts(&text);
    // A key binding JWT is not part of the profile.
    assert_eq!(
        kind(verify_presentation(&format!("{text}eyJhbGciOiJFZERTQSJ9.e30.AA"), &s.issuer)),
        ErrorKind::Malformed
    );
    // No '~' at all, a JWT of two parts, a cut signature.
    assert_eq!(kind(verify_presentation(&ps[0], &s.issuer)), ErrorKind::Malformed);
    let jwt_parts: Vec<&str> = ps[0].split('.').collect();
    assert_eq!(
        kind(verify_presentation(&format!("{}.{}~", jwt_parts[0], jwt_parts[1]), &s.issuer)),
        ErrorKind::Malformed
    );
    let cut = format!("{}.{}.{}~", jwt_parts[0], jwt_parts[1], &jwt_parts[2][..40]);
    assert_eq!(kind(verify_presentation(&cut, &s.issuer)), ErrorKind::Malformed);
    // A changed payload (one claim) breaks the signature.
    let mut payload = decode(jwt_parts[1]);
    payload["custodia_field_count"] = serde_json::json!(1);
    let changed = format!("{}.{}.{}~", jwt_parts[0], encode(&payload), jwt_parts[2]);
    assert_eq!(kind(verify_presentation(&changed, &s.issuer)), ErrorKind::SignatureInvalid);
    // A disclosure that is not base64url of a three-item array.
    for bad in ["!!!", &encode(&serde_json::json!(["salt", {"text": "x"}])), &encode(&serde_json::json!({"a": 1}))] {
        let text = join(&[ps[0].clone(), bad.to_string()]);
        assert_eq!(kind(verify_presentation(&text, &s.issuer)), ErrorKind::Malformed, "{bad}");
    }
}

#[test]
fn issuing_needs_a_usable_ed25519_key_of_this_custodian() {
    let s = scene();
    let kek = s.a.c.generate_key(&jan(), KeyKind::Kek, "not a signer").expect("kek");
    let r = s.a.c.issue_sd_jwt(&OpenRequest::new(jan(), p("investigation")), &s.envelope, &kek);
    assert!(r.is_err());
    // Audience rules.
    let sd = issue(&s, jan(), "investigation", &s.envelope);
    for audience in ["", " FR-PNF", "FR\nPNF"] {
        let e = s.a.c.present(&jan(), &sd, &["phone"], audience, &p("mla.execution")).expect_err("audience");
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    }
    let e = s.a.c.present(&jan(), &sd, &["phone", "phone"], "FR-PNF", &p("mla.execution")).expect_err("twice");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

/// A key held outside the process (an HSM's, here a software stand-in): it signs the SD-JWT, the keyring never
/// holds its secret; a signer that returns a wrong signature gets nothing issued and nothing recorded as issued.
struct Outside {
    key: SigningKey,
    lie: std::sync::atomic::AtomicBool,
}

impl custodia::Signer for Outside {
    fn name(&self) -> &str {
        "test-hsm"
    }
    fn verifying_key(&self) -> custodia::format::VerifyingKey {
        self.key.verifying_key()
    }
    fn sign(&self, message: &[u8]) -> custodia::Result<[u8; 64]> {
        let other = SigningKey::from_bytes([0x99; 32]);
        let by = if self.lie.load(std::sync::atomic::Ordering::SeqCst) { &other } else { &self.key };
        custodia::Signer::sign(by, message)
    }
}

#[test]
fn a_signing_key_held_outside_issues_and_a_lying_one_issues_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let hsm = Arc::new(Outside { key: SigningKey::from_bytes([0x31; 32]), lie: false.into() });
    let mut o = custodia::CustodianOptions::with_clock(Arc::new(FixedClock::new(Timestamp::from_unix(T0))));
    o.kdf = custodia::KdfParams::DANGER_TEST_ONLY;
    o.create = true;
    o.signers = vec![hsm.clone()];
    let c = custodia::Custodian::load(tmp.path().join("c"), custodia::Unlock::master_key([5; 32]), o).expect("load");
    let kek = c.generate_key(&jan(), KeyKind::Kek, "team").expect("kek");
    let opts = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![kek]);
    let tag = DataTag::new(Category::CaseAdministration, Classification::Restricted);
    let envelope = c.seal_record(&jan(), tag, &record("+31 6 1234 5678"), &opts).expect("seal").envelope;
    let id = hsm.key.id();
    let request = OpenRequest::new(jan(), p("investigation"));
    let sd = c.issue_sd_jwt(&request, &envelope, &id).expect("issued outside");
    let v = verify_presentation(&sd.present(&["phone"]).expect("present"), &hsm.key.verifying_key()).expect("verify");
    assert_eq!(v.claims.issuer, id);
    assert!(!c.keys().expect("keys").into_iter().find(|k| k.id == id).expect("recorded").has_secret);

    hsm.lie.store(true, std::sync::atomic::Ordering::SeqCst);
    let e = c.issue_sd_jwt(&request, &envelope, &id).expect_err("a wrong signature");
    assert_eq!(e.kind(), ErrorKind::ProviderFailed);
    let issued = custodia::audit::entries(c.audit_log().path())
        .expect("entries")
        .filter(|e| e.as_ref().expect("entry").event.kind == EventKind::SelectiveDisclosure)
        .count();
    assert_eq!(issued, 1, "only the first issue is recorded");
}
