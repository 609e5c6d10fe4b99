//! Reading the members of an anchor or an erasure certificate from its JSON text, with the library's own parser
//! (`Anchor::from_json`, `ErasureCertificate::from_json`), so that no binding parses them by hand. Reading checks no
//! signature: `custodia_anchor_verify` and `custodia_erasure_certificate_verify` do that.

use core::ffi::c_char;

use super::args::{Out, str_arg};
use super::boundary::call;
use super::keyid::custodia_key_id;
use super::seal::CUSTODIA_CASE_REF_SIZE;
use super::status::custodia_status;
use crate::error::Result;
use custodia_core::Error as CoreError;
use custodia_core::audit::{Anchor, ErasureCertificate, MAX_KEYS, MAX_REASON_LEN};

/// Size of `custodia_anchor_info.log_id` and `custodia_erasure_certificate_info.log_id` (32 hex digits + NUL).
pub const CUSTODIA_LOG_ID_SIZE: usize = 33;
/// The most keys an erasure certificate names (as one audit event): room enough for
/// `custodia_erasure_certificate_inspect`'s `out_keys`.
pub const CUSTODIA_ERASURE_MAX_KEYS: usize = 64;
/// Size of `custodia_anchor_info.head` (64 hex digits + NUL).
pub const CUSTODIA_ANCHOR_HEAD_SIZE: usize = 65;
/// Size of `custodia_erasure_certificate_info.reason` (an erasure reason of up to 512 bytes + NUL).
pub const CUSTODIA_ERASURE_REASON_SIZE: usize = 513;

// The header carries the numbers; the library's limits must be what it says.
const _: () = assert!(CUSTODIA_ERASURE_MAX_KEYS == MAX_KEYS && CUSTODIA_ERASURE_REASON_SIZE == MAX_REASON_LEN + 1);
const _: () = assert!(CUSTODIA_CASE_REF_SIZE == custodia_core::MAX_CASE_REF_LEN + 1);

/// What an anchor says (`custodia_anchor_inspect`); signatures unchecked.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct custodia_anchor_info {
    /// The id of the log it belongs to: lowercase hex, NUL-terminated.
    pub log_id: [c_char; CUSTODIA_LOG_ID_SIZE],
    /// How many entries it covers.
    pub count: u64,
    /// The hash of the last covered entry: lowercase hex, NUL-terminated.
    pub head: [c_char; CUSTODIA_ANCHOR_HEAD_SIZE],
    /// How many counter-signatures it carries.
    pub witness_count: usize,
}

/// What an erasure certificate says (`custodia_erasure_certificate_inspect`); signature unchecked.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct custodia_erasure_certificate_info {
    /// The id of the log that holds the matching `erasure` entry: lowercase hex, NUL-terminated.
    pub log_id: [c_char; CUSTODIA_LOG_ID_SIZE],
    /// The sequence number of that entry.
    pub seq: u64,
    /// When the erasure was recorded, Unix seconds.
    pub time: u64,
    /// The case, NUL-terminated; empty when the erasure concerned none.
    pub case_ref: [c_char; CUSTODIA_CASE_REF_SIZE],
    /// Why, NUL-terminated.
    pub reason: [c_char; CUSTODIA_ERASURE_REASON_SIZE],
    /// Whether `envelopes` is known.
    pub has_envelopes: bool,
    /// How many envelopes became unreadable (when `has_envelopes`).
    pub envelopes: u64,
    /// How many keys were destroyed (see `custodia_erasure_certificate_inspect`'s `out_keys`).
    pub key_count: usize,
}

/// Copy `s` into a fixed, NUL-terminated C array.
fn fill<const N: usize>(s: &str, what: &str) -> Result<[c_char; N]> {
    let mut out = [0 as c_char; N];
    if s.len() >= N {
        return Err(CoreError::InvalidArgument(format!("{what} is longer than {} bytes", N - 1)).into());
    }
    for (d, b) in out.iter_mut().zip(s.bytes()) {
        *d = c_char::from_ne_bytes([b]);
    }
    Ok(out)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Read an anchor's members from its JSON text (as `custodia_audit_checkpoint` or `custodia_anchor_countersign`
/// return it). `CUSTODIA_ERR_INVALID_ARGUMENT` for text that is not an anchor. No signature is checked: use
/// `custodia_anchor_verify` (with the custodian's audit key) before relying on them.
///
/// On success `*out_info` is filled in.
///
/// # Safety
///
/// `anchor_json` is NULL (refused) or a NUL-terminated string, borrowed for the call; `out_info` is NULL (refused)
/// or writable. Any thread; needs no custodian.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_anchor_inspect(
    anchor_json: *const c_char,
    out_info: *mut custodia_anchor_info,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (text, out) = unsafe { (str_arg(anchor_json, "anchor_json")?, Out::new(out_info, "out_info")?) };
        let a = Anchor::from_json(text)?;
        out.write(custodia_anchor_info {
            log_id: fill(&hex(&a.log_id()), "log id")?,
            count: a.count(),
            head: fill(&hex(&a.head()), "head")?,
            witness_count: a.witnesses().len(),
        });
        Ok(())
    })
}

/// Read an erasure certificate's members from its JSON text (as `custodia_key_destroy` or
/// `custodia_key_shred_expired` return it). The destroyed keys' ids go to `out_keys`, which has room for
/// `keys_capacity` ids: `CUSTODIA_ERASURE_MAX_KEYS` always suffices; less than the certificate names is
/// `CUSTODIA_ERR_INVALID_ARGUMENT` (naming how many). `CUSTODIA_ERR_INVALID_ARGUMENT` too for text that is not a
/// certificate in canonical form. No signature is checked: use `custodia_erasure_certificate_verify` before relying
/// on the members.
///
/// On success `*out_info` is filled in and the first `key_count` elements of `out_keys`.
///
/// # Safety
///
/// `certificate_json` is NULL (refused) or a NUL-terminated string, borrowed for the call; `out_info` is NULL
/// (refused) or writable; `out_keys` is NULL (only with `keys_capacity` 0) or writable for `keys_capacity` ids. Any
/// thread; needs no custodian.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_erasure_certificate_inspect(
    certificate_json: *const c_char,
    out_info: *mut custodia_erasure_certificate_info,
    out_keys: *mut custodia_key_id,
    keys_capacity: usize,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (text, out) = unsafe { (str_arg(certificate_json, "certificate_json")?, Out::new(out_info, "out_info")?) };
        let cert = ErasureCertificate::from_json(text)?;
        let keys = cert.keys();
        if keys.len() > keys_capacity {
            return Err(CoreError::InvalidArgument(format!(
                "out_keys: the certificate names {} keys, room for {keys_capacity}",
                keys.len()
            ))
            .into());
        }
        if !keys.is_empty() && out_keys.is_null() {
            return Err(crate::error::Error::NullPointer("out_keys"));
        }
        let info = custodia_erasure_certificate_info {
            log_id: fill(cert.log_id(), "log id")?,
            seq: cert.seq(),
            time: cert.time().as_unix(),
            case_ref: fill(cert.case().map_or("", |c| c.as_str()), "case reference")?,
            reason: fill(cert.reason(), "reason")?,
            has_envelopes: cert.envelopes().is_some(),
            envelopes: cert.envelopes().unwrap_or(0),
            key_count: keys.len(),
        };
        for (i, k) in keys.iter().enumerate() {
            // SAFETY: `out_keys` is non-NULL (checked above when there are keys) and writable for `keys_capacity`
            // ids (the caller's contract); `i < keys.len() <= keys_capacity`.
            unsafe { out_keys.add(i).write((*k).into()) };
        }
        out.write(info);
        Ok(())
    })
}
