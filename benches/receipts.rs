//! Disclosure receipt costs: issuing a receipt (reads the issuer's audit log, signs), importing one (verifies,
//! checks the sender's log, stores the receipt, records it), and verifying one with the public key alone.
//!
//! `cargo bench --bench receipts`
//!
//! Both custodians run with `Durability::OsBuffered`, so the figures are the receipt work plus one unsynced audit
//! append, not an `fdatasync`. Issuing and importing scan the audit log (`docs/AUDIT.md`): the recipient's log here
//! holds the envelope's events among 1000 entries about other objects, the sender's 1000 seals.

use criterion::{Criterion, criterion_group, criterion_main};
use custodia::audit::Durability;
use custodia::{
    Actor, CaseRef, Category, Classification, Custodian, CustodianOptions, Jurisdiction, KeyKind, OpenRequest, Purpose,
    PurposeSet, Receipt, ReceiptOptions, SealOptions, Sensitive, Unlock,
};

fn receipts(c: &mut Criterion) {
    // Under `cargo test --all-targets` (no `--bench`), every benchmark runs once: keep the set-up small there.
    let n = if std::env::args().any(|a| a == "--bench") { 1000 } else { 20 };
    let opts = CustodianOptions { durability: Durability::OsBuffered, create: true, ..CustodianOptions::default() };
    let (d1, d2) = (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
    let de = Custodian::load(d1.path(), Unlock::master_key([1; 32]), opts.clone()).expect("de");
    let nl = Custodian::load(d2.path(), Unlock::master_key([2; 32]), opts).expect("nl");
    let nl_j = Jurisdiction::parse("NL").expect("NL");
    let anna = Actor::new("anna", "prosecutor", Jurisdiction::parse("DE").expect("DE"), Classification::Secret)
        .expect("actor");
    let jan = Actor::new("jan", "investigator", nl_j, Classification::Secret).expect("actor");
    let nl_x = nl.generate_key(&jan, KeyKind::X25519, "NL").expect("key");
    let signer = nl.generate_key(&jan, KeyKind::Ed25519, "NL receipts").expect("key");
    let to_nl = de.import_public(&anna, &nl.export_public(&nl_x).expect("pub"), "NL", nl_j).expect("imp");
    let signer_text = nl.export_public(&signer).expect("pub");
    de.import_public(&anna, &signer_text, "NL receipts", nl_j).expect("imp");
    let mut o = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("p"), vec![to_nl]);
    o.case_ref = Some(CaseRef::parse("MLA-2026-0042").expect("case"));
    o.destinations = vec![nl_j];
    let data = Sensitive::new(b"IBAN NL91ABNA0417164300".to_vec(), Category::FinancialRecords);
    let sealed = de.seal(&anna, &data, &o).expect("seal");
    for _ in 0..n {
        de.seal(&anna, &data, &o).expect("seal");
    }
    let env = sealed.envelope;
    nl.receive(&jan, &env).expect("receive");
    let req = OpenRequest::new(jan.clone(), Purpose::parse("investigation").expect("p"));
    for i in 0..n {
        if i % (n / 10) == 0 {
            nl.open(&req, &env).expect("open");
        } else {
            nl.generate_key(&jan, KeyKind::Kek, "noise").expect("noise");
        }
    }
    let options = ReceiptOptions::default();
    let receipt = nl.issue_receipt(&jan, &sealed.object_id, &signer, &options).expect("receipt");
    let text = receipt.to_armored();
    println!(
        "receipt: {} items, {} bytes binary, {} bytes armored",
        receipt.items().len(),
        receipt.to_bytes().len(),
        text.len()
    );

    let mut g = c.benchmark_group("receipts");
    g.sample_size(20);
    g.bench_function("issue_11_items_log_2k_entries", |b| {
        b.iter(|| nl.issue_receipt(&jan, &sealed.object_id, &signer, &options).expect("receipt"))
    });
    g.bench_function("import_log_1k_entries", |b| b.iter(|| de.import_receipt(&anna, &text).expect("import")));
    g.bench_function("parse_and_verify_standalone", |b| {
        b.iter(|| Receipt::from_armored(&text).and_then(|r| r.verify(&signer_text)).expect("verify"))
    });
    g.finish();
}

criterion_group!(benches, receipts);
criterion_main!(benches);
