//! # custodia-mem
//!
//! The one audited module of `unsafe` memory code in custodia: memory for long-lived secrets that is
//!
//! - **locked** in RAM (`mlock`), so it is never written to swap;
//! - **excluded from core dumps** (`madvise(MADV_DONTDUMP)`);
//! - **wiped** (zeroized) when released, before the memory is reused or returned to the system.
//!
//! [`LockedBox<T>`] holds one value (a key, a key schedule, a signing key) and [`LockedBytes`] a byte string of any
//! length (a keyring secret). Both draw from a pool of pages mapped for secrets only (docs/MEMORY.md, "How the pool
//! works"): locking is per page, not per secret, so a thousand 32-byte keys lock 32 KiB.
//!
//! Where the system refuses to lock (`RLIMIT_MEMLOCK` reached without `CAP_IPC_LOCK`), the secret still lives in the
//! pool (undumpable, wiped on release) but unlocked, and [`status`] says so: `lock_failures` counts the refusals and
//! `unlocked_bytes` the pool bytes left unlocked. Nothing fails for it.
//!
//! [`zeroed_output`] gives a large output buffer (a payload sealed or opened in memory) huge-page advice
//! (`madvise(MADV_HUGEPAGE)`), so that writing it takes a page fault per 2 MiB rather than per 4 KiB.
//!
//! [`set_dumpable`] lets the process opt out of core dumps (and of `ptrace` by other processes of its user) as a
//! whole (`prctl(PR_SET_DUMPABLE, 0)`).
//!
//! Every `unsafe` block in this crate carries a `// SAFETY:` comment; the system calls are in one file (`sys.rs`),
//! the pool's bookkeeping in another (`pool.rs`), the owning types here.
//!
//! ```
//! use custodia_mem::{LockedBox, LockedBytes};
//!
//! let key = LockedBox::new([7u8; 32]);
//! assert_eq!(key[0], 7);
//! let secret = LockedBytes::from_slice(b"a keyring secret");
//! assert_eq!(&*secret, b"a keyring secret");
//! assert!(custodia_mem::status().live_secrets >= 2);
//! ```

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(missing_docs)]

mod pool;
mod sys;

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use std::alloc::Layout;
use std::io;
use std::ptr::NonNull;

/// One value of `T` in locked, undumpable memory, dropped and then wiped when the box is dropped.
///
/// Moving a value in (`new`) copies it from wherever it was (often the stack), and the original is not wiped by
/// this type: build the value in place with [`LockedBox::from_fn`] where that matters. `Debug` prints no contents.
pub struct LockedBox<T> {
    ptr: NonNull<T>,
    _owns: PhantomData<T>,
}

// SAFETY: a LockedBox owns its T exclusively (like Box<T>), so it may cross threads exactly when T may.
unsafe impl<T: Send> Send for LockedBox<T> {}
// SAFETY: shared access to a LockedBox only gives &T, so it is shareable exactly when T is.
unsafe impl<T: Sync> Sync for LockedBox<T> {}

impl<T> LockedBox<T> {
    /// Move `value` into locked memory.
    pub fn new(value: T) -> Self {
        let ptr = pool::alloc(Layout::new::<T>()).cast::<T>();
        // SAFETY: the pool returned memory sized and aligned for T (its slot is at least as large as T's size and
        // alignment, a power of two, and slots are aligned to their size), owned by nothing else.
        unsafe { ptr.as_ptr().write(value) };
        Self { ptr, _owns: PhantomData }
    }

    /// A value built in place: `T::default()` written into locked memory, then `init` fills it there, so the
    /// filled value never exists anywhere else (for arrays of key bytes copied from a slice or a KDF output).
    pub fn from_fn(init: impl FnOnce(&mut T)) -> Self
    where
        T: Default,
    {
        let mut b = Self::new(T::default());
        init(&mut b);
        b
    }
}

impl<T> Deref for LockedBox<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: `ptr` holds an initialised T that this box owns until it is dropped.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T> DerefMut for LockedBox<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: `ptr` holds an initialised T that this box owns exclusively (&mut self).
        unsafe { self.ptr.as_mut() }
    }
}

impl<T> Drop for LockedBox<T> {
    fn drop(&mut self) {
        /// Releases (and wipes) the slot even if T's drop panics.
        struct Release(NonNull<u8>, Layout);
        impl Drop for Release {
            fn drop(&mut self) {
                // SAFETY: the slot came from pool::alloc with this layout and is released exactly once, here.
                unsafe { pool::free(self.0, self.1) }
            }
        }
        let _release = Release(self.ptr.cast(), Layout::new::<T>());
        // SAFETY: the T is initialised and owned by this box, and is dropped exactly once, here.
        unsafe { self.ptr.as_ptr().drop_in_place() }
    }
}

impl<T: Clone> Clone for LockedBox<T> {
    fn clone(&self) -> Self {
        Self::new((**self).clone())
    }
}

impl<T> fmt::Debug for LockedBox<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LockedBox([REDACTED])")
    }
}

/// A byte string in locked, undumpable memory, wiped when dropped. Fixed length once made.
pub struct LockedBytes {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: LockedBytes owns its bytes exclusively (like Box<[u8]>).
unsafe impl Send for LockedBytes {}
// SAFETY: shared access only gives &[u8].
unsafe impl Sync for LockedBytes {}

impl LockedBytes {
    /// `len` zero bytes, to be filled in place through `DerefMut`.
    #[must_use]
    pub fn zeroed(len: usize) -> Self {
        // The pool's memory comes zeroed from the system and is wiped on release, so every slot it hands out is
        // all zeros already.
        let ptr = pool::alloc(Self::layout(len));
        Self { ptr, len }
    }

    /// A copy of `bytes`.
    #[must_use]
    pub fn from_slice(bytes: &[u8]) -> Self {
        let mut b = Self::zeroed(bytes.len());
        b.copy_from_slice(bytes);
        b
    }

    fn layout(len: usize) -> Layout {
        // A byte array of any length that fits in memory has a valid layout; `len.max(1)` keeps zero-length
        // strings in the pool like the rest.
        Layout::array::<u8>(len.max(1)).unwrap_or_else(|_| std::alloc::handle_alloc_error(Layout::new::<u8>()))
    }
}

impl Deref for LockedBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: `ptr` points at `len` (or more) initialised bytes owned by this value.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl DerefMut for LockedBytes {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: `ptr` points at `len` (or more) initialised bytes owned exclusively by this value (&mut self).
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for LockedBytes {
    fn drop(&mut self) {
        // SAFETY: the memory came from pool::alloc with this layout and is released exactly once, here.
        unsafe { pool::free(self.ptr, Self::layout(self.len)) }
    }
}

impl Clone for LockedBytes {
    fn clone(&self) -> Self {
        Self::from_slice(self)
    }
}

impl fmt::Debug for LockedBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LockedBytes([REDACTED])")
    }
}

/// What the process's secret memory is protected by, now ([`status`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemoryStatus {
    /// Bytes of the secret pool locked in RAM (`mlock`): whole pages, so at least the live secrets' size.
    pub locked_bytes: u64,
    /// Bytes of the secret pool the system refused to lock (`RLIMIT_MEMLOCK`): those secrets may be swapped out.
    /// Zero when everything is locked.
    pub unlocked_bytes: u64,
    /// How many times the system refused to lock a pool page, since the process started.
    pub lock_failures: u64,
    /// How many times the system refused to exclude a pool page from core dumps, since the process started.
    pub dontdump_failures: u64,
    /// Secrets alive in the pool now.
    pub live_secrets: u64,
    /// Whether the process may leave a core dump (`PR_GET_DUMPABLE`); `None` where that cannot be read.
    pub dumpable: Option<bool>,
}

impl MemoryStatus {
    /// Every live secret is locked and undumpable: no lock or advice was refused for a page still in use.
    #[must_use]
    pub fn fully_protected(&self) -> bool {
        self.unlocked_bytes == 0 && self.dontdump_failures == 0
    }
}

/// The pool's figures and the process's dumpable attribute.
#[must_use]
pub fn status() -> MemoryStatus {
    let (locked_bytes, unlocked_bytes, lock_failures, dontdump_failures, live_secrets) = pool::counters();
    MemoryStatus {
        locked_bytes,
        unlocked_bytes,
        lock_failures,
        dontdump_failures,
        live_secrets,
        dumpable: sys::dumpable(),
    }
}

/// Set whether the process may leave a core dump (`prctl(PR_SET_DUMPABLE)`). `false` also stops other processes of
/// the same user from attaching with `ptrace` or reading `/proc/<pid>/mem`; it is reset by `execve` of a set-id
/// program, and inherited by `fork`.
///
/// # Errors
/// The OS error where the system refuses, or `Unsupported` on a system without `PR_SET_DUMPABLE` (not Linux).
pub fn set_dumpable(dumpable: bool) -> io::Result<()> {
    sys::set_dumpable(dumpable)
}

/// The system's page size, in bytes.
#[must_use]
pub fn page_size() -> usize {
    sys::page_size()
}

/// Outputs of at least this many bytes get [`zeroed_output`]'s huge-page advice; smaller ones are left to the
/// allocator as they are (a 2 MiB-aligned huge page rarely fits inside them, and they fault in few pages anyway).
pub const HUGE_OUTPUT_MIN: usize = 4 << 20;

/// A new zeroed buffer of `len` bytes for an output that is about to be written in full (a payload sealed or opened
/// in memory), advised for transparent huge pages when it is large.
///
/// A large allocation comes from the OS untouched, so writing it takes a page fault per 4 KiB page, and for a 64 MiB
/// output those faults can cost more than encrypting it (BENCHMARKS.md, "Where the time goes"). From
/// [`HUGE_OUTPUT_MIN`] bytes up, the buffer's 2 MiB-aligned interior is advised `MADV_HUGEPAGE` before anything is
/// written to it, so the kernel backs it with 2 MiB pages where it has them: one fault per 2 MiB. The advice changes
/// neither the contents nor who owns the memory; where the system refuses it or has no transparent huge pages
/// (`/sys/kernel/mm/transparent_hugepage/enabled` set to `never`, or not Linux) the buffer is the same, with base
/// pages. It is an ordinary `Vec<u8>`: free it, grow it or wipe it as any other.
///
/// ```
/// let out = custodia_mem::zeroed_output(8 << 20);
/// assert_eq!(out.len(), 8 << 20);
/// assert!(out.iter().all(|&b| b == 0));
/// ```
#[must_use]
pub fn zeroed_output(len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    if len >= HUGE_OUTPUT_MIN {
        // Only a hint: refused or unsupported, the buffer is still right.
        let _ = sys::advise_huge_pages(&mut v);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_drop_their_contents() {
        use std::rc::Rc;
        let shared = Rc::new(5);
        let b = LockedBox::new((Rc::clone(&shared), [1u8; 40]));
        assert_eq!(Rc::strong_count(&shared), 2);
        assert_eq!(b.1, [1u8; 40]);
        drop(b);
        assert_eq!(Rc::strong_count(&shared), 1, "the boxed value was dropped");
    }

    #[test]
    fn slots_are_aligned_and_distinct() {
        #[repr(align(64))]
        struct Aligned([u8; 8]);
        let boxes: Vec<LockedBox<Aligned>> = (0..200u8).map(|i| LockedBox::new(Aligned([i; 8]))).collect();
        assert!(boxes.iter().enumerate().all(|(i, b)| usize::from(b.0[7]) == i));
        let mut addrs: Vec<usize> = boxes.iter().map(|b| core::ptr::from_ref::<Aligned>(b) as usize).collect();
        assert!(addrs.iter().all(|a| a % 64 == 0));
        addrs.sort_unstable();
        addrs.dedup();
        assert_eq!(addrs.len(), 200);
    }

    #[test]
    fn a_released_slot_is_wiped_before_reuse() {
        // The slot is read back through the pool's own page pointer after release: the spare-page rule keeps an
        // emptied page mapped, and the 1 KiB slot class is used by no other test of this crate.
        let b = LockedBox::new([0xA5u8; 1024]);
        let addr = core::ptr::from_ref::<[u8; 1024]>(&b) as usize;
        assert_eq!(pool::peek(addr, 1024).expect("in the pool"), vec![0xA5; 1024]);
        drop(b);
        let after = pool::peek(addr, 1024).expect("the emptied page is kept as the spare");
        assert!(after.iter().all(|&x| x == 0), "released slot still holds the secret");
    }

    #[test]
    fn large_and_zero_length_byte_strings() {
        let big: Vec<u8> = (0..20_000u32).map(|i| (i % 251).to_le_bytes()[0]).collect();
        let l = LockedBytes::from_slice(&big);
        assert_eq!(&*l, &big[..]);
        let c = l.clone();
        drop(l);
        assert_eq!(&*c, &big[..]);
        let e = LockedBytes::from_slice(b"");
        assert!(e.is_empty());
        assert_eq!(format!("{c:?}"), "LockedBytes([REDACTED])");
    }

    #[test]
    fn from_fn_fills_in_place() {
        let b = LockedBox::<[u8; 32]>::from_fn(|k| k.copy_from_slice(&[9; 32]));
        assert_eq!(*b, [9; 32]);
    }

    #[test]
    #[cfg_attr(miri, ignore = "Miri cannot lock memory")]
    fn status_counts_what_is_locked_or_not() {
        let before = status().live_secrets;
        let b = LockedBox::new([3u8; 32]);
        let s = status();
        assert!(s.live_secrets > before || s.live_secrets >= 1);
        // Either the page is locked or the refusal is counted: never silent.
        assert!(s.locked_bytes > 0 || (s.lock_failures > 0 && s.unlocked_bytes > 0), "{s:?}");
        drop(b);
    }
}
