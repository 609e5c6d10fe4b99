//! Fuzz target `anchor_certificate`: the checks are `checks::anchor_certificate` (`fuzz/src/checks.rs`), shared with the regression test.
#![no_main]

#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::anchor_certificate(data));
