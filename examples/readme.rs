//! The README's Rust quick start, compiled: `tests/readme.rs` fails when this file (below this comment) and the
//! ```rust block under "Rust quick start" in README.md differ. Edit both together.

use custodia::Unlock;
use custodia::{
    Actor, Category, Classification, Custodian, CustodianOptions, Jurisdiction, KeyKind, OpenRequest, Purpose,
    PurposeSet, SealOptions, Sensitive,
};

fn main() -> custodia::Result<()> {
    // `create: true` starts a custodian in ./case-data (directory 0700, never its parents); without it, opening a
    // path that holds no custodian is `Error::CustodianNotFound`, so a typo never yields a new, empty keyring.
    let options = CustodianOptions { create: true, ..CustodianOptions::default() };
    let custodian = Custodian::load("case-data", Unlock::passphrase("correct horse"), options)?;
    let anna = Actor::new("anna", "prosecutor", Jurisdiction::parse("DE")?, Classification::Secret)?;
    let kek = custodian.generate_key(&anna, KeyKind::Kek, "local")?;

    let records = Sensitive::new(b"IBAN NL91ABNA0417164300 ...".to_vec(), Category::FinancialRecords);
    let terms = SealOptions::new(PurposeSet::parse(&["investigation"])?, vec![kek]);
    let sealed = custodian.seal(&anna, &records, &terms)?.envelope;

    let financial = OpenRequest::new(anna.clone(), Purpose::parse("investigation.financial")?);
    let opened = custodian.open(&financial, &sealed)?;
    assert_eq!(opened.data.expose_secret(), records.expose_secret());
    let extradition = OpenRequest::new(anna, Purpose::parse("extradition")?);
    let refused = custodian.open(&extradition, &sealed);
    assert!(refused.is_err()); // purpose extradition is not permitted; permitted purposes: investigation
    custodian.verify_audit(&[])?; // every step above is in the audit log
    Ok(())
}
