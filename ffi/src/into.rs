//! Caller-sized output: seal and open into a buffer the caller owns, after asking how large it must be.
//!
//! A binding that keeps its own memory (a Python `bytearray`, a Java `byte[]`) passes it in and gets the output
//! written there: no `custodia_buffer` to copy out and free per call. A buffer that is too small is refused with
//! `CUSTODIA_ERR_BUFFER_TOO_SMALL` before anything is sealed, opened, decided or recorded, nothing is written to
//! it, and `*out_len` says the size needed. Sizes come from the format alone (`format::sealed_len_bound`,
//! `format::plaintext_len`): no key is touched to compute them.

use core::ffi::c_char;

use super::args::{Out, bytes_arg, str_arg};
use super::boundary::call;
use super::buffer::{custodia_buffer, text_to_c};
use super::custodian::{custodia_custodian, custodian};
use super::keyid::custodia_key_id;
use super::objects::{actor, custodia_actor, custodia_exception_ground};
use super::options::{custodia_seal_options, seal_draft};
use super::seal::{custodia_envelope_info, request, seal_options, signer_arg, write_info};
use super::status::custodia_status;
use crate::error::Result;
use custodia_core::Error as CoreError;
use custodia_core::Sensitive;
use custodia_core::format;

/// A caller's output buffer `(p, capacity)`: NULL only with capacity 0.
///
/// # Safety
///
/// `p` is NULL or points to `capacity` writable bytes, not otherwise accessed during the call.
unsafe fn out_bytes<'a>(p: *mut u8, capacity: usize, name: &'static str) -> Result<&'a mut [u8]> {
    if capacity > isize::MAX as usize {
        return Err(CoreError::InvalidArgument(format!("{name}: capacity {capacity} is larger than any buffer")).into());
    }
    if p.is_null() {
        return if capacity == 0 { Ok(&mut []) } else { Err(crate::error::Error::NullPointer(name)) };
    }
    // SAFETY: non-NULL, at most isize::MAX bytes, and the caller guarantees `capacity` writable, exclusive bytes.
    Ok(unsafe { core::slice::from_raw_parts_mut(p, capacity) })
}

/// Refuse a buffer smaller than `needed`, telling the caller the size through `out_len`.
fn check_room(needed: u64, capacity: usize, out_len: &mut Option<Out<usize>>) -> Result<usize> {
    let needed_usize = usize::try_from(needed).map_err(|_| CoreError::LimitExceeded {
        what: "output size",
        value: needed,
        max: usize::MAX as u64,
    })?;
    if needed_usize > capacity {
        if let Some(out) = out_len.take() {
            out.write(needed_usize);
        }
        return Err(CoreError::BufferTooSmall { needed, given: capacity as u64 }.into());
    }
    Ok(needed_usize)
}

/// The size a buffer for `custodia_seal_into` must have to seal `data_len` bytes under `options`: an upper bound
/// (the largest header the format allows, the payload's chunks and tags, the signature if the options sign, the
/// armored expansion if they armor). The envelope actually written is usually smaller; `custodia_seal_into` says
/// how long it is. No key is touched.
///
/// # Safety
///
/// `out_size` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_seal_max_size(
    options: custodia_seal_options,
    data_len: usize,
    out_size: *mut usize,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_size, "out_size")? };
        out.write(seal_bound(options, data_len)?);
        Ok(())
    })
}

fn seal_bound(options: custodia_seal_options, data_len: usize) -> Result<usize> {
    let d = seal_draft(options)?;
    let bound = format::sealed_len_bound(
        data_len as u64,
        d.chunk_size.unwrap_or(format::DEFAULT_CHUNK_SIZE),
        d.signer.is_some(),
        d.armor,
    )
    .and_then(|b| usize::try_from(b).ok())
    .ok_or(CoreError::LimitExceeded { what: "envelope size", value: data_len as u64, max: usize::MAX as u64 })?;
    Ok(bound)
}

/// Seal `data_len` bytes at `data` as `custodia_seal` does, writing the envelope into the caller's buffer `out`
/// of `out_capacity` bytes instead of a `custodia_buffer`. On success `*out_len` receives the envelope's length.
///
/// The buffer must hold `custodia_seal_max_size` for these options and length; a smaller one is refused with
/// `CUSTODIA_ERR_BUFFER_TOO_SMALL` before anything is sealed or recorded: nothing is written to `out`, and
/// `*out_len` receives the size needed. Other errors as `custodia_seal`; on any error `out` is untouched.
///
/// # Safety
///
/// `data` is NULL (only with `data_len` 0) or `data_len` readable bytes, borrowed for the call (copied into memory
/// zeroized after use); `out` is NULL (only with `out_capacity` 0) or `out_capacity` writable bytes, owned by the
/// caller and written only on success; `out_len` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_seal_into(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    data: *const u8,
    data_len: usize,
    options: custodia_seal_options,
    out: *mut u8,
    out_capacity: usize,
    out_len: *mut usize,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (data, buf, len) = unsafe {
            (bytes_arg(data, data_len, "data")?, out_bytes(out, out_capacity, "out")?, Out::new(out_len, "out_len")?)
        };
        let mut len = Some(len);
        check_room(seal_bound(options, data.len())? as u64, buf.len(), &mut len)?;
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        let (o, tag) = seal_options(options)?;
        let value = Sensitive::with_classification(data.to_vec(), tag.category, tag.classification)?.with_fast_wipe();
        let envelope = c.seal(&a, &value, &o)?.envelope;
        let dst = buf
            .get_mut(..envelope.len())
            .ok_or_else(|| CoreError::Internal("envelope longer than its bound".into()))?;
        dst.copy_from_slice(&envelope);
        if let Some(l) = len {
            l.write(envelope.len());
        }
        Ok(())
    })
}

/// The exact plaintext length of an envelope (binary or armored), from its header and length: what a buffer for
/// `custodia_open_into` must hold. No key, no policy decision, not audited; nothing is authenticated (the open
/// checks everything).
///
/// # Safety
///
/// `envelope` is NULL (only with `envelope_len` 0) or `envelope_len` readable bytes, borrowed for the call;
/// `out_size` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_open_size(
    envelope: *const u8,
    envelope_len: usize,
    out_size: *mut usize,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (envelope, out) =
            unsafe { (bytes_arg(envelope, envelope_len, "envelope")?, Out::new(out_size, "out_size")?) };
        let n = format::plaintext_len(envelope)?;
        out.write(usize::try_from(n).map_err(|_| CoreError::LimitExceeded {
            what: "plaintext size",
            value: n,
            max: usize::MAX as u64,
        })?);
        Ok(())
    })
}

/// Open an envelope as `custodia_open` does, writing the plaintext into the caller's buffer `out` of
/// `out_capacity` bytes instead of a `custodia_buffer`. On success `*out_len` receives the plaintext length and,
/// if `out_info` is not NULL, it receives the envelope's metadata.
///
/// The buffer must hold `custodia_open_size`; a smaller one is refused with `CUSTODIA_ERR_BUFFER_TOO_SMALL` before
/// the policy decision and before any key is touched (not audited): nothing is written to `out`, and `*out_len`
/// receives the size needed. Other errors as `custodia_open`; on any error `out` is untouched. The plaintext in
/// `out` is the caller's to wipe.
///
/// # Safety
///
/// As `custodia_open` for `purpose`, `envelope`, `required_signer` and `out_info`; `out` is NULL (only with
/// `out_capacity` 0) or `out_capacity` writable bytes, owned by the caller; `out_len` is NULL (refused) or
/// writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_open_into(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    purpose: *const c_char,
    exception_handle: custodia_exception_ground,
    envelope: *const u8,
    envelope_len: usize,
    required_signer: *const custodia_key_id,
    out: *mut u8,
    out_capacity: usize,
    out_len: *mut usize,
    out_info: *mut custodia_envelope_info,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (purpose, envelope, signer, buf, len) = unsafe {
            (
                str_arg(purpose, "purpose")?,
                bytes_arg(envelope, envelope_len, "envelope")?,
                signer_arg(required_signer)?,
                out_bytes(out, out_capacity, "out")?,
                Out::new(out_len, "out_len")?,
            )
        };
        let mut len = Some(len);
        let needed = check_room(format::plaintext_len(envelope)?, buf.len(), &mut len)?;
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        let req = request(&a, purpose, exception_handle, signer)?;
        // Decrypted straight into the caller's buffer (no allocation, no copy); on any error nothing is left there.
        let opened = c.open_to_slice(&req, envelope, &mut buf[..needed])?;
        // SAFETY: forwarded from this function's contract.
        if let Err(e) = unsafe { write_info(out_info, &opened.info) } {
            zeroize::Zeroize::zeroize(&mut buf[..opened.data]);
            return Err(e);
        }
        if let Some(l) = len {
            l.write(opened.data);
        }
        Ok(())
    })
}

/// The `index`-th originator's grant (0-based, below `custodia_envelope_info.grant_count`) an envelope's header
/// carries, as read and not yet checked (whether it holds is decided when the envelope is opened or re-wrapped).
/// On success `*out_grant` receives the grant's armored text (NUL-terminated, as `custodia_grant_issue_*` issue
/// it), owned by the caller (`custodia_buffer_free`). An index past the end is `CUSTODIA_ERR_INVALID_ARGUMENT`.
/// No key, not audited.
///
/// # Safety
///
/// `envelope` is NULL (only with `envelope_len` 0) or `envelope_len` readable bytes, borrowed for the call;
/// `out_grant` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_envelope_grant(
    custodian_handle: custodia_custodian,
    envelope: *const u8,
    envelope_len: usize,
    index: usize,
    out_grant: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (envelope, out) =
            unsafe { (bytes_arg(envelope, envelope_len, "envelope")?, Out::new(out_grant, "out_grant")?) };
        let info = custodian(custodian_handle)?.inspect(envelope)?;
        let grant = info.grants.get(index).ok_or_else(|| {
            CoreError::InvalidArgument(format!("grant index {index}: the envelope carries {}", info.grants.len()))
        })?;
        out.write(text_to_c(grant.to_armored()));
        Ok(())
    })
}
