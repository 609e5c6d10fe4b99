//! Fuzz target `receipt`: the checks are `checks::receipt` (`fuzz/src/checks.rs`), shared with the regression test.
#![no_main]

#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::receipt(data));
