//! Random-access reading through the C API: a reader handle over an envelope file or a caller's descriptor.
//!
//! Opening a reader runs the facade's `open_seekable`: the policy gate decides before any key is touched, the open
//! is recorded, and construction authenticates the header, the signature (if any) and the final chunk. After that
//! each `custodia_reader_read_at` decrypts only the chunks it needs, each authenticated (and checked against what
//! was verified) before a byte of it is copied out. `custodia_reader_free` drops the reader, whose chunk buffer and
//! cipher key are zeroized on drop.

use core::ffi::c_char;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::fd::{BorrowedFd, RawFd};
use std::sync::{Mutex, PoisonError};

use super::args::{Out, str_arg};
use super::boundary::call;
use super::custodian::{custodia_custodian, custodian};
use super::handles;
use super::io::path_arg;
use super::keyid::custodia_key_id;
use super::objects::{actor, custodia_actor, custodia_exception_ground};
use super::seal::{custodia_envelope_info, request, signer_arg, write_info};
use super::status::custodia_status;
use crate::error::{Error, Result};
use custodia_core::Error as CoreError;
use custodia_core::format::Reader;

const READER: &str = "reader";

/// A handle to an open envelope read with random access (`custodia_reader_open_file`, `custodia_reader_open_fd`).
///
/// Opaque: `id` is a registry key, not an address; 0 is the null handle. Usable from any thread; calls on one
/// reader are serialised (a read holds it for its duration).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct custodia_reader {
    /// Opaque registry key; 0 means none.
    pub id: u64,
}

type Inner = Mutex<Reader<File>>;

/// Open `file` (positioned at the envelope's first byte) for random access and register the reader.
///
/// # Safety
///
/// As the public functions for the shared arguments.
#[allow(clippy::too_many_arguments, reason = "the C signature")]
unsafe fn open_reader(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    purpose: *const c_char,
    exception_handle: custodia_exception_ground,
    required_signer: *const custodia_key_id,
    file: impl FnOnce() -> Result<File>,
    out_reader: *mut custodia_reader,
    out_info: *mut custodia_envelope_info,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from the caller's contract.
        let (purpose, signer, out) = unsafe {
            (str_arg(purpose, "purpose")?, signer_arg(required_signer)?, Out::new(out_reader, "out_reader")?)
        };
        let file = file()?;
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        let req = request(&a, purpose, exception_handle, signer)?;
        let opened = c.open_seekable(&req, file)?;
        // SAFETY: forwarded from the caller's contract.
        unsafe { write_info(out_info, &opened.info) }?;
        let id = handles::insert::<Inner>(Mutex::new(opened.data))?;
        out.write(custodia_reader { id });
        Ok(())
    })
}

/// Open the envelope file at `path` for random access, as `actor`, for `purpose`, optionally invoking
/// `exception` (the null handle for none) and requiring the signer `required_signer` (NULL for none).
///
/// The policy gate decides before any key is touched, with the codes of `custodia_open`; the open (or refusal)
/// is recorded. The header, the signature (a signed envelope is hashed whole, without decrypting) and the last
/// chunk are authenticated here; each other chunk when a read first needs it. On success `*out_reader` receives
/// a reader owned by the caller (`custodia_reader_free`) and, if `out_info` is not NULL, it receives the
/// envelope's metadata. Errors as `custodia_open`, and `CUSTODIA_ERR_IO`.
///
/// # Safety
///
/// `purpose` and `path` are NULL (refused) or NUL-terminated strings, `required_signer` NULL or readable, all
/// borrowed for the call; `out_reader` is NULL (refused) or writable; `out_info` NULL or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_reader_open_file(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    purpose: *const c_char,
    exception_handle: custodia_exception_ground,
    required_signer: *const custodia_key_id,
    path: *const c_char,
    out_reader: *mut custodia_reader,
    out_info: *mut custodia_envelope_info,
) -> custodia_status {
    // SAFETY: `path` is NULL or NUL-terminated, borrowed for this call (this function's contract); the path is
    // read before `open_reader` returns. The other arguments are forwarded under the same contract.
    unsafe {
        open_reader(
            custodian_handle,
            actor_handle,
            purpose,
            exception_handle,
            required_signer,
            || Ok(File::open(path_arg(path, "path")?)?),
            out_reader,
            out_info,
        )
    }
}

/// Open for random access the envelope that file descriptor `fd` holds from its current offset to its end (a
/// caller-provided seekable source: a regular file, or anything `lseek` works on). The reader keeps its own
/// duplicate of `fd` (`dup`): the caller may close `fd` at once. The duplicate shares the file offset, which reads
/// move: use `pread` on `fd` if you still read it yourself. Otherwise as `custodia_reader_open_file`.
///
/// # Safety
///
/// `fd` is an open descriptor for reading, not closed by another thread during the call; the other arguments as
/// `custodia_reader_open_file`. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_reader_open_fd(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    purpose: *const c_char,
    exception_handle: custodia_exception_ground,
    required_signer: *const custodia_key_id,
    fd: RawFd,
    out_reader: *mut custodia_reader,
    out_info: *mut custodia_envelope_info,
) -> custodia_status {
    let dup = || -> Result<File> {
        if fd < 0 {
            return Err(CoreError::InvalidArgument(format!("fd {fd} is not a descriptor")).into());
        }
        // SAFETY: the caller guarantees `fd` is open and stays open for this call; it is only duplicated here.
        let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
        Ok(File::from(borrowed.try_clone_to_owned()?))
    };
    // SAFETY: forwarded from this function's contract.
    unsafe {
        open_reader(
            custodian_handle,
            actor_handle,
            purpose,
            exception_handle,
            required_signer,
            dup,
            out_reader,
            out_info,
        )
    }
}

/// The plaintext length of the envelope a reader reads (authenticated when the reader was opened).
///
/// # Safety
///
/// `out_len` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_reader_len(reader: custodia_reader, out_len: *mut u64) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_len, "out_len")? };
        let r = handles::get::<Inner>(reader.id, READER)?;
        let len = r.lock().unwrap_or_else(PoisonError::into_inner).len();
        out.write(len);
        Ok(())
    })
}

/// Read up to `capacity` bytes of plaintext starting at byte `offset` into `buffer`; `*out_read` receives how
/// many: `capacity` unless the plaintext ends first, 0 at or past its end (not an error).
///
/// Each chunk the range touches is read from the source, checked against the fingerprint kept when it was
/// verified (or first read), authenticated, and only then decrypted and copied out. A chunk that fails is
/// `CUSTODIA_ERR_OPEN_FAILED` (or `CUSTODIA_ERR_ENVELOPE_CHANGED` when the source changed since it was verified):
/// then no plaintext is left in `buffer` (bytes already copied from earlier chunks of the range are zeroed) and
/// `*out_read` is not written.
///
/// # Safety
///
/// `buffer` is NULL (only with `capacity` 0) or `capacity` writable bytes, the caller's; `out_read` is NULL
/// (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_reader_read_at(
    reader: custodia_reader,
    offset: u64,
    buffer: *mut u8,
    capacity: usize,
    out_read: *mut usize,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_read, "out_read")? };
        if capacity > isize::MAX as usize {
            return Err(CoreError::InvalidArgument(format!("capacity {capacity} is larger than any buffer")).into());
        }
        let buf: &mut [u8] = if buffer.is_null() {
            if capacity != 0 {
                return Err(Error::NullPointer("buffer"));
            }
            &mut []
        } else {
            // SAFETY: non-NULL, at most isize::MAX bytes, and the caller guarantees `capacity` writable bytes.
            unsafe { core::slice::from_raw_parts_mut(buffer, capacity) }
        };
        let r = handles::get::<Inner>(reader.id, READER)?;
        let mut r = r.lock().unwrap_or_else(PoisonError::into_inner);
        let mut done = 0;
        let result = (|| -> std::io::Result<()> {
            r.seek(SeekFrom::Start(offset))?;
            while done < buf.len() {
                let n = r.read(&mut buf[done..])?;
                if n == 0 {
                    break;
                }
                done += n;
            }
            Ok(())
        })();
        if let Err(e) = result {
            zeroize::Zeroize::zeroize(&mut buf[..done]);
            return Err(io_error(e));
        }
        out.write(done);
        Ok(())
    })
}

/// The library error a reader's `io::Error` carries (chunk failures), or an I/O error.
fn io_error(e: std::io::Error) -> Error {
    if e.get_ref().is_some_and(|inner| inner.is::<CoreError>()) {
        if let Some(Ok(core)) = e.into_inner().map(|inner| inner.downcast::<CoreError>()) {
            return Error::Core(*core);
        }
        return CoreError::OpenFailed.into();
    }
    CoreError::Io(e).into()
}

/// Free a reader: its chunk buffer and cipher key are zeroized. The null handle is accepted and ignored; a freed
/// or foreign handle is `CUSTODIA_ERR_INVALID_HANDLE`. A read in flight on another thread finishes first.
///
/// # Safety
///
/// None beyond passing a handle by value. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_reader_free(reader: custodia_reader) -> custodia_status {
    call(|| handles::remove::<Inner>(reader.id, READER))
}
