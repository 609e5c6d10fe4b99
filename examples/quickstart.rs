//! The custodia demo: an MLA exchange between a Dutch and a German authority, end to end.
//!
//! Run with `cargo run --example quickstart`. Set `CUSTODIA_DEMO_DIR` to keep the keyring and audit log somewhere
//! specific; by default a fresh temporary directory is used.

use std::sync::Arc;

use custodia::policy::{Actor, OpenRequest, PolicyGate, Terms};
use custodia::purpose::well_known;
use custodia::{
    Category, Classification, Exception, FixedClock, Jurisdiction, Purpose, PurposeSet, Sensitive, Timestamp,
};

fn main() -> custodia::Result<()> {
    let nl = Jurisdiction::parse("NL")?;
    let de = Jurisdiction::parse("DE")?;
    let today = Timestamp::from_date(2026, 11, 23)?;
    let clock = Arc::new(FixedClock::new(today));

    println!("== 1. Typed sensitive containers");
    let statement = Sensitive::new(
        b"IBAN NL91ABNA0417164300: 14 transfers to DE89370400440532013000, total EUR 1,204,331.17".to_vec(),
        Category::FinancialRecords,
    );
    let witness = Sensitive::new(String::from("Jan de Vries, born 1981-04-02"), Category::WitnessIdentity);
    println!("   bank statement: {statement:?}");
    println!("   witness:        {witness}");
    match Sensitive::with_classification(String::from("x"), Category::Biometric, Classification::Public) {
        Err(e) => println!("   a biometric marked public is refused: {e}"),
        Ok(_) => unreachable!("biometric data can never be public"),
    }

    println!("\n== 2. Purposes the data is given for");
    let purposes = PurposeSet::parse(&[well_known::INVESTIGATION, well_known::PROSECUTION])?;
    println!("   granted: {purposes}");
    for bad in ["Prosecution", "mla..request", "asset recovery"] {
        if let Err(e) = Purpose::parse(bad) {
            println!("   {e}");
        }
    }

    println!("\n== 3. The policy gate (NL hands bank records to DE)");
    let terms = Terms {
        purposes,
        category: statement.category(),
        classification: statement.classification(),
        origin: Some(nl),
        destinations: vec![de],
        not_after: Some(today.plus_days(5 * 365)),
    };
    let gate = PolicyGate::new(clock.clone());
    let anna = Actor::new("anna.schmidt", "prosecutor", de, Classification::Secret)?;
    let pierre = Actor::new("pierre.martin", "investigator", Jurisdiction::parse("FR")?, Classification::Secret)?;
    let clerk = Actor::new("tom.clerk", "registry_clerk", de, Classification::Restricted)?;

    let show = |who: &Actor, req: OpenRequest| match gate.decide(&terms, &req) {
        Ok(d) => match d.used_exception() {
            Some(ex) => println!(
                "   ALLOWED {:<14} for {:<18} by EXCEPTION {} ({}): {}",
                who.id(),
                d.purpose.as_str(),
                ex.kind(),
                ex.reference().unwrap_or("-"),
                ex.justification()
            ),
            None => println!("   ALLOWED {:<14} for {:<18} under granted purpose", who.id(), d.purpose.as_str()),
        },
        Err(e) => println!("   REFUSED {:<14} for {:<18} [{}] {e}", who.id(), req.purpose.as_str(), e.kind_name()),
    };
    show(&anna, OpenRequest::new(anna.clone(), Purpose::parse(well_known::PROSECUTION_TRIAL)?));
    show(&anna, OpenRequest::new(anna.clone(), Purpose::parse(well_known::ASSET_RECOVERY)?));
    let order = Exception::court_order(
        "LG Berlin 512 Qs 44/26",
        "The court ordered the freezing of the accounts named in the statement to secure proceeds of fraud",
    )?;
    show(&anna, OpenRequest::new(anna.clone(), Purpose::parse(well_known::ASSET_RECOVERY)?).with_exception(order));
    show(&pierre, OpenRequest::new(pierre.clone(), Purpose::parse(well_known::INVESTIGATION)?));
    show(&clerk, OpenRequest::new(clerk.clone(), Purpose::parse(well_known::INVESTIGATION)?));
    clock.set(today.plus_days(6 * 365));
    println!("   (six years later)");
    show(&anna, OpenRequest::new(anna.clone(), Purpose::parse(well_known::PROSECUTION_APPEAL)?));
    Ok(())
}
