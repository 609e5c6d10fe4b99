//! The custodia demo: a mutual legal assistance exchange between the Netherlands and Germany, end to end.
//!
//! NL's central authority seals bank records for Germany's, bound to the purposes of the request; DE opens them for
//! a permitted purpose, is refused for another, opens with a court-order exception; under the rule of speciality DE
//! is refused passing the records on to France until NL grants it, and uses them for asset recovery only under NL's
//! purpose extension grant; DE's access policy refuses a prosecutor who is not on the case team (need-to-know); NL
//! keeps its copy under a per-case key, rotates it, and shreds it at the end of retention (keeping the signed erasure certificates); DE
//! counter-signs an anchor of NL's audit log with a key of its own keyring; DE sends NL a signed disclosure receipt
//! of what it did with the records, which NL verifies and records; both audit trails are printed and verified, NL's
//! against the anchor DE holds.
//!
//! Run with `cargo run --example quickstart`. The keyrings and audit logs go to `$CUSTODIA_DEMO_DIR` if set
//! (kept afterwards), otherwise to a temporary directory.

use std::path::PathBuf;
use std::sync::Arc;

use custodia::Unlock;
use custodia::audit::{self, Query};
use custodia::format::{InstrumentKind, LegalInstrument};
use custodia::well_known;
use custodia::{
    AccessPolicy, Actor, CaseRef, Category, Classification, Clock, Custodian, CustodianOptions, ExceptionGround,
    FixedClock, GrantScope, Jurisdiction, KeyKind, OpenRequest, Purpose, PurposeSet, ReceiptField, ReceiptOptions,
    RewrapOptions, SealOptions, Sensitive, SystemClock,
};

fn main() -> custodia::Result<()> {
    let (base, _tmp) = match std::env::var_os("CUSTODIA_DEMO_DIR") {
        Some(d) => (PathBuf::from(d), None),
        None => {
            let t = tempfile::tempdir()?;
            (t.path().to_owned(), Some(t))
        }
    };
    let (nl_j, de_j) = (Jurisdiction::parse("NL")?, Jurisdiction::parse("DE")?);
    // One clock for both authorities, so the demo can jump to the end of the retention period.
    let clock = Arc::new(FixedClock::new(SystemClock.now()));
    // `create: true`: this first start sets both custodians up. A host that only opens an existing custodian leaves it
    // false, so that a mistyped path is an error (`CustodianNotFound`) rather than a new, empty keyring.
    let options = CustodianOptions { create: true, ..CustodianOptions::with_clock(clock.clone()) };

    println!("== 1. Two authorities, each with a keyring and an audit log (in {})", base.display());
    let nl =
        Custodian::load(base.join("nl-central-authority"), Unlock::passphrase("nl demo passphrase"), options.clone())?;
    let de =
        Custodian::load(base.join("de-central-authority"), Unlock::passphrase("de demo passphrase"), options.clone())?;
    let jan = Actor::new("jan.devries", "central_authority", nl_j, Classification::Secret)?;
    let anna = Actor::new("anna.schmidt", "prosecutor", de_j, Classification::Secret)?;

    let de_key = de.generate_key(&anna, KeyKind::X25519, "DE Federal Office of Justice")?;
    let de_key_text = de.export_public(&de_key)?;
    println!("   DE publishes its public key:\n     {de_key_text}");
    let imported = nl.import_public(&jan, &de_key_text, "DE Federal Office of Justice", de_j)?;
    let nl_signer = nl.generate_key(&jan, KeyKind::Ed25519, "NL central authority signing key")?;
    de.import_public(&anna, &nl.export_public(&nl_signer)?, "NL central authority signing key", nl_j)?;
    println!("   NL imported it as key {imported}");

    println!("\n== 2. NL seals the bank records for DE");
    let case = CaseRef::parse("MLA-2026-0042")?;
    let retention_end = clock.now().plus_days(5 * 365);
    let case_key = nl.case_key(&jan, &case, Some(retention_end))?;
    let records = Sensitive::new(
        b"IBAN NL91ABNA0417164300: 14 transfers to DE89370400440532013000, total EUR 1,204,331.17".to_vec(),
        Category::FinancialRecords,
    );
    println!("   the records in memory: {records:?}");
    let mut opts = SealOptions::new(
        PurposeSet::parse(&[well_known::INVESTIGATION, well_known::PROSECUTION, well_known::MLA_EXECUTION])?,
        vec![de_key, case_key],
    );
    opts.case_ref = Some(case.clone());
    opts.instrument = Some(LegalInstrument::new(
        InstrumentKind::BilateralTreaty,
        Some("NL-DE/MLA/2026/113"),
        Some("Art. 6 bilateral MLA treaty"),
    )?);
    opts.destinations = vec![de_j];
    opts.not_after = Some(retention_end);
    opts.signer = Some(nl_signer);
    opts.armor = true;
    let envelope = nl.seal(&jan, &records, &opts)?.envelope;
    drop(records);
    // NL's own working notes on the case, sealed under the case key only, with no expiry of their own.
    let notes = Sensitive::new(
        b"Account holder matches suspect; request sent 2026-11-23".to_vec(),
        Category::InvestigativeNotes,
    );
    let mut notes_opts = SealOptions::new(PurposeSet::parse(&[well_known::INVESTIGATION])?, vec![case_key]);
    notes_opts.case_ref = Some(case.clone());
    let sealed_notes = nl.seal(&jan, &notes, &notes_opts)?.envelope;
    let text = String::from_utf8_lossy(&envelope);
    let lines: Vec<&str> = text.lines().collect();
    println!("   {} bytes of armored envelope, for DE and for NL's own case key:", envelope.len());
    println!("     {}\n     {}...\n     {}", lines[0], &lines[1][..40], lines[lines.len() - 1]);
    let info = de.inspect(&envelope)?;
    println!(
        "   bound, readable without a key: {} / {} / purposes [{}] / case {} / {} -> {} / expires {}",
        info.category,
        info.classification,
        info.purposes,
        case,
        info.origin.map_or_else(|| "-".into(), |j| j.to_string()),
        info.destinations.iter().map(ToString::to_string).collect::<Vec<_>>().join(","),
        retention_end
    );

    println!("\n== 3. DE opens it");
    // DE records the arrival first (no key touched): its disclosure receipt to NL starts here (section 3b).
    let received = de.receive(&anna, &envelope)?;
    let attempt = |who: &Actor, purpose: &str, exception: Option<ExceptionGround>| -> custodia::Result<()> {
        let mut req = OpenRequest::new(who.clone(), Purpose::parse(purpose)?).require_signer(nl_signer);
        if let Some(e) = exception {
            req = req.with_exception(e);
        }
        match de.open(&req, &envelope) {
            Ok(o) => {
                let how = match o.decision.used_exception() {
                    Some(ex) => format!("by EXCEPTION {} ({})", ex.kind(), ex.reference().unwrap_or("-")),
                    None => "under a granted purpose".to_owned(),
                };
                println!(
                    "   OPENED  for {purpose:<18} {how}; signed by NL: {}; {} bytes: {:?}...",
                    o.signer == Some(nl_signer),
                    o.data.expose_secret().len(),
                    String::from_utf8_lossy(&o.data.expose_secret()[..22])
                );
            }
            Err(e) => println!("   REFUSED for {purpose:<18} [{}] {e}", e.kind_name()),
        }
        Ok(())
    };
    attempt(&anna, well_known::PROSECUTION_TRIAL, None)?;
    attempt(&anna, well_known::ASSET_RECOVERY, None)?;
    attempt(
        &anna,
        well_known::ASSET_RECOVERY,
        Some(ExceptionGround::court_order(
            "LG Berlin 512 Qs 44/26",
            "The court ordered the freezing of the accounts named in the records to secure proceeds of fraud",
        )?),
    )?;
    let clerk = Actor::new("tom.clerk", "registry_clerk", de_j, Classification::Restricted)?;
    attempt(&clerk, well_known::INVESTIGATION, None)?;

    println!("\n== 3b. The rule of speciality: passing the records on, or using them for more, needs NL's grant");
    let fr_j = Jurisdiction::parse("FR")?;
    let fr = Custodian::load(base.join("fr-pnf"), Unlock::passphrase("fr demo passphrase"), options)?;
    let claire = Actor::new("claire.martin", "magistrate", fr_j, Classification::Secret)?;
    let fr_own = fr.generate_key(&claire, KeyKind::X25519, "FR Parquet national financier")?;
    let fr_key = de.import_public(&anna, &fr.export_public(&fr_own)?, "FR Parquet national financier", fr_j)?;
    let execution = Purpose::parse(well_known::MLA_EXECUTION)?;
    match de.rewrap(&anna, &execution, &envelope, &[], &[fr_key]) {
        Err(e) => println!("   DE passing it to FR without a grant: REFUSED [{}] {e}", e.kind_name()),
        Ok(_) => unreachable!("DE is not the originator"),
    }
    let letter = "DE request letter 2026/118 (onward transfer to FR)";
    let grant = nl.issue_grant(
        &jan,
        &nl_signer,
        &info.object_id,
        GrantScope::onward_transfer("Parquet national financier", fr_j, fr_key)?,
        clock.now().plus_days(30),
        letter,
    )?;
    println!("   NL grants it: grant {} ({} lines of text)", grant.id(), grant.to_armored().lines().count());
    let grant_at_de = custodia::Grant::parse(grant.to_armored().as_bytes())?;
    let to_fr = de.rewrap_with(&anna, &envelope, &RewrapOptions::new(execution, vec![fr_key]).grant(grant_at_de))?;
    let opened = fr.open(&OpenRequest::new(claire, Purpose::parse(well_known::INVESTIGATION)?), &to_fr)?;
    println!("   DE shares with the grant in the header; FR opens {} bytes", opened.data.expose_secret().len());
    let extension = nl.issue_grant(
        &jan,
        &nl_signer,
        &info.object_id,
        GrantScope::purpose_extension(PurposeSet::parse(&[well_known::ASSET_RECOVERY])?)?,
        clock.now().plus_days(30),
        "DE request letter 2026/119 (asset recovery)",
    )?;
    let extended = de.extend_purposes(&anna, &envelope, &extension)?;
    let req = OpenRequest::new(anna.clone(), Purpose::parse(well_known::ASSET_RECOVERY_FREEZING)?);
    let opened = de.open(&req, &extended)?;
    println!("   DE opens for asset_recovery.freezing on {:?}", opened.decision.basis);

    println!("\n== 3c. Need-to-know at DE: an access policy (docs/POLICY.md) names the case team");
    let policy = AccessPolicy::builder()
        .role("prosecutor", &[Category::FinancialRecords], &[well_known::INVESTIGATION, well_known::PROSECUTION])
        .case_team(case.as_str(), &["anna.schmidt"], &[])
        .build()?;
    de.set_access_policy(&anna, policy)?;
    println!("   DE puts its access policy in force (recorded as policy_changed, with its SHA-256)");
    attempt(&anna, well_known::PROSECUTION_TRIAL, None)?;
    let bernd = Actor::new("bernd.weber", "prosecutor", de_j, Classification::Secret)?;
    attempt(&bernd, well_known::PROSECUTION_TRIAL, None)?;

    println!("\n== 3d. DE sends NL a signed disclosure receipt; NL verifies and records it");
    let de_receipts = de.generate_key(&anna, KeyKind::Ed25519, "DE receipt signing key")?;
    nl.import_public(&jan, &de.export_public(&de_receipts)?, "DE receipt signing key", de_j)?;
    let receipt = de.issue_receipt(&anna, &received.object_id, &de_receipts, &ReceiptOptions::default())?;
    let receipt_text = receipt.to_armored(); // what travels back to NL
    println!("   {} items, {} bytes of armored text:", receipt.items().len(), receipt_text.len());
    for item in receipt.items() {
        let what = item
            .get(ReceiptField::ExceptionKind)
            .or_else(|| item.get(ReceiptField::Refusal))
            .or_else(|| item.get(ReceiptField::Purpose))
            .unwrap_or("-");
        println!(
            "     {} {:<15} {:<22} by a {}",
            item.at(),
            item.kind().name(),
            what,
            item.get(ReceiptField::Role).unwrap_or("-")
        );
    }
    let recorded = nl.import_receipt(&jan, &receipt_text)?;
    println!(
        "   NL imported it (signed by DE's key {}); receipts NL holds for case {case}: {}",
        recorded.issuer(),
        nl.receipts_for_case(&case)?.len()
    );
    let mut forged = receipt_text.into_bytes();
    forged[100] = if forged[100] == b'A' { b'B' } else { b'A' };
    match nl.import_receipt(&jan, &String::from_utf8_lossy(&forged)) {
        Err(refused) => println!("   an altered copy is refused: [{}] {refused}", refused.kind_name()),
        Ok(_) => unreachable!("an altered receipt does not verify"),
    }

    println!("\n== 4. NL rotates its case key and re-wraps its copy (payload untouched)");
    let new_case_key = nl.rotate(&jan, &case_key)?;
    let rewrapped = nl.rewrap_rotated(&jan, &envelope)?;
    let sealed_notes = nl.rewrap_rotated(&jan, &sealed_notes)?;
    let payload_of = |e: &[u8]| -> custodia::Result<Vec<u8>> {
        let bin = custodia::format::to_binary(e)?;
        let h = custodia::format::parse_header(&bin)?;
        Ok(bin[h.len()..].to_vec())
    };
    println!(
        "   case key {case_key} -> {new_case_key}; recipients now {:?}; payload identical: {}",
        nl.inspect(&rewrapped)?.recipients.iter().map(ToString::to_string).collect::<Vec<_>>(),
        payload_of(&envelope)? == payload_of(&rewrapped)?
    );

    println!("\n== 5. Five years later: retention ends, NL shreds the case keys");
    clock.advance(5 * 365 * 86_400 + 86_400);
    let report = nl.shred_expired(&jan)?;
    println!(
        "   destroyed {} key(s): {:?}",
        report.destroyed.len(),
        report.destroyed.iter().map(ToString::to_string).collect::<Vec<_>>()
    );
    let nl_audit_key = nl.audit_public_key()?;
    for cert in &report.certificates {
        cert.verify(&audit::parse_audit_key(&nl_audit_key)?)?;
        println!(
            "   erasure certificate #{} for {:?} ({}): verifies with NL's audit key alone",
            cert.seq(),
            cert.keys().iter().map(ToString::to_string).collect::<Vec<_>>(),
            cert.reason()
        );
    }
    let req = OpenRequest::new(jan.clone(), Purpose::parse(well_known::INVESTIGATION)?);
    for (what, env) in [("the records sent to DE", &rewrapped), ("its case notes", &sealed_notes)] {
        match nl.open(&req, env) {
            Err(e) => println!("   NL opening {what}: [{}] {e}", e.kind_name()),
            Ok(_) => unreachable!("the case key is destroyed"),
        }
    }

    println!("\n== 6. NL exports an anchor of its audit log; DE checks it and counter-signs with its own key");
    let witness = de.generate_key(&anna, KeyKind::Ed25519, "DE witness key")?;
    let sent = nl.checkpoint()?.to_json();
    let held_by_de = de.countersign_anchor(&anna, &audit::Anchor::from_json(&sent)?, &nl_audit_key, &witness)?;
    println!(
        "   anchor over {} entries, witnessed by DE: {}",
        held_by_de.count(),
        held_by_de.is_witnessed_by(&audit::parse_audit_key(&de.export_public(&witness)?)?)
    );
    let v = nl.verify_audit(std::slice::from_ref(&held_by_de))?;
    println!("   NL's log still holds the prefix DE's anchor pins ({} anchor checked)", v.anchors);

    println!("\n== 7. The audit trails");
    for (name, c) in [("NL", &nl), ("DE", &de)] {
        println!("   {name}:");
        let q = Query::new().case(&case);
        for entry in audit::query(c.audit_log().path(), &q)? {
            let e = entry?;
            let ev = &e.event;
            println!(
                "     #{:<3} {} {:<15} {:<13} {:<19} {}",
                e.seq,
                e.time,
                ev.kind.name(),
                ev.actor.as_ref().map_or("-", |a| a.id()),
                ev.purpose.as_ref().map_or("-", |p| p.as_str()),
                ev.outcome.summary()
            );
        }
        let v = c.verify_audit(&[])?;
        println!(
            "   {name} log verified: {} entries, {} signed checkpoints, {} erasure certificates, head {}",
            v.entries,
            v.checkpoints,
            v.erasures,
            &v.head[..16]
        );
        println!(
            "   check it yourself: cargo run --example audit_verify -- {} {}",
            c.audit_log().path().display(),
            c.audit_public_key()?
        );
    }
    Ok(())
}
