//! The one buffer type custodia hands to C, and the one function that frees it.
//!
//! Every byte string or text custodia returns is a [`custodia_buffer`] allocated here and recorded in a table of
//! live allocations, so that `custodia_buffer_free` can refuse a pointer it did not hand out (or one already
//! freed) with an error instead of corrupting the heap, and can zeroize the whole allocation, spare capacity
//! included, before releasing it.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use zeroize::Zeroize;

use super::boundary::call;
use super::status::custodia_status;
use crate::error::{Error, Result};

/// Bytes or text owned by custodia and lent to the caller until `custodia_buffer_free`.
///
/// `data` points to `len` bytes; for text it is also NUL-terminated (the NUL is not counted in `len`). `data` is
/// NULL only when `len` is 0 and the buffer holds no allocation. Do not change either field: the free checks them.
#[repr(C)]
#[derive(Debug)]
pub struct custodia_buffer {
    /// The bytes; NULL for an empty buffer without allocation.
    pub data: *mut u8,
    /// The number of bytes, not counting the NUL that ends text.
    pub len: usize,
}

impl custodia_buffer {
    const EMPTY: Self = Self { data: core::ptr::null_mut(), len: 0 };
}

/// Live allocations, keyed by the bitwise complement of their address: a table of plain addresses would keep every
/// buffer "still reachable" for leak checkers (valgrind, LeakSanitizer), hiding a host that forgets to free one.
static LIVE: Mutex<BTreeMap<usize, Allocation>> = Mutex::new(BTreeMap::new());

#[derive(Clone, Copy)]
struct Allocation {
    told_len: usize,
    vec_len: usize,
    capacity: usize,
}

fn live() -> std::sync::MutexGuard<'static, BTreeMap<usize, Allocation>> {
    // The table is updated by single inserts and removes that leave it consistent even if a panic intervened.
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Hand `bytes` to C. The vector must already have its final capacity (pre-sized), so no copy is left behind.
pub(crate) fn bytes_to_c(bytes: Vec<u8>) -> custodia_buffer {
    let told_len = bytes.len();
    vec_to_c(bytes, told_len)
}

/// Hand `text` to C, NUL-terminated. A copy is made (and the original zeroized) only if there is no room for the NUL.
pub(crate) fn text_to_c(mut text: String) -> custodia_buffer {
    let told_len = text.len();
    let mut bytes = if text.capacity() > text.len() {
        core::mem::take(&mut text).into_bytes()
    } else {
        let mut copy = Vec::with_capacity(text.len() + 1);
        copy.extend_from_slice(text.as_bytes());
        text.zeroize();
        copy
    };
    bytes.push(0);
    vec_to_c(bytes, told_len)
}

fn vec_to_c(bytes: Vec<u8>, told_len: usize) -> custodia_buffer {
    if bytes.capacity() == 0 {
        return custodia_buffer::EMPTY;
    }
    let mut bytes = core::mem::ManuallyDrop::new(bytes);
    let allocation = Allocation { told_len, vec_len: bytes.len(), capacity: bytes.capacity() };
    let data = bytes.as_mut_ptr();
    live().insert(!(data as usize), allocation);
    custodia_buffer { data, len: told_len }
}

/// How many buffers are live (returned and not yet freed).
pub(crate) fn live_count() -> usize {
    live().len()
}

fn free(buffer: &mut custodia_buffer) -> Result<()> {
    if buffer.data.is_null() {
        if buffer.len != 0 {
            return Err(Error::InvalidArgument("buffer has NULL data but non-zero len".into()));
        }
        return Ok(());
    }
    let allocation = {
        let mut live = live();
        let address = !(buffer.data as usize);
        match live.get(&address) {
            None => return Err(Error::InvalidHandle("buffer")),
            Some(a) if a.told_len != buffer.len => {
                return Err(Error::InvalidArgument("buffer len was changed since custodia returned it".into()));
            }
            Some(_) => {}
        }
        live.remove(&address).ok_or(Error::InvalidHandle("buffer"))?
    };
    // SAFETY: `data` was produced by `vec_to_c` from a `Vec<u8>` of exactly this length and capacity (the table
    // records them and is keyed by the address), it was removed from the table under the lock above so no other
    // free can rebuild it, and the `ManuallyDrop` there means it was never released.
    let mut bytes = unsafe { Vec::from_raw_parts(buffer.data, allocation.vec_len, allocation.capacity) };
    // Zeroizes the contents and the spare capacity.
    crate::sensitive::wipe_bytes(&mut bytes);
    drop(bytes);
    *buffer = custodia_buffer::EMPTY;
    Ok(())
}

/// Zeroize and release a buffer custodia returned, then set `buffer->data` to NULL and `buffer->len` to 0.
///
/// Ownership: the allocation goes back to custodia. NULL `buffer`, or a buffer whose `data` is NULL and `len` 0,
/// is accepted and does nothing. A buffer custodia did not return (or already freed) is refused with
/// `CUSTODIA_ERR_INVALID_HANDLE`, and one whose `len` was changed with `CUSTODIA_ERR_INVALID_ARGUMENT`; both leave
/// memory untouched.
///
/// # Safety
///
/// `buffer` is NULL or points to a readable and writable `custodia_buffer`. May be called from any thread, but not
/// concurrently with another use of the same buffer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_buffer_free(buffer: *mut custodia_buffer) -> custodia_status {
    call(|| {
        // SAFETY: the caller guarantees `buffer` is NULL or valid for reads and writes, with no concurrent use.
        match unsafe { buffer.as_mut() } {
            None => Ok(()),
            Some(buffer) => free(buffer),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let mut b = bytes_to_c(vec![7_u8; 40]);
        assert_eq!(b.len, 40);
        let copy = custodia_buffer { data: b.data, len: b.len };
        // SAFETY: `b` is a live buffer.
        assert_eq!(unsafe { custodia_buffer_free(&raw mut b) }, custodia_status::CUSTODIA_OK);
        assert!(b.data.is_null() && b.len == 0);
        let mut again = copy;
        // SAFETY: a stale buffer is refused without touching memory.
        assert_eq!(unsafe { custodia_buffer_free(&raw mut again) }, custodia_status::CUSTODIA_ERR_INVALID_HANDLE);
        // SAFETY: NULL and empty buffers are accepted.
        assert_eq!(unsafe { custodia_buffer_free(core::ptr::null_mut()) }, custodia_status::CUSTODIA_OK);

        let mut t = text_to_c(String::from("abc"));
        assert_eq!(t.len, 3);
        // SAFETY: text buffers are NUL-terminated.
        assert_eq!(unsafe { core::ffi::CStr::from_ptr(t.data.cast()) }.to_bytes(), b"abc");
        t.len = 2;
        // SAFETY: `t` is live; the changed length is refused.
        assert_eq!(unsafe { custodia_buffer_free(&raw mut t) }, custodia_status::CUSTODIA_ERR_INVALID_ARGUMENT);
        t.len = 3;
        // SAFETY: `t` is live.
        assert_eq!(unsafe { custodia_buffer_free(&raw mut t) }, custodia_status::CUSTODIA_OK);

        let e = bytes_to_c(Vec::new());
        assert!(e.data.is_null() && e.len == 0);
    }
}
