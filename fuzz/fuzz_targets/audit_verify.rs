//! Fuzz target `audit_verify`: the checks are `checks::audit_verify` (`fuzz/src/checks.rs`), shared with the regression test.
#![no_main]

#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::audit_verify(data));
