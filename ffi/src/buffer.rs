//! The one buffer type custodia hands to C, and the one function that frees it.
//!
//! Every byte string or text custodia returns is a [`custodia_buffer`] allocated here and recorded in a table of
//! live allocations, so that `custodia_buffer_free` can refuse a pointer it did not hand out (or one already
//! freed) with an error instead of corrupting the heap, and can zeroize the whole allocation, spare capacity
//! included, before releasing it.
//!
//! The table is keyed by a serial number that custodia writes into the struct and never hands out twice, not by the
//! address: once a buffer is freed the allocator may give its address (and length) to a new buffer, and a stale
//! copy of the old struct must not be able to free that one.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use zeroize::Zeroize;

use super::boundary::call;
use super::status::custodia_status;
use crate::error::{Error, Result};
use custodia_core::Error as CoreError;

/// Bytes or text owned by custodia and lent to the caller until `custodia_buffer_free`.
///
/// `data` points to `len` bytes; for text it is also NUL-terminated (the NUL is not counted in `len`). `data` is
/// NULL only when `len` is 0 and the buffer holds no allocation. `id` names this allocation: a number custodia
/// never hands out twice (0 for an empty buffer). Do not change any field: the free checks all three, so a copy of
/// a buffer that was already freed is refused even when the allocator has since reused its address.
///
/// Layout (C): `{ uint8_t *data; size_t len; uint64_t id; }`, in that order, with the platform's natural alignment.
#[repr(C)]
#[derive(Debug)]
pub struct custodia_buffer {
    /// The bytes; NULL for an empty buffer without allocation.
    pub data: *mut u8,
    /// The number of bytes, not counting the NUL that ends text.
    pub len: usize,
    /// The allocation's serial number, unique for the life of the process; 0 for an empty buffer.
    pub id: u64,
}

impl custodia_buffer {
    const EMPTY: Self = Self { data: core::ptr::null_mut(), len: 0, id: 0 };
}

/// Live allocations, keyed by serial number. Each records the bitwise complement of its address: a table of plain
/// addresses would keep every buffer "still reachable" for leak checkers (valgrind, LeakSanitizer), hiding a host
/// that forgets to free one.
static LIVE: Mutex<Registry> = Mutex::new(Registry { next_id: 1, live: BTreeMap::new() });

struct Registry {
    /// The next serial number; starts at 1 (0 marks an empty buffer) and only grows. A `u64` does not wrap: at one
    /// buffer per nanosecond it lasts 584 years.
    next_id: u64,
    live: BTreeMap<u64, Allocation>,
}

#[derive(Clone, Copy)]
struct Allocation {
    /// `!address`, see [`LIVE`].
    hidden_address: usize,
    told_len: usize,
    vec_len: usize,
    capacity: usize,
}

fn live() -> std::sync::MutexGuard<'static, Registry> {
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
    let data = bytes.as_mut_ptr();
    let allocation =
        Allocation { hidden_address: !(data as usize), told_len, vec_len: bytes.len(), capacity: bytes.capacity() };
    let mut registry = live();
    let id = registry.next_id;
    registry.next_id += 1;
    registry.live.insert(id, allocation);
    custodia_buffer { data, len: told_len, id }
}

/// How many buffers are live (returned and not yet freed).
pub(crate) fn live_count() -> usize {
    live().live.len()
}

fn free(buffer: &mut custodia_buffer) -> Result<()> {
    if buffer.data.is_null() {
        if buffer.len != 0 || buffer.id != 0 {
            return Err(CoreError::InvalidArgument("buffer has NULL data but non-zero len or id".into()).into());
        }
        return Ok(());
    }
    let allocation = {
        let mut registry = live();
        // An id that is not live was never handed out or was already freed: refused even when `data` and `len`
        // equal those of a live buffer (the allocator reuses addresses).
        let Some(a) = registry.live.get(&buffer.id) else { return Err(Error::InvalidHandle("buffer")) };
        if a.hidden_address != !(buffer.data as usize) {
            return Err(CoreError::InvalidArgument("buffer data was changed since custodia returned it".into()).into());
        }
        if a.told_len != buffer.len {
            return Err(CoreError::InvalidArgument("buffer len was changed since custodia returned it".into()).into());
        }
        registry.live.remove(&buffer.id).ok_or(Error::InvalidHandle("buffer"))?
    };
    // SAFETY: `data` was produced by `vec_to_c` from a `Vec<u8>` of exactly this length and capacity (the table
    // entry found by the id records them and the address, checked equal above), the entry was removed under the
    // lock above so no other free can rebuild it, and the `ManuallyDrop` there means it was never released.
    let mut bytes = unsafe { Vec::from_raw_parts(buffer.data, allocation.vec_len, allocation.capacity) };
    // Zeroizes the contents and the spare capacity.
    custodia_core::wipe_bytes(&mut bytes);
    drop(bytes);
    *buffer = custodia_buffer::EMPTY;
    Ok(())
}

/// Zeroize and release a buffer custodia returned, then set `buffer->data` to NULL and `buffer->len` to 0.
///
/// Ownership: the allocation goes back to custodia. NULL `buffer`, or a buffer whose `data` is NULL and `len` and
/// `id` 0, is accepted and does nothing. A buffer custodia did not return, or already freed (including a stale copy
/// of a freed buffer whose address the allocator has since given to a new buffer: buffers are recognised by `id`,
/// never by address), is refused with `CUSTODIA_ERR_INVALID_HANDLE`, and one whose `data` or `len` was changed with
/// `CUSTODIA_ERR_INVALID_ARGUMENT`; both leave every buffer untouched (nothing is wiped or released).
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
        let copy = custodia_buffer { data: b.data, len: b.len, id: b.id };
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
        assert!(e.data.is_null() && e.len == 0 && e.id == 0);
    }

    /// The attack: keep a copy of a buffer, free it, get a new buffer at the same address and of the same length,
    /// then free the stale copy. Keyed by address and length, that released (and wiped) the new, live buffer.
    #[test]
    fn a_stale_copy_never_frees_a_buffer_that_reused_its_address() {
        let mut old = bytes_to_c(vec![1_u8; 48]);
        let stale = custodia_buffer { data: old.data, len: old.len, id: old.id };
        // SAFETY: `old` is a live buffer.
        assert_eq!(unsafe { custodia_buffer_free(&raw mut old) }, custodia_status::CUSTODIA_OK);
        // Whether the allocator hands the address out again is its business: the check below must not depend on
        // it, so the new buffer is also given the stale address by hand if the allocator did not reuse it.
        let mut fresh = bytes_to_c(vec![2_u8; 48]);
        let reused = fresh.data == stale.data;
        let mut forged = custodia_buffer { data: fresh.data, len: fresh.len, id: stale.id };
        assert!(fresh.id > stale.id, "ids are never handed out twice");

        let mut stale_copy = custodia_buffer { data: stale.data, len: stale.len, id: stale.id };
        // SAFETY: a stale buffer is refused without touching memory.
        let status = unsafe { custodia_buffer_free(&raw mut stale_copy) };
        assert_eq!(status, custodia_status::CUSTODIA_ERR_INVALID_HANDLE, "reused address: {reused}");
        // The same refusal with the live buffer's exact address and length but the stale id.
        // SAFETY: as above.
        assert_eq!(unsafe { custodia_buffer_free(&raw mut forged) }, custodia_status::CUSTODIA_ERR_INVALID_HANDLE);
        assert_eq!(forged.id, stale.id, "a refused free leaves the struct as it was");
        // The live buffer is intact (not wiped, not released) and frees normally.
        // SAFETY: `fresh` is live; its 48 bytes are readable.
        assert_eq!(unsafe { core::slice::from_raw_parts(fresh.data, fresh.len) }, &[2_u8; 48]);
        // A live id with another buffer's address is refused too.
        let other = bytes_to_c(vec![3_u8; 48]);
        let mut mixed = custodia_buffer { data: other.data, len: other.len, id: fresh.id };
        // SAFETY: as above.
        assert_eq!(unsafe { custodia_buffer_free(&raw mut mixed) }, custodia_status::CUSTODIA_ERR_INVALID_ARGUMENT);
        // SAFETY: `fresh` is live.
        assert_eq!(unsafe { custodia_buffer_free(&raw mut fresh) }, custodia_status::CUSTODIA_OK);
        let mut other = other;
        // SAFETY: `other` is live.
        assert_eq!(unsafe { custodia_buffer_free(&raw mut other) }, custodia_status::CUSTODIA_OK);
    }
}
