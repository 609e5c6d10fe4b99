//! The cost of the access policy (docs/POLICY.md) in the gate: a decision without a policy, with need-to-know under a
//! policy of 50 roles and 1,000 case teams, the four-eyes approval check (one Ed25519 verification), and parsing the
//! policy text (what `Custodian::load` and `set_access_policy` pay once).
//!
//! ```sh
//! cargo bench --bench access_policy
//! ```

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use custodia::{
    AccessPolicy, Actor, CaseRef, Category, Classification, FixedClock, Jurisdiction, OpenRequest, PolicyGate, Purpose,
    PurposeSet, Terms, Timestamp,
};

fn bench(c: &mut Criterion) {
    let nl = Jurisdiction::parse("NL").expect("NL");
    let actor = Actor::new("anna.schmidt", "role_7", nl, Classification::Secret).expect("actor");
    let terms = Terms {
        purposes: PurposeSet::parse(&["investigation"]).expect("purposes"),
        category: Category::FinancialRecords,
        classification: Classification::Confidential,
        origin: Some(nl),
        destinations: vec![],
        not_after: None,
        case: Some(CaseRef::parse("MLA-2026-0777").expect("case")),
    };
    let request = OpenRequest::new(actor, Purpose::parse("investigation.financial").expect("purpose"));
    let mut b = AccessPolicy::builder();
    for i in 0..50 {
        b = b.role(&format!("role_{i}"), &[Category::FinancialRecords, Category::Evidence], &["investigation"]);
    }
    for i in 0..1000 {
        b = b.case_team(&format!("MLA-2026-{i:04}"), &["anna.schmidt", "jan.devries"], &["role_1"]);
    }
    let policy = b.build().expect("policy");
    let text = policy.text().to_owned();
    let gate = PolicyGate::new(Arc::new(FixedClock::new(Timestamp::from_unix(1_800_000_000))));
    let mut g = c.benchmark_group("access_policy");
    g.bench_function("decide_without_policy", |b| b.iter(|| gate.decide(&terms, &request).expect("allowed")));
    g.bench_function("decide_with_need_to_know_50_roles_1000_teams", |b| {
        b.iter(|| gate.decide_under(&terms, &[], &request, Some(&policy)).expect("allowed"))
    });
    g.bench_function("parse_50_roles_1000_teams", |b| b.iter(|| AccessPolicy::from_toml(&text).expect("parse")));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
