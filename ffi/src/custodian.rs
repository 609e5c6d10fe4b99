//! The custodian handle ([`custodia_custodian`]): open, close and free, and the options it opens with.
//!
//! A custodian is `Send + Sync`; one handle serves any number of threads at once. Every operation on it is recorded
//! in its audit log by the Rust facade: nothing here logs, decides or touches a key itself.

use core::ffi::c_char;
use core::time::Duration;
use std::sync::{Arc, Mutex, PoisonError};

use super::args::{Out, bytes_arg, str_arg};
use super::boundary::call;
use super::buffer::{custodia_buffer, text_to_c};
use super::handles;
use super::io::path_arg;
use super::keyid::{custodia_key_id, key_id_arg};
use super::provider::{custodia_key_provider, provider};
use super::signer::{custodia_signer, signer as signer_of};
use super::status::custodia_status;
use crate::error::{Error, Result};
use custodia_core::Error as CoreError;
use custodia_core::audit::Durability;
use custodia_core::{CaseKeyWrapping, Custodian, CustodianOptions, KeyProvider, Signer};
use custodia_core::{KdfParams, Unlock};

/// A handle to a custodian: the keyring and audit log in one directory, and everything done with them.
///
/// Opaque: `id` is a registry key, not an address; 0 is the null handle. Usable from any number of threads at once;
/// `custodia_custodian_close` and `custodia_custodian_free` may be called from any thread.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct custodia_custodian {
    /// Opaque registry key; 0 means none.
    pub id: u64,
}

/// A handle to the options a custodian is opened with. The null handle means the defaults: open an existing custodian
/// only (no creation), system clock, Argon2id at 64 MiB and 3 passes for a new passphrase keyring, every audit event
/// synced before its operation returns.
///
/// Opaque: `id` is a registry key, not an address; 0 is the null handle.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct custodia_custodian_options {
    /// Opaque registry key; 0 means none.
    pub id: u64,
}

const CUSTODIAN: &str = "custodian";
pub(crate) const CUSTODIAN_OPTIONS: &str = "custodian options";

/// The options as set through C.
#[derive(Clone, Default)]
pub(crate) struct OpenDraft {
    create: bool,
    kdf: Option<KdfParams>,
    durability: Option<Durability>,
    /// The host's audit sinks (sinks.rs), forwarded every event after the log has it.
    pub(crate) sinks: Vec<super::sinks::HostSink>,
    /// Whether a failing host sink fails the operation too.
    pub(crate) require_sinks: bool,
    /// The host's key providers (provider.rs), asked for stanzas the keyring does not hold.
    providers: Vec<Arc<dyn KeyProvider>>,
    /// Per-case keys wrapped by a provider's KEK, and the bounds of their cache.
    case_keys: Option<CaseKeyWrapping>,
    /// The host's signers (signer.rs): Ed25519 keys held outside, named by id.
    signers: Vec<Arc<dyn Signer>>,
    /// The audit log's key, held by the host.
    audit_signer: Option<Arc<dyn Signer>>,
}

/// The custodian behind a handle.
pub(crate) fn custodian(h: custodia_custodian) -> Result<handles::Guard<Custodian>> {
    handles::get(h.id, CUSTODIAN)
}

fn options(h: custodia_custodian_options) -> Result<CustodianOptions> {
    let draft = if h.id == 0 {
        OpenDraft::default()
    } else {
        let d = handles::get::<Mutex<OpenDraft>>(h.id, CUSTODIAN_OPTIONS)?;
        d.lock().unwrap_or_else(PoisonError::into_inner).clone()
    };
    let mut options = CustodianOptions {
        create: draft.create,
        require_secondary_sinks: draft.require_sinks,
        ..CustodianOptions::default()
    };
    for sink in draft.sinks {
        options.secondary_sinks.push(Arc::new(sink));
    }
    options.providers = draft.providers;
    options.case_keys = draft.case_keys;
    options.signers = draft.signers;
    options.audit_signer = draft.audit_signer;
    if let Some(kdf) = draft.kdf {
        options.kdf = kdf;
    }
    if let Some(durability) = draft.durability {
        options.durability = durability;
    }
    Ok(options)
}

fn open(
    dir: *const c_char,
    unlock: Result<Unlock>,
    h: custodia_custodian_options,
    out: *mut custodia_custodian,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from the exported functions' contracts.
        let (dir, out) = unsafe { (path_arg(dir, "dir")?, Out::new(out, "out_custodian")?) };
        let custodian = Custodian::load(dir, unlock?, options(h)?)?;
        out.write(custodia_custodian { id: handles::insert(custodian)? });
        Ok(())
    })
}

/// Make custodian options, all defaults. Release with `custodia_custodian_options_free`.
///
/// # Safety
///
/// `out_options` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_custodian_options_new(
    out_options: *mut custodia_custodian_options,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_options, "out_options") }?;
        out.write(custodia_custodian_options { id: handles::insert(Mutex::new(OpenDraft::default()))? });
        Ok(())
    })
}

/// Whether opening may start a new custodian when `dir` holds none (`create` true): create `dir` itself (mode 0700;
/// never its parents) and a new keyring in it. The default (false) opens an existing custodian only, so that a
/// mistyped path is `CUSTODIA_ERR_CUSTODIAN_NOT_FOUND` instead of a new, empty keyring.
///
/// # Safety
///
/// No pointer arguments. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_custodian_options_set_create(
    options: custodia_custodian_options,
    create: bool,
) -> custodia_status {
    call(|| {
        let d = handles::get::<Mutex<OpenDraft>>(options.id, CUSTODIAN_OPTIONS)?;
        d.lock().unwrap_or_else(PoisonError::into_inner).create = create;
        Ok(())
    })
}

/// Set the Argon2id cost used when a passphrase keyring is *created* (an existing keyring keeps its own):
/// `memory_kib` KiB of memory (64 to 262144), `passes` passes (1 to 10), `lanes` lanes (1 to 8), and memory x passes
/// at most 1048576; anything else is `CUSTODIA_ERR_KDF_PARAMS_OUT_OF_RANGE`. Costs below the default (65536 KiB, 3
/// passes, 1 lane) make a stolen keyring file cheaper to attack; use them only for tests.
///
/// # Safety
///
/// No pointer arguments. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_custodian_options_set_kdf(
    options: custodia_custodian_options,
    memory_kib: u32,
    passes: u32,
    lanes: u32,
) -> custodia_status {
    call(|| {
        let params = KdfParams { m_cost_kib: memory_kib, t_cost: passes, p_cost: lanes };
        params.check()?;
        let d = handles::get::<Mutex<OpenDraft>>(options.id, CUSTODIAN_OPTIONS)?;
        d.lock().unwrap_or_else(PoisonError::into_inner).kdf = Some(params);
        Ok(())
    })
}

/// When an audit entry counts as written, and so when the operation it records may return (`Durability` in Rust).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum custodia_durability {
    /// The default: every entry is written and `fdatasync`ed before its operation returns; one sync per entry.
    CUSTODIA_DURABILITY_FSYNC_EACH = 0,
    /// Group commit: concurrent operations share one `fdatasync` (the first waits until `max_batch` entries are
    /// pending or `max_delay_us` has passed). No operation returns before its own entry is synced, so nothing is
    /// weakened; many-threaded hosts gain throughput, a single thread only the added delay.
    CUSTODIA_DURABILITY_GROUP_COMMIT = 1,
    /// Entries are written to the operating system without waiting for the disk; checkpoints are still synced.
    /// Entries since the last checkpoint can be lost in an operating-system crash or power cut: a weaker promise,
    /// for hosts that accept it in exchange for throughput.
    CUSTODIA_DURABILITY_OS_BUFFERED = 2,
}

/// Choose the audit durability (a `custodia_durability`); `max_batch` (at least 1) and `max_delay_us` apply to
/// `CUSTODIA_DURABILITY_GROUP_COMMIT` only and are ignored otherwise.
///
/// # Safety
///
/// No pointer arguments. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_custodian_options_set_durability(
    options: custodia_custodian_options,
    durability: u32,
    max_batch: usize,
    max_delay_us: u32,
) -> custodia_status {
    call(|| {
        let durability = match durability {
            0 => Durability::FsyncEach,
            1 if max_batch == 0 => {
                return Err(CoreError::InvalidArgument("max_batch: group commit needs at least 1".into()).into());
            }
            1 => Durability::GroupCommit { max_batch, max_delay: Duration::from_micros(u64::from(max_delay_us)) },
            2 => Durability::OsBuffered,
            code => return Err(CoreError::UnknownCode { what: "durability", code }.into()),
        };
        let d = handles::get::<Mutex<OpenDraft>>(options.id, CUSTODIAN_OPTIONS)?;
        d.lock().unwrap_or_else(PoisonError::into_inner).durability = Some(durability);
        Ok(())
    })
}

/// Add a key provider (`custodia_key_provider_new`) to the options: a custodian opened with them seals to the
/// provider's keys (a recipient key id its keyring does not hold) and opens their stanzas through it, after the
/// policy gate. Providers are asked in the order added. The options keep the provider alive; the handle may be freed
/// after this call.
///
/// # Safety
///
/// No pointer arguments. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_custodian_options_add_provider(
    options: custodia_custodian_options,
    key_provider: custodia_key_provider,
) -> custodia_status {
    call(|| {
        let p = provider(key_provider)?;
        let d = handles::get::<Mutex<OpenDraft>>(options.id, CUSTODIAN_OPTIONS)?;
        d.lock().unwrap_or_else(PoisonError::into_inner).providers.push(p);
        Ok(())
    })
}

/// Wrap every new per-case key (`custodia_key_for_case`) under the key `kek_id` of `key_provider` (a PKCS#11
/// token, the host's KMS) instead of keeping it in clear inside the encrypted keyring, and cache an unwrapped case key
/// in memory for at most `cache_ttl_secs` seconds and `cache_max_uses` seals and opens (docs/KEYS.md "Case keys
/// wrapped by a provider"). So an open costs one provider call per case and cache period, not one per object;
/// either bound 0 disables the cache (one provider call per use). Destroying a case key (`custodia_key_destroy`,
/// `custodia_shred_expired`) ends its cache entries in every custodian on the same keyring before they are used again.
///
/// The provider must also be added with `custodia_custodian_options_add_provider` only if its own keys are used as
/// recipients; for case keys this call suffices. The options keep the provider alive; its handle may be freed after
/// this call. Calling it again replaces the earlier setting.
///
/// # Safety
///
/// `kek_id` is NULL (refused) or points to a readable `custodia_key_id`. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_custodian_options_set_case_keys(
    options: custodia_custodian_options,
    key_provider: custodia_key_provider,
    kek_id: *const custodia_key_id,
    cache_ttl_secs: u64,
    cache_max_uses: u64,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let kek = unsafe { key_id_arg(kek_id, "kek_id") }?;
        let p = provider(key_provider)?;
        let mut wrapping = CaseKeyWrapping::new(p, kek);
        wrapping.cache_ttl_secs = cache_ttl_secs;
        wrapping.cache_max_uses = cache_max_uses;
        let d = handles::get::<Mutex<OpenDraft>>(options.id, CUSTODIAN_OPTIONS)?;
        d.lock().unwrap_or_else(PoisonError::into_inner).case_keys = Some(wrapping);
        Ok(())
    })
}

/// Add a signer (`custodia_signer_new`) to the options: an Ed25519 key held by the host (an HSM, a KMS). A
/// custodian opened with them records the key in its keyring as a public key (labelled `host-signer signing key`)
/// on open, and signs with it through the signer wherever the key is named by its id (`custodia_signer_key_id`):
/// `custodia_seal_options_set_signer`, grants, receipts, witness counter-signatures. Every signature is verified
/// before use (`CUSTODIA_ERR_PROVIDER_FAILED` otherwise, nothing signed). The key obeys its keyring state like any
/// other (revoked or compromised, it signs nothing new). The options keep the signer alive; the handle may be freed
/// after this call.
///
/// # Safety
///
/// No pointer arguments. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_custodian_options_add_signer(
    options: custodia_custodian_options,
    signer: custodia_signer,
) -> custodia_status {
    call(|| {
        let s = signer_of(signer)?;
        let d = handles::get::<Mutex<OpenDraft>>(options.id, CUSTODIAN_OPTIONS)?;
        d.lock().unwrap_or_else(PoisonError::into_inner).signers.push(s);
        Ok(())
    })
}

/// Make the signer (`custodia_signer_new`) the audit log's key: it signs every audit entry, checkpoint and erasure
/// certificate, through the host (docs/KEYS.md "Signing keys on a token"). The audit key is chosen when the log is
/// created: a custodian created with these options has this key for good. Opening a directory whose audit key is
/// another fails with `CUSTODIA_ERR_AUDIT_WRONG_KEY`; opening one whose audit key is held outside without setting
/// its signer fails with `CUSTODIA_ERR_INVALID_ARGUMENT`. Every signature is verified before it is written: when
/// the signer fails or returns a wrong one, the operation being recorded is refused with `CUSTODIA_ERR_AUDIT_WRITE`
/// (the message names the signer) and nothing is written with it; creating a custodian fails with
/// `CUSTODIA_ERR_PROVIDER_FAILED`. The options keep the signer alive; the handle may be freed after this call.
/// Calling it again replaces the earlier setting.
///
/// # Safety
///
/// No pointer arguments. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_custodian_options_set_audit_signer(
    options: custodia_custodian_options,
    signer: custodia_signer,
) -> custodia_status {
    call(|| {
        let s = signer_of(signer)?;
        let d = handles::get::<Mutex<OpenDraft>>(options.id, CUSTODIAN_OPTIONS)?;
        d.lock().unwrap_or_else(PoisonError::into_inner).audit_signer = Some(s);
        Ok(())
    })
}

/// Release custodian options (a custodian opened with them is not affected). The null handle is accepted.
///
/// # Safety
///
/// None beyond passing a value received from `custodia_custodian_options_new`. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_custodian_options_free(options: custodia_custodian_options) -> custodia_status {
    call(|| handles::remove::<Mutex<OpenDraft>>(options.id, CUSTODIAN_OPTIONS))
}

/// Open the custodian whose keyring and audit log live in directory `dir`, unlocking the keyring with `passphrase`
/// (stretched with Argon2id; about a quarter of a second with the default cost). `options` may be the null handle
/// for the defaults; to start a new custodian, set `custodia_custodian_options_set_create`.
///
/// On success `*out_custodian` receives a new handle owned by the caller, released with `custodia_custodian_free` (after
/// `custodia_custodian_close`, to get the closing anchor and see any error).
/// No custodian in `dir` (and creation not asked for) is `CUSTODIA_ERR_CUSTODIAN_NOT_FOUND`; a wrong passphrase
/// `CUSTODIA_ERR_WRONG_PASSPHRASE`; a damaged keyring `CUSTODIA_ERR_KEYRING_CORRUPT`; a keyring asking for Argon2id
/// costs beyond the accepted range `CUSTODIA_ERR_KDF_PARAMS_OUT_OF_RANGE` (refused before deriving anything).
///
/// # Safety
///
/// `dir` (any bytes, as paths are on Unix) and `passphrase` are NULL (refused) or NUL-terminated strings, borrowed
/// for the call; the passphrase is copied into memory that is zeroized after use, and the caller should clear its
/// own copy. `out_custodian` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_custodian_open_passphrase(
    dir: *const c_char,
    passphrase: *const c_char,
    options: custodia_custodian_options,
    out_custodian: *mut custodia_custodian,
) -> custodia_status {
    // SAFETY: forwarded from this function's contract.
    let unlock = unsafe { str_arg(passphrase, "passphrase") }.map(Unlock::passphrase);
    open(dir, unlock, options, out_custodian)
}

/// Open the custodian in `dir` (or start one, with `custodia_custodian_options_set_create`), unlocking the keyring
/// with a raw 32-byte master key supplied by the host (from an HSM, a KMS or a secret store). `master_key_len` must
/// be 32. Errors as for `custodia_custodian_open_passphrase`.
///
/// On success `*out_custodian` receives a new handle owned by the caller, released with `custodia_custodian_free` (after
/// `custodia_custodian_close`, to get the closing anchor and see any error).
///
/// # Safety
///
/// `dir` is NULL (refused) or a NUL-terminated string; `master_key` is NULL (refused) or points to
/// `master_key_len` readable bytes; both borrowed for the call (the key is copied into memory zeroized after use;
/// clear your own copy). `out_custodian` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_custodian_open_master_key(
    dir: *const c_char,
    master_key: *const u8,
    master_key_len: usize,
    options: custodia_custodian_options,
    out_custodian: *mut custodia_custodian,
) -> custodia_status {
    // SAFETY: forwarded from this function's contract.
    // A NULL key is refused as such; a non-NULL one of the wrong length (zero included) by its length.
    let unlock = if master_key.is_null() {
        Err(Error::NullPointer("master_key"))
    } else {
        // SAFETY: forwarded from this function's contract.
        unsafe { bytes_arg(master_key, master_key_len, "master_key") }
            .and_then(|k| Unlock::master_key_from_slice(k).map_err(Into::into))
    };
    open(dir, unlock, options, out_custodian)
}

/// Close a custodian: write its audit log's closing checkpoint, sync it, and (when `out_anchor` is not NULL) return it
/// as an anchor in its JSON form (`docs/AUDIT.md` §4.1), to hand to another authority.
///
/// Afterwards the handle is still live but closed: every call that would touch a key or record an event (seal, open,
/// re-wrap, key management, `custodia_audit_checkpoint`, `custodia_anchor_countersign`) fails with
/// `CUSTODIA_ERR_CUSTODIAN_CLOSED` before doing anything; `custodia_audit_public_key`, `custodia_audit_verify` and
/// `custodia_envelope_inspect` still work, and closing again returns the same anchor. The handle must still be
/// released with `custodia_custodian_free`, which zeroizes the keys. A `CUSTODIA_ERR_AUDIT_WRITE` here means the
/// closing checkpoint could not be made durable: the custodian is closed all the same, and the next open recovers
/// the log.
///
/// On success `*out_anchor` (if not NULL) receives a NUL-terminated text buffer owned by the caller
/// (`custodia_buffer_free`).
///
/// # Safety
///
/// `out_anchor` is NULL or writable. Any thread; calls in flight on other threads either complete first or fail
/// with `CUSTODIA_ERR_CUSTODIAN_CLOSED` (close once they are done: one that already changed the keyring when the
/// log closed would lack its audit event).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_custodian_close(
    custodian_handle: custodia_custodian,
    out_anchor: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::optional(out_anchor) };
        let anchor = custodian(custodian_handle)?.close()?;
        if let Some(out) = out {
            out.write(text_to_c(anchor.to_json()));
        }
        Ok(())
    })
}

/// Release a custodian handle. If it was not closed with `custodia_custodian_close`, its audit log still gets its
/// closing checkpoint (errors ignored: close first to see them). Its keys are zeroized once no call on another
/// thread still uses it. The null handle is accepted; a freed or never-issued handle is refused with
/// `CUSTODIA_ERR_INVALID_HANDLE`.
///
/// # Safety
///
/// None beyond passing a value received from an open function; must not be called twice for the same handle
/// (the second call is refused). Any thread, even while another thread is in a call with the handle (that call
/// completes; the custodian is released when it returns).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_custodian_free(custodian: custodia_custodian) -> custodia_status {
    call(|| handles::remove::<Custodian>(custodian.id, CUSTODIAN))
}
