//! PostgreSQL as the shared store of a deployment with many application servers (feature `postgres`;
//! docs/DEPLOYMENT.md): one audit log every server appends to, and the keyring's metadata every server reads.
//!
//! The database is not trusted with anything it could betray unnoticed: the audit log's entries carry the same
//! hash chain and signatures as the file log, and the keyring document is the same sealed (encrypted and
//! authenticated) bytes as `keyring.cdk`. What the database adds is one place, transactions and row locks.
//!
//! Two roles: an administrator (the schema's owner, used once by [`install_schema`]) and the application's role,
//! which may only read and insert where the log is concerned; updates and deletes of log rows are refused by the
//! database (privileges not granted, and a trigger).

use core::fmt;

use crate::error::{Error, Result};

/// How to reach the database: a libpq connection string (key-value `host=... user=... dbname=...` or a
/// `postgresql://` URL), and the schema custodia's tables live in. Its `Debug` never shows the connection string,
/// which may hold a password.
#[derive(Clone)]
pub struct PgConfig {
    conninfo: String,
    schema: String,
}

impl fmt::Debug for PgConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgConfig").field("schema", &self.schema).finish_non_exhaustive()
    }
}

/// The schema custodia uses unless told otherwise.
pub const DEFAULT_SCHEMA: &str = "custodia";

impl PgConfig {
    /// A configuration for this connection string, with the schema [`DEFAULT_SCHEMA`].
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the connection string does not parse.
    pub fn new(conninfo: &str) -> Result<Self> {
        conninfo
            .parse::<postgres::Config>()
            .map_err(|_| Error::InvalidArgument("the PostgreSQL connection string does not parse".into()))?;
        Ok(Self { conninfo: conninfo.to_owned(), schema: DEFAULT_SCHEMA.to_owned() })
    }

    /// Use this schema instead of [`DEFAULT_SCHEMA`] (an SQL identifier: lowercase ASCII letters, digits and `_`,
    /// starting with a letter, at most 63 bytes).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for any other name.
    pub fn schema(mut self, schema: &str) -> Result<Self> {
        check_identifier(schema)?;
        schema.clone_into(&mut self.schema);
        Ok(self)
    }

    /// The schema's name.
    #[must_use]
    pub fn schema_name(&self) -> &str {
        &self.schema
    }

    /// Open a new connection (synchronous; the `postgres` crate).
    pub(crate) fn connect(&self) -> Result<postgres::Client> {
        self.conninfo
            .parse::<postgres::Config>()
            .map_err(|_| Error::InvalidArgument("the PostgreSQL connection string does not parse".into()))?
            .connect(postgres::NoTls)
            .map_err(|e| Error::Io(std::io::Error::other(format!("connecting to PostgreSQL: {e}"))))
    }
}

/// Check an SQL identifier custodia splices into statements (schema and role names): lowercase ASCII letters,
/// digits and `_`, starting with a letter, 1 to 63 bytes. Nothing else is ever spliced; values are parameters.
pub(crate) fn check_identifier(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.as_bytes()[0].is_ascii_lowercase()
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok { Ok(()) } else { Err(Error::InvalidArgument(format!("{name:?} is not a plain SQL identifier"))) }
}

/// Create custodia's schema, tables and triggers (idempotent), and grant `app_role` what the application needs
/// and no more. Run once, as the schema's owner (`admin`), never with the application's own connection.
///
/// # Errors
/// [`Error::InvalidArgument`] for a role name that is not a plain identifier; [`Error::Io`] when the database
/// refuses.
pub fn install_schema(admin: &PgConfig, app_role: &str) -> Result<()> {
    check_identifier(app_role)?;
    let mut client = admin.connect()?;
    let schema = &admin.schema;
    let sql = [AUDIT_SQL, KEYRING_SQL]
        .iter()
        .map(|s| s.replace("{schema}", schema).replace("{app_role}", app_role))
        .collect::<Vec<_>>()
        .join("\n");
    let setup = format!("CREATE SCHEMA IF NOT EXISTS {schema};\nGRANT USAGE ON SCHEMA {schema} TO {app_role};\n{sql}");
    client
        .batch_execute(&setup)
        .map_err(|e| Error::Io(std::io::Error::other(format!("installing the custodia schema: {e}"))))
}

/// The audit log's tables, triggers and grants (`{schema}` and `{app_role}` are replaced by checked identifiers).
const AUDIT_SQL: &str = include_str!("postgres/audit.sql");
/// The keyring's tables and grants (`{schema}` and `{app_role}` are replaced by checked identifiers).
const KEYRING_SQL: &str = include_str!("postgres/keyring.sql");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_checked_and_debug_hides_the_connection_string() {
        assert!(check_identifier("custodia_app").is_ok());
        for bad in ["", "Custodia", "1abc", "a-b", "a;drop", "a b", &"a".repeat(64)] {
            assert!(check_identifier(bad).is_err(), "{bad:?}");
        }
        let c = PgConfig::new("host=/tmp user=app password=hunter2 dbname=x").expect("parses");
        assert!(!format!("{c:?}").contains("hunter2"));
        assert!(PgConfig::new("host=/tmp port=notanumber").is_err());
    }
}
