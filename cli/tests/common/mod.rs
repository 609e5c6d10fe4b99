//! Running the built `custodia` binary in a private custodian directory, with the environment a test chooses and
//! nothing inherited that could change its behaviour.

#![allow(dead_code, unreachable_pub, reason = "each test binary uses a part of these helpers")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_custodia");

/// The keyring passphrase the tests use (through the environment, never the command line).
pub const PASSPHRASE: &str = "correct horse battery staple";

/// A custodian directory in a temporary directory, and the actor environment for the binary.
pub struct Env {
    pub tmp: tempfile::TempDir,
    pub dir: PathBuf,
    pub actor: &'static str,
    pub jurisdiction: &'static str,
}

impl Env {
    /// A new custodian (`custodia init` with the cheapest Argon2id the library accepts, so tests stay fast).
    pub fn new() -> Self {
        Self::with_actor("anna", "DE")
    }

    /// A new custodian whose actor is `actor` in `jurisdiction`.
    pub fn with_actor(actor: &'static str, jurisdiction: &'static str) -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("custodian");
        let env = Self { tmp, dir, actor, jurisdiction };
        env.ok(&["init", "--kdf-memory-kib", "64", "--kdf-passes", "1"]);
        env
    }

    /// A path in the temporary directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// The binary with this custodian's directory, passphrase and actor in its environment, and nothing else of
    /// custodia's inherited.
    pub fn cmd(&self, args: &[&str]) -> Command {
        self.cmd_bin(BIN, args)
    }

    /// [`Env::cmd`] for another build of the binary.
    pub fn cmd_bin(&self, bin: &str, args: &[&str]) -> Command {
        let mut c = bare_bin(bin, args);
        c.env("CUSTODIA_DIR", &self.dir)
            .env("CUSTODIA_PASSPHRASE", PASSPHRASE)
            .env("CUSTODIA_ACTOR", self.actor)
            .env("CUSTODIA_JURISDICTION", self.jurisdiction)
            .env("CUSTODIA_CLEARANCE", "secret")
            .env("CUSTODIA_ROLE", "prosecutor");
        c
    }

    /// Run with `stdin`, return the output.
    pub fn run_in(&self, args: &[&str], stdin: &[u8]) -> Output {
        run(self.cmd(args), stdin)
    }

    /// Run with empty stdin.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_in(args, b"")
    }

    /// Run, expect success, return stdout as text (trimmed).
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_ok(&out, args);
        String::from_utf8(out.stdout).expect("utf-8").trim().to_owned()
    }

    /// Run with `stdin`, expect success, return stdout bytes.
    pub fn ok_in(&self, args: &[&str], stdin: &[u8]) -> Vec<u8> {
        let out = self.run_in(args, stdin);
        assert_ok(&out, args);
        out.stdout
    }

    /// Run, expect success, parse stdout as JSON.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let out = self.ok(&a);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: stdout is not JSON ({e}): {out}"))
    }

    /// Generate a key of `kind`; its id.
    pub fn keygen(&self, kind: &str) -> String {
        self.ok(&["keygen", "--kind", kind, "--label", kind])
    }
}

/// The binary with no custodia variable from the parent's environment.
pub fn bare(args: &[&str]) -> Command {
    bare_bin(BIN, args)
}

/// [`bare`] for another build of the binary.
pub fn bare_bin(bin: &str, args: &[&str]) -> Command {
    let mut c = Command::new(bin);
    c.args(args);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("CUSTODIA_") {
            c.env_remove(k);
        }
    }
    c
}

/// Run `c` with `stdin`, wait, return the output.
pub fn run(mut c: Command, stdin: &[u8]) -> Output {
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn custodia");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    writer.join().expect("stdin writer");
    out
}

/// Fail with the command's stderr unless it succeeded.
pub fn assert_ok(out: &Output, args: &[&str]) {
    assert!(
        out.status.success(),
        "custodia {args:?} failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Expect exit code `code`, and the error's stable name on stderr; return stderr.
pub fn assert_fails(out: &Output, code: i32, name: &str) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    assert!(err.contains(name), "{name} not in stderr: {err}");
    err
}

/// The text of a file.
pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).expect("read")
}
