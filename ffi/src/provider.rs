//! The callback key provider ([`custodia_key_provider`]): a host's own key service (a KMS, an HSM it drives itself)
//! plugged into custodians as a `custodia_core::KeyProvider`, through a table of C function pointers and a
//! `void *user_data`.
//!
//! Unlike the stream callbacks, these are kept: a provider added to custodian options is called during every seal,
//! share and open of a custodian opened with them that needs one of its keys, on the thread of that call, and from
//! several threads at once when the host uses the custodian so. The host's functions must be thread-safe and must
//! return normally (no `longjmp`, no C++ exception, no Python or Java exception escaping: the bindings catch them).
//! Any return value other than the documented ones is a failure, and 0 is `CUSTODIA_PROVIDER_FAILED`, so a callback
//! that crashed out of its language's handler with a default return value fails closed.

use core::ffi::{c_char, c_void};
use core::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use zeroize::Zeroizing;

use super::args::{Out, str_arg};
use super::boundary::call;
use super::handles;
use super::status::custodia_status;
use crate::error::{Error, Result};
use custodia_core::format::{MAX_EXTERNAL_WRAPPED, StanzaKind};
use custodia_core::{Error as CoreError, KEY_ID_LEN, KeyId, KeyProvider, Unwrapped};

/// What a provider callback returns. Any other value, 0 included, is a failure.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum custodia_provider_result {
    /// The operation failed (`CUSTODIA_ERR_PROVIDER_FAILED` for the custodia call). Also what 0 means, so that a
    /// callback that returns a default value has failed.
    CUSTODIA_PROVIDER_FAILED = 0,
    /// Done: the key is held (`holds`), wrapped (`wrap`) or unwrapped (`unwrap`).
    CUSTODIA_PROVIDER_OK = 1,
    /// Not mine: the provider holds no key with this id (`holds`, `unwrap`).
    CUSTODIA_PROVIDER_NOT_MINE = 2,
    /// `unwrap` only: the key is held, but the wrapped bytes or the associated data did not authenticate
    /// (`CUSTODIA_ERR_OPEN_FAILED`).
    CUSTODIA_PROVIDER_AUTH_FAILED = 3,
    /// The key service could not be reached (`CUSTODIA_ERR_PROVIDER_UNAVAILABLE`).
    CUSTODIA_PROVIDER_UNAVAILABLE = 4,
}

/// Whether the provider holds the key `key_id` (16 bytes): return `CUSTODIA_PROVIDER_OK` if it does,
/// `CUSTODIA_PROVIDER_NOT_MINE` if not, `CUSTODIA_PROVIDER_UNAVAILABLE` or `CUSTODIA_PROVIDER_FAILED`.
pub type custodia_provider_holds_fn = Option<unsafe extern "C" fn(user_data: *mut c_void, key_id: *const u8) -> i32>;

/// Wrap the `data_key_len`-byte (32) data key at `data_key` under the provider's key `key_id` (16 bytes),
/// authenticating the `aad_len` bytes at `aad` (an AEAD's associated data): write at most `out_capacity` bytes
/// (1024) to `out`, store how many in `*out_len` (1 to `out_capacity`) and return `CUSTODIA_PROVIDER_OK`; or
/// return `CUSTODIA_PROVIDER_NOT_MINE`, `CUSTODIA_PROVIDER_UNAVAILABLE`, `CUSTODIA_PROVIDER_FAILED`. Every pointer
/// is valid only during the call; the data key must not be kept.
pub type custodia_provider_wrap_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        key_id: *const u8,
        data_key: *const u8,
        data_key_len: usize,
        aad: *const u8,
        aad_len: usize,
        out: *mut u8,
        out_capacity: usize,
        out_len: *mut usize,
    ) -> i32,
>;

/// Unwrap the `wrapped_len` bytes at `wrapped` (what `wrap` wrote) with the provider's key `key_id` (16 bytes),
/// checking the `aad_len` bytes at `aad`: write exactly `out_key_len` (32) bytes to `out_key` and return
/// `CUSTODIA_PROVIDER_OK`; or return `CUSTODIA_PROVIDER_NOT_MINE` (no such key), `CUSTODIA_PROVIDER_AUTH_FAILED`
/// (it does not authenticate), `CUSTODIA_PROVIDER_UNAVAILABLE`, `CUSTODIA_PROVIDER_FAILED`. custodia wipes
/// `out_key` after use; the callback should wipe its own copies.
pub type custodia_provider_unwrap_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        key_id: *const u8,
        wrapped: *const u8,
        wrapped_len: usize,
        aad: *const u8,
        aad_len: usize,
        out_key: *mut u8,
        out_key_len: usize,
    ) -> i32,
>;

/// Release `user_data`: called once, when the provider handle has been freed and no custodian uses it any more.
pub type custodia_provider_release_fn = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

/// The function table of a callback key provider. `holds`, `wrap` and `unwrap` are required; `release` may be NULL.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct custodia_key_provider_callbacks {
    /// Does the provider hold this key?
    pub holds: custodia_provider_holds_fn,
    /// Wrap a data key.
    pub wrap: custodia_provider_wrap_fn,
    /// Unwrap a data key.
    pub unwrap: custodia_provider_unwrap_fn,
    /// Release `user_data` (may be NULL).
    pub release: custodia_provider_release_fn,
}

/// A handle to a callback key provider. Opaque: `id` is a registry key, not an address; 0 is the null handle.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct custodia_key_provider {
    /// Opaque registry key; 0 means none.
    pub id: u64,
}

const PROVIDER: &str = "key provider";

type HoldsFn = unsafe extern "C" fn(*mut c_void, *const u8) -> i32;
type WrapFn =
    unsafe extern "C" fn(*mut c_void, *const u8, *const u8, usize, *const u8, usize, *mut u8, usize, *mut usize) -> i32;
type UnwrapFn = unsafe extern "C" fn(*mut c_void, *const u8, *const u8, usize, *const u8, usize, *mut u8, usize) -> i32;

/// The host's functions and data, as a `KeyProvider`.
pub(crate) struct CallbackProvider {
    name: String,
    kind: StanzaKind,
    holds: HoldsFn,
    wrap: WrapFn,
    unwrap: UnwrapFn,
    release: custodia_provider_release_fn,
    /// Set once the handle exists: a `new` that failed never calls `release`.
    armed: AtomicBool,
    user_data: *mut c_void,
}

// SAFETY: `custodia_key_provider_new`'s contract makes the host's functions callable with `user_data` from any thread,
// concurrently; this type holds nothing else that is not `Send`.
unsafe impl Send for CallbackProvider {}
// SAFETY: as for `Send`: every use is a call of the host's thread-safe functions; nothing here is mutated.
unsafe impl Sync for CallbackProvider {}

impl Drop for CallbackProvider {
    fn drop(&mut self) {
        if let (Some(release), true) = (self.release, self.armed.load(Ordering::Acquire)) {
            // SAFETY: the host gave `release` for `user_data`; this is the last use of either (the provider is being
            // dropped, so no other call can be running).
            unsafe { release(self.user_data) }
        }
    }
}

/// A callback's result as the error of the custodia call (`Ok(())` for OK, `Ok` of not-mine as `false`).
fn answer(name: &str, what: &str, rc: i32) -> custodia_core::Result<bool> {
    match rc {
        1 => Ok(true),
        2 => Ok(false),
        3 if what == "unwrap" => Err(CoreError::OpenFailed),
        4 => Err(CoreError::ProviderUnavailable(format!("key provider {name:?}: {what} reported it unavailable"))),
        rc => Err(CoreError::ProviderFailed(format!("key provider {name:?}: {what} failed ({rc})"))),
    }
}

impl KeyProvider for CallbackProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn stanza_kind(&self) -> StanzaKind {
        self.kind
    }

    fn holds(&self, key_id: &KeyId) -> custodia_core::Result<bool> {
        // SAFETY: the host's contract; the key id is 16 readable bytes for the duration of the call.
        let rc = unsafe { (self.holds)(self.user_data, key_id.as_bytes().as_ptr()) };
        answer(&self.name, "holds", rc)
    }

    fn wrap(&self, key_id: &KeyId, data_key: &[u8; 32], aad: &[u8]) -> custodia_core::Result<Vec<u8>> {
        let mut out = vec![0u8; CUSTODIA_PROVIDER_MAX_WRAPPED];
        let mut n = 0usize;
        // SAFETY: the host's contract; every pointer is valid for its length for the duration of the call, `out`
        // writable for `out.len()` bytes and `n` for one `usize`.
        let rc = unsafe {
            (self.wrap)(
                self.user_data,
                key_id.as_bytes().as_ptr(),
                data_key.as_ptr(),
                data_key.len(),
                aad.as_ptr(),
                aad.len(),
                out.as_mut_ptr(),
                out.len(),
                &raw mut n,
            )
        };
        if !answer(&self.name, "wrap", rc)? {
            return Err(CoreError::KeyNotFound(*key_id));
        }
        if n == 0 || n > out.len() {
            return Err(CoreError::ProviderFailed(format!(
                "key provider {:?}: wrap claimed {n} bytes (1 to {} allowed)",
                self.name,
                out.len()
            )));
        }
        out.truncate(n);
        Ok(out)
    }

    fn unwrap(&self, key_id: &KeyId, wrapped: &[u8], aad: &[u8]) -> custodia_core::Result<Unwrapped> {
        let mut key = Zeroizing::new([0u8; 32]);
        // SAFETY: the host's contract; every pointer is valid for its length for the duration of the call, `key`
        // writable for 32 bytes.
        let rc = unsafe {
            (self.unwrap)(
                self.user_data,
                key_id.as_bytes().as_ptr(),
                wrapped.as_ptr(),
                wrapped.len(),
                aad.as_ptr(),
                aad.len(),
                key.as_mut_ptr(),
                key.len(),
            )
        };
        Ok(if answer(&self.name, "unwrap", rc)? { Unwrapped::Key(key) } else { Unwrapped::NotMine })
    }
}

/// Make a key provider from the host's function table `callbacks` (copied) and `user_data` (passed to every call).
/// `name` (at most 64 bytes, copied) names it in errors. `stanza_kind` is the stanza kind it writes and reads: 6
/// (`external`: the wrapped bytes are the key service's own, 1 to 1024 bytes; docs/FORMAT.md section 13) or 5
/// (`pkcs11-aes-gcm`: exactly `iv (12) || ciphertext (32) || tag (16)` of AES-256-GCM). Add it to custodian options
/// with `custodia_custodian_options_add_provider`; release the handle with `custodia_key_provider_free`.
/// `callbacks->release`, if not NULL, is called once with `user_data` when the handle is freed and no custodian uses
/// the provider any more.
///
/// The functions are called during seal, share and open calls of custodians opened with the provider, on the
/// calling thread, possibly on several threads at once: they must be thread-safe and return normally. The policy gate
/// decides before any of them is called. On failure nothing is kept and `release` is not called.
///
/// # Safety
///
/// `callbacks` is NULL (refused) or points to a readable table whose `holds`, `wrap` and `unwrap` are non-NULL
/// (refused otherwise) and follow their contracts with `user_data` from any thread until `release` is called (or,
/// without `release`, for the rest of the process). `name` is NULL (refused) or a NUL-terminated string.
/// `out_provider` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_provider_new(
    callbacks: *const custodia_key_provider_callbacks,
    user_data: *mut c_void,
    name: *const c_char,
    stanza_kind: u32,
    out_provider: *mut custodia_key_provider,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (name, out) = unsafe { (str_arg(name, "name")?, Out::new(out_provider, "out_provider")?) };
        if callbacks.is_null() {
            return Err(Error::NullPointer("callbacks"));
        }
        // SAFETY: non-NULL and readable per this function's contract; the table is plain data, copied.
        let table = unsafe { *callbacks };
        if name.is_empty() || name.len() > 64 {
            return Err(CoreError::InvalidArgument("name: 1 to 64 bytes".into()).into());
        }
        let kind = match stanza_kind {
            5 => StanzaKind::Pkcs11AesGcm,
            6 => StanzaKind::External,
            code => return Err(CoreError::UnknownCode { what: "provider stanza kind", code }.into()),
        };
        let provider = Arc::new(CallbackProvider {
            name: name.to_owned(),
            kind,
            holds: table.holds.ok_or(Error::NullPointer("callbacks->holds"))?,
            wrap: table.wrap.ok_or(Error::NullPointer("callbacks->wrap"))?,
            unwrap: table.unwrap.ok_or(Error::NullPointer("callbacks->unwrap"))?,
            release: table.release,
            armed: AtomicBool::new(false),
            user_data,
        });
        let id = handles::insert(Arc::clone(&provider) as Arc<dyn KeyProvider>)?;
        // `release` is armed only once the handle exists: a failed `new` never calls it.
        provider.armed.store(true, Ordering::Release);
        out.write(custodia_key_provider { id });
        Ok(())
    })
}

/// Release a key provider handle. Custodians opened with it keep using it; `release` is called when the last of
/// them is freed. The null handle is accepted.
///
/// # Safety
///
/// None beyond passing a value received from `custodia_key_provider_new`. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_provider_free(provider: custodia_key_provider) -> custodia_status {
    call(|| handles::remove::<Arc<dyn KeyProvider>>(provider.id, PROVIDER))
}

/// The provider behind a handle, shared.
pub(crate) fn provider(h: custodia_key_provider) -> Result<Arc<dyn KeyProvider>> {
    Ok(Arc::clone(&*handles::get::<Arc<dyn KeyProvider>>(h.id, PROVIDER)?))
}

/// The largest wrapped data key a `wrap` callback may write (`out_capacity`), and the most bytes after the key id
/// of a stanza of kind 6.
pub const CUSTODIA_PROVIDER_MAX_WRAPPED: usize = 1024;
const _: () = assert!(CUSTODIA_PROVIDER_MAX_WRAPPED == MAX_EXTERNAL_WRAPPED && KEY_ID_LEN == 16);
