//! The keyring's audit pin under concurrency: checkpoints written by many threads while others change the keyring
//! raise the pin to the last checkpoint, never lower it, lose no key, and never deadlock (the hook does not take
//! the custodian's keyring lock).

mod common;

use std::sync::Arc;

use common::*;
use custodia::audit::{AuditLog, EventKind, entries, verify};
use custodia::{Custodian, CustodianOptions, KeyKind};
use custodia::{KdfParams, Keyring, Unlock};

#[test]
fn pins_follow_checkpoints_while_threads_change_the_keyring() {
    let dir = tempfile::tempdir().expect("tempdir");
    let open = || {
        let mut o = CustodianOptions::with_clock(clock());
        o.kdf = KdfParams::DANGER_TEST_ONLY;
        o.checkpoint_every = 1; // every event is followed by a checkpoint, and so by a keyring write
        o.create = true;
        Custodian::load(dir.path(), Unlock::master_key([9; 32]), o)
    };
    let cust = Arc::new(open().expect("opens"));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let cust = Arc::clone(&cust);
            std::thread::spawn(move || {
                for i in 0..5 {
                    // Each takes the keyring lock (a key change), then appends, which checkpoints and pins.
                    cust.generate_key(&anna(), KeyKind::Kek, &format!("t{t} k{i}")).expect("key");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("joins");
    }
    let audit_key = cust.audit_log().verifying_key();
    drop(cust);

    let path = log_path(dir.path());
    verify(&path, &audit_key, &[]).expect("verifies");
    let last_checkpoint = entries(&path)
        .expect("reads")
        .map(|e| e.expect("entry"))
        .filter(|e| e.kind() == EventKind::Checkpoint)
        .last()
        .expect("a checkpoint");
    let ring = Keyring::open(dir.path(), &Unlock::master_key([9; 32]), KdfParams::DANGER_TEST_ONLY).expect("opens");
    let pin = ring.audit_pin().expect("pinned");
    assert_eq!((pin.count, pin.head), (last_checkpoint.seq, last_checkpoint.prev), "pinned at the closing checkpoint");
    assert_eq!(ring.keys().iter().filter(|k| k.kind == KeyKind::Kek).count(), 20, "no key lost");
    drop(ring);
    drop(open().expect("reopens against its pin"));
}

#[test]
fn an_audit_log_alone_opens_with_the_pin_its_hook_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let seen = Arc::new(std::sync::Mutex::new(None));
    let s = Arc::clone(&seen);
    let hook: custodia::audit::CheckpointHook = Arc::new(move |p| {
        *s.lock().expect("lock") = Some(*p);
        Ok(())
    });
    let (log, _) = AuditLog::open(dir.path(), key(), options(clock()).on_checkpoint(hook)).expect("opens");
    for e in sample_events() {
        log.append(&e).expect("appends");
    }
    log.close().expect("closes");
    drop(log);
    let pin = seen.lock().expect("lock").expect("a pin");
    assert_eq!(pin.count, 8);
    let (_log, report) = AuditLog::open(dir.path(), key(), options(clock()).expect_pin(Some(pin))).expect("opens");
    assert_eq!(report.verified_from, 8);
    assert!(!report.sealed_unclosed_tail);
}
