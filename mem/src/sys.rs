//! The system calls, each behind a safe function: page size, mapping and unmapping anonymous pages, `mlock`/`munlock`,
//! `madvise(MADV_DONTDUMP)`, and `prctl(PR_SET_DUMPABLE)`. Nothing else in the crate calls `libc`.
//!
//! Under Miri (which cannot run these calls) pages come from the global allocator and locking and advice report
//! "not done", so code using the pool can still be checked by Miri.

use std::io;
use std::ptr::NonNull;
use std::sync::OnceLock;

/// The size of a memory page (what `mlock` and `madvise` work in).
pub(crate) fn page_size() -> usize {
    static PAGE: OnceLock<usize> = OnceLock::new();
    *PAGE.get_or_init(|| {
        #[cfg(not(miri))]
        {
            // SAFETY: sysconf reads a configuration value; it has no memory-safety preconditions.
            let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
            usize::try_from(n).ok().filter(|n| n.is_power_of_two() && *n >= 4096).unwrap_or(4096)
        }
        #[cfg(miri)]
        {
            4096
        }
    })
}

/// Map `len` bytes (a multiple of the page size, non-zero) of fresh zeroed read-write pages, page-aligned; `None`
/// when the system has no memory to give.
pub(crate) fn map_pages(len: usize) -> Option<NonNull<u8>> {
    debug_assert!(len > 0 && len.is_multiple_of(page_size()));
    #[cfg(not(miri))]
    {
        // SAFETY: an anonymous private mapping at an address of the kernel's choosing touches no existing memory;
        // the result is checked against MAP_FAILED before use.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return None;
        }
        NonNull::new(p.cast::<u8>())
    }
    #[cfg(miri)]
    {
        let layout = std::alloc::Layout::from_size_align(len, page_size()).ok()?;
        // SAFETY: `layout` has a non-zero size (asserted above).
        NonNull::new(unsafe { std::alloc::alloc_zeroed(layout) })
    }
}

/// Unmap pages obtained from [`map_pages`] with the same `len`.
///
/// # Safety
/// `ptr`/`len` must be exactly one earlier [`map_pages`] result and its length, not unmapped since, and no
/// reference into the range may be used afterwards.
pub(crate) unsafe fn unmap_pages(ptr: NonNull<u8>, len: usize) {
    #[cfg(not(miri))]
    {
        // SAFETY: the caller guarantees the range is one live mapping of ours that nothing uses any more. munmap of
        // a valid range cannot fail; were it to, the pages would only stay mapped (and already wiped).
        let _ = unsafe { libc::munmap(ptr.as_ptr().cast(), len) };
    }
    #[cfg(miri)]
    {
        let layout = std::alloc::Layout::from_size_align(len, page_size()).expect("the layout map_pages used");
        // SAFETY: the caller guarantees this is the allocation map_pages made with this length.
        unsafe { std::alloc::dealloc(ptr.as_ptr(), layout) }
    }
}

/// Lock the pages of `ptr..ptr+len` in RAM (`mlock`): `Err` with the OS error when the system refuses (typically
/// `ENOMEM`/`EPERM`: `RLIMIT_MEMLOCK` reached without `CAP_IPC_LOCK`).
pub(crate) fn lock(ptr: NonNull<u8>, len: usize) -> io::Result<()> {
    #[cfg(not(miri))]
    {
        // SAFETY: mlock only changes the residency of the pages; it neither reads nor writes them, and fails
        // cleanly (ENOMEM) for a range that is not mapped.
        if unsafe { libc::mlock(ptr.as_ptr().cast(), len) } == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
    }
    #[cfg(miri)]
    {
        let _ = (ptr, len);
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }
}

/// Undo [`lock`] for `ptr..ptr+len` (before the pages are unmapped; unmapping would unlock them too).
pub(crate) fn unlock(ptr: NonNull<u8>, len: usize) {
    #[cfg(not(miri))]
    {
        // SAFETY: munlock only changes the residency of the pages and fails cleanly for an unmapped range.
        let _ = unsafe { libc::munlock(ptr.as_ptr().cast(), len) };
    }
    #[cfg(miri)]
    {
        let _ = (ptr, len);
    }
}

/// Exclude `ptr..ptr+len` from core dumps (`madvise(MADV_DONTDUMP)`, Linux 3.4+); `Err` where the system refuses or
/// has no such advice.
pub(crate) fn dont_dump(ptr: NonNull<u8>, len: usize) -> io::Result<()> {
    #[cfg(all(target_os = "linux", not(miri)))]
    {
        // SAFETY: MADV_DONTDUMP only sets a flag on the mapping (VM_DONTDUMP); it does not touch the contents, and
        // fails cleanly for a range that is not mapped.
        if unsafe { libc::madvise(ptr.as_ptr().cast(), len, libc::MADV_DONTDUMP) } == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }
    #[cfg(not(all(target_os = "linux", not(miri))))]
    {
        let _ = (ptr, len);
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }
}

/// Set the process's "dumpable" attribute (`prctl(PR_SET_DUMPABLE)`): `false` means no core dump and no
/// `ptrace` attach or `/proc/<pid>/mem` read by other processes of the same user.
pub(crate) fn set_dumpable(dumpable: bool) -> io::Result<()> {
    #[cfg(all(target_os = "linux", not(miri)))]
    {
        let v: libc::c_ulong = if dumpable { 1 } else { 0 };
        // SAFETY: PR_SET_DUMPABLE takes an integer argument and touches no memory of ours.
        if unsafe { libc::prctl(libc::PR_SET_DUMPABLE, v, 0 as libc::c_ulong, 0 as libc::c_ulong, 0 as libc::c_ulong) }
            == 0
        {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }
    #[cfg(not(all(target_os = "linux", not(miri))))]
    {
        let _ = dumpable;
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }
}

/// The process's "dumpable" attribute (`prctl(PR_GET_DUMPABLE)`): `None` where it cannot be read.
pub(crate) fn dumpable() -> Option<bool> {
    #[cfg(all(target_os = "linux", not(miri)))]
    {
        // SAFETY: PR_GET_DUMPABLE takes no argument and touches no memory of ours; it returns the attribute.
        let v =
            unsafe { libc::prctl(libc::PR_GET_DUMPABLE, 0 as libc::c_ulong, 0 as libc::c_ulong, 0 as libc::c_ulong) };
        if v < 0 { None } else { Some(v != 0) }
    }
    #[cfg(not(all(target_os = "linux", not(miri))))]
    {
        None
    }
}

/// The size of a transparent huge page on x86_64 and aarch64 (with 4 KiB base pages): 2 MiB.
pub(crate) const HUGE_PAGE: usize = 2 << 20;

/// Advise transparent huge pages (`madvise(MADV_HUGEPAGE)`) for the 2 MiB-aligned part of `buf`; whatever of `buf`
/// lies outside it keeps base pages. `Ok(false)` when no aligned huge page fits inside `buf` (nothing was asked).
pub(crate) fn advise_huge_pages(buf: &mut [u8]) -> io::Result<bool> {
    let base = buf.as_ptr() as usize;
    let start = base.next_multiple_of(HUGE_PAGE);
    let end = (base + buf.len()) & !(HUGE_PAGE - 1);
    if end <= start {
        return Ok(false);
    }
    #[cfg(all(target_os = "linux", not(miri)))]
    {
        // The aligned range lies inside `buf`, which the caller holds exclusively (`&mut`).
        let at = buf[start - base..].as_mut_ptr();
        // SAFETY: `at..at + (end - start)` is inside `buf`, memory of the caller's own allocation that it holds
        // exclusively, and page-aligned as madvise requires. MADV_HUGEPAGE only sets a flag on the mapping
        // (VM_HUGEPAGE) telling the kernel to back future faults in the range with huge pages where it can; it never
        // changes the contents (pages already present keep their bytes, and a later collapse into a huge page
        // copies them), so the slice's bytes and validity are untouched.
        if unsafe { libc::madvise(at.cast(), end - start, libc::MADV_HUGEPAGE) } == 0 {
            Ok(true)
        } else {
            Err(io::Error::last_os_error())
        }
    }
    #[cfg(not(all(target_os = "linux", not(miri))))]
    {
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }
}
