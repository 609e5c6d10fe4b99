//! Fuzz target `merkle_parse`: the checks are `checks::merkle_parse` (`fuzz/src/checks.rs`), shared with the regression test.
#![no_main]

#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::merkle_parse(data));
