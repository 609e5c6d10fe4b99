//! Versions (of the library and of its C ABI) and process-wide counts of live objects.

use core::ffi::{CStr, c_char};

use super::boundary::call;
use super::status::custodia_status;
use super::{buffer, handles};

/// The major version of the custodia library (from `Cargo.toml`; checked by a test).
pub const CUSTODIA_VERSION_MAJOR: u32 = 0;
/// The minor version of the custodia library.
pub const CUSTODIA_VERSION_MINOR: u32 = 1;
/// The patch version of the custodia library.
pub const CUSTODIA_VERSION_PATCH: u32 = 0;
/// The version of the C ABI this header describes. It changes whenever a function, type or constant changes
/// incompatibly; a host compares it with `custodia_abi_version()` at start-up and refuses to run on a mismatch.
/// Recorded as `package.metadata.custodia.abi-version` in `Cargo.toml` (checked by a test).
pub const CUSTODIA_ABI_VERSION: u32 = 4;

const VERSION: &CStr = match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
    Ok(v) => v,
    Err(_) => panic!("the package version contains no NUL"),
};

/// The library version as text (`"0.1.0"`). Never NULL.
///
/// # Safety
///
/// Always safe to call, from any thread. The string is static: do not free it. Does not change the last error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_version() -> *const c_char {
    VERSION.as_ptr()
}

/// The ABI version of the loaded library. Compare it with `CUSTODIA_ABI_VERSION` from the header the host was
/// built against (bindings compare it with the version they were written for) before any other call.
///
/// # Safety
///
/// Always safe to call, from any thread. Does not change the last error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_abi_version() -> u32 {
    CUSTODIA_ABI_VERSION
}

/// How many handles and buffers are live in this process (issued and not yet freed). For tests and leak hunting
/// in hosts: a count that only grows means something is not being freed. Either pointer may be NULL.
///
/// # Safety
///
/// `out_handles` and `out_buffers` are each NULL or writable. Any thread; the counts are a snapshot.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_live_counts(out_handles: *mut usize, out_buffers: *mut usize) -> custodia_status {
    call(|| {
        let (handles, buffers) = (handles::live_count(), buffer::live_count());
        // SAFETY: the caller guarantees each pointer NULL or writable.
        unsafe {
            if let Some(out) = out_handles.as_mut() {
                *out = handles;
            }
            if let Some(out) = out_buffers.as_mut() {
                *out = buffers;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_match_cargo_toml() {
        let part = |s: &str| s.parse::<u32>().expect("numeric version");
        assert_eq!(CUSTODIA_VERSION_MAJOR, part(env!("CARGO_PKG_VERSION_MAJOR")));
        assert_eq!(CUSTODIA_VERSION_MINOR, part(env!("CARGO_PKG_VERSION_MINOR")));
        assert_eq!(CUSTODIA_VERSION_PATCH, part(env!("CARGO_PKG_VERSION_PATCH")));
        // SAFETY: static NUL-terminated string.
        let text = unsafe { CStr::from_ptr(custodia_version()) }.to_str().expect("ASCII");
        assert_eq!(text, env!("CARGO_PKG_VERSION"));
        // The library version is the Rust library's: both manifests carry the same one (and libcustodia/'s).
        let package_version = |manifest: &'static str| {
            manifest.lines().find_map(|l| l.strip_prefix("version = ")).expect("a package version").trim_matches('"')
        };
        assert_eq!(package_version(include_str!("../../Cargo.toml")), env!("CARGO_PKG_VERSION"));
        assert_eq!(package_version(include_str!("../libcustodia/Cargo.toml")), env!("CARGO_PKG_VERSION"));

        let manifest = include_str!("../Cargo.toml");
        let abi = manifest
            .lines()
            .skip_while(|l| l.trim() != "[package.metadata.custodia]")
            .find_map(|l| l.trim().strip_prefix("abi-version = "))
            .expect("Cargo.toml has [package.metadata.custodia] abi-version");
        assert_eq!(CUSTODIA_ABI_VERSION, part(abi));
        // SAFETY: no preconditions.
        assert_eq!(unsafe { custodia_abi_version() }, CUSTODIA_ABI_VERSION);
    }
}
