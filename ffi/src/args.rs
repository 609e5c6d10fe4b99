//! Reading arguments from C and writing results back: every pointer is checked here, once.
//!
//! Each helper turns a raw argument into a Rust value or an error naming the argument (`NULL`, not UTF-8, length
//! too large). Integers that name enumerated values go through the types' `from_code` (fallible), never a cast.

use core::ffi::{CStr, c_char};
use core::ptr::NonNull;

use crate::error::{Error, Result};
use custodia_core::Error as CoreError;

/// The largest length a C buffer argument may declare: what a Rust slice can span.
const MAX_LEN: usize = isize::MAX as usize;

/// A required NUL-terminated UTF-8 string argument.
///
/// # Safety
///
/// `p` is NULL or points to a NUL-terminated string that stays valid and unmodified for `'a`.
pub(crate) unsafe fn str_arg<'a>(p: *const c_char, name: &'static str) -> Result<&'a str> {
    if p.is_null() {
        return Err(Error::NullPointer(name));
    }
    // SAFETY: non-NULL, and the caller guarantees a NUL-terminated string valid for 'a.
    let c = unsafe { CStr::from_ptr(p) };
    c.to_str().map_err(|_| Error::InvalidUtf8(name))
}

/// An optional NUL-terminated UTF-8 string argument: NULL means absent.
///
/// # Safety
///
/// As [`str_arg`].
pub(crate) unsafe fn opt_str_arg<'a>(p: *const c_char, name: &'static str) -> Result<Option<&'a str>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded from the caller.
    unsafe { str_arg(p, name) }.map(Some)
}

/// A byte-buffer argument `(p, len)`. NULL is accepted only with `len == 0`.
///
/// # Safety
///
/// `p` is NULL or points to `len` readable bytes that stay valid and unmodified for `'a`.
pub(crate) unsafe fn bytes_arg<'a>(p: *const u8, len: usize, name: &'static str) -> Result<&'a [u8]> {
    if len > MAX_LEN {
        return Err(CoreError::InvalidArgument(format!("{name}: length {len} is larger than any buffer")).into());
    }
    if p.is_null() {
        return if len == 0 { Ok(&[]) } else { Err(Error::NullPointer(name)) };
    }
    // SAFETY: non-NULL, `len` is at most isize::MAX, and the caller guarantees `len` readable bytes valid for 'a.
    Ok(unsafe { core::slice::from_raw_parts(p, len) })
}

/// An array of `count` string arguments. NULL is accepted only with `count == 0`; no element may be NULL.
///
/// # Safety
///
/// `p` is NULL or points to `count` readable pointers, each as in [`str_arg`], all valid for `'a`.
pub(crate) unsafe fn str_array_arg<'a>(
    p: *const *const c_char,
    count: usize,
    name: &'static str,
) -> Result<Vec<&'a str>> {
    if count > MAX_LEN / size_of::<*const c_char>() {
        return Err(CoreError::InvalidArgument(format!("{name}: count {count} is larger than any array")).into());
    }
    if p.is_null() {
        return if count == 0 { Ok(Vec::new()) } else { Err(Error::NullPointer(name)) };
    }
    // SAFETY: non-NULL, the byte size is at most isize::MAX (checked above), and the caller guarantees `count`
    // readable, aligned pointers valid for 'a.
    let items = unsafe { core::slice::from_raw_parts(p, count) };
    items
        .iter()
        // SAFETY: each element is NULL or a NUL-terminated string valid for 'a, as the caller guarantees.
        .map(|&item| unsafe { str_arg(item, name) })
        .collect()
}

/// An out-parameter, checked for NULL before any work is done, written once at the very end (so only on success).
pub(crate) struct Out<T>(NonNull<T>);

impl<T> Out<T> {
    /// Check an out-parameter.
    ///
    /// # Safety
    ///
    /// `p` is NULL or valid for writing one (aligned) `T` until the call returns, and not read or written by
    /// anyone else meanwhile.
    pub(crate) unsafe fn new(p: *mut T, name: &'static str) -> Result<Self> {
        NonNull::new(p).map(Self).ok_or(Error::NullPointer(name))
    }

    /// Check an optional out-parameter: NULL means the caller does not want that output.
    ///
    /// # Safety
    ///
    /// As [`Out::new`].
    pub(crate) unsafe fn optional(p: *mut T) -> Option<Self> {
        NonNull::new(p).map(Self)
    }

    /// Write the result. The old value is overwritten without being dropped (C owns plain data there).
    pub(crate) fn write(self, value: T) {
        // SAFETY: `Out::new`'s caller guaranteed the pointer valid for writes for the duration of the call, which
        // is still running, and exclusive.
        unsafe { self.0.as_ptr().write(value) }
    }
}

/// An enumerated code from C narrowed to the width its Rust type uses; an overflow is an unknown code.
pub(crate) fn narrow<N: TryFrom<u32>>(code: u32, what: &'static str) -> Result<N> {
    N::try_from(code).map_err(|_| CoreError::UnknownCode { what, code }.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_are_checked() {
        // SAFETY: NULL and valid strings are both allowed inputs.
        unsafe {
            assert!(matches!(str_arg(core::ptr::null(), "x"), Err(Error::NullPointer("x"))));
            assert_eq!(str_arg(c"abc".as_ptr(), "x").expect("valid"), "abc");
            assert!(matches!(str_arg(c"\xff".as_ptr(), "x"), Err(Error::InvalidUtf8("x"))));
            assert_eq!(opt_str_arg(core::ptr::null(), "x").expect("valid"), None);
            assert!(bytes_arg(core::ptr::null(), 0, "b").expect("empty").is_empty());
            assert!(matches!(bytes_arg(core::ptr::null(), 1, "b"), Err(Error::NullPointer("b"))));
            assert!(matches!(
                bytes_arg(b"x".as_ptr(), usize::MAX, "b"),
                Err(Error::Core(CoreError::InvalidArgument(_)))
            ));
            let items = [c"a".as_ptr(), c"b".as_ptr()];
            assert_eq!(str_array_arg(items.as_ptr(), 2, "items").expect("valid"), ["a", "b"]);
            assert!(matches!(str_array_arg(core::ptr::null(), 1, "items"), Err(Error::NullPointer(_))));
            assert!(matches!(Out::<u32>::new(core::ptr::null_mut(), "out"), Err(Error::NullPointer("out"))));
        }
        assert!(matches!(narrow::<u8>(256, "kind"), Err(Error::Core(CoreError::UnknownCode { code: 256, .. }))));
        assert_eq!(narrow::<u8>(3, "kind").expect("fits"), 3);
    }
}
