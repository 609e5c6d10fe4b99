//! The PostgreSQL storage of the audit log (feature `postgres`; `docs/AUDIT.md` "On PostgreSQL").
//!
//! This module owns the two tables of `src/postgres/audit.sql`: `audit_head` (one row: where the chain stands) and
//! `audit_entries` (one row per entry, the line exactly as the file log writes it). Entries are made by `chain.rs`,
//! as for the file; what is here is where their sequence numbers come from (the head row, locked in the appending
//! transaction: gapless, never a SEQUENCE), group commit (this process's appenders share one transaction), and
//! reading the rows back in order for the verifier. It must never acknowledge an entry whose transaction did not
//! commit, and never chain onto a head it has not checked.

use std::collections::{HashMap, VecDeque};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use postgres::{Client, GenericClient, Statement};

use super::anchor::Anchor;
use super::chain::{ChainWriter, Head};
use super::entry::{Digest, LOG_ID_LEN, Line, LineSource, check_auth, decode, decode_genesis, to_hex};
use super::erasure::ErasureCertificate;
use super::event::{AuditEvent, EventKind};
use super::log::{AuditOptions, CheckpointHook, Durability, OpenReport};
use super::query::Entries;
use super::verify::{Chain, VerifyReport, verify_lines};
use crate::error::{Error, Result};
use crate::keys::AuditPin;
use crate::postgres::PgConfig;
use crate::vocabulary::{CaseRef, KeyId};

/// Rows read per round trip when reading the log back.
const PAGE: i64 = 1000;

/// A log in PostgreSQL, as one process sees it. `Send + Sync`.
pub(crate) struct PgLog {
    config: PgConfig,
    chain: ChainWriter,
    checkpoint_every: u64,
    max_batch: usize,
    max_delay: Duration,
    on_checkpoint: Option<CheckpointHook>,
    /// The connection the leader of a batch uses; `None` after it failed (the next batch connects again).
    conn: Mutex<Option<Conn>>,
    /// `synchronous_commit = off` on this process's connection ([`Durability::OsBuffered`]).
    async_commit: bool,
    state: Mutex<State>,
    wake: Condvar,
    /// The WAL position the last acknowledged batch's commit follows (for a test that the ack waited for it).
    acked_lsn: Mutex<Option<String>>,
}

/// What the appenders of this process share, under the state lock.
struct State {
    /// Jobs waiting for a leader, in arrival order, with their tickets.
    queue: VecDeque<(u64, Job)>,
    next_ticket: u64,
    /// Results for tickets whose batch has finished.
    done: HashMap<u64, Result<Done>>,
    /// Whether a thread is running a batch.
    leading: bool,
    /// The head as of this process's last transaction (or open): the last anchor it knows, and what the next
    /// transaction expects to find unless another writer appended.
    known: Head,
    failed: Option<String>,
    closed: bool,
}

/// What an appender asks for.
enum Job {
    Append(Box<AuditEvent>),
    Checkpoint,
    Erasure { keys: Vec<KeyId>, case: Option<CaseRef>, reason: String, envelopes: Option<u64> },
}

/// What it gets once its transaction committed.
enum Done {
    Seq(u64),
    Anchor(Anchor),
    Erasure(ErasureCertificate),
}

/// What a batch's transaction returns: each job's result, the head it left, and the last checkpoint it wrote.
type Outcome = Result<(Vec<Done>, Head, Option<AuditPin>)>;

/// A connection and its prepared statements.
struct Conn {
    client: Client,
    schema: String,
    /// Step 1 of [`PgLog::transact`]: begin, lock the head row, read the entry it points to (the last two prepared:
    /// `custodia_audit_lock`, `custodia_audit_last`).
    lock_sql: String,
    /// Step 3: the flush (prepared: `custodia_audit_sync`).
    sync_sql: String,
    insert: Statement,
    update: Statement,
}

impl core::fmt::Debug for PgLog {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PgLog")
            .field("config", &self.config)
            .field("log_id", &to_hex(&self.chain.log_id()))
            .field("max_batch", &self.max_batch)
            .finish_non_exhaustive()
    }
}

fn db(what: &str, e: &postgres::Error) -> Error {
    Error::AuditWrite(format!("{what}: {e}"))
}

fn to_i64(n: u64) -> Result<i64> {
    i64::try_from(n).map_err(|_| Error::Internal("sequence number out of range".into()))
}

fn to_u64(n: i64, what: &str) -> Result<u64> {
    u64::try_from(n).map_err(|_| tampered(0, format!("the head row holds a negative {what}")))
}

fn tampered(entry: u64, reason: String) -> Error {
    Error::AuditTampered { entry, reason }
}

/// The same error for each follower of a failed batch (`Error` is not `Clone`; these are the kinds a batch fails
/// with).
fn copy_err(e: &Error) -> Error {
    match e {
        Error::AuditTampered { entry, reason } => Error::AuditTampered { entry: *entry, reason: reason.clone() },
        Error::AuditMalformed { line, reason } => Error::AuditMalformed { line: *line, reason: reason.clone() },
        Error::InvalidArgument(m) => Error::InvalidArgument(m.clone()),
        other => Error::AuditWrite(other.to_string()),
    }
}

fn digest(bytes: &[u8], what: &str) -> Result<Digest> {
    bytes.try_into().map_err(|_| tampered(0, format!("the head row's {what} is not 32 bytes")))
}

/// The head row as read.
struct HeadRow {
    log_id: [u8; LOG_ID_LEN],
    next: u64,
    hash: Digest,
    since_checkpoint: u64,
    checkpoint_seq: u64,
}

fn read_head<C: GenericClient>(c: &mut C, schema: &str, for_update: bool) -> Result<Option<HeadRow>> {
    let sql = format!(
        "SELECT log_id, next_seq, head, since_checkpoint, checkpoint_seq FROM {schema}.audit_head WHERE id = 1{}",
        if for_update { " FOR UPDATE" } else { "" }
    );
    let Some(row) = c.query_opt(&sql, &[]).map_err(|e| db("reading the audit log's head row", &e))? else {
        return Ok(None);
    };
    let log_id: Vec<u8> = row.get(0);
    Ok(Some(HeadRow {
        log_id: log_id
            .as_slice()
            .try_into()
            .map_err(|_| tampered(0, "the head row's log id is not 16 bytes".into()))?,
        next: to_u64(row.get(1), "next_seq")?,
        hash: digest(&row.get::<_, Vec<u8>>(2), "head")?,
        since_checkpoint: to_u64(row.get(3), "since_checkpoint")?,
        checkpoint_seq: to_u64(row.get(4), "checkpoint_seq")?,
    }))
}

/// Up to [`PAGE`] rows from `from` on, in order.
fn page<C: GenericClient>(c: &mut C, schema: &str, from: u64) -> Result<Vec<(i64, String)>> {
    let sql = format!("SELECT seq, line FROM {schema}.audit_entries WHERE seq >= $1 ORDER BY seq LIMIT $2");
    let rows = c.query(&sql, &[&to_i64(from)?, &PAGE]).map_err(|e| db("reading audit entries", &e))?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// The lines of a log in PostgreSQL, in `seq` order, read [`PAGE`] rows at a time on a connection of their own
/// (in one read-only, repeatable-read transaction: one snapshot of the log). A missing row is
/// [`Error::AuditTampered`] naming it, before the verifier sees the next one.
struct PgLines<C> {
    client: C,
    schema: String,
    next: u64,
    rows: VecDeque<(i64, String)>,
    exhausted: bool,
}

/// What [`PgLines`] reads pages through: its own connection, or the opening transaction.
trait Pages {
    fn page(&mut self, schema: &str, from: u64) -> Result<Vec<(i64, String)>>;
}

impl Pages for Client {
    fn page(&mut self, schema: &str, from: u64) -> Result<Vec<(i64, String)>> {
        page(self, schema, from)
    }
}

impl<C: GenericClient> Pages for &mut C {
    fn page(&mut self, schema: &str, from: u64) -> Result<Vec<(i64, String)>> {
        page(*self, schema, from)
    }
}

impl<C: Pages> PgLines<C> {
    fn new(client: C, schema: &str, from: u64) -> Self {
        Self { client, schema: schema.to_owned(), next: from, rows: VecDeque::new(), exhausted: false }
    }
}

impl<C: Pages> LineSource for PgLines<C> {
    fn next_line(&mut self, buf: &mut Vec<u8>) -> Result<Option<Line>> {
        buf.clear();
        if self.rows.is_empty() && !self.exhausted {
            let rows = self.client.page(&self.schema, self.next)?;
            self.exhausted = rows.len() < usize::try_from(PAGE).unwrap_or(usize::MAX);
            self.rows.extend(rows);
        }
        let Some((seq, line)) = self.rows.pop_front() else { return Ok(None) };
        if u64::try_from(seq).ok() != Some(self.next) {
            return Err(tampered(
                self.next,
                format!("row {seq} where row {} was expected: entries deleted from the database", self.next),
            ));
        }
        if line.contains('\n') {
            return Err(Error::AuditMalformed { line: self.next + 1, reason: "a row holds more than one line".into() });
        }
        buf.extend_from_slice(line.as_bytes());
        self.next += 1;
        Ok(Some(Line { no: self.next, terminated: true }))
    }
}

/// Connect for reading: one snapshot of the whole log.
fn snapshot(config: &PgConfig) -> Result<Client> {
    let mut client = config.connect()?;
    client
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .map_err(|e| Error::Io(std::io::Error::other(format!("reading the audit log: {e}"))))?;
    Ok(client)
}

/// Verify the audit log in the PostgreSQL database `config` names, exactly as [`super::verify`] verifies a file:
/// the rows are read in `seq` order, in one snapshot, and go through the same verifier (chain, hashes, entry
/// signatures, checkpoint and erasure signatures, anchors). Then the head row must agree with the entries: its log
/// id, the number of entries, the last entry's hash, the entries since the last checkpoint and that checkpoint's
/// sequence number.
///
/// Anyone with write access to the database (its superuser, a stolen administrator password, a restore of an old
/// backup) can rewrite the tail after the last checkpoint an anchor pins; only anchors held outside the database
/// bound that (`docs/AUDIT.md` §4.1).
///
/// # Errors
/// As [`super::verify`]: [`Error::AuditTampered`] for an edited, deleted, inserted or reordered row (a missing
/// `seq` names the missing entry), a log shorter than an anchor, or a head row that disagrees with the entries;
/// [`Error::AuditMalformed`]; [`Error::AuditWrongKey`]; [`Error::AnchorInvalid`]. [`Error::Io`] when the database
/// cannot be reached or read; [`Error::AuditMalformed`] for a database with no log.
pub fn verify_postgres(
    config: &PgConfig,
    audit_key: &crate::keys::VerifyingKey,
    anchors: &[Anchor],
) -> Result<VerifyReport> {
    let mut client = snapshot(config)?;
    let head = read_head(&mut client, config.schema_name(), false).map_err(|e| match e {
        Error::AuditWrite(m) => Error::Io(std::io::Error::other(m)),
        other => other,
    })?;
    let mut lines = PgLines::new(client, config.schema_name(), 0);
    let report = verify_lines(&mut lines, audit_key, anchors)?;
    let Some(head) = head else {
        return Err(tampered(report.entries, "the log has entries but no head row (deleted)".into()));
    };
    let disagrees = |what: &str, row: String, entries: String| {
        tampered(
            report.entries,
            format!("the head row disagrees with the entries: its {what} is {row}, the entries say {entries}"),
        )
    };
    if to_hex(&head.log_id) != report.log_id {
        return Err(disagrees("log id", to_hex(&head.log_id), report.log_id.clone()));
    }
    if head.next != report.entries {
        return Err(disagrees("entry count", head.next.to_string(), report.entries.to_string()));
    }
    if to_hex(&head.hash) != report.head {
        return Err(disagrees("last hash", to_hex(&head.hash), report.head.clone()));
    }
    if head.since_checkpoint != report.unsealed_tail || Some(head.checkpoint_seq) != report.last_checkpoint {
        return Err(disagrees(
            "last checkpoint",
            format!("{} ({} entries after it)", head.checkpoint_seq, head.since_checkpoint),
            format!("{:?} ({} entries after it)", report.last_checkpoint, report.unsealed_tail),
        ));
    }
    Ok(report)
}

/// The entries of the log in the database `config` names, in order, from one snapshot (see [`super::entries`]).
///
/// # Errors
/// [`Error::Io`] when the database cannot be reached; each item as [`super::entries`]' items, and
/// [`Error::AuditTampered`] for a missing row.
pub(crate) fn entries(config: &PgConfig) -> Result<Entries> {
    Ok(Entries::from_source(Box::new(PgLines::new(snapshot(config)?, config.schema_name(), 0))))
}

/// The locked head row (`next_seq`, hash, `since_checkpoint`, `checkpoint_seq`) and the line it points to, from the
/// results of [`Conn::lock_sql`] (statements 0 and 1 return no rows; 2 is the head row, 3 the line).
#[allow(clippy::type_complexity, reason = "one private parser")]
fn lock_results(msgs: &[postgres::SimpleQueryMessage]) -> Result<(Option<(u64, Digest, u64, u64)>, Option<String>)> {
    let mut statement = 0;
    let mut head = None;
    let mut line = None;
    let num = |r: &postgres::SimpleQueryRow, i: usize, what: &str| -> Result<u64> {
        let v: i64 = r
            .get(i)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| tampered(0, format!("the head row's {what} is not a number")))?;
        to_u64(v, what)
    };
    for m in msgs {
        match m {
            postgres::SimpleQueryMessage::CommandComplete(_) => statement += 1,
            postgres::SimpleQueryMessage::Row(r) if statement == 2 => {
                let hex = r.get(1).unwrap_or_default();
                let bytes = (0..hex.len() / 2)
                    .map(|i| hex.get(2 * i..2 * i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
                    .collect::<Option<Vec<u8>>>()
                    .ok_or_else(|| tampered(0, "the head row's hash is not hex".into()))?;
                head = Some((
                    num(r, 0, "next_seq")?,
                    digest(&bytes, "head")?,
                    num(r, 2, "since_checkpoint")?,
                    num(r, 3, "checkpoint_seq")?,
                ));
            }
            postgres::SimpleQueryMessage::Row(r) if statement == 3 => line = r.get(0).map(str::to_owned),
            _ => {}
        }
    }
    Ok((head, line))
}

impl Conn {
    fn open(config: &PgConfig, async_commit: bool) -> Result<Self> {
        let mut client = config.connect().map_err(|e| Error::AuditWrite(e.to_string()))?;
        if async_commit {
            client.batch_execute("SET synchronous_commit = off").map_err(|e| db("configuring the session", &e))?;
        }
        let s = config.schema_name();
        // The entry is read by a statement of its own, after the lock is held: under READ COMMITTED a statement
        // that waited for the lock still reads other tables as of its start, before the entries of the transaction
        // it waited for; the next statement of the same simple query takes a new snapshot.
        let lock_head = format!(
            "SELECT next_seq, encode(head, 'hex'), since_checkpoint, checkpoint_seq FROM {s}.audit_head \
             WHERE id = 1 FOR UPDATE"
        );
        let last_line = format!(
            "SELECT line FROM {s}.audit_entries WHERE seq = (SELECT next_seq - 1 FROM {s}.audit_head WHERE id = 1)"
        );
        let sync = format!(
            "INSERT INTO {s}.audit_sync (pid) VALUES (pg_backend_pid()) \
             ON CONFLICT (pid) DO UPDATE SET flushes = {s}.audit_sync.flushes + 1"
        );
        // Every transaction's statements are prepared once per connection (SQL `PREPARE`, so that they still go in
        // multi-statement simple queries; `EXECUTE` takes its snapshot when it starts, as the statement would):
        // parsing and planning them for each transaction was about a fifth of the server's work per transaction.
        client
            .batch_execute(&format!(
                "PREPARE custodia_audit_lock AS {lock_head}; PREPARE custodia_audit_last AS {last_line}; \
                 PREPARE custodia_audit_sync AS {sync}"
            ))
            .map_err(|e| db("preparing the audit statements", &e))?;
        let lock_sql =
            "BEGIN; SET LOCAL synchronous_commit = off; EXECUTE custodia_audit_lock; EXECUTE custodia_audit_last"
                .into();
        let sync_sql = "EXECUTE custodia_audit_sync".into();
        let insert = client
            .prepare(&format!(
                "INSERT INTO {s}.audit_entries (seq, line) SELECT * FROM unnest($1::bigint[], $2::text[])"
            ))
            .map_err(|e| db("preparing the audit statements", &e))?;
        let update = client
            .prepare(&format!(
                "UPDATE {s}.audit_head SET next_seq = $1, head = $2, since_checkpoint = $3, checkpoint_seq = $4 \
                 WHERE id = 1"
            ))
            .map_err(|e| db("preparing the audit statements", &e))?;
        Ok(Self { client, schema: s.to_owned(), lock_sql, sync_sql, insert, update })
    }
}

/// The rows one transaction adds, and where it leaves the head.
#[derive(Default)]
struct Batch {
    seqs: Vec<i64>,
    lines: Vec<String>,
    checkpoint_seq: u64,
    /// The last checkpoint written, as a pin for the hook.
    pin: Option<AuditPin>,
}

impl Batch {
    fn push(&mut self, seq: u64, line: String) -> Result<()> {
        self.seqs.push(to_i64(seq)?);
        self.lines.push(line);
        Ok(())
    }

    fn checkpoint(&mut self, chain: &ChainWriter, head: &mut Head) -> Result<Anchor> {
        let seq = head.next;
        let (line, anchor) = chain.checkpoint(head)?;
        self.push(seq, line)?;
        self.checkpoint_seq = seq;
        self.pin = Some(AuditPin { log_id: chain.log_id(), count: anchor.count(), head: anchor.head(), offset: 0 });
        Ok(anchor)
    }

    /// Step 2 of [`PgLog::transact`] as one simple query: insert the rows, move the head row and commit. Values are
    /// literals (a simple query has no parameters): numbers, hex for bytes, and the lines as escape strings
    /// (`E'...'`, whose meaning does not depend on `standard_conforming_strings`).
    fn append_sql(&self, schema: &str, head: &Head) -> Result<String> {
        use core::fmt::Write as _;
        let mut sql = format!("SELECT {schema}.audit_append(ARRAY[");
        for (i, seq) in self.seqs.iter().enumerate() {
            let _ = write!(sql, "{}{seq}", if i == 0 { "" } else { "," });
        }
        sql.push_str("]::bigint[], ARRAY[");
        for (i, line) in self.lines.iter().enumerate() {
            if line.contains('\0') {
                return Err(Error::Internal("an audit line holds a NUL character".into()));
            }
            sql.push_str(if i == 0 { "E'" } else { ",E'" });
            for c in line.chars() {
                match c {
                    '\\' => sql.push_str("\\\\"),
                    '\'' => sql.push_str("\\'"),
                    c => sql.push(c),
                }
            }
            sql.push('\'');
        }
        let _ = write!(
            sql,
            "]::text[], {}, decode('{}', 'hex'), {}, {}); COMMIT",
            to_i64(head.next)?,
            to_hex(&head.hash),
            to_i64(head.since_checkpoint)?,
            to_i64(self.checkpoint_seq)?
        );
        Ok(sql)
    }

    /// Insert the rows and move the head row (inside the caller's transaction).
    fn write<C: GenericClient>(&self, c: &mut C, insert: &Statement, update: &Statement, head: &Head) -> Result<()> {
        c.execute(insert, &[&self.seqs, &self.lines]).map_err(|e| db("inserting audit entries", &e))?;
        let n = c
            .execute(
                update,
                &[
                    &to_i64(head.next)?,
                    &head.hash.as_slice(),
                    &to_i64(head.since_checkpoint)?,
                    &to_i64(self.checkpoint_seq)?,
                ],
            )
            .map_err(|e| db("moving the audit log's head", &e))?;
        if n != 1 {
            return Err(tampered(head.next, "the head row is gone (deleted)".into()));
        }
        Ok(())
    }
}

impl PgLog {
    /// The Merkle tree of the first `size` entries (all when `None`), read in `seq` order from one snapshot
    /// through the same verifying reader as a file's (`merkle.rs`).
    pub(crate) fn tree(&self, key: &crate::keys::VerifyingKey, size: Option<u64>) -> Result<super::LogTree> {
        let client = snapshot(&self.config)?;
        super::LogTree::from_lines(PgLines::new(client, self.config.schema_name(), 0), key, size)
    }

    /// Open (or create) the log; see [`super::AuditLog::open_postgres`].
    pub(crate) fn open(
        config: &PgConfig,
        key: crate::keys::SigningKey,
        options: AuditOptions,
    ) -> Result<(Self, OpenReport)> {
        let verifying = *key.verifying_key().dalek();
        let parts = options;
        let (max_batch, max_delay, async_commit) = match parts.durability {
            Durability::FsyncEach => (1, Duration::ZERO, false),
            Durability::GroupCommit { max_batch, max_delay } => (max_batch.max(1), max_delay, false),
            Durability::OsBuffered => (usize::MAX, Duration::ZERO, true),
        };
        let mut new_id = [0u8; LOG_ID_LEN];
        getrandom::fill(&mut new_id).map_err(|_| Error::Rng)?;
        let mut chain = ChainWriter::new(key, new_id, parts.clock);
        let mut conn = Conn::open(config, async_commit)?;
        let s = config.schema_name().to_owned();
        let (head, report, pin) = loop {
            let mut tx = conn.client.transaction().map_err(|e| db("opening the audit log", &e))?;
            let Some(row) = read_head(&mut tx, &s, true)? else {
                if let Some(p) = &parts.pin {
                    return Err(tampered(
                        0,
                        format!(
                            "the database holds no audit log, but the keyring pins its checkpoint at entry {}: \
                             deleted; a new log is not started over it",
                            p.count
                        ),
                    ));
                }
                if !page(&mut tx, &s, 0)?.is_empty() {
                    return Err(tampered(0, "the log has entries but no head row (deleted)".into()));
                }
                if !parts.create {
                    return Err(Error::Io(std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "the database holds no audit log and creating one was not asked for",
                    )));
                }
                let mut head = Head::empty();
                let mut batch = Batch::default();
                let line = chain.genesis(&mut head)?;
                batch.push(0, line)?;
                batch.checkpoint(&chain, &mut head)?;
                let sql = format!(
                    "INSERT INTO {s}.audit_head (id, log_id, next_seq, head, since_checkpoint, checkpoint_seq) \
                     VALUES (1, $1, $2, $3, 0, 1) ON CONFLICT (id) DO NOTHING"
                );
                let n = tx
                    .execute(&sql, &[&chain.log_id().as_slice(), &to_i64(head.next)?, &head.hash.as_slice()])
                    .map_err(|e| db("creating the audit log", &e))?;
                if n == 0 {
                    // Another server created it first: open theirs.
                    drop(tx);
                    continue;
                }
                tx.execute(&conn.insert, &[&batch.seqs, &batch.lines]).map_err(|e| db("creating the audit log", &e))?;
                tx.commit().map_err(|e| db("creating the audit log", &e))?;
                let report = OpenReport {
                    log_id: to_hex(&chain.log_id()),
                    created: true,
                    entries: head.next,
                    recovery: None,
                    sealed_unclosed_tail: false,
                    verified_from: 0,
                };
                break (head, report, batch.pin);
            };
            let (mut head, from) = verify_open(&mut tx, &s, &row, &verifying, parts.pin.as_ref())?;
            chain.set_log_id(row.log_id);
            let unclosed = head.since_checkpoint > 0;
            let mut pin = None;
            if unclosed {
                // The last writer did not close (or others are still writing): seal what is there.
                let mut batch = Batch::default();
                batch.checkpoint(&chain, &mut head)?;
                batch.write(&mut tx, &conn.insert, &conn.update, &head)?;
                pin = batch.pin;
            }
            tx.commit().map_err(|e| db("opening the audit log", &e))?;
            let report = OpenReport {
                log_id: to_hex(&row.log_id),
                created: false,
                entries: head.next,
                recovery: None,
                sealed_unclosed_tail: unclosed,
                verified_from: from,
            };
            break (head, report, pin);
        };
        let log = Self {
            config: config.clone(),
            chain,
            checkpoint_every: parts.checkpoint_every,
            max_batch,
            max_delay,
            on_checkpoint: parts.on_checkpoint,
            conn: Mutex::new(Some(conn)),
            async_commit,
            state: Mutex::new(State {
                queue: VecDeque::new(),
                next_ticket: 0,
                done: HashMap::new(),
                leading: false,
                known: head,
                failed: None,
                closed: false,
            }),
            wake: Condvar::new(),
            acked_lsn: Mutex::new(None),
        };
        let pin = pin.or_else(|| {
            log.latest_anchor().map(|a| AuditPin { log_id: a.log_id(), count: a.count(), head: a.head(), offset: 0 })
        });
        if let Some(p) = pin {
            log.run_hook(&p)?;
        }
        Ok((log, report))
    }

    pub(crate) fn config(&self) -> &PgConfig {
        &self.config
    }

    pub(crate) fn chain(&self) -> &ChainWriter {
        &self.chain
    }

    pub(crate) fn entry_count(&self) -> Result<u64> {
        drop(self.lock()?);
        let mut client = self.config.connect().map_err(|e| Error::AuditWrite(e.to_string()))?;
        let head = read_head(&mut client, self.config.schema_name(), false)?;
        head.map(|h| h.next).ok_or_else(|| tampered(0, "the audit log's head row is gone (deleted)".into()))
    }

    pub(crate) fn append(&self, event: &AuditEvent) -> Result<u64> {
        match self.submit(Job::Append(Box::new(event.clone())))? {
            Done::Seq(s) => Ok(s),
            _ => Err(Error::Internal("an append returns a sequence number".into())),
        }
    }

    #[cfg(test)]
    /// The WAL position (`pg_lsn` text) read inside the last batch's transaction after its rows were written, set
    /// once that batch was flushed and acknowledged.
    pub(crate) fn acked_lsn(&self) -> Option<String> {
        self.acked_lsn.lock().ok().and_then(|l| l.clone())
    }

    pub(crate) fn latest_anchor(&self) -> Option<Anchor> {
        self.state.lock().map_or_else(|p| p.into_inner().known.last_anchor.clone(), |st| st.known.last_anchor.clone())
    }

    pub(crate) fn checkpoint(&self) -> Result<Anchor> {
        match self.submit(Job::Checkpoint)? {
            Done::Anchor(a) => Ok(a),
            _ => Err(Error::Internal("a checkpoint returns an anchor".into())),
        }
    }

    pub(crate) fn certify_erasure(
        &self,
        keys: &[KeyId],
        case: Option<&CaseRef>,
        reason: &str,
        envelopes: Option<u64>,
    ) -> Result<ErasureCertificate> {
        let job = Job::Erasure { keys: keys.to_vec(), case: case.cloned(), reason: reason.to_owned(), envelopes };
        match self.submit(job)? {
            Done::Erasure(c) => Ok(c),
            _ => Err(Error::Internal("an erasure returns a certificate".into())),
        }
    }

    pub(crate) fn close(&self) -> Result<Anchor> {
        let anchor = self.checkpoint()?;
        self.lock()?.closed = true;
        Ok(anchor)
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    fn lock(&self) -> Result<MutexGuard<'_, State>> {
        let st = self.state.lock().map_err(|_| Error::AuditWrite("audit log lock poisoned".into()))?;
        if let Some(f) = &st.failed {
            return Err(Error::AuditWrite(format!("audit log failed earlier and must be reopened: {f}")));
        }
        if st.closed {
            return Err(Error::AuditWrite("audit log is closed".into()));
        }
        Ok(st)
    }

    /// Queue a job and return its result once its transaction committed (or failed). The first waiting thread
    /// that finds no batch running leads one: it gathers what is queued (up to `max_batch`, waiting up to
    /// `max_delay` for more), runs the transaction without the state lock, and hands every job its result; the
    /// others wait. Jobs queued while a batch runs go in the next one.
    fn submit(&self, job: Job) -> Result<Done> {
        let mut st = self.lock()?;
        let ticket = st.next_ticket;
        st.next_ticket += 1;
        st.queue.push_back((ticket, job));
        // A leader gathering a batch counts the newcomer.
        self.wake.notify_all();
        loop {
            if let Some(r) = st.done.remove(&ticket) {
                return r;
            }
            if st.leading {
                st = self.wake.wait(st).map_err(|_| Error::AuditWrite("audit log lock poisoned".into()))?;
                continue;
            }
            st.leading = true;
            let deadline = Instant::now() + self.max_delay;
            loop {
                let now = Instant::now();
                if st.queue.len() >= self.max_batch || now >= deadline {
                    break;
                }
                st = self
                    .wake
                    .wait_timeout(st, deadline - now)
                    .map(|(g, _)| g)
                    .map_err(|_| Error::AuditWrite("audit log lock poisoned".into()))?;
            }
            let failed = st.failed.clone();
            drop(st);
            // The batch is taken once the head row is locked (see `transact`): what queued while this leader waited
            // for the lock joins it.
            let (batch, outcome) = match failed {
                Some(f) => (
                    self.take().unwrap_or_default(),
                    Err(Error::AuditWrite(format!("audit log failed earlier and must be reopened: {f}"))),
                ),
                None => self.run(),
            };
            // The hook sees a committed checkpoint before anyone is told their entry is in: a failing hook fails
            // the whole batch (committed, but not acknowledged) and poisons the log, as for the file.
            let outcome = match outcome {
                Ok((results, head, Some(pin))) => self.run_hook(&pin).map(|()| (results, head)),
                Ok((results, head, None)) => Ok((results, head)),
                Err(e) => Err(e),
            };
            st = self.state.lock().map_err(|_| Error::AuditWrite("audit log lock poisoned".into()))?;
            st.leading = false;
            match outcome {
                Ok((results, head)) => {
                    st.known = head;
                    for ((t, _), r) in batch.iter().zip(results) {
                        st.done.insert(*t, Ok(r));
                    }
                }
                Err(e) => {
                    if matches!(e, Error::AuditTampered { .. } | Error::AuditMalformed { .. }) {
                        st.failed.get_or_insert_with(|| e.to_string());
                    }
                    for (t, _) in &batch {
                        st.done.insert(*t, Err(copy_err(&e)));
                    }
                }
            }
            self.wake.notify_all();
        }
    }

    /// The jobs of the next batch (up to `max_batch`, in arrival order) and the head as this process last left it.
    fn take(&self) -> Result<Vec<(u64, Job)>> {
        let mut st = self.state.lock().map_err(|_| Error::AuditWrite("audit log lock poisoned".into()))?;
        let n = st.queue.len().min(self.max_batch);
        Ok(st.queue.drain(..n).collect())
    }

    /// One batch: see [`Self::transact`]. Returns the jobs it took (taken here if the transaction failed before
    /// taking them, so that they get the error) and the outcome. On a database error the connection is dropped (the
    /// next batch connects again) and nothing is acknowledged; the head is read again under the lock next time, so
    /// an entry whose commit was not confirmed but happened is simply found there.
    fn run(&self) -> (Vec<(u64, Job)>, Outcome) {
        let mut jobs = None;
        let result = self.connect_and_transact(&mut jobs);
        let jobs = match jobs {
            Some(j) => j,
            None => self.take().unwrap_or_default(),
        };
        (jobs, result)
    }

    fn connect_and_transact(&self, jobs: &mut Option<Vec<(u64, Job)>>) -> Result<(Vec<Done>, Head, Option<AuditPin>)> {
        let mut slot = self.conn.lock().map_err(|_| Error::AuditWrite("audit connection lock poisoned".into()))?;
        if slot.as_ref().is_none_or(|c| c.client.is_closed()) {
            *slot = Some(Conn::open(&self.config, self.async_commit)?);
        }
        let conn = slot.as_mut().ok_or_else(|| Error::Internal("connection just opened".into()))?;
        let result = self.transact(conn, jobs);
        if let Err(e) = &result {
            if matches!(e, Error::AuditWrite(_)) {
                *slot = None;
            } else {
                // Leave no transaction open (harmless if none is).
                let _ = conn.client.batch_execute("ROLLBACK");
            }
        }
        result
    }

    /// One transaction, in two round trips while the head row is locked, then a WAL flush after the lock is gone
    /// (`docs/AUDIT.md` §6.4):
    ///
    /// 1. `BEGIN; SET LOCAL synchronous_commit = off; SELECT ... FROM audit_head ... FOR UPDATE; SELECT line FROM
    ///    audit_entries WHERE seq = next_seq - 1`, one simple query (the two `SELECT`s, and step 3's upsert, are
    ///    prepared once per connection and run with `EXECUTE`): under READ COMMITTED the last statement takes its
    ///    own snapshot after the lock is held, so it sees the entry the head row points to.
    /// 2. Take the batch (everything queued by now), check the head against what this process knows (and, if
    ///    others appended, the last entry's hash and authentication), make the entries, then
    ///    `SELECT audit_append(...); COMMIT` in one simple query. The commit returns once its record is in the WAL
    ///    buffers, which releases the lock without waiting for a flush.
    /// 3. The flush: a tiny transaction with an xid that writes WAL (`audit_sync`), committed with the session's
    ///    `synchronous_commit` (on): its commit waits until the WAL is flushed up to its own commit record, which
    ///    comes after this batch's and after every entry this batch chained onto. Only then are the jobs answered.
    fn transact(
        &self,
        conn: &mut Conn,
        jobs: &mut Option<Vec<(u64, Job)>>,
    ) -> Result<(Vec<Done>, Head, Option<AuditPin>)> {
        let msgs = conn.client.simple_query(&conn.lock_sql).map_err(|e| db("locking the audit log's head row", &e))?;
        let (head_row, last) = lock_results(&msgs)?;
        let known = self.state.lock().map_err(|_| Error::AuditWrite("audit log lock poisoned".into()))?.known.clone();
        let jobs: &[(u64, Job)] = jobs.insert(self.take()?);
        let Some((next, hash, since_checkpoint, checkpoint_seq)) = head_row else {
            return Err(tampered(known.next, "the audit log's head row is gone (deleted)".into()));
        };
        let mut head = Head { next, hash, since_checkpoint, last_anchor: known.last_anchor.clone() };
        let key = self.chain.verifying_key();
        let log_id = self.chain.log_id();
        if next < known.next {
            return Err(tampered(
                next,
                format!(
                    "the head row says {next} entries, but this writer already saw {}: the log was cut",
                    known.next
                ),
            ));
        }
        let last_line = || -> Result<&str> {
            last.as_deref().ok_or_else(|| {
                tampered(next - 1, format!("the head row points past the entries: entry {} is missing", next - 1))
            })
        };
        if (next, hash) != (known.next, known.hash) {
            // Others appended: chain only onto a genuine entry, at the place the head row says, with its hash.
            let e = decode(last_line()?.as_bytes(), next)?;
            if e.seq != next - 1 || e.hash != hash {
                return Err(tampered(next - 1, "the head row disagrees with the last entry".into()));
            }
            check_auth(&e, &log_id, &key)?;
        }
        let mut batch = Batch { checkpoint_seq, ..Batch::default() };
        let mut out = Vec::with_capacity(jobs.len());
        for (_, job) in jobs {
            match job {
                Job::Append(event) => {
                    let seq = head.next;
                    let line = self.chain.entry(&mut head, event, None)?;
                    batch.push(seq, line)?;
                    if ChainWriter::checkpoint_due(&head, self.checkpoint_every) {
                        batch.checkpoint(&self.chain, &mut head)?;
                    }
                    out.push(Done::Seq(seq));
                }
                Job::Checkpoint if head.since_checkpoint > 0 => {
                    out.push(Done::Anchor(batch.checkpoint(&self.chain, &mut head)?));
                }
                Job::Checkpoint => {
                    // The last entry is a checkpoint already: return it (the one this writer knows, or the one
                    // another wrote, read and checked).
                    let anchor = match &head.last_anchor {
                        Some(a) if a.count() + 1 == head.next => a.clone(),
                        _ if batch.seqs.is_empty() => {
                            let e = decode(last_line()?.as_bytes(), next)?;
                            let sig = e.sig.filter(|_| e.kind() == EventKind::Checkpoint).ok_or_else(|| {
                                tampered(e.seq, "the head row says the last entry is a checkpoint; it is not".into())
                            })?;
                            let a = Anchor::new(log_id, e.seq, e.prev, ed25519_dalek::Signature::from_bytes(&sig));
                            a.verify(&crate::keys::VerifyingKey::from_dalek(key))
                                .map_err(|_| tampered(e.seq, "checkpoint signature does not verify".into()))?;
                            head.last_anchor = Some(a.clone());
                            a
                        }
                        _ => {
                            return Err(Error::Internal(
                                "a checkpoint written in this batch is the last anchor".into(),
                            ));
                        }
                    };
                    out.push(Done::Anchor(anchor));
                }
                Job::Erasure { keys, case, reason, envelopes } => {
                    let seq = head.next;
                    let (line, cert) = self.chain.erasure(&mut head, keys, case.as_ref(), reason, *envelopes)?;
                    batch.push(seq, line)?;
                    out.push(Done::Erasure(cert));
                }
            }
        }
        let lsn = if batch.seqs.is_empty() {
            conn.client.batch_execute("COMMIT").map_err(|e| db("committing audit entries", &e))?;
            None
        } else {
            let msgs = conn
                .client
                .simple_query(&batch.append_sql(&conn.schema, &head)?)
                .map_err(|e| db("committing audit entries", &e))?;
            msgs.iter().find_map(|m| match m {
                postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
                _ => None,
            })
        };
        if !self.async_commit {
            // Whether or not this batch wrote anything, what it acknowledges (its entries, or an anchor another
            // writer committed asynchronously) must be durable first.
            conn.client.batch_execute(&conn.sync_sql).map_err(|e| db("flushing the audit log's WAL", &e))?;
        }
        if let Some(lsn) = lsn
            && let Ok(mut l) = self.acked_lsn.lock()
        {
            *l = Some(lsn);
        }
        Ok((out, head, batch.pin))
    }

    fn run_hook(&self, pin: &AuditPin) -> Result<()> {
        let Some(hook) = &self.on_checkpoint else { return Ok(()) };
        hook(pin).map_err(|e| {
            let msg = format!("checkpoint {} is committed but could not be pinned: {e}", pin.count);
            if let Ok(mut st) = self.state.lock() {
                st.failed.get_or_insert_with(|| msg.clone());
            }
            Error::AuditWrite(msg)
        })
    }
}

impl Drop for PgLog {
    fn drop(&mut self) {
        let open = self.state.lock().is_ok_and(|st| !st.closed && st.failed.is_none());
        if open {
            let _ = self.close();
        }
    }
}

/// Verify, inside the opening transaction (the head row locked), the log from the pinned checkpoint (else the
/// checkpoint the head row names) to its end, and that the head row agrees with it. Returns the head and the
/// sequence number verification started at.
fn verify_open<C: GenericClient>(
    tx: &mut C,
    schema: &str,
    row: &HeadRow,
    key: &ed25519_dalek::VerifyingKey,
    pin: Option<&AuditPin>,
) -> Result<(Head, u64)> {
    let first = page(tx, schema, 0)?;
    let genesis =
        first.first().filter(|(s, _)| *s == 0).ok_or_else(|| tampered(0, "the genesis entry is missing".into()))?;
    let genesis = decode_genesis(genesis.1.as_bytes())?;
    let chain = Chain::from_genesis(&genesis, key)?;
    let log_id = chain.log_id;
    if row.log_id != log_id {
        return Err(tampered(0, "the head row names another log than the genesis entry".into()));
    }
    let start = match pin {
        Some(p) if p.log_id != log_id => {
            return Err(tampered(
                0,
                format!(
                    "the keyring pins audit log {}, but the database holds log {}: the log was replaced",
                    to_hex(&p.log_id),
                    to_hex(&log_id)
                ),
            ));
        }
        Some(p) => p.count,
        None => row.checkpoint_seq,
    };
    if start == 0 || start >= row.next.max(1) {
        return Err(tampered(
            start,
            format!("log truncated or rewritten: the checkpoint at entry {start} is not in the log"),
        ));
    }
    // The entry before the checkpoint, the checkpoint, and everything after it.
    let mut lines = PgLines::new(tx, schema, start - 1);
    let mut buf = Vec::new();
    let missing = |n: u64| tampered(n, format!("log truncated: entry {n} is missing"));
    lines.next_line(&mut buf)?.ok_or_else(|| missing(start - 1))?;
    let before = decode(&buf, start)?;
    lines.next_line(&mut buf)?.ok_or_else(|| missing(start))?;
    let cp = decode(&buf, start + 1)?;
    if let Some(p) = pin
        && (cp.seq != p.count || cp.prev != p.head || cp.kind() != EventKind::Checkpoint)
    {
        return Err(tampered(p.count, format!("the entry at {} is not the checkpoint the keyring pins", p.count)));
    }
    let mut chain = Chain::from_checkpoint(&cp, log_id, key)?;
    if before.seq + 1 != cp.seq || before.hash != cp.prev {
        return Err(tampered(cp.seq, "the checkpoint does not follow the entry it covers".into()));
    }
    check_auth(&before, &log_id, key)?;
    let sig = cp.sig.ok_or_else(|| Error::Internal("a verified checkpoint has a signature".into()))?;
    let mut head = Head {
        next: chain.next,
        hash: chain.head,
        since_checkpoint: 0,
        last_anchor: Some(Anchor::new(log_id, cp.seq, cp.prev, ed25519_dalek::Signature::from_bytes(&sig))),
    };
    let mut checkpoint_seq = cp.seq;
    while lines.next_line(&mut buf)?.is_some() {
        let e = decode(&buf, chain.next + 1)?;
        chain.check(&e)?;
        if e.kind() == EventKind::Checkpoint {
            let sig = e.sig.ok_or_else(|| Error::Internal("a verified checkpoint has a signature".into()))?;
            head.last_anchor = Some(Anchor::new(log_id, e.seq, e.prev, ed25519_dalek::Signature::from_bytes(&sig)));
            head.since_checkpoint = 0;
            checkpoint_seq = e.seq;
        } else {
            head.since_checkpoint += 1;
        }
    }
    head.next = chain.next;
    head.hash = chain.head;
    if (row.next, row.hash, row.since_checkpoint, row.checkpoint_seq)
        != (head.next, head.hash, head.since_checkpoint, checkpoint_seq)
    {
        return Err(tampered(
            head.next,
            format!(
                "the head row disagrees with the entries: it says {} entries, the entries end at {}",
                row.next, head.next
            ),
        ));
    }
    Ok((head, start))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, reason = "tests")]

    use super::*;
    use custodia_testkit::PgCluster;

    const APP: &str = "custodia_app";

    /// A cluster whose WAL writer flushes only every 10 s (its maximum), so that an asynchronously committed
    /// append is not flushed by the time it would be acknowledged unless the ack path flushed it.
    fn cluster() -> (PgCluster, PgConfig) {
        let pg = PgCluster::start_with(&["wal_writer_delay = '10s'", "wal_writer_flush_after = 0"])
            .expect("a PostgreSQL cluster (scripts/install-deps.sh)");
        pg.psql("postgres", &format!("CREATE ROLE {APP} LOGIN")).expect("app role");
        crate::postgres::install_schema(&PgConfig::new(&pg.admin_url()).expect("admin"), APP).expect("schema");
        let app = PgConfig::new(&pg.url(APP, "postgres")).expect("app config");
        (pg, app)
    }

    fn open(app: &PgConfig) -> PgLog {
        PgLog::open(app, crate::keys::SigningKey::from_bytes([7; 32]), AuditOptions::default()).expect("opens").0
    }

    #[test]
    fn an_append_is_acknowledged_only_once_the_wal_holding_it_is_flushed() {
        let (pg, app) = cluster();
        let log = open(&app);
        for i in 0..20 {
            let seq = log.append(&AuditEvent::new(EventKind::Sealed).detail("n", &i.to_string())).expect("appends");
            let lsn = log.acked_lsn().expect("a batch was acknowledged");
            let flushed = pg
                .psql("postgres", &format!("SELECT pg_current_wal_flush_lsn() >= '{lsn}'::pg_lsn"))
                .expect("reads the flush position");
            assert_eq!(flushed.trim(), "t", "entry {seq} acknowledged before the WAL up to {lsn} was flushed");
        }
        log.close().expect("closes");
    }

    #[test]
    fn lines_with_quotes_and_backslashes_are_stored_exactly() {
        let (_pg, app) = cluster();
        let log = open(&app);
        for tricky in ["it's", "back\\slash", "\\'; DROP TABLE x; --", "E'\\x00'", "ünïcødé \u{1F512}", "$$ $a$"] {
            log.append(&AuditEvent::new(EventKind::Sealed).detail("tricky", tricky)).expect("appends");
        }
        log.close().expect("closes");
        let key = crate::keys::SigningKey::from_bytes([7; 32]).verifying_key();
        let report = verify_postgres(&app, &key, &[]).expect("verifies");
        assert!(report.entries >= 8);
    }
}
