//! Records (docs/FORMAT.md section 14): sealing and opening a record of 20 fields, against sealing the same bytes as
//! one envelope, through the `Custodian` (policy gate per field, audit entry) and at the format level (crypto only);
//! and verifiable redaction (section 15): issuing an SD-JWT of the 20 fields, presenting 10, verifying a presentation.
//!
//! ```sh
//! cargo bench --bench records
//! ```
//!
//! The custodian lives on tmpfs with OS-buffered audit writes, so the figures are CPU cost, not fsync.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use custodia::audit::Durability;
use custodia::format::{self, EnvelopeOptions, Kek, Metadata, Recipient};
use custodia::{
    Actor, Category, Classification, Custodian, CustodianOptions, DataTag, FieldValue, Jurisdiction, KeyKind,
    OpenRequest, Purpose, PurposeSet, Record, SealOptions, Sensitive, Timestamp, Unlock,
};

const FIELDS: usize = 20;
const VALUE: &str = "a value of thirty-two bytes ....";

/// 20 text fields of 32 bytes: odd ones contact details, even ones witness identity (secret).
fn record() -> Record {
    (0..FIELDS).fold(Record::new(), |r, i| {
        let cat = if i % 2 == 0 { Category::WitnessIdentity } else { Category::ContactDetails };
        r.field(&format!("field_{i:02}"), FieldValue::text(VALUE), cat).expect("field")
    })
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir_in("/dev/shm").or_else(|_| tempfile::tempdir()).expect("tempdir");
    let opts = CustodianOptions { durability: Durability::OsBuffered, create: true, ..CustodianOptions::default() };
    let cust = Custodian::load(dir.path(), Unlock::master_key([3; 32]), opts).expect("custodian");
    let nl = Jurisdiction::parse("NL").expect("NL");
    let jan = Actor::new("jan", "prosecutor", nl, Classification::Secret).expect("actor");
    let ana = Actor::new("ana", "analyst", nl, Classification::Confidential).expect("actor");
    let kek = cust.generate_key(&jan, KeyKind::Kek, "bench").expect("kek");
    let options = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![kek]);
    let tag = DataTag::new(Category::CaseAdministration, Classification::Restricted);
    let rec = record();
    let bytes = Sensitive::new(VALUE.repeat(FIELDS).into_bytes(), Category::WitnessIdentity);
    let purpose = Purpose::parse("investigation").expect("purpose");
    let (all, half) = (OpenRequest::new(jan.clone(), purpose.clone()), OpenRequest::new(ana, purpose));
    let rec_env = cust.seal_record(&jan, tag, &rec, &options).expect("seal").envelope;
    let bytes_env = cust.seal(&jan, &bytes, &options).expect("seal").envelope;

    let mut g = c.benchmark_group("records_custodian_tmpfs");
    g.sample_size(30).measurement_time(Duration::from_secs(3));
    g.bench_function("seal_record_20_fields", |b| {
        b.iter(|| cust.seal_record(&jan, tag, &rec, &options).expect("seal"))
    });
    g.bench_function("seal_bytes_640B", |b| b.iter(|| cust.seal(&jan, &bytes, &options).expect("seal")));
    g.bench_function("open_record_20_disclosed", |b| b.iter(|| cust.open_record(&all, &rec_env).expect("open")));
    g.bench_function("open_record_10_withheld", |b| b.iter(|| cust.open_record(&half, &rec_env).expect("open")));
    g.bench_function("open_bytes_640B", |b| b.iter(|| cust.open(&all, &bytes_env).expect("open")));
    g.finish();

    // Verifiable redaction (docs/FORMAT.md section 15): an SD-JWT of the 20 fields, a presentation of 10.
    let signer = cust.generate_key(&jan, KeyKind::Ed25519, "bench signer").expect("signer");
    let issuer: format::VerifyingKey = cust.export_public(&signer).expect("export").parse().expect("key");
    let sd = cust.issue_sd_jwt(&all, &rec_env, &signer).expect("issue");
    let names: Vec<String> = (0..FIELDS).step_by(2).map(|i| format!("field_{i:02}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let presentation = sd.present(&names).expect("present");
    let whole = sd.to_text();
    let audience = "FR-PNF";
    let mut g = c.benchmark_group("records_sdjwt");
    g.sample_size(30).measurement_time(Duration::from_secs(3));
    g.bench_function("issue_20_fields_custodian", |b| {
        b.iter(|| cust.issue_sd_jwt(&all, &rec_env, &signer).expect("issue"))
    });
    g.bench_function("present_10_of_20_custodian", |b| {
        b.iter(|| cust.present(&jan, &sd, &names, audience, &all.purpose).expect("present"))
    });
    g.bench_function("verify_presentation_10_of_20", |b| {
        b.iter(|| custodia::sdjwt::verify_presentation(&presentation, &issuer).expect("verify"))
    });
    g.bench_function("verify_presentation_20_of_20", |b| {
        b.iter(|| custodia::sdjwt::verify_presentation(&whole, &issuer).expect("verify"))
    });
    g.finish();

    let kek = Kek::from_bytes([0x11; 32]);
    let m = Metadata::new(Category::CaseAdministration, PurposeSet::parse(&["investigation"]).expect("p"), {
        Timestamp::from_unix(1_790_000_000)
    });
    let fopts = EnvelopeOptions::new(m, vec![Recipient::Kek(&kek)]);
    let plain = VALUE.repeat(FIELDS).into_bytes();
    let f_rec = format::seal_record(&rec, &fopts).expect("seal");
    let f_bytes = format::seal(&plain, &fopts).expect("seal");
    let mut g = c.benchmark_group("records_format");
    g.sample_size(50).measurement_time(Duration::from_secs(3));
    g.bench_function("seal_record_20_fields", |b| b.iter(|| format::seal_record(&rec, &fopts).expect("seal")));
    g.bench_function("seal_bytes_640B", |b| b.iter(|| format::seal(&plain, &fopts).expect("seal")));
    g.bench_function("open_record_20_fields", |b| b.iter(|| format::open_record(&f_rec, &[&kek], None).expect("open")));
    g.bench_function("open_bytes_640B", |b| b.iter(|| format::open(&f_bytes, &[&kek], None).expect("open")));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
