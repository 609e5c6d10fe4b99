//! Fuzz target `record_parse`: the checks are `checks::record_parse` (`fuzz/src/checks.rs`), shared with the
//! regression test.
#![no_main]

#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::record_parse(data));
