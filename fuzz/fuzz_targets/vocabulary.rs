//! Fuzz target `vocabulary`: the checks are `checks::vocabulary` (`fuzz/src/checks.rs`), shared with the regression test.
#![no_main]

#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::vocabulary(data));
