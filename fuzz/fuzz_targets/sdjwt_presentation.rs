//! Fuzz target `sdjwt_presentation`: the checks are `checks::sdjwt_presentation` (`fuzz/src/checks.rs`), shared with
//! the regression test.
#![no_main]

#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::sdjwt_presentation(data));
