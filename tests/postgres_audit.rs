//! The audit log on PostgreSQL (feature `postgres`, docs/AUDIT.md "On PostgreSQL"): every test starts its own
//! cluster (custodia-testkit), installs the schema as the superuser and appends as an application role that may
//! only read and insert. Each guarantee the docs state is attacked here: the database refuses updates and deletes
//! from the application; a superuser's edits, deletions and reorderings are caught by verify; threads and processes
//! append to one gapless chain, and a writer killed mid-run loses nothing anyone was told was written.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use custodia::audit::{AuditEvent, AuditLog, AuditOptions, Durability, EventKind, SigningKey, verify_postgres};
use custodia::postgres::{PgConfig, install_schema};
use custodia::{
    Actor, CaseRef, Category, Classification, Custodian, CustodianOptions, Error, Jurisdiction, KeyKind, OpenRequest,
    Purpose, PurposeSet, SealOptions, Sensitive, Unlock,
};
use custodia_testkit::PgCluster;

const APP: &str = "custodia_app";
/// Set in a child process: the connection string it appends through.
const CHILD: &str = "CUSTODIA_PGAUDIT_CHILD";

struct Db {
    pg: PgCluster,
    app: PgConfig,
}

impl Db {
    fn start() -> Self {
        let pg = PgCluster::start().expect("a PostgreSQL cluster (scripts/install-deps.sh)");
        pg.psql("postgres", &format!("CREATE ROLE {APP} LOGIN")).expect("app role");
        let admin = PgConfig::new(&pg.admin_url()).expect("admin config");
        install_schema(&admin, APP).expect("schema");
        install_schema(&admin, APP).expect("installing again changes nothing");
        let app = PgConfig::new(&pg.url(APP, "postgres")).expect("app config");
        Self { pg, app }
    }

    /// Run SQL as the superuser with the append-only triggers switched off for the session: what someone who
    /// owns the database server can do.
    fn tamper(&self, sql: &str) {
        self.pg
            .psql("postgres", &format!("SET session_replication_role = replica; {sql}"))
            .unwrap_or_else(|e| panic!("{e}\n{}", self.pg.server_log()));
    }

    fn app_client(&self) -> postgres::Client {
        postgres::Config::new()
            .host_path(self.pg.socket_dir())
            .port(self.pg.port())
            .user(APP)
            .dbname("postgres")
            .connect(postgres::NoTls)
            .expect("app connects")
    }
}

fn key() -> SigningKey {
    SigningKey::from_bytes([7; 32])
}

fn open(db: &Db, options: AuditOptions) -> AuditLog {
    AuditLog::open_postgres(&db.app, key(), options).expect("opens").0
}

fn verify(db: &Db, anchors: &[custodia::audit::Anchor]) -> custodia::Result<custodia::audit::VerifyReport> {
    verify_postgres(&db.app, &key().verifying_key(), anchors)
}

fn sealed(tag: &str) -> AuditEvent {
    AuditEvent::new(EventKind::Sealed).detail("tag", tag)
}

/// A log of genesis, creation checkpoint and `n` sealed entries (seq 2..2+n), closed (one more checkpoint).
fn log_with(db: &Db, n: usize) {
    let log = open(db, AuditOptions::default().checkpoint_every(0));
    for i in 0..n {
        assert_eq!(log.append(&sealed(&i.to_string())).expect("appends"), 2 + i as u64);
    }
    log.close().expect("closes");
}

fn tampered_at(r: custodia::Result<custodia::audit::VerifyReport>) -> u64 {
    match r {
        Err(Error::AuditTampered { entry, .. }) => entry,
        other => panic!("expected AuditTampered, got {other:?}"),
    }
}

#[test]
fn the_app_role_cannot_update_delete_or_truncate() {
    let db = Db::start();
    log_with(&db, 3);
    let mut c = db.app_client();
    for sql in [
        "UPDATE custodia.audit_entries SET line = 'x' WHERE seq = 2",
        "DELETE FROM custodia.audit_entries WHERE seq = 4",
        "TRUNCATE custodia.audit_entries",
        "DELETE FROM custodia.audit_head",
        "TRUNCATE custodia.audit_head",
        "UPDATE custodia.audit_head SET log_id = '\\x00000000000000000000000000000000'",
        "UPDATE custodia.audit_head SET next_seq = 2",
        "DROP TABLE custodia.audit_entries",
        "ALTER TABLE custodia.audit_entries DISABLE TRIGGER audit_entries_immutable",
    ] {
        let err = c.batch_execute(sql).expect_err(sql);
        assert!(err.as_db_error().is_some(), "{sql}: refused by the database, not the client: {err}");
    }
    // Not even the owner changes an entry while the triggers stand.
    assert!(db.pg.psql("postgres", "UPDATE custodia.audit_entries SET line = 'x' WHERE seq = 2").is_err());
    assert!(db.pg.psql("postgres", "DELETE FROM custodia.audit_entries WHERE seq = 4").is_err());
    assert!(db.pg.psql("postgres", "TRUNCATE custodia.audit_entries").is_err());
    let r = verify(&db, &[]).expect("still verifies");
    assert_eq!((r.entries, r.checkpoints, r.unsealed_tail), (6, 2, 0));
}

#[test]
fn a_superuser_edit_is_caught() {
    let db = Db::start();
    log_with(&db, 4);
    db.tamper("UPDATE custodia.audit_entries SET line = replace(line, '\"tag\":\"1\"', '\"tag\":\"9\"') WHERE seq = 3");
    assert_eq!(tampered_at(verify(&db, &[])), 3);
    // Opening verifies from the last checkpoint (and the entry it covers) on, so an edit there stops the open too.
    let log = open(&db, AuditOptions::default().checkpoint_every(0));
    log.append(&sealed("after")).expect("appends");
    drop(log);
    let seq: u64 =
        db.pg.psql("postgres", "SELECT max(seq) FROM custodia.audit_entries").expect("max").trim().parse().expect("n");
    db.tamper(&format!(
        "UPDATE custodia.audit_entries SET line = replace(line, '\"tag\":\"after\"', '\"tag\":\"other\"') WHERE seq = {}",
        seq - 1
    ));
    let err = AuditLog::open_postgres(&db.app, key(), AuditOptions::default()).expect_err("refused");
    assert!(matches!(err, Error::AuditTampered { .. }), "{err}");
}

#[test]
fn a_deleted_middle_row_is_caught() {
    let db = Db::start();
    log_with(&db, 4);
    db.tamper("DELETE FROM custodia.audit_entries WHERE seq = 3");
    let Err(Error::AuditTampered { entry, reason }) = verify(&db, &[]) else { panic!("not caught") };
    assert_eq!(entry, 3);
    assert!(reason.contains("deleted"), "{reason}");
}

#[test]
fn swapped_rows_are_caught() {
    let db = Db::start();
    log_with(&db, 4);
    db.tamper(
        "UPDATE custodia.audit_entries SET seq = 1000 WHERE seq = 3; \
         UPDATE custodia.audit_entries SET seq = 3 WHERE seq = 4; \
         UPDATE custodia.audit_entries SET seq = 4 WHERE seq = 1000",
    );
    assert_eq!(tampered_at(verify(&db, &[])), 3);
}

#[test]
fn a_deleted_tail_is_caught_by_the_head_row_and_by_an_anchor() {
    let db = Db::start();
    let log = open(&db, AuditOptions::default().checkpoint_every(0));
    for i in 0..3 {
        log.append(&sealed(&i.to_string())).expect("appends");
    }
    let early = log.checkpoint().expect("checkpoint at entry 5");
    for i in 3..6 {
        log.append(&sealed(&i.to_string())).expect("appends");
    }
    let anchor = log.checkpoint().expect("checkpoint at entry 9");
    assert_eq!((early.count(), anchor.count()), (5, 9));
    verify(&db, &[early.clone(), anchor.clone()]).expect("verifies");

    // Cut everything after the early checkpoint: the head row no longer agrees.
    db.tamper("DELETE FROM custodia.audit_entries WHERE seq > 5");
    let Err(Error::AuditTampered { reason, .. }) = verify(&db, &[]) else { panic!("not caught") };
    assert!(reason.contains("head row"), "{reason}");
    // A careful attacker moves the head row back too (the hash is the last line's own): only the anchor held
    // outside the database tells.
    db.tamper(
        "UPDATE custodia.audit_head SET next_seq = 6, since_checkpoint = 0, checkpoint_seq = 5, \
         head = (SELECT decode(substring(line from '\"hash\":\"([0-9a-f]{64})\"'), 'hex') \
                 FROM custodia.audit_entries WHERE seq = 5)",
    );
    verify(&db, &[early]).expect("consistent with the early anchor: the cut is invisible without the later one");
    let Err(Error::AuditTampered { reason, .. }) = verify(&db, std::slice::from_ref(&anchor)) else {
        panic!("not caught")
    };
    assert!(reason.contains("truncated"), "{reason}");
    // And the writer that saw entry 9 will not append after the cut.
    let err = log.append(&sealed("after the cut")).expect_err("refused");
    assert!(matches!(&err, Error::AuditTampered { reason, .. } if reason.contains("cut")), "{err}");
}

#[test]
fn a_head_row_that_disagrees_is_caught_and_not_chained_onto() {
    let db = Db::start();
    let log = open(&db, AuditOptions::default());
    log.append(&sealed("a")).expect("appends");
    db.tamper(
        "UPDATE custodia.audit_head SET head = '\\x0000000000000000000000000000000000000000000000000000000000000000'",
    );
    let Err(Error::AuditTampered { reason, .. }) = verify(&db, &[]) else { panic!("not caught") };
    assert!(reason.contains("head row"), "{reason}");
    let err = log.append(&sealed("b")).expect_err("refused");
    assert!(matches!(err, Error::AuditTampered { .. }), "{err}");
    assert!(matches!(log.append(&sealed("c")), Err(Error::AuditWrite(_))), "poisoned");
    assert!(AuditLog::open_postgres(&db.app, key(), AuditOptions::default()).is_err(), "open refuses it too");
}

#[test]
fn another_key_and_a_missing_log() {
    let db = Db::start();
    let err = AuditLog::open_postgres(&db.app, key(), AuditOptions::default().create(false)).expect_err("no log");
    assert!(matches!(err, Error::Io(_)), "{err}");
    log_with(&db, 1);
    let err = AuditLog::open_postgres(&db.app, SigningKey::from_bytes([8; 32]), AuditOptions::default())
        .expect_err("another key");
    assert!(matches!(err, Error::AuditWrongKey { .. }), "{err}");
    let err = verify_postgres(&db.app, &SigningKey::from_bytes([8; 32]).verifying_key(), &[]).expect_err("wrong key");
    assert!(matches!(err, Error::AuditWrongKey { .. }), "{err}");
    // A database that is not there: a typed error, nothing acknowledged.
    let gone = PgConfig::new(&format!("host={} port=1 user={APP} dbname=postgres", db.pg.socket_dir().display()))
        .expect("config");
    assert!(matches!(AuditLog::open_postgres(&gone, key(), AuditOptions::default()), Err(Error::AuditWrite(_))));
}

#[test]
fn connection_loss_fails_the_append_and_the_next_one_reconnects() {
    let db = Db::start();
    let log = open(&db, AuditOptions::default());
    let before = log.append(&sealed("before")).expect("appends");
    db.pg
        .psql("postgres", &format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{APP}'"))
        .expect("terminates");
    // The first append after the loss may fail (AuditWrite, nothing acknowledged) or already reconnect; a later one
    // succeeds and continues the chain without a gap.
    let mut acked = vec![before];
    for i in 0..3 {
        match log.append(&sealed(&format!("after{i}"))) {
            Ok(s) => acked.push(s),
            Err(Error::AuditWrite(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert!(acked.len() >= 3);
    log.close().expect("closes");
    let r = verify(&db, &[]).expect("verifies");
    assert!(acked.iter().all(|s| *s < r.entries));
}

/// Every acknowledged `(seq, tag)` must be in the log exactly once, at that seq.
fn check_acknowledged(db: &Db, acked: &BTreeMap<u64, String>) {
    let r = verify(db, &[]).expect("verifies");
    let log = open(db, AuditOptions::default());
    let mut seen: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for e in log.entries().expect("entries") {
        let e = e.expect("entry");
        if let Some(tag) = e.event.detail.get("tag") {
            seen.entry(tag.clone()).or_default().push(e.seq);
        }
    }
    for (seq, tag) in acked {
        assert_eq!(seen.get(tag), Some(&vec![*seq]), "acknowledged {tag} at {seq}; the log has {:?}", seen.get(tag));
    }
    assert!(r.entries > acked.keys().max().copied().unwrap_or(0));
}

#[test]
fn threads_share_transactions_and_one_gapless_chain() {
    let db = Db::start();
    let o = AuditOptions::default()
        .checkpoint_every(7)
        .durability(Durability::GroupCommit { max_batch: 8, max_delay: Duration::from_millis(1) });
    let log = Arc::new(open(&db, o));
    let handles: Vec<_> = (0..6)
        .map(|t| {
            let log = log.clone();
            std::thread::spawn(move || {
                (0..40)
                    .map(|i| {
                        let tag = format!("t{t}-{i}");
                        (log.append(&sealed(&tag)).expect("appends"), tag)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut acked = BTreeMap::new();
    for h in handles {
        for (seq, tag) in h.join().expect("thread") {
            assert!(acked.insert(seq, tag).is_none(), "seq {seq} handed out twice");
        }
    }
    assert_eq!(acked.len(), 240);
    log.close().expect("closes");
    check_acknowledged(&db, &acked);
    let r = verify(&db, &[]).expect("verifies");
    assert!(r.checkpoints >= 240 / 7, "the cadence counts every writer's entries");
}

/// The child side of the multi-process tests: append `n` events on `threads` threads and print `ack <seq> <tag>`
/// for each once it is acknowledged. A no-op when not started as a child.
#[test]
fn child_writer() {
    let Ok(conninfo) = std::env::var(CHILD) else { return };
    let name = std::env::var("CHILD_NAME").expect("name");
    let n: usize = std::env::var("CHILD_EVENTS").expect("events").parse().expect("n");
    let config = PgConfig::new(&conninfo).expect("config");
    let o = AuditOptions::default()
        .checkpoint_every(50)
        .durability(Durability::GroupCommit { max_batch: 16, max_delay: Duration::ZERO });
    let log = Arc::new(AuditLog::open_postgres(&config, key(), o).expect("child opens").0);
    let threads: Vec<_> = (0..3)
        .map(|t| {
            let (log, name) = (log.clone(), name.clone());
            std::thread::spawn(move || {
                for i in 0..n {
                    let tag = format!("{name}-{t}-{i}");
                    let seq = log.append(&sealed(&tag)).expect("appends");
                    println!("ack {seq} {tag}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    log.close().expect("closes");
}

fn spawn_child(db: &Db, name: &str, events: usize) -> std::process::Child {
    Command::new(std::env::current_exe().expect("exe"))
        .args(["--exact", "child_writer", "--nocapture", "--test-threads=1", "--quiet"])
        .env(CHILD, db.pg.url(APP, "postgres"))
        .env("CHILD_NAME", name)
        .env("CHILD_EVENTS", events.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawns")
}

fn read_acks(child: &mut std::process::Child, acked: &mut BTreeMap<u64, String>, stop_after: Option<usize>) {
    let out = child.stdout.take().expect("stdout");
    let mut n = 0;
    for line in BufReader::new(out).lines() {
        let line = line.expect("line");
        let mut parts = line.split(' ');
        if parts.next() != Some("ack") {
            continue;
        }
        let seq: u64 = parts.next().expect("seq").parse().expect("seq");
        let tag = parts.next().expect("tag").to_owned();
        assert!(acked.insert(seq, tag).is_none(), "seq {seq} handed out twice");
        n += 1;
        if stop_after.is_some_and(|s| n >= s) {
            return;
        }
    }
}

#[test]
fn processes_append_to_one_chain() {
    if std::env::var(CHILD).is_ok() {
        return;
    }
    let db = Db::start();
    log_with(&db, 0);
    let mut children: Vec<_> = (0..4).map(|i| spawn_child(&db, &format!("p{i}"), 30)).collect();
    let mut acked = BTreeMap::new();
    for c in &mut children {
        read_acks(c, &mut acked, None);
    }
    for mut c in children {
        assert!(c.wait().expect("waits").success());
    }
    assert_eq!(acked.len(), 4 * 3 * 30);
    check_acknowledged(&db, &acked);
}

#[test]
fn a_killed_writer_leaves_the_others_and_the_log_intact() {
    if std::env::var(CHILD).is_ok() {
        return;
    }
    let db = Db::start();
    log_with(&db, 0);
    let mut victim = spawn_child(&db, "victim", 100_000);
    let mut others: Vec<_> = (0..3).map(|i| spawn_child(&db, &format!("p{i}"), 40)).collect();
    let mut acked = BTreeMap::new();
    // Once the victim has been acknowledged a few times (the others are running too), kill it mid-append.
    read_acks(&mut victim, &mut acked, Some(20));
    victim.kill().expect("SIGKILL");
    victim.wait().expect("reaped");
    for c in &mut others {
        read_acks(c, &mut acked, None);
    }
    for mut c in others {
        assert!(c.wait().expect("waits").success(), "the others carry on");
    }
    check_acknowledged(&db, &acked);
    // A writer after them all still appends.
    let log = open(&db, AuditOptions::default());
    log.append(&sealed("last")).expect("appends");
    log.close().expect("closes");
    verify(&db, &[]).expect("verifies");
}

#[test]
fn a_custodian_on_postgres_seals_opens_refuses_and_verifies() {
    let db = Db::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let options = |create| CustodianOptions { create, postgres: Some(db.app.clone()), ..CustodianOptions::default() };
    let c = Custodian::load(dir.path().join("c"), Unlock::master_key([7; 32]), options(true)).expect("loads");
    let nl = Jurisdiction::parse("NL").expect("jurisdiction");
    let jan = Actor::new("jan", "prosecutor", nl, Classification::Secret).expect("actor");
    let kek = c.generate_key(&jan, KeyKind::Kek, "team").expect("key");
    let mut so = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![kek]);
    so.case_ref = Some(CaseRef::parse("MLA-2026-0042").expect("case"));
    let env =
        c.seal(&jan, &Sensitive::new(b"IBAN NL91".to_vec(), Category::FinancialRecords), &so).expect("seals").envelope;
    let ok = c.open(&OpenRequest::new(jan.clone(), Purpose::parse("investigation").expect("p")), &env).expect("opens");
    assert_eq!(ok.data.expose_secret().as_slice(), b"IBAN NL91");
    let refused = c.open(&OpenRequest::new(jan.clone(), Purpose::parse("asset_recovery").expect("p")), &env);
    assert!(matches!(refused, Err(Error::PurposeNotPermitted { .. })));
    assert!(!dir.path().join("c").join("audit.log").exists(), "the log is in the database");
    let kinds: Vec<EventKind> = c.audit_log().entries().expect("entries").map(|e| e.expect("entry").kind()).collect();
    for k in [EventKind::KeyGenerated, EventKind::Sealed, EventKind::Opened, EventKind::Refused] {
        assert!(kinds.contains(&k), "{k} recorded");
    }
    let report = c.verify_audit(&[]).expect("verifies");
    let anchor = c.close().expect("closes");

    // A second process (here: a second load) on the same keyring appends to the same chain; the keyring's pin holds.
    let c2 = Custodian::load(dir.path().join("c"), Unlock::master_key([7; 32]), options(false)).expect("reloads");
    c2.open(&OpenRequest::new(jan, Purpose::parse("investigation").expect("p")), &env).expect("opens");
    let later = c2.verify_audit(std::slice::from_ref(&anchor)).expect("verifies against the first anchor");
    assert!(later.entries > report.entries);
    c2.close().expect("closes");
    let key = c2.audit_verifying_key();
    verify_postgres(&db.app, &key, &[anchor]).expect("verifies offline");
}

/// The Merkle checkpoints and proofs of docs/AUDIT.md §12 work on the log in PostgreSQL as on a file: an inclusion
/// bundle for one entry verifies with the audit public key alone, a consistency proof shows the log only grew, and
/// an entry a superuser edited afterwards no longer yields a proof (the tree is read through the verifying reader).
#[test]
fn merkle_checkpoints_and_proofs_over_the_postgres_log() {
    let db = Db::start();
    let log = open(&db, AuditOptions::default().checkpoint_every(0));
    for i in 0..5 {
        log.append(&sealed(&i.to_string())).expect("appends");
    }
    let first = log.checkpoint_merkle().expect("a Merkle checkpoint");
    let older = first.merkle().expect("carries the Merkle checkpoint").clone();
    let bundle = log.inclusion_bundle(3, None).expect("bundle").to_text();
    let entry = custodia::audit::verify_inclusion_bundle(&bundle, &key().verifying_key()).expect("verifies");
    assert_eq!((entry.seq, entry.event.detail.get("tag").map(String::as_str)), (3, Some("1")));
    for i in 5..9 {
        log.append(&sealed(&i.to_string())).expect("appends");
    }
    let proof = log.consistency_proof(older.size(), None).expect("consistency proof");
    proof.verify(&older, &key().verifying_key()).expect("the log only grew");
    log.close().expect("closes");

    db.tamper("UPDATE custodia.audit_entries SET line = replace(line, '\"tag\":\"1\"', '\"tag\":\"X\"') WHERE seq = 3");
    // Opening verifies from the last checkpoint on (docs/AUDIT.md §6.4), so it opens; a proof reads everything.
    let log = open(&db, AuditOptions::default());
    assert!(matches!(log.inclusion_bundle(5, None), Err(Error::AuditTampered { entry: 3, .. })));
    assert!(matches!(log.checkpoint_merkle(), Err(Error::AuditTampered { entry: 3, .. })));
    assert_eq!(tampered_at(verify(&db, &[])), 3);
}
