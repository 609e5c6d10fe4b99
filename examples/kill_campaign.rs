//! Crash consistency at scale: kills a writer process at random points, many times, and checks after each kill
//! that nothing is corrupt and nothing acknowledged is lost. Driven by `scripts/kill-campaign.sh N`; see
//! docs/FUZZING.md ("Crash consistency").
//!
//! ```text
//! cargo run --release --example kill_campaign -- <iterations> [kinds] [seed]
//! ```
//!
//! `kinds` is a comma-separated subset of `keyring,audit,rewrap` (default all three), each run for `iterations`
//! kills:
//!
//! - `keyring`: the victim generates keys and destroys every fourth one through the facade (each a keyring write
//!   and an audit append; checkpoints every 5 entries also raise the keyring's audit pin), acknowledging each on its
//!   stdout. After the kill: the custodian loads (keyring old or new state, never corrupt; the audit log opens,
//!   its torn tail recovered), the log verifies, every acknowledged key is in the keyring (destroyed if its
//!   destruction was acknowledged) and has its audit event, and at most one unacknowledged key is there.
//! - `audit`: the victim appends to an `AuditLog` under each durability policy in turn (every third iteration
//!   group commit with 4 threads, so kills land inside a group commit), acknowledging each sequence number. After
//!   the kill (and, every fourth iteration, a partial line appended as a crash inside `write` would leave it):
//!   what recovery cuts is exactly the partial last line, the log verifies, and every acknowledged sequence number
//!   is present.
//! - `rewrap`: the victim rotates a key and re-wraps a batch of 8 envelope files to its successor
//!   (`rewrap_batch`, `RewrapPlan::Rotated`), acknowledging the rotation and each file. After the kill: the
//!   custodian loads, the log verifies, every file still opens (old or new, never torn), every acknowledged file
//!   names the key it was re-wrapped to (or a later successor), and the log holds at least as many re-wrap events
//!   as files acknowledged.
//!
//! The victim is this program re-executed (`victim <kind> <dir> <iteration>`). The parent kills it after a
//! pseudo-random number of acknowledgements plus a pseudo-random spin (so the kill lands anywhere in the next
//! write), reading acknowledgements from the pipe, never timing anything. Every 50 iterations a fresh directory
//! keeps the files small. First a self-test shows the checks can fail (a lost acknowledged event, a corrupt keyring
//! and an undone re-wrap are each reported). Prints one summary line per kind; exits non-zero on the first
//! violation.

#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a command-line program")]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use custodia::audit::{self, AuditEvent, AuditLog, AuditOptions, Durability, EventKind, SigningKey};
use custodia::{
    Actor, CaseRef, Category, Classification, Custodian, CustodianOptions, FixedClock, Jurisdiction, KeyId, KeyKind,
    KeyState, OpenRequest, Purpose, PurposeSet, RewrapItem, RewrapPlan, SealOptions, Sensitive, Timestamp, Unlock,
};

type Failure = Box<dyn std::error::Error>;

const MASTER: [u8; 32] = [0x4b; 32];
const AUDIT_KEY: [u8; 32] = [0x4c; 32];
const FILES: usize = 8;
const FRESH_DIR_EVERY: u64 = 50;
const T0: u64 = 1_790_000_000;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = if args.get(1).map(String::as_str) == Some("victim") {
        victim(&args[2], Path::new(&args[3]), args[4].parse().unwrap_or(0))
    } else {
        campaign(&args)
    };
    if let Err(e) = result {
        eprintln!("kill_campaign: {e}");
        std::process::exit(1);
    }
}

// ---- the parent ---------------------------------------------------------------------------------------------------

fn campaign(args: &[String]) -> Result<(), Failure> {
    let iterations: u64 = args.get(1).map_or(Ok(1000), |s| s.parse())?;
    let kinds = args.get(2).map_or("keyring,audit,rewrap", String::as_str).to_owned();
    let seed: u64 = args.get(3).map_or(Ok(0x5eed), |s| s.parse())?;
    self_test()?;
    for kind in kinds.split(',') {
        let mut rng = XorShift(seed ^ kind.len() as u64 ^ 0x9e37_79b9_7f4a_7c15);
        let mut stats = Stats::default();
        let mut tmp = None;
        let mut state = Expected::default();
        for it in 0..iterations {
            if it.is_multiple_of(FRESH_DIR_EVERY) {
                let t = tempfile::tempdir()?;
                state = Expected::default();
                if kind == "rewrap" {
                    setup_rewrap(t.path())?;
                }
                tmp = Some(t);
            }
            let dir = tmp.as_ref().ok_or("no directory")?.path();
            let wanted = 1 + rng.below(if kind == "rewrap" { 12 } else { 6 });
            let spin = rng.below(200_000);
            let acks = kill_victim(kind, dir, it, wanted, spin)?;
            stats.kills += 1;
            stats.acks += acks.len() as u64;
            if kind == "audit" && it % 4 == 1 {
                // A crash inside write(2) that a kill rarely hits: a partial line at the end, as the OS may leave.
                let mut f = std::fs::OpenOptions::new().append(true).open(dir.join(audit::LOG_FILE_NAME))?;
                f.write_all(b"{\"seq\":123456,\"time\":17954352")?;
            }
            let check = match kind {
                "keyring" => check_keyring(dir, &acks, &mut state, &mut stats),
                "audit" => check_audit(dir, &acks, &mut state, &mut stats),
                "rewrap" => check_rewrap(dir, &acks, &mut state, &mut stats),
                other => Err(format!("unknown kind {other}").into()),
            };
            check.map_err(|e| format!("{kind} iteration {it} (seed {seed}): {e}"))?;
        }
        let files =
            if kind == "rewrap" { format!("  of which file re-wraps {}", stats.rewraps) } else { String::new() };
        println!(
            "{kind:8} kills {:5}  acknowledged {:7}  lost 0  corrupt 0  torn tails recovered {:5}{files}",
            stats.kills, stats.acks, stats.recoveries
        );
    }
    Ok(())
}

/// The checks can fail: a lost acknowledged event, a corrupt keyring and an undone re-wrap are each reported.
fn self_test() -> Result<(), Failure> {
    let (mut st, mut stats) = (Expected::default(), Stats::default());
    let t = tempfile::tempdir()?;
    let mut acks = kill_victim("audit", t.path(), 2, 3, 0)?;
    acks.push("999999".into());
    if check_audit(t.path(), &acks, &mut st, &mut stats).is_ok() {
        return Err("self-test: an acknowledged event missing from the log went unnoticed".into());
    }
    let t = tempfile::tempdir()?;
    let acks = kill_victim("keyring", t.path(), 2, 2, 0)?;
    let ring = t.path().join(custodia::KEYRING_FILE);
    let mut bytes = std::fs::read(&ring)?;
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&ring, bytes)?;
    if check_keyring(t.path(), &acks, &mut Expected::default(), &mut stats).is_ok() {
        return Err("self-test: a corrupt keyring went unnoticed".into());
    }
    let t = tempfile::tempdir()?;
    setup_rewrap(t.path())?;
    let before = std::fs::read(file(t.path(), 0))?;
    let acks = kill_victim("rewrap", t.path(), 2, 3, 0)?;
    std::fs::write(file(t.path(), 0), before)?;
    if check_rewrap(t.path(), &acks, &mut Expected::default(), &mut stats).is_ok() {
        return Err("self-test: an acknowledged re-wrap undone went unnoticed".into());
    }
    println!("self-test: a lost acknowledged event, a corrupt keyring and an undone re-wrap are each detected");
    Ok(())
}

#[derive(Default)]
struct Stats {
    kills: u64,
    acks: u64,
    recoveries: u64,
    /// Files whose re-wrap was acknowledged (`rewrap` only).
    rewraps: u64,
}

/// What the acknowledgements so far (in the current directory) promise.
#[derive(Default)]
struct Expected {
    keys: BTreeSet<KeyId>,
    destroyed: BTreeSet<KeyId>,
    seqs: BTreeSet<u64>,
    /// Per file, the key it was last acknowledged re-wrapped to.
    files: BTreeMap<usize, KeyId>,
    rewraps: u64,
    in_flight_keys: u64,
}

/// Start a victim, wait for `wanted` acknowledgements, spin `spin` rounds, kill it, and return every
/// acknowledgement it wrote before it died.
fn kill_victim(kind: &str, dir: &Path, it: u64, wanted: u64, spin: u64) -> Result<Vec<String>, Failure> {
    let mut child = Command::new(std::env::current_exe()?)
        .args(["victim", kind, &dir.to_string_lossy(), &it.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut out = BufReader::new(child.stdout.take().ok_or("no stdout")?);
    let mut acks = Vec::new();
    let mut line = String::new();
    while (acks.len() as u64) < wanted {
        line.clear();
        if out.read_line(&mut line)? == 0 {
            break;
        }
        if let Some(a) = line.trim().strip_prefix("ACK ") {
            acks.push(a.to_owned());
        }
    }
    for _ in 0..spin {
        std::hint::spin_loop();
    }
    child.kill()?;
    let status = child.wait()?;
    for l in out.lines() {
        if let Some(a) = l?.trim().strip_prefix("ACK ") {
            acks.push(a.to_owned());
        }
    }
    if acks.is_empty() {
        return Err(format!("the victim acknowledged nothing ({status})").into());
    }
    Ok(acks)
}

fn options(durability: Durability, create: bool) -> CustodianOptions {
    CustodianOptions {
        create,
        durability,
        checkpoint_every: 5,
        ..CustodianOptions::with_clock(Arc::new(FixedClock::new(Timestamp::from_unix(T0))))
    }
}

fn load(dir: &Path) -> Result<Custodian, Failure> {
    Ok(Custodian::load(dir, Unlock::master_key(MASTER), options(Durability::FsyncEach, false))?)
}

fn actor() -> Result<Actor, Failure> {
    Ok(Actor::new("kill.campaign", "central_authority", Jurisdiction::parse("NL")?, Classification::Secret)?)
}

fn key_of(ack: &str, what: &str) -> Option<KeyId> {
    ack.strip_prefix(what)?.trim().parse().ok()
}

/// Bytes after the last newline of the log: what the next writer must cut.
fn torn_tail(dir: &Path) -> Result<u64, Failure> {
    let bytes = std::fs::read(dir.join(audit::LOG_FILE_NAME))?;
    Ok((bytes.len() - bytes.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1)) as u64)
}

fn check_keyring(dir: &Path, acks: &[String], st: &mut Expected, stats: &mut Stats) -> Result<(), Failure> {
    for a in acks {
        if let Some(id) = key_of(a, "key ") {
            st.keys.insert(id);
        } else if let Some(id) = key_of(a, "destroyed ") {
            st.destroyed.insert(id);
        }
    }
    if torn_tail(dir)? > 0 {
        stats.recoveries += 1;
    }
    let c = load(dir).map_err(|e| format!("custodian does not load after the kill: {e}"))?;
    c.verify_audit(&[]).map_err(|e| format!("audit log does not verify: {e}"))?;
    let keys = c.keys()?;
    let present: BTreeMap<KeyId, &KeyState> = keys.iter().map(|k| (k.id, &k.state)).collect();
    for id in &st.keys {
        match present.get(id) {
            None => return Err(format!("acknowledged key {id} is missing").into()),
            Some(s) if st.destroyed.contains(id) && !matches!(s, KeyState::Destroyed { .. }) => {
                return Err(format!("acknowledged destruction of {id} is undone ({s:?})").into());
            }
            Some(_) => {}
        }
    }
    let generated: BTreeSet<KeyId> = audit::entries(c.audit_log().path())?
        .filter_map(Result::ok)
        .filter(|e| e.kind() == EventKind::KeyGenerated)
        .flat_map(|e| e.event.keys)
        .collect();
    if let Some(id) = st.keys.iter().find(|id| !generated.contains(id)) {
        return Err(format!("acknowledged key {id} has no key_generated event").into());
    }
    // Keys of the victims that nobody acknowledged: at most one per kill (the write in flight).
    let unacked = keys.iter().filter(|k| k.label.starts_with("kill ") && !st.keys.contains(&k.id)).count() as u64;
    if unacked > st.in_flight_keys + 1 {
        return Err(format!("{unacked} unacknowledged keys after {} kills", st.in_flight_keys).into());
    }
    st.in_flight_keys = unacked;
    c.close()?;
    Ok(())
}

fn check_audit(dir: &Path, acks: &[String], st: &mut Expected, stats: &mut Stats) -> Result<(), Failure> {
    for a in acks {
        st.seqs.insert(a.parse()?);
    }
    let tail = torn_tail(dir)?;
    let (log, report) = AuditLog::open(dir, SigningKey::from_bytes(AUDIT_KEY), audit_options(Durability::FsyncEach))
        .map_err(|e| format!("the log does not reopen after the kill: {e}"))?;
    match &report.recovery {
        Some(r) if r.truncated_bytes != tail => {
            return Err(format!("recovery cut {} bytes, the partial line was {tail}", r.truncated_bytes).into());
        }
        Some(_) => stats.recoveries += 1,
        None if tail > 0 => return Err(format!("a partial last line of {tail} bytes was not recovered").into()),
        None => {}
    }
    log.close()?;
    drop(log);
    let path = dir.join(audit::LOG_FILE_NAME);
    let v = audit::verify(&path, &SigningKey::from_bytes(AUDIT_KEY).verifying_key(), &[])
        .map_err(|e| format!("the log does not verify: {e}"))?;
    if v.unsealed_tail != 0 {
        return Err("unsealed tail after close".into());
    }
    let present: BTreeSet<u64> = audit::entries(&path)?.filter_map(Result::ok).map(|e| e.seq).collect();
    let lost: Vec<_> = st.seqs.difference(&present).collect();
    if !lost.is_empty() {
        return Err(format!("acknowledged but missing: {lost:?}").into());
    }
    Ok(())
}

fn check_rewrap(dir: &Path, acks: &[String], st: &mut Expected, stats: &mut Stats) -> Result<(), Failure> {
    let mut target = None;
    for a in acks {
        if let Some(id) = key_of(a, "rotated ") {
            target = Some(id);
        } else if let Some(i) = a.strip_prefix("file ") {
            let i: usize = i.parse()?;
            let to = target.ok_or("a file acknowledged before its rotation")?;
            st.files.insert(i, to);
            st.rewraps += 1;
            stats.rewraps += 1;
        }
    }
    if torn_tail(dir)? > 0 {
        stats.recoveries += 1;
    }
    let c = load(dir).map_err(|e| format!("custodian does not load after the kill: {e}"))?;
    c.verify_audit(&[]).map_err(|e| format!("audit log does not verify: {e}"))?;
    let keys = c.keys()?;
    let request = OpenRequest::new(actor()?, Purpose::parse("investigation")?);
    for i in 0..FILES {
        let bytes = std::fs::read(file(dir, i))?;
        c.open(&request, &bytes).map_err(|e| format!("file {i} does not open after the kill: {e}"))?;
        if let Some(want) = st.files.get(&i) {
            let header = custodia::format::parse_header(&bytes)?;
            let named: Vec<KeyId> = header.stanzas().iter().map(|s| s.key_id()).collect();
            // The file names the key it was re-wrapped to, or a successor of it (a later batch moved it on).
            let ok = successors(&keys, *want).iter().any(|id| named.contains(id));
            if !ok {
                return Err(format!("acknowledged re-wrap of file {i} to {want} is lost (names {named:?})").into());
            }
        }
    }
    let events = audit::entries(c.audit_log().path())?
        .filter_map(Result::ok)
        .filter(|e| e.kind() == EventKind::Rewrapped)
        .count() as u64;
    if events < st.rewraps {
        return Err(format!("{} re-wraps acknowledged, {events} in the log", st.rewraps).into());
    }
    c.close()?;
    Ok(())
}

/// `id` and every key it was rotated to, in order.
fn successors(keys: &[custodia::KeyInfo], id: KeyId) -> Vec<KeyId> {
    let mut chain = vec![id];
    while let Some(next) = keys.iter().find(|k| Some(&k.id) == chain.last()).and_then(|k| k.rotated_to) {
        if chain.contains(&next) || chain.len() > keys.len() {
            break;
        }
        chain.push(next);
    }
    chain
}

fn file(dir: &Path, i: usize) -> PathBuf {
    dir.join(format!("envelope-{i}.cust"))
}

fn setup_rewrap(dir: &Path) -> Result<(), Failure> {
    let c = Custodian::load(dir, Unlock::master_key(MASTER), options(Durability::FsyncEach, true))?;
    let kek = c.generate_key(&actor()?, KeyKind::Kek, "rewrap target")?;
    let mut o = SealOptions::new(PurposeSet::parse(&["investigation"])?, vec![kek]);
    o.case_ref = Some(CaseRef::parse("KILL-1")?);
    for i in 0..FILES {
        let data = Sensitive::new(vec![u8::try_from(i)?; 100 + 40 * i], Category::FinancialRecords);
        std::fs::write(file(dir, i), c.seal(&actor()?, &data, &o)?.envelope)?;
    }
    std::fs::write(dir.join("kek"), kek.to_string())?;
    c.close()?;
    Ok(())
}

fn audit_options(durability: Durability) -> AuditOptions {
    AuditOptions::with_clock(Arc::new(FixedClock::new(Timestamp::from_unix(T0))))
        .durability(durability)
        .checkpoint_every(16)
}

// ---- the victim ---------------------------------------------------------------------------------------------------

fn ack(line: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "ACK {line}")?;
    out.flush()?;
    Ok(())
}

fn durability_for(it: u64, threads: usize) -> Durability {
    match it % 3 {
        0 => Durability::GroupCommit { max_batch: threads.max(2), max_delay: Duration::from_micros(200) },
        1 => Durability::OsBuffered,
        _ => Durability::FsyncEach,
    }
}

fn victim(kind: &str, dir: &Path, it: u64) -> Result<(), Failure> {
    match kind {
        "keyring" => {
            let c = Custodian::load(dir, Unlock::master_key(MASTER), options(durability_for(it, 1), true))?;
            let a = actor()?;
            for n in 0.. {
                let id = c.generate_key(&a, KeyKind::Kek, &format!("kill {it} {n}"))?;
                ack(&format!("key {id}"))?;
                if n % 4 == 3 {
                    c.destroy_key(&a, &id, "kill campaign")?;
                    ack(&format!("destroyed {id}"))?;
                }
            }
            Ok(())
        }
        "audit" => {
            let threads = if it.is_multiple_of(3) { 4 } else { 1 };
            let (log, _) =
                AuditLog::open(dir, SigningKey::from_bytes(AUDIT_KEY), audit_options(durability_for(it, threads)))?;
            let log = Arc::new(log);
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let log = Arc::clone(&log);
                    std::thread::spawn(move || -> Result<(), String> {
                        // Big enough that a kill can land inside a write.
                        let padding = "p".repeat(900);
                        for i in 0u64.. {
                            let e = AuditEvent::new(EventKind::Opened)
                                .detail("thread", &t.to_string())
                                .detail("i", &i.to_string())
                                .detail("padding", &padding);
                            let seq = log.append(&e).map_err(|e| e.to_string())?;
                            ack(&seq.to_string()).map_err(|e| e.to_string())?;
                        }
                        Ok(())
                    })
                })
                .collect();
            for h in handles {
                h.join().map_err(|_| "appender panicked")??;
            }
            Ok(())
        }
        "rewrap" => {
            let c = Custodian::load(dir, Unlock::master_key(MASTER), options(durability_for(it, 1), true))?;
            let a = actor()?;
            let mut current: KeyId = std::fs::read_to_string(dir.join("kek"))?.trim().parse()?;
            // The newest successor of the first key is the one to rotate.
            while let Some(next) = c.key(&current)?.rotated_to {
                current = next;
            }
            loop {
                let next = c.rotate(&a, &current)?;
                ack(&format!("rotated {next}"))?;
                let items = (0..FILES).map(|i| RewrapItem::File(file(dir, i)));
                let mut failed = None;
                c.rewrap_batch(&a, items, &RewrapPlan::Rotated, &mut |i, r| match r {
                    Ok(_) => {
                        if let Err(e) = ack(&format!("file {i}")) {
                            failed = Some(e.to_string());
                        }
                    }
                    Err(e) => failed = Some(format!("file {i}: {e}")),
                });
                if let Some(e) = failed {
                    return Err(e.into());
                }
                current = next;
            }
        }
        other => Err(format!("unknown kind {other}").into()),
    }
}

/// A small deterministic generator for kill points (xorshift64*): the campaign is reproducible from its seed.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}
