//! Verification detects every edit, deletion, insertion, reordering and truncation, at the right entry.

mod common;

use common::*;
use custodia::Error;
use custodia::audit::{Anchor, AuditLog, verify, verify_reader};

fn verify_bytes(
    dir: &std::path::Path,
    bytes: &[u8],
    anchors: &[Anchor],
) -> custodia::Result<custodia::audit::VerifyReport> {
    std::fs::write(log_path(dir), bytes).expect("writes");
    verify(&log_path(dir), &key().verifying_key(), anchors)
}

#[test]
fn intact_log_verifies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lines = write_sample_log(dir.path());
    let r = verify(&log_path(dir.path()), &key().verifying_key(), &[]).expect("verifies");
    assert_eq!(r.entries, lines.len() as u64);
    assert_eq!(r.entries, 9); // genesis + creation checkpoint + 6 events + closing checkpoint
    assert_eq!(r.checkpoints, 2);
    assert_eq!(r.unsealed_tail, 0);
    assert_eq!(r.last_checkpoint, Some(8));
}

#[test]
fn every_single_byte_edit_fails_at_its_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lines = write_sample_log(dir.path());
    let original: Vec<u8> = lines.concat();
    let mut line_of = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        line_of.extend(std::iter::repeat_n(i as u64, l.len()));
    }
    let mut checked = 0;
    for pos in 0..original.len() {
        for flip in [0x01u8, 0x80] {
            let mut bytes = original.clone();
            bytes[pos] ^= flip;
            let err =
                verify_reader(&bytes[..], &key().verifying_key(), &[]).expect_err("an edited log must not verify");
            assert_eq!(
                error_position(&err),
                Some(line_of[pos]),
                "byte {pos} ^ {flip:#x} (entry {}): {err}",
                line_of[pos]
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 2 * original.len());
}

#[test]
fn deletion_insertion_reordering_are_detected_at_the_right_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lines = write_sample_log(dir.path());
    for i in 1..lines.len() - 1 {
        // Deletion of entry i.
        let mut v = lines.clone();
        v.remove(i);
        let err = verify_bytes(dir.path(), &v.concat(), &[]).expect_err("deletion");
        assert_eq!(error_position(&err), Some(i as u64), "deleting {i}: {err}");
        // Insertion of a copy of entry i before it (a replay).
        let mut v = lines.clone();
        v.insert(i, lines[i].clone());
        let err = verify_bytes(dir.path(), &v.concat(), &[]).expect_err("insertion");
        assert_eq!(error_position(&err), Some(i as u64 + 1), "duplicating {i}: {err}");
        // Swapping i and i + 1.
        let mut v = lines.clone();
        v.swap(i, i + 1);
        let err = verify_bytes(dir.path(), &v.concat(), &[]).expect_err("reordering");
        assert_eq!(error_position(&err), Some(i as u64), "swapping {i}: {err}");
    }
    // Deleting the genesis entry.
    let err = verify_bytes(dir.path(), &lines[1..].concat(), &[]).expect_err("no genesis");
    assert_eq!(error_position(&err), Some(0));
}

#[test]
fn truncation_is_a_warning_without_anchor_and_an_error_with_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lines = write_sample_log(dir.path());
    // Cut the closing checkpoint and the last event: still a valid chain, but the tail is unsealed.
    let r = verify_bytes(dir.path(), &lines[..lines.len() - 2].concat(), &[]).expect("a valid prefix");
    assert_eq!(r.unsealed_tail, 5);
    assert_eq!(r.checkpoints, 1);
    // A torn final line is malformed, at its line.
    let mut torn = lines.concat();
    torn.truncate(torn.len() - 10);
    let err = verify_bytes(dir.path(), &torn, &[]).expect_err("torn");
    assert!(matches!(err, Error::AuditMalformed { line: 9, .. }), "{err}");
}

#[test]
fn anchors_pin_the_prefix_against_a_writer_who_holds_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = clock();
    let (log, _) = AuditLog::open(dir.path(), key(), options(c)).expect("opens");
    for e in sample_events() {
        log.append(&e).expect("appends");
    }
    let mut anchor = log.checkpoint().expect("checkpoint");
    assert_eq!(anchor.count(), 8);
    let ministry = other_key();
    anchor.countersign(&ministry).expect("countersign");
    let exported = anchor.to_json();
    let anchor = Anchor::from_json(&exported).expect("parses");
    assert!(anchor.is_witnessed_by(&ministry.verifying_key()));
    assert!(!anchor.is_witnessed_by(&key().verifying_key()));
    log.append(&sample_events()[1]).expect("appends");
    log.close().expect("closes");
    drop(log);

    let path = log_path(dir.path());
    let r = verify(&path, &key().verifying_key(), std::slice::from_ref(&anchor)).expect("verifies");
    assert_eq!(r.anchors, 1);

    // The writer rewrites entry 2 (hides a refusal's purpose) and re-chains and re-signs everything.
    let text = std::fs::read_to_string(&path).expect("reads");
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    assert!(lines[3].contains("prosecution.trial"));
    lines[3] = lines[3].replace("prosecution.trial", "prosecution.appeal");
    let forged = rechain(&lines, &key()).concat();
    std::fs::write(&path, &forged).expect("writes");
    verify(&path, &key().verifying_key(), &[]).expect("without an anchor the forgery is undetectable");
    let err = verify(&path, &key().verifying_key(), std::slice::from_ref(&anchor)).expect_err("anchor catches it");
    assert!(matches!(err, Error::AuditTampered { entry: 7, .. }), "{err}");

    // Truncating before the anchored count is caught too.
    std::fs::write(&path, text.split_inclusive('\n').take(5).collect::<String>()).expect("writes");
    let err = verify(&path, &key().verifying_key(), std::slice::from_ref(&anchor)).expect_err("truncated");
    assert!(matches!(err, Error::AuditTampered { entry: 5, .. }), "{err}");

    // A forged counter-signature is refused.
    let mut json: serde_json::Value = serde_json::from_str(&exported).expect("json");
    json["count"] = serde_json::json!(3);
    let bad = Anchor::from_json(&json.to_string()).expect("parses");
    assert!(matches!(verify(&path, &key().verifying_key(), &[bad]), Err(Error::AnchorInvalid(_))));
}

#[test]
fn wrong_key_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_sample_log(dir.path());
    let err = verify(&log_path(dir.path()), &other_key().verifying_key(), &[]).expect_err("wrong key");
    assert!(matches!(err, Error::AuditWrongKey { .. }), "{err}");
    assert!(err.to_string().contains("not by the expected key"));
    // Opening it for writing with another key is refused too.
    let err = AuditLog::open(dir.path(), other_key(), options(clock())).expect_err("wrong key");
    assert!(matches!(err, Error::AuditWrongKey { .. }), "{err}");
}

#[test]
fn huge_binary_and_unknown_lines_are_malformed_with_their_line_number() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lines = write_sample_log(dir.path());
    let good = lines.concat();

    let mut huge = good.clone();
    huge.extend(std::iter::repeat_n(b'x', 100 * 1024));
    huge.push(b'\n');
    let err = verify_bytes(dir.path(), &huge, &[]).expect_err("huge");
    assert!(matches!(&err, Error::AuditMalformed { line: 10, reason } if reason.contains("longer")), "{err}");

    let mut binary = good.clone();
    binary.extend_from_slice(&[0xff, 0xfe, 0x00, 0x01, b'\n']);
    let err = verify_bytes(dir.path(), &binary, &[]).expect_err("binary");
    assert!(matches!(&err, Error::AuditMalformed { line: 10, reason } if reason.contains("UTF-8")), "{err}");

    // A correctly hashed and chained entry of a kind this version does not know.
    let text = String::from_utf8(good).expect("utf8");
    let mut v: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    assert!(v[4].contains("\"kind\":\"refused\""));
    v[4] = line_from_body(
        &body_of(&v[4]).replace("\"kind\":\"refused\"", "\"kind\":\"teleported\""),
        &log_id_of(&v[0]),
        &key(),
    );
    let v = rechain(&v, &key());
    let err = verify_bytes(dir.path(), v.concat().as_bytes(), &[]).expect_err("unknown kind");
    assert!(
        matches!(&err, Error::AuditMalformed { line: 5, reason } if reason.contains("unknown event kind")),
        "{err}"
    );
}

#[test]
fn independent_hash_implementation_agrees() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lines = write_sample_log(dir.path());
    let text: Vec<String> = lines.iter().map(|l| String::from_utf8(l.clone()).expect("utf8")).collect();
    // Re-deriving every hash and checkpoint signature from docs/AUDIT.md reproduces the file byte for byte
    // (Ed25519 signatures are deterministic).
    assert_eq!(rechain(&text, &key()), text);
}
