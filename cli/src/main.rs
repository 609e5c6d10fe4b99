//! `custodia`: the operator CLI of custodia. Every command maps to the Rust library's facade (`Custodian`) and is
//! recorded in the custodian's audit log as the library records it; nothing here decides policy.
//!
//! Conventions (those of age/rage): standard input and output by default, `-o FILE`, `-a` armor, binary never
//! written to a terminal, secrets never on the command line, `--json` for scripts, exit codes by error class
//! (docs/CLI.md).

#![forbid(unsafe_code)]

mod args;
mod commands;
mod io;

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use custodia_core::{Error, ErrorCategory};

/// Why a command failed: a typed custodia error (its class gives the exit code), or a usage problem of the CLI
/// itself (exit code [`EXIT_USAGE`]).
#[derive(Debug)]
pub(crate) enum Failure {
    /// An error of the library, or an I/O error.
    Custodia(Error),
    /// A missing or contradictory option, a file that is not text, a terminal where binary would go.
    Usage(String),
}

impl Failure {
    /// An I/O error on a file the user named, with its path.
    pub(crate) fn file(path: &Path, e: std::io::Error) -> Self {
        Self::Custodia(Error::Io(std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))))
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Self::Custodia(e)
    }
}

/// Exit code of a usage error (missing or bad options, binary to a terminal): `EX_USAGE` of sysexits.h.
pub(crate) const EXIT_USAGE: u8 = 64;

/// The exit code of an error: its class, from [`custodia_core::ErrorKind::category`] (never a second table): the
/// hundreds digit of its code times ten. `10` invalid input (1xx), `20` refusal by policy (2xx), `30` envelope or
/// format (3xx), `40` key or keyring (4xx), `50` audit (5xx), `90` I/O or environment (9xx), `99` internal.
pub(crate) fn exit_code(e: &Error) -> u8 {
    exit_code_of(e.kind())
}

/// [`exit_code`] of a kind.
pub(crate) fn exit_code_of(kind: custodia_core::ErrorKind) -> u8 {
    match kind.category() {
        ErrorCategory::InvalidInput => 10,
        ErrorCategory::Refusal => 20,
        ErrorCategory::Envelope => 30,
        ErrorCategory::Key => 40,
        ErrorCategory::Audit => 50,
        ErrorCategory::Environment => 90,
        // `Internal`, and any category a later library adds: a fault to report.
        _ => 99,
    }
}

fn category_name(e: &Error) -> &'static str {
    match e.kind().category() {
        ErrorCategory::InvalidInput => "invalid_input",
        ErrorCategory::Refusal => "refusal",
        ErrorCategory::Envelope => "envelope",
        ErrorCategory::Key => "key",
        ErrorCategory::Audit => "audit",
        ErrorCategory::Environment => "environment",
        _ => "internal",
    }
}

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(EXIT_USAGE) } else { ExitCode::SUCCESS };
        }
    };
    let json = cli.json;
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            if json {
                eprintln!("{}", serde_json::json!({ "error": { "category": "usage", "message": msg } }));
            } else {
                eprintln!("custodia: {msg}");
            }
            ExitCode::from(EXIT_USAGE)
        }
        Err(Failure::Custodia(e)) => {
            if json {
                let v = serde_json::json!({ "error": {
                    "code": e.code(), "name": e.kind_name(), "category": category_name(&e), "message": e.to_string(),
                }});
                eprintln!("{v}");
            } else if e.is_refusal() {
                eprintln!("custodia: refused ({} {}): {e}", e.code(), e.kind_name());
            } else {
                eprintln!("custodia: error ({} {}): {e}", e.code(), e.kind_name());
            }
            ExitCode::from(exit_code(&e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use custodia_core::ErrorKind;

    #[test]
    fn every_error_kind_exits_with_its_class() {
        // Derived from the kind's category: the hundreds digit of every code (999 apart) times ten, never the
        // usage code, never success.
        for &k in ErrorKind::ALL {
            let want = if k == ErrorKind::Internal { 99 } else { (k.code() / 100) * 10 };
            assert_eq!(u32::from(exit_code_of(k)), want, "{k}");
            assert_ne!(exit_code_of(k), EXIT_USAGE);
            assert_ne!(exit_code_of(k), 0);
        }
        assert_eq!(exit_code(&Error::WrongPassphrase), 40);
        assert_eq!(exit_code(&Error::Io(std::io::Error::other("disk"))), 90);
    }
}
