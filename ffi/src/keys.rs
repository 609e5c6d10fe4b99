//! Keys through the C API: generate, per-case keys, list, export and import public keys, rotate, destroy, shred.
//!
//! Keys are named by [`custodia_key_id`]; their secrets never cross this boundary.

use core::ffi::c_char;
use std::ffi::CString;

use super::args::{Out, str_arg};
use super::boundary::call;
use super::buffer::{custodia_buffer, text_to_c};
use super::custodian::{custodia_custodian, custodian};
use super::handles;
use super::keyid::{custodia_key_id, key_id_arg};
use super::objects::{actor, custodia_actor};
use super::status::custodia_status;
use super::vocab::key_kind;
use custodia_core::CaseRef;
use custodia_core::Error as CoreError;
use custodia_core::Jurisdiction;
use custodia_core::KeyInfo;
use custodia_core::KeyState;
use custodia_core::Timestamp;

/// The life-cycle state of a key.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum custodia_key_state {
    /// Seals and opens.
    CUSTODIA_KEY_STATE_ACTIVE = 0,
    /// Opens what was sealed under it but seals nothing new (it was rotated).
    CUSTODIA_KEY_STATE_DECRYPT_ONLY = 1,
    /// Crypto-shredded: the secret is gone; a tombstone remains.
    CUSTODIA_KEY_STATE_DESTROYED = 2,
}

/// A handle to a snapshot of the keyring's key list, taken by `custodia_key_list_new`.
///
/// Opaque: `id` is a registry key, not an address; 0 is the null handle. Strings in the `custodia_key_info` it
/// gives stay valid until the list is freed.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct custodia_key_list {
    /// Opaque registry key; 0 means none.
    pub id: u64,
}

/// Everything public about one key (never its secret).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct custodia_key_info {
    /// The key's id.
    pub key_id: custodia_key_id,
    /// A `custodia_key_kind`.
    pub kind: u32,
    /// A `custodia_key_state`.
    pub state: u32,
    /// The human label, NUL-terminated UTF-8; owned by the list, valid until `custodia_key_list_free`.
    pub label: *const c_char,
    /// The case of a per-case key, or NULL; owned by the list, valid until `custodia_key_list_free`.
    pub case_ref: *const c_char,
    /// When it was generated or imported (Unix seconds).
    pub created: u64,
    /// Retention deadline (Unix seconds), 0 for none.
    pub destroy_after: u64,
    /// When it was destroyed (Unix seconds), 0 unless destroyed.
    pub destroyed_at: u64,
    /// Whether this keyring holds the secret (false for imported public keys and destroyed keys).
    pub has_secret: bool,
    /// Whether `rotated_from` is set.
    pub has_rotated_from: bool,
    /// The key this one replaced by rotation.
    pub rotated_from: custodia_key_id,
    /// Whether `rotated_to` is set.
    pub has_rotated_to: bool,
    /// The key that replaced this one by rotation.
    pub rotated_to: custodia_key_id,
    /// For another authority's key: the jurisdiction it was imported with (ISO 3166-1 alpha-2), or NULL; owned by
    /// the list, valid until `custodia_key_list_free`.
    pub jurisdiction: *const c_char,
}

const KEY_LIST: &str = "key list";

/// One listed key: its info and the C strings its info points into.
struct ListedKey {
    info: KeyInfo,
    label: CString,
    case_ref: Option<CString>,
    jurisdiction: Option<CString>,
}

fn c_text(s: &str) -> CString {
    // Labels and case references are validated text without NUL; a NUL would be a bug, shown as an empty string.
    CString::new(s).unwrap_or_default()
}

fn unix_or_zero(t: Option<Timestamp>) -> u64 {
    t.map_or(0, Timestamp::as_unix)
}

fn key_out(id: custodia_core::KeyId) -> custodia_key_id {
    id.into()
}

/// Generate a key of `kind` (a `custodia_key_kind`) with a human `label`; recorded in the audit log as done by
/// `actor`. On success `*out_key_id` receives its id.
///
/// # Safety
///
/// `label` is NULL (refused) or a NUL-terminated string, borrowed for the call; `out_key_id` is NULL (refused) or
/// writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_generate(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    kind: u32,
    label: *const c_char,
    out_key_id: *mut custodia_key_id,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (label, out) = unsafe { (str_arg(label, "label")?, Out::new(out_key_id, "out_key_id")?) };
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        out.write(key_out(c.generate_key(&a, key_kind(kind)?, label)?));
        Ok(())
    })
}

/// The key of case `case_ref`: the existing active per-case key, or a new one with retention deadline
/// `destroy_after_unix` (Unix seconds; 0 for none). Destroying it crypto-shreds everything sealed only under it.
///
/// # Safety
///
/// `case_ref` is NULL (refused) or a NUL-terminated string, borrowed for the call; `out_key_id` is NULL (refused)
/// or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_for_case(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    case_ref: *const c_char,
    destroy_after_unix: u64,
    out_key_id: *mut custodia_key_id,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (case_ref, out) = unsafe { (str_arg(case_ref, "case_ref")?, Out::new(out_key_id, "out_key_id")?) };
        let case_ref = CaseRef::parse(case_ref)?;
        let destroy_after = (destroy_after_unix != 0).then(|| Timestamp::from_unix(destroy_after_unix));
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        out.write(key_out(c.case_key(&a, &case_ref, destroy_after)?));
        Ok(())
    })
}

/// Take a snapshot of every key in the keyring, tombstones included. Read it with `custodia_key_list_len` and
/// `custodia_key_list_get`; release it with `custodia_key_list_free`.
///
/// # Safety
///
/// `out_list` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_list_new(
    custodian_handle: custodia_custodian,
    out_list: *mut custodia_key_list,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_list, "out_list") }?;
        let keys = custodian(custodian_handle)?.keys()?;
        let listed: Vec<ListedKey> = keys
            .into_iter()
            .map(|info| ListedKey {
                label: c_text(&info.label),
                case_ref: info.case_ref.as_ref().map(|c| c_text(c.as_str())),
                jurisdiction: info.jurisdiction.map(|j| c_text(j.as_str())),
                info,
            })
            .collect();
        out.write(custodia_key_list { id: handles::insert(listed)? });
        Ok(())
    })
}

/// The number of keys in a list.
///
/// # Safety
///
/// `out_len` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_list_len(list: custodia_key_list, out_len: *mut usize) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_len, "out_len") }?;
        out.write(handles::get::<Vec<ListedKey>>(list.id, KEY_LIST)?.len());
        Ok(())
    })
}

/// The key at `index` (0-based; `CUSTODIA_ERR_INVALID_ARGUMENT` past the end). The strings it points to are owned
/// by the list and stay valid until `custodia_key_list_free`.
///
/// # Safety
///
/// `out_info` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_list_get(
    list: custodia_key_list,
    index: usize,
    out_info: *mut custodia_key_info,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_info, "out_info") }?;
        let keys = handles::get::<Vec<ListedKey>>(list.id, KEY_LIST)?;
        let k = keys.get(index).ok_or_else(|| {
            CoreError::InvalidArgument(format!("index {index} is past the end ({} keys)", keys.len()))
        })?;
        let i = &k.info;
        let destroyed_at = match &i.state {
            KeyState::Destroyed { at, .. } => at.as_unix(),
            _ => 0,
        };
        let none = custodia_key_id { bytes: [0; 16] };
        // The strings live in the registry's `Arc` until the list is freed; the guard dropping here does not end
        // them (only `custodia_key_list_free` does, as documented).
        out.write(custodia_key_info {
            key_id: i.id.into(),
            kind: u32::from(i.kind.code()),
            state: u32::from(i.state.code()),
            label: k.label.as_ptr(),
            case_ref: k.case_ref.as_ref().map_or(core::ptr::null(), |c| c.as_ptr()),
            created: i.created.as_unix(),
            destroy_after: unix_or_zero(i.destroy_after),
            destroyed_at,
            has_secret: i.has_secret,
            has_rotated_from: i.rotated_from.is_some(),
            rotated_from: i.rotated_from.map_or(none, Into::into),
            has_rotated_to: i.rotated_to.is_some(),
            rotated_to: i.rotated_to.map_or(none, Into::into),
            jurisdiction: k.jurisdiction.as_ref().map_or(core::ptr::null(), |j| j.as_ptr()),
        });
        Ok(())
    })
}

/// Release a key list; the strings its entries pointed to become invalid. The null handle is accepted.
///
/// # Safety
///
/// None beyond passing a value received from `custodia_key_list_new`. Any thread, but no string from the list may be
/// used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_list_free(list: custodia_key_list) -> custodia_status {
    call(|| handles::remove::<Vec<ListedKey>>(list.id, KEY_LIST))
}

/// The text form of a key's public part (`custodia-x25519-public:...`), to give to another authority, which imports
/// it with `custodia_key_import_public`. Symmetric keys have none (`CUSTODIA_ERR_KEY_STATE` or
/// `CUSTODIA_ERR_INVALID_ARGUMENT`).
///
/// On success `*out_text` receives a NUL-terminated text buffer owned by the caller (`custodia_buffer_free`).
///
/// # Safety
///
/// `key_id` is NULL (refused) or readable; `out_text` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_export_public(
    custodian_handle: custodia_custodian,
    key_id: *const custodia_key_id,
    out_text: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (id, out) = unsafe { (key_id_arg(key_id, "key_id")?, Out::new(out_text, "out_text")?) };
        out.write(text_to_c(custodian(custodian_handle)?.export_public(&id)?));
        Ok(())
    })
}

/// Import another authority's public key from its text form, with a local `label` and the `jurisdiction` (ISO
/// 3166-1 alpha-2, e.g. `"NL"`) that authority acts in. It can then be a recipient (sealing for that authority, and
/// sharing with it by `custodia_rewrap` when an envelope permits that jurisdiction) but opens nothing here. A key
/// already imported with another jurisdiction is refused (`CUSTODIA_ERR_INVALID_ARGUMENT`). On success
/// `*out_key_id` receives its id.
///
/// # Safety
///
/// `key_text`, `label` and `jurisdiction` are NULL (refused) or NUL-terminated strings, borrowed for the call;
/// `out_key_id` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_import_public(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    key_text: *const c_char,
    label: *const c_char,
    jurisdiction: *const c_char,
    out_key_id: *mut custodia_key_id,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (text, label, jurisdiction, out) = unsafe {
            (
                str_arg(key_text, "key_text")?,
                str_arg(label, "label")?,
                str_arg(jurisdiction, "jurisdiction")?,
                Out::new(out_key_id, "out_key_id")?,
            )
        };
        let jurisdiction = Jurisdiction::parse(jurisdiction)?;
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        out.write(key_out(c.import_public(&a, text, label, jurisdiction)?));
        Ok(())
    })
}

/// Rotate a key: a new active key of the same kind, label, case and retention replaces it, and the old key
/// becomes decrypt-only (it still opens what was sealed under it; re-wrap moves envelopes to the new key). On
/// success `*out_new_key_id` receives the new key's id.
///
/// # Safety
///
/// `key_id` is NULL (refused) or readable; `out_new_key_id` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_rotate(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    key_id: *const custodia_key_id,
    out_new_key_id: *mut custodia_key_id,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (id, out) = unsafe { (key_id_arg(key_id, "key_id")?, Out::new(out_new_key_id, "out_new_key_id")?) };
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        out.write(key_out(c.rotate(&a, &id)?));
        Ok(())
    })
}

/// Destroy a key (crypto-shredding): its secret is zeroized and removed from the keyring file, leaving a tombstone,
/// so that opening anything sealed only under it fails with `CUSTODIA_ERR_KEY_DESTROYED`. A legal hold on its case
/// refuses with `CUSTODIA_ERR_LEGAL_HOLD`. `reason` is recorded; it must not contain personal data.
///
/// On success `*out_certificate` (when not NULL) receives the signed erasure certificate written to the audit log,
/// as JSON text (`docs/AUDIT.md` §5), owned by the caller (`custodia_buffer_free`): it names the key, case and
/// reason, holds no personal data, and verifies with the audit public key alone
/// (`custodia_erasure_certificate_verify`). Pass NULL when it is not wanted (it stays in the log).
///
/// # Safety
///
/// `key_id` is NULL (refused) or readable; `reason` is NULL (refused) or a NUL-terminated string, borrowed for the
/// call; `out_certificate` is NULL or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_destroy(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    key_id: *const custodia_key_id,
    reason: *const c_char,
    out_certificate: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (id, reason, out) =
            unsafe { (key_id_arg(key_id, "key_id")?, str_arg(reason, "reason")?, Out::optional(out_certificate)) };
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        let certificate = c.destroy_key(&a, &id, reason)?;
        if let Some(out) = out {
            out.write(text_to_c(certificate.to_json()));
        }
        Ok(())
    })
}

/// Destroy every key whose retention deadline has passed, except keys of cases under legal hold. On success
/// `*out_destroyed` and `*out_held` (each may be NULL) receive how many keys were destroyed and how many were kept
/// because of a hold; `custodia_key_list_new` shows which. `*out_certificates` (may be NULL) receives the erasure
/// certificate of every key destroyed, as text: one certificate's JSON per line, each line ending in `\n` (empty
/// when nothing was destroyed), owned by the caller (`custodia_buffer_free`); each line verifies with
/// `custodia_erasure_certificate_verify`.
///
/// # Safety
///
/// `out_destroyed`, `out_held` and `out_certificates` are each NULL or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_shred_expired(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    out_destroyed: *mut usize,
    out_held: *mut usize,
    out_certificates: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: the caller guarantees each pointer NULL or writable.
        let (destroyed, held, certificates) =
            unsafe { (Out::optional(out_destroyed), Out::optional(out_held), Out::optional(out_certificates)) };
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        let report = c.shred_expired(&a)?;
        if let Some(out) = destroyed {
            out.write(report.destroyed.len());
        }
        if let Some(out) = held {
            out.write(report.held.len());
        }
        if let Some(out) = certificates {
            out.write(text_to_c(super::audit::certificate_lines(&report.certificates)));
        }
        Ok(())
    })
}

/// Set (or, with `destroy_after_unix` 0, clear) a key's retention deadline, after which `custodia_key_shred_expired`
/// destroys it.
///
/// # Safety
///
/// `key_id` is NULL (refused) or readable, borrowed for the call. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_set_retention(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    key_id: *const custodia_key_id,
    destroy_after_unix: u64,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let id = unsafe { key_id_arg(key_id, "key_id") }?;
        let destroy_after = (destroy_after_unix != 0).then(|| Timestamp::from_unix(destroy_after_unix));
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        Ok(c.set_retention(&a, &id, destroy_after)?)
    })
}

/// Place a legal hold on case `case_ref`, with its `reference` (order, instruction) and `reason`: until it is
/// released, no key of the case can be destroyed (`CUSTODIA_ERR_LEGAL_HOLD`) and `custodia_key_shred_expired`
/// keeps them.
///
/// # Safety
///
/// `case_ref`, `reference` and `reason` are NULL (refused) or NUL-terminated strings, borrowed for the call. Any
/// thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_legal_hold_place(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    case_ref: *const c_char,
    reference: *const c_char,
    reason: *const c_char,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (case_ref, reference, reason) =
            unsafe { (str_arg(case_ref, "case_ref")?, str_arg(reference, "reference")?, str_arg(reason, "reason")?) };
        let case_ref = CaseRef::parse(case_ref)?;
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        Ok(c.place_legal_hold(&a, &case_ref, reference, reason)?)
    })
}

/// Release the legal hold on case `case_ref` (`CUSTODIA_ERR_INVALID_ARGUMENT` when it is not held).
///
/// # Safety
///
/// `case_ref` is NULL (refused) or a NUL-terminated string, borrowed for the call. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_legal_hold_release(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    case_ref: *const c_char,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let case_ref = CaseRef::parse(unsafe { str_arg(case_ref, "case_ref") }?)?;
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        Ok(c.release_legal_hold(&a, &case_ref)?)
    })
}
