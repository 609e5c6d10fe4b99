//! Sealing and opening through the C API: buffers, files, file descriptors and callbacks; inspection; re-wrap.
//!
//! Plaintext handed in is copied once into a zeroize-on-drop `Sensitive`; plaintext handed out is moved (not
//! copied) into a `custodia_buffer`, which `custodia_buffer_free` zeroizes. Opening always states an actor and a
//! purpose, and optionally an exception; the policy decision and its audit record, the atomic file output
//! (`Custodian::seal_file`, `Custodian::open_file`) and the text report (`Custodian::describe`) are the facade's.

use core::ffi::{c_char, c_int, c_void};
use std::io::{Read, Write};

use super::args::{Out, bytes_arg, str_arg};
use super::boundary::call;
use super::buffer::{bytes_to_c, custodia_buffer, text_to_c};
use super::custodian::{custodia_custodian, custodian};
use super::handles::Guard;
use super::io::{BorrowedFile, CallbackReader, CallbackWriter, custodia_read_fn, custodia_write_fn, path_arg};
use super::keyid::{custodia_key_id, key_id_arg};
use super::objects::{actor, custodia_actor, custodia_exception_ground, exception};
use super::options::{custodia_seal_options, seal_draft};
use super::status::custodia_status;
use crate::error::Result;
use custodia_core::Actor;
use custodia_core::Error as CoreError;
use custodia_core::KeyId;
use custodia_core::OpenRequest;
use custodia_core::Purpose;
use custodia_core::{Custodian, EnvelopeInfo, Opened, SealOptions};
use custodia_core::{DataTag, Sensitive};

/// Size of `custodia_envelope_info.object_id`, including the terminating NUL (32 hex digits + NUL).
pub const CUSTODIA_OBJECT_ID_SIZE: usize = 33;

/// Size of `custodia_envelope_info.instrument_reference` and `.transfer_basis`, NUL included (1024 bytes + NUL).
pub const CUSTODIA_INSTRUMENT_TEXT_SIZE: usize = 1025;
/// Size of `custodia_envelope_info.destinations`, NUL included (64 two-letter codes, space-separated, + NUL).
pub const CUSTODIA_JURISDICTION_LIST_SIZE: usize = 192;
/// Size of `custodia_envelope_info.purposes`, NUL included (32 purposes of up to 128 bytes, space-separated, + NUL).
pub const CUSTODIA_PURPOSE_LIST_SIZE: usize = 4128;
/// Size of `custodia_envelope_info.origin`, NUL included.
pub const CUSTODIA_JURISDICTION_SIZE: usize = 3;
/// Size of a case reference buffer, NUL included (128 bytes + NUL): `custodia_envelope_info.case_ref`,
/// `custodia_erasure_certificate_info.case_ref`.
pub const CUSTODIA_CASE_REF_SIZE: usize = 129;
/// How many entries `custodia_envelope_info.recipients` has: the most recipient stanzas an envelope may carry.
pub const CUSTODIA_MAX_RECIPIENTS: usize = 64;

/// One recipient stanza of an envelope, as `custodia_envelope_info.recipients` lists them.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct custodia_recipient {
    /// The key id the stanza is for.
    pub key_id: custodia_key_id,
    /// The stanza's kind: 1 KEK, 2 X25519, 3 X25519 with an authenticated sender, 4 X-Wing (post-quantum hybrid);
    /// other values are kinds this library does not know (kept, skipped when opening).
    pub kind: u32,
}

/// An envelope's bound metadata, readable without a key: see `custodia_envelope_inspect`, and the optional output
/// of the open functions. `custodia_envelope_describe` gives the case and recipients as text.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct custodia_envelope_info {
    /// The envelope's object id: lowercase hex, NUL-terminated.
    pub object_id: [c_char; CUSTODIA_OBJECT_ID_SIZE],
    /// A `custodia_category`.
    pub category: u32,
    /// A `custodia_classification`.
    pub classification: u32,
    /// When it was sealed (Unix seconds).
    pub created: u64,
    /// When it expires (Unix seconds), 0 for never.
    pub not_after: u64,
    /// How many purposes it was given for.
    pub purpose_count: usize,
    /// How many recipient stanzas it has.
    pub recipient_count: usize,
    /// Whether it is signed; `signer` is meaningful only then.
    pub has_signer: bool,
    /// The key id of its signer.
    pub signer: custodia_key_id,
    /// The legal instrument's kind, a `custodia_instrument_kind`; 0 when the envelope names no instrument.
    pub instrument_kind: u32,
    /// The instrument's reference (e.g. the EIO number), NUL-terminated UTF-8; empty when none.
    pub instrument_reference: [c_char; CUSTODIA_INSTRUMENT_TEXT_SIZE],
    /// The transfer basis (e.g. "Art. 18 MLAT NL-US"), NUL-terminated UTF-8; empty when none.
    pub transfer_basis: [c_char; CUSTODIA_INSTRUMENT_TEXT_SIZE],
    /// The origin jurisdiction (ISO 3166-1 alpha-2), NUL-terminated; empty when none.
    pub origin: [c_char; CUSTODIA_JURISDICTION_SIZE],
    /// The destination jurisdictions, space-separated, NUL-terminated; empty when none.
    pub destinations: [c_char; CUSTODIA_JURISDICTION_LIST_SIZE],
    /// The purposes it was given for, space-separated, NUL-terminated.
    pub purposes: [c_char; CUSTODIA_PURPOSE_LIST_SIZE],
    /// The case reference, NUL-terminated UTF-8; empty when none (ABI 4).
    pub case_ref: [c_char; CUSTODIA_CASE_REF_SIZE],
    /// The first `recipient_count` entries are the recipient stanzas, in header order; the rest are zero (ABI 4).
    pub recipients: [custodia_recipient; CUSTODIA_MAX_RECIPIENTS],
    /// How many originator's grants (onward transfers, purpose extensions) the header carries, as read and not yet
    /// checked; `custodia_envelope_grant` gives each (ABI 4).
    pub grant_count: usize,
}

/// Copy `s` into the fixed, NUL-terminated C array `dst`.
fn fill<const N: usize>(s: &str, what: &str) -> Result<[c_char; N]> {
    let mut out = [0 as c_char; N];
    if s.len() >= N {
        return Err(CoreError::Internal(format!("{what} longer than the format allows")).into());
    }
    for (d, b) in out.iter_mut().zip(s.bytes()) {
        *d = c_char::from_ne_bytes([b]);
    }
    Ok(out)
}

impl custodia_envelope_info {
    fn new(info: &EnvelopeInfo) -> Result<Self> {
        let mut object_id = [0 as c_char; CUSTODIA_OBJECT_ID_SIZE];
        if info.object_id.len() >= object_id.len() {
            return Err(CoreError::Internal("object id longer than expected".into()).into());
        }
        for (d, s) in object_id.iter_mut().zip(info.object_id.bytes()) {
            *d = c_char::from_ne_bytes([s]);
        }
        Ok(Self {
            object_id,
            category: u32::from(info.category.code()),
            classification: u32::from(info.classification.code()),
            created: info.created.as_unix(),
            not_after: info.not_after.map_or(0, |t| t.as_unix()),
            purpose_count: info.purposes.len(),
            recipient_count: info.recipients.len(),
            has_signer: info.signer.is_some(),
            signer: info.signer.map_or(custodia_key_id { bytes: [0; 16] }, Into::into),
            instrument_kind: info.instrument.as_ref().map_or(0, |i| u32::from(i.kind().code())),
            instrument_reference: fill(
                info.instrument.as_ref().and_then(|i| i.reference()).unwrap_or(""),
                "instrument reference",
            )?,
            transfer_basis: fill(
                info.instrument.as_ref().and_then(|i| i.transfer_basis()).unwrap_or(""),
                "transfer basis",
            )?,
            origin: fill(info.origin.as_ref().map_or("", |j| j.as_str()), "origin")?,
            destinations: fill(
                &info.destinations.iter().map(|j| j.as_str()).collect::<Vec<_>>().join(" "),
                "destinations",
            )?,
            purposes: fill(&info.purposes.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(" "), "purposes")?,
            case_ref: fill(info.case_ref.as_ref().map_or("", |c| c.as_str()), "case reference")?,
            recipients: recipients(info)?,
            grant_count: info.grants.len(),
        })
    }
}

/// The recipient table of an info: key ids and stanza kinds, zero past the end.
fn recipients(info: &EnvelopeInfo) -> Result<[custodia_recipient; CUSTODIA_MAX_RECIPIENTS]> {
    let mut out = [custodia_recipient { key_id: custodia_key_id { bytes: [0; 16] }, kind: 0 }; CUSTODIA_MAX_RECIPIENTS];
    if info.recipients.len() > out.len() {
        return Err(CoreError::Internal("more recipient stanzas than the format allows".into()).into());
    }
    for (i, (slot, id)) in out.iter_mut().zip(&info.recipients).enumerate() {
        slot.key_id = (*id).into();
        slot.kind = info.recipient_kinds.get(i).map_or(0, |k| u32::from(k.code()));
    }
    Ok(out)
}

/// The facade's seal options, the data's category and classification, from a seal-options handle.
pub(crate) fn seal_options(h: custodia_seal_options) -> Result<(SealOptions, DataTag)> {
    let d = seal_draft(h)?;
    let mut o = SealOptions::new(d.purposes, d.recipients);
    o.classification = Some(d.classification);
    o.case_ref = d.case_ref;
    o.instrument = d.instrument;
    o.origin = d.origin;
    o.destinations = d.destinations;
    o.not_after = d.not_after;
    o.sender = d.sender;
    o.signer = d.signer;
    o.chunk_size = d.chunk_size;
    o.armor = d.armor;
    Ok((o, DataTag::new(d.category, d.classification)))
}

/// The open request: who, for what purpose, on what ground.
pub(crate) fn request(
    actor: &Actor,
    purpose: &str,
    e: custodia_exception_ground,
    required_signer: Option<KeyId>,
) -> Result<OpenRequest> {
    let mut r = OpenRequest::new(actor.clone(), Purpose::parse(purpose)?);
    if let Some(e) = exception(e)? {
        r = r.with_exception(e.ground.clone());
        if let Some(a) = &e.approval {
            r = r.with_approval(a.clone());
        }
    }
    if let Some(signer) = required_signer {
        r = r.require_signer(signer);
    }
    Ok(r)
}

/// An optional required signer.
///
/// # Safety
///
/// `p` is NULL or readable.
pub(crate) unsafe fn signer_arg(p: *const custodia_key_id) -> Result<Option<KeyId>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded from the caller.
    unsafe { key_id_arg(p, "required_signer") }.map(Some)
}

/// Write an optional info output.
///
/// # Safety
///
/// `p` is NULL or writable.
pub(crate) unsafe fn write_info(p: *mut custodia_envelope_info, info: &EnvelopeInfo) -> Result<()> {
    let info = custodia_envelope_info::new(info)?;
    // SAFETY: forwarded from the caller: NULL or writable.
    if let Some(out) = unsafe { p.as_mut() } {
        *out = info;
    }
    Ok(())
}

/// The arguments every open transport shares (`custodia_open_file`, `custodia_open_fd`, `custodia_open_stream`).
struct OpenArgs {
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    purpose: *const c_char,
    exception_handle: custodia_exception_ground,
    required_signer: *const custodia_key_id,
    out_info: *mut custodia_envelope_info,
}

/// The steps the three open transports share, in the order they always ran: convert the purpose and required
/// signer, then the transport's own source and destination (`endpoints`), resolve the custodian and actor, build
/// the open request, `open` through the facade, and write the optional info output; all inside `call` (status and
/// last-error, no unwinding across the boundary).
///
/// # Safety
///
/// `args.purpose` is NULL (refused) or a NUL-terminated string; `args.required_signer` is NULL or readable;
/// `args.out_info` is NULL or writable; `endpoints` upholds its own transport's contract.
unsafe fn open_transport<E>(
    args: OpenArgs,
    endpoints: impl FnOnce() -> Result<E>,
    open: impl FnOnce(&Custodian, &OpenRequest, E) -> Result<Opened<()>>,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (purpose, signer) = unsafe { (str_arg(args.purpose, "purpose")?, signer_arg(args.required_signer)?) };
        let ends = endpoints()?;
        let (c, a) = (custodian(args.custodian_handle)?, actor(args.actor_handle)?);
        let req = request(&a, purpose, args.exception_handle, signer)?;
        let opened = open(&c, &req, ends)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { write_info(args.out_info, &opened.info) }
    })
}

fn seal_stream(
    c: &Guard<Custodian>,
    a: &Actor,
    options: custodia_seal_options,
    src: &mut dyn Read,
    dst: &mut dyn Write,
) -> Result<()> {
    let (o, tag) = seal_options(options)?;
    c.seal_stream(a, tag, &o, src, dst)?;
    dst.flush()?;
    Ok(())
}

/// Seal `data_len` bytes at `data` under `options`, as `actor`. On success `*out_envelope` receives the envelope
/// (binary, or armored text when the options ask for it), owned by the caller (`custodia_buffer_free`).
///
/// Refusals: `CUSTODIA_ERR_CLEARANCE_INSUFFICIENT` when the actor is not cleared for the classification; key
/// errors for recipients, sender or signer (`CUSTODIA_ERR_KEY_NOT_FOUND`, `CUSTODIA_ERR_KEY_STATE`,
/// `CUSTODIA_ERR_KEY_DESTROYED`); `CUSTODIA_ERR_AUDIT_WRITE` if the seal could not be recorded (nothing returned).
///
/// # Safety
///
/// `data` is NULL (only with `data_len` 0) or points to `data_len` readable bytes, borrowed for the call (copied
/// into memory zeroized after use). `out_envelope` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_seal(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    data: *const u8,
    data_len: usize,
    options: custodia_seal_options,
    out_envelope: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (data, out) = unsafe { (bytes_arg(data, data_len, "data")?, Out::new(out_envelope, "out_envelope")?) };
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        let (o, tag) = seal_options(options)?;
        let value = Sensitive::with_classification(data.to_vec(), tag.category, tag.classification)?.with_fast_wipe();
        out.write(bytes_to_c(c.seal(&a, &value, &o)?.envelope));
        Ok(())
    })
}

/// Open an envelope (binary or armored) as `actor`, for `purpose`, optionally invoking `exception` (the null handle
/// for none), optionally requiring it be signed by `required_signer` (NULL for no requirement).
///
/// The policy gate runs before any key is touched, and refuses with a distinct code: `CUSTODIA_ERR_PURPOSE_NOT_PERMITTED`,
/// `CUSTODIA_ERR_EXPIRED`, `CUSTODIA_ERR_JURISDICTION_NOT_PERMITTED`, `CUSTODIA_ERR_CLEARANCE_INSUFFICIENT`,
/// `CUSTODIA_ERR_KEY_DESTROYED`, `CUSTODIA_ERR_SIGNER_MISMATCH`; the message names the rule. A damaged or forged
/// envelope is `CUSTODIA_ERR_OPEN_FAILED`, which deliberately says nothing more. Opens and refusals are audited.
///
/// On success `*out_plaintext` receives the plaintext, owned by the caller: free it with `custodia_buffer_free`
/// (which zeroizes it) as soon as possible. If `out_info` is not NULL it receives the envelope's metadata.
///
/// # Safety
///
/// `purpose` is NULL (refused) or a NUL-terminated string; `envelope` is NULL (only with `envelope_len` 0) or
/// `envelope_len` readable bytes; `required_signer` is NULL or readable; all borrowed for the call.
/// `out_plaintext` is NULL (refused) or writable; `out_info` is NULL or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_open(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    purpose: *const c_char,
    exception_handle: custodia_exception_ground,
    envelope: *const u8,
    envelope_len: usize,
    required_signer: *const custodia_key_id,
    out_plaintext: *mut custodia_buffer,
    out_info: *mut custodia_envelope_info,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (purpose, envelope, signer, out) = unsafe {
            (
                str_arg(purpose, "purpose")?,
                bytes_arg(envelope, envelope_len, "envelope")?,
                signer_arg(required_signer)?,
                Out::new(out_plaintext, "out_plaintext")?,
            )
        };
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        let req = request(&a, purpose, exception_handle, signer)?;
        let mut opened = c.open(&req, envelope)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { write_info(out_info, &opened.info) }?;
        // Move the plaintext out without copying; the emptied `Sensitive` drops harmlessly.
        out.write(bytes_to_c(core::mem::take(opened.data.expose_secret_mut())));
        Ok(())
    })
}

/// Read an envelope's bound metadata without opening it: no key, no policy decision, not audited.
///
/// # Safety
///
/// `envelope` is NULL (only with `envelope_len` 0) or `envelope_len` readable bytes, borrowed for the call;
/// `out_info` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_envelope_inspect(
    custodian_handle: custodia_custodian,
    envelope: *const u8,
    envelope_len: usize,
    out_info: *mut custodia_envelope_info,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (envelope, out) =
            unsafe { (bytes_arg(envelope, envelope_len, "envelope")?, Out::new(out_info, "out_info")?) };
        out.write(custodia_envelope_info::new(&custodian(custodian_handle)?.inspect(envelope)?)?);
        Ok(())
    })
}

/// Describe an envelope's bound metadata as text, one `name: value` per line (object, category, classification,
/// purposes, case, origin, destinations, created, not_after, recipients, signer, instrument, instrument_reference,
/// transfer_basis). No key, not audited.
///
/// On success `*out_text` receives a NUL-terminated text buffer owned by the caller (`custodia_buffer_free`).
///
/// # Safety
///
/// As `custodia_envelope_inspect`, with `out_text` NULL (refused) or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_envelope_describe(
    custodian_handle: custodia_custodian,
    envelope: *const u8,
    envelope_len: usize,
    out_text: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (envelope, out) =
            unsafe { (bytes_arg(envelope, envelope_len, "envelope")?, Out::new(out_text, "out_text")?) };
        out.write(text_to_c(custodian(custodian_handle)?.describe(envelope)?));
        Ok(())
    })
}

/// Seal the file at `src_path` into an envelope file at `dst_path`, in constant memory. The envelope is written to a
/// new file (mode 0600) beside `dst_path` and renamed over it only on success; on failure `dst_path` is untouched.
/// `dst_path` may be `src_path` (sealing in place). Errors as `custodia_seal`, and `CUSTODIA_ERR_IO`.
///
/// # Safety
///
/// `src_path` and `dst_path` are NULL (refused) or NUL-terminated strings (any bytes), borrowed for the call.
/// Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_seal_file(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    options: custodia_seal_options,
    src_path: *const c_char,
    dst_path: *const c_char,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (src, dst) = unsafe { (path_arg(src_path, "src_path")?, path_arg(dst_path, "dst_path")?) };
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        let (o, tag) = seal_options(options)?;
        c.seal_file(&a, tag, &o, src, dst)?;
        Ok(())
    })
}

/// Open the envelope file at `src_path` into a plaintext file at `dst_path`, chunk by chunk in constant memory, each
/// chunk written only after it authenticates. The plaintext is written to a new file (mode 0600) beside `dst_path`
/// and renamed over it only when everything (signature included) has checked; on any failure the partial file is
/// removed and `dst_path` is untouched. Arguments and errors as `custodia_open`, and `CUSTODIA_ERR_IO`.
///
/// # Safety
///
/// `purpose`, `src_path`, `dst_path` are NULL (refused) or NUL-terminated strings; `required_signer` is NULL or
/// readable; all borrowed for the call. `out_info` is NULL or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_open_file(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    purpose: *const c_char,
    exception_handle: custodia_exception_ground,
    required_signer: *const custodia_key_id,
    src_path: *const c_char,
    dst_path: *const c_char,
    out_info: *mut custodia_envelope_info,
) -> custodia_status {
    let args = OpenArgs { custodian_handle, actor_handle, purpose, exception_handle, required_signer, out_info };
    // SAFETY: forwarded from this function's contract: both paths are NULL or NUL-terminated strings.
    let endpoints = || unsafe { Ok((path_arg(src_path, "src_path")?, path_arg(dst_path, "dst_path")?)) };
    // SAFETY: forwarded from this function's contract.
    unsafe { open_transport(args, endpoints, |c, req, (src, dst)| Ok(c.open_file(req, src, dst)?)) }
}

/// Seal what file descriptor `src_fd` yields (to its end) into `dst_fd`, in constant memory. The descriptors stay
/// the caller's: they are neither closed nor rewound. On failure `dst_fd` may have received part of an envelope:
/// discard it. Errors as `custodia_seal`, and `CUSTODIA_ERR_IO`.
///
/// # Safety
///
/// `src_fd` is open for reading and `dst_fd` for writing, and neither is closed by another thread during the call.
/// Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_seal_fd(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    options: custodia_seal_options,
    src_fd: c_int,
    dst_fd: c_int,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract: both descriptors are open for the whole call.
        let (mut src, mut dst) =
            unsafe { (BorrowedFile::new(src_fd, "src_fd")?, BorrowedFile::new(dst_fd, "dst_fd")?) };
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        seal_stream(&c, &a, options, &mut src, &mut dst)
    })
}

/// Open the envelope `src_fd` yields into `dst_fd`, chunk by chunk, each written only after it authenticates. The
/// descriptors stay the caller's. On failure discard what `dst_fd` received (a signature, if any, is checked at
/// the end). Arguments and errors as `custodia_open`, and `CUSTODIA_ERR_IO`.
///
/// # Safety
///
/// As `custodia_seal_fd` for the descriptors; `purpose` is NULL (refused) or a NUL-terminated string;
/// `required_signer` is NULL or readable; `out_info` is NULL or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_open_fd(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    purpose: *const c_char,
    exception_handle: custodia_exception_ground,
    required_signer: *const custodia_key_id,
    src_fd: c_int,
    dst_fd: c_int,
    out_info: *mut custodia_envelope_info,
) -> custodia_status {
    let args = OpenArgs { custodian_handle, actor_handle, purpose, exception_handle, required_signer, out_info };
    // SAFETY: forwarded from this function's contract: both descriptors are open for the whole call.
    let endpoints = || unsafe { Ok((BorrowedFile::new(src_fd, "src_fd")?, BorrowedFile::new(dst_fd, "dst_fd")?)) };
    // SAFETY: forwarded from this function's contract.
    unsafe {
        open_transport(args, endpoints, |c, req, (mut src, mut dst)| {
            let opened = c.open_stream(req, &mut src, &mut dst)?;
            dst.flush()?;
            Ok(opened)
        })
    }
}

/// Seal what `read` yields into `write`, in constant memory. Both callbacks run only on the calling thread, only
/// during this call. On failure discard what `write` received. Errors as `custodia_seal`, and `CUSTODIA_ERR_IO`
/// when a callback fails.
///
/// # Safety
///
/// `read` and `write` are NULL (refused) or follow the `custodia_read_fn` / `custodia_write_fn` contracts with
/// `read_context` / `write_context`, which custodia passes through untouched. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_seal_stream(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    options: custodia_seal_options,
    read: custodia_read_fn,
    read_context: *mut c_void,
    write: custodia_write_fn,
    write_context: *mut c_void,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract; the reader and writer live only during this call.
        let (mut src, mut dst) = unsafe {
            (CallbackReader::new(read, read_context, "read")?, CallbackWriter::new(write, write_context, "write")?)
        };
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        seal_stream(&c, &a, options, &mut src, &mut dst)
    })
}

/// Open the envelope `read` yields, giving the plaintext to `write` chunk by chunk, each only after it
/// authenticates. Callbacks run only on the calling thread, during this call. On failure discard what `write`
/// received (a signature, if any, is checked at the end). Arguments and errors as `custodia_open`.
///
/// # Safety
///
/// As `custodia_seal_stream` for the callbacks; `purpose` is NULL (refused) or a NUL-terminated string;
/// `required_signer` is NULL or readable; `out_info` is NULL or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_open_stream(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    purpose: *const c_char,
    exception_handle: custodia_exception_ground,
    required_signer: *const custodia_key_id,
    read: custodia_read_fn,
    read_context: *mut c_void,
    write: custodia_write_fn,
    write_context: *mut c_void,
    out_info: *mut custodia_envelope_info,
) -> custodia_status {
    let args = OpenArgs { custodian_handle, actor_handle, purpose, exception_handle, required_signer, out_info };
    // SAFETY: forwarded from this function's contract; the reader and writer live only during this call.
    let endpoints = || unsafe {
        Ok((CallbackReader::new(read, read_context, "read")?, CallbackWriter::new(write, write_context, "write")?))
    };
    // SAFETY: forwarded from this function's contract.
    unsafe { open_transport(args, endpoints, |c, req, (mut src, mut dst)| Ok(c.open_stream(req, &mut src, &mut dst)?)) }
}

/// Read an array of key ids.
///
/// # Safety
///
/// `p` is NULL (only with `count` 0) or points to `count` readable key ids.
pub(crate) unsafe fn key_ids_arg(p: *const custodia_key_id, count: usize, name: &'static str) -> Result<Vec<KeyId>> {
    let bytes = count
        .checked_mul(size_of::<custodia_key_id>())
        .ok_or_else(|| CoreError::InvalidArgument(format!("{name}: count {count} is larger than any array")))?;
    // SAFETY: forwarded from the caller; `custodia_key_id` is 16 plain bytes with alignment 1, so any readable
    // bytes are valid ids.
    let raw = unsafe { bytes_arg(p.cast::<u8>(), bytes, name) }?;
    Ok(raw
        .chunks_exact(size_of::<custodia_key_id>())
        .map(|c| KeyId::from_bytes(c.try_into().unwrap_or([0; 16])))
        .collect())
}

/// Re-wrap an envelope for the stated `purpose`: remove the recipient stanzas of the `remove_count` keys in
/// `remove`, add stanzas for the `add_count` keys in `add` (own keys, or imported public keys of other authorities:
/// sharing). The payload, the bound terms and any signature are carried over unchanged; nothing is decrypted but the
/// data key.
///
/// The policy gate decides first, before any key is touched: the actor's clearance, jurisdiction, the expiry and
/// `purpose` (which the envelope must grant; no exception applies), refused with the same codes as `custodia_open`.
/// Adding another authority's key (sharing) also needs `purpose` under `mla.execution`
/// (`CUSTODIA_ERR_TRANSFER_NOT_PERMITTED`) and that key imported with a jurisdiction the envelope permits
/// (`CUSTODIA_ERR_RECIPIENT_NOT_PERMITTED`, `CUSTODIA_ERR_RECIPIENT_JURISDICTION_UNKNOWN`). Refusals are audited.
/// Removing a key the envelope has no stanza for, or adding one it already has, is `CUSTODIA_ERR_CONFLICT`.
/// On success `*out_envelope` receives the new (binary) envelope, owned by the caller (`custodia_buffer_free`).
///
/// # Safety
///
/// `purpose` is NULL (refused) or a NUL-terminated string; `envelope` is NULL (only with `envelope_len` 0) or
/// `envelope_len` readable bytes; `remove` and `add` are NULL (only with a count of 0) or point to that many
/// readable key ids; all borrowed for the call. `out_envelope` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_rewrap(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    purpose: *const c_char,
    envelope: *const u8,
    envelope_len: usize,
    remove: *const custodia_key_id,
    remove_count: usize,
    add: *const custodia_key_id,
    add_count: usize,
    out_envelope: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (purpose, envelope, remove, add, out) = unsafe {
            (
                str_arg(purpose, "purpose")?,
                bytes_arg(envelope, envelope_len, "envelope")?,
                key_ids_arg(remove, remove_count, "remove")?,
                key_ids_arg(add, add_count, "add")?,
                Out::new(out_envelope, "out_envelope")?,
            )
        };
        let purpose = Purpose::parse(purpose)?;
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        out.write(bytes_to_c(c.rewrap(&a, &purpose, envelope, &remove, &add)?));
        Ok(())
    })
}

/// Re-wrap an envelope whose stanzas name rotated keys: each such stanza is replaced by one for the key's newest
/// successor (after `custodia_key_rotate`). An envelope with no rotated key comes back unchanged (as binary). Needs
/// only the actor's clearance for the data (`CUSTODIA_ERR_CLEARANCE_INSUFFICIENT`, audited), no purpose: the
/// successor is this custodian's own key, and rotation must work on expired data too. On success `*out_envelope`
/// receives the envelope, owned by the caller (`custodia_buffer_free`).
///
/// # Safety
///
/// `envelope` is NULL (only with `envelope_len` 0) or `envelope_len` readable bytes, borrowed for the call;
/// `out_envelope` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_rewrap_rotated(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    envelope: *const u8,
    envelope_len: usize,
    out_envelope: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (envelope, out) =
            unsafe { (bytes_arg(envelope, envelope_len, "envelope")?, Out::new(out_envelope, "out_envelope")?) };
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        out.write(bytes_to_c(c.rewrap_rotated(&a, envelope)?));
        Ok(())
    })
}

/// How many times this custodian has tried to unwrap a data key since it was opened. A host (and a test) compares
/// it before and after a refused open or re-wrap to confirm that the refusal touched no key.
///
/// # Safety
///
/// `out_count` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_custodian_unwrap_attempts(
    custodian_handle: custodia_custodian,
    out_count: *mut u64,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_count, "out_count") }?;
        out.write(custodian(custodian_handle)?.unwrap_attempts());
        Ok(())
    })
}
