//! Replays every finding of the fuzz campaigns (`tests/fuzz-regressions/<target>/<file>`, the crashing inputs kept
//! as they were found) through the same checks the fuzz targets run (`fuzz/src/checks.rs`), so that each fixed
//! finding stays fixed without nightly or cargo-fuzz. See docs/FUZZING.md.

#[path = "../fuzz/src/checks.rs"]
mod checks;

use std::path::Path;

/// A target's checks.
type Check = fn(&[u8]);

/// The targets, by the name of their directory under `tests/fuzz-regressions/`.
const TARGETS: [(&str, Check); 13] = [
    ("envelope_open", checks::envelope_open),
    ("header_parse", checks::header_parse),
    ("key_text", checks::key_text),
    ("vocabulary", checks::vocabulary),
    ("keyring", checks::keyring),
    ("audit_verify", checks::audit_verify),
    ("anchor_certificate", checks::anchor_certificate),
    ("merkle_parse", checks::merkle_parse),
    ("grant", checks::grant),
    ("receipt", checks::receipt),
    ("access_policy", checks::access_policy),
    ("record_parse", checks::record_parse),
    ("sdjwt_presentation", checks::sdjwt_presentation),
];

#[test]
fn every_kept_finding_passes_its_target_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&root).expect("tests/fuzz-regressions exists") {
        let dir = entry.expect("entry").path();
        let name = dir.file_name().expect("name").to_string_lossy().into_owned();
        let check = TARGETS.iter().find(|(t, _)| *t == name).map(|(_, f)| *f);
        let check = check.unwrap_or_else(|| panic!("tests/fuzz-regressions/{name}: no fuzz target of that name"));
        for file in std::fs::read_dir(&dir).expect("target dir") {
            let path = file.expect("file").path();
            let data = std::fs::read(&path).expect("finding");
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "finding {} fails its checks again", path.display());
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no finding replayed: the directory layout changed?");
}

/// The first finding: a signed envelope with an altered chunk made the seekable reader say `SignatureInvalid` where
/// the in-memory and stream openers say `OpenFailed` (docs/FORMAT.md section 9, step 8: chunks before signature).
#[test]
fn seekable_reader_reports_an_altered_chunk_before_a_bad_signature() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions/envelope_open/seekable-signature-before-chunks");
    checks::envelope_open(&std::fs::read(path).expect("finding"));
}

/// The `sdjwt_presentation` target tries its input after the JWT of the SD-JWT vectors, so that the vectors'
/// disclosures (its seeds, and the kept `vector-disclosures-only`) verify and reach the checks of a good presentation.
#[test]
fn sdjwt_target_issues_the_vectors_jwt() {
    let v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/sdjwt/sdjwt_issued.json"))
            .expect("vector"),
    )
    .expect("json");
    let jwt = v["presentation"].as_str().expect("text").split('~').next().expect("jwt");
    assert_eq!(checks::SDJWT_ISSUER.1, jwt);
}
