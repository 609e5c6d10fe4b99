//! Every file and directory custodia creates is private (files 0600, the custodian's directory 0700) whatever the
//! process umask: they hold actor ids, case references, wrapped keys, and, for outputs of an open, plaintext.
//!
//! The test binary re-executes itself under `umask 000` (through `sh`, as the crate has no libc binding and sets no
//! process-wide state from a test thread), where anything created with a default mode would come out 0666 or 0777.
//! The audit log's mode is the audit log's own business (checked with the audit tests), so it is left out here.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use custodia::{
    Actor, CaseRef, Category, Classification, Custodian, CustodianOptions, FixedClock, Jurisdiction, KeyKind,
    PurposeSet, SealOptions, Sensitive, Timestamp,
};
use custodia::{KdfParams, Unlock};
use custodia::{RewrapItem, RewrapPlan};

const CHILD_DIR: &str = "CUSTODIA_TEST_FILE_MODES_DIR";

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).expect("metadata").permissions().mode() & 0o7777
}

/// Not a test on its own: the body of the child process, run under umask 000.
#[test]
fn child_under_umask_000() {
    let Ok(base) = std::env::var(CHILD_DIR) else { return };
    let base = Path::new(&base);
    // The environment really is hostile: a file made with the default mode is world-writable here.
    let probe = base.join("probe");
    fs::write(&probe, b"x").expect("probe");
    assert_eq!(mode(&probe), 0o666, "the child must run under umask 000");

    let dir = base.join("custodian");
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(1_795_435_200)));
    let options =
        CustodianOptions { create: true, kdf: KdfParams::DANGER_TEST_ONLY, ..CustodianOptions::with_clock(clock) };
    let c = Custodian::load(&dir, Unlock::passphrase("pw"), options).expect("create");
    let a = Actor::new("anna", "prosecutor", Jurisdiction::parse("NL").expect("NL"), Classification::Secret)
        .expect("actor");
    let kek = c.generate_key(&a, KeyKind::Kek, "yearly").expect("kek");
    c.place_legal_hold(&a, &CaseRef::parse("MLA-2026-0042").expect("case"), "OLG 1/26", "appeal").expect("hold");
    let sealed = c
        .seal(
            &a,
            &Sensitive::new(b"account NL91ABNA0417164300".to_vec(), Category::FinancialRecords),
            &SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![kek]),
        )
        .expect("seal")
        .envelope;
    let envelope = base.join("evidence.cust");
    fs::write(&envelope, &sealed).expect("write");
    assert_eq!(mode(&envelope), 0o666);
    // An imported disclosure receipt is kept under receipts/ (a receipt for the envelope, by another authority's key).
    let other = custodia::format::SigningKey::from_bytes([7; 32]);
    let public = custodia::encode_public(KeyKind::Ed25519, &other.verifying_key().to_bytes());
    c.import_public(&a, &public, "DE receipts", Jurisdiction::parse("DE").expect("DE")).expect("import key");
    let oid = c.inspect(&sealed).expect("inspect").object_id;
    let oid: Vec<u8> = (0..16).map(|i| u8::from_str_radix(&oid[2 * i..2 * i + 2], 16).expect("hex")).collect();
    let item = custodia::ReceiptItem::new(custodia::ReceiptItemKind::Received, Timestamp::from_unix(1_795_435_200));
    let receipt = custodia::Receipt::sign(
        oid.try_into().expect("16"),
        None,
        Timestamp::from_unix(1_795_435_200),
        vec![item],
        &other,
    )
    .expect("receipt");
    c.import_receipt(&a, &receipt.to_armored()).expect("import receipt");
    c.rotate(&a, &kek).expect("rotate");
    let results = c.rewrap_batch(&a, [RewrapItem::File(envelope.clone())], &RewrapPlan::Rotated, &mut |_, _| {});
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    drop(c);

    assert_eq!(mode(&dir), 0o700, "the custodian's directory");
    assert_eq!(mode(&envelope), 0o600, "a file re-wrapped in place is replaced by a private one");
    let mut seen = Vec::new();
    for entry in fs::read_dir(&dir).expect("list") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name").to_string_lossy().into_owned();
        if name.starts_with("audit") {
            continue;
        }
        if name == custodia::RECEIPTS_DIR {
            assert_eq!(mode(&path), 0o700, "the receipts directory");
            for r in fs::read_dir(&path).expect("receipts") {
                let r = r.expect("entry").path();
                assert_eq!(mode(&r), 0o600, "{}", r.display());
                seen.push(format!("receipts/{}", r.extension().expect("ext").to_string_lossy()));
            }
            continue;
        }
        assert_eq!(mode(&path), 0o600, "{name}");
        seen.push(name);
    }
    seen.sort();
    assert_eq!(seen, ["keyring.cdk", "keyring.lock", "receipts/receipt"], "every other file custodia keeps");
    println!("file modes checked");
}

#[test]
fn files_custodia_writes_are_private_under_umask_000() {
    let base = tempfile::tempdir().expect("tempdir");
    let out = Command::new("sh")
        .args(["-c", "umask 000 && exec \"$0\" \"$@\""])
        .arg(std::env::current_exe().expect("exe"))
        .args(["--exact", "child_under_umask_000", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR, base.path())
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("file modes checked"), "the child did not run its checks:\n{stdout}");
}
