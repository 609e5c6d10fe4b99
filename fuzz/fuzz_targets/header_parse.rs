//! Fuzz target `header_parse`: the checks are `checks::header_parse` (`fuzz/src/checks.rs`), shared with the regression test.
#![no_main]

#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::header_parse(data));
