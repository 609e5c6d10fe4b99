//! Case keys wrapped by a real HSM key, shared by several worker processes on one directory (issue 15 §2, the
//! deployment of one machine with many processes; docs/DEPLOYMENT.md). Feature `pkcs11`; harness = false, because
//! SoftHSM2 reads `SOFTHSM2_CONF` once per process: the test makes a SoftHSM2 token in a temporary directory
//! (`custodia_testkit::SoftHsm`), runs itself again with the configuration set (the coordinator), and the
//! coordinator starts the worker processes, each with its own PKCS#11 session on the same token.
//!
//! What it tries to break:
//! - an open costs one HSM call per case and cache period in each process, not one per object;
//! - destroying the case key in one process (the coordinator) stops every worker, each of whose caches held the
//!   unwrapped case key, with no further HSM call, for every envelope of the case;
//! - a worker killed while it holds the key does not stop the others, and the audit log verifies afterwards.
//!
//! The processes synchronise through their pipes (a line each way), never by sleeping. The workers log in to the
//! token one at a time, before any of them uses it: SoftHSM2's file store rewrites `token.object` on every login,
//! and another process that reads it at that moment sees a torn file and loses the token for its lifetime
//! (`CKR_GENERAL_ERROR`; SoftHSMv2 issue #757; docs/DEPLOYMENT.md, "SoftHSM2 and several processes").

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use common::authority::{j, p};
use custodia::format::StanzaKind;
use custodia::pkcs11::{Pkcs11Config, Pkcs11Provider};
use custodia::{
    Actor, CaseKeyWrapping, CaseRef, Category, Classification, Custodian, CustodianOptions, ErrorKind, FixedClock,
    KdfParams, KeyId, KeyProvider, OpenRequest, PurposeSet, SealOptions, Sensitive, Timestamp, Unlock, Unwrapped,
};
use custodia_testkit::{SOFTHSM_MODULE, SOFTHSM_PIN, SoftHsm};

const COORDINATOR: &str = "CUSTODIA_CASE_KEYS_COORDINATOR";
const WORKER: &str = "CUSTODIA_CASE_KEYS_WORKER";
const TOKEN: &str = "cases";
const WORKERS: usize = 3;
const ENVELOPES: usize = 4;
const T0: u64 = 1_795_435_200;

fn main() {
    if let Some(dir) = std::env::var_os(WORKER) {
        worker(Path::new(&dir));
        return;
    }
    if std::env::var_os(COORDINATOR).is_some() {
        coordinator();
        println!("1 passed, 0 failed");
        return;
    }
    let hsm = SoftHsm::new(&[TOKEN]).expect("a SoftHSM2 token (scripts/install-deps.sh installs softhsm2)");
    let code = hsm.reexec(COORDINATOR).expect("run the coordinator");
    std::process::exit(code);
}

/// The token's provider, counting the unwraps this process asks of it.
struct Counted {
    hsm: Pkcs11Provider,
    unwraps: AtomicU64,
}

impl KeyProvider for Counted {
    fn name(&self) -> &str {
        self.hsm.name()
    }
    fn stanza_kind(&self) -> StanzaKind {
        self.hsm.stanza_kind()
    }
    fn holds(&self, key_id: &KeyId) -> custodia::Result<bool> {
        self.hsm.holds(key_id)
    }
    fn wrap(&self, key_id: &KeyId, data_key: &[u8; 32], aad: &[u8]) -> custodia::Result<Vec<u8>> {
        self.hsm.wrap(key_id, data_key, aad)
    }
    fn unwrap(&self, key_id: &KeyId, wrapped: &[u8], aad: &[u8]) -> custodia::Result<Unwrapped> {
        self.unwraps.fetch_add(1, Ordering::SeqCst);
        self.hsm.unwrap(key_id, wrapped, aad)
    }
}

fn token() -> Arc<Counted> {
    let hsm = Pkcs11Provider::open(&Pkcs11Config::new(SOFTHSM_MODULE, TOKEN, SOFTHSM_PIN)).expect("open the token");
    Arc::new(Counted { hsm, unwraps: AtomicU64::new(0) })
}

fn jan() -> Actor {
    Actor::new("jan", "central_authority", j("NL"), Classification::Secret).expect("actor")
}

fn case() -> CaseRef {
    CaseRef::parse("MLA-2026-0042").expect("case")
}

/// A custodian on the shared directory whose case keys the token's `kek` wraps, cached for 300 s and 1,000 uses.
fn custodian(dir: &Path, provider: &Arc<Counted>, kek: KeyId, create: bool) -> Custodian {
    let mut opts = CustodianOptions::with_clock(Arc::new(FixedClock::new(Timestamp::from_unix(T0))));
    opts.kdf = KdfParams::DANGER_TEST_ONLY;
    opts.create = create;
    let mut w = CaseKeyWrapping::new(provider.clone() as Arc<dyn KeyProvider>, kek);
    w.cache_ttl_secs = 300;
    w.cache_max_uses = 1000;
    opts.case_keys = Some(w);
    Custodian::load(dir, Unlock::master_key([4; 32]), opts).expect("load")
}

fn envelope_path(dir: &Path, n: usize) -> PathBuf {
    dir.with_extension(format!("env{n}"))
}

fn plaintext(n: usize) -> Vec<u8> {
    format!("bank records, account {n}").into_bytes()
}

struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Worker {
    fn start(dir: &Path, kek: KeyId) -> Self {
        let mut child = Command::new(std::env::current_exe().expect("exe"))
            .env(WORKER, dir)
            .env("CUSTODIA_CASE_KEYS_KEK", kek.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start a worker");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Self { child, stdin, stdout }
    }

    fn line(&mut self) -> String {
        let mut l = String::new();
        self.stdout.read_line(&mut l).expect("read a worker's line");
        l.trim_end().to_owned()
    }

    fn say(&mut self, what: &str) {
        writeln!(self.stdin, "{what}").expect("tell a worker");
        self.stdin.flush().expect("flush");
    }
}

fn coordinator() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("shared");
    let provider = token();
    let kek = provider.hsm.generate_kek("case kek").expect("a KEK on the token");
    let a = custodian(&dir, &provider, kek, true);
    let key = a.case_key(&jan(), &case(), None).expect("case key");
    for n in 0..ENVELOPES {
        let mut o = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![key]);
        o.case_ref = Some(case());
        let sealed = a.seal(&jan(), &Sensitive::new(plaintext(n), Category::FinancialRecords), &o).expect("seal");
        std::fs::write(envelope_path(&dir, n), sealed.envelope).expect("write envelope");
    }

    let mut workers = Vec::new();
    for _ in 0..WORKERS {
        // One login at a time: the next worker starts when this one holds its session.
        let mut w = Worker::start(&dir, kek);
        assert_eq!(w.line(), "logged in");
        workers.push(w);
    }
    for w in &mut workers {
        w.say("open");
        // Every worker opened every envelope twice, with one HSM unwrap.
        assert_eq!(w.line(), format!("ready opened={} unwraps=1", 2 * ENVELOPES));
    }
    // One worker dies while its cache holds the case key; the others carry on.
    let mut killed = workers.pop().expect("a worker");
    killed.child.kill().expect("kill");
    assert!(!killed.child.wait().expect("wait").success());

    a.destroy_key(&jan(), &key, "case closed, retention ended").expect("shred the case");
    for w in &mut workers {
        w.say("go");
        assert_eq!(
            w.line(),
            format!("done destroyed={ENVELOPES} unwraps=1"),
            "after the shred no worker opens anything, and none asks the HSM again"
        );
        assert!(w.child.wait().expect("wait").success());
    }
    // Nor can a custodian that starts now, with the token at hand.
    let late = custodian(&dir, &token(), kek, false);
    let envelope = std::fs::read(envelope_path(&dir, 0)).expect("envelope");
    let refused = late.open(&OpenRequest::new(jan(), p("investigation")), &envelope).expect_err("shredded");
    assert_eq!(refused.kind(), ErrorKind::KeyDestroyed);
    let report = custodia::audit::verify(a.audit_log().path(), &a.audit_verifying_key(), &[]).expect("log verifies");
    assert!(report.entries > 0);
}

fn worker(dir: &Path) {
    let kek: KeyId = std::env::var("CUSTODIA_CASE_KEYS_KEK").expect("kek").parse().expect("kek id");
    let provider = token();
    println!("logged in");
    wait_for_coordinator();
    let c = custodian(dir, &provider, kek, false);
    let request = OpenRequest::new(jan(), p("investigation"));
    let envelopes: Vec<Vec<u8>> =
        (0..ENVELOPES).map(|n| std::fs::read(envelope_path(dir, n)).expect("envelope")).collect();
    let mut opened = 0;
    for _ in 0..2 {
        for (n, e) in envelopes.iter().enumerate() {
            let o = c.open(&request, e).expect("open before the shred");
            assert_eq!(o.data.expose_secret(), &plaintext(n));
            opened += 1;
        }
    }
    println!("ready opened={opened} unwraps={}", provider.unwraps.load(Ordering::SeqCst));
    wait_for_coordinator();
    let destroyed = envelopes
        .iter()
        .filter(|e| c.open(&request, e).map_err(|e| e.kind()).err() == Some(ErrorKind::KeyDestroyed))
        .count();
    println!("done destroyed={destroyed} unwraps={}", provider.unwraps.load(Ordering::SeqCst));
}

/// Block until the coordinator writes this worker's next line.
fn wait_for_coordinator() {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).expect("wait for the coordinator");
}
