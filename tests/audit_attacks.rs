//! Attacks on the audit log, one test per row of the attacker table in `docs/AUDIT.md` §8.
//!
//! The fixture is the log of issue 12: 8 entries, a checkpoint at entry 4, and 3 unsealed entries after it
//! (0 genesis, 1 creation checkpoint, 2 sealed, 3 opened, 4 checkpoint, 5 refused, 6 opened, 7 exception_used),
//! left by a writer that died before closing. The keyring's pin is the checkpoint at entry 4, as a custodian's
//! keyring holds it.
//!
//! | attacker | can / cannot | test |
//! | --- | --- | --- |
//! | (a) file writer, no key | cannot delete an entry and re-chain the hashes | `a_delete_a_refused_entry_and_rechain` |
//! | (a) | cannot reorder entries | `a_swap_two_entries_and_rechain` |
//! | (a) | cannot remove a checkpoint-covered entry, even after dropping the checkpoints | `a_drop_checkpoints_then_delete_a_covered_entry` |
//! | (a) | cannot drop a checkpoint silently | `a_drop_a_checkpoint_line` |
//! | (a) | cannot append a forged entry | `a_append_a_forged_opened_entry` |
//! | (a) | cannot cut the log to its genesis entry | `a_cut_the_log_to_its_genesis_entry` |
//! | (a) | cannot cut below the keyring's pin, delete or empty the log | `a_cut_to_an_earlier_checkpoint_is_caught_by_the_pin_and_by_an_anchor`, `a_custodian_refuses_a_cut_deleted_or_emptied_log` |
//! | (a) | can cut entries after the last pinned checkpoint (bounded by `checkpoint_every`) | `a_can_cut_the_unpinned_tail` |
//! | (a) | every attack above is refused by `Custodian::load` too, and no open launders | `a_custodian_refuses_every_rewrite` |
//! | (b) key holder, cannot write the file | can forge a log copy that verifies without anchors; cannot pass it off against an anchor | `b_key_holder_forges_a_copy` |
//! | (c) key holder and file writer | can rewrite after the pin; cannot rewrite before the pin (without the keyring) or before an anchor | `c_key_and_file_rewrite_is_bounded_by_pin_and_anchor` |
//! | (d) rolls back keyring and log together | goes unnoticed locally; caught by an anchor held elsewhere | `d_rollback_of_keyring_and_log_is_caught_by_an_anchor` |

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};

use common::*;
use custodia::audit::{Anchor, AuditEvent, AuditLog, AuditOptions, EventKind, verify};
use custodia::{AuditPin, KdfParams, Unlock};
use custodia::{Custodian, CustodianOptions, Error, FixedClock};

/// The log, unclosed, with the pins the hook reported and the anchors of its checkpoints.
struct Fixture {
    dir: tempfile::TempDir,
    /// The 8 lines.
    lines: Vec<String>,
    /// The checkpoint at entry 4, as the keyring pins it.
    pin4: AuditPin,
    /// The closing checkpoint (entry 8) the writer wrote before the last line was lost, for the truncation tests.
    pin8: AuditPin,
    anchor8: Anchor,
    /// The closed log (9 lines).
    closed: Vec<String>,
}

fn pins_hook(pins: &Arc<Mutex<Vec<AuditPin>>>) -> custodia::audit::CheckpointHook {
    let pins = Arc::clone(pins);
    Arc::new(move |p: &AuditPin| {
        pins.lock().expect("pins").push(*p);
        Ok(())
    })
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = clock();
    let pins = Arc::new(Mutex::new(Vec::new()));
    let (log, _) =
        AuditLog::open(dir.path(), key(), options(c.clone()).on_checkpoint(pins_hook(&pins))).expect("opens");
    let ev = sample_events();
    log.append(&ev[0]).expect("sealed");
    log.append(&ev[1]).expect("opened");
    log.checkpoint().expect("checkpoint at entry 4");
    log.append(&ev[2]).expect("refused");
    log.append(&AuditEvent::new(EventKind::Opened).actor(&anna()).case(&case())).expect("opened");
    log.append(&ev[3]).expect("exception used");
    let anchor8 = log.close().expect("closes");
    drop(log);
    let closed = read_lines(dir.path());
    let lines = closed[..8].to_vec();
    std::fs::write(log_path(dir.path()), lines.concat()).expect("writes");
    let pins = pins.lock().expect("pins").clone();
    assert_eq!(pins.iter().map(|p| p.count).collect::<Vec<_>>(), vec![1, 4, 8]);
    assert!(lines[4].contains("\"kind\":\"checkpoint\"") && lines[5].contains("\"kind\":\"refused\""));
    Fixture { dir, lines, pin4: pins[1], pin8: pins[2], anchor8, closed }
}

fn read_lines(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(log_path(dir)).expect("reads").split_inclusive('\n').map(str::to_owned).collect()
}

fn open_with_pin(dir: &Path, pin: Option<AuditPin>) -> custodia::Result<AuditLog> {
    AuditLog::open(dir, key(), options(clock()).expect_pin(pin)).map(|(log, _)| log)
}

/// Write `lines`, then check that `verify` and both kinds of open (with the keyring's pin, and without any pin)
/// refuse them as tampered at `entry`, and that no open changed a byte.
fn assert_refused_everywhere(dir: &Path, lines: &[String], pin: AuditPin, entry: u64) {
    let path = log_path(dir);
    let bytes = lines.concat();
    std::fs::write(&path, &bytes).expect("writes");
    let err = verify(&path, &key().verifying_key(), &[]).expect_err("verify refuses");
    assert!(matches!(err, Error::AuditTampered { entry: e, .. } if e == entry), "verify: {err}");
    for p in [Some(pin), None] {
        let err = open_with_pin(dir, p).expect_err("open refuses");
        assert!(matches!(err, Error::AuditTampered { .. }), "open with pin {:?}: {err}", p.map(|p| p.count));
        assert_eq!(std::fs::read_to_string(&path).expect("reads"), bytes, "a refused open writes nothing");
    }
}

/// A custodian in `dir` (created if need be) with cheap key derivation, reading time from `clock`, with a
/// checkpoint every `checkpoint_every` entries when given.
fn open_custodian(dir: &Path, clock: Arc<FixedClock>, checkpoint_every: Option<u64>) -> custodia::Result<Custodian> {
    let mut o = CustodianOptions::with_clock(clock);
    o.create = true;
    o.kdf = KdfParams::DANGER_TEST_ONLY;
    if let Some(n) = checkpoint_every {
        o.checkpoint_every = n;
    }
    Custodian::load(dir, Unlock::passphrase("pass"), o)
}

#[test]
fn the_fixture_itself_verifies_and_opens() {
    let f = fixture();
    let r = verify(&log_path(f.dir.path()), &key().verifying_key(), &[]).expect("verifies");
    assert_eq!((r.entries, r.last_checkpoint, r.unsealed_tail), (8, Some(4), 3));
    let (log, report) = AuditLog::open(f.dir.path(), key(), options(clock()).expect_pin(Some(f.pin4))).expect("opens");
    assert_eq!(report.verified_from, 4, "verification starts at the pinned checkpoint");
    assert!(report.sealed_unclosed_tail);
    drop(log);
    // Without a pin the open finds the last checkpoint by scanning backwards.
    let (_log, report) = AuditLog::open(f.dir.path(), key(), options(clock())).expect("opens");
    assert_eq!(report.verified_from, 8);
}

#[test]
fn a_delete_a_refused_entry_and_rechain() {
    let f = fixture();
    let mut v = f.lines.clone();
    v.remove(5);
    // The unkeyed chain is recomputed (seq, prev, hash), so only the entry signatures can catch it.
    let forged = rechain_without_key(&v);
    assert_refused_everywhere(f.dir.path(), &forged, f.pin4, 5);
    // Signing with a key of one's own does not help either.
    let forged = rechain_signing(&v, &other_key(), &other_key());
    let path = log_path(f.dir.path());
    std::fs::write(&path, forged.concat()).expect("writes");
    let err = verify(&path, &key().verifying_key(), &[]).expect_err("refused");
    assert!(matches!(err, Error::AuditTampered { .. }), "{err}");
}

#[test]
fn a_swap_two_entries_and_rechain() {
    let f = fixture();
    let mut v = f.lines.clone();
    v.swap(5, 6);
    assert_refused_everywhere(f.dir.path(), &rechain_without_key(&v), f.pin4, 5);
    // Swapping covered entries (before the checkpoint) is refused as well.
    let mut v = f.lines.clone();
    v.swap(2, 3);
    assert_refused_everywhere(f.dir.path(), &rechain_without_key(&v), f.pin4, 2);
}

#[test]
fn a_drop_checkpoints_then_delete_a_covered_entry() {
    let f = fixture();
    // Entry 3 (`opened`) is covered by the checkpoint at entry 4: drop both checkpoints, then the entry.
    let v: Vec<String> =
        f.lines.iter().enumerate().filter(|(i, _)| ![1, 3, 4].contains(i)).map(|(_, l)| l.clone()).collect();
    assert!(v.iter().all(|l| !l.contains("\"kind\":\"checkpoint\"")));
    assert_refused_everywhere(f.dir.path(), &rechain_without_key(&v), f.pin4, 1);
}

#[test]
fn a_drop_a_checkpoint_line() {
    let f = fixture();
    let mut v = f.lines.clone();
    v.remove(4);
    // As is: the next entry's sequence number and link no longer fit.
    assert_refused_everywhere(f.dir.path(), &v, f.pin4, 4);
    // Re-chained: the next entry's signature no longer fits.
    assert_refused_everywhere(f.dir.path(), &rechain_without_key(&v), f.pin4, 4);
}

#[test]
fn a_append_a_forged_opened_entry() {
    let f = fixture();
    let mut v = f.lines.clone();
    // An `opened` entry by an invented actor, correctly numbered, linked and hashed, carrying a real signature
    // copied from another entry.
    let forged = v[6].replace("\"id\":\"anna\"", "\"id\":\"mallory\"");
    assert_ne!(forged, v[6]);
    v.push(forged);
    let mut chained = rechain_without_key(&v);
    assert_refused_everywhere(f.dir.path(), &chained, f.pin4, 8);
    // Or signed by a key of the forger's own.
    let last = chained.pop().expect("line");
    chained.push(line_from_body(&body_of(&last), &log_id_of(&chained[0]), &other_key()));
    assert_refused_everywhere(f.dir.path(), &chained, f.pin4, 8);
}

#[test]
fn a_cut_the_log_to_its_genesis_entry() {
    let f = fixture();
    assert_refused_everywhere(f.dir.path(), &f.lines[..1], f.pin4, 1);
}

#[test]
fn a_cut_to_an_earlier_checkpoint_is_caught_by_the_pin_and_by_an_anchor() {
    let f = fixture();
    let path = log_path(f.dir.path());
    // The closed log, cut back to the checkpoint at entry 4: a valid prefix, so the file alone cannot tell.
    let cut = f.closed[..5].concat();
    std::fs::write(&path, &cut).expect("writes");
    verify(&path, &key().verifying_key(), &[]).expect("the file alone cannot show a cut at a checkpoint");
    let err = verify(&path, &key().verifying_key(), std::slice::from_ref(&f.anchor8)).expect_err("anchor");
    assert!(matches!(err, Error::AuditTampered { entry: 5, .. }), "{err}");
    let err = open_with_pin(f.dir.path(), Some(f.pin8)).expect_err("the pin catches it");
    assert!(matches!(err, Error::AuditTampered { entry: 8, .. }), "{err}");
    assert_eq!(std::fs::read_to_string(&path).expect("reads"), cut);
}

#[test]
fn a_can_cut_the_unpinned_tail() {
    // The documented limit: entries after the last checkpoint the keyring saw can be cut without trace.
    let f = fixture();
    let path = log_path(f.dir.path());
    std::fs::write(&path, f.lines[..5].concat()).expect("writes");
    verify(&path, &key().verifying_key(), &[]).expect("verifies");
    let log = open_with_pin(f.dir.path(), Some(f.pin4)).expect("opens: the cut is at or after the pin");
    assert_eq!(log.entry_count().expect("count"), 5);
}

#[test]
fn a_custodian_refuses_every_rewrite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = clock();
    let open = || open_custodian(dir.path(), c.clone(), Some(3));
    let cust = open().expect("opens");
    let log_key = cust.audit_log().verifying_key();
    for i in 0..6 {
        cust.generate_key(&anna(), custodia::KeyKind::Kek, &format!("k{i}")).expect("key");
    }
    drop(cust);
    let original = read_lines(dir.path());
    let path = log_path(dir.path());
    let mut attacks: Vec<(&str, Vec<String>)> = Vec::new();
    let mut v = original.clone();
    v.remove(3);
    attacks.push(("delete and re-chain", rechain_without_key(&v)));
    let mut v = original.clone();
    v.swap(2, 3);
    attacks.push(("swap and re-chain", rechain_without_key(&v)));
    let v: Vec<String> = original.iter().filter(|l| !l.contains("\"kind\":\"checkpoint\"")).cloned().collect();
    attacks.push(("drop every checkpoint and re-chain", rechain_without_key(&v)));
    let mut v = original.clone();
    v.push(v[3].replace("\"id\":\"anna\"", "\"id\":\"mallory\""));
    attacks.push(("append a forged entry", rechain_without_key(&v)));
    attacks.push(("cut to the genesis entry", original[..1].to_vec()));
    attacks.push(("cut to the creation checkpoint", original[..2].to_vec()));
    for (name, lines) in attacks {
        let bytes = lines.concat();
        std::fs::write(&path, &bytes).expect("writes");
        assert!(verify(&path, &log_key, &[]).is_err() || name.starts_with("cut to the creation"), "{name}");
        let err = open().expect_err(name);
        assert!(matches!(err, Error::AuditTampered { .. }), "{name}: {err}");
        assert_eq!(std::fs::read_to_string(&path).expect("reads"), bytes, "{name}: the open wrote nothing");
    }
    std::fs::write(&path, original.concat()).expect("restores");
    open().expect("the untouched log opens");
}

#[test]
fn a_custodian_refuses_a_cut_deleted_or_emptied_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let open = || open_custodian(dir.path(), clock(), None);
    let cust = open().expect("opens");
    cust.generate_key(&anna(), custodia::KeyKind::Kek, "k").expect("key");
    drop(cust);
    let path = log_path(dir.path());
    let original = std::fs::read(&path).expect("reads");

    std::fs::remove_file(&path).expect("deletes");
    let err = open().expect_err("deleted");
    assert!(matches!(err, Error::AuditTampered { entry: 0, .. }), "{err}");
    assert!(!path.exists(), "no new log is started over a deleted one");

    std::fs::write(&path, b"").expect("empties");
    let err = open().expect_err("emptied");
    assert!(matches!(err, Error::AuditTampered { .. }), "{err}");
    assert_eq!(std::fs::read(&path).expect("reads"), b"");

    // Cut back to the creation checkpoint: a valid log, but shorter than the pin.
    let cut: Vec<u8> = original.split_inclusive(|&b| b == b'\n').take(2).flatten().copied().collect();
    std::fs::write(&path, &cut).expect("cuts");
    let err = open().expect_err("cut below the pin");
    assert!(matches!(err, Error::AuditTampered { .. }), "{err}");
    assert_eq!(std::fs::read(&path).expect("reads"), cut);

    std::fs::write(&path, &original).expect("restores");
    open().expect("opens again");
}

#[test]
fn b_key_holder_forges_a_copy() {
    let f = fixture();
    let path = log_path(f.dir.path());
    std::fs::write(&path, f.closed.concat()).expect("writes");
    // The key holder rewrites entry 3 (hides the purpose of an open) and re-signs everything.
    let mut v = f.closed.clone();
    v[3] = v[3].replace("prosecution.trial", "prosecution.appeal");
    let forged = rechain(&v, &key());
    std::fs::write(&path, forged.concat()).expect("writes");
    verify(&path, &key().verifying_key(), &[]).expect("the key holder CAN forge a copy that verifies alone");
    let err = verify(&path, &key().verifying_key(), std::slice::from_ref(&f.anchor8)).expect_err("anchor");
    assert!(matches!(err, Error::AuditTampered { entry: 7, .. }), "{err}");
}

#[test]
fn c_key_and_file_rewrite_is_bounded_by_pin_and_anchor() {
    let f = fixture();
    let path = log_path(f.dir.path());
    // After the pin (entry 6 of the unsealed tail), re-signed: the open cannot tell.
    let mut v = f.lines.clone();
    v[6] = v[6].replace("\"id\":\"anna\"", "\"id\":\"mallory\"");
    std::fs::write(&path, rechain(&v, &key()).concat()).expect("writes");
    drop(open_with_pin(f.dir.path(), Some(f.pin4)).expect("CAN rewrite after the pin"));
    // Before the pin (entry 3), re-signed: the pinned checkpoint no longer matches.
    let mut v = f.lines.clone();
    v[3] = v[3].replace("prosecution.trial", "prosecution.appeal");
    let bytes = rechain(&v, &key()).concat();
    std::fs::write(&path, &bytes).expect("writes");
    let err = open_with_pin(f.dir.path(), Some(f.pin4)).expect_err("cannot rewrite before the pin");
    assert!(matches!(err, Error::AuditTampered { entry: 4, .. }), "{err}");
    assert_eq!(std::fs::read_to_string(&path).expect("reads"), bytes);
    // And an anchor catches it whatever the keyring says.
    let mut v = f.closed.clone();
    v[3] = v[3].replace("prosecution.trial", "prosecution.appeal");
    std::fs::write(&path, rechain(&v, &key()).concat()).expect("writes");
    let err = verify(&path, &key().verifying_key(), std::slice::from_ref(&f.anchor8)).expect_err("anchor");
    assert!(matches!(err, Error::AuditTampered { .. }), "{err}");
}

#[test]
fn d_rollback_of_keyring_and_log_is_caught_by_an_anchor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let open = || open_custodian(dir.path(), clock(), None);
    let cust = open().expect("opens");
    cust.generate_key(&anna(), custodia::KeyKind::Kek, "before").expect("key");
    drop(cust);
    let backup: Vec<(std::path::PathBuf, Vec<u8>)> = ["keyring.cdk", custodia::audit::LOG_FILE_NAME]
        .iter()
        .map(|n| (dir.path().join(n), std::fs::read(dir.path().join(n)).expect("reads")))
        .collect();

    let cust = open().expect("opens");
    cust.generate_key(&anna(), custodia::KeyKind::Kek, "after").expect("key");
    let anchor = cust.audit_log().checkpoint().expect("anchor handed to another authority");
    let audit_key = cust.audit_log().verifying_key();
    drop(cust);

    for (p, bytes) in &backup {
        std::fs::write(p, bytes).expect("rolls back");
    }
    drop(open().expect("a consistent rollback of both files CAN go unnoticed locally"));
    let err = verify(&log_path(dir.path()), &audit_key, &[anchor]).expect_err("the anchor catches it");
    assert!(matches!(err, Error::AuditTampered { .. }), "{err}");
}

#[test]
fn a_v1_log_is_refused_with_a_typed_error_and_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let v1 = format!(
        "{{\"seq\":0,\"time\":{T0},\"kind\":\"genesis\",\"outcome\":{{\"status\":\"ok\"}},\"detail\":{{\"audit_key\":\"{}\",\
         \"format\":\"custodia-audit/1\",\"log_id\":\"{}\"}},\"prev\":\"{}\",\"hash\":\"{}\"}}\n",
        hex(&key().verifying_key().to_bytes()),
        "ab".repeat(16),
        "0".repeat(64),
        "1".repeat(64)
    );
    let path = log_path(dir.path());
    std::fs::write(&path, &v1).expect("writes");
    let err = verify(&path, &key().verifying_key(), &[]).expect_err("v1");
    assert!(matches!(&err, Error::AuditUnsupportedFormat(f) if f == "custodia-audit/1"), "{err}");
    assert_eq!(err.code(), 504);
    let err = AuditLog::open(dir.path(), key(), options(clock())).expect_err("v1");
    assert!(matches!(&err, Error::AuditUnsupportedFormat(_)), "{err}");
    assert_eq!(std::fs::read_to_string(&path).expect("reads"), v1);
}

#[test]
fn a_second_writer_shares_the_log_instead_of_being_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let open = || open_custodian(dir.path(), clock(), None);
    let first = open().expect("opens");
    let second = open().expect("a second custodian on the directory opens (no InUse any more)");
    let key = first.audit_public_key().expect("key");
    assert_eq!(second.audit_public_key().expect("key"), key, "one audit key, one log");
    // But a writer with another audit key is still refused: the log is not its own.
    let err = AuditLog::open(dir.path(), other_key(), AuditOptions::default()).expect_err("wrong key");
    assert!(matches!(err, Error::AuditWrongKey { .. }), "{err}");
    first.close().expect("closes");
    second.close().expect("closes");
    verify(&log_path(dir.path()), &custodia::audit::parse_audit_key(&key).expect("key"), &[]).expect("verifies");
}

#[test]
fn the_audit_directory_must_exist() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("typo").join("audit");
    let err = AuditLog::open(&missing, key(), options(clock())).expect_err("no directory");
    assert!(matches!(&err, Error::Io(e) if e.kind() == std::io::ErrorKind::NotFound), "{err}");
    assert!(!missing.exists() && !dir.path().join("typo").exists(), "nothing is created");
}

const UMASK_CHILD: &str = "CUSTODIA_AUDIT_UMASK_CHILD_DIR";

/// Child mode for the permission test: runs under `umask 022` set by the parent's shell.
#[test]
fn umask_child() {
    let Ok(dir) = std::env::var(UMASK_CHILD) else { return };
    let dir = Path::new(&dir);
    std::fs::create_dir(dir.join("log")).expect("mkdir");
    drop(AuditLog::open(&dir.join("log"), key(), options(clock())).expect("creates a log"));
    std::fs::create_dir(dir.join("custodian")).expect("mkdir");
    drop(open_custodian(&dir.join("custodian"), clock(), None).expect("creates a custodian"));
}

#[test]
fn logs_are_created_0600_and_group_or_world_writable_files_are_refused() {
    use std::os::unix::fs::PermissionsExt as _;
    if std::env::var(UMASK_CHILD).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = std::env::current_exe().expect("test binary");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 022 && exec \"$0\" umask_child --exact --test-threads=1 --quiet")
        .arg(&exe)
        .env(UMASK_CHILD, dir.path())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("runs the child");
    assert!(status.success());
    let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    let log = dir.path().join("log").join(custodia::audit::LOG_FILE_NAME);
    let cust_log = dir.path().join("custodian").join(custodia::audit::LOG_FILE_NAME);
    assert_eq!(mode(&log), 0o600, "audit.log under umask 022");
    assert_eq!(mode(&cust_log), 0o600, "the custodian's audit.log under umask 022");

    for m in [0o620, 0o602, 0o664] {
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(m)).expect("chmod");
        let err = AuditLog::open(&dir.path().join("log"), key(), options(clock())).expect_err("writable by others");
        assert!(matches!(&err, Error::InsecurePermissions { mode, .. } if *mode == m), "{err}");
        assert_eq!(err.code(), 903);
        let err = verify(&log, &key().verifying_key(), &[]);
        assert!(err.is_ok(), "verifying only reads: {err:?}");
    }
    let open = || open_custodian(&dir.path().join("custodian"), clock(), None);
    std::fs::set_permissions(&cust_log, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    assert!(matches!(open(), Err(Error::InsecurePermissions { .. })));
    std::fs::set_permissions(&cust_log, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let keyring = dir.path().join("custodian").join("keyring.cdk");
    std::fs::set_permissions(&keyring, std::fs::Permissions::from_mode(0o660)).expect("chmod");
    assert!(matches!(open(), Err(Error::InsecurePermissions { .. })));
    std::fs::set_permissions(&keyring, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    drop(open().expect("private again: opens"));
}
