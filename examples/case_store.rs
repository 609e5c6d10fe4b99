//! A small case-management store on SQLite (issue 16 §4): each person's record is sealed field by field (one sealed
//! record per row, each field under its own key, docs/FORMAT.md §14), with keyed pseudonyms beside it as blind
//! indexes. It walks through what a case system does with it:
//!
//! 1. intake: a prosecutor seals three persons' records into the table, with pseudonyms of name and IBAN;
//! 2. the listing view a clerk sees: only masked and pseudonymised columns (the access policy's `[[mask]]` rules);
//! 3. the detail view: the prosecutor opens one record for a stated purpose;
//! 4. search by pseudonym: a name typed in the search box finds its row without opening any record;
//! 5. export for a foreign authority: a redacted, verifiable record (SD-JWT, docs/FORMAT.md §15) with two of its
//!    fields, which the authority verifies with the originator's public key alone;
//! 6. the audit trail the data-protection officer reads, and its verification.
//!
//! ```sh
//! cargo run --example case_store            # in a fresh temporary directory
//! cargo run --example case_store -- DIR     # keyring, audit log, access policy and cases.db in DIR (must not exist)
//! ```
//!
//! The example checks what it shows (no clear value in the listing or the log, the search hit, the presentation's
//! verification) and exits non-zero if any of it fails; `scripts/test-all.sh` runs it.

use std::path::PathBuf;

use custodia::audit::EventKind;
use custodia::format::VerifyingKey;
use custodia::{
    AccessPolicy, Actor, Admission, CaseRef, Category, Classification, Custodian, CustodianOptions, DataTag,
    FieldOutcome, FieldSpec, FieldValue, Jurisdiction, KeyKind, MaskRule, OpenRequest, Purpose, PurposeSet, Record,
    RecordDate, SealOptions, Unlock, decode_public,
};
use rusqlite::{Connection, params};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const CASE: &str = "MLA-2026-0042";

struct Person {
    name: &'static str,
    born: (u16, u8, u8),
    iban: &'static str,
    phone: &'static str,
    role_in_case: &'static str,
}

const PEOPLE: [Person; 3] = [
    Person {
        name: "Jan de Vries",
        born: (1971, 5, 4),
        iban: "NL91ABNA0417164300",
        phone: "+31 6 1234 5678",
        role_in_case: "suspect",
    },
    Person {
        name: "Anna Smit",
        born: (1985, 11, 30),
        iban: "NL20INGB0001234567",
        phone: "+31 6 8765 4321",
        role_in_case: "account holder",
    },
    Person {
        name: "Pieter Bakker",
        born: (1990, 2, 14),
        iban: "DE89370400440532013000",
        phone: "+49 30 1234567",
        role_in_case: "witness",
    },
];

fn main() -> Res<()> {
    let (dir, _tmp) = match std::env::args().nth(1) {
        Some(d) => (PathBuf::from(d), None),
        None => {
            let t = tempfile::tempdir()?;
            (t.path().join("case-store"), Some(t))
        }
    };
    let c = Custodian::load(
        &dir,
        Unlock::master_key([0x5c; 32]),
        CustodianOptions { create: true, ..CustodianOptions::default() },
    )?;
    let nl = Jurisdiction::parse("NL")?;
    let admin = Actor::new("dpo.admin", "administrator", nl, Classification::Secret)?;
    let prosecutor = Actor::new("jan.prosecutor", "prosecutor", nl, Classification::Secret)?;
    let clerk = Actor::new("kim.clerk", "clerk", nl, Classification::Restricted)?;

    // The access policy: prosecutors see everything of the case; clerks see case administration in the clear and a
    // masked view of names, IBANs and phone numbers; dates of birth become the year.
    let policy = AccessPolicy::builder()
        .role("administrator", &[], &["case_management"])
        .role("prosecutor", &[], &["investigation", "case_management"])
        .role("clerk", &[Category::CaseAdministration], &["case_management"])
        .mask(Category::PersonalIdentity, &["case_management"], &["clerk"], MaskRule::Initials)
        .mask(Category::PersonalIdentity, &["case_management"], &["clerk"], MaskRule::Year)
        .mask(Category::FinancialRecords, &["case_management"], &["clerk"], MaskRule::Iban)
        .mask(Category::ContactDetails, &["case_management"], &["clerk"], MaskRule::LastThreeDigits)
        .unlisted_cases(Admission::Allow)
        .build()?;
    c.set_access_policy(&admin, policy)?;
    let case = CaseRef::parse(CASE)?;
    let case_key = c.case_key(&prosecutor, &case, None)?;
    let signing = c.generate_key(&prosecutor, KeyKind::Ed25519, "NL central authority, record exports")?;

    let db = Connection::open(dir.join("cases.db"))?;
    db.execute_batch(
        "CREATE TABLE persons (id INTEGER PRIMARY KEY, case_ref TEXT NOT NULL, name_psn TEXT NOT NULL, \
         iban_psn TEXT NOT NULL, record BLOB NOT NULL); CREATE INDEX persons_name ON persons (case_ref, name_psn);",
    )?;

    // 1. Intake.
    println!("== 1. intake: {} persons sealed into cases.db (case {CASE})", PEOPLE.len());
    let mut options = SealOptions::new(PurposeSet::parse(&["investigation", "case_management"])?, vec![case_key]);
    options.case_ref = Some(case.clone());
    let tag = DataTag::new(Category::CaseAdministration, Classification::Restricted);
    let intake = OpenRequest::new(prosecutor.clone(), Purpose::parse("investigation")?);
    for p in &PEOPLE {
        let born = FieldSpec::new(Category::PersonalIdentity);
        let record = Record::new()
            .field("name", FieldValue::text(p.name), Category::PersonalIdentity)?
            .field_with("born", FieldValue::Date(RecordDate::new(p.born.0, p.born.1, p.born.2)?), born)?
            .field("iban", FieldValue::text(p.iban), Category::FinancialRecords)?
            .field("phone", FieldValue::text(p.phone), Category::ContactDetails)?
            .field("role_in_case", FieldValue::text(p.role_in_case), Category::CaseAdministration)?
            .field_with(
                "notes",
                FieldValue::text(format!("interview of {} scheduled", p.name)),
                FieldSpec::new(Category::InvestigativeNotes).for_purposes(PurposeSet::parse(&["investigation"])?),
            )?;
        let envelope = c.seal_record(&prosecutor, tag, &record, &options)?.envelope;
        let names = c.pseudonymize(&intake, &case, Category::PersonalIdentity, "person", &[p.name])?;
        let ibans = c.pseudonymize(&intake, &case, Category::FinancialRecords, "iban", &[p.iban])?;
        db.execute(
            "INSERT INTO persons (case_ref, name_psn, iban_psn, record) VALUES (?1, ?2, ?3, ?4)",
            params![CASE, names[0].as_str(), ibans[0].as_str(), envelope],
        )?;
    }

    // 2. The listing view: the clerk, for case management, sees masked and pseudonymised columns only.
    println!("\n== 2. listing view (kim.clerk, case_management): masked and pseudonymised columns only");
    let listing = OpenRequest::new(clerk.clone(), Purpose::parse("case_management")?);
    let mut shown = String::new();
    println!("id  role             name             iban                           phone              born   name_psn");
    let rows: Vec<(i64, String, Vec<u8>)> = db
        .prepare("SELECT id, name_psn, record FROM persons WHERE case_ref = ?1 ORDER BY id")?
        .query_map([CASE], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (id, name_psn, envelope) in &rows {
        let r = c.open_record(&listing, envelope)?.data;
        let cell = |f: &str| -> String {
            match &r.get(f).map(|x| &x.outcome) {
                Some(FieldOutcome::Disclosed(v)) => v.expose_secret().as_text().unwrap_or("?").to_owned(),
                Some(FieldOutcome::Masked { value, .. }) => value.expose_secret().as_text().unwrap_or("?").to_owned(),
                _ => "(withheld)".to_owned(),
            }
        };
        let line = format!(
            "{id:<3} {:<16} {:<16} {:<30} {:<18} {:<6} {}..",
            cell("role_in_case"),
            cell("name"),
            cell("iban"),
            cell("phone"),
            cell("born"),
            &name_psn[..12]
        );
        println!("{line}");
        shown.push_str(&line);
        assert_eq!(r.value("name"), None, "the clerk never gets a name in the clear");
        assert!(r.withheld().contains(&"notes"), "notes are for investigation only");
        assert_eq!(cell("born").len(), 4, "a date of birth is shown as its year");
    }
    for p in &PEOPLE {
        assert!(!shown.contains(p.name) && !shown.contains(p.iban) && !shown.contains(p.phone), "a clear value listed");
    }

    // 3. The detail view: the prosecutor opens row 1 for the investigation.
    println!("\n== 3. detail view (jan.prosecutor, investigation): row 1 opened field by field");
    let detail = OpenRequest::new(prosecutor.clone(), Purpose::parse("investigation")?);
    let opened = c.open_record(&detail, &rows[0].2)?.data;
    for f in &opened.fields {
        let mut json = String::new();
        if let FieldOutcome::Disclosed(v) = &f.outcome {
            v.expose_secret().write_json(&mut json);
        }
        println!("  {:<13} {:<20} {json}", f.descriptor.name.as_str(), f.descriptor.category.name());
    }
    assert_eq!(opened.disclosed().len(), 6);

    // 4. Search by pseudonym: a name typed differently finds its row, without opening a record.
    println!("\n== 4. search: \"JAN  de vries\" by its pseudonym");
    let term = c.pseudonymize(&intake, &case, Category::PersonalIdentity, "person", &["JAN  de vries"])?;
    let hits: Vec<i64> = db
        .prepare("SELECT id FROM persons WHERE case_ref = ?1 AND name_psn = ?2")?
        .query_map(params![CASE, term[0].as_str()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    println!("  pseudonym {}.. -> rows {hits:?}", &term[0].as_str()[..12]);
    assert_eq!(hits, vec![rows[0].0]);

    // 5. Export: a redacted, verifiable record for the US Office of International Affairs, two fields of six.
    println!("\n== 5. export: a verifiable redaction of row 1 for the US (name and role only)");
    let sd_jwt = c.issue_sd_jwt(&detail, &rows[0].2, &signing)?;
    let presentation = c.present(
        &prosecutor,
        &sd_jwt,
        &["name", "role_in_case"],
        "US DOJ Office of International Affairs",
        &Purpose::parse("investigation")?,
    )?;
    println!("  presentation: {} bytes (SD-JWT, RFC 9901)", presentation.len());
    // The foreign authority holds only the originator's public key text.
    let (kind, public) = decode_public(&c.export_public(&signing)?)?;
    assert_eq!(kind, KeyKind::Ed25519);
    let issuer = VerifyingKey::from_bytes(public.as_slice().try_into()?)?;
    let verified = custodia::sdjwt::verify_presentation(&presentation, &issuer)?;
    println!(
        "  verified by the receiver: fields {:?}, {} withheld, object {}..",
        verified.names(),
        verified.withheld,
        &verified.claims.object_id[..12]
    );
    assert_eq!(verified.names(), ["name", "role_in_case"]);
    assert_eq!(verified.withheld, 4);
    let mut tampered = presentation.to_string();
    tampered = tampered.replacen('~', "~x", 1);
    assert!(custodia::sdjwt::verify_presentation(&tampered, &issuer).is_err(), "an edited presentation is refused");

    // 6. The audit trail for the data-protection officer.
    println!("\n== 6. the audit trail of case {CASE} (for the data-protection officer)");
    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    let log = std::fs::read_to_string(c.audit_log().path())?;
    for e in custodia::audit::entries(c.audit_log().path())? {
        let ev = e?.event;
        if ev.case.as_ref().map(CaseRef::as_str) != Some(CASE) {
            continue;
        }
        *kinds.entry(ev.kind.name()).or_default() += 1;
        if matches!(ev.kind, EventKind::Opened | EventKind::SelectiveDisclosure | EventKind::PseudonymsDerived) {
            let who = ev.actor.as_ref().map_or("-", |a| a.id());
            let purpose = ev.purpose.as_ref().map_or("-", Purpose::as_str);
            let shown = ["disclosed", "withheld", "masked", "domain", "count", "operation", "fields", "audience"];
            let details: Vec<String> =
                shown.iter().filter_map(|k| ev.detail.get(*k).map(|v| format!("{k}=[{v}]"))).collect();
            println!("  {:<20} {:<15} {:<16} {}", ev.kind.name(), who, purpose, details.join(" "));
        }
    }
    println!("  by kind: {kinds:?}");
    for p in &PEOPLE {
        assert!(!log.contains(p.name) && !log.contains(p.iban), "a clear value in the audit log");
    }
    let report = c.verify_audit(&[])?;
    println!("  audit log verified: {} entries", report.entries);
    println!("\ncase store in {}", dir.display());
    Ok(())
}
