//! `libcustodia.so` and `libcustodia.a`: the C ABI of custodia, every exported function of which is defined (and
//! documented) in the crate `custodia-ffi`. Linking that crate in is all this library does: a `cdylib` or
//! `staticlib` exports the `#[no_mangle]` functions of the crates it links.

#![forbid(unsafe_code)]

pub use custodia_ffi::*;
