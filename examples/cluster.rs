//! Three application servers on one PostgreSQL database and one HSM (issue 15 §4; docs/DEPLOYMENT.md, "Many
//! machines"). Run it with
//!
//! ```text
//! cargo run --release --features postgres,pkcs11 --example cluster
//! ```
//!
//! It starts everything it needs and stops it: a PostgreSQL cluster in a temporary directory (Debian's `initdb`,
//! a Unix socket only) and a SoftHSM2 token in a temporary directory (`custodia-testkit`; `scripts/install-deps.sh`
//! installs both). Then it runs three server processes, each with its own directory and its own connections, sharing
//! the keyring and the audit log in the database and the case keys' wrapping key on the token. Each seals, opens the
//! others' envelopes, shares, rotates, and one shreds a case, concurrently; each prints every operation it was
//! acknowledged. One server is killed (SIGKILL) in the middle. At the end the audit log in the database verifies,
//! every acknowledged event is in it (each seal exactly once), and nobody opens the shredded case any more.
//!
//! What a server is configured with (the rest of this file is the harness):
//!
//! ```text
//! let hsm = Arc::new(Pkcs11Provider::open(&Pkcs11Config::new(module, "cluster", pin))?);
//! let mut options = CustodianOptions::default();
//! options.postgres = Some(PgConfig::new("host=/run/postgresql user=custodia_app dbname=mla")?);
//! options.case_keys = Some(CaseKeyWrapping::new(hsm, case_kek));   // case keys wrapped on the HSM, cached
//! let custodian = Custodian::load("/var/lib/custodia", Unlock::master_key(master), options)?;
//! ```

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use custodia::audit::{EventKind, verify_postgres};
use custodia::pkcs11::{Pkcs11Config, Pkcs11Provider};
use custodia::postgres::{PgConfig, install_schema};
use custodia::{
    Actor, CaseKeyWrapping, CaseRef, Category, Classification, Custodian, CustodianOptions, ErrorKind, Jurisdiction,
    KeyId, KeyKind, KeyState, OpenRequest, Purpose, PurposeSet, SealOptions, Sensitive, Unlock,
};
use custodia_testkit::{PgCluster, SOFTHSM_MODULE, SOFTHSM_PIN, SoftHsm};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const COORDINATOR: &str = "CUSTODIA_CLUSTER_COORDINATOR";
const SERVER: &str = "CUSTODIA_CLUSTER_SERVER";
const TOKEN: &str = "cluster";
const APP: &str = "custodia_app";
const SERVERS: usize = 3;
const ROUNDS: usize = 24;
/// The server that is killed, and the round after which it is.
const VICTIM: usize = 2;
const KILL_AFTER: usize = 8;
/// The server that shreds the case `MLA-2026-0003`, and the round at which it does.
const SHREDDER: usize = 0;
const SHRED_AT: usize = 12;
const MASTER: [u8; 32] = [0x2a; 32];

fn main() -> Res<()> {
    if let Ok(n) = std::env::var(SERVER) {
        return server(n.parse()?);
    }
    if std::env::var_os(COORDINATOR).is_some() {
        return coordinator();
    }
    // SoftHSM2 reads its configuration once per process: make the token, then run again with it set.
    let hsm = SoftHsm::new(&[TOKEN])?;
    std::process::exit(hsm.reexec(COORDINATOR)?);
}

fn actor(n: usize) -> Res<Actor> {
    Ok(Actor::new(&format!("officer{n}"), "central_authority", Jurisdiction::parse("NL")?, Classification::Secret)?)
}

fn case(n: usize) -> Res<CaseRef> {
    Ok(CaseRef::parse(&format!("MLA-2026-{:04}", n % 4))?)
}

fn options(pg: &PgConfig, kek: KeyId) -> Res<CustodianOptions> {
    let hsm = Arc::new(Pkcs11Provider::open(&Pkcs11Config::new(SOFTHSM_MODULE, TOKEN, SOFTHSM_PIN))?);
    Ok(CustodianOptions {
        // The server's own directory is created on first start; the shared keyring and log only by the first server.
        create: true,
        postgres: Some(pg.clone()),
        case_keys: Some(CaseKeyWrapping::new(hsm, kek)),
        ..CustodianOptions::default()
    })
}

fn coordinator() -> Res<()> {
    let started = Instant::now();
    let work = tempfile::tempdir()?;
    let pg = PgCluster::start()?;
    pg.psql("postgres", &format!("CREATE ROLE {APP} LOGIN"))?;
    install_schema(&PgConfig::new(&pg.admin_url())?, APP)?;
    let app = pg.url(APP, "postgres");
    let hsm = Pkcs11Provider::open(&Pkcs11Config::new(SOFTHSM_MODULE, TOKEN, SOFTHSM_PIN))?;
    let kek = hsm.generate_kek("case keys")?;
    let envelopes = work.path().join("envelopes");
    std::fs::create_dir(&envelopes)?;
    // The first server start creates the shared keyring and audit log; the coordinator does it here.
    let first = Custodian::load(
        work.path().join("bootstrap"),
        Unlock::master_key(MASTER),
        options(&PgConfig::new(&app)?, kek)?,
    )?;
    let audit_key = first.audit_verifying_key();
    first.close()?;
    println!(
        "PostgreSQL cluster and SoftHSM2 token up; {SERVERS} servers x {ROUNDS} rounds, server {VICTIM} killed after round {KILL_AFTER}"
    );

    // The servers log in to the token one at a time, and start work together once all have: SoftHSM2's file store
    // rewrites `token.object` on every login, and a process reading it at that moment loses the token for good
    // (SoftHSMv2 issue #757; docs/DEPLOYMENT.md, "SoftHSM2 and several processes"). A network HSM needs none of this.
    let mut children = Vec::new();
    let mut readers = Vec::new();
    for n in 0..SERVERS {
        let mut child = Command::new(std::env::current_exe()?)
            .env(SERVER, n.to_string())
            .env("CUSTODIA_CLUSTER_PG", &app)
            .env("CUSTODIA_CLUSTER_KEK", kek.to_string())
            .env("CUSTODIA_CLUSTER_DIR", work.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut reader = child.stdout.take().map(BufReader::new).ok_or("no stdout")?;
        let mut up = String::new();
        reader.read_line(&mut up)?;
        if up.trim() != "up" {
            return Err(format!("server {n} did not start: {up:?}").into());
        }
        children.push(child);
        readers.push(Some(reader));
    }
    for c in &mut children {
        writeln!(c.stdin.take().ok_or("no stdin")?, "go")?;
    }
    let mut tally = Tally::default();
    let victim = readers[VICTIM].as_mut().ok_or("no stdout")?;
    let mut line = String::new();
    loop {
        line.clear();
        if victim.read_line(&mut line)? == 0 {
            return Err("the victim ended before it was killed".into());
        }
        tally.take(VICTIM, line.trim());
        if line.trim() == format!("round {KILL_AFTER}") {
            break;
        }
    }
    children[VICTIM].kill()?;
    let killed_at = tally.per_server[VICTIM];
    for (n, r) in readers.iter_mut().enumerate() {
        let Some(r) = r else { continue };
        for l in r.lines() {
            tally.take(n, l?.trim());
        }
    }
    for (n, c) in children.iter_mut().enumerate() {
        let status = c.wait()?;
        if n != VICTIM && !status.success() {
            return Err(format!("server {n} failed: {status}").into());
        }
    }

    let Tally { acked, shredded, per_server } = tally;
    // The log verifies, with every acknowledged event in it.
    let cfg = PgConfig::new(&app)?;
    let report = verify_postgres(&cfg, &audit_key, &[])?;
    let check = Custodian::load(work.path().join("checker"), Unlock::master_key(MASTER), options(&cfg, kek)?)?;
    let mut logged: BTreeMap<(String, String), usize> = BTreeMap::new();
    for e in check.audit_log().entries()? {
        let e = e?;
        let op = match e.event.kind {
            EventKind::Sealed => "sealed",
            EventKind::Opened => "opened",
            EventKind::Shared | EventKind::Rewrapped => "shared",
            EventKind::KeyRotated => "rotated",
            EventKind::KeyDestroyed => "destroyed",
            _ => continue,
        };
        let mut ids: Vec<String> = e.event.keys.iter().map(ToString::to_string).collect();
        ids.extend(e.event.object.clone());
        for id in ids {
            *logged.entry((op.to_owned(), id)).or_default() += 1;
        }
    }
    for ((op, id), n) in &acked {
        let found = logged.get(&(op.clone(), id.clone())).copied().unwrap_or(0);
        let enough = match op.as_str() {
            "sealed" => found == 1,
            "rotated" => found == 1,
            _ => found >= *n,
        };
        if !enough {
            return Err(format!("acknowledged {op} {id} {n} time(s), logged {found}").into());
        }
    }
    // Nobody opens the shredded case any more: every envelope sealed under a destroyed key is refused, here and now
    // (a server that sealed for the case after the shred made it a new case key: those still open).
    let shredded = shredded.ok_or("no case was shredded")?;
    let destroyed: Vec<String> = acked.keys().filter(|(op, _)| op == "destroyed").map(|(_, id)| id.clone()).collect();
    let request = OpenRequest::new(actor(9)?, Purpose::parse("investigation")?);
    let (mut refused, mut opened_after) = (0, 0);
    for f in std::fs::read_dir(&envelopes)? {
        let bytes = std::fs::read(f?.path())?;
        let info = check.inspect(&bytes)?;
        let under_destroyed = info.recipients.iter().any(|k| destroyed.contains(&k.to_string()));
        match check.open(&request, &bytes) {
            Err(e) if under_destroyed && e.kind() == ErrorKind::KeyDestroyed => refused += 1,
            Ok(_) if !under_destroyed => opened_after += 1,
            other => return Err(format!("{}: {other:?}", info.object_id).into()),
        }
    }
    if refused == 0 {
        return Err("no envelope was sealed under the shredded case's keys".into());
    }
    check.close()?;
    let total: usize = acked.values().sum();
    println!("acknowledged operations: {total} (servers: {per_server:?}; server {VICTIM} killed after {killed_at})");
    println!(
        "audit log in PostgreSQL verifies: {} entries, {} checkpoints, every acknowledged event present (each seal once)",
        report.entries, report.checkpoints
    );
    println!(
        "case MLA-2026-0003 shredded ({} key(s), last {shredded}): {refused} envelopes under them refused \
         (KeyDestroyed); the other {opened_after} open",
        destroyed.len()
    );
    println!("done in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// What the servers said they were acknowledged.
#[derive(Default)]
struct Tally {
    /// (operation, object or key id) -> times acknowledged.
    acked: BTreeMap<(String, String), usize>,
    /// The last key destroyed.
    shredded: Option<String>,
    /// Acknowledged operations per server.
    per_server: [usize; SERVERS],
}

impl Tally {
    fn take(&mut self, n: usize, line: &str) {
        let mut parts = line.split_whitespace();
        if parts.next() == Some("ack") {
            let (op, id) = (parts.next().unwrap_or_default().to_owned(), parts.next().unwrap_or_default().to_owned());
            if op == "destroyed" {
                self.shredded = Some(id.clone());
            }
            *self.acked.entry((op, id)).or_default() += 1;
            self.per_server[n] += 1;
        }
    }
}

fn server(n: usize) -> Res<()> {
    let pg = PgConfig::new(&std::env::var("CUSTODIA_CLUSTER_PG")?)?;
    let kek: KeyId = std::env::var("CUSTODIA_CLUSTER_KEK")?.parse()?;
    let work = PathBuf::from(std::env::var("CUSTODIA_CLUSTER_DIR")?);
    let envelopes = work.join("envelopes");
    let c = Custodian::load(work.join(format!("server{n}")), Unlock::master_key(MASTER), options(&pg, kek)?)?;
    // Logged in to the token: tell the coordinator, and wait until every server is.
    println!("up");
    let mut go = String::new();
    std::io::stdin().read_line(&mut go)?;
    let me = actor(n)?;
    let investigation = Purpose::parse("investigation")?;
    let request = OpenRequest::new(me.clone(), investigation.clone());
    let team = c.generate_key(&me, KeyKind::Kek, &format!("server {n} team key"))?;
    for round in 0..ROUNDS {
        let case = case(round + n)?;
        // Seal 1 KiB for the case, under its case key (wrapped by the HSM key, cached).
        let key = c.case_key(&me, &case, None)?;
        let mut o = SealOptions::new(PurposeSet::parse(&["investigation"])?, vec![key]);
        o.case_ref = Some(case.clone());
        let data = Sensitive::new(vec![b'a' + u8::try_from(n)?; 1024], Category::FinancialRecords);
        let sealed = match c.seal(&me, &data, &o) {
            Ok(s) => s,
            // Another server shredded or rotated the case key since `case_key` returned it: a refusal, nothing
            // sealed; the next round takes the case's key anew.
            Err(e) if matches!(e.kind(), ErrorKind::KeyDestroyed | ErrorKind::KeyState) => {
                println!("round {round}");
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let name = format!("{}-s{n}-r{round}.env", case.as_str().replace("MLA-2026-000", "case"));
        write_atomically(&envelopes.join(&name), &sealed.envelope)?;
        println!("ack sealed {}", sealed.object_id);
        // Open what another server sealed last round, if anything; a shredded case refuses.
        if let Some(other) = newest_of_another(&envelopes, n)? {
            let envelope = std::fs::read(&other)?;
            match c.open(&request, &envelope) {
                Ok(opened) => println!("ack opened {}", opened.info.object_id),
                Err(e) if e.kind() == ErrorKind::KeyDestroyed => {}
                Err(e) => return Err(e.into()),
            }
        }
        // Share this round's envelope with the server's team key (a re-wrap through the policy gate).
        match c.rewrap(&me, &investigation, &sealed.envelope, &[], &[team]) {
            Ok(_) => println!("ack shared {}", sealed.object_id),
            // The case was shredded since the seal: its envelopes are shared with nobody any more.
            Err(e) if e.kind() == ErrorKind::KeyDestroyed => {}
            Err(e) => return Err(e.into()),
        }
        if round % 6 == 5 {
            match c.rotate(&me, &key) {
                // The successor's id: if another server rotated the case key at the same moment, both get its successor
                // (one rotation, one `key_rotated` entry).
                Ok(successor) => println!("ack rotated {successor}"),
                // Another server rotated or shredded it first: nothing to rotate.
                Err(e) if matches!(e.kind(), ErrorKind::KeyState | ErrorKind::KeyDestroyed | ErrorKind::Conflict) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if n == SHREDDER && round == SHRED_AT {
            let case3 = CaseRef::parse("MLA-2026-0003")?;
            // Every key the case has had (a rotation keeps the old one for opening).
            for info in c.keys()? {
                if info.case_ref.as_ref() == Some(&case3) && !matches!(info.state, KeyState::Destroyed { .. }) {
                    c.destroy_key(&me, &info.id, "case closed, retention ended")?;
                    println!("ack destroyed {}", info.id);
                }
            }
        }
        println!("round {round}");
    }
    c.close()?;
    Ok(())
}

/// The newest envelope another server wrote (by name order of the round), if any.
fn newest_of_another(dir: &Path, me: usize) -> Res<Option<PathBuf>> {
    let mut best: Option<(usize, PathBuf)> = None;
    for f in std::fs::read_dir(dir)? {
        let path = f?.path();
        let Some(name) = path.file_name().and_then(|s| s.to_str()).map(str::to_owned) else { continue };
        if name.ends_with(".tmp") || name.contains(&format!("-s{me}-")) {
            continue;
        }
        let round = name.rsplit("-r").next().and_then(|r| r.strip_suffix(".env")).and_then(|r| r.parse().ok());
        if let Some(round) = round
            && best.as_ref().is_none_or(|(b, _)| round > *b)
        {
            best = Some((round, path));
        }
    }
    Ok(best.map(|(_, p)| p))
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Res<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, path)?;
    Ok(())
}
