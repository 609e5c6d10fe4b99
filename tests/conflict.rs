//! `Error::Conflict` (code 110): operations that conflict with recorded state (a hold placed twice, released when
//! there is none, a stanza removed that the envelope does not have or added that it already has) are told apart from
//! malformed input, with the key or case concerned, and change nothing. The key conflicts of revocation, compromise
//! marks and imports are exercised in `authority_keys.rs` and `rewrap_gate.rs`.

use std::sync::Arc;

use custodia::{
    Actor, CaseRef, Category, Classification, ConflictReason, Custodian, CustodianOptions, Error, ErrorCategory,
    ErrorKind, FixedClock, Jurisdiction, KdfParams, KeyKind, Purpose, PurposeSet, SealOptions, Sensitive, Timestamp,
    Unlock,
};

const T0: u64 = 1_795_435_200; // 2026-11-23T12:00:00Z

fn custodian(dir: &std::path::Path) -> Custodian {
    let mut opts = CustodianOptions::with_clock(Arc::new(FixedClock::new(Timestamp::from_unix(T0))));
    opts.kdf = KdfParams::DANGER_TEST_ONLY;
    opts.create = true;
    Custodian::load(dir, Unlock::master_key([9; 32]), opts).expect("open custodian")
}

fn actor() -> Actor {
    Actor::new("anna", "prosecutor", Jurisdiction::parse("NL").expect("j"), Classification::Secret).expect("actor")
}

#[test]
fn a_legal_hold_placed_twice_or_released_without_one_is_a_conflict_naming_the_case() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = custodian(dir.path());
    let a = actor();
    let case = CaseRef::parse("MLA-2026-0042").expect("case");
    c.place_legal_hold(&a, &case, "HOLD-7", "appeal pending").expect("hold");

    let twice = c.place_legal_hold(&a, &case, "HOLD-8", "another order");
    match &twice {
        Err(Error::Conflict { what: ConflictReason::CaseAlreadyHeld, key_id: None, case_ref: Some(held) }) => {
            assert_eq!(held, &case);
        }
        other => panic!("{other:?}"),
    }
    let e = twice.expect_err("conflict");
    assert_eq!((e.code(), e.kind_name(), e.kind()), (110, "conflict", ErrorKind::Conflict));
    assert_eq!(e.kind().category(), ErrorCategory::InvalidInput);
    assert!(!e.is_refusal());
    assert_eq!(e.to_string(), "conflict with recorded state: case MLA-2026-0042 is already under legal hold");
    // The first hold is kept as it was: the conflicting call changed nothing.
    let holds = c.legal_holds().expect("holds");
    assert_eq!(holds.len(), 1);
    assert_eq!(holds[0].reference, "HOLD-7");

    // Malformed input is still InvalidArgument, not Conflict, even on a held case.
    assert!(matches!(c.place_legal_hold(&a, &case, "", "x"), Err(Error::InvalidArgument(_))));

    c.release_legal_hold(&a, &case).expect("release");
    let again = c.release_legal_hold(&a, &case);
    assert!(
        matches!(&again, Err(Error::Conflict { what: ConflictReason::CaseNotHeld, key_id: None, case_ref: Some(k) })
            if *k == case),
        "{again:?}"
    );
    let never = CaseRef::parse("MLA-2026-0099").expect("case");
    assert!(matches!(c.release_legal_hold(&a, &never), Err(Error::Conflict { what: ConflictReason::CaseNotHeld, .. })));
}

#[test]
fn rewrap_removing_a_missing_stanza_or_adding_a_present_one_is_a_conflict_naming_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = custodian(dir.path());
    let a = actor();
    let k1 = c.generate_key(&a, KeyKind::Kek, "one").expect("kek");
    let k2 = c.generate_key(&a, KeyKind::Kek, "two").expect("kek");
    let k3 = c.generate_key(&a, KeyKind::Kek, "three").expect("kek");
    let opts = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![k1, k2]);
    let sealed = c.seal(&a, &Sensitive::new(b"x".to_vec(), Category::FinancialRecords), &opts).expect("seal").envelope;
    let purpose = Purpose::parse("investigation").expect("purpose");

    let r = c.rewrap(&a, &purpose, &sealed, &[k3], &[]);
    match &r {
        Err(Error::Conflict { what: ConflictReason::StanzaNotFound, key_id: Some(k), case_ref: None }) => {
            assert_eq!(*k, k3);
        }
        other => panic!("{other:?}"),
    }
    assert!(r.expect_err("conflict").to_string().contains(&k3.to_string()));

    let r = c.rewrap(&a, &purpose, &sealed, &[], &[k2]);
    match &r {
        Err(Error::Conflict { what: ConflictReason::RecipientExists, key_id: Some(k), case_ref: None }) => {
            assert_eq!(*k, k2);
        }
        other => panic!("{other:?}"),
    }
    // Removing and adding the same key in one call is a re-wrap for it, not a conflict.
    let same = c.rewrap(&a, &purpose, &sealed, &[k2], &[k2]).expect("remove and add again");
    let mut recipients = c.inspect(&same).expect("info").recipients;
    recipients.sort_unstable();
    let mut want = vec![k1, k2];
    want.sort_unstable();
    assert_eq!(recipients, want);
}

#[test]
fn every_conflict_reason_has_a_distinct_stable_name() {
    let j = |s: &str| Jurisdiction::parse(s).expect("j");
    let all = [
        ConflictReason::KeyExists,
        ConflictReason::KeyJurisdictionDiffers { recorded: j("DE"), given: j("FR") },
        ConflictReason::OwnKey,
        ConflictReason::KeyAlreadyRevoked,
        ConflictReason::KeyAlreadyCompromised,
        ConflictReason::CaseAlreadyHeld,
        ConflictReason::CaseNotHeld,
        ConflictReason::StanzaNotFound,
        ConflictReason::RecipientExists,
    ];
    let mut names: Vec<&str> = all.iter().map(|r| r.name()).collect();
    assert!(names.iter().all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), all.len());
}
