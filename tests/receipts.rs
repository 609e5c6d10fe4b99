//! Disclosure receipts back to the sender (issue 14, section 5).
//!
//! DE seals a bank statement for NL's X25519 key. NL receives it, opens it for investigation, opens it under a
//! national-security exception, is refused an asset-recovery open, shares it onward, destroys its key, and signs a
//! receipt. DE imports the receipt against NL's imported signing key and can say what NL did with what it sent.
//! The attacks: a receipt signed by the wrong key, an item edited, a receipt for another envelope (or another
//! case), truncated, malformed and oversized text, a receipt by an unknown issuer, and a receipt for an object
//! the recipient never received. Each is refused with its typed error, recorded, and touches no key.

mod common;

use common::authority::{Authority, authority, j, p};
use std::sync::Arc;

use custodia::audit::{EventKind, Outcome, Query};
use custodia::{
    AccessPolicy, Actor, CaseRef, Category, Classification, Custodian, Error, ExceptionGround, FixedClock, GrantScope,
    KeyId, KeyKind, OpenRequest, PurposeSet, Receipt, ReceiptField, ReceiptItemKind, ReceiptOptions, RewrapOptions,
    SealOptions, Sensitive, Timestamp,
};
use sha2::{Digest as _, Sha256};

const T0: u64 = 1_795_435_200; // 2026-11-23T12:00:00Z

fn anna() -> Actor {
    Actor::new("anna", "prosecutor", j("DE"), Classification::Secret).expect("actor")
}

fn jan() -> Actor {
    Actor::new("jan", "investigator", j("NL"), Classification::Secret).expect("actor")
}

fn case() -> CaseRef {
    CaseRef::parse("MLA-2026-0042").expect("case")
}

struct Scene {
    clock: Arc<FixedClock>,
    de: Authority,
    nl: Authority,
    /// NL's receipt-signing key (held by NL; its public half imported by DE).
    nl_signer: KeyId,
    nl_kek_x: KeyId,
    /// DE's envelope-signing key: DE is the originator, whose grant NL needs to share onward.
    de_signer: KeyId,
    envelope: Vec<u8>,
    object: String,
}

fn scene() -> Scene {
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let (de, nl) = (authority(&clock), authority(&clock));
    let nl_x = nl.c.generate_key(&jan(), KeyKind::X25519, "NL central authority").expect("x25519");
    let nl_signer = nl.c.generate_key(&jan(), KeyKind::Ed25519, "NL receipts").expect("ed25519");
    let de_view_of_nl =
        de.c.import_public(&anna(), &nl.c.export_public(&nl_x).expect("pub"), "NL", j("NL")).expect("imp");
    de.c.import_public(&anna(), &nl.c.export_public(&nl_signer).expect("pub"), "NL receipts", j("NL")).expect("imp");
    let de_signer = de.c.generate_key(&anna(), KeyKind::Ed25519, "DE envelopes").expect("ed25519");
    let statement = Sensitive::new(b"IBAN NL91ABNA0417164300".to_vec(), Category::FinancialRecords);
    let mut o =
        SealOptions::new(PurposeSet::parse(&["investigation", "mla.execution"]).expect("p"), vec![de_view_of_nl]);
    o.case_ref = Some(case());
    o.destinations = vec![j("NL")];
    o.signer = Some(de_signer);
    let sealed = de.c.seal(&anna(), &statement, &o).expect("seal");
    Scene { clock, de, nl, nl_signer, nl_kek_x: nl_x, de_signer, envelope: sealed.envelope, object: sealed.object_id }
}

/// NL's whole handling: receive, open, exception, refusal, share onward, destroy the key; then a receipt, and the
/// erasure certificate `destroy_key` returned.
fn nl_handles_with_certificate(s: &Scene) -> (Receipt, custodia::audit::ErasureCertificate) {
    let nl = &s.nl.c;
    s.clock.advance(60);
    let info = nl.receive(&jan(), &s.envelope).expect("receive");
    assert_eq!(info.object_id, s.object);
    s.clock.advance(60);
    nl.open(&OpenRequest::new(jan(), p("investigation")), &s.envelope).expect("open");
    s.clock.advance(60);
    let ns = ExceptionGround::national_security(
        "Decision AIVD 2026/3",
        "The account funds an imminent attack on critical infrastructure in the region",
    )
    .expect("ground");
    nl.open(&OpenRequest::new(jan(), p("asset_recovery")).with_exception(ns), &s.envelope).expect("exception");
    s.clock.advance(60);
    assert!(matches!(
        nl.open(&OpenRequest::new(jan(), p("asset_recovery")), &s.envelope),
        Err(Error::PurposeNotPermitted { .. })
    ));
    s.clock.advance(60);
    let be = authority(&s.clock);
    let be_x = be.c.generate_key(&jan(), KeyKind::X25519, "BE").expect("be");
    let be_in_nl = nl.import_public(&jan(), &be.c.export_public(&be_x).expect("pub"), "BE", j("NL")).expect("imp");
    // NL is not the originator: sharing onward needs DE's grant naming BE's key (rule of speciality).
    let grant =
        s.de.c
            .issue_grant(
                &anna(),
                &s.de_signer,
                &s.object,
                GrantScope::onward_transfer("BE federal prosecutor", j("NL"), be_in_nl).expect("scope"),
                Timestamp::from_unix(T0 + 30 * 86_400),
                "NL request 2026/12 (onward transfer to BE)",
            )
            .expect("grant");
    let options = RewrapOptions::new(p("mla.execution"), vec![be_in_nl]).grant(grant);
    nl.rewrap_with(&jan(), &s.envelope, &options).expect("share");
    s.clock.advance(60);
    let certificate = nl.destroy_key(&jan(), &s.nl_kek_x, "case closed in NL").expect("destroy");
    s.clock.advance(60);
    (nl.issue_receipt(&jan(), &s.object, &s.nl_signer, &ReceiptOptions::default()).expect("receipt"), certificate)
}

fn nl_handles(s: &Scene) -> Receipt {
    nl_handles_with_certificate(s).0
}

#[test]
fn a_receipt_says_what_the_recipient_did_and_the_sender_records_it() {
    let s = scene();
    let (receipt, certificate) = nl_handles_with_certificate(&s);
    let kinds: Vec<ReceiptItemKind> = receipt.items().iter().map(|i| i.kind()).collect();
    assert_eq!(
        kinds,
        [
            ReceiptItemKind::Received,
            ReceiptItemKind::Opened,
            ReceiptItemKind::ExceptionUsed,
            ReceiptItemKind::Opened,
            ReceiptItemKind::Refused,
            ReceiptItemKind::Shared,
            ReceiptItemKind::Destroyed,
        ]
    );
    let items = receipt.items();
    assert_eq!(items[1].get(ReceiptField::Purpose), Some("investigation"));
    assert_eq!(items[1].get(ReceiptField::Role), Some("investigator"));
    assert_eq!(items[1].get(ReceiptField::Actor), None, "actors are not named unless asked");
    assert_eq!(items[1].at(), Timestamp::from_unix(T0 + 120));
    assert_eq!(items[2].get(ReceiptField::ExceptionKind), Some("national_security"));
    assert_eq!(items[2].get(ReceiptField::ExceptionReference), Some("Decision AIVD 2026/3"));
    assert_eq!(items[4].get(ReceiptField::Refusal), Some("purpose_not_permitted"));
    assert_eq!(items[5].get(ReceiptField::Purpose), Some("mla.execution"));
    assert!(items[5].get(ReceiptField::Recipients).is_some());
    assert_eq!(items[5].get(ReceiptField::GrantReference), Some("NL request 2026/12 (onward transfer to BE)"));
    assert!(items[5].get(ReceiptField::Grant).is_some(), "the share names the originator's grant");
    assert_eq!(items[6].get(ReceiptField::Key), Some(s.nl_kek_x.to_string().as_str()));
    // The destroyed item names the very certificate `destroy_key` handed out: its id and the SHA-256 of its JSON.
    let sha: String = Sha256::digest(certificate.to_json()).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(items[6].get(ReceiptField::ErasureCertificateSha256), Some(sha.as_str()));
    let id = format!("{}:{}", certificate.log_id(), certificate.seq());
    assert_eq!(items[6].get(ReceiptField::ErasureCertificate), Some(id.as_str()));
    assert_eq!(receipt.case_ref(), Some(&case()));
    assert_eq!(receipt.object_id(), s.object);

    // Standalone: the recipient's public signing key alone verifies it.
    let nl_public = s.nl.c.export_public(&s.nl_signer).expect("pub");
    receipt.verify(&nl_public).expect("verifies");
    let text = receipt.to_armored();
    assert!(text.starts_with("-----BEGIN CUSTODIA RECEIPT-----\n"));

    // With names, when the issuer's rules allow.
    let named = s.nl.c.issue_receipt(&jan(), &s.object, &s.nl_signer, &ReceiptOptions::new().name_actors(true));
    assert_eq!(named.expect("named").items()[1].get(ReceiptField::Actor), Some("jan"));

    // DE imports it: verified, recorded, queryable per object and per case.
    let before = s.de.c.unwrap_attempts();
    let imported = s.de.c.import_receipt(&anna(), &text).expect("import");
    assert_eq!(imported, receipt);
    assert_eq!(s.de.c.unwrap_attempts(), before, "importing a receipt touches no key");
    assert_eq!(s.de.c.receipts_for_object(&s.object).expect("by object"), vec![receipt.clone()]);
    assert_eq!(s.de.c.receipts_for_case(&case()).expect("by case"), vec![receipt.clone()]);
    s.de.c.import_receipt(&anna(), &text).expect("again");
    assert_eq!(s.de.c.receipts_for_object(&s.object).expect("by object").len(), 1, "one copy per receipt");
    let log = s.de.c.audit_log().path().to_owned();
    let imported: Vec<_> = custodia::audit::query(&log, &Query::new().kind(EventKind::ReceiptImported))
        .expect("q")
        .collect::<custodia::Result<_>>()
        .expect("entries");
    assert_eq!(imported.len(), 2);
    let ev = &imported[0].event;
    assert_eq!(ev.object.as_deref(), Some(s.object.as_str()));
    assert_eq!(ev.detail.get("items").map(String::as_str), Some("7"));
    assert!(ev.detail["summary"].contains("exception_used:national_security"), "{}", ev.detail["summary"]);
    assert_eq!(ev.detail.get("issuer_jurisdiction").map(String::as_str), Some("NL"));
    let nl_log = s.nl.c.audit_log().path().to_owned();
    let issued = custodia::audit::query(&nl_log, &Query::new().kind(EventKind::ReceiptIssued)).expect("q").count();
    assert_eq!(issued, 2);
    s.de.c.verify_audit(&[]).expect("DE log verifies");
    s.nl.c.verify_audit(&[]).expect("NL log verifies");
}

/// Count the `receipt_imported` (failed) and `refused` entries DE has recorded for imports.
fn rejections(c: &Custodian) -> Vec<Outcome> {
    custodia::audit::query(
        c.audit_log().path(),
        &Query::new().kind(EventKind::ReceiptImported).kind(EventKind::Refused),
    )
    .expect("q")
    .map(|e| e.expect("entry"))
    .filter(|e| e.event.detail.get("operation").map(String::as_str) == Some("import_receipt"))
    .map(|e| e.event.outcome)
    .collect()
}

#[test]
fn hostile_receipts_are_refused_recorded_and_touch_no_key() {
    let s = scene();
    let receipt = nl_handles(&s);
    let text = receipt.to_armored();
    let de = &s.de.c;
    let before = de.unwrap_attempts();

    // Signed by the wrong key: a key NL holds but DE never imported (e.g. a forger's), for the same object.
    let forger = s.nl.c.generate_key(&jan(), KeyKind::Ed25519, "forger").expect("key");
    let forged = s.nl.c.issue_receipt(&jan(), &s.object, &forger, &ReceiptOptions::default()).expect("forged");
    assert!(matches!(de.import_receipt(&anna(), &forged.to_armored()), Err(Error::ReceiptIssuerUnknown(_))));
    assert!(matches!(
        forged.verify(&s.nl.c.export_public(&s.nl_signer).expect("pub")),
        Err(Error::ReceiptIssuerUnknown(_))
    ));

    // An edited item: flip one byte of the purpose text inside the binary, re-armor.
    let mut bytes = receipt.to_bytes();
    let at = bytes.windows(13).position(|w| w == b"investigation").expect("purpose bytes");
    bytes[at] = b'j';
    let edited = armor(&bytes);
    assert!(matches!(de.import_receipt(&anna(), &edited), Err(Error::ReceiptInvalid(m)) if m.contains("signature")));

    // Truncated, malformed, oversized.
    let cut = &text[..text.len() / 2];
    assert!(matches!(de.import_receipt(&anna(), cut), Err(Error::ReceiptInvalid(_))));
    assert!(matches!(de.import_receipt(&anna(), "hello"), Err(Error::ReceiptInvalid(_))));
    let envelope_armor = String::from_utf8(s.envelope.clone()).unwrap_or_default();
    assert!(matches!(de.import_receipt(&anna(), &envelope_armor), Err(Error::ReceiptInvalid(_))));
    let huge = armor(&vec![0x41; custodia::MAX_RECEIPT_LEN + 1]);
    assert!(matches!(de.import_receipt(&anna(), &huge), Err(Error::ReceiptInvalid(m)) if m.contains("at most")));
    let flood = "A".repeat(200_000);
    assert!(matches!(de.import_receipt(&anna(), &flood), Err(Error::ReceiptInvalid(m)) if m.contains("longer")));

    // A receipt for another envelope: genuine, by NL's key, but about an object DE never sealed.
    let other = second_object_receipt(&s);
    assert!(matches!(de.import_receipt(&anna(), &other.to_armored()), Err(Error::ReceiptNotApplicable(_))));

    assert_eq!(de.unwrap_attempts(), before, "no rejected receipt touched a key");
    assert!(de.receipts_for_object(&s.object).expect("q").is_empty(), "nothing rejected was kept");
    let outcomes = rejections(de);
    assert_eq!(outcomes.len(), 8, "{outcomes:?}");
    assert!(outcomes.iter().any(|o| o.summary() == "failed:receipt_issuer_unknown"));
    assert!(outcomes.iter().any(|o| o.summary() == "failed:receipt_invalid"));
    assert!(outcomes.iter().any(|o| o.summary() == "refused:receipt_not_applicable"));
    de.verify_audit(&[]).expect("log verifies");
}

/// NL receives a second envelope from a third custodian (not DE) and signs a receipt for it.
fn second_object_receipt(s: &Scene) -> Receipt {
    let fr = authority(&s.clock);
    let nl_x2 = s.nl.c.generate_key(&jan(), KeyKind::X25519, "NL 2").expect("x");
    let in_fr = fr.c.import_public(&anna(), &s.nl.c.export_public(&nl_x2).expect("pub"), "NL", j("NL")).expect("i");
    let mut o = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("p"), vec![in_fr]);
    o.case_ref = Some(case());
    o.destinations = vec![j("NL")];
    let env = fr.c.seal(&anna(), &Sensitive::new(b"x".to_vec(), Category::FinancialRecords), &o).expect("seal");
    s.nl.c.receive(&jan(), &env.envelope).expect("receive");
    s.nl.c.issue_receipt(&jan(), &env.object_id, &s.nl_signer, &ReceiptOptions::default()).expect("receipt")
}

#[test]
fn issuing_needs_a_received_object_and_a_receipt_key() {
    let s = scene();
    let nl = &s.nl.c;
    // Never received here: refused, recorded.
    assert!(matches!(
        nl.issue_receipt(&jan(), &s.object, &s.nl_signer, &ReceiptOptions::default()),
        Err(Error::ReceiptNotApplicable(_))
    ));
    let refused = custodia::audit::query(nl.audit_log().path(), &Query::new().kind(EventKind::Refused))
        .expect("q")
        .filter(|e| {
            e.as_ref().is_ok_and(|e| e.event.detail.get("operation").map(String::as_str) == Some("issue_receipt"))
        })
        .count();
    assert_eq!(refused, 1);
    // Receiving checks that a key here is a recipient, touching none.
    let before = nl.unwrap_attempts();
    let stranger = authority(&s.clock);
    assert!(matches!(stranger.c.receive(&jan(), &s.envelope), Err(Error::NoMatchingRecipient)));
    nl.receive(&jan(), &s.envelope).expect("receive");
    assert_eq!(nl.unwrap_attempts(), before);
    assert!(matches!(nl.receive(&jan(), b"not an envelope"), Err(Error::Malformed(_) | Error::Truncated)));
    // The audit key signs no receipts; a bad object id is refused.
    let audit_key = nl.keys().expect("keys").into_iter().find(|k| k.label == custodia::AUDIT_KEY_LABEL).expect("audit");
    assert!(matches!(
        nl.issue_receipt(&jan(), &s.object, &audit_key.id, &ReceiptOptions::default()),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        nl.issue_receipt(&jan(), "zz", &s.nl_signer, &ReceiptOptions::default()),
        Err(Error::InvalidArgument(_))
    ));
    let r = nl.issue_receipt(&jan(), &s.object, &s.nl_signer, &ReceiptOptions::default()).expect("receipt");
    assert_eq!(r.items().len(), 1);
    assert_eq!(r.items()[0].kind(), ReceiptItemKind::Received);
}

/// The armored form of arbitrary bytes, as a receipt.
fn armor(bytes: &[u8]) -> String {
    use base64ct::{Base64, Encoding as _};
    let b64 = Base64::encode_string(bytes);
    let mut s = String::from("-----BEGIN CUSTODIA RECEIPT-----\n");
    for line in b64.as_bytes().chunks(64) {
        s.push_str(std::str::from_utf8(line).expect("ascii"));
        s.push('\n');
    }
    s.push_str("-----END CUSTODIA RECEIPT-----\n");
    s
}

#[test]
fn a_receipt_naming_another_case_is_refused_and_a_stored_receipt_is_pinned_by_the_log() {
    let s = scene();
    // A recipient authority whose signing key is known here (fixed seed), imported by DE.
    let key = custodia::format::SigningKey::from_bytes([7; 32]);
    let public = custodia::encode_public(KeyKind::Ed25519, &key.verifying_key().to_bytes());
    s.de.c.import_public(&anna(), &public, "NL receipts (2)", j("NL")).expect("import");
    let oid: [u8; 16] = (0..16)
        .map(|i| u8::from_str_radix(&s.object[2 * i..2 * i + 2], 16).expect("hex"))
        .collect::<Vec<u8>>()
        .try_into()
        .expect("16 bytes");
    let at = Timestamp::from_unix(T0 + 10);
    let item = || vec![custodia::ReceiptItem::new(ReceiptItemKind::Received, at)];
    let other_case =
        Receipt::sign(oid, Some(CaseRef::parse("MLA-2026-9999").expect("c")), at, item(), &key).expect("s");
    assert!(matches!(
        s.de.c.import_receipt(&anna(), &other_case.to_armored()),
        Err(Error::ReceiptNotApplicable(m)) if m.contains("MLA-2026-9999")
    ));
    let no_case = Receipt::sign(oid, None, at, item(), &key).expect("s");
    assert!(matches!(s.de.c.import_receipt(&anna(), &no_case.to_armored()), Err(Error::ReceiptNotApplicable(_))));
    let good = Receipt::sign(oid, Some(case()), at, item(), &key).expect("s");
    s.de.c.import_receipt(&anna(), &good.to_armored()).expect("import");
    assert_eq!(s.de.c.receipts_for_object(&s.object).expect("q"), vec![good.clone()]);

    // The stored copy is pinned by the SHA-256 the signed log recorded: swapping in another receipt is caught.
    let dir = s.de.c.dir().join(custodia::RECEIPTS_DIR);
    let stored = std::fs::read_dir(&dir).expect("receipts dir").next().expect("one file").expect("entry").path();
    let swapped = Receipt::sign(oid, Some(case()), Timestamp::from_unix(T0 + 20), item(), &key).expect("s");
    std::fs::write(&stored, swapped.to_armored()).expect("write");
    assert!(matches!(s.de.c.receipts_for_object(&s.object), Err(Error::AuditTampered { .. })));
    assert!(matches!(s.de.c.receipts_for_case(&case()), Err(Error::AuditTampered { .. })));
}

#[test]
fn the_same_receipt_imported_from_several_threads_is_kept_once() {
    let s = scene();
    let text = nl_handles(&s).to_armored();
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| s.de.c.import_receipt(&anna(), &text).expect("import"));
        }
    });
    assert_eq!(s.de.c.receipts_for_object(&s.object).expect("q").len(), 1);
    let files = std::fs::read_dir(s.de.c.dir().join(custodia::RECEIPTS_DIR)).expect("dir").count();
    assert_eq!(files, 1, "one stored receipt, no temporary file left behind");
}

#[test]
fn the_access_policy_decides_whether_receipts_name_actors() {
    let s = scene();
    nl_handles(&s);
    let nl = &s.nl.c;
    let policy = |name: bool| AccessPolicy::builder().receipt_actor_names(name).build().expect("policy");
    // The policy says never: asking for names is refused, and a plain receipt carries roles only.
    nl.set_access_policy(&jan(), policy(false)).expect("set");
    let e = nl.issue_receipt(&jan(), &s.object, &s.nl_signer, &ReceiptOptions::new().name_actors(true)).unwrap_err();
    assert!(matches!(&e, Error::InvalidArgument(m) if m.contains("name_actors = false")), "{e}");
    let plain = nl.issue_receipt(&jan(), &s.object, &s.nl_signer, &ReceiptOptions::default()).expect("receipt");
    assert!(plain.items().iter().all(|i| i.get(ReceiptField::Actor).is_none()));
    assert_eq!(plain.items()[1].get(ReceiptField::Role), Some("investigator"));
    // The policy says always: names without being asked.
    nl.set_access_policy(&jan(), policy(true)).expect("set");
    let named = nl.issue_receipt(&jan(), &s.object, &s.nl_signer, &ReceiptOptions::default()).expect("receipt");
    assert_eq!(named.items()[1].get(ReceiptField::Actor), Some("jan"));
}
