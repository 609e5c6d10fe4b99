//! Many processes, and several custodians in one process, on one directory with the embedded defaults (keyring file,
//! audit file): docs/AUDIT.md §2 and §6.3.
//!
//! The multi-process tests re-execute this test binary as workers (the ignored test `worker_process`, selected by
//! environment variables). Each worker thread writes down every operation it was acknowledged; afterwards the log
//! must verify, form one gapless chain, and hold each acknowledged event exactly once. Workers and the test
//! synchronise over pipes (a worker prints a marker on stdout and waits for a line on stdin), never on time.
//!
//! Sizes come from `CUSTODIA_MP_PROCS`, `CUSTODIA_MP_THREADS`, `CUSTODIA_MP_ITERS` (defaults 4, 3, 12) so that
//! `scripts/multiproc-stress.sh` can run a bigger campaign with the same code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout, reason = "test code")]

use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;

use custodia::audit::{Durability, parse_audit_key, verify};
use custodia::{
    Actor, CaseRef, Category, Classification, Custodian, CustodianOptions, Error, Jurisdiction, KdfParams, KeyKind,
    KeyState, Keyring, OpenRequest, Purpose, PurposeSet, SealOptions, Sensitive, Unlock,
};

const PASS: &str = "multi-process passphrase";
const DATA: &[u8] = b"account 0042: transfers of 2026-03 to the accounts named in the request";

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn durability() -> Durability {
    match std::env::var("CUSTODIA_MP_DURABILITY").as_deref() {
        Ok("os_buffered") => Durability::OsBuffered,
        Ok("group") => Durability::GroupCommit { max_batch: 8, max_delay: std::time::Duration::from_micros(200) },
        _ => Durability::FsyncEach,
    }
}

fn load(dir: &Path) -> custodia::Result<Custodian> {
    let o = CustodianOptions {
        create: true,
        kdf: KdfParams::DANGER_TEST_ONLY,
        durability: durability(),
        // Small, so that checkpoints (and the keyring's pin) are written by every process, many times.
        checkpoint_every: 7,
        ..CustodianOptions::default()
    };
    Custodian::load(dir, Unlock::passphrase(PASS), o)
}

fn j(s: &str) -> Jurisdiction {
    Jurisdiction::parse(s).expect("jurisdiction")
}

fn actor(id: &str, jur: &str) -> Actor {
    Actor::new(id, "analyst", j(jur), Classification::Secret).expect("actor")
}

fn seal_options(kek: custodia::KeyId, case: &CaseRef) -> SealOptions {
    let mut o = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![kek]);
    o.case_ref = Some(case.clone());
    o.destinations = vec![j("DE")];
    o
}

/// Errors another worker's concurrent rotation or destruction can cause; anything else fails the worker.
fn expected_refusal(e: &Error) -> bool {
    matches!(e, Error::KeyState { .. } | Error::KeyDestroyed { .. } | Error::KeyNotFound(_) | Error::OpenFailed)
}

/// One iteration of one worker thread: case key, seal, open, sometimes rotate, sometimes shred. Every acknowledged
/// operation is written to `acks` (one line each) before the next starts.
fn operate(c: &Custodian, who: &str, t: usize, i: usize, acks: &mut fs::File) {
    let sealer = actor(who, "NL");
    let reader = actor(who, "DE");
    let case = CaseRef::parse(&format!("MP-{}", (i + t) % 3)).expect("case");
    let mut ack = |line: String| {
        acks.write_all(format!("{line}\n").as_bytes()).expect("ack");
    };
    let kek = match c.case_key(&sealer, &case, None) {
        Ok(k) => k,
        Err(e) => panic!("case key: {e}"),
    };
    match c.seal(&sealer, &Sensitive::new(DATA.to_vec(), Category::FinancialRecords), &seal_options(kek, &case)) {
        Ok(s) => {
            ack(format!("sealed {} {who}", s.object_id));
            let req = OpenRequest::new(reader.clone(), Purpose::parse("investigation").expect("purpose"));
            match c.open(&req, &s.envelope) {
                Ok(o) => {
                    assert_eq!(o.data.expose_secret().as_slice(), DATA);
                    ack(format!("opened {} {who}", s.object_id));
                }
                Err(e) if expected_refusal(&e) => {}
                Err(e) => panic!("open: {e}"),
            }
        }
        Err(e) if expected_refusal(&e) => {}
        Err(e) => panic!("seal: {e}"),
    }
    if i % 3 == 1 {
        match c.rotate(&sealer, &kek) {
            Ok(new) => ack(format!("rotated {new} {who}")),
            Err(e) if expected_refusal(&e) => {}
            Err(e) => panic!("rotate: {e}"),
        }
    }
    if i % 4 == 3 {
        match c.destroy_key(&sealer, &kek, "retention period ended") {
            Ok(cert) => ack(format!("erased {kek} {} {who}", cert.seq())),
            Err(e) if expected_refusal(&e) => {}
            Err(e) => panic!("destroy: {e}"),
        }
    }
}

fn run_threads(c: &Arc<Custodian>, p: &str, threads: usize, iters: std::ops::Range<usize>, acks: &Path) {
    std::thread::scope(|s| {
        for t in 0..threads {
            let c = c.clone();
            let iters = iters.clone();
            s.spawn(move || {
                let who = format!("{p}t{t}");
                let mut f =
                    OpenOptions::new().create(true).append(true).open(acks.join(format!("{who}.acks"))).expect("acks");
                for i in iters {
                    operate(&c, &who, t, i, &mut f);
                }
            });
        }
    });
}

/// Entry point of the worker processes (does nothing unless started by a test below with its variables).
#[test]
#[ignore = "run by the multi-process tests as a child process"]
fn worker_process() {
    let Ok(dir) = std::env::var("CUSTODIA_MP_DIR") else { return };
    let dir = PathBuf::from(dir);
    let acks = PathBuf::from(std::env::var("CUSTODIA_MP_ACKS").expect("acks dir"));
    let p = std::env::var("CUSTODIA_MP_ID").expect("id");
    let threads = env_num("CUSTODIA_MP_THREADS", 3);
    let iters = env_num("CUSTODIA_MP_ITERS", 12);
    let c = Arc::new(load(&dir).expect("a worker loads the shared directory"));
    if std::env::var("CUSTODIA_MP_VICTIM").is_ok() {
        // Appends until killed; says so once it has appended for a while.
        run_threads(&c, &p, threads, 0..2, &acks);
        println!("MP-READY");
        std::io::stdout().flush().expect("stdout");
        let mut i = 2;
        loop {
            run_threads(&c, &p, threads, i..i + 1, &acks);
            i += 1;
        }
    }
    let half = iters / 2;
    run_threads(&c, &p, threads, 0..half, &acks);
    println!("MP-HALF");
    std::io::stdout().flush().expect("stdout");
    let mut go = String::new();
    std::io::stdin().read_line(&mut go).expect("stdin");
    run_threads(&c, &p, threads, half..iters, &acks);
    c.close().expect("closes");
}

struct Worker {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

fn spawn(dir: &Path, acks: &Path, id: &str, victim: bool) -> Worker {
    let mut cmd = Command::new(std::env::current_exe().expect("test binary"));
    cmd.args(["--exact", "worker_process", "--ignored", "--nocapture", "--test-threads=1"])
        .env("CUSTODIA_MP_DIR", dir)
        .env("CUSTODIA_MP_ACKS", acks)
        .env("CUSTODIA_MP_ID", id)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    if victim {
        cmd.env("CUSTODIA_MP_VICTIM", "1");
    }
    let mut child = cmd.spawn().expect("spawns a worker");
    let stdin = child.stdin.take();
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    Worker { child, stdin, stdout }
}

impl Worker {
    /// Block until the worker prints `marker` (its own line, possibly after libtest's "test ... " prefix).
    fn wait_for(&mut self, marker: &str) {
        let mut line = String::new();
        loop {
            line.clear();
            let n = self.stdout.read_line(&mut line).expect("reads the worker");
            assert!(n > 0, "the worker exited before printing {marker}");
            if line.contains(marker) {
                return;
            }
        }
    }

    fn go(&mut self) {
        self.stdin.as_mut().expect("stdin").write_all(b"go\n").expect("go");
    }

    fn finish(mut self) {
        drop(self.stdin.take());
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut self.stdout, &mut rest);
        let status = self.child.wait().expect("waits");
        assert!(status.success(), "a worker failed: {status}\n{rest}");
    }
}

/// What the log holds, keyed as the workers' acknowledgements are.
fn log_index(path: &Path) -> (HashMap<String, usize>, Vec<serde_json::Value>) {
    let text = fs::read_to_string(path).expect("log");
    let mut index = HashMap::new();
    let mut entries = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let e: serde_json::Value = serde_json::from_str(line).expect("an entry");
        assert_eq!(e["seq"].as_u64(), Some(n as u64), "one gapless chain");
        let ok = e["outcome"]["status"] == "ok";
        let who = e["actor"]["id"].as_str().unwrap_or("");
        let keys: Vec<&str> =
            e["keys"].as_array().map(|a| a.iter().filter_map(|k| k.as_str()).collect()).unwrap_or_default();
        let mut add = |k: String| *index.entry(k).or_insert(0) += 1;
        match e["kind"].as_str().expect("kind") {
            "sealed" if ok => add(format!("sealed {} {who}", e["object"].as_str().expect("object"))),
            "opened" if ok => add(format!("opened {} {who}", e["object"].as_str().expect("object"))),
            "key_rotated" if ok => add(format!("rotated {} {who}", keys[0])),
            "key_destroyed" if ok => add(format!("destroyed {} {who}", keys[0])),
            "erasure" => add(format!("erasure {} {}", keys[0], e["seq"])),
            _ => {}
        }
        entries.push(e);
    }
    (index, entries)
}

/// Check the directory after the workers: the log verifies, every acknowledged event is in it exactly once, every
/// acknowledged destruction still holds in the keyring, and no case ended up with two active keys.
fn check(dir: &Path, acks: &Path) -> (usize, Vec<serde_json::Value>) {
    // The keyring's pin, raised by every process's checkpoints in whatever order their hooks ran, is the last
    // checkpoint in the file (the last writer to close wrote it): it only moved forward.
    let pin = Keyring::open(dir, &Unlock::passphrase(PASS), KdfParams::DANGER_TEST_ONLY).expect("keyring").audit_pin();
    let (_, before) = log_index(&dir.join("audit.log"));
    let last_checkpoint = before.iter().rev().find(|e| e["kind"] == "checkpoint").expect("a checkpoint");
    assert_eq!(pin.map(|p| p.count), last_checkpoint["seq"].as_u64(), "the pin is at the last checkpoint");
    let c = load(dir).expect("loads after the workers");
    let key = parse_audit_key(&c.audit_public_key().expect("key")).expect("audit key");
    let report = verify(&dir.join("audit.log"), &key, &[]).expect("the shared log verifies");
    let (index, entries) = log_index(&dir.join("audit.log"));
    assert_eq!(report.entries, entries.len() as u64);
    let keys = c.keys().expect("keys");
    let mut acked = 0;
    for f in fs::read_dir(acks).expect("acks") {
        let text = fs::read_to_string(f.expect("entry").path()).expect("acks");
        for line in text.lines() {
            let w: Vec<&str> = line.split(' ').collect();
            let once = |k: &str| assert_eq!(index.get(k).copied(), Some(1), "acknowledged once: {k}");
            match w[0] {
                "erased" => {
                    once(&format!("erasure {} {}", w[1], w[2]));
                    once(&format!("destroyed {} {}", w[1], w[3]));
                    let k = keys.iter().find(|k| k.id.to_string() == w[1]).expect("the key");
                    assert!(matches!(k.state, KeyState::Destroyed { .. }), "a destruction stays: {line}");
                }
                _ => once(line),
            }
            acked += 1;
        }
    }
    let mut active = HashMap::new();
    for k in keys.iter().filter(|k| k.kind == KeyKind::Kek && k.state == KeyState::Active) {
        if let Some(case) = &k.case_ref {
            assert!(active.insert(case.to_string(), k.id).is_none(), "two active keys for case {case}");
        }
    }
    c.close().expect("closes");
    (acked, entries)
}

fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("custodian");
    let acks = root.path().join("acks");
    fs::create_dir(&acks).expect("acks dir");
    load(&dir).expect("creates").close().expect("closes");
    (root, dir, acks)
}

#[test]
fn processes_and_threads_share_one_directory_and_one_chain() {
    let (_root, dir, acks) = setup();
    let procs = env_num("CUSTODIA_MP_PROCS", 4);
    let mut workers: Vec<Worker> = (0..procs).map(|p| spawn(&dir, &acks, &format!("p{p}"), false)).collect();
    for w in &mut workers {
        w.wait_for("MP-HALF");
    }
    for w in &mut workers {
        w.go();
    }
    for w in workers {
        w.finish();
    }
    let (acked, entries) = check(&dir, &acks);
    let threads = env_num("CUSTODIA_MP_THREADS", 3);
    let iters = env_num("CUSTODIA_MP_ITERS", 12);
    assert!(acked >= procs * threads * iters, "every iteration acknowledged a case key's seal or more: {acked}");
    println!(
        "{procs} processes x {threads} threads x {iters} iterations: {acked} acknowledged, {} entries",
        entries.len()
    );
    // Every process wrote into the one chain, and checkpoints were written across them.
    for p in 0..procs {
        assert!(entries.iter().any(|e| e["actor"]["id"].as_str().is_some_and(|a| a.starts_with(&format!("p{p}t")))));
    }
    assert!(entries.iter().filter(|e| e["kind"] == "checkpoint").count() > 3);
}

#[test]
fn a_process_killed_while_appending_leaves_the_others_running_and_the_log_whole() {
    let (_root, dir, acks) = setup();
    let procs = env_num("CUSTODIA_MP_PROCS", 4).max(2);
    let mut victim = spawn(&dir, &acks, "victim", true);
    let mut workers: Vec<Worker> = (1..procs).map(|p| spawn(&dir, &acks, &format!("p{p}"), false)).collect();
    victim.wait_for("MP-READY");
    for w in &mut workers {
        w.wait_for("MP-HALF");
    }
    // SIGKILL while its threads append (and rotate, and shred) in a loop.
    victim.child.kill().expect("kills");
    victim.child.wait().expect("reaped");
    // A writer killed inside `write` leaves a torn line; whether the kill above did is up to the scheduler, so tear
    // one as it would, under the writers' lock: half of a valid entry and no newline.
    let log = dir.join("audit.log");
    let torn = {
        let f = OpenOptions::new().append(true).open(&log).expect("opens");
        f.lock().expect("the writers' lock");
        let text = fs::read_to_string(&log).expect("reads");
        let last = text.lines().last().expect("a line").to_owned();
        let half = &last.as_bytes()[..last.len() / 2];
        (&f).write_all(half).expect("tears");
        // The torn tail is everything after the last newline: the half written here, after whatever part of a
        // line the killed victim may already have left there.
        let bytes = fs::read(&log).expect("reads");
        bytes.len() - bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
    };
    for w in &mut workers {
        w.go();
    }
    for w in workers {
        w.finish();
    }
    let (_, entries) = check(&dir, &acks);
    let torn = torn.to_string();
    let cut = |e: &serde_json::Value| e["detail"]["truncated_bytes"].as_str() == Some(torn.as_str());
    let recoveries: Vec<_> = entries.iter().filter(|e| e["kind"] == "recovery").collect();
    assert!(recoveries.iter().any(|e| cut(e)), "the next appender cut the torn line and recorded it: {recoveries:?}");
    // The recovery is sealed by a checkpoint right after it, as on open.
    let at = entries.iter().position(cut).expect("recovery");
    assert_eq!(entries[at + 1]["kind"], "checkpoint");
}

#[test]
fn two_custodians_in_one_process_see_each_others_changes() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("custodian");
    let a = load(&dir).expect("first");
    let b = load(&dir).expect("a second custodian on the same directory");
    let anna = actor("anna", "NL");
    let case = CaseRef::parse("MP-SHARED").expect("case");
    let kek = a.case_key(&anna, &case, None).expect("key");
    assert_eq!(b.case_key(&anna, &case, None).expect("the same key"), kek, "b sees a's case key");
    let sealed = b.seal(&anna, &Sensitive::new(DATA.to_vec(), Category::FinancialRecords), &seal_options(kek, &case));
    let sealed = sealed.expect("b seals with a's key");
    let req = OpenRequest::new(actor("anna", "DE"), Purpose::parse("investigation").expect("purpose"));
    assert_eq!(a.open(&req, &sealed.envelope).expect("a opens").data.expose_secret().as_slice(), DATA);
    // A legal hold placed by b stops a's shredding; released by b, a shreds, and b opens nothing more.
    b.place_legal_hold(&anna, &case, "ORDER-7", "appeal pending").expect("hold");
    assert!(matches!(a.destroy_key(&anna, &kek, "retention period ended"), Err(Error::LegalHold { .. })));
    b.release_legal_hold(&anna, &case).expect("release");
    a.destroy_key(&anna, &kek, "retention period ended").expect("a shreds");
    assert!(b.open(&req, &sealed.envelope).is_err(), "b cannot open after a's shredding");
    // b may not rotate (and so revive) the key a destroyed.
    assert!(matches!(b.rotate(&anna, &kek), Err(Error::KeyState { .. } | Error::KeyDestroyed { .. })));
    a.close().expect("a closes");
    b.close().expect("b closes");
    let c = load(&dir).expect("reloads");
    let key = parse_audit_key(&c.audit_public_key().expect("key")).expect("audit key");
    verify(&dir.join("audit.log"), &key, &[]).expect("one log, both writers");
    assert!(matches!(c.key(&kek).expect("tombstone").state, KeyState::Destroyed { .. }));
}
