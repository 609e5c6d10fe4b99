//! Sealed records (issue 16, section 1): fields with their own category, classification and purposes, opened field
//! by field. Each promise is attacked: a reader who may not see a field gets it withheld (never its value, never an
//! error for the whole record); the envelope-level gate still refuses before any key is touched; and a field cannot
//! be renamed, re-tagged, widened, swapped or moved from another record without failing authentication, even by a
//! co-recipient who holds the data key and re-encrypts the payload around the change.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use chacha20::ChaCha20Rng;
use common::authority::{Authority, authority, j, p};
use custodia::audit::EventKind;
use custodia::format::{self, EnvelopeOptions, Kek, Metadata, Recipient};
use custodia::{
    AccessPolicy, Actor, Admission, CaseRef, Category, Classification, DataTag, Error, ErrorKind, FieldKind, FieldName,
    FieldOutcome, FieldSpec, FieldValue, FixedClock, KeyId, KeyKind, OpenRequest, PayloadType, PurposeSet, Record,
    RecordDate, SealOptions, Sensitive, Timestamp,
};
use rand_core::SeedableRng;

const T0: u64 = 1_795_435_200; // 2026-11-23T12:00:00Z
const WITNESS: &str = "A. Jansen, born 1971";
const IBAN: &str = "NL91ABNA0417164300";

fn jan() -> Actor {
    Actor::new("jan", "central_authority", j("NL"), Classification::Secret).expect("actor")
}

fn ana() -> Actor {
    Actor::new("ana", "analyst", j("NL"), Classification::Confidential).expect("actor")
}

fn purposes(p: &[&str]) -> PurposeSet {
    PurposeSet::parse(p).expect("purposes")
}

fn name(s: &str) -> FieldName {
    FieldName::parse(s).expect("name")
}

/// A suspect's record: every value type, fields of five categories, one field with purposes of its own.
fn record() -> Record {
    let mut address = BTreeMap::new();
    address.insert(name("city"), FieldValue::text("Utrecht"));
    address.insert(name("street"), FieldValue::text("Oudegracht 1"));
    Record::new()
        .field("account_iban", FieldValue::text(IBAN), Category::FinancialRecords)
        .and_then(|r| r.field("address", FieldValue::Nested(address), Category::ContactDetails))
        .and_then(|r| r.field("born", FieldValue::Date(RecordDate::new(1971, 5, 4)?), Category::PersonalIdentity))
        .and_then(|r| r.field("phone", FieldValue::text("+31 6 1234 5678"), Category::ContactDetails))
        .and_then(|r| r.field("scan", FieldValue::Bytes(vec![0x25, 0x50, 0x44, 0x46]), Category::Evidence))
        .and_then(|r| {
            r.field_with(
                "transfers",
                FieldValue::Integer(42),
                FieldSpec::new(Category::FinancialRecords).for_purposes(purposes(&["investigation.financial"])),
            )
        })
        .and_then(|r| r.field("witness_name", FieldValue::text(WITNESS), Category::WitnessIdentity))
        .expect("record")
}

fn options(kek: KeyId) -> SealOptions {
    let mut o = SealOptions::new(purposes(&["investigation", "prosecution"]), vec![kek]);
    o.case_ref = Some(CaseRef::parse("MLA-2026-0042").expect("case"));
    o.not_after = Some(Timestamp::from_unix(T0 + 86_400));
    o
}

fn tag() -> DataTag {
    DataTag::new(Category::CaseAdministration, Classification::Restricted)
}

struct Scene {
    clock: Arc<FixedClock>,
    a: Authority,
    kek: KeyId,
    envelope: Vec<u8>,
}

fn scene() -> Scene {
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let a = authority(&clock);
    let kek = a.c.generate_key(&jan(), KeyKind::Kek, "case team").expect("kek");
    let envelope = a.c.seal_record(&jan(), tag(), &record(), &options(kek)).expect("seal").envelope;
    Scene { clock, a, kek, envelope }
}

fn request(actor: Actor, purpose: &str) -> OpenRequest {
    OpenRequest::new(actor, p(purpose))
}

fn withheld(opened: &custodia::OpenedRecord, field: &str) -> Option<ErrorKind> {
    match opened.get(field).map(|f| &f.outcome) {
        Some(FieldOutcome::Withheld { reason, .. }) => Some(*reason),
        _ => None,
    }
}

fn events(s: &Scene) -> Vec<custodia::audit::AuditEvent> {
    custodia::audit::entries(s.a.c.audit_log().path()).expect("entries").map(|e| e.expect("entry").event).collect()
}

#[test]
fn a_reader_cleared_for_everything_gets_every_field_back_as_sealed() {
    let s = scene();
    let opened = s.a.c.open_record(&request(jan(), "investigation.financial"), &s.envelope).expect("open");
    let want = record();
    assert_eq!(opened.data.fields.len(), want.len());
    for (field, d) in opened.data.fields.iter().zip(want.descriptors()) {
        assert_eq!(field.descriptor, d);
        let FieldOutcome::Disclosed(v) = &field.outcome else { panic!("{} withheld", d.name) };
        assert_eq!(v.category(), d.category);
        assert_eq!(v.classification(), d.classification);
    }
    assert_eq!(opened.data.value("account_iban").and_then(FieldValue::as_text), Some(IBAN));
    assert_eq!(opened.data.value("witness_name").and_then(FieldValue::as_text), Some(WITNESS));
    assert!(matches!(opened.data.value("transfers"), Some(FieldValue::Integer(42))));
    assert!(matches!(opened.data.value("born"), Some(FieldValue::Date(d)) if d.to_string() == "1971-05-04"));
    assert!(matches!(opened.data.value("scan"), Some(FieldValue::Bytes(b)) if b == b"%PDF"));
    let Some(FieldValue::Nested(address)) = opened.data.value("address") else { panic!("address") };
    assert_eq!(address[&name("city")].as_text(), Some("Utrecht"));
    assert_eq!(opened.info.payload_type, PayloadType::Record);
    assert_eq!(opened.info.category, Category::CaseAdministration);
    assert!(opened.data.withheld().is_empty());
    // What each reader will see of the field is in the Debug output; no value is.
    let dbg = format!("{:?}", opened.data);
    assert!(!dbg.contains(IBAN) && !dbg.contains("Jansen") && !dbg.contains("Utrecht"), "{dbg}");
}

#[test]
fn fields_a_reader_may_not_open_come_back_withheld_with_the_refusal() {
    let s = scene();
    // Ana is cleared up to confidential and states the general purpose: the witness is secret, and `transfers`
    // may only be opened for investigation.financial.
    let before = s.a.c.unwrap_attempts();
    let opened = s.a.c.open_record(&request(ana(), "investigation"), &s.envelope).expect("open");
    assert_eq!(s.a.c.unwrap_attempts(), before + 1);
    assert_eq!(withheld(&opened.data, "witness_name"), Some(ErrorKind::ClearanceInsufficient));
    assert_eq!(withheld(&opened.data, "transfers"), Some(ErrorKind::PurposeNotPermitted));
    assert_eq!(opened.data.disclosed(), ["account_iban", "address", "born", "phone", "scan"]);
    assert_eq!(opened.data.value("witness_name"), None);
    // The descriptor of a withheld field is still there: the reader knows what it was not shown.
    let w = opened.data.get("witness_name").expect("descriptor");
    assert_eq!((w.descriptor.category, w.descriptor.kind), (Category::WitnessIdentity, FieldKind::Text));

    // Under an access policy, need-to-know applies per field: an analyst may see contact details and case
    // administration, not financial records or evidence.
    let policy = AccessPolicy::builder()
        .role("central_authority", &[], &["investigation", "prosecution"])
        .role(
            "analyst",
            &[Category::CaseAdministration, Category::ContactDetails, Category::PersonalIdentity],
            &["investigation"],
        )
        .unlisted_cases(Admission::Allow)
        .build()
        .expect("policy");
    s.a.c.set_access_policy(&jan(), policy).expect("policy set");
    let opened = s.a.c.open_record(&request(ana(), "investigation"), &s.envelope).expect("open");
    assert_eq!(opened.data.disclosed(), ["address", "born", "phone"]);
    assert_eq!(withheld(&opened.data, "account_iban"), Some(ErrorKind::RoleNotPermitted));
    assert_eq!(withheld(&opened.data, "scan"), Some(ErrorKind::RoleNotPermitted));
    assert_eq!(withheld(&opened.data, "witness_name"), Some(ErrorKind::ClearanceInsufficient));

    // The log says which fields went to whom, for which purpose, and holds no value.
    let opens: Vec<_> = events(&s).into_iter().filter(|e| e.kind == EventKind::Opened).collect();
    let last = opens.last().expect("opened event");
    assert_eq!(last.detail.get("disclosed").map(String::as_str), Some("address born phone"));
    assert_eq!(last.detail.get("withheld").map(String::as_str), Some("account_iban scan transfers witness_name"));
    let log = std::fs::read_to_string(s.a.c.audit_log().path()).expect("log");
    for secret in [IBAN, WITNESS, "Utrecht", "+31 6"] {
        assert!(!log.contains(secret), "the audit log holds {secret}");
    }
    assert!(log.contains("account_iban address born phone scan transfers witness_name"), "seal event names fields");
}

#[test]
fn the_envelope_gate_still_refuses_before_any_key_is_touched() {
    let s = scene();
    let before = s.a.c.unwrap_attempts();
    let e = s.a.c.open_record(&request(jan(), "asset_recovery"), &s.envelope).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PurposeNotPermitted);
    let public = Actor::new("pia", "clerk", j("NL"), Classification::Public).expect("actor");
    let e = s.a.c.open_record(&request(public, "investigation"), &s.envelope).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ClearanceInsufficient);
    s.clock.set(Timestamp::from_unix(T0 + 86_401));
    let e = s.a.c.open_record(&request(jan(), "investigation"), &s.envelope).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Expired);
    assert_eq!(s.a.c.unwrap_attempts(), before);
    let refused = events(&s).iter().filter(|e| e.kind == EventKind::Refused).count();
    assert_eq!(refused, 3);
}

#[test]
fn a_record_opens_only_field_by_field_and_bytes_only_as_bytes() {
    let s = scene();
    let r = request(jan(), "investigation");
    let before = s.a.c.unwrap_attempts();
    assert!(matches!(s.a.c.open(&r, &s.envelope), Err(Error::InvalidArgument(_))));
    let mut out = Vec::new();
    assert!(matches!(s.a.c.open_stream(&r, &mut s.envelope.as_slice(), &mut out), Err(Error::InvalidArgument(_))));
    assert!(out.is_empty());
    assert!(matches!(s.a.c.open_seekable(&r, std::io::Cursor::new(&s.envelope)), Err(Error::InvalidArgument(_))));
    assert_eq!(s.a.c.unwrap_attempts(), before);
    let bytes = Sensitive::new(b"a plain document".to_vec(), Category::Evidence);
    let plain = s.a.c.seal(&jan(), &bytes, &options(s.kek)).expect("seal").envelope;
    assert!(matches!(s.a.c.open_record(&r, &plain), Err(Error::InvalidArgument(_))));
    assert_eq!(s.a.c.inspect(&plain).expect("inspect").payload_type, PayloadType::Bytes);
    assert_eq!(s.a.c.inspect(&s.envelope).expect("inspect").payload_type, PayloadType::Record);
    // Armored, a record opens the same way.
    let mut o = options(s.kek);
    o.armor = true;
    let armored = s.a.c.seal_record(&jan(), tag(), &record(), &o).expect("armored").envelope;
    assert!(armored.starts_with(b"-----BEGIN"));
    assert_eq!(s.a.c.open_record(&r, &armored).expect("open").data.fields.len(), 7);
}

#[test]
fn sealing_refuses_what_the_sealer_may_not_hold_or_the_envelope_does_not_permit() {
    let s = scene();
    let e = s.a.c.seal_record(&ana(), tag(), &record(), &options(s.kek)).unwrap_err();
    assert!(matches!(e, Error::ClearanceInsufficient { required: Classification::Secret, .. }), "{e:?}");
    let narrow = Record::new()
        .field_with(
            "transfers",
            FieldValue::Integer(1),
            FieldSpec::new(Category::FinancialRecords).for_purposes(purposes(&["asset_recovery"])),
        )
        .expect("record");
    let e = s.a.c.seal_record(&jan(), tag(), &narrow, &options(s.kek)).unwrap_err();
    assert!(matches!(&e, Error::InvalidArgument(m) if m.contains("asset_recovery")), "{e:?}");
    let e = s.a.c.seal_record(&jan(), tag(), &Record::new(), &options(s.kek)).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)));
    assert!(Record::new().field("Phone", FieldValue::text("x"), Category::ContactDetails).is_err());
    assert!(
        FieldSpec::new(Category::WitnessIdentity).classified(Classification::Confidential).is_err(),
        "below the category's minimum"
    );
}

// ---- forgeries at the format level -------------------------------------------------------------------------------

const KEK_BYTES: [u8; 32] = [0x11; 32];

fn metadata() -> Metadata {
    let mut m = Metadata::new(Category::CaseAdministration, purposes(&["investigation", "prosecution"]), {
        Timestamp::from_unix(T0)
    });
    m.chunk_size = 64;
    m
}

fn sealed(record: &Record, seed: u8) -> Vec<u8> {
    let kek = Kek::from_bytes(KEK_BYTES);
    let opts = EnvelopeOptions::new(metadata(), vec![Recipient::Kek(&kek)]);
    format::seal_record_with_rng(record, &opts, &mut ChaCha20Rng::from_seed([seed; 32])).expect("seal")
}

/// What a co-recipient can do: decrypt the payload, change it, and seal the changed payload again under the same
/// data key and object id (the same randomness), so that header, stanzas and every chunk authenticate.
fn reseal(payload: &[u8], seed: u8) -> Vec<u8> {
    let kek = Kek::from_bytes(KEK_BYTES);
    let mut m = metadata();
    m.payload_type = PayloadType::Record;
    let opts = EnvelopeOptions::new(m, vec![Recipient::Kek(&kek)]);
    format::seal_with_rng(payload, &opts, &mut ChaCha20Rng::from_seed([seed; 32])).expect("reseal")
}

fn payload(envelope: &[u8]) -> Vec<u8> {
    let kek = Kek::from_bytes(KEK_BYTES);
    format::open(envelope, &[&kek], None).expect("open").plaintext.expose_secret().clone()
}

fn open_all(envelope: &[u8]) -> Result<format::OpenedRecordPayload, Error> {
    format::open_record(envelope, &[&Kek::from_bytes(KEK_BYTES)], None)
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).position(|w| w == needle).expect("present")
}

fn two_fields() -> Record {
    Record::new()
        .field("phone", FieldValue::text("+31 6 1234 5678"), Category::ContactDetails)
        .and_then(|r| r.field("phonf", FieldValue::text("+31 6 8765 4321"), Category::ContactDetails))
        .expect("record")
}

#[test]
fn the_resealing_attack_itself_works_on_an_unchanged_payload() {
    // Control: without a change the co-recipient's reseal is byte for byte the original, and opens.
    let env = sealed(&two_fields(), 7);
    assert_eq!(reseal(&payload(&env), 7), env);
    assert_eq!(open_all(&env).expect("open").fields.len(), 2);
}

#[test]
fn a_renamed_field_fails_authentication() {
    let env = sealed(&two_fields(), 7);
    let mut pl = payload(&env);
    // "phonf" -> "phong": still in name order, so only the field's own key can tell.
    let at = find(&pl, b"phonf");
    pl[at + 4] = b'g';
    assert!(matches!(open_all(&reseal(&pl, 7)), Err(Error::OpenFailed)));
}

#[test]
fn a_retagged_or_widened_field_fails_authentication() {
    let rec = Record::new()
        .field_with(
            "transfers",
            FieldValue::Integer(9),
            FieldSpec::new(Category::FinancialRecords).for_purposes(purposes(&["investigation"])),
        )
        .expect("record");
    let env = sealed(&rec, 8);
    let base = payload(&env);
    let at = find(&base, b"transfers") + b"transfers".len();
    // Category financial_records (3) -> communications_metadata (7), classification confidential kept.
    let mut pl = base.clone();
    pl[at + 1] = 7;
    assert!(matches!(open_all(&reseal(&pl, 8)), Err(Error::OpenFailed)));
    // Classification confidential (2) -> secret (3).
    let mut pl = base.clone();
    pl[at + 2] = 3;
    assert!(matches!(open_all(&reseal(&pl, 8)), Err(Error::OpenFailed)));
    // Its own purposes dropped (count 0: the envelope's, wider), the purpose bytes cut out.
    let mut pl = base[..at + 3].to_vec();
    pl.push(0);
    pl.extend_from_slice(&base[at + 3 + 1 + 1 + "investigation".len()..]);
    assert!(matches!(open_all(&reseal(&pl, 8)), Err(Error::OpenFailed)));
}

#[test]
fn swapped_values_and_a_field_moved_from_another_record_fail_authentication() {
    let env = sealed(&two_fields(), 7);
    let pl = payload(&env);
    // Both fields are text of the same length: swap their ciphertexts (value and tag).
    let a = find(&pl, b"phone") + 5 + 2 + 1 + 1 + 1 + 4;
    let b = find(&pl, b"phonf") + 5 + 2 + 1 + 1 + 1 + 4;
    let n = "+31 6 1234 5678".len() + 16;
    let mut swapped = pl.clone();
    swapped[a..a + n].copy_from_slice(&pl[b..b + n]);
    swapped[b..b + n].copy_from_slice(&pl[a..a + n]);
    assert!(matches!(open_all(&reseal(&swapped, 7)), Err(Error::OpenFailed)));
    // The same field, sealed in another record (another data key and object id), put in place of this one.
    let other = payload(&sealed(&two_fields(), 9));
    let mut moved = pl.clone();
    moved[a..a + n].copy_from_slice(&other[a..a + n]);
    assert!(matches!(open_all(&reseal(&moved, 7)), Err(Error::OpenFailed)));
}

#[test]
fn a_strangers_change_fails_before_any_field_is_read() {
    let s = scene();
    let r = request(jan(), "investigation");
    let len = s.envelope.len();
    for at in [len - 1, len - 40, len - 100] {
        let mut bad = s.envelope.clone();
        bad[at] ^= 1;
        let e = s.a.c.open_record(&r, &bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::OpenFailed, "byte {at}");
    }
    // The payload type itself is bound: removing it (bytes) or setting another value is refused.
    let mut bad = s.envelope.clone();
    let at = find(&bad, &[0x80, 0x0f, 0x00, 0x01, 0x01]);
    bad[at + 4] = 2;
    assert_eq!(s.a.c.open_record(&r, &bad).unwrap_err().kind(), ErrorKind::Malformed);
}

// ---- masked views (issue 16 §2) ----------------------------------------------------------------------------------

#[test]
fn a_policy_mask_gives_a_refused_reader_the_masked_view_and_never_the_value() {
    let s = scene();
    let policy = AccessPolicy::builder()
        .role("central_authority", &[], &["investigation", "prosecution"])
        .role("analyst", &[Category::CaseAdministration, Category::PersonalIdentity], &["investigation"])
        .mask(Category::FinancialRecords, &["investigation"], &["analyst"], custodia::MaskRule::Iban)
        .mask(Category::ContactDetails, &["investigation"], &[], custodia::MaskRule::LastThreeDigits)
        .mask(Category::WitnessIdentity, &["investigation"], &["analyst"], custodia::MaskRule::Initials)
        // Not for this purpose: the scan stays withheld.
        .mask(Category::Evidence, &["prosecution"], &["analyst"], custodia::MaskRule::Initials)
        .unlisted_cases(Admission::Allow)
        .build()
        .expect("policy");
    s.a.c.set_access_policy(&jan(), policy).expect("policy set");
    let opened = s.a.c.open_record(&request(ana(), "investigation"), &s.envelope).expect("open");
    let r = &opened.data;
    assert_eq!(r.disclosed(), ["born"]);
    assert_eq!(r.masked("account_iban"), Some("NL91 **** **** **** 4300"));
    assert_eq!(r.masked("phone"), Some("+** * **** *678"));
    assert_eq!(r.masked("witness_name"), Some("A. J. b. 1."));
    // A mask that does not apply to the value's type (a nested address under last_three_digits) leaves it withheld,
    // as does a mask for another purpose (scan), and a field with purposes of its own the reader does not state
    // (transfers: financial, masked by iban, but an integer).
    assert_eq!(r.withheld(), ["address", "scan", "transfers"]);
    assert_eq!(r.value("account_iban"), None, "a masked field has no clear value");
    match &r.get("witness_name").expect("field").outcome {
        FieldOutcome::Masked { rule, reason, value } => {
            assert_eq!(*rule, custodia::MaskRule::Initials);
            assert_eq!(*reason, ErrorKind::ClearanceInsufficient);
            assert_eq!(value.category(), Category::WitnessIdentity);
        }
        other => panic!("{other:?}"),
    }
    let last = events(&s).into_iter().rev().find(|e| e.kind == EventKind::Opened).expect("opened");
    assert_eq!(last.detail.get("masked").map(String::as_str), Some("account_iban phone witness_name"));
    let log = std::fs::read_to_string(s.a.c.audit_log().path()).expect("log");
    assert!(!log.contains(IBAN) && !log.contains(WITNESS) && !log.contains("NL91 ****"), "no value, no masked view");
    // Jan is cleared and allowed: he gets every value in the clear, masks or not.
    let all = s.a.c.open_record(&request(jan(), "investigation.financial"), &s.envelope).expect("open");
    assert!(all.data.masked_names().is_empty());
    assert_eq!(all.data.value("account_iban").and_then(FieldValue::as_text), Some(IBAN));
}

#[test]
fn mask_rules_make_what_they_say_from_every_shape_of_value() {
    use custodia::MaskRule::{Iban, Initials, LastThreeDigits, Year};
    let m = |rule: custodia::MaskRule, v: FieldValue| rule.apply(&v).map(|s| s.to_string());
    assert_eq!(m(Iban, FieldValue::text("NL91 ABNA 0417 1643 00")).as_deref(), Some("NL91 **** **** **** 4300"));
    assert_eq!(m(Iban, FieldValue::text("DE89370400440532013000")).as_deref(), Some("DE89 **** **** **** **** 3000"));
    assert_eq!(m(Iban, FieldValue::text("12345678")).as_deref(), Some("****"));
    assert_eq!(m(LastThreeDigits, FieldValue::Integer(612_345_678)).as_deref(), Some("******678"));
    assert_eq!(m(LastThreeDigits, FieldValue::text("12")).as_deref(), Some("12"));
    assert_eq!(m(Initials, FieldValue::text("  Jan   de Vries ")).as_deref(), Some("J. d. V."));
    assert_eq!(m(Initials, FieldValue::text("Ærø Ødegård")).as_deref(), Some("Æ. Ø."));
    assert_eq!(m(Year, FieldValue::Date(RecordDate::new(1971, 5, 4).expect("date"))).as_deref(), Some("1971"));
    assert_eq!(m(Year, FieldValue::text("1971-05-04")).as_deref(), Some("1971"));
    assert_eq!(m(Year, FieldValue::text("4 May 1971")), None, "not a date: no view");
    assert_eq!(m(Initials, FieldValue::Bytes(vec![1, 2])), None);
    assert_eq!(m(Iban, FieldValue::Integer(1)), None);
    assert_eq!("last_three_digits".parse::<custodia::MaskRule>().expect("rule"), LastThreeDigits);
    assert!("last3".parse::<custodia::MaskRule>().is_err());
}

#[test]
fn mask_entries_in_the_policy_text_are_validated() {
    let base = "version = 1\n[roles.analyst]\ncategories = [\"*\"]\npurposes = [\"investigation\"]\n";
    let ok = format!(
        "{base}[[mask]]\ncategory = \"contact_details\"\npurposes = [\"investigation\"]\nroles = [\"analyst\"]\n\
         rule = \"last_three_digits\"\n"
    );
    let p = AccessPolicy::from_toml(&ok).expect("valid");
    let analyst = Actor::new("a", "analyst", j("NL"), Classification::Restricted).expect("actor");
    let clerk = Actor::new("c", "clerk", j("NL"), Classification::Restricted).expect("actor");
    assert_eq!(
        p.mask_for(&analyst, Category::ContactDetails, &p_("investigation.analysis")),
        Some(custodia::MaskRule::LastThreeDigits)
    );
    assert_eq!(p.mask_for(&clerk, Category::ContactDetails, &p_("investigation")), None);
    assert_eq!(p.mask_for(&analyst, Category::ContactDetails, &p_("prosecution")), None);
    assert_eq!(p.mask_for(&analyst, Category::FinancialRecords, &p_("investigation")), None);
    for (bad, what) in [("rule = \"last3\"", "unknown rule"), ("rule = \"iban\"\nextra = 1", "unknown key")] {
        let text = format!("{base}[[mask]]\ncategory = \"contact_details\"\npurposes = [\"investigation\"]\n{bad}\n");
        assert!(matches!(AccessPolicy::from_toml(&text), Err(Error::PolicyInvalid { .. })), "{what}");
    }
    let no_purpose = format!("{base}[[mask]]\ncategory = \"contact_details\"\npurposes = []\nrule = \"iban\"\n");
    assert!(matches!(AccessPolicy::from_toml(&no_purpose), Err(Error::PolicyInvalid { .. })));
    let bad_cat =
        format!("{base}[[mask]]\ncategory = \"shoe_size\"\npurposes = [\"investigation\"]\nrule = \"iban\"\n");
    assert!(matches!(AccessPolicy::from_toml(&bad_cat), Err(Error::PolicyInvalid { .. })));
}

fn p_(s: &str) -> custodia::Purpose {
    p(s)
}

#[test]
fn a_record_of_many_long_names_still_opens_and_its_audit_entry_stays_within_the_logs_limits() {
    let s = scene();
    let mut big = Record::new();
    for i in 0..100 {
        let name = format!("a_very_long_field_name_that_keeps_going_and_going_number_{i:03}");
        big.insert(&name, FieldValue::Integer(i), FieldSpec::new(Category::ContactDetails)).expect("field");
    }
    let env = s.a.c.seal_record(&jan(), tag(), &big, &options(s.kek)).expect("seal");
    let opened = s.a.c.open_record(&request(jan(), "investigation"), &env.envelope).expect("open");
    assert_eq!(opened.data.disclosed().len(), 100);
    let last = events(&s).into_iter().rev().find(|e| e.kind == EventKind::Opened).expect("opened");
    let d = &last.detail["disclosed"];
    assert!(d.len() <= custodia::audit::MAX_DETAIL_VALUE_LEN && d.ends_with(" more"), "{d}");
    assert!(s.a.c.verify_audit(&[]).is_ok());
}
