//! Disclosure receipts through the C API: receiving an envelope, issuing a signed receipt for it, importing and
//! querying receipts on the sender's side, and reading or verifying one with nothing but a public key.
//!
//! A receipt crosses the boundary as its armored text (`-----BEGIN CUSTODIA RECEIPT-----`, `docs/FORMAT.md` §12),
//! which is what a host sends to the other authority; a [`custodia_receipt`] handle holds a parsed receipt whose
//! signature has been checked against the key it names. Nothing here decides or logs by itself: the facade records
//! receiving, issuing and importing.

use core::ffi::c_char;

use super::args::{Out, bytes_arg, narrow, str_arg};
use super::boundary::call;
use super::buffer::{custodia_buffer, text_to_c};
use super::custodian::{custodia_custodian, custodian};
use super::handles;
use super::keyid::{custodia_key_id, key_id_arg};
use super::objects::{actor, custodia_actor};
use super::seal::{custodia_envelope_info, write_info};
use super::status::custodia_status;
use crate::error::Result;
use custodia_core::Error as CoreError;
use custodia_core::{CaseRef, Receipt, ReceiptField, ReceiptOptions};

/// A handle to a disclosure receipt whose signature has been checked against the key it names (whether that key is
/// the recipient authority's is what `custodia_receipt_verify` or `custodia_receipt_import` checks).
///
/// Opaque: `id` is a registry key, not an address; 0 is the null handle. Immutable: usable from any thread,
/// concurrently. Release with `custodia_receipt_free`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct custodia_receipt {
    /// Opaque registry key; 0 means none.
    pub id: u64,
}

/// What a receipt item says happened (`ReceiptItemKind` in Rust).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum custodia_receipt_item_kind {
    /// The envelope arrived and was checked.
    CUSTODIA_RECEIPT_ITEM_KIND_RECEIVED = 1,
    /// It was opened for a purpose it was given for.
    CUSTODIA_RECEIPT_ITEM_KIND_OPENED = 2,
    /// It was opened under an exception ground.
    CUSTODIA_RECEIPT_ITEM_KIND_EXCEPTION_USED = 3,
    /// It was shared onward with another authority.
    CUSTODIA_RECEIPT_ITEM_KIND_SHARED = 4,
    /// It was re-wrapped for other keys of the recipient for a purpose.
    CUSTODIA_RECEIPT_ITEM_KIND_REWRAPPED = 5,
    /// The key that protected it at the recipient was destroyed.
    CUSTODIA_RECEIPT_ITEM_KIND_DESTROYED = 6,
    /// An act on it was refused by the recipient's policy gate.
    CUSTODIA_RECEIPT_ITEM_KIND_REFUSED = 7,
}

/// A named field of a receipt item (`ReceiptField` in Rust).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum custodia_receipt_field {
    /// The purpose stated.
    CUSTODIA_RECEIPT_FIELD_PURPOSE = 1,
    /// The actor's role.
    CUSTODIA_RECEIPT_FIELD_ROLE = 2,
    /// The actor's id (only when the issuer named actors).
    CUSTODIA_RECEIPT_FIELD_ACTOR = 3,
    /// The actor's jurisdiction.
    CUSTODIA_RECEIPT_FIELD_JURISDICTION = 4,
    /// The exception ground.
    CUSTODIA_RECEIPT_FIELD_EXCEPTION_KIND = 5,
    /// The exception's reference.
    CUSTODIA_RECEIPT_FIELD_EXCEPTION_REFERENCE = 6,
    /// The originator's grant.
    CUSTODIA_RECEIPT_FIELD_GRANT = 7,
    /// The grant's reference.
    CUSTODIA_RECEIPT_FIELD_GRANT_REFERENCE = 8,
    /// Key ids added, space separated.
    CUSTODIA_RECEIPT_FIELD_RECIPIENTS = 9,
    /// The key concerned.
    CUSTODIA_RECEIPT_FIELD_KEY = 10,
    /// The erasure certificate's id (`<log id>:<seq>`).
    CUSTODIA_RECEIPT_FIELD_ERASURE_CERTIFICATE = 11,
    /// SHA-256 (hex) of the erasure certificate's JSON form.
    CUSTODIA_RECEIPT_FIELD_ERASURE_CERTIFICATE_SHA256 = 12,
    /// The refusal's kind.
    CUSTODIA_RECEIPT_FIELD_REFUSAL = 13,
    /// The act refused or done.
    CUSTODIA_RECEIPT_FIELD_OPERATION = 14,
}

const RECEIPT: &str = "receipt";

fn receipt(h: custodia_receipt) -> Result<handles::Guard<Receipt>> {
    handles::get(h.id, RECEIPT)
}

fn receipt_out(out: Out<custodia_receipt>, r: Receipt) -> Result<()> {
    out.write(custodia_receipt { id: handles::insert(r)? });
    Ok(())
}

/// Record that an envelope from another authority arrived (`received` in the audit log): its header is parsed and
/// one of this keyring's keys must be a recipient. No key is touched and no policy decision is made.
/// `CUSTODIA_ERR_NO_MATCHING_RECIPIENT` when no key here is a recipient (recorded too); format errors.
///
/// On success `*out_info` (if not NULL) receives the envelope's bound metadata.
///
/// # Safety
///
/// `envelope` is NULL (only with `envelope_len` 0) or `envelope_len` readable bytes (binary or armored), borrowed
/// for the call; `out_info` is NULL or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_envelope_receive(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    envelope: *const u8,
    envelope_len: usize,
    out_info: *mut custodia_envelope_info,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let envelope = unsafe { bytes_arg(envelope, envelope_len, "envelope") }?;
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        let info = c.receive(&a, envelope)?;
        // SAFETY: forwarded from this function's contract: NULL or writable.
        unsafe { write_info(out_info, &info) }
    })
}

/// Sign a disclosure receipt for the envelope `object_id` (32 hex digits) with the Ed25519 key `signer_key_id` of
/// this keyring, from the audit log: received, opened (purpose, time, role, jurisdiction; the actor's id only if
/// `name_actors`), exceptions used, shares and re-wraps (with the originator's grant when recorded), refusals (if
/// `include_refusals`), and the destruction of the key it arrived for, with its erasure certificate. Recorded as
/// `receipt_issued`. `CUSTODIA_ERR_RECEIPT_NOT_APPLICABLE` when the object was never received here
/// (`custodia_envelope_receive`); `CUSTODIA_ERR_INVALID_ARGUMENT` for the custodian's audit key as signer or a
/// malformed object id; key errors for the signer.
///
/// On success `*out_receipt` receives a new handle, owned by the caller (`custodia_receipt_free`); its armored text
/// is `custodia_receipt_armor`.
///
/// # Safety
///
/// `object_id` is NULL (refused) or a NUL-terminated string; `signer_key_id` is NULL (refused) or readable; both
/// borrowed for the call. `out_receipt` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_receipt_issue(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    object_id: *const c_char,
    signer_key_id: *const custodia_key_id,
    name_actors: bool,
    include_refusals: bool,
    out_receipt: *mut custodia_receipt,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (object_id, signer, out) = unsafe {
            (
                str_arg(object_id, "object_id")?,
                key_id_arg(signer_key_id, "signer_key_id")?,
                Out::new(out_receipt, "out_receipt")?,
            )
        };
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        let options = ReceiptOptions::new().name_actors(name_actors).include_refusals(include_refusals);
        receipt_out(out, c.issue_receipt(&a, object_id, &signer, &options)?)
    })
}

/// Import a receipt (armored text) from a recipient authority: verified against the public Ed25519 keys of other
/// authorities imported into this keyring, refused unless it is about an object this custodian sealed or shared
/// (and the same case), then kept and recorded as `receipt_imported`. `CUSTODIA_ERR_RECEIPT_INVALID` (malformed,
/// oversized, bad signature), `CUSTODIA_ERR_RECEIPT_ISSUER_UNKNOWN` (signer not imported),
/// `CUSTODIA_ERR_RECEIPT_NOT_APPLICABLE` (a refusal: unknown object or other case); each rejection is recorded.
///
/// On success `*out_receipt` receives a new handle, owned by the caller (`custodia_receipt_free`).
///
/// # Safety
///
/// `text` is NULL (refused) or a NUL-terminated string, borrowed for the call; `out_receipt` is NULL (refused) or
/// writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_receipt_import(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    text: *const c_char,
    out_receipt: *mut custodia_receipt,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (text, out) = unsafe { (str_arg(text, "text")?, Out::new(out_receipt, "out_receipt")?) };
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        receipt_out(out, c.import_receipt(&a, text)?)
    })
}

/// The receipts imported for an object (32 hex digits), in import order, one per distinct receipt, each checked
/// again against what the audit log recorded: their armored texts one after the other (each ends with its END line
/// and `\n`; none: an empty text).
///
/// On success `*out_text` receives a NUL-terminated text buffer owned by the caller (`custodia_buffer_free`).
///
/// # Safety
///
/// `object_id` is NULL (refused) or a NUL-terminated string, borrowed for the call; `out_text` is NULL (refused) or
/// writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_receipt_find_by_object(
    custodian_handle: custodia_custodian,
    object_id: *const c_char,
    out_text: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (object_id, out) = unsafe { (str_arg(object_id, "object_id")?, Out::new(out_text, "out_text")?) };
        let receipts = custodian(custodian_handle)?.receipts_for_object(object_id)?;
        out.write(text_to_c(receipts.iter().map(Receipt::to_armored).collect()));
        Ok(())
    })
}

/// The receipts imported for every object of a case, as `custodia_receipt_find_by_object`.
///
/// On success `*out_text` receives a NUL-terminated text buffer owned by the caller (`custodia_buffer_free`).
///
/// # Safety
///
/// `case_ref` is NULL (refused) or a NUL-terminated string, borrowed for the call; `out_text` is NULL (refused) or
/// writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_receipt_find_by_case(
    custodian_handle: custodia_custodian,
    case_ref: *const c_char,
    out_text: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (case_ref, out) = unsafe { (str_arg(case_ref, "case_ref")?, Out::new(out_text, "out_text")?) };
        let receipts = custodian(custodian_handle)?.receipts_for_case(&CaseRef::parse(case_ref)?)?;
        out.write(text_to_c(receipts.iter().map(Receipt::to_armored).collect()));
        Ok(())
    })
}

/// Parse a receipt's armored text and check its signature against the key it names (no custodian needed).
/// `CUSTODIA_ERR_RECEIPT_INVALID` for anything else. Follow with `custodia_receipt_verify` to check who signed.
///
/// On success `*out_receipt` receives a new handle, owned by the caller (`custodia_receipt_free`).
///
/// # Safety
///
/// `text` is NULL (refused) or a NUL-terminated string, borrowed for the call; `out_receipt` is NULL (refused) or
/// writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_receipt_parse(
    text: *const c_char,
    out_receipt: *mut custodia_receipt,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (text, out) = unsafe { (str_arg(text, "text")?, Out::new(out_receipt, "out_receipt")?) };
        receipt_out(out, Receipt::from_armored(text)?)
    })
}

/// Check that the receipt was signed by `public_key`, the recipient authority's Ed25519 public key in text form
/// (`custodia-ed25519-public:...`, from its `custodia_key_export_public`), with nothing else.
/// `CUSTODIA_ERR_RECEIPT_ISSUER_UNKNOWN` when another key signed it; `CUSTODIA_ERR_INVALID_KEY_TEXT` for a mistyped
/// or non-Ed25519 key.
///
/// # Safety
///
/// `public_key` is NULL (refused) or a NUL-terminated string, borrowed for the call. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_receipt_verify(
    receipt_handle: custodia_receipt,
    public_key: *const c_char,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let key = unsafe { str_arg(public_key, "public_key") }?;
        Ok(receipt(receipt_handle)?.verify(key)?)
    })
}

/// The receipt's armored text, to send to the originating authority.
///
/// On success `*out_text` receives a NUL-terminated text buffer owned by the caller (`custodia_buffer_free`).
///
/// # Safety
///
/// `out_text` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_receipt_armor(
    receipt_handle: custodia_receipt,
    out_text: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_text, "out_text") }?;
        out.write(text_to_c(receipt(receipt_handle)?.to_armored()));
        Ok(())
    })
}

/// What the receipt is about and who signed it: the object id (32 hex digits) and the case reference (an empty text
/// when none) as texts, the issuer's key id, and when it was issued (Unix seconds).
///
/// On success `*out_object_id` and `*out_case_ref` receive NUL-terminated text buffers owned by the caller
/// (`custodia_buffer_free`), and `*out_issuer`, `*out_issued_at` are written.
///
/// # Safety
///
/// Every `out_*` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_receipt_describe(
    receipt_handle: custodia_receipt,
    out_object_id: *mut custodia_buffer,
    out_case_ref: *mut custodia_buffer,
    out_issuer: *mut custodia_key_id,
    out_issued_at: *mut u64,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (object, case, issuer, at) = unsafe {
            (
                Out::new(out_object_id, "out_object_id")?,
                Out::new(out_case_ref, "out_case_ref")?,
                Out::new(out_issuer, "out_issuer")?,
                Out::new(out_issued_at, "out_issued_at")?,
            )
        };
        let r = receipt(receipt_handle)?;
        issuer.write(r.issuer().into());
        at.write(r.issued_at().as_unix());
        object.write(text_to_c(r.object_id()));
        case.write(text_to_c(r.case_ref().map(|c| c.as_str().to_owned()).unwrap_or_default()));
        Ok(())
    })
}

/// How many items the receipt has.
///
/// # Safety
///
/// `out_count` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_receipt_item_count(
    receipt_handle: custodia_receipt,
    out_count: *mut usize,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_count, "out_count") }?;
        out.write(receipt(receipt_handle)?.items().len());
        Ok(())
    })
}

/// Item `index` (from 0, in time order): its kind (a `custodia_receipt_item_kind`) and time (Unix seconds).
/// `CUSTODIA_ERR_INVALID_ARGUMENT` for an index past the end.
///
/// # Safety
///
/// `out_kind` and `out_at` are NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_receipt_item_get(
    receipt_handle: custodia_receipt,
    index: usize,
    out_kind: *mut u32,
    out_at: *mut u64,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (kind, at) = unsafe { (Out::new(out_kind, "out_kind")?, Out::new(out_at, "out_at")?) };
        let r = receipt(receipt_handle)?;
        let item = r.items().get(index).ok_or_else(|| item_index(index, r.items().len()))?;
        kind.write(u32::from(item.kind().code()));
        at.write(item.at().as_unix());
        Ok(())
    })
}

/// A field (a `custodia_receipt_field`) of item `index`. `*out_present` says whether the item has it; its value goes
/// to `*out_value` (an empty text when absent: values are never empty). `CUSTODIA_ERR_INVALID_ARGUMENT` for an
/// index past the end; `CUSTODIA_ERR_UNKNOWN_CODE` for an unknown field.
///
/// On success `*out_value` receives a NUL-terminated text buffer owned by the caller (`custodia_buffer_free`).
///
/// # Safety
///
/// `out_present` and `out_value` are NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_receipt_item_field(
    receipt_handle: custodia_receipt,
    index: usize,
    field: u32,
    out_present: *mut bool,
    out_value: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (present, value) = unsafe { (Out::new(out_present, "out_present")?, Out::new(out_value, "out_value")?) };
        let field = ReceiptField::from_tag(narrow(field, "receipt field")?)?;
        let r = receipt(receipt_handle)?;
        let item = r.items().get(index).ok_or_else(|| item_index(index, r.items().len()))?;
        let v = item.get(field);
        present.write(v.is_some());
        value.write(text_to_c(v.unwrap_or_default().to_owned()));
        Ok(())
    })
}

/// Release a receipt handle. The null handle is accepted and ignored; a handle already freed is refused with
/// `CUSTODIA_ERR_INVALID_HANDLE`. A receipt holds no secret.
///
/// # Safety
///
/// None beyond passing a value received from this API. Any thread, even while another call uses the handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_receipt_free(receipt_handle: custodia_receipt) -> custodia_status {
    call(|| handles::remove::<Receipt>(receipt_handle.id, RECEIPT))
}

fn item_index(index: usize, len: usize) -> crate::Error {
    CoreError::InvalidArgument(format!("receipt item {index} does not exist; the receipt has {len}")).into()
}
