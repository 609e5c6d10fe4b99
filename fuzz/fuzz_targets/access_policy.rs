//! Fuzz target `access_policy`: the checks are `checks::access_policy` (`fuzz/src/checks.rs`), shared with the regression test.
#![no_main]

#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::access_policy(data));
