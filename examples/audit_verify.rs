//! Verify a custodia audit log.
//!
//! ```text
//! cargo run --example audit_verify -- <audit.log> <audit public key: 64 hex digits or custodia-ed25519-public:...> [anchor.json ...]
//! ```
//!
//! Prints the report and exits 0 when the log verifies; prints the first problem and exits 1 otherwise; exits 2
//! on bad usage.

use std::process::ExitCode;

use custodia::audit::{Anchor, VerifyingKey, verify};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, key_hex, anchor_files @ ..] = args.as_slice() else {
        eprintln!("usage: audit_verify <audit.log> <audit public key> [anchor.json ...]");
        return ExitCode::from(2);
    };
    let Some(key) = parse_key(key_hex) else {
        eprintln!("the public key must be custodia-ed25519-public:... or 64 hex digits of a valid Ed25519 key");
        return ExitCode::from(2);
    };
    let mut anchors = Vec::new();
    for f in anchor_files {
        match std::fs::read_to_string(f).map_err(custodia::Error::from).and_then(|t| Anchor::from_json(t.trim())) {
            Ok(a) => anchors.push(a),
            Err(e) => {
                eprintln!("{f}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    match verify(std::path::Path::new(path), &key, &anchors) {
        Ok(r) => {
            println!("OK: audit log {} verifies", r.log_id);
            println!("  entries checked:      {}", r.entries);
            println!("  checkpoints checked:  {}", r.checkpoints);
            println!("  erasure certificates: {}", r.erasures);
            println!("  anchors checked:      {}", r.anchors);
            println!("  crash recoveries:     {}", r.recoveries);
            println!("  head hash:            {}", r.head);
            if r.unsealed_tail > 0 {
                println!(
                    "WARNING: the last {} entries follow the last checkpoint: each is signed, but entries may have \
                     been cut from the end after them",
                    r.unsealed_tail
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("FAILED (error {} {}): {e}", e.code(), e.kind_name());
            ExitCode::from(1)
        }
    }
}

/// Accepts the text form `custodia-ed25519-public:...` that `Custodian::audit_public_key` exports, or 64 hex digits:
/// custodia's own key type reads both, so a verifier needs no Ed25519 crate of its own.
fn parse_key(text: &str) -> Option<VerifyingKey> {
    if let Ok(key) = text.parse::<VerifyingKey>() {
        return Some(key);
    }
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut b = [0u8; 32];
    for (i, o) in b.iter_mut().enumerate() {
        *o = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    VerifyingKey::from_bytes(b).ok()
}
