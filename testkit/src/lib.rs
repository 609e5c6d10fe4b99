//! The services custodia's tests, examples and benchmarks start for themselves, and stop: never a server that was
//! already running, never the network.
//!
//! - [`PgCluster`]: a PostgreSQL cluster made with Debian's `initdb` in a temporary directory, listening only on a
//!   Unix socket inside that directory, stopped (immediately) and deleted on drop. PostgreSQL refuses to run as root,
//!   so when the test runs as root the cluster runs as the `postgres` system user (`runuser -u postgres`), which
//!   Debian's `postgresql` package creates.
//! - [`SoftHsm`]: a SoftHSM2 configuration whose token directory is a temporary directory, with tokens initialised
//!   by `softhsm2-util`. SoftHSM2 reads `SOFTHSM2_CONF` once per process, so a test that uses it runs itself again
//!   with the variable set ([`SoftHsm::reexec`]).
//!
//! - [`huge_page_advice`]: whether the kernel records huge-page advice (`MADV_HUGEPAGE`) for the memory at an
//!   address of this process, read from `/proc/self/smaps`.
//!
//! `scripts/install-deps.sh` installs both (Debian packages `postgresql` and `softhsm2`).

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Where Debian's `softhsm2` installs its PKCS#11 module.
pub const SOFTHSM_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
/// The user PIN of every token [`SoftHsm::new`] initialises.
pub const SOFTHSM_PIN: &str = "1234";
/// The security officer PIN of every token [`SoftHsm::new`] initialises.
pub const SOFTHSM_SO_PIN: &str = "12345678";

fn other(msg: String) -> io::Error {
    io::Error::other(msg)
}

fn check(what: &str, out: Output) -> io::Result<Output> {
    if out.status.success() {
        Ok(out)
    } else {
        Err(other(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The directory holding Debian's PostgreSQL server binaries (`/usr/lib/postgresql/<major>/bin`, newest major), or
/// the directory of an `initdb` on `PATH`.
///
/// # Errors
/// When no PostgreSQL server is installed (run `scripts/install-deps.sh`).
pub fn pg_bin_dir() -> io::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CUSTODIA_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut majors: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((major, bin))
        })
        .collect();
    majors.sort();
    if let Some((_, bin)) = majors.pop() {
        return Ok(bin);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .find(|p| p.join("initdb").exists() && p.join("pg_ctl").exists())
        .ok_or_else(|| other("no PostgreSQL server (initdb, pg_ctl): run scripts/install-deps.sh".into()))
}

/// An ephemeral PostgreSQL cluster: `initdb` into a temporary directory, `pg_ctl start` on a Unix socket in that
/// directory (no TCP listener), the superuser `postgres` with trust authentication for local connections. Stopped
/// with `pg_ctl stop -m immediate` and deleted on drop.
pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
    stopped: bool,
}

impl std::fmt::Debug for PgCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgCluster").field("dir", &self.dir.path()).field("port", &self.port).finish()
    }
}

impl PgCluster {
    /// Make and start a cluster with default settings.
    ///
    /// # Errors
    /// When PostgreSQL is not installed, or `initdb` / `pg_ctl` fail (their output is in the error).
    pub fn start() -> io::Result<Self> {
        Self::start_with(&[])
    }

    /// Make and start a cluster, adding `settings` (`name = value` lines) to its `postgresql.conf`.
    ///
    /// # Errors
    /// As [`PgCluster::start`].
    pub fn start_with(settings: &[&str]) -> io::Result<Self> {
        let bin = pg_bin_dir()?;
        let as_postgres = is_root();
        let dir = tempfile::Builder::new().prefix("custodia-pg-").tempdir()?;
        if as_postgres {
            check("chown", Command::new("chown").args(["postgres:postgres"]).arg(dir.path()).output()?)?;
        }
        // One port number per cluster (it names the socket file, so clusters in one directory tree never collide);
        // nothing listens on TCP.
        let port = 20_000 + u16::try_from(std::process::id() % 20_000).unwrap_or(0);
        let mut me = Self { dir, bin, port, as_postgres, stopped: true };
        let data = me.data_dir();
        me.run("initdb", &["-D", path_str(&data)?, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])?;
        let socket_dir = me.dir.path().to_path_buf();
        let mut conf = format!(
            "listen_addresses = ''\nunix_socket_directories = '{}'\nport = {}\nfsync = on\nmax_connections = 100\n",
            socket_dir.display(),
            me.port
        );
        for s in settings {
            conf.push_str(s);
            conf.push('\n');
        }
        let conf_path = data.join("postgresql.auto.conf");
        let mut existing = std::fs::read_to_string(&conf_path).unwrap_or_default();
        existing.push_str(&conf);
        std::fs::write(&conf_path, existing)?;
        let log = me.dir.path().join("server.log");
        me.run("pg_ctl", &["-D", path_str(&data)?, "-l", path_str(&log)?, "-w", "-t", "60", "start"])?;
        me.stopped = false;
        Ok(me)
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn run(&self, tool: &str, args: &[&str]) -> io::Result<Output> {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        cmd.args(args).stdin(Stdio::null()).current_dir(self.dir.path());
        check(tool, cmd.output()?)
    }

    /// The directory holding the server's Unix socket (the `host` of a connection string).
    #[must_use]
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The server's port (names its socket file; no TCP listener).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A libpq key-value connection string for `user` on database `dbname`.
    #[must_use]
    pub fn url(&self, user: &str, dbname: &str) -> String {
        format!("host={} port={} user={user} dbname={dbname}", self.dir.path().display(), self.port)
    }

    /// The connection string of the superuser `postgres` on database `postgres`.
    #[must_use]
    pub fn admin_url(&self) -> String {
        self.url("postgres", "postgres")
    }

    /// Run SQL as the superuser through `psql` (`ON_ERROR_STOP`), returning its standard output (unaligned, tuples
    /// only). For test setup and for tests that tamper as a superuser would.
    ///
    /// # Errors
    /// When `psql` fails; its output is in the error.
    pub fn psql(&self, dbname: &str, sql: &str) -> io::Result<String> {
        let out = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(self.dir.path())
            .args(["-p", &self.port.to_string(), "-U", "postgres", "-d", dbname, "-c", sql])
            .stdin(Stdio::null())
            .output()?;
        Ok(String::from_utf8_lossy(&check("psql", out)?.stdout).into_owned())
    }

    /// The server's log so far (for a failing test's message).
    #[must_use]
    pub fn server_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Stop the server now (`pg_ctl stop -m immediate`); also done on drop.
    ///
    /// # Errors
    /// When `pg_ctl` fails.
    pub fn stop(&mut self) -> io::Result<()> {
        if self.stopped {
            return Ok(());
        }
        self.stopped = true;
        let data = self.data_dir();
        self.run("pg_ctl", &["-D", path_str(&data)?, "-m", "immediate", "-w", "stop"]).map(|_| ())
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

fn path_str(p: &Path) -> io::Result<&str> {
    p.to_str().ok_or_else(|| other(format!("path is not UTF-8: {}", p.display())))
}

/// A SoftHSM2 configuration with its token directory in a temporary directory, and tokens initialised in it.
#[derive(Debug)]
pub struct SoftHsm {
    dir: tempfile::TempDir,
}

impl SoftHsm {
    /// Write the configuration and initialise one token per label (user PIN [`SOFTHSM_PIN`], SO PIN
    /// [`SOFTHSM_SO_PIN`]).
    ///
    /// # Errors
    /// When `softhsm2-util` is missing or fails (run `scripts/install-deps.sh`).
    pub fn new(labels: &[&str]) -> io::Result<Self> {
        if !Path::new(SOFTHSM_MODULE).exists() {
            return Err(other(format!("{SOFTHSM_MODULE} is missing: run scripts/install-deps.sh (softhsm2)")));
        }
        let dir = tempfile::Builder::new().prefix("custodia-hsm-").tempdir()?;
        let tokens = dir.path().join("tokens");
        std::fs::create_dir(&tokens)?;
        let me = Self { dir };
        std::fs::write(
            me.conf(),
            format!("directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n", tokens.display()),
        )?;
        for label in labels {
            let out = Command::new("softhsm2-util")
                .env("SOFTHSM2_CONF", me.conf())
                .args(["--init-token", "--free", "--label", label, "--so-pin", SOFTHSM_SO_PIN, "--pin", SOFTHSM_PIN])
                .output()?;
            check(&format!("softhsm2-util --init-token {label}"), out)?;
        }
        Ok(me)
    }

    /// The configuration file to put in `SOFTHSM2_CONF`.
    #[must_use]
    pub fn conf(&self) -> PathBuf {
        self.dir.path().join("softhsm2.conf")
    }

    /// Run the current executable again with `SOFTHSM2_CONF` set and `marker=1` in its environment (and the same
    /// arguments), wait for it, and return its exit code. The child checks `marker` to know it is the child.
    ///
    /// # Errors
    /// When the child cannot be started.
    pub fn reexec(&self, marker: &str) -> io::Result<i32> {
        let status = Command::new(std::env::current_exe()?)
            .args(std::env::args_os().skip(1))
            .env("SOFTHSM2_CONF", self.conf())
            .env(marker, "1")
            .status()?;
        Ok(status.code().unwrap_or(1))
    }
}

/// Whether the mapping of this process that contains `addr` carries huge-page advice (the `hg` flag of its
/// `VmFlags` in `/proc/self/smaps`): `None` where that cannot be told (not Linux, no such mapping listed, or
/// transparent huge pages set to `never`, when no advice is ever recorded as taking effect).
#[must_use]
pub fn huge_page_advice(addr: usize) -> Option<bool> {
    let thp = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").ok()?;
    if thp.contains("[never]") {
        return None;
    }
    let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
    let mut inside = false;
    for line in smaps.lines() {
        let first = line.split_whitespace().next().unwrap_or("");
        if let Some((a, b)) = first.split_once('-')
            && let (Ok(a), Ok(b)) = (usize::from_str_radix(a, 16), usize::from_str_radix(b, 16))
        {
            inside = a <= addr && addr < b;
            continue;
        }
        if inside && let Some(flags) = line.strip_prefix("VmFlags:") {
            return Some(flags.split_whitespace().any(|f| f == "hg"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_starts_answers_and_stops() {
        let mut pg = PgCluster::start().expect("start");
        assert_eq!(pg.psql("postgres", "SELECT 40 + 2").expect("psql").trim(), "42");
        let socket = pg.socket_dir().join(format!(".s.PGSQL.{}", pg.port()));
        assert!(socket.exists(), "the server listens on its own socket");
        pg.stop().expect("stop");
        assert!(!socket.exists(), "stopped");
        assert!(pg.psql("postgres", "SELECT 1").is_err(), "no server after stop");
    }
}
