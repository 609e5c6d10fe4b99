//! The keyring's document in PostgreSQL (feature `postgres`; docs/KEYS.md "The keyring on PostgreSQL"): one row of
//! the table `<schema>.keyring` (src/postgres/keyring.sql) holds the same sealed bytes as `keyring.cdk` would, with
//! a version number that every write raises by one.
//!
//! - Read: `SELECT version, document` (one statement, so one committed row).
//! - Write: in one transaction, `SELECT ... FOR UPDATE` (the row lock is the cross-server lock the file store gets
//!   from `flock`), the keyring re-reads and changes the document, `UPDATE ... SET version = version + 1`, commit.
//!   Two servers changing the keyring at once are serialized by the row lock, so neither loses the other's change.
//! - Staleness: `SELECT version`, compared with the version last read or written (one round trip; the
//!   `pg_keyring` example measures it).
//!
//! The database never sees a clear secret: the document is encrypted and authenticated under the key derived from
//! the passphrase (or master key), and a case key wrapped by a provider is inside it only as the provider's wrapping.
//! A row altered in place fails the document's authentication ([`Error::KeyringCorrupt`]); a row replaced by an
//! older document of the same keyring is refused when its body's generation is below the highest this keyring has
//! seen (what is and is not detected: docs/KEYS.md).

use std::sync::{Mutex, MutexGuard};

use crate::error::{Error, Result};
use crate::keys::keyring::{DocumentStore, Keyring, MAX_KEYRING_LEN, Transaction};
use crate::keys::{KdfParams, Unlock};
use crate::postgres::PgConfig;

/// The name of the keyring's row. One keyring per schema; the column exists so that the table's shape does not
/// change if a deployment ever needs more.
pub(crate) const KEYRING_ROW: &str = "default";

/// The SQLSTATE of a unique violation: two servers created the keyring at once.
const UNIQUE_VIOLATION: &str = "23505";

/// The keyring's row in PostgreSQL, through one connection of its own.
pub(crate) struct PgStore {
    config: PgConfig,
    client: Mutex<postgres::Client>,
    table: String,
    /// The row version last read or written.
    seen: Option<i64>,
}

fn db_error(what: &str, e: &postgres::Error) -> Error {
    Error::Io(std::io::Error::other(format!("keyring on PostgreSQL: {what}: {e}")))
}

impl PgStore {
    /// Connect (one connection, reopened if the server closed it).
    pub(crate) fn connect(config: &PgConfig) -> Result<Self> {
        let client = config.connect()?;
        Ok(Self {
            config: config.clone(),
            client: Mutex::new(client),
            table: format!("{}.keyring", config.schema_name()),
            seen: None,
        })
    }

    fn client(&self) -> Result<MutexGuard<'_, postgres::Client>> {
        let mut c = self.client.lock().map_err(|_| Error::Internal("keyring connection lock poisoned".into()))?;
        if c.is_closed() {
            *c = self.config.connect()?;
        }
        Ok(c)
    }

    /// One attempt of [`DocumentStore::transact`]; `Ok(None)` when another server created the row first (retry).
    fn try_transact(&self, f: Transaction<'_>) -> Result<Option<Option<i64>>> {
        let mut client = self.client()?;
        let mut tx = client.transaction().map_err(|e| db_error("begin", &e))?;
        let row = tx
            .query_opt(
                &format!("SELECT version, document FROM {} WHERE name = $1 FOR UPDATE", self.table),
                &[&KEYRING_ROW],
            )
            .map_err(|e| db_error("read", &e))?;
        let (version, doc): (Option<i64>, Option<Vec<u8>>) = match row {
            Some(r) => (Some(r.get(0)), Some(r.get(1))),
            None => (None, None),
        };
        check_len(doc.as_deref())?;
        // On any error from here the transaction is dropped, and so rolled back: nothing is written.
        let out = f(doc.as_deref())?;
        let seen = match (out, version) {
            (None, v) => v,
            (Some(new), Some(v)) => {
                let next = v + 1;
                tx.execute(
                    &format!(
                        "UPDATE {} SET version = $2, document = $3, updated_at = now() WHERE name = $1",
                        self.table
                    ),
                    &[&KEYRING_ROW, &next, &new],
                )
                .map_err(|e| db_error("write", &e))?;
                Some(next)
            }
            (Some(new), None) => {
                let inserted = tx.execute(
                    &format!("INSERT INTO {} (name, version, document) VALUES ($1, 1, $2)", self.table),
                    &[&KEYRING_ROW, &new],
                );
                match inserted {
                    Ok(_) => Some(1),
                    Err(e) if e.code().is_some_and(|c| c.code() == UNIQUE_VIOLATION) => return Ok(None),
                    Err(e) => return Err(db_error("create", &e)),
                }
            }
        };
        tx.commit().map_err(|e| db_error("commit", &e))?;
        Ok(Some(seen))
    }
}

/// A document larger than any keyring is refused before it is parsed.
fn check_len(doc: Option<&[u8]>) -> Result<()> {
    match doc {
        Some(d) if d.len() as u64 > MAX_KEYRING_LEN => {
            Err(Error::KeyringCorrupt(format!("row of {} bytes is larger than any keyring", d.len())))
        }
        _ => Ok(()),
    }
}

impl DocumentStore for PgStore {
    fn transact(&mut self, f: Transaction<'_>) -> Result<()> {
        // A second attempt only when two servers created the keyring at once: the loser reads the winner's.
        for _ in 0..2 {
            if let Some(seen) = self.try_transact(f)? {
                if seen.is_some() {
                    self.seen = seen;
                }
                return Ok(());
            }
        }
        Err(Error::Conflict { what: crate::error::ConflictReason::KeyExists, key_id: None, case_ref: None })
    }

    fn read(&mut self, f: &mut dyn FnMut(Option<&[u8]>) -> Result<()>) -> Result<()> {
        let row = self
            .client()?
            .query_opt(&format!("SELECT version, document FROM {} WHERE name = $1", self.table), &[&KEYRING_ROW])
            .map_err(|e| db_error("read", &e))?;
        let (version, doc): (Option<i64>, Option<Vec<u8>>) = match row {
            Some(r) => (Some(r.get(0)), Some(r.get(1))),
            None => (None, None),
        };
        check_len(doc.as_deref())?;
        f(doc.as_deref())?;
        if version.is_some() {
            self.seen = version;
        }
        Ok(())
    }

    /// One query of the row's version.
    fn is_stale(&self) -> Result<bool> {
        let Some(seen) = self.seen else { return Ok(true) };
        let row = self
            .client()?
            .query_opt(&format!("SELECT version FROM {} WHERE name = $1", self.table), &[&KEYRING_ROW])
            .map_err(|e| db_error("read the version", &e))?;
        Ok(row.map(|r| r.get::<_, i64>(0)) != Some(seen))
    }

    fn refuses_rollback(&self) -> bool {
        true
    }

    fn reopen(&self) -> Result<Box<dyn DocumentStore>> {
        Ok(Box::new(Self::connect(&self.config)?))
    }

    fn describe(&self) -> &'static str {
        "the keyring row in PostgreSQL"
    }

    #[cfg(any(test, feature = "danger-test-hooks"))]
    fn peek(&self) -> Result<Option<Vec<u8>>> {
        let row = self
            .client()?
            .query_opt(&format!("SELECT document FROM {} WHERE name = $1", self.table), &[&KEYRING_ROW])
            .map_err(|e| db_error("read", &e))?;
        Ok(row.map(|r| r.get(0)))
    }
}

impl Keyring {
    /// Open (with `create`, start) the keyring kept in PostgreSQL per `config`; `dir` is the custodian's directory.
    ///
    /// # Errors
    /// As [`Keyring::open`]; [`Error::CustodianNotFound`] when the row does not exist and `create` is false;
    /// [`Error::Io`] when the database cannot be reached or refuses.
    pub(crate) fn open_pg(
        dir: &std::path::Path,
        config: &PgConfig,
        unlock: &Unlock,
        kdf: KdfParams,
        create: bool,
    ) -> Result<Self> {
        Self::open_in(dir, Box::new(PgStore::connect(config)?), unlock, kdf, create)
    }
}
