//! Keyed pseudonyms (issue 16 §2): the same person gets the same pseudonym within a case and unrelated ones across
//! cases; shredding the case's key destroys the linkability; resolving back is audited and only by a holder of the
//! case key who passes the gate. Each promise is attacked below.

mod common;

use std::sync::Arc;

use common::authority::{authority, j, p};
use custodia::audit::EventKind;
use custodia::{
    AccessPolicy, Actor, Admission, CaseRef, Category, Classification, ErrorKind, FixedClock, OpenRequest, Pseudonym,
    Timestamp,
};

const T0: u64 = 1_795_435_200;

fn jan() -> Actor {
    Actor::new("jan", "prosecutor", j("NL"), Classification::Secret).expect("actor")
}

fn req(actor: Actor) -> OpenRequest {
    OpenRequest::new(actor, p("investigation"))
}

fn case(s: &str) -> CaseRef {
    CaseRef::parse(s).expect("case")
}

#[test]
fn same_person_same_pseudonym_in_a_case_unrelated_across_cases_and_domains() {
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let a = authority(&clock);
    let (c1, c2) = (case("MLA-2026-0042"), case("MLA-2026-0043"));
    let names = ["Jan de Vries", "  jan DE vries ", "Anna Smit"];
    let p1 = a.c.pseudonymize(&req(jan()), &c1, Category::PersonalIdentity, "person", &names).expect("derive");
    assert_eq!(p1[0], p1[1], "normalized: one person");
    assert_ne!(p1[0], p1[2]);
    let again = a.c.pseudonymize(&req(jan()), &c1, Category::PersonalIdentity, "person", &names[..1]).expect("again");
    assert_eq!(again[0], p1[0], "stable within the case");
    let p2 = a.c.pseudonymize(&req(jan()), &c2, Category::PersonalIdentity, "person", &names[..1]).expect("c2");
    assert_ne!(p2[0], p1[0], "another case, another pseudonym");
    let w = a.c.pseudonymize(&req(jan()), &c1, Category::PersonalIdentity, "witness", &names[..1]).expect("domain");
    assert_ne!(w[0], p1[0], "another domain, another pseudonym");
    assert_eq!(p1[0].as_str().len(), 32);
    // Blind index: a search term finds the rows whose stored pseudonym matches, without opening any row.
    let stored = [p1[0].clone(), p1[2].clone()];
    let term = a.c.pseudonymize(&req(jan()), &c1, Category::PersonalIdentity, "person", &["JAN DE VRIES"]).expect("q");
    assert_eq!(stored.iter().position(|s| *s == term[0]), Some(0));
    // Every derivation is recorded, with the count and never a value.
    let log = std::fs::read_to_string(a.c.audit_log().path()).expect("log");
    assert!(!log.contains("Vries") && !log.contains("Smit"));
    let derived: Vec<_> = custodia::audit::entries(a.c.audit_log().path())
        .expect("entries")
        .map(|e| e.expect("entry").event)
        .filter(|e| e.kind == EventKind::PseudonymsDerived)
        .collect();
    assert_eq!(derived.len(), 5);
    assert_eq!(derived[0].detail["count"], "3");
    assert_eq!(derived[0].detail["domain"], "person");
    assert!(!log.contains(p1[0].as_str()), "the pseudonyms themselves are not logged on derivation");
}

#[test]
fn resolving_is_audited_and_shredding_the_case_key_destroys_linkability() {
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let a = authority(&clock);
    let c1 = case("MLA-2026-0042");
    let r = req(jan());
    let p1 = a.c.pseudonymize(&r, &c1, Category::PersonalIdentity, "person", &["Jan de Vries"]).expect("derive");
    let candidates = ["Anna Smit", "Jan de Vries", "Piet"];
    let hit = a.c.resolve_pseudonym(&r, &c1, Category::PersonalIdentity, "person", &p1[0], &candidates);
    assert_eq!(hit.expect("resolve"), Some(1));
    let miss = a.c.resolve_pseudonym(&r, &c1, Category::PersonalIdentity, "person", &p1[0], &candidates[..1]);
    assert_eq!(miss.expect("resolve"), None);
    let resolved: Vec<_> = custodia::audit::entries(a.c.audit_log().path())
        .expect("entries")
        .map(|e| e.expect("entry").event)
        .filter(|e| e.kind == EventKind::PseudonymResolved)
        .collect();
    assert_eq!(resolved.len(), 2);
    assert_eq!(resolved[0].detail["matched"], "yes");
    assert_eq!(resolved[0].detail["pseudonym"], p1[0].as_str());
    assert_eq!(resolved[1].detail["matched"], "no");

    // Shred the case: its key is destroyed. A new derivation needs a new case key, and the old pseudonym no longer
    // resolves to anybody: the link from the old pseudonym to the person is gone with the key.
    let old_key = a.c.case_key(&jan(), &c1, None).expect("key");
    a.c.destroy_key(&jan(), &old_key, "case closed, retention ended").expect("destroy");
    let p_after = a.c.pseudonymize(&r, &c1, Category::PersonalIdentity, "person", &["Jan de Vries"]).expect("derive");
    assert_ne!(p_after[0], p1[0]);
    let gone = a.c.resolve_pseudonym(&r, &c1, Category::PersonalIdentity, "person", &p1[0], &candidates);
    assert_eq!(gone.expect("resolve"), None);
}

#[test]
fn the_gate_decides_before_any_pseudonym_and_its_refusal_is_recorded() {
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let a = authority(&clock);
    let c1 = case("MLA-2026-0042");
    let clerk = Actor::new("pia", "clerk", j("NL"), Classification::Public).expect("actor");
    let e = a.c.pseudonymize(&req(clerk), &c1, Category::WitnessIdentity, "person", &["x"]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ClearanceInsufficient);
    let policy = AccessPolicy::builder()
        .role("prosecutor", &[Category::FinancialRecords], &["investigation"])
        .unlisted_cases(Admission::Allow)
        .build()
        .expect("policy");
    a.c.set_access_policy(&jan(), policy).expect("policy");
    let e = a.c.pseudonymize(&req(jan()), &c1, Category::PersonalIdentity, "person", &["x"]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RoleNotPermitted);
    let ok = a.c.pseudonymize(&req(jan()), &c1, Category::FinancialRecords, "iban", &["NL91ABNA0417164300"]);
    assert!(ok.is_ok());
    let refused = custodia::audit::entries(a.c.audit_log().path())
        .expect("entries")
        .map(|e| e.expect("entry").event)
        .filter(|e| e.kind == EventKind::Refused && e.detail.get("operation").map(String::as_str) == Some("pseudonym"))
        .count();
    assert_eq!(refused, 2);
    assert!(a.c.pseudonymize(&req(jan()), &c1, Category::FinancialRecords, "IBAN", &["x"]).is_err(), "bad domain");
    assert!(Pseudonym::parse("not hex").is_err());
}
