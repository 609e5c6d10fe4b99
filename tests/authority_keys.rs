//! Keys belong to authorities; the transfer record is complete; breach response (issue 14, sections 3, 4 and 6).
//!
//! Each guarantee is tried by an attack: sealing for a partner's key with no destination or a destination that is
//! not the partner's, outside the key's validity period, after it was revoked, with a compromised key (as recipient,
//! as signer); each must be refused with its typed error, recorded, and touch no key. The breach report must list
//! every envelope a key protected, through rotations, re-wraps and shares, and say what it cannot know.

mod common;

use common::authority::{Authority, authority, j, p};
use std::sync::Arc;

use custodia::ConflictReason;
use custodia::audit::{AuditEvent, EventKind, Outcome};
use custodia::format::{InstrumentKind, LegalInstrument};
use custodia::{
    Actor, CaseRef, Category, Classification, Custodian, CustodianOptions, Error, ErrorKind, FixedClock, KdfParams,
    KeyAuthority, KeyId, KeyKind, OpenRequest, PurposeSet, RewrapItem, RewrapOutput, RewrapPlan, SealOptions,
    Sensitive, Timestamp, Unlock,
};

const T0: u64 = 1_795_435_200; // 2026-11-23T12:00:00Z
const DAY: u64 = 86_400;

fn jan() -> Actor {
    Actor::new("jan", "central_authority", j("NL"), Classification::Secret).expect("actor")
}

fn events(c: &Custodian) -> Vec<AuditEvent> {
    custodia::audit::entries(c.audit_log().path()).expect("entries").map(|e| e.expect("entry").event).collect()
}

fn last(c: &Custodian) -> AuditEvent {
    events(c).pop().expect("an entry")
}

fn refused_kind(ev: &AuditEvent) -> String {
    match &ev.outcome {
        Outcome::Refused { kind, .. } | Outcome::Failed { kind } => kind.clone(),
        Outcome::Ok => "ok".to_owned(),
        other => format!("{other:?}"),
    }
}

fn case() -> CaseRef {
    CaseRef::parse("MLA-2026-0042").expect("case")
}

fn instrument() -> LegalInstrument {
    LegalInstrument::new(InstrumentKind::EuropeanInvestigationOrder, Some("EIO 2026/117"), Some("Art. 10 Dir. 2014/41"))
        .expect("instrument")
}

/// NL, with DE's X25519 key imported as the Bundesamt's (valid for a year from T0), and its own KEK.
struct Scene {
    clock: Arc<FixedClock>,
    nl: Authority,
    de: Authority,
    de_key: KeyId,
    kek: KeyId,
}

fn scene() -> Scene {
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let nl = authority(&clock);
    let de = authority(&clock);
    let held = de.c.generate_key(&jan(), KeyKind::X25519, "DE central authority").expect("x25519");
    let text = de.c.export_public(&held).expect("export");
    let who = KeyAuthority::new("Bundesamt fuer Justiz", j("DE"))
        .expect("authority")
        .valid_from(Timestamp::from_unix(T0))
        .valid_until(Timestamp::from_unix(T0 + 365 * DAY));
    let de_key = nl.c.import_authority_key(&jan(), &text, "DE central authority", &who).expect("import");
    assert_eq!(de_key, held);
    let kek = nl.c.generate_key(&jan(), KeyKind::Kek, "NL escrow").expect("kek");
    Scene { clock, nl, de, de_key, kek }
}

fn options(recipients: Vec<KeyId>, destinations: &[&str]) -> SealOptions {
    let mut o = SealOptions::new(PurposeSet::parse(&["investigation", "mla.execution"]).expect("p"), recipients);
    o.case_ref = Some(case());
    o.instrument = Some(instrument());
    o.destinations = destinations.iter().map(|d| j(d)).collect();
    o
}

fn data() -> Sensitive<Vec<u8>> {
    Sensitive::new(b"account NL00BANK0123456789".to_vec(), Category::FinancialRecords)
}

/// Seal refused with `kind`, recorded as a `refused` seal, and nothing sealed.
fn assert_seal_refused(c: &Custodian, o: &SealOptions, kind: ErrorKind) -> Error {
    let before = (c.unwrap_attempts(), events(c).iter().filter(|e| e.kind == EventKind::Sealed).count());
    let e = c.seal(&jan(), &data(), o).expect_err("refused");
    assert_eq!(e.kind(), kind, "{e}");
    let ev = last(c);
    assert_eq!(ev.kind, EventKind::Refused, "{ev:?}");
    assert_eq!(ev.detail.get("operation").map(String::as_str), Some("seal"));
    assert_eq!(refused_kind(&ev), kind.name());
    assert_eq!(ev.keys, o.recipients);
    assert_eq!(ev.case.as_ref(), Some(&case()));
    let after = (c.unwrap_attempts(), events(c).iter().filter(|e| e.kind == EventKind::Sealed).count());
    assert_eq!(after, before, "no key touched, nothing sealed");
    e
}

// ---- section 3: keys belong to authorities ------------------------------------------------------------------------

#[test]
fn key_info_shows_authority_jurisdiction_and_validity() {
    let s = scene();
    let k = s.nl.c.key(&s.de_key).expect("key");
    assert_eq!(k.authority.as_deref(), Some("Bundesamt fuer Justiz"));
    assert_eq!(k.jurisdiction, Some(j("DE")));
    assert_eq!(k.not_before, Some(Timestamp::from_unix(T0)));
    assert_eq!(k.not_after, Some(Timestamp::from_unix(T0 + 365 * DAY)));
    assert!(k.revoked.is_none() && k.compromised.is_none() && !k.has_secret);
    let import = events(&s.nl.c).into_iter().find(|e| e.keys == vec![s.de_key]).expect("import recorded");
    assert_eq!(import.detail.get("authority").map(String::as_str), Some("Bundesamt fuer Justiz"));
    assert_eq!(import.detail.get("jurisdiction").map(String::as_str), Some("DE"));
    assert!(import.detail.contains_key("not_before") && import.detail.contains_key("not_after"));
}

#[test]
fn hostile_authority_imports_are_refused() {
    let s = scene();
    let text = s.nl.c.export_public(&s.nl.c.generate_key(&jan(), KeyKind::X25519, "own").expect("k")).expect("t");
    for bad in ["", " ", "a|b", "line\nbreak", &"x".repeat(129), "rtl\u{202e}override"] {
        assert!(KeyAuthority::new(bad, j("DE")).is_err(), "accepted authority name {bad:?}");
    }
    // A period that ends before it begins.
    let backwards = KeyAuthority::new("BfJ", j("DE"))
        .expect("a")
        .valid_from(Timestamp::from_unix(T0 + DAY))
        .valid_until(Timestamp::from_unix(T0));
    let other = s.de.c.export_public(&s.de.c.generate_key(&jan(), KeyKind::X25519, "2").expect("k")).expect("t");
    assert!(matches!(s.nl.c.import_authority_key(&jan(), &other, "x", &backwards), Err(Error::InvalidArgument(_))));
    // Our own key cannot be dressed up as another authority's.
    let dressed = KeyAuthority::new("BfJ", j("DE")).expect("a");
    let own = s.nl.c.import_authority_key(&jan(), &text, "own", &dressed);
    assert!(
        matches!(&own, Err(Error::Conflict { what: ConflictReason::OwnKey, key_id: Some(_), case_ref: None })),
        "{own:?}"
    );
    // A partner's key cannot be moved to another jurisdiction by importing it again.
    let moved = KeyAuthority::new("Bundesamt fuer Justiz", j("FR")).expect("a");
    let de_text = s.nl.c.export_public(&s.de_key).expect("t");
    match s.nl.c.import_authority_key(&jan(), &de_text, "x", &moved) {
        Err(Error::Conflict { what: ConflictReason::KeyJurisdictionDiffers { recorded, given }, key_id, case_ref }) => {
            assert_eq!((recorded, given, key_id, case_ref), (j("DE"), j("FR"), Some(s.de_key), None));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.nl.c.key(&s.de_key).expect("k").jurisdiction, Some(j("DE")));
}

#[test]
fn sealing_for_a_partner_needs_its_jurisdiction_among_the_destinations() {
    let s = scene();
    let c = &s.nl.c;
    // No destinations at all: the message says what to add.
    let e = assert_seal_refused(c, &options(vec![s.de_key], &[]), ErrorKind::DestinationRequired);
    assert!(e.to_string().contains("add DE to the destinations"), "{e}");
    assert!(e.is_refusal());
    // Destinations that do not include DE.
    let e = assert_seal_refused(c, &options(vec![s.kek, s.de_key], &["FR", "BE"]), ErrorKind::RecipientNotPermitted);
    assert!(e.to_string().contains("destinations must include DE"), "{e}");
    // The allowed case: DE among the destinations; DE opens it.
    let sealed = c.seal(&jan(), &data(), &options(vec![s.kek, s.de_key], &["FR", "DE"])).expect("seal");
    let de_officer = Actor::new("dora", "central_authority", j("DE"), Classification::Secret).expect("actor");
    let opened = s.de.c.open(&OpenRequest::new(de_officer, p("investigation")), &sealed.envelope).expect("open");
    assert_eq!(opened.data.expose_secret(), data().expose_secret());
    // Own keys need no destination.
    c.seal(&jan(), &data(), &options(vec![s.kek], &[])).expect("own key, no destinations");
}

#[test]
fn a_key_without_a_jurisdiction_cannot_be_sealed_for() {
    // Keys imported before keys carried a jurisdiction still load, and are refused as recipients until re-imported.
    let s = scene();
    let Authority { _dir: held, c } = s.nl;
    let dir = c.dir().to_owned();
    drop(c);
    let mut ring =
        custodia::Keyring::open(&dir, &Unlock::master_key([9; 32]), KdfParams::DANGER_TEST_ONLY).expect("keyring");
    ring.danger_strip_jurisdiction_for_tests(&s.de_key).expect("strip");
    drop(ring);
    let c = Custodian::load(&dir, Unlock::master_key([9; 32]), CustodianOptions::with_clock(s.clock.clone()))
        .expect("reopen");
    assert_eq!(c.key(&s.de_key).expect("k").jurisdiction, None);
    assert_eq!(c.key(&s.de_key).expect("k").authority.as_deref(), Some("Bundesamt fuer Justiz"));
    assert_seal_refused(&c, &options(vec![s.de_key], &["DE"]), ErrorKind::RecipientJurisdictionUnknown);
    drop(held);
}

#[test]
fn sealing_outside_the_validity_period_is_refused() {
    let s = scene();
    let c = &s.nl.c;
    let o = options(vec![s.de_key], &["DE"]);
    // Before it begins.
    s.clock.set(Timestamp::from_unix(T0 - 1));
    let e = assert_seal_refused(c, &o, ErrorKind::KeyNotValid);
    assert!(matches!(&e, Error::KeyNotValid { now, .. } if *now == Timestamp::from_unix(T0 - 1)), "{e}");
    // Inside.
    s.clock.set(Timestamp::from_unix(T0 + 364 * DAY));
    c.seal(&jan(), &data(), &o).expect("inside the period");
    // At its end and after.
    s.clock.set(Timestamp::from_unix(T0 + 365 * DAY));
    assert_seal_refused(c, &o, ErrorKind::KeyNotValid);
}

#[test]
fn sharing_outside_the_validity_period_is_refused_before_any_key_is_touched() {
    let s = scene();
    let c = &s.nl.c;
    let env = c.seal(&jan(), &data(), &options(vec![s.kek], &["DE"])).expect("seal").envelope;
    s.clock.set(Timestamp::from_unix(T0 + 400 * DAY));
    let before = c.unwrap_attempts();
    let e = c.rewrap(&jan(), &p("mla.execution"), &env, &[], &[s.de_key]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeyNotValid, "{e}");
    assert_eq!(c.unwrap_attempts(), before);
    let ev = last(c);
    assert_eq!((ev.kind, ev.detail.get("operation").map(String::as_str)), (EventKind::Refused, Some("share")));
    assert_eq!(refused_kind(&ev), "key_not_valid");
}

#[test]
fn a_revoked_key_receives_nothing_new() {
    let s = scene();
    let c = &s.nl.c;
    let env = c.seal(&jan(), &data(), &options(vec![s.kek], &["DE"])).expect("seal").envelope;
    let shared_before = c.seal(&jan(), &data(), &options(vec![s.kek, s.de_key], &["DE"])).expect("before").envelope;
    c.revoke_key(&jan(), &s.de_key, "end of cooperation under the 2024 MoU").expect("revoke");
    let ev = last(c);
    assert_eq!(ev.kind, EventKind::KeyRevoked);
    assert_eq!(ev.keys, vec![s.de_key]);
    assert_eq!(ev.detail.get("reason").map(String::as_str), Some("end of cooperation under the 2024 MoU"));
    assert_eq!(ev.detail.get("authority").map(String::as_str), Some("Bundesamt fuer Justiz"));
    let info = c.key(&s.de_key).expect("k");
    assert_eq!(info.revoked.as_ref().map(|m| m.by.as_str()), Some("jan"));
    // Seal: refused, typed, recorded.
    let e = assert_seal_refused(c, &options(vec![s.de_key], &["DE"]), ErrorKind::KeyRevoked);
    assert_eq!(e.code(), 217);
    // Share: refused before any key is touched.
    let before = c.unwrap_attempts();
    let e = c.rewrap(&jan(), &p("mla.execution"), &env, &[], &[s.de_key]).unwrap_err();
    assert!(matches!(e, Error::KeyRevoked { .. }), "{e}");
    assert_eq!(c.unwrap_attempts(), before);
    assert_eq!(refused_kind(&last(c)), "key_revoked");
    // What was sealed before is unchanged (it still names the key; the other authority still opens it).
    assert!(c.inspect(&shared_before).expect("info").recipients.contains(&s.de_key));
    // Re-importing the key does not lift the revocation.
    let text = c.export_public(&s.de_key).expect("t");
    let who = KeyAuthority::new("Bundesamt fuer Justiz", j("DE")).expect("a");
    c.import_authority_key(&jan(), &text, "DE again", &who).expect("re-import");
    assert!(c.key(&s.de_key).expect("k").revoked.is_some());
    assert_seal_refused(c, &options(vec![s.de_key], &["DE"]), ErrorKind::KeyRevoked);
    // Hostile: own keys are not revoked (they are rotated or marked compromised); reasons are checked; twice fails.
    let own = c.revoke_key(&jan(), &s.kek, "no reason");
    assert!(matches!(&own, Err(Error::Conflict { what: ConflictReason::OwnKey, key_id: Some(k), .. }) if *k == s.kek));
    let again = c.revoke_key(&jan(), &s.de_key, "again");
    assert!(
        matches!(&again, Err(Error::Conflict { what: ConflictReason::KeyAlreadyRevoked, key_id: Some(k), case_ref: None })
            if *k == s.de_key),
        "{again:?}"
    );
    assert_eq!(again.expect_err("conflict").code(), 110);
    let other = s.de.c.export_public(&s.de.c.generate_key(&jan(), KeyKind::X25519, "2").expect("k")).expect("t");
    let other = c.import_public(&jan(), &other, "DE 2", j("DE")).expect("import");
    for bad in ["", "two\nlines", &"r".repeat(513)] {
        assert!(matches!(c.revoke_key(&jan(), &other, bad), Err(Error::InvalidArgument(_))), "{bad:?}");
    }
    assert!(c.key(&other).expect("k").revoked.is_none());
}

#[test]
fn a_compromised_key_seals_signs_and_receives_nothing_new() {
    let s = scene();
    let c = &s.nl.c;
    let signer = c.generate_key(&jan(), KeyKind::Ed25519, "NL signer").expect("signer");
    let env = c.seal(&jan(), &data(), &options(vec![s.kek], &["DE"])).expect("seal").envelope;
    c.mark_compromised(&jan(), &s.kek, "backup tape lost in transit").expect("mark");
    let ev = last(c);
    assert_eq!((ev.kind, ev.keys.clone()), (EventKind::KeyCompromised, vec![s.kek]));
    assert_seal_refused(c, &options(vec![s.kek], &[]), ErrorKind::KeyCompromised);
    // It still opens what it protected (so that it can be moved off it).
    c.open(&OpenRequest::new(jan(), p("investigation")), &env).expect("still opens");
    // A compromised signer signs nothing.
    c.mark_compromised(&jan(), &signer, "signing host breached").expect("mark signer");
    let fresh = c.generate_key(&jan(), KeyKind::Kek, "fresh").expect("fresh");
    let mut o = options(vec![fresh], &[]);
    o.signer = Some(signer);
    assert_seal_refused(c, &o, ErrorKind::KeyCompromised);
    // Nothing is re-wrapped to a compromised key.
    let env2 = c.seal(&jan(), &data(), &options(vec![fresh], &[])).expect("seal").envelope;
    let before = c.unwrap_attempts();
    let e = c.rewrap(&jan(), &p("investigation"), &env2, &[], &[s.kek]).unwrap_err();
    assert!(matches!(e, Error::KeyCompromised { .. }), "{e}");
    assert_eq!(c.unwrap_attempts(), before);
    // A partner's key can be marked too.
    c.mark_compromised(&jan(), &s.de_key, "DE reported its key stolen").expect("mark partner");
    assert_seal_refused(c, &options(vec![s.de_key], &["DE"]), ErrorKind::KeyCompromised);
    // Hostile: twice, the audit key, bad reasons.
    let again = c.mark_compromised(&jan(), &s.kek, "again");
    assert!(
        matches!(&again, Err(Error::Conflict { what: ConflictReason::KeyAlreadyCompromised, key_id: Some(k), case_ref: None })
            if *k == s.kek),
        "{again:?}"
    );
    let audit_key = c.keys().expect("keys").into_iter().find(|k| k.label == custodia::AUDIT_KEY_LABEL).expect("a");
    assert!(matches!(c.mark_compromised(&jan(), &audit_key.id, "x"), Err(Error::InvalidArgument(_))));
    assert!(matches!(c.mark_compromised(&jan(), &fresh, "\u{7}"), Err(Error::InvalidArgument(_))));
    assert!(c.key(&fresh).expect("k").compromised.is_none());
}

#[test]
fn marks_survive_reopening_and_old_keyrings_load() {
    let s = scene();
    s.nl.c.revoke_key(&jan(), &s.de_key, "end of cooperation").expect("revoke");
    s.nl.c.mark_compromised(&jan(), &s.kek, "lost").expect("mark");
    let Authority { _dir: held, c } = s.nl;
    let dir = c.dir().to_owned();
    drop(c);
    let c = Custodian::load(&dir, Unlock::master_key([9; 32]), CustodianOptions::with_clock(s.clock.clone()))
        .expect("reopen");
    let k = c.key(&s.de_key).expect("k");
    assert!(k.revoked.is_some());
    assert_eq!(k.authority.as_deref(), Some("Bundesamt fuer Justiz"));
    assert!(c.key(&s.kek).expect("k").compromised.is_some());
    drop(held);
}

// ---- section 4: the transfer record ------------------------------------------------------------------------------

fn assert_transfer_details(ev: &AuditEvent) {
    let d = |k: &str| ev.detail.get(k).map(String::as_str);
    assert_eq!(d("instrument_kind"), Some("european_investigation_order"), "{ev:?}");
    assert_eq!(d("instrument_reference"), Some("EIO 2026/117"));
    assert_eq!(d("transfer_basis"), Some("Art. 10 Dir. 2014/41"));
    assert_eq!(d("origin"), Some("NL"));
    assert_eq!(d("destinations"), Some("DE"));
    assert_eq!(d("recipient_jurisdictions"), Some("DE"));
    assert_eq!(d("recipient_authorities"), Some("Bundesamt fuer Justiz"));
}

#[test]
fn sealed_shared_opened_and_refused_entries_carry_the_transfer_record() {
    let s = scene();
    let c = &s.nl.c;
    let sealed = c.seal(&jan(), &data(), &options(vec![s.kek, s.de_key], &["DE"])).expect("seal");
    let ev = last(c);
    assert_eq!(ev.kind, EventKind::Sealed);
    assert_transfer_details(&ev);
    // The instrument is readable from the envelope's info.
    let info = c.inspect(&sealed.envelope).expect("info");
    assert_eq!(info.instrument.as_ref(), Some(&instrument()));
    let text = c.describe(&sealed.envelope).expect("describe");
    assert!(
        text.ends_with(
            "instrument: european_investigation_order\ninstrument_reference: EIO 2026/117\n\
             transfer_basis: Art. 10 Dir. 2014/41\n"
        ),
        "{text}"
    );
    c.open(&OpenRequest::new(jan(), p("investigation")), &sealed.envelope).expect("open");
    assert_transfer_details(&last(c));
    assert_eq!(last(c).kind, EventKind::Opened);
    assert!(c.open(&OpenRequest::new(jan(), p("asset_recovery")), &sealed.envelope).is_err());
    assert_eq!(last(c).kind, EventKind::Refused);
    assert_transfer_details(&last(c));
    // A share adds DE's key to an envelope sealed for the KEK only.
    let env = c.seal(&jan(), &data(), &options(vec![s.kek], &["DE"])).expect("seal").envelope;
    c.rewrap(&jan(), &p("mla.execution"), &env, &[], &[s.de_key]).expect("share");
    let ev = last(c);
    assert_eq!(ev.kind, EventKind::Shared);
    assert_transfer_details(&ev);
}

#[test]
fn retention_changes_are_their_own_event_and_the_csv_carries_keys_and_details() {
    let s = scene();
    let c = &s.nl.c;
    c.set_retention(&jan(), &s.kek, Some(Timestamp::from_unix(T0 + 30 * DAY))).expect("retention");
    let ev = last(c);
    assert_eq!(ev.kind, EventKind::RetentionChanged);
    assert_eq!(ev.kind.name(), "retention_changed");
    assert_eq!(ev.keys, vec![s.kek]);
    let rotated = c.rotate(&jan(), &s.kek).expect("rotate");
    c.revoke_key(&jan(), &s.de_key, "end; of = cooperation").expect("revoke");
    let mut csv = Vec::new();
    custodia::audit::write_csv(&mut csv, custodia::audit::entries(c.audit_log().path()).expect("e")).expect("csv");
    let csv = String::from_utf8(csv).expect("utf8");
    let header = csv.lines().next().expect("header");
    assert!(header.ends_with(",outcome,keys,details"), "{header}");
    let row = |kind: &str| csv.lines().find(|l| l.split(',').nth(2) == Some(kind)).expect(kind).to_owned();
    let r = row("retention_changed");
    assert!(r.contains(&s.kek.to_string()) && r.contains("retention_set=2026-12-23T12:00:00Z"), "{r}");
    let r = row("key_rotated");
    assert!(r.contains(&format!("rotated_from={}", s.kek)) && r.contains(&rotated.to_string()), "{r}");
    let r = row("key_revoked");
    assert!(r.contains(r"reason=end\; of \= cooperation"), "{r}");
    let signed = c.generate_key(&jan(), KeyKind::Ed25519, "signer").expect("signer");
    let mut o = options(vec![rotated], &[]);
    o.signer = Some(signed);
    c.seal(&jan(), &data(), &o).expect("seal");
    let mut csv = Vec::new();
    custodia::audit::write_csv(&mut csv, custodia::audit::entries(c.audit_log().path()).expect("e")).expect("csv");
    let csv = String::from_utf8(csv).expect("utf8");
    let sealed = csv.lines().find(|l| l.split(',').nth(2) == Some("sealed")).expect("sealed");
    assert!(sealed.contains(&format!("signer={signed}")), "{sealed}");
}

// ---- section 6: breach response ----------------------------------------------------------------------------------

#[test]
fn the_compromise_report_lists_everything_through_rotations_rewraps_and_shares() {
    let s = scene();
    let c = &s.nl.c;
    let other_case = CaseRef::parse("MLA-2026-0099").expect("case");
    // A: sealed under the KEK. B: sealed under another key, later re-wrapped to the KEK. C: another case, under the
    // KEK, later re-wrapped away from it. D: never under the KEK.
    let a = c.seal(&jan(), &data(), &options(vec![s.kek], &[])).expect("a");
    let escrow = c.generate_key(&jan(), KeyKind::Kek, "escrow").expect("escrow");
    let b = c.seal(&jan(), &data(), &options(vec![escrow], &[])).expect("b");
    let b2 = c.rewrap(&jan(), &p("investigation"), &b.envelope, &[], &[s.kek]).expect("b re-wrapped to the kek");
    let mut oc = options(vec![s.kek], &[]);
    oc.case_ref = Some(other_case.clone());
    let cc = c.seal(&jan(), &data(), &oc).expect("c");
    c.rewrap(&jan(), &p("investigation"), &cc.envelope, &[s.kek], &[escrow]).expect("c moved away");
    let d = c.seal(&jan(), &data(), &options(vec![escrow], &[])).expect("d");
    // The breach.
    c.mark_compromised(&jan(), &s.kek, "backup tape lost in transit").expect("mark");
    let r = c.compromise_report(&s.kek).expect("report");
    assert!(r.key.compromised.is_some());
    let ids: Vec<&str> = r.envelopes.iter().map(|e| e.object_id.as_str()).collect();
    assert_eq!(ids, vec![a.object_id.as_str(), b.object_id.as_str(), cc.object_id.as_str()], "{r:#?}");
    assert!(!ids.contains(&d.object_id.as_str()));
    assert_eq!(r.envelopes[1].via, vec!["rewrapped".to_owned()]);
    assert_eq!(r.envelopes[1].recipients, vec![escrow, s.kek]);
    assert!(!r.envelopes[2].still_wrapped, "C was moved off the key");
    assert_eq!(r.envelopes[2].case_ref.as_ref(), Some(&other_case));
    assert_eq!(r.cases, vec![case(), other_case]);
    assert_eq!(r.to_rewrap(), vec![a.object_id.as_str(), b.object_id.as_str()]);
    // The text form the C API and the bindings hand out: one tab-separated record per line.
    let text = r.to_text();
    assert!(text.starts_with("custodia-compromise-report/1\n"), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with("envelope\t")).count(), 3, "{text}");
    let c_line = format!("envelope\t{}\tMLA-2026-0099\tmoved\t{escrow}\tsealed\t", cc.object_id);
    assert!(text.contains(&c_line), "{text}");
    assert!(text.contains("\nplan\t-\n") && text.contains("\ncase\tMLA-2026-0042\n"), "{text}");
    // Not rotated yet: no plan, and the report says so.
    assert!(r.plan.is_none() && r.successor.is_none());
    assert!(r.limits.iter().any(|l| l.contains("not been rotated")), "{:?}", r.limits);
    // Rotate; the plan moves A and B to the fresh key, in the terms the batch re-wrap takes.
    let fresh = c.rotate(&jan(), &s.kek).expect("rotate");
    let r = c.compromise_report(&s.kek).expect("report");
    assert_eq!((r.successor, r.plan.clone()), (Some(fresh), Some(RewrapPlan::Rotated)));
    let items = vec![RewrapItem::Bytes(a.envelope.clone()), RewrapItem::Bytes(b2)];
    let out = c.rewrap_batch(&jan(), items, r.plan.as_ref().expect("plan"), &mut |_, _| {});
    for o in out {
        let Ok(RewrapOutput::Bytes(env)) = o else { panic!("{o:?}") };
        let info = c.inspect(&env).expect("info");
        assert!(info.recipients.contains(&fresh) && !info.recipients.contains(&s.kek));
    }
    // After the plan ran, the report knows nothing is wrapped to the compromised key any more ...
    let after = c.compromise_report(&s.kek).expect("report");
    assert!(after.to_rewrap().is_empty(), "{after:#?}");
    assert_eq!(after.envelopes.len(), 3, "... and still lists what it protected");
    // ... and the fresh key's report shows what moved to it.
    let fresh_report = c.compromise_report(&fresh).expect("fresh");
    let moved: Vec<&str> = fresh_report.envelopes.iter().map(|e| e.object_id.as_str()).collect();
    assert_eq!(moved, vec![a.object_id.as_str(), b.object_id.as_str()]);
    assert!(fresh_report.envelopes.iter().all(|e| e.via == vec!["rewrapped".to_owned()]));
}

#[test]
fn the_compromise_report_of_a_partner_key_lists_seals_and_shares_and_is_honest() {
    let s = scene();
    let c = &s.nl.c;
    let sealed = c.seal(&jan(), &data(), &options(vec![s.kek, s.de_key], &["DE"])).expect("sealed for DE");
    let env = c.seal(&jan(), &data(), &options(vec![s.kek], &["DE"])).expect("seal").envelope;
    let shared = c.rewrap(&jan(), &p("mla.execution"), &env, &[], &[s.de_key]).expect("share");
    let shared_id = c.inspect(&shared).expect("info").object_id;
    // A refused share gave DE nothing: not listed.
    let env3 = c.seal(&jan(), &data(), &options(vec![s.kek], &["DE"])).expect("seal").envelope;
    assert!(c.rewrap(&jan(), &p("investigation"), &env3, &[], &[s.de_key]).is_err());
    let r = c.compromise_report(&s.de_key).expect("report");
    let ids: Vec<&str> = r.envelopes.iter().map(|e| e.object_id.as_str()).collect();
    assert_eq!(ids, vec![sealed.object_id.as_str(), shared_id.as_str()]);
    assert_eq!(r.envelopes[1].via, vec!["shared".to_owned()]);
    assert!(r.plan.is_none());
    assert!(r.limits.iter().any(|l| l.contains("another authority's key")), "{:?}", r.limits);
    assert!(r.limits.iter().any(|l| l.contains("Anyone holding the public key")), "{:?}", r.limits);
    let fresh = c.generate_key(&jan(), KeyKind::Kek, "x").expect("k");
    assert_eq!(
        r.replace_with(fresh, p("mla.execution")),
        RewrapPlan::Change { purpose: p("mla.execution"), remove: vec![s.de_key], add: vec![fresh] }
    );
}

#[test]
fn the_compromise_report_lists_envelopes_sealed_elsewhere_once_seen_here_and_says_what_it_cannot_know() {
    // DE seals to NL's X25519 key: NL's log knows nothing until the envelope is opened (or refused) here.
    let s = scene();
    let nl_key = s.nl.c.generate_key(&jan(), KeyKind::X25519, "NL public").expect("k");
    let text = s.nl.c.export_public(&nl_key).expect("t");
    let nl_in_de =
        s.de.c
            .import_authority_key(&jan(), &text, "NL", &KeyAuthority::new("NL central authority", j("NL")).expect("a"))
            .expect("import");
    let dora = Actor::new("dora", "central_authority", j("DE"), Classification::Secret).expect("actor");
    let mut o = options(vec![nl_in_de], &["NL"]);
    o.origin = Some(j("DE"));
    let unseen = s.de.c.seal(&dora, &data(), &o).expect("unseen");
    let seen = s.de.c.seal(&dora, &data(), &o).expect("seen");
    s.nl.c.open(&OpenRequest::new(jan(), p("investigation")), &seen.envelope).expect("open");
    let r = s.nl.c.compromise_report(&nl_key).expect("report");
    let ids: Vec<&str> = r.envelopes.iter().map(|e| e.object_id.as_str()).collect();
    assert_eq!(ids, vec![seen.object_id.as_str()]);
    assert!(!ids.contains(&unseen.object_id.as_str()));
    assert_eq!(r.envelopes[0].via, vec!["opened".to_owned()]);
    assert!(r.limits.iter().any(|l| l.contains("sealed by other custodians")), "{:?}", r.limits);
    // Re-wrapped here (to NL's escrow) without being opened first: the key that unwrapped it protected it.
    let rewrapped = s.de.c.seal(&dora, &data(), &o).expect("rewrapped");
    s.nl.c.rewrap(&jan(), &p("investigation"), &rewrapped.envelope, &[], &[s.kek]).expect("re-wrap to escrow");
    let r = s.nl.c.compromise_report(&nl_key).expect("report");
    let e = r.envelopes.iter().find(|e| e.object_id == rewrapped.object_id).expect("listed");
    assert_eq!((e.via.clone(), e.recipients.clone()), (vec!["opened".to_owned()], vec![nl_key, s.kek]));
    let escrow = s.nl.c.compromise_report(&s.kek).expect("escrow report");
    let e = escrow.envelopes.iter().find(|e| e.object_id == rewrapped.object_id).expect("listed under the escrow");
    assert_eq!(e.via, vec!["rewrapped".to_owned()]);
    assert!(matches!(s.nl.c.compromise_report(&KeyId::from_bytes([7; 16])), Err(Error::KeyNotFound(_))));
}
