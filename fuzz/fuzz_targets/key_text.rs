//! Fuzz target `key_text`: the checks are `checks::key_text` (`fuzz/src/checks.rs`), shared with the regression test.
#![no_main]

#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::key_text(data));
