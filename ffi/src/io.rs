//! Byte streams from C: read/write callbacks, borrowed file descriptors, and paths.
//!
//! Callbacks are called only on the thread that called custodia, only during that call, and never after it
//! returns; custodia starts no thread that could call them. This module must never keep a callback or a file
//! descriptor beyond the call that lent it.

use core::ffi::{c_char, c_int, c_void};
use std::ffi::{CStr, OsStr};
use std::fs::File;
use std::io::{self, Read, Write};
use std::mem::ManuallyDrop;
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::error::{Error, Result};
use custodia_core::Error as CoreError;

/// A read callback: fill up to `capacity` bytes at `buffer`, store how many in `*out_read` (0 only at end of
/// input), and return 0; return non-zero on failure (custodia then fails with `CUSTODIA_ERR_IO`). It is called on
/// the thread that called custodia, during that call only, and must return normally (no `longjmp`, no C++
/// exception).
pub type custodia_read_fn =
    Option<unsafe extern "C" fn(context: *mut c_void, buffer: *mut u8, capacity: usize, out_read: *mut usize) -> c_int>;

/// A write callback: consume all `len` bytes at `data` and return 0; return non-zero on failure (custodia then
/// fails with `CUSTODIA_ERR_IO`). Called on the thread that called custodia, during that call only; must return
/// normally. The bytes may be plaintext: a callback that keeps them is responsible for them.
pub type custodia_write_fn = Option<unsafe extern "C" fn(context: *mut c_void, data: *const u8, len: usize) -> c_int>;

/// A [`Read`] over a C read callback.
pub(crate) struct CallbackReader {
    read: unsafe extern "C" fn(*mut c_void, *mut u8, usize, *mut usize) -> c_int,
    context: *mut c_void,
}

impl CallbackReader {
    /// # Safety
    ///
    /// `read` follows the `custodia_read_fn` contract with `context`, for as long as this reader lives.
    pub(crate) unsafe fn new(read: custodia_read_fn, context: *mut c_void, name: &'static str) -> Result<Self> {
        Ok(Self { read: read.ok_or(Error::NullPointer(name))?, context })
    }
}

impl Read for CallbackReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0_usize;
        // SAFETY: `new`'s caller guaranteed the callback's contract; `buf` is valid for `buf.len()` writable bytes
        // and `n` for one write, both for the duration of the call.
        let rc = unsafe { (self.read)(self.context, buf.as_mut_ptr(), buf.len(), &raw mut n) };
        if rc != 0 {
            return Err(io::Error::other(format!("read callback failed with {rc}")));
        }
        if n > buf.len() {
            return Err(io::Error::other(format!("read callback claimed {n} bytes into a {}-byte buffer", buf.len())));
        }
        Ok(n)
    }
}

/// A [`Write`] over a C write callback.
pub(crate) struct CallbackWriter {
    write: unsafe extern "C" fn(*mut c_void, *const u8, usize) -> c_int,
    context: *mut c_void,
}

impl CallbackWriter {
    /// # Safety
    ///
    /// `write` follows the `custodia_write_fn` contract with `context`, for as long as this writer lives.
    pub(crate) unsafe fn new(write: custodia_write_fn, context: *mut c_void, name: &'static str) -> Result<Self> {
        Ok(Self { write: write.ok_or(Error::NullPointer(name))?, context })
    }
}

impl Write for CallbackWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // SAFETY: `new`'s caller guaranteed the callback's contract; `buf` is valid for `buf.len()` bytes for the
        // duration of the call.
        let rc = unsafe { (self.write)(self.context, buf.as_ptr(), buf.len()) };
        if rc != 0 {
            return Err(io::Error::other(format!("write callback failed with {rc}")));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A file descriptor lent by C for one call: read and written through, never closed.
pub(crate) struct BorrowedFile(ManuallyDrop<File>);

impl BorrowedFile {
    /// # Safety
    ///
    /// `fd` is an open file descriptor that stays open, and is not closed by anyone else, for as long as this value
    /// lives.
    pub(crate) unsafe fn new(fd: c_int, name: &'static str) -> Result<Self> {
        if fd < 0 {
            return Err(CoreError::InvalidArgument(format!("{name}: {fd} is not a file descriptor")).into());
        }
        // SAFETY: `fd` is open and outlives this value (caller's guarantee); `ManuallyDrop` keeps `File` from
        // closing it, so ownership stays with the caller.
        Ok(Self(ManuallyDrop::new(unsafe { File::from_raw_fd(RawFd::from(fd)) })))
    }
}

impl Read for BorrowedFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for BorrowedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// A path argument. Paths are bytes on Unix, so any NUL-terminated string is accepted, UTF-8 or not.
///
/// # Safety
///
/// `p` is NULL or a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn path_arg<'a>(p: *const c_char, name: &'static str) -> Result<&'a Path> {
    if p.is_null() {
        return Err(Error::NullPointer(name));
    }
    // SAFETY: non-NULL and NUL-terminated, valid for 'a (caller's guarantee).
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    if bytes.is_empty() {
        return Err(CoreError::InvalidArgument(format!("{name}: empty path")).into());
    }
    Ok(Path::new(OsStr::from_bytes(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Source {
        data: Vec<u8>,
        at: usize,
    }

    unsafe extern "C" fn read_some(context: *mut c_void, buffer: *mut u8, capacity: usize, out: *mut usize) -> c_int {
        // SAFETY: the test passes a `Source` as context, and custodia passes valid buffer and out pointers.
        unsafe {
            let src = &mut *context.cast::<Source>();
            let n = capacity.min(3).min(src.data.len() - src.at);
            core::ptr::copy_nonoverlapping(src.data.as_ptr().add(src.at), buffer, n);
            src.at += n;
            *out = n;
        }
        0
    }

    unsafe extern "C" fn write_all(context: *mut c_void, data: *const u8, len: usize) -> c_int {
        // SAFETY: the test passes a `Vec<u8>` as context, and custodia passes `len` readable bytes.
        unsafe { (*context.cast::<Vec<u8>>()).extend_from_slice(core::slice::from_raw_parts(data, len)) };
        0
    }

    unsafe extern "C" fn fail_write(_: *mut c_void, _: *const u8, _: usize) -> c_int {
        -5
    }

    #[test]
    fn callbacks_move_bytes_and_report_failures() {
        let mut src = Source { data: b"chain of custody".to_vec(), at: 0 };
        let mut dst: Vec<u8> = Vec::new();
        // SAFETY: the callbacks follow the contracts with these contexts, which outlive the reader and writer.
        let (mut r, mut w) = unsafe {
            (
                CallbackReader::new(Some(read_some), (&raw mut src).cast(), "read").expect("non-NULL"),
                CallbackWriter::new(Some(write_all), (&raw mut dst).cast(), "write").expect("non-NULL"),
            )
        };
        io::copy(&mut r, &mut w).expect("copies");
        assert_eq!(dst, b"chain of custody");
        // SAFETY: as above.
        let mut bad = unsafe { CallbackWriter::new(Some(fail_write), core::ptr::null_mut(), "write") }.expect("set");
        assert!(bad.write_all(b"x").is_err());
        // SAFETY: NULL callbacks are refused without being called.
        let none = unsafe { CallbackReader::new(None, core::ptr::null_mut(), "read") };
        assert!(matches!(none, Err(Error::NullPointer(_))));
        // SAFETY: a negative descriptor is refused before use.
        assert!(unsafe { BorrowedFile::new(-1, "fd") }.is_err());
        // SAFETY: NULL, empty and non-UTF-8 paths.
        unsafe {
            assert!(path_arg(core::ptr::null(), "path").is_err());
            assert!(path_arg(c"".as_ptr(), "path").is_err());
            assert_eq!(path_arg(c"/tmp/\xff".as_ptr(), "path").expect("bytes").as_os_str().len(), 6);
        }
    }
}
