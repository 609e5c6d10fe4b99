//! Crash consistency and multi-process safety of the keyring file (unit tests: they write the keyring below the
//! facade, through the crate-private `Keyring::update`).
//!
//! The test binary re-executes itself as a child writer (selected by an environment variable). The parent kills
//! children at arbitrary points in a write and checks that the keyring always loads as an old or a new state.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use zeroize::Zeroizing;

use crate::keys::keyring::{KeyRecord, KeyState, SecretBytes};
use crate::keys::{KdfParams, Keyring, Unlock};
use crate::vocabulary::time::Timestamp;
use crate::vocabulary::{KeyId, KeyKind};

const MASTER: [u8; 32] = [0x42; 32];
const CHILD_DIR: &str = "CUSTODIA_TEST_KEYRING_CHILD_DIR";
const CHILD_TAG: &str = "CUSTODIA_TEST_KEYRING_CHILD_TAG";

fn record(tag: u8, n: u32) -> KeyRecord {
    let mut id = [tag; 16];
    id[..4].copy_from_slice(&n.to_be_bytes());
    KeyRecord {
        id: KeyId::from_bytes(id),
        kind: KeyKind::Kek,
        label: format!("child {tag} key {n}"),
        state: KeyState::Active,
        created: Timestamp::from_unix(u64::from(n)),
        case_ref: None,
        destroy_after: None,
        rotated_from: None,
        rotated_to: None,
        jurisdiction: None,
        authority: None,
        wrapped_by: None,
        not_before: None,
        not_after: None,
        revoked: None,
        compromised: None,
        public: None,
        secret: Some(SecretBytes::new(Zeroizing::new(vec![tag; 32]))),
    }
}

/// Not a test on its own: the body of a child process, which adds keys forever and acknowledges each on stdout.
#[test]
fn child_writer() {
    let (Ok(dir), Ok(tag)) = (std::env::var(CHILD_DIR), std::env::var(CHILD_TAG)) else { return };
    let tag: u8 = tag.parse().expect("tag");
    let limit: u32 =
        std::env::var("CUSTODIA_TEST_KEYRING_CHILD_LIMIT").ok().and_then(|l| l.parse().ok()).unwrap_or(u32::MAX);
    let mut ring = Keyring::open(Path::new(&dir), &Unlock::master_key(MASTER), KdfParams::DEFAULT).expect("open");
    for n in 0..limit {
        ring.update(|b| b.add(record(tag, n))).expect("update");
        println!("ack {n}");
    }
}

/// Whether a line of the child's output acknowledges a write. Not `starts_with`: libtest prints
/// "test child_writer ... " without a newline before the test runs, so the first acknowledgement shares its line.
fn is_ack(line: &str) -> bool {
    line.contains("ack ")
}

fn spawn_child(dir: &Path, tag: u8, limit: Option<u32>) -> std::process::Child {
    let mut cmd = Command::new(std::env::current_exe().expect("exe"));
    cmd.args(["--exact", "keys::keyring_crash::child_writer", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR, dir)
        .env(CHILD_TAG, tag.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(l) = limit {
        cmd.env("CUSTODIA_TEST_KEYRING_CHILD_LIMIT", l.to_string());
    }
    cmd.spawn().expect("spawn child")
}

#[test]
fn killed_writers_never_corrupt_the_keyring() {
    let dir = tempfile::tempdir().expect("tempdir");
    Keyring::open(dir.path(), &Unlock::master_key(MASTER), KdfParams::DEFAULT).expect("create");
    let mut committed = 0usize;
    for iteration in 0..40u32 {
        let tag = u8::try_from(iteration % 200 + 1).expect("small");
        let mut child = spawn_child(dir.path(), tag, None);
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        // Wait for a varying number of acknowledged writes, then kill the child in the middle of the next one.
        let acks_wanted = iteration % 4 + 1;
        let mut acked = 0;
        while acked < acks_wanted {
            let line = lines.next().expect("child output").expect("line");
            if is_ack(&line) {
                acked += 1;
            }
        }
        child.kill().expect("kill");
        child.wait().expect("wait");
        // The child may have acknowledged more writes before the kill landed; count those still in the pipe.
        for line in lines.map_while(Result::ok) {
            if is_ack(&line) {
                acked += 1;
            }
        }

        let ring = Keyring::open(dir.path(), &Unlock::master_key(MASTER), KdfParams::DEFAULT)
            .unwrap_or_else(|e| panic!("iteration {iteration}: keyring corrupt after kill: {e}"));
        let n = ring.keys().len();
        let acked = usize::try_from(acked).expect("small");
        assert!(
            n == committed + acked || n == committed + acked + 1,
            "iteration {iteration}: {n} keys, expected {} or {}",
            committed + acked,
            committed + acked + 1
        );
        committed = n;
    }
}

#[test]
fn concurrent_processes_lose_no_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    Keyring::open(dir.path(), &Unlock::master_key(MASTER), KdfParams::DEFAULT).expect("create");
    let children: Vec<_> = (1..=3u8).map(|tag| spawn_child(dir.path(), tag, Some(15))).collect();
    for mut c in children {
        assert!(c.wait().expect("wait").success());
    }
    let ring = Keyring::open(dir.path(), &Unlock::master_key(MASTER), KdfParams::DEFAULT).expect("open");
    assert_eq!(ring.keys().len(), 45, "every key of every process is present");
}
