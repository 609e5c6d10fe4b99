//! The facade's file and report operations: `Custodian::seal_file` and `Custodian::open_file` write atomically
//! (a private temporary file beside the destination, renamed over it only on success, removed on failure), and
//! `Custodian::describe` reports an envelope's bound metadata as text. The C functions `custodia_seal_file`,
//! `custodia_open_file` and `custodia_envelope_describe` are these, translated.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use custodia::{
    Actor, CaseRef, Category, Classification, Custodian, CustodianOptions, DataTag, Error, FixedClock, Jurisdiction,
    KeyId, KeyKind, OpenRequest, Purpose, PurposeSet, SealOptions, Timestamp,
};
use custodia::{KdfParams, Unlock};

const T0: u64 = 1_795_435_200; // 2026-11-23T12:00:00Z
const PLAINTEXT: &[u8] = b"IBAN NL91ABNA0417164300, balance 1,204,331.17";

struct Env {
    dir: tempfile::TempDir,
    c: Custodian,
    kek: KeyId,
}

fn env() -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut opts = CustodianOptions::with_clock(Arc::new(FixedClock::new(Timestamp::from_unix(T0))));
    opts.kdf = KdfParams::DANGER_TEST_ONLY;
    opts.create = true;
    let c = Custodian::load(dir.path().join("custodian"), Unlock::passphrase("test passphrase"), opts)
        .expect("open custodian");
    let kek = c.generate_key(&actor(), KeyKind::Kek, "yearly").expect("kek");
    Env { dir, c, kek }
}

fn actor() -> Actor {
    Actor::new("anna", "prosecutor", Jurisdiction::parse("DE").expect("DE"), Classification::Secret).expect("actor")
}

fn options(kek: KeyId) -> SealOptions {
    let mut o = SealOptions::new(PurposeSet::parse(&["investigation", "prosecution"]).expect("purposes"), vec![kek]);
    o.case_ref = Some(CaseRef::parse("MLA-2026-0042").expect("case"));
    o.origin = Some(Jurisdiction::parse("NL").expect("NL"));
    o.destinations = vec![Jurisdiction::parse("DE").expect("DE")];
    o.not_after = Some(Timestamp::from_unix(T0).plus_days(365));
    o
}

fn request(purpose: &str) -> OpenRequest {
    OpenRequest::new(actor(), Purpose::parse(purpose).expect("purpose"))
}

fn seal_file(e: &Env, src: &Path, dst: &Path) -> custodia::Result<()> {
    let tag = DataTag::new(Category::FinancialRecords, Classification::Confidential);
    e.c.seal_file(&actor(), tag, &options(e.kek), src, dst).map(drop)
}

/// The names in `dir`, sorted: no temporary file may be left behind.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        fs::read_dir(dir).expect("read dir").map(|d| d.expect("entry").file_name().to_string_lossy().into()).collect();
    v.sort();
    v
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

#[test]
fn seal_file_and_open_file_round_trip_privately() {
    let e = env();
    let (src, sealed, opened) =
        (e.dir.path().join("data.txt"), e.dir.path().join("data.cust"), e.dir.path().join("out"));
    fs::write(&src, PLAINTEXT).expect("write");
    seal_file(&e, &src, &sealed).expect("seal_file");
    assert_eq!(mode(&sealed), 0o600);
    let envelope = fs::read(&sealed).expect("read");
    assert_eq!(e.c.inspect(&envelope).expect("inspect").category, Category::FinancialRecords);

    let info = e.c.open_file(&request("investigation"), &sealed, &opened).expect("open_file").info;
    assert_eq!(fs::read(&opened).expect("read"), PLAINTEXT);
    assert_eq!(mode(&opened), 0o600);
    assert_eq!(info.recipients, vec![e.kek]);
    assert_eq!(names(e.dir.path()), ["custodian", "data.cust", "data.txt", "out"]);
}

#[test]
fn seal_file_in_place_replaces_the_plaintext() {
    let e = env();
    let path = e.dir.path().join("evidence");
    fs::write(&path, PLAINTEXT).expect("write");
    seal_file(&e, &path, &path).expect("seal in place");
    let envelope = fs::read(&path).expect("read");
    assert_ne!(envelope, PLAINTEXT);
    e.c.open_file(&request("prosecution"), &path, &path).expect("open in place");
    assert_eq!(fs::read(&path).expect("read"), PLAINTEXT);
    assert_eq!(names(e.dir.path()), ["custodian", "evidence"]);
}

#[test]
fn a_failed_open_file_leaves_the_destination_untouched_and_no_partial_file() {
    let e = env();
    let (src, sealed, dst) = (e.dir.path().join("data.txt"), e.dir.path().join("data.cust"), e.dir.path().join("out"));
    fs::write(&src, PLAINTEXT).expect("write");
    seal_file(&e, &src, &sealed).expect("seal_file");
    fs::write(&dst, b"what was there before").expect("write");

    // Refused by policy before any key is touched.
    let refused = e.c.open_file(&request("asset_recovery"), &sealed, &dst).unwrap_err();
    assert!(matches!(refused, Error::PurposeNotPermitted { .. }), "{refused:?}");
    // Damaged in its last byte: the failure comes after plaintext chunks may have been written to the temporary file.
    let mut damaged = fs::read(&sealed).expect("read");
    *damaged.last_mut().expect("not empty") ^= 1;
    fs::write(&sealed, &damaged).expect("write");
    let failed = e.c.open_file(&request("investigation"), &sealed, &dst).unwrap_err();
    assert!(matches!(failed, Error::OpenFailed), "{failed:?}");

    assert_eq!(fs::read(&dst).expect("read"), b"what was there before");
    assert_eq!(names(e.dir.path()), ["custodian", "data.cust", "data.txt", "out"]);
}

#[test]
fn a_failed_seal_file_leaves_nothing() {
    let e = env();
    let src = e.dir.path().join("data.txt");
    fs::write(&src, PLAINTEXT).expect("write");
    // A recipient the keyring does not know: refused after the temporary file was made.
    let mut o = options(e.kek);
    o.recipients = vec![KeyId::from_bytes([7u8; 16])];
    let dst = e.dir.path().join("data.cust");
    let tag = DataTag::new(Category::FinancialRecords, Classification::Confidential);
    let err = e.c.seal_file(&actor(), tag, &o, &src, &dst);
    assert!(matches!(err, Err(Error::KeyNotFound(_))), "{err:?}");
    // A missing source, and a destination that names no file.
    let missing = seal_file(&e, &e.dir.path().join("missing"), &dst).unwrap_err();
    assert!(matches!(missing, Error::Io(_)), "{missing:?}");
    let no_file = seal_file(&e, &src, &e.dir.path().join("..")).unwrap_err();
    assert_eq!(no_file.to_string(), "invalid argument: dst_path: names no file");
    assert_eq!(names(e.dir.path()), ["custodian", "data.txt"]);
}

#[test]
fn describe_reports_the_bound_metadata_line_by_line() {
    let e = env();
    let (src, sealed) = (e.dir.path().join("data.txt"), e.dir.path().join("data.cust"));
    fs::write(&src, PLAINTEXT).expect("write");
    seal_file(&e, &src, &sealed).expect("seal_file");
    let envelope = fs::read(&sealed).expect("read");
    let info = e.c.inspect(&envelope).expect("inspect");
    let expected = format!(
        "object: {}\ncategory: financial_records\nclassification: confidential\npurposes: investigation, prosecution\n\
         case: MLA-2026-0042\norigin: NL\ndestinations: DE\ncreated: 2026-11-23T12:00:00Z\n\
         not_after: 2027-11-23T12:00:00Z\nrecipients: {}\nsigner: -\ninstrument: -\ninstrument_reference: -\n\
         transfer_basis: -\n",
        info.object_id, e.kek
    );
    assert_eq!(e.c.describe(&envelope).expect("describe"), expected);
    assert!(matches!(e.c.describe(b"not an envelope"), Err(Error::Malformed(_) | Error::Truncated)));
}

#[test]
fn an_envelope_is_described_without_a_custodian_from_its_header_alone() {
    // What `custodia inspect` does: no keyring, no passphrase; the same metadata and text as the custodian's.
    let e = env();
    let (src, sealed) = (e.dir.path().join("data.txt"), e.dir.path().join("data.cust"));
    fs::write(&src, PLAINTEXT).expect("write");
    seal_file(&e, &src, &sealed).expect("seal_file");
    let envelope = fs::read(&sealed).expect("read");
    // From a stream that yields only the header: the payload is never read.
    let header_len = custodia::format::parse_header(&envelope).expect("header").len();
    let mut head: &[u8] = &envelope[..header_len];
    let info = custodia::EnvelopeInfo::from_header(&custodia::format::read_header(&mut head).expect("read_header"));
    assert_eq!(info, e.c.inspect(&envelope).expect("inspect"));
    assert_eq!(info.describe(), e.c.describe(&envelope).expect("describe"));
    // Armored: the same.
    let armored = custodia::format::armor(&envelope);
    let from_armor =
        custodia::EnvelopeInfo::from_header(&custodia::format::parse_header(armored.as_bytes()).expect("armored"));
    assert_eq!(from_armor, info);
    assert!(custodia::format::parse_header(b"not an envelope").is_err());
}
