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
use custodia_core::KeyAuthority;
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
    /// For another authority's key: the authority's name (`custodia_key_import_authority`), or NULL; owned by the
    /// list, valid until `custodia_key_list_free`.
    pub authority: *const c_char,
    /// For another authority's key: nothing is sealed or shared to it before this time (Unix seconds), 0 for none.
    pub not_before: u64,
    /// For another authority's key: nothing is sealed or shared to it at or after this time (Unix seconds), 0 for
    /// none.
    pub not_after: u64,
    /// When it was revoked (`custodia_key_revoke`; Unix seconds), 0 unless revoked.
    pub revoked_at: u64,
    /// Why it was revoked, or NULL; owned by the list, valid until `custodia_key_list_free`.
    pub revoked_reason: *const c_char,
    /// When it was marked compromised (`custodia_key_mark_compromised`; Unix seconds), 0 unless marked.
    pub compromised_at: u64,
    /// Why it was marked compromised, or NULL; owned by the list, valid until `custodia_key_list_free`.
    pub compromised_reason: *const c_char,
}

const KEY_LIST: &str = "key list";

/// One listed key: its info and the C strings its info points into.
struct ListedKey {
    info: KeyInfo,
    label: CString,
    case_ref: Option<CString>,
    jurisdiction: Option<CString>,
    authority: Option<CString>,
    revoked_reason: Option<CString>,
    compromised_reason: Option<CString>,
}

fn c_ptr(s: Option<&CString>) -> *const c_char {
    s.map_or(core::ptr::null(), |c| c.as_ptr())
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
                authority: info.authority.as_deref().map(c_text),
                revoked_reason: info.revoked.as_ref().map(|m| c_text(&m.reason)),
                compromised_reason: info.compromised.as_ref().map(|m| c_text(&m.reason)),
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
            jurisdiction: c_ptr(k.jurisdiction.as_ref()),
            authority: c_ptr(k.authority.as_ref()),
            not_before: unix_or_zero(i.not_before),
            not_after: unix_or_zero(i.not_after),
            revoked_at: unix_or_zero(i.revoked.as_ref().map(|m| m.at)),
            revoked_reason: c_ptr(k.revoked_reason.as_ref()),
            compromised_at: unix_or_zero(i.compromised.as_ref().map(|m| m.at)),
            compromised_reason: c_ptr(k.compromised_reason.as_ref()),
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
/// already imported with another jurisdiction is refused (`CUSTODIA_ERR_CONFLICT`). On success
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

/// Import another authority's public key as `custodia_key_import_public` does, also recording the `authority`'s
/// name and the period in which data may be sealed or shared to the key: from `not_before_unix` (Unix seconds; 0
/// for no start) until before `not_after_unix` (0 for no end). `custodia_key_list_get` shows them. Sealing for the
/// key is refused unless the envelope's destinations include `jurisdiction` (`CUSTODIA_ERR_DESTINATION_REQUIRED`
/// when there are none, `CUSTODIA_ERR_RECIPIENT_NOT_PERMITTED` otherwise), and outside the period
/// (`CUSTODIA_ERR_KEY_NOT_VALID`). Importing the key again records the name and period now given, never another
/// jurisdiction, and never lifts a revocation. On success `*out_key_id` receives its id.
///
/// # Safety
///
/// `key_text`, `label`, `authority` and `jurisdiction` are NULL (refused) or NUL-terminated strings, borrowed for
/// the call; `out_key_id` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_import_authority(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    key_text: *const c_char,
    label: *const c_char,
    authority: *const c_char,
    jurisdiction: *const c_char,
    not_before_unix: u64,
    not_after_unix: u64,
    out_key_id: *mut custodia_key_id,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (text, label, authority, jurisdiction, out) = unsafe {
            (
                str_arg(key_text, "key_text")?,
                str_arg(label, "label")?,
                str_arg(authority, "authority")?,
                str_arg(jurisdiction, "jurisdiction")?,
                Out::new(out_key_id, "out_key_id")?,
            )
        };
        let mut who = KeyAuthority::new(authority, Jurisdiction::parse(jurisdiction)?)?;
        if not_before_unix != 0 {
            who = who.valid_from(Timestamp::from_unix(not_before_unix));
        }
        if not_after_unix != 0 {
            who = who.valid_until(Timestamp::from_unix(not_after_unix));
        }
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        out.write(key_out(c.import_authority_key(&a, text, label, &who)?));
        Ok(())
    })
}

/// Revoke another authority's key (end of cooperation, compromise reported by its holder): nothing new is sealed or
/// shared to it from now on (`CUSTODIA_ERR_KEY_REVOKED`); recorded as `key_revoked` with `reason`. Own keys are not
/// revoked (`CUSTODIA_ERR_CONFLICT`: mark them compromised or rotate them); nor is a key twice
/// (`CUSTODIA_ERR_CONFLICT`).
///
/// # Safety
///
/// `key_id` is NULL (refused) or readable; `reason` is NULL (refused) or a NUL-terminated string; both borrowed for
/// the call. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_revoke(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    key_id: *const custodia_key_id,
    reason: *const c_char,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (id, reason) = unsafe { (key_id_arg(key_id, "key_id")?, str_arg(reason, "reason")?) };
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        c.revoke_key(&a, &id, reason)?;
        Ok(())
    })
}

/// Mark a key compromised, an own key or another authority's: it seals, signs and receives nothing new from now on
/// (`CUSTODIA_ERR_KEY_COMPROMISED`); an own key still opens, so that what it protected can be moved off it (rotate
/// it, then follow `custodia_key_compromise_report`). Recorded as `key_compromised` with `reason`.
///
/// # Safety
///
/// `key_id` is NULL (refused) or readable; `reason` is NULL (refused) or a NUL-terminated string; both borrowed for
/// the call. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_mark_compromised(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    key_id: *const custodia_key_id,
    reason: *const c_char,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (id, reason) = unsafe { (key_id_arg(key_id, "key_id")?, str_arg(reason, "reason")?) };
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        c.mark_compromised(&a, &id, reason)?;
        Ok(())
    })
}

/// What a key protected, from the audit log: every envelope object id, case and recipient sealed, shared or
/// re-wrapped to it here (or opened or refused here with a stanza for it), whether each is still wrapped to it, the
/// fresh key and re-wrap plan that move them (`rotated`: `custodia_rewrap_rotated` on each envelope still wrapped),
/// and what the log cannot know. On success `*out_text` receives the report as text (`docs/KEYS.md`, "Breach
/// response": one tab-separated record per line), owned by the caller (`custodia_buffer_free`). Not audited; reads
/// the log without verifying it (`custodia_audit_verify` first when it must hold against an editor of the file).
///
/// # Safety
///
/// `key_id` is NULL (refused) or readable, borrowed for the call; `out_text` is NULL (refused) or writable. Any
/// thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_compromise_report(
    custodian_handle: custodia_custodian,
    key_id: *const custodia_key_id,
    out_text: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (id, out) = unsafe { (key_id_arg(key_id, "key_id")?, Out::new(out_text, "out_text")?) };
        out.write(text_to_c(custodian(custodian_handle)?.compromise_report(&id)?.to_text()));
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
/// keeps them. A case already held is `CUSTODIA_ERR_CONFLICT` (the first hold is kept).
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

/// Release the legal hold on case `case_ref` (`CUSTODIA_ERR_CONFLICT` when it is not held).
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
