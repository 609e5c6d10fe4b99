//! Grants through the C API (rule of speciality): the originator issues them, a recipient applies them, anyone reads
//! their id. A grant crosses the boundary as bytes (its armored text form or its binary form, both accepted), not as
//! a handle: it is a small public object, and the bytes are what authorities exchange. Every decision is the facade's
//! (`Custodian::issue_grant`, `Custodian::extend_purposes`, `Custodian::rewrap_with`).

use core::ffi::c_char;

use super::args::{Out, bytes_arg, str_arg, str_array_arg};
use super::boundary::call;
use super::buffer::{bytes_to_c, custodia_buffer, text_to_c};
use super::custodian::{custodia_custodian, custodian};
use super::keyid::{custodia_key_id, key_id_arg};
use super::objects::{actor, custodia_actor};
use super::seal::key_ids_arg;
use super::status::custodia_status;
use crate::error::{Error, Result};
use custodia_core::Error as CoreError;
use custodia_core::{Grant, GrantScope, Jurisdiction, Purpose, PurposeSet, RewrapOptions, Timestamp};

/// Size of the text form of a grant id, including the terminating NUL (32 hex digits + NUL).
pub const CUSTODIA_GRANT_ID_TEXT_SIZE: usize = 33;

/// A grant argument: armored text or binary bytes.
///
/// # Safety
///
/// As `bytes_arg`.
unsafe fn grant_arg(p: *const u8, len: usize) -> Result<Grant> {
    // SAFETY: forwarded from the caller.
    let bytes = unsafe { bytes_arg(p, len, "grant") }?;
    Ok(Grant::parse(bytes)?)
}

/// Issue, as the originator, a grant that lets a recipient of the envelope `object_id` (32 lowercase hex digits)
/// add the key `recipient` of the authority `authority` acting in `jurisdiction` (onward transfer). The grant is
/// signed with this custodian's Ed25519 key `signer`, which must be the key the envelope was signed with (a grant
/// by another key is refused where it is used). It is valid from now until `not_after` (Unix seconds); `reference`
/// names the request it answers. Recorded as `grant_issued`. On success `*out_grant` receives the grant's armored
/// text (`-----BEGIN CUSTODIA GRANT-----`), owned by the caller (`custodia_buffer_free`).
///
/// Fails with `CUSTODIA_ERR_INVALID_ARGUMENT` (object id, reference, authority, a past `not_after`),
/// `CUSTODIA_ERR_INVALID_JURISDICTION`, `CUSTODIA_ERR_KEY_NOT_FOUND` / `CUSTODIA_ERR_KEY_STATE` (`signer` is not
/// an active own Ed25519 key), `CUSTODIA_ERR_AUDIT_WRITE`.
///
/// # Safety
///
/// `signer` and `recipient` are NULL (refused) or readable key ids; `object_id`, `authority`, `jurisdiction` and
/// `reference` are NULL (refused) or NUL-terminated strings; all borrowed for the call. `out_grant` is NULL
/// (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_grant_issue_onward_transfer(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    signer: *const custodia_key_id,
    object_id: *const c_char,
    authority: *const c_char,
    jurisdiction: *const c_char,
    recipient: *const custodia_key_id,
    not_after: u64,
    reference: *const c_char,
    out_grant: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (signer, object_id, authority, jurisdiction, recipient, reference, out) = unsafe {
            (
                key_id_arg(signer, "signer")?,
                str_arg(object_id, "object_id")?,
                str_arg(authority, "authority")?,
                str_arg(jurisdiction, "jurisdiction")?,
                key_id_arg(recipient, "recipient")?,
                str_arg(reference, "reference")?,
                Out::new(out_grant, "out_grant")?,
            )
        };
        let scope = GrantScope::onward_transfer(authority, Jurisdiction::parse(jurisdiction)?, recipient)?;
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        let grant = c.issue_grant(&a, &signer, object_id, scope, Timestamp::from_unix(not_after), reference)?;
        out.write(text_to_c(grant.to_armored()));
        Ok(())
    })
}

/// Issue, as the originator, a grant that extends the purposes of the envelope `object_id` by the `purpose_count`
/// purposes in `purposes` (purpose extension). Otherwise as `custodia_grant_issue_onward_transfer`.
///
/// # Safety
///
/// `signer` is NULL (refused) or a readable key id; `purposes` is NULL (only with a count of 0, refused as
/// `CUSTODIA_ERR_NO_PURPOSE`) or points to `purpose_count` NUL-terminated strings; `object_id` and `reference`
/// are NULL (refused) or NUL-terminated strings; all borrowed for the call. `out_grant` is NULL (refused) or
/// writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_grant_issue_purpose_extension(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    signer: *const custodia_key_id,
    object_id: *const c_char,
    purposes: *const *const c_char,
    purpose_count: usize,
    not_after: u64,
    reference: *const c_char,
    out_grant: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (signer, object_id, purposes, reference, out) = unsafe {
            (
                key_id_arg(signer, "signer")?,
                str_arg(object_id, "object_id")?,
                str_array_arg(purposes, purpose_count, "purposes")?,
                str_arg(reference, "reference")?,
                Out::new(out_grant, "out_grant")?,
            )
        };
        let scope = GrantScope::purpose_extension(PurposeSet::parse(&purposes)?)?;
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        let grant = c.issue_grant(&a, &signer, object_id, scope, Timestamp::from_unix(not_after), reference)?;
        out.write(text_to_c(grant.to_armored()));
        Ok(())
    })
}

/// Write the id of the grant `grant` (armored text or binary, `grant_len` bytes) as 32 lowercase hex digits and a
/// NUL into `out_text`, which has room for `out_text_size` bytes: at least `CUSTODIA_GRANT_ID_TEXT_SIZE` (33). The
/// id is what the audit log records (`grant`). Only the grant's form is checked (`CUSTODIA_ERR_GRANT_INVALID`), not
/// its signature.
///
/// # Safety
///
/// `grant` is NULL (only with `grant_len` 0) or `grant_len` readable bytes, borrowed for the call; `out_text` is
/// NULL (refused) or writable for `out_text_size` bytes. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_grant_id(
    grant: *const u8,
    grant_len: usize,
    out_text: *mut c_char,
    out_text_size: usize,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let grant = unsafe { grant_arg(grant, grant_len) }?;
        if out_text.is_null() {
            return Err(Error::NullPointer("out_text"));
        }
        if out_text_size < CUSTODIA_GRANT_ID_TEXT_SIZE {
            return Err(CoreError::InvalidArgument(format!(
                "out_text_size: {out_text_size} bytes is too small, need {CUSTODIA_GRANT_ID_TEXT_SIZE}"
            ))
            .into());
        }
        let mut text = grant.id().to_string().into_bytes();
        text.push(0);
        // SAFETY: `out_text` is non-NULL and the caller guarantees `out_text_size` >= 33 = `text.len()` writable
        // bytes; a fresh Rust vector cannot overlap the caller's memory.
        unsafe { core::ptr::copy_nonoverlapping(text.as_ptr(), out_text.cast::<u8>(), text.len()) };
        Ok(())
    })
}

/// Apply an originator's purpose extension grant: re-issue the envelope with the grant in its header, so that every
/// later reader may open it for the extended purposes. The grant is checked before any key is touched (a purpose
/// extension, for this envelope, signed by its signer, valid signature, unexpired:
/// `CUSTODIA_ERR_PURPOSE_EXTENSION_NOT_GRANTED` otherwise, the message saying which), then the actor's clearance,
/// jurisdiction and the envelope's expiry. Refusals are audited; the re-issue is recorded as `grant_applied`. On
/// success `*out_envelope` receives the new (binary) envelope, owned by the caller (`custodia_buffer_free`).
///
/// # Safety
///
/// `envelope` and `grant` are NULL (only with a length of 0) or that many readable bytes, borrowed for the call;
/// `out_envelope` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_extend_purposes(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    envelope: *const u8,
    envelope_len: usize,
    grant: *const u8,
    grant_len: usize,
    out_envelope: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (envelope, grant, out) = unsafe {
            (
                bytes_arg(envelope, envelope_len, "envelope")?,
                grant_arg(grant, grant_len)?,
                Out::new(out_envelope, "out_envelope")?,
            )
        };
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        out.write(bytes_to_c(c.extend_purposes(&a, envelope, &grant)?));
        Ok(())
    })
}

/// `custodia_rewrap` applying an originator's grant: for a custodian that is not the envelope's originator (it does
/// not hold the envelope signer's secret), adding another authority's key is an onward transfer and needs a grant
/// of the signer naming that key and its jurisdiction (`CUSTODIA_ERR_ONWARD_TRANSFER_NOT_GRANTED` otherwise, the
/// message saying what is missing: no grant, unsigned envelope, forged, wrong signer, another envelope, expired).
/// `grant` (armored or binary; NULL with `grant_len` 0 for none) is verified before any key is touched and written
/// into the new envelope's header; recorded as `grant_applied`, and named in the `shared` entry. On success
/// `*out_envelope` receives the new (binary) envelope, owned by the caller (`custodia_buffer_free`).
///
/// # Safety
///
/// As `custodia_rewrap`; `grant` is NULL (only with `grant_len` 0) or `grant_len` readable bytes, borrowed for the
/// call. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_rewrap_with_grant(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    purpose: *const c_char,
    envelope: *const u8,
    envelope_len: usize,
    remove: *const custodia_key_id,
    remove_count: usize,
    add: *const custodia_key_id,
    add_count: usize,
    grant: *const u8,
    grant_len: usize,
    out_envelope: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (purpose, envelope, remove, add, grant, out) = unsafe {
            (
                str_arg(purpose, "purpose")?,
                bytes_arg(envelope, envelope_len, "envelope")?,
                key_ids_arg(remove, remove_count, "remove")?,
                key_ids_arg(add, add_count, "add")?,
                if grant.is_null() && grant_len == 0 { None } else { Some(grant_arg(grant, grant_len)?) },
                Out::new(out_envelope, "out_envelope")?,
            )
        };
        let mut options = RewrapOptions::new(Purpose::parse(purpose)?, add).remove(remove);
        if let Some(g) = grant {
            options = options.grant(g);
        }
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        out.write(bytes_to_c(c.rewrap_with(&a, envelope, &options)?));
        Ok(())
    })
}
