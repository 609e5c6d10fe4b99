//! The legal holds in force through the C API: a snapshot handle ([`custodia_legal_hold_list`]) with, per hold, its
//! case, reference, reason, who set it and when, and the keys of the keyring it keeps from destruction (the case's
//! keys). Placing and releasing holds are `custodia_legal_hold_place` / `_release` (keys.rs); this module only reads.

use core::ffi::c_char;
use std::ffi::CString;

use super::args::Out;
use super::boundary::call;
use super::custodian::{custodia_custodian, custodian};
use super::handles;
use super::keyid::custodia_key_id;
use super::status::custodia_status;
use custodia_core::Error as CoreError;
use custodia_core::KeyState;
use custodia_core::LegalHold;

/// A handle to a snapshot of the legal holds in force, from `custodia_legal_hold_list_new`. Read it with
/// `custodia_legal_hold_list_len` and `custodia_legal_hold_list_get`; release it with `custodia_legal_hold_list_free`.
///
/// Opaque: `id` is a registry key, not an address; 0 is the null handle. Immutable: usable from several threads.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct custodia_legal_hold_list {
    /// Opaque registry key; 0 means none.
    pub id: u64,
}

/// One legal hold, as `custodia_legal_hold_list_get` gives it. Every pointer is owned by the list and stays valid
/// until `custodia_legal_hold_list_free`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct custodia_legal_hold {
    /// The case held.
    pub case_ref: *const c_char,
    /// The hold's reference (order, instruction).
    pub reference: *const c_char,
    /// Why it was placed.
    pub reason: *const c_char,
    /// The id of the actor who placed it.
    pub set_by: *const c_char,
    /// When it was placed, Unix seconds.
    pub set_at: u64,
    /// How many keys of the keyring it holds (the case's keys not yet destroyed); `keys` points to that many ids.
    pub key_count: usize,
    /// The held keys' ids (NULL when `key_count` is 0).
    pub keys: *const custodia_key_id,
}

const HOLD_LIST: &str = "legal hold list";

struct ListedHold {
    case_ref: CString,
    reference: CString,
    reason: CString,
    set_by: CString,
    set_at: u64,
    keys: Vec<custodia_key_id>,
}

/// Validated hold text never holds a NUL; one would be a bug, shown as an empty string.
fn c_text(s: &str) -> CString {
    CString::new(s).unwrap_or_default()
}

/// Take a snapshot of the legal holds in force, in the order they were placed, each with the keys it holds.
///
/// On success `*out_list` receives a new handle owned by the caller, released with `custodia_legal_hold_list_free`.
/// `CUSTODIA_ERR_CUSTODIAN_CLOSED` after `custodia_custodian_close`.
///
/// # Safety
///
/// `out_list` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_legal_hold_list_new(
    custodian_handle: custodia_custodian,
    out_list: *mut custodia_legal_hold_list,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_list, "out_list") }?;
        let c = custodian(custodian_handle)?;
        let holds: Vec<LegalHold> = c.legal_holds()?;
        let keys = c.keys()?;
        let listed: Vec<ListedHold> = holds
            .iter()
            .map(|h| ListedHold {
                case_ref: c_text(h.case_ref.as_str()),
                reference: c_text(&h.reference),
                reason: c_text(&h.reason),
                set_by: c_text(&h.set_by),
                set_at: h.set_at.as_unix(),
                keys: keys
                    .iter()
                    .filter(|k| k.case_ref.as_ref() == Some(&h.case_ref))
                    .filter(|k| !matches!(k.state, KeyState::Destroyed { .. }))
                    .map(|k| k.id.into())
                    .collect(),
            })
            .collect();
        out.write(custodia_legal_hold_list { id: handles::insert(listed)? });
        Ok(())
    })
}

/// How many holds a list has.
///
/// # Safety
///
/// `out_len` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_legal_hold_list_len(
    list: custodia_legal_hold_list,
    out_len: *mut usize,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_len, "out_len") }?;
        out.write(handles::get::<Vec<ListedHold>>(list.id, HOLD_LIST)?.len());
        Ok(())
    })
}

/// The hold at `index` (0-based; `CUSTODIA_ERR_INVALID_ARGUMENT` past the end). The strings and key ids it points to
/// are owned by the list and stay valid until `custodia_legal_hold_list_free`.
///
/// # Safety
///
/// `out_hold` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_legal_hold_list_get(
    list: custodia_legal_hold_list,
    index: usize,
    out_hold: *mut custodia_legal_hold,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_hold, "out_hold") }?;
        let holds = handles::get::<Vec<ListedHold>>(list.id, HOLD_LIST)?;
        let h = holds.get(index).ok_or_else(|| {
            CoreError::InvalidArgument(format!("index {index} is past the end ({} holds)", holds.len()))
        })?;
        // The strings and ids live in the registry's `Arc` until the list is freed (as documented).
        out.write(custodia_legal_hold {
            case_ref: h.case_ref.as_ptr(),
            reference: h.reference.as_ptr(),
            reason: h.reason.as_ptr(),
            set_by: h.set_by.as_ptr(),
            set_at: h.set_at,
            key_count: h.keys.len(),
            keys: if h.keys.is_empty() { core::ptr::null() } else { h.keys.as_ptr() },
        });
        Ok(())
    })
}

/// Release a hold list; the strings and key ids its entries pointed to become invalid. The null handle is accepted.
///
/// # Safety
///
/// None beyond passing a value received from `custodia_legal_hold_list_new`. Any thread, but nothing from the list
/// may be used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_legal_hold_list_free(list: custodia_legal_hold_list) -> custodia_status {
    call(|| handles::remove::<Vec<ListedHold>>(list.id, HOLD_LIST))
}
