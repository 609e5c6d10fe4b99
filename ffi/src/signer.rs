//! The callback signer ([`custodia_signer`]): an Ed25519 signing key held by the host's own HSM or KMS, plugged into
//! custodians as a `custodia_core::Signer` through a table of C function pointers and a `void *user_data`, as the
//! callback key provider (provider.rs) plugs in a key-encryption key.
//!
//! The key never enters this process: custodia knows its 32-byte public key and asks the host to sign. Every
//! signature the host returns is verified (strict RFC 8032) against that public key before custodia uses it
//! (`custodia_core::audit::SigningKey::external`): a wrong one fails the call with `CUSTODIA_ERR_PROVIDER_FAILED`
//! and is written nowhere. Any return value other than `CUSTODIA_PROVIDER_OK` is a failure, 0 included, so a
//! callback that crashed out of its language's handler with a default return value fails closed.
//!
//! The callbacks are kept: a signer added to custodian options is called during every operation of a custodian
//! opened with them that signs with its key (envelopes, grants, receipts, witness counter-signatures; for the audit
//! signer, every audit entry and checkpoint), on the thread of that call, possibly from several threads at once.

use core::ffi::c_void;
use core::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::args::{Out, bytes_arg};
use super::boundary::call;
use super::handles;
use super::keyid::custodia_key_id;
use super::status::custodia_status;
use crate::error::{Error, Result};
use custodia_core::audit::VerifyingKey;
use custodia_core::{Error as CoreError, Signer};

/// Length of an Ed25519 public key, as `custodia_signer_new` takes it.
pub const CUSTODIA_ED25519_PUBLIC_KEY_LEN: usize = 32;
/// Length of an Ed25519 signature, as a `custodia_signer_sign_fn` writes it.
pub const CUSTODIA_ED25519_SIGNATURE_LEN: usize = 64;

/// Sign the `message_len` bytes at `message` with the host's Ed25519 key (plain Ed25519, RFC 8032 `PureEdDSA`: no
/// pre-hash, no context) and write the 64-byte signature to `out_signature`; return `CUSTODIA_PROVIDER_OK`, or
/// `CUSTODIA_PROVIDER_UNAVAILABLE` (the key service cannot be reached) or `CUSTODIA_PROVIDER_FAILED` (it refused).
/// Any other value, 0 included, is a failure. custodia verifies the signature before using it. `message` and
/// `out_signature` are valid only during the call.
pub type custodia_signer_sign_fn = Option<
    unsafe extern "C" fn(user_data: *mut c_void, message: *const u8, message_len: usize, out_signature: *mut u8) -> i32,
>;

/// Release `user_data`: called once, when the signer handle has been freed and no custodian uses the signer any more.
pub type custodia_signer_release_fn = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

/// The function table of a callback signer. `sign` is required; `release` may be NULL.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct custodia_signer_callbacks {
    /// Sign a message.
    pub sign: custodia_signer_sign_fn,
    /// Release `user_data` (may be NULL).
    pub release: custodia_signer_release_fn,
}

/// A handle to a callback signer. Opaque: `id` is a registry key, not an address; 0 is the null handle.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct custodia_signer {
    /// Opaque registry key; 0 means none.
    pub id: u64,
}

const SIGNER: &str = "signer";
/// How a callback signer names itself in errors, and in the label of its key's keyring record.
const NAME: &str = "host-signer";

type SignFn = unsafe extern "C" fn(*mut c_void, *const u8, usize, *mut u8) -> i32;

/// The host's function and data, as a `Signer`.
pub(crate) struct CallbackSigner {
    public: VerifyingKey,
    sign: SignFn,
    release: custodia_signer_release_fn,
    /// Set once the handle exists: a `new` that failed never calls `release`.
    armed: AtomicBool,
    user_data: *mut c_void,
}

// SAFETY: `custodia_signer_new`'s contract makes the host's functions callable with `user_data` from any thread,
// concurrently; this type holds nothing else that is not `Send`.
unsafe impl Send for CallbackSigner {}
// SAFETY: as for `Send`: every use is a call of the host's thread-safe function; nothing here is mutated but the
// atomic flag.
unsafe impl Sync for CallbackSigner {}

impl Drop for CallbackSigner {
    fn drop(&mut self) {
        if let (Some(release), true) = (self.release, self.armed.load(Ordering::Acquire)) {
            // SAFETY: the host gave `release` for `user_data`; this is the last use of either (the signer is being
            // dropped, so no other call can be running).
            unsafe { release(self.user_data) }
        }
    }
}

impl Signer for CallbackSigner {
    fn name(&self) -> &str {
        NAME
    }

    fn verifying_key(&self) -> VerifyingKey {
        self.public
    }

    fn sign(&self, message: &[u8]) -> custodia_core::Result<[u8; 64]> {
        let mut signature = [0u8; CUSTODIA_ED25519_SIGNATURE_LEN];
        // SAFETY: the host's contract; `message` is readable for its length and `signature` writable for 64 bytes,
        // both for the duration of the call.
        let rc = unsafe { (self.sign)(self.user_data, message.as_ptr(), message.len(), signature.as_mut_ptr()) };
        match rc {
            // Not trusted yet: custodia_core uses a `Signer` it is given only through `SigningKey::external`, which
            // verifies the signature against `public` before anything uses it (the tests here return wrong ones).
            1 => Ok(signature),
            4 => Err(CoreError::ProviderUnavailable(format!("{NAME}: sign reported it unavailable"))),
            rc => Err(CoreError::ProviderFailed(format!("{NAME}: sign failed ({rc})"))),
        }
    }
}

/// Make a signer for the Ed25519 key whose 32-byte public key is at `public_key` (copied), held by the host (an HSM,
/// a KMS), from the host's function table `callbacks` (copied) and `user_data` (passed to every call). A
/// `public_key` that is not the canonical encoding of an Ed25519 point of large order is refused with
/// `CUSTODIA_ERR_INVALID_ARGUMENT`. Add it to custodian options with `custodia_custodian_options_add_signer` (a key
/// named by id: envelope signer, grants, receipts) or `custodia_custodian_options_set_audit_signer` (the audit log's
/// key); its key id is `custodia_signer_key_id`. Release the handle with `custodia_signer_free`.
/// `callbacks->release`, if not NULL, is called once with `user_data` when the handle is freed and no custodian
/// uses the signer any more.
///
/// `callbacks->sign` is called during the operations of custodians opened with the signer that sign with its key, on
/// the calling thread, possibly on several threads at once: it must be thread-safe and return normally. Every
/// signature it returns is verified against `public_key` before use: a wrong one fails the operation with
/// `CUSTODIA_ERR_PROVIDER_FAILED` (`CUSTODIA_ERR_AUDIT_WRITE` when it was to sign an audit entry) and nothing is
/// signed. On failure of this call nothing is kept and `release` is
/// not called.
///
/// # Safety
///
/// `public_key` is NULL (refused) or points to 32 readable bytes, borrowed for the call. `callbacks` is NULL
/// (refused) or points to a readable table whose `sign` is non-NULL (refused otherwise) and follows its contract
/// with `user_data` from any thread until `release` is called (or, without `release`, for the rest of the process).
/// `out_signer` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_signer_new(
    public_key: *const u8,
    callbacks: *const custodia_signer_callbacks,
    user_data: *mut c_void,
    out_signer: *mut custodia_signer,
) -> custodia_status {
    call(|| {
        if public_key.is_null() {
            return Err(Error::NullPointer("public_key"));
        }
        // SAFETY: forwarded from this function's contract: non-NULL, so 32 readable bytes.
        let (public, out) = unsafe {
            (bytes_arg(public_key, CUSTODIA_ED25519_PUBLIC_KEY_LEN, "public_key")?, Out::new(out_signer, "out_signer")?)
        };
        if callbacks.is_null() {
            return Err(Error::NullPointer("callbacks"));
        }
        // SAFETY: non-NULL and readable per this function's contract; the table is plain data, copied.
        let table = unsafe { *callbacks };
        let mut bytes = [0u8; CUSTODIA_ED25519_PUBLIC_KEY_LEN];
        bytes.copy_from_slice(public);
        let public =
            VerifyingKey::from_bytes(bytes).map_err(|e| CoreError::InvalidArgument(format!("public_key: {e}")))?;
        let signer = Arc::new(CallbackSigner {
            public,
            sign: table.sign.ok_or(Error::NullPointer("callbacks->sign"))?,
            release: table.release,
            armed: AtomicBool::new(false),
            user_data,
        });
        let id = handles::insert(Arc::clone(&signer) as Arc<dyn Signer>)?;
        // `release` is armed only once the handle exists: a failed `new` never calls it.
        signer.armed.store(true, Ordering::Release);
        out.write(custodia_signer { id });
        Ok(())
    })
}

/// The key id of a signer's key: how seal options (`custodia_seal_options_set_signer`), grants and receipts name
/// it, and what `custodia_open`'s `required_signer` and `custodia_envelope_info.signer` hold.
///
/// # Safety
///
/// `out_key_id` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_signer_key_id(
    signer: custodia_signer,
    out_key_id: *mut custodia_key_id,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_key_id, "out_key_id") }?;
        let id = handles::get::<Arc<dyn Signer>>(signer.id, SIGNER)?.verifying_key().id();
        out.write(id.into());
        Ok(())
    })
}

/// Release a signer handle. Custodians opened with it, and options it was added to, keep using it; `release` is
/// called when the last of them is freed. The null handle is accepted.
///
/// # Safety
///
/// None beyond passing a value received from `custodia_signer_new`. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_signer_free(signer: custodia_signer) -> custodia_status {
    call(|| handles::remove::<Arc<dyn Signer>>(signer.id, SIGNER))
}

/// The signer behind a handle, shared.
pub(crate) fn signer(h: custodia_signer) -> Result<Arc<dyn Signer>> {
    Ok(Arc::clone(&*handles::get::<Arc<dyn Signer>>(h.id, SIGNER)?))
}

const _: () = assert!(
    CUSTODIA_ED25519_PUBLIC_KEY_LEN == custodia_core::format::ED25519_PUBLIC_LEN
        && CUSTODIA_ED25519_SIGNATURE_LEN == 64
);

/// The C functions end to end, with a host whose `sign` callback signs with an Ed25519 key only it holds (the
/// crate's own software key standing in for an HSM; C has no Ed25519 of its own, so tests/c/signer.c covers the
/// refusals). What they try to break: a callback that lies (another key, garbage, a default 0, an unknown code, a
/// refusal) never gets anything signed; the keyring never holds the key's secret; a log signed outside verifies
/// with the host's public key alone and its directory refuses to load without that signer or with another;
/// `release` runs once, after the last user; an invalid public key or table is refused before anything is kept.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::buffer::{custodia_buffer, custodia_buffer_free};
    use crate::custodian::{
        custodia_custodian, custodia_custodian_close, custodia_custodian_free, custodia_custodian_open_master_key,
        custodia_custodian_options, custodia_custodian_options_add_signer, custodia_custodian_options_free,
        custodia_custodian_options_new, custodia_custodian_options_set_audit_signer,
        custodia_custodian_options_set_create,
    };
    use crate::keys::{
        custodia_key_generate, custodia_key_list_free, custodia_key_list_get, custodia_key_list_len,
        custodia_key_list_new,
    };
    use crate::objects::{custodia_actor, custodia_actor_free, custodia_actor_new, custodia_exception_ground};
    use crate::options::{
        custodia_seal_options, custodia_seal_options_add_recipient, custodia_seal_options_free,
        custodia_seal_options_new, custodia_seal_options_set_signer,
    };
    use crate::seal::{custodia_open, custodia_seal};
    use crate::status::custodia_status::*;
    use core::sync::atomic::{AtomicU32, AtomicU64};
    use custodia_core::audit::SigningKey;
    use std::path::Path;

    const HONEST: u32 = 0;
    const OTHER_KEY: u32 = 1;
    const GARBAGE: u32 = 2;
    const REFUSE: u32 = 3;
    const UNAVAILABLE: u32 = 4;
    const DEFAULT_ZERO: u32 = 5;
    const UNKNOWN_CODE: u32 = 6;

    /// The host: its key (never given to custodia), how it behaves, and what it saw.
    struct Host {
        key: SigningKey,
        other: SigningKey,
        mode: AtomicU32,
        signed: AtomicU64,
        released: AtomicU32,
    }

    impl Host {
        fn new(seed: u8) -> Box<Self> {
            Box::new(Self {
                key: SigningKey::from_bytes([seed; 32]),
                other: SigningKey::from_bytes([seed ^ 0x5a; 32]),
                mode: AtomicU32::new(HONEST),
                signed: AtomicU64::new(0),
                released: AtomicU32::new(0),
            })
        }
        fn public(&self) -> [u8; 32] {
            self.key.verifying_key().to_bytes()
        }
        fn ud(&self) -> *mut c_void {
            core::ptr::from_ref(self).cast_mut().cast()
        }
    }

    unsafe extern "C" fn host_sign(ud: *mut c_void, msg: *const u8, len: usize, out: *mut u8) -> i32 {
        // SAFETY: `ud` is a live `Host` (each test keeps it until after `release`); custodia passes `len` readable
        // bytes at `msg` and 64 writable at `out`.
        let (host, msg, out) = unsafe {
            (&*ud.cast::<Host>(), core::slice::from_raw_parts(msg, len), core::slice::from_raw_parts_mut(out, 64))
        };
        host.signed.fetch_add(1, Ordering::SeqCst);
        let sig = |k: &SigningKey| Signer::sign(k, msg).expect("a local key signs");
        match host.mode.load(Ordering::SeqCst) {
            HONEST => out.copy_from_slice(&sig(&host.key)),
            OTHER_KEY => out.copy_from_slice(&sig(&host.other)),
            GARBAGE => out.fill(0x42),
            REFUSE => return 0,
            UNAVAILABLE => return 4,
            // A handler that crashed with its language's default value, having written a valid signature.
            DEFAULT_ZERO => {
                out.copy_from_slice(&sig(&host.key));
                return 0;
            }
            _ => {
                out.copy_from_slice(&sig(&host.key));
                return 7;
            }
        }
        1
    }

    unsafe extern "C" fn host_release(ud: *mut c_void) {
        // SAFETY: as in `host_sign`.
        unsafe { &*ud.cast::<Host>() }.released.fetch_add(1, Ordering::SeqCst);
    }

    static TABLE: custodia_signer_callbacks =
        custodia_signer_callbacks { sign: Some(host_sign), release: Some(host_release) };

    fn last_message() -> String {
        // SAFETY: the pointer is valid until the next call on this thread; it is copied at once.
        unsafe { std::ffi::CStr::from_ptr(crate::boundary::custodia_last_error_message()) }
            .to_string_lossy()
            .into_owned()
    }

    fn ok(s: custodia_status) {
        assert_eq!(s, CUSTODIA_OK, "{}", last_message());
    }

    fn new_signer(host: &Host) -> custodia_signer {
        let mut s = custodia_signer { id: 0 };
        // SAFETY: valid pointers; `host` outlives the signer (each test checks `release` before dropping it).
        ok(unsafe { custodia_signer_new(host.public().as_ptr(), &raw const TABLE, host.ud(), &raw mut s) });
        s
    }

    fn key_id(s: custodia_signer) -> custodia_key_id {
        let mut id = custodia_key_id { bytes: [0; 16] };
        // SAFETY: valid pointer.
        ok(unsafe { custodia_signer_key_id(s, &raw mut id) });
        id
    }

    /// Options with `create`, the signers added and the audit signer set; every handle freed after use.
    fn options(
        create: bool,
        signers: &[custodia_signer],
        audit: Option<custodia_signer>,
    ) -> custodia_custodian_options {
        let mut o = custodia_custodian_options { id: 0 };
        // SAFETY: valid pointers.
        unsafe {
            ok(custodia_custodian_options_new(&raw mut o));
            ok(custodia_custodian_options_set_create(o, create));
            for s in signers {
                ok(custodia_custodian_options_add_signer(o, *s));
            }
            if let Some(a) = audit {
                ok(custodia_custodian_options_set_audit_signer(o, a));
            }
        }
        o
    }

    fn open(dir: &Path, o: custodia_custodian_options) -> (custodia_status, custodia_custodian) {
        let dir = std::ffi::CString::new(dir.to_str().expect("UTF-8 path")).expect("no NUL");
        let key = [9u8; 32];
        let mut c = custodia_custodian { id: 0 };
        // SAFETY: valid pointers.
        let s = unsafe { custodia_custodian_open_master_key(dir.as_ptr(), key.as_ptr(), 32, o, &raw mut c) };
        // SAFETY: a live options handle.
        ok(unsafe { custodia_custodian_options_free(o) });
        (s, c)
    }

    fn actor() -> custodia_actor {
        let mut a = custodia_actor { id: 0 };
        // SAFETY: valid pointers.
        ok(unsafe {
            custodia_actor_new(c"jan".as_ptr(), c"central_authority".as_ptr(), c"NL".as_ptr(), 3, &raw mut a)
        });
        a
    }

    /// Seal options to a new KEK of `c`, signed by `signer` when given.
    fn seal_options(
        c: custodia_custodian,
        a: custodia_actor,
        signer: Option<custodia_key_id>,
    ) -> custodia_seal_options {
        let purposes = [c"investigation".as_ptr()];
        let mut kek = custodia_key_id { bytes: [0; 16] };
        let mut o = custodia_seal_options { id: 0 };
        // SAFETY: valid pointers.
        unsafe {
            ok(custodia_key_generate(c, a, 1, c"team".as_ptr(), &raw mut kek));
            ok(custodia_seal_options_new(3, purposes.as_ptr(), 1, &raw mut o));
            ok(custodia_seal_options_add_recipient(o, &raw const kek));
            if let Some(id) = signer {
                ok(custodia_seal_options_set_signer(o, &raw const id));
            }
        }
        o
    }

    fn seal(c: custodia_custodian, a: custodia_actor, o: custodia_seal_options) -> (custodia_status, custodia_buffer) {
        let mut env = custodia_buffer { data: core::ptr::null_mut(), len: 0, id: 0 };
        let data = b"subscriber data, line 3";
        // SAFETY: valid pointers.
        let s = unsafe { custodia_seal(c, a, data.as_ptr(), data.len(), o, &raw mut env) };
        (s, env)
    }

    fn open_signed(
        c: custodia_custodian,
        a: custodia_actor,
        env: &custodia_buffer,
        by: &custodia_key_id,
    ) -> custodia_status {
        let mut pt = custodia_buffer { data: core::ptr::null_mut(), len: 0, id: 0 };
        // SAFETY: valid pointers; `env` is a live buffer.
        unsafe {
            let s = custodia_open(
                c,
                a,
                c"investigation".as_ptr(),
                custodia_exception_ground { id: 0 },
                env.data,
                env.len,
                by,
                &raw mut pt,
                core::ptr::null_mut(),
            );
            ok(custodia_buffer_free(&raw mut pt));
            s
        }
    }

    /// Whether the keyring of `c` holds the secret of key `id`.
    fn has_secret(c: custodia_custodian, id: &custodia_key_id) -> bool {
        let mut list = crate::keys::custodia_key_list { id: 0 };
        let mut n = 0usize;
        // SAFETY: valid pointers; `info` is plain data written by the library.
        unsafe {
            ok(custodia_key_list_new(c, &raw mut list));
            ok(custodia_key_list_len(list, &raw mut n));
            let mut found = None;
            for i in 0..n {
                let mut info = core::mem::zeroed::<crate::keys::custodia_key_info>();
                ok(custodia_key_list_get(list, i, &raw mut info));
                if info.key_id == *id {
                    found = Some(info.has_secret);
                }
            }
            ok(custodia_key_list_free(list));
            found.expect("the signer's key is recorded in the keyring")
        }
    }

    #[test]
    fn envelopes_signed_by_the_host_verify_and_a_lying_host_gets_nothing_signed() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let host = Host::new(11);
        let s = new_signer(&host);
        let id = key_id(s);
        assert_eq!(custodia_core::KeyId::from(id), host.key.id(), "the key id is the public key's");
        let (rc, c) = open(&tmp.path().join("c"), options(true, &[s], None));
        ok(rc);
        // SAFETY: a live handle; the options and the custodian keep the signer.
        ok(unsafe { custodia_signer_free(s) });
        assert_eq!(host.released.load(Ordering::SeqCst), 0, "the custodian still uses it");
        let a = actor();
        let o = seal_options(c, a, Some(id));
        let (rc, mut env) = seal(c, a, o);
        ok(rc);
        assert_eq!(host.signed.load(Ordering::SeqCst), 1, "one envelope signature, by the host");
        ok(open_signed(c, a, &env, &id));
        assert!(!has_secret(c, &id), "the keyring holds only the public key");
        // SAFETY: a live buffer.
        ok(unsafe { custodia_buffer_free(&raw mut env) });

        // Every way of lying or failing: the seal fails with the typed status and writes no envelope.
        for (mode, want) in [
            (OTHER_KEY, CUSTODIA_ERR_PROVIDER_FAILED),
            (GARBAGE, CUSTODIA_ERR_PROVIDER_FAILED),
            (REFUSE, CUSTODIA_ERR_PROVIDER_FAILED),
            (UNAVAILABLE, CUSTODIA_ERR_PROVIDER_UNAVAILABLE),
            (DEFAULT_ZERO, CUSTODIA_ERR_PROVIDER_FAILED),
            (UNKNOWN_CODE, CUSTODIA_ERR_PROVIDER_FAILED),
        ] {
            host.mode.store(mode, Ordering::SeqCst);
            let before = host.signed.load(Ordering::SeqCst);
            let (rc, env) = seal(c, a, o);
            assert_eq!(rc, want, "mode {mode}: {}", last_message());
            assert!(env.data.is_null() && env.len == 0, "mode {mode}: nothing sealed");
            assert_eq!(host.signed.load(Ordering::SeqCst), before + 1, "mode {mode}: the host was asked");
        }
        host.mode.store(HONEST, Ordering::SeqCst);

        // Several threads at once, through the one signer.
        let handles: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(move || {
                    for _ in 0..3 {
                        let (rc, mut env) = seal(c, a, o);
                        ok(rc);
                        ok(open_signed(c, a, &env, &id));
                        // SAFETY: a live buffer.
                        ok(unsafe { custodia_buffer_free(&raw mut env) });
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().expect("thread");
        }
        // SAFETY: live handles, each freed once.
        unsafe {
            ok(custodia_seal_options_free(o));
            ok(custodia_actor_free(a));
            ok(custodia_custodian_close(c, core::ptr::null_mut()));
            assert_eq!(host.released.load(Ordering::SeqCst), 0, "closed, not yet freed");
            ok(custodia_custodian_free(c));
        }
        assert_eq!(host.released.load(Ordering::SeqCst), 1, "released once, after the last user");
    }

    #[test]
    fn a_log_signed_by_the_host_verifies_and_its_directory_needs_that_signer() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("c");
        let host = Host::new(12);
        let s = new_signer(&host);
        let (rc, c) = open(&dir, options(true, &[], Some(s)));
        ok(rc);
        let a = actor();
        let o = seal_options(c, a, None);
        let (rc, mut env) = seal(c, a, o);
        ok(rc);
        // SAFETY: live handles, each freed once.
        unsafe {
            ok(custodia_buffer_free(&raw mut env));
            ok(custodia_seal_options_free(o));
            ok(custodia_custodian_close(c, core::ptr::null_mut()));
            ok(custodia_custodian_free(c));
        }
        let log = dir.join(custodia_core::audit::LOG_FILE_NAME);
        let report = custodia_core::audit::verify(&log, &host.key.verifying_key(), &[]).expect("verifies");
        assert!(report.entries >= 3);
        assert!(host.signed.load(Ordering::SeqCst) >= report.entries, "every entry signed by the host");
        custodia_core::audit::verify(&log, &host.other.verifying_key(), &[]).expect_err("not another key's log");

        // Without its signer: refused (never a second, local audit key); with another: the wrong key.
        let (rc, _) = open(&dir, options(false, &[], None));
        assert_eq!(rc, CUSTODIA_ERR_INVALID_ARGUMENT);
        let stranger = Host::new(13);
        let t = new_signer(&stranger);
        let (rc, _) = open(&dir, options(false, &[], Some(t)));
        assert_eq!(rc, CUSTODIA_ERR_AUDIT_WRONG_KEY);
        // With it, the directory carries on; a host whose signatures do not verify gets nothing into the log: the
        // operation it would record is refused (an audit write failure naming the signer), and the log still
        // verifies with the host's key.
        let (rc, c) = open(&dir, options(false, &[], Some(s)));
        ok(rc);
        let o = seal_options(c, a, None);
        host.mode.store(GARBAGE, Ordering::SeqCst);
        let (rc, env) = seal(c, a, o);
        assert_eq!(rc, CUSTODIA_ERR_AUDIT_WRITE, "{}", last_message());
        assert!(last_message().contains("host-signer"), "{}", last_message());
        assert!(env.data.is_null(), "nothing sealed");
        host.mode.store(HONEST, Ordering::SeqCst);
        let (rc, mut env) = seal(c, a, o);
        ok(rc);
        // SAFETY: live handles, each freed once.
        unsafe {
            ok(custodia_buffer_free(&raw mut env));
            ok(custodia_seal_options_free(o));
            ok(custodia_custodian_close(c, core::ptr::null_mut()));
            ok(custodia_custodian_free(c));
        }
        custodia_core::audit::verify(&log, &host.key.verifying_key(), &[]).expect("still verifies");
        // A creation whose audit signer lies makes no custodian.
        stranger.mode.store(OTHER_KEY, Ordering::SeqCst);
        let (rc, _) = open(&tmp.path().join("d"), options(true, &[], Some(t)));
        assert_eq!(rc, CUSTODIA_ERR_PROVIDER_FAILED);
        // SAFETY: live handles, each freed once.
        unsafe {
            ok(custodia_actor_free(a));
            ok(custodia_signer_free(s));
            ok(custodia_signer_free(t));
        }
        assert_eq!(host.released.load(Ordering::SeqCst), 1);
        assert_eq!(stranger.released.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn invalid_keys_and_tables_are_refused_and_nothing_is_released() {
        let host = Host::new(14);
        let mut s = custodia_signer { id: 0 };
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let mut not_canonical = [0xffu8; 32];
        not_canonical[31] = 0x7f;
        let no_sign = custodia_signer_callbacks { sign: None, release: Some(host_release) };
        // SAFETY: valid pointers or NULL where the contract allows it.
        unsafe {
            for bad in [[0u8; 32], identity, not_canonical] {
                let rc = custodia_signer_new(bad.as_ptr(), &raw const TABLE, host.ud(), &raw mut s);
                assert_eq!(rc, CUSTODIA_ERR_INVALID_ARGUMENT, "{bad:02x?}");
            }
            let key = host.public();
            let rc = custodia_signer_new(core::ptr::null(), &raw const TABLE, host.ud(), &raw mut s);
            assert_eq!(rc, CUSTODIA_ERR_NULL_POINTER);
            let rc = custodia_signer_new(key.as_ptr(), core::ptr::null(), host.ud(), &raw mut s);
            assert_eq!(rc, CUSTODIA_ERR_NULL_POINTER);
            let rc = custodia_signer_new(key.as_ptr(), &raw const no_sign, host.ud(), &raw mut s);
            assert_eq!(rc, CUSTODIA_ERR_NULL_POINTER);
            let rc = custodia_signer_new(key.as_ptr(), &raw const TABLE, host.ud(), core::ptr::null_mut());
            assert_eq!(rc, CUSTODIA_ERR_NULL_POINTER);
            assert_eq!(s.id, 0, "nothing written");
            assert_eq!(host.released.load(Ordering::SeqCst), 0, "a failed new never releases");
            // Handles of another type, freed ones and the null handle are refused where a signer is needed.
            let mut o = custodia_custodian_options { id: 0 };
            ok(custodia_custodian_options_new(&raw mut o));
            assert_eq!(
                custodia_custodian_options_add_signer(o, custodia_signer { id: 0 }),
                CUSTODIA_ERR_INVALID_HANDLE
            );
            assert_eq!(
                custodia_custodian_options_set_audit_signer(o, custodia_signer { id: o.id }),
                CUSTODIA_ERR_INVALID_HANDLE
            );
            let s = new_signer(&host);
            ok(custodia_signer_free(s));
            assert_eq!(host.released.load(Ordering::SeqCst), 1, "freed, no other user");
            assert_eq!(custodia_custodian_options_add_signer(o, s), CUSTODIA_ERR_INVALID_HANDLE);
            let mut id = custodia_key_id { bytes: [0; 16] };
            assert_eq!(custodia_signer_key_id(s, &raw mut id), CUSTODIA_ERR_INVALID_HANDLE);
            ok(custodia_custodian_options_free(o));
        }
    }
}
