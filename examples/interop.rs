//! The Rust side of the cross-language interoperability test (`tests/interop/run.sh`).
//!
//! Every language (Rust, C, Python, Java) implements the same small command line, so that the driver can seal in
//! one and open in each of the others, on one shared keyring directory (taking turns) and across authorities
//! through imported X25519 public keys. Keyrings are unlocked with the fixed master key below; this is a test
//! harness, never a way to handle real keys.
//!
//! ```text
//! interop generate <dir> kek|x25519          print the new KEK's id, or the new X25519 key's public text
//! interop generate <dir> ed25519             print the new Ed25519 key's id, then its public text (two lines)
//! interop import <dir> <key-text-file>...    import public keys (authorities in DE), print their ids (one a line)
//! interop seal <dir> <out> <plain> <key-id>...         seal a buffer
//! interop seal-stream <dir> <out> <plain> <key-id>...  seal a file in constant memory
//! interop open <dir> <envelope> <purpose> <out>        open a buffer, write the plaintext to <out>
//! interop open-stream <dir> <envelope> <purpose> <out> open a file in constant memory
//! interop seal-signed <dir> <out> <plain> <signer> <key-id>...  seal a buffer signed by an own Ed25519 key
//! interop grant <dir> <envelope> <signer> <purpose> <out>  issue a purpose extension grant (armored) for it
//! interop extend <dir> <envelope> <grant> <out>        apply a purpose extension grant (re-issue the envelope)
//! interop receipt-issue <dir> <envelope> <signer-id> <out>  receive the envelope, write a signed receipt for it
//! interop receipt-import <dir> <receipt>       import a receipt, print its item kinds (one line, space separated)
//! interop receipt-verify <receipt> <key-text-file>  verify with the public key alone, print the item kinds
//! interop seal-record <dir> <out> <key-id>...  seal the fixed record (docs/FORMAT.md section 14)
//! interop open-record <dir> <envelope> <purpose> <clearance>  open it as an actor of that clearance; print each field
//!                                              in name order: `name=<json value>`, or `name withheld <status>`
//! ```
//!
//! A custodia error prints `custodia error <code> <name>: <message>` and exits with the status code (255 if it
//! does not fit an exit status), so a purpose refusal exits with 200 in every language.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use custodia::Unlock;
use custodia::{
    Actor, CaseRef, Category, Classification, Custodian, CustodianOptions, DataTag, Error, FieldOutcome, FieldSpec,
    FieldValue, Grant, GrantScope, Jurisdiction, KeyId, KeyKind, OpenRequest, Purpose, PurposeSet, Receipt,
    ReceiptOptions, Record, RecordDate, SealOptions, Sensitive,
};

/// The interop keyrings' master key: bytes 0..31, the same in every language's program.
fn master_key() -> [u8; 32] {
    core::array::from_fn(|i| u8::try_from(i).expect("i < 32"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("custodia error {} {}: {e}", e.code(), e.kind_name());
            ExitCode::from(u8::try_from(e.code()).unwrap_or(255))
        }
    }
}

fn usage() -> Error {
    Error::InvalidArgument(
        "usage: interop generate|import|seal|seal-stream|open|open-stream|receipt-issue|receipt-import <dir> ... | \
         receipt-verify <receipt> <key>"
            .into(),
    )
}

fn run(args: &[String]) -> custodia::Result<()> {
    if let [command, receipt, key] = args
        && command == "receipt-verify"
    {
        let r = Receipt::from_armored(&std::fs::read_to_string(receipt)?)?;
        r.verify(std::fs::read_to_string(key)?.trim())?;
        println!("{}", kinds(&r));
        return Ok(());
    }
    let [command, dir, rest @ ..] = args else { return Err(usage()) };
    let custodian = Custodian::load(
        Path::new(dir),
        Unlock::master_key(master_key()),
        // `generate` is the first command on a directory: only it may start a new custodian there.
        CustodianOptions { create: command == "generate", ..CustodianOptions::default() },
    )?;
    let actor = Actor::new("interop.rust", "investigator", Jurisdiction::parse("DE")?, Classification::Secret)?;
    match (command.as_str(), rest) {
        ("generate", [kind]) if kind == "kek" => {
            println!("{}", custodian.generate_key(&actor, KeyKind::Kek, "interop kek")?);
        }
        ("generate", [kind]) if kind == "x25519" => {
            let id = custodian.generate_key(&actor, KeyKind::X25519, "interop x25519")?;
            println!("{}", custodian.export_public(&id)?);
        }
        ("generate", [kind]) if kind == "ed25519" => {
            let id = custodian.generate_key(&actor, KeyKind::Ed25519, "interop ed25519")?;
            println!("{id}\n{}", custodian.export_public(&id)?);
        }
        ("receipt-issue", [envelope, signer, out]) => {
            let info = custodian.receive(&actor, &std::fs::read(envelope)?)?;
            let receipt =
                custodian.issue_receipt(&actor, &info.object_id, &signer.parse()?, &ReceiptOptions::default())?;
            std::fs::write(out, receipt.to_armored())?;
        }
        ("receipt-import", [receipt]) => {
            let r = custodian.import_receipt(&actor, &std::fs::read_to_string(receipt)?)?;
            println!("{}", kinds(&r));
        }
        ("import", files) if !files.is_empty() => {
            for file in files {
                let text = std::fs::read_to_string(file)?;
                println!(
                    "{}",
                    custodian.import_public(
                        &actor,
                        text.trim(),
                        &format!("interop {file}"),
                        Jurisdiction::parse("DE")?,
                    )?
                );
            }
        }
        ("seal" | "seal-stream", [out, plain, keys @ ..]) if !keys.is_empty() => {
            let recipients = keys.iter().map(|k| k.parse()).collect::<custodia::Result<Vec<KeyId>>>()?;
            let options = seal_options(recipients)?;
            if command == "seal" {
                let data = Sensitive::new(std::fs::read(plain)?, Category::Evidence);
                std::fs::write(out, custodian.seal(&actor, &data, &options)?.envelope)?;
            } else {
                let mut src = BufReader::new(File::open(plain)?);
                let mut dst = BufWriter::new(File::create(out)?);
                custodian.seal_stream(
                    &actor,
                    DataTag::new(Category::Evidence, Classification::Restricted),
                    &options,
                    &mut src,
                    &mut dst,
                )?;
                dst.flush()?;
            }
        }
        ("seal-signed", [out, plain, signer, keys @ ..]) if !keys.is_empty() => {
            let recipients = keys.iter().map(|k| k.parse()).collect::<custodia::Result<Vec<KeyId>>>()?;
            let mut options = seal_options(recipients)?;
            options.signer = Some(signer.parse()?);
            let data = Sensitive::new(std::fs::read(plain)?, Category::Evidence);
            std::fs::write(out, custodian.seal(&actor, &data, &options)?.envelope)?;
        }
        ("grant", [envelope, signer, purpose, out]) => {
            let object_id = custodian.inspect(&std::fs::read(envelope)?)?.object_id;
            let scope = GrantScope::purpose_extension(PurposeSet::parse(&[purpose.as_str()])?)?;
            let until = custodian.now().plus_days(1);
            let grant =
                custodian.issue_grant(&actor, &signer.parse()?, &object_id, scope, until, "interop request letter")?;
            std::fs::write(out, grant.to_armored())?;
        }
        ("extend", [envelope, grant, out]) => {
            let grant = Grant::parse(&std::fs::read(grant)?)?;
            std::fs::write(out, custodian.extend_purposes(&actor, &std::fs::read(envelope)?, &grant)?)?;
        }
        ("open" | "open-stream", [envelope, purpose, out]) => {
            let request = OpenRequest::new(actor, Purpose::parse(purpose)?);
            if command == "open" {
                let opened = custodian.open(&request, &std::fs::read(envelope)?)?;
                std::fs::write(out, opened.data.expose_secret())?;
            } else {
                let mut src = BufReader::new(File::open(envelope)?);
                let mut dst = BufWriter::new(File::create(out)?);
                let opened = custodian.open_stream(&request, &mut src, &mut dst).and_then(|_| Ok(dst.flush()?));
                if opened.is_err() {
                    drop(dst);
                    let _ = std::fs::remove_file(out); // nothing unauthenticated is left behind
                }
                opened?;
            }
        }
        ("seal-record", [out, keys @ ..]) if !keys.is_empty() => {
            let recipients = keys.iter().map(|k| k.parse()).collect::<custodia::Result<Vec<KeyId>>>()?;
            let tag = DataTag::new(Category::CaseAdministration, Classification::Restricted);
            std::fs::write(out, custodian.seal_record(&actor, tag, &record()?, &seal_options(recipients)?)?.envelope)?;
        }
        ("open-record", [envelope, purpose, clearance]) => {
            let reader = Actor::new("interop.rust.reader", "investigator", Jurisdiction::parse("DE")?, {
                clearance.parse::<Classification>()?
            })?;
            let opened = custodian
                .open_record(&OpenRequest::new(reader, Purpose::parse(purpose)?), &std::fs::read(envelope)?)?;
            for f in &opened.data.fields {
                match &f.outcome {
                    FieldOutcome::Disclosed(v) => {
                        let mut json = String::new();
                        v.expose_secret().write_json(&mut json);
                        println!("{}={json}", f.descriptor.name);
                    }
                    FieldOutcome::Withheld { reason, .. } => {
                        println!("{} withheld {}", f.descriptor.name, reason.code())
                    }
                    _ => println!("{} other", f.descriptor.name),
                }
            }
        }
        _ => return Err(usage()),
    }
    Ok(())
}

/// The record every language seals: four fields, one with purposes of its own, one secret.
fn record() -> custodia::Result<Record> {
    Record::new()
        .field("account_iban", FieldValue::text("NL91ABNA0417164300"), Category::FinancialRecords)?
        .field("born", FieldValue::Date(RecordDate::new(1971, 5, 4)?), Category::PersonalIdentity)?
        .field_with(
            "transfers",
            FieldValue::Integer(-42),
            FieldSpec::new(Category::FinancialRecords).for_purposes(PurposeSet::parse(&["investigation.financial"])?),
        )?
        .field("witness_name", FieldValue::text("A. Jansen"), Category::WitnessIdentity)
}

/// A receipt's item kinds, space separated.
fn kinds(r: &Receipt) -> String {
    r.items().iter().map(|i| i.kind().name()).collect::<Vec<_>>().join(" ")
}

/// The terms every language seals under: evidence for investigation or prosecution in one case.
fn seal_options(recipients: Vec<KeyId>) -> custodia::Result<SealOptions> {
    let mut options = SealOptions::new(PurposeSet::parse(&["investigation", "prosecution"])?, recipients);
    options.case_ref = Some(CaseRef::parse("MLA-2026-0007")?);
    // The other languages' keys are imported as authorities in DE: a seal for them must name DE as a destination.
    options.destinations = vec![Jurisdiction::parse("DE")?];
    Ok(options)
}
