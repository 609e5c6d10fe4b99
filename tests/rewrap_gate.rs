//! Re-wrapping and sharing pass the policy gate (issue 12, section 1).
//!
//! The attack: an envelope with a protected witness's identity (secret, for witness protection, sealed in DE for NL)
//! has expired. Mallory, acting from FR with clearance `public`, is refused a direct open; before the gate covered
//! re-wraps she re-wrapped it to a key she had imported and held, and decrypted it outside custodia. Every path that
//! re-wraps (`rewrap` adding or removing, `rewrap_rotated`, `rewrap_batch` on bytes and on files) must now refuse her
//! before any key is touched (`unwrap_attempts` does not move) and leave a `refused` entry in the audit log.
//! The positive paths show what a re-wrap and a share need.

mod common;

use common::authority::{Authority, authority, j, p};
use std::fs;
use std::path::Path;
use std::sync::Arc;

use custodia::ConflictReason;
use custodia::audit::{AuditEvent, EventKind, Outcome};
use custodia::{
    Actor, CaseRef, Category, Classification, Custodian, CustodianOptions, Error, FixedClock, KeyId, KeyKind,
    OpenRequest, Purpose, PurposeSet, SealOptions, Sensitive, Timestamp,
};
use custodia::{KdfParams, Unlock};
use custodia::{RewrapItem, RewrapOutput, RewrapPlan};

const T0: u64 = 1_795_435_200; // 2026-11-23T12:00:00Z
const ADDRESS: &[u8] = b"witness W-17: safe house at Keizersgracht 000, Amsterdam";

/// The custodian's own officer in NL, cleared for secret data.
fn jan() -> Actor {
    Actor::new("jan", "central_authority", j("NL"), Classification::Secret).expect("actor")
}

/// The attacker: acting from FR, clearance public.
fn mallory() -> Actor {
    Actor::new("mallory", "clerk", j("FR"), Classification::Public).expect("actor")
}

/// The scene: the NL custodian holding a witness envelope under its own KEK (and signed by it: it is the
/// originator), and an outside custodian whose X25519 key Mallory holds and has imported into NL's keyring.
struct Scene {
    clock: Arc<FixedClock>,
    nl: Authority,
    outside: Authority,
    kek: KeyId,
    /// Mallory's key, imported into NL's keyring (public part only).
    mallory_key: KeyId,
    envelope: Vec<u8>,
}

fn witness_options(kek: KeyId, purposes: &[&str]) -> SealOptions {
    let mut o = SealOptions::new(PurposeSet::parse(purposes).expect("purposes"), vec![kek]);
    o.case_ref = Some(CaseRef::parse("MLA-2026-0042").expect("case"));
    o.origin = Some(j("DE"));
    o.destinations = vec![j("NL")];
    o.not_after = Some(Timestamp::from_unix(T0 + 86_400));
    o
}

fn scene(purposes: &[&str]) -> Scene {
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let nl = authority(&clock);
    let outside = authority(&clock);
    let kek = nl.c.generate_key(&jan(), KeyKind::Kek, "NL witness protection").expect("kek");
    let data = Sensitive::new(ADDRESS.to_vec(), Category::WitnessIdentity);
    // Signed with NL's own key: this custodian is the envelope's originator, so it shares without a grant (the
    // rule of speciality binds everyone else; see tests/grants.rs).
    let signer = nl.c.generate_key(&jan(), KeyKind::Ed25519, "NL signing").expect("ed25519");
    let mut options = witness_options(kek, purposes);
    options.signer = Some(signer);
    let envelope = nl.c.seal(&jan(), &data, &options).expect("seal").envelope;
    let held = outside.c.generate_key(&mallory(), KeyKind::X25519, "mallory's own").expect("x25519");
    let text = outside.c.export_public(&held).expect("export");
    let mallory_key = nl.c.import_public(&mallory(), &text, "a partner authority", j("NL")).expect("import");
    assert_eq!(mallory_key, held);
    Scene { clock, nl, outside, kek, mallory_key, envelope }
}

/// The scene: the envelope is for witness protection only, and it has expired.
fn expired_scene() -> Scene {
    let s = scene(&["witness_protection"]);
    s.clock.advance(2 * 86_400);
    s
}

fn events(c: &Custodian) -> Vec<AuditEvent> {
    custodia::audit::entries(c.audit_log().path()).expect("entries").map(|e| e.expect("entry").event).collect()
}

/// The last audit entry is a `refused` event for `operation` naming `refusal`, by `actor`, on `envelope`'s object.
fn assert_refusal_recorded(c: &Custodian, envelope: &[u8], actor: &Actor, operation: &str, refusal: &Error) {
    let last = events(c).pop().expect("an entry");
    assert_eq!(last.kind, EventKind::Refused, "{last:?}");
    assert_eq!(last.detail.get("operation").map(String::as_str), Some(operation), "{last:?}");
    assert_eq!(last.actor.as_ref().map(Actor::id), Some(actor.id()));
    assert_eq!(last.object.as_deref(), Some(c.inspect(envelope).expect("info").object_id.as_str()));
    assert_eq!(last.case.as_ref().map(CaseRef::as_str), Some("MLA-2026-0042"));
    match &last.outcome {
        Outcome::Refused { kind, .. } => assert_eq!(kind, refusal.kind_name()),
        other => panic!("{other:?}"),
    }
}

fn open(c: &Custodian, actor: Actor, purpose: &str, envelope: &[u8]) -> custodia::Result<Vec<u8>> {
    c.open(&OpenRequest::new(actor, p(purpose)), envelope).map(|o| o.data.expose_secret().clone())
}

// ---- the attack, on every path ------------------------------------------------------------------------------------

#[test]
fn the_attack_by_rewrap_adding_her_key_is_refused_before_any_key_is_touched() {
    let s = expired_scene();
    let c = &s.nl.c;
    assert!(matches!(open(c, mallory(), "witness_protection", &s.envelope), Err(Error::ClearanceInsufficient { .. })));
    let before = c.unwrap_attempts();
    let e = c.rewrap(&mallory(), &p("witness_protection"), &s.envelope, &[], &[s.mallory_key]).unwrap_err();
    assert!(
        matches!(e, Error::ClearanceInsufficient { required: Classification::Secret, held: Classification::Public }),
        "{e}"
    );
    assert_eq!(c.unwrap_attempts(), before, "a refused re-wrap touches no key");
    assert_refusal_recorded(c, &s.envelope, &mallory(), "share", &e);
    let last = events(c).pop().expect("entry");
    assert_eq!(last.purpose.as_ref().map(Purpose::as_str), Some("witness_protection"));
    assert_eq!(last.keys, vec![s.mallory_key]);
    assert!(!events(c).iter().any(|ev| ev.kind == EventKind::Shared), "nothing was shared");
    // Whatever purpose she states, and with the transfer purpose too.
    for purpose in ["mla.execution", "investigation"] {
        assert!(c.rewrap(&mallory(), &p(purpose), &s.envelope, &[], &[s.mallory_key]).is_err());
    }
    // An own key instead of hers: the same refusal, recorded as a plain re-wrap.
    let e = c.rewrap(&mallory(), &p("witness_protection"), &s.envelope, &[], &[s.kek]).unwrap_err();
    assert!(matches!(e, Error::ClearanceInsufficient { .. }));
    assert_refusal_recorded(c, &s.envelope, &mallory(), "rewrap", &e);
    assert_eq!(c.unwrap_attempts(), before);
}

#[test]
fn the_attack_by_rewrap_removing_stanzas_is_refused() {
    let s = expired_scene();
    let c = &s.nl.c;
    let escrow = c.generate_key(&jan(), KeyKind::Kek, "escrow").expect("kek");
    let before = c.unwrap_attempts();
    let e = c.rewrap(&mallory(), &p("witness_protection"), &s.envelope, &[s.kek], &[]).unwrap_err();
    assert!(matches!(e, Error::ClearanceInsufficient { .. }), "{e}");
    assert_refusal_recorded(c, &s.envelope, &mallory(), "rewrap", &e);
    // Removing and adding an own key in one go: refused the same way.
    let e = c.rewrap(&mallory(), &p("witness_protection"), &s.envelope, &[s.kek], &[escrow]).unwrap_err();
    assert!(matches!(e, Error::ClearanceInsufficient { .. }), "{e}");
    assert_eq!(c.unwrap_attempts(), before);
    // A cleared actor of a permitted jurisdiction is still refused: the envelope has expired.
    let e = c.rewrap(&jan(), &p("witness_protection"), &s.envelope, &[s.kek], &[escrow]).unwrap_err();
    assert!(matches!(e, Error::Expired { .. }), "{e}");
    assert_refusal_recorded(c, &s.envelope, &jan(), "rewrap", &e);
    assert_eq!(c.unwrap_attempts(), before);
}

#[test]
fn the_attack_by_rewrap_rotated_is_refused_for_insufficient_clearance() {
    let s = expired_scene();
    let c = &s.nl.c;
    c.rotate(&jan(), &s.kek).expect("rotate");
    let before = c.unwrap_attempts();
    let e = c.rewrap_rotated(&mallory(), &s.envelope).unwrap_err();
    assert!(matches!(e, Error::ClearanceInsufficient { .. }), "{e}");
    assert_eq!(c.unwrap_attempts(), before);
    assert_refusal_recorded(c, &s.envelope, &mallory(), "rewrap_rotated", &e);
}

#[test]
fn rewrap_rotated_needs_clearance_only_not_purpose_place_or_time() {
    let s = expired_scene();
    let c = &s.nl.c;
    let new = c.rotate(&jan(), &s.kek).expect("rotate");
    // An operator acting from FR (outside DE and NL), after expiry, stating no purpose: cleared, so allowed.
    let operator = Actor::new("ops", "operator", j("FR"), Classification::Secret).expect("actor");
    let moved = c.rewrap_rotated(&operator, &s.envelope).expect("rotation re-wrap");
    assert_eq!(c.inspect(&moved).expect("info").recipients, vec![new]);
    let last = events(c).pop().expect("entry");
    assert_eq!(last.kind, EventKind::Rewrapped);
    assert_eq!(last.detail.get("operation").map(String::as_str), Some("rewrap_rotated"));
    assert!(last.purpose.is_none());
    assert_eq!(last.outcome, Outcome::Ok);
}

#[test]
fn the_attack_by_batch_rewrap_on_bytes_and_files_is_refused() {
    let s = expired_scene();
    let c = &s.nl.c;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("witness.cust");
    fs::write(&file, &s.envelope).expect("write");
    let plan = RewrapPlan::Change { purpose: p("mla.execution"), remove: vec![], add: vec![s.mallory_key] };
    let before = c.unwrap_attempts();
    let items = vec![RewrapItem::Bytes(s.envelope.clone()), RewrapItem::File(file.clone())];
    let results = c.rewrap_batch(&mallory(), items, &plan, &mut |_, _| {});
    assert_eq!(results.len(), 2);
    for r in &results {
        assert!(matches!(r, Err(Error::ClearanceInsufficient { .. })), "{r:?}");
    }
    assert_eq!(c.unwrap_attempts(), before);
    assert_eq!(fs::read(&file).expect("read"), s.envelope, "the file is untouched");
    let refused: Vec<_> = events(c).into_iter().filter(|e| e.kind == EventKind::Refused).collect();
    assert_eq!(refused.len(), 2);
    assert!(refused.iter().all(|e| e.detail.get("operation").map(String::as_str) == Some("share")));

    // The rotation plan in a batch: clearance only, refused for her as well.
    c.rotate(&jan(), &s.kek).expect("rotate");
    let items = vec![RewrapItem::Bytes(s.envelope.clone()), RewrapItem::File(file.clone())];
    let results = c.rewrap_batch(&mallory(), items, &RewrapPlan::Rotated, &mut |_, _| {});
    assert!(results.iter().all(|r| matches!(r, Err(Error::ClearanceInsufficient { .. }))), "{results:?}");
    assert_eq!(c.unwrap_attempts(), before);
    let refusal = results[1].as_ref().expect_err("refused");
    assert_refusal_recorded(c, &s.envelope, &mallory(), "rewrap_rotated", refusal);
}

// ---- what a re-wrap and a share need ------------------------------------------------------------------------------

#[test]
fn an_own_key_rewrap_with_a_granted_purpose_is_allowed_and_records_the_purpose() {
    let s = scene(&["witness_protection"]);
    let c = &s.nl.c;
    let escrow = c.generate_key(&jan(), KeyKind::Kek, "escrow").expect("kek");
    let out = c.rewrap(&jan(), &p("witness_protection"), &s.envelope, &[s.kek], &[escrow]).expect("rewrap");
    assert_eq!(c.inspect(&out).expect("info").recipients, vec![escrow]);
    let last = events(c).pop().expect("entry");
    assert_eq!(last.kind, EventKind::Rewrapped);
    assert_eq!(last.outcome, Outcome::Ok);
    assert_eq!(last.purpose.as_ref().map(Purpose::as_str), Some("witness_protection"));
    assert_eq!(last.detail.get("operation").map(String::as_str), Some("rewrap"));
    assert_eq!(last.detail.get("granted_by").map(String::as_str), Some("witness_protection"));
    assert_eq!(open(c, jan(), "witness_protection", &out).expect("open"), ADDRESS);
    // A purpose the envelope does not grant is refused, even by the custodian's own cleared officer, and no
    // exception can be given for a re-wrap.
    let before = c.unwrap_attempts();
    let e = c.rewrap(&jan(), &p("investigation"), &s.envelope, &[], &[escrow]).unwrap_err();
    assert!(matches!(e, Error::PurposeNotPermitted { .. }), "{e}");
    assert_refusal_recorded(c, &s.envelope, &jan(), "rewrap", &e);
    // An actor outside the envelope's jurisdictions.
    let paris = Actor::new("pierre", "central_authority", j("FR"), Classification::Secret).expect("actor");
    let e = c.rewrap(&paris, &p("witness_protection"), &s.envelope, &[], &[escrow]).unwrap_err();
    assert!(matches!(e, Error::JurisdictionNotPermitted { .. }), "{e}");
    assert_eq!(c.unwrap_attempts(), before);
}

#[test]
fn sharing_with_a_destination_authority_under_mla_execution_is_allowed() {
    let s = scene(&["witness_protection", "mla.execution"]);
    let c = &s.nl.c;
    // The imported key was recorded with its jurisdiction, in the keyring and in the import's audit event.
    assert_eq!(c.key(&s.mallory_key).expect("key").jurisdiction, Some(j("NL")));
    let import = events(c)
        .into_iter()
        .find(|e| e.keys == vec![s.mallory_key] && e.detail.contains_key("imported"))
        .expect("import event");
    assert_eq!(import.detail.get("jurisdiction").map(String::as_str), Some("NL"));
    assert!(!c.key(&s.mallory_key).expect("key").has_secret);
    let shared = c.rewrap(&jan(), &p("mla.execution"), &s.envelope, &[], &[s.mallory_key]).expect("share");
    let last = events(c).pop().expect("entry");
    assert_eq!(last.kind, EventKind::Shared);
    assert_eq!(last.purpose.as_ref().map(Purpose::as_str), Some("mla.execution"));
    assert_eq!(last.detail.get("operation").map(String::as_str), Some("share"));
    assert_eq!(last.keys, vec![s.mallory_key]);
    // The other authority opens it with its own key.
    let theirs = Actor::new("nl.partner", "investigator", j("NL"), Classification::Secret).expect("actor");
    assert_eq!(open(&s.outside.c, theirs, "mla.execution", &shared).expect("open"), ADDRESS);
    // A sub-purpose of mla.execution works too.
    c.rewrap(&jan(), &p("mla.execution.return"), &s.envelope, &[], &[s.mallory_key]).expect("share");
}

#[test]
fn sharing_without_mla_execution_is_refused() {
    let s = scene(&["witness_protection", "mla.execution"]);
    let c = &s.nl.c;
    let before = c.unwrap_attempts();
    let e = c.rewrap(&jan(), &p("witness_protection"), &s.envelope, &[], &[s.mallory_key]).unwrap_err();
    match &e {
        Error::TransferNotPermitted { key_id, purpose } => {
            assert_eq!(key_id, &s.mallory_key);
            assert_eq!(purpose, "witness_protection");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.code(), 207);
    assert_eq!(c.unwrap_attempts(), before);
    assert_refusal_recorded(c, &s.envelope, &jan(), "share", &e);
    // An envelope that does not grant mla.execution cannot be shared at all.
    let narrow = scene(&["witness_protection"]);
    let e = narrow.nl.c.rewrap(&jan(), &p("mla.execution"), &narrow.envelope, &[], &[narrow.mallory_key]).unwrap_err();
    assert!(matches!(e, Error::PurposeNotPermitted { .. }), "{e}");
    assert_refusal_recorded(&narrow.nl.c, &narrow.envelope, &jan(), "share", &e);
}

#[test]
fn sharing_with_an_authority_of_another_jurisdiction_is_refused() {
    let s = scene(&["witness_protection", "mla.execution"]);
    let c = &s.nl.c;
    let fr = authority(&s.clock);
    let fr_key = fr.c.generate_key(&jan(), KeyKind::X25519, "FR central authority").expect("x25519");
    let fr_key = c.import_public(&jan(), &fr.c.export_public(&fr_key).expect("export"), "FR", j("FR")).expect("import");
    let before = c.unwrap_attempts();
    let e = c.rewrap(&jan(), &p("mla.execution"), &s.envelope, &[], &[s.mallory_key, fr_key]).unwrap_err();
    match &e {
        Error::RecipientNotPermitted { key_id, jurisdiction, permitted } => {
            assert_eq!(key_id, &fr_key);
            assert_eq!(jurisdiction.as_str(), "FR");
            assert_eq!(permitted, "DE, NL");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.code(), 208);
    assert_eq!(c.unwrap_attempts(), before);
    assert_refusal_recorded(c, &s.envelope, &jan(), "share", &e);
    // Importing the same key again under another jurisdiction does not move it.
    let text = fr.c.export_public(&fr_key).expect("export");
    let again = c.import_public(&jan(), &text, "FR again", j("NL"));
    assert!(
        matches!(&again, Err(Error::Conflict {
            what: ConflictReason::KeyJurisdictionDiffers { recorded, given }, key_id: Some(k), ..
        }) if *recorded == j("FR") && *given == j("NL") && *k == fr_key),
        "{again:?}"
    );
    assert_eq!(c.key(&fr_key).expect("key").jurisdiction, Some(j("FR")));
}

#[test]
fn sharing_with_a_key_imported_without_jurisdiction_is_refused_until_it_is_imported_again() {
    // A keyring written before keys carried a jurisdiction: the record is rewritten without the field (a `None`
    // is not serialized, so the file holds exactly what an older version wrote), then the custodian reopened.
    let s = scene(&["witness_protection", "mla.execution"]);
    let dir = s.nl.c.dir().to_owned();
    let (clock, key, envelope) = (s.clock.clone(), s.mallory_key, s.envelope.clone());
    let outside_text = s.outside.c.export_public(&key).expect("export");
    drop(s.nl.c);
    strip_jurisdiction(&dir, &key);
    let mut opts = CustodianOptions::with_clock(clock);
    opts.kdf = KdfParams::DANGER_TEST_ONLY;
    let c = Custodian::load(&dir, Unlock::master_key([9; 32]), opts).expect("reopen");
    assert_eq!(c.key(&key).expect("key").jurisdiction, None, "an old record loads, with no jurisdiction");
    let before = c.unwrap_attempts();
    let e = c.rewrap(&jan(), &p("mla.execution"), &envelope, &[], &[key]).unwrap_err();
    assert!(matches!(&e, Error::RecipientJurisdictionUnknown { key_id } if *key_id == key), "{e}");
    assert_eq!(e.code(), 209);
    assert!(e.to_string().contains("import it again"), "{e}");
    assert_eq!(c.unwrap_attempts(), before);
    assert_refusal_recorded(&c, &envelope, &jan(), "share", &e);
    // Importing it again records the jurisdiction, and the share goes through.
    c.import_public(&jan(), &outside_text, "a partner authority", j("NL")).expect("import again");
    assert_eq!(c.key(&key).expect("key").jurisdiction, Some(j("NL")));
    c.rewrap(&jan(), &p("mla.execution"), &envelope, &[], &[key]).expect("share");
}

/// Rewrite the keyring so that `key`'s record has no jurisdiction, as a keyring written before keys carried one.
fn strip_jurisdiction(dir: &Path, key: &KeyId) {
    let mut ring =
        custodia::Keyring::open(dir, &Unlock::master_key([9; 32]), KdfParams::DANGER_TEST_ONLY).expect("keyring");
    ring.danger_strip_jurisdiction_for_tests(key).expect("update");
}

#[test]
fn a_batch_share_by_a_cleared_officer_goes_through_for_bytes_and_files() {
    let s = scene(&["witness_protection", "mla.execution"]);
    let c = &s.nl.c;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("witness.cust");
    fs::write(&file, &s.envelope).expect("write");
    let plan = RewrapPlan::Change { purpose: p("mla.execution"), remove: vec![], add: vec![s.mallory_key] };
    let items = vec![RewrapItem::Bytes(s.envelope.clone()), RewrapItem::File(file.clone())];
    let results = c.rewrap_batch(&jan(), items, &plan, &mut |_, _| {});
    let theirs = Actor::new("nl.partner", "investigator", j("NL"), Classification::Secret).expect("actor");
    match &results[0] {
        Ok(RewrapOutput::Bytes(b)) => {
            assert_eq!(open(&s.outside.c, theirs.clone(), "mla.execution", b).expect("open"), ADDRESS)
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&results[1], Ok(RewrapOutput::File(f)) if *f == file));
    let shared_file = fs::read(&file).expect("read");
    assert_eq!(open(&s.outside.c, theirs, "mla.execution", &shared_file).expect("open"), ADDRESS);
    assert_eq!(events(c).iter().filter(|e| e.kind == EventKind::Shared).count(), 2);
    // The same plan without the transfer purpose: both items refused.
    let plan = RewrapPlan::Change { purpose: p("witness_protection"), remove: vec![], add: vec![s.mallory_key] };
    let items = vec![RewrapItem::Bytes(s.envelope.clone()), RewrapItem::File(file)];
    let results = c.rewrap_batch(&jan(), items, &plan, &mut |_, _| {});
    assert!(results.iter().all(|r| matches!(r, Err(Error::TransferNotPermitted { .. }))), "{results:?}");
}

#[test]
fn a_refusal_past_the_gate_is_recorded_too() {
    // The envelope's only key is destroyed: the gate allows the re-wrap, the unwrap refuses with KeyDestroyed.
    let s = scene(&["witness_protection"]);
    let c = &s.nl.c;
    let escrow = c.generate_key(&jan(), KeyKind::Kek, "escrow").expect("kek");
    c.destroy_key(&jan(), &s.kek, "case closed").expect("destroy");
    let e = c.rewrap(&jan(), &p("witness_protection"), &s.envelope, &[], &[escrow]).unwrap_err();
    assert!(matches!(e, Error::KeyDestroyed { .. }), "{e}");
    assert_refusal_recorded(c, &s.envelope, &jan(), "rewrap", &e);
}
