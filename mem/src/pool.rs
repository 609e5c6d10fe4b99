//! The pool: pages mapped for secrets only, each locked (`mlock`) and excluded from core dumps (`MADV_DONTDUMP`) once
//! when it is mapped, cut into equal slots of one size class (32, 64, ... bytes up to half a page); a request larger
//! than half a page gets pages of its own. A slot is wiped (zeroized) when it is released, before it can be handed
//! out again; a page whose slots are all free is unlocked and unmapped, except one spare page per class kept for the
//! next request (so that a key made and dropped per operation costs no system call).
//!
//! Locking is per page, so a keyring of a thousand 32-byte keys locks 8 pages (32 KiB on 4 KiB pages), not a
//! thousand; `RLIMIT_MEMLOCK`'s common default (8 MiB since Linux 5.16, 64 KiB before) is enough for many thousands.

use std::alloc::Layout;
use std::ptr::NonNull;
use std::sync::Mutex;

use zeroize::Zeroize;

use crate::sys;

/// The smallest slot: 32 bytes, one key.
const MIN_SLOT: usize = 32;

struct Page {
    base: NonNull<u8>,
    /// Slot size (a power of two, >= MIN_SLOT, <= page / 2).
    slot: usize,
    /// One bit per slot, set when the slot is in use.
    used: Vec<u64>,
    in_use: usize,
    locked: bool,
}

struct Large {
    base: NonNull<u8>,
    len: usize,
    locked: bool,
}

#[derive(Default)]
struct Counters {
    locked_bytes: u64,
    unlocked_bytes: u64,
    lock_failures: u64,
    dontdump_failures: u64,
    live: u64,
}

#[derive(Default)]
struct Pool {
    pages: Vec<Page>,
    large: Vec<Large>,
    counters: Counters,
}

// SAFETY: the raw page pointers in the pool are addresses of mappings the pool owns; they are only dereferenced by
// the owners of the slots handed out, and the bookkeeping is only touched under the mutex.
unsafe impl Send for Pool {}

static POOL: Mutex<Pool> = Mutex::new(Pool { pages: Vec::new(), large: Vec::new(), counters: Counters::ZERO });

impl Counters {
    const ZERO: Self = Self { locked_bytes: 0, unlocked_bytes: 0, lock_failures: 0, dontdump_failures: 0, live: 0 };
}

fn pool() -> std::sync::MutexGuard<'static, Pool> {
    // The bookkeeping is consistent between statements that could panic (only allocation failure, which aborts), so
    // a poisoned lock still guards a consistent pool.
    POOL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The slot size for `layout`, or `None` when it needs pages of its own.
fn slot_for(layout: Layout) -> Option<usize> {
    let want = layout.size().max(layout.align()).max(MIN_SLOT).next_power_of_two();
    (want <= sys::page_size() / 2).then_some(want)
}

/// Advise and lock a fresh mapping, counting what the system refused. Returns whether it is locked.
fn protect(c: &mut Counters, base: NonNull<u8>, len: usize) -> bool {
    if sys::dont_dump(base, len).is_err() {
        c.dontdump_failures += 1;
    }
    let locked = sys::lock(base, len).is_ok();
    if locked {
        c.locked_bytes += len as u64;
    } else {
        c.lock_failures += 1;
        c.unlocked_bytes += len as u64;
    }
    locked
}

fn unprotect(c: &mut Counters, base: NonNull<u8>, len: usize, locked: bool) {
    if locked {
        sys::unlock(base, len);
        c.locked_bytes -= len as u64;
    } else {
        c.unlocked_bytes -= len as u64;
    }
}

/// Memory for one value of `layout`, zeroed, in a locked, undumpable page (or an unlocked one, counted, where the
/// system refuses to lock). Aborts through [`std::alloc::handle_alloc_error`] when no page can be mapped, as `Box`
/// does.
pub(crate) fn alloc(layout: Layout) -> NonNull<u8> {
    let page = sys::page_size();
    let mut p = pool();
    p.counters.live += 1;
    let Some(slot) = slot_for(layout) else {
        assert!(layout.align() <= page, "custodia-mem: alignment above a page is not supported");
        let len = layout.size().div_ceil(page) * page;
        let Some(base) = sys::map_pages(len) else { std::alloc::handle_alloc_error(layout) };
        let locked = protect(&mut p.counters, base, len);
        p.large.push(Large { base, len, locked });
        return base;
    };
    let slots = page / slot;
    for pg in p.pages.iter_mut().filter(|pg| pg.slot == slot && pg.in_use < slots) {
        for (w, word) in pg.used.iter_mut().enumerate() {
            if *word != u64::MAX {
                let bit = word.trailing_ones() as usize;
                let i = w * 64 + bit;
                if i >= slots {
                    break;
                }
                *word |= 1 << bit;
                pg.in_use += 1;
                // SAFETY: i < slots, so the slot lies inside the page's mapping.
                return unsafe { pg.base.add(i * slot) };
            }
        }
    }
    let Some(base) = sys::map_pages(page) else { std::alloc::handle_alloc_error(layout) };
    let locked = protect(&mut p.counters, base, page);
    let mut used = vec![0u64; slots.div_ceil(64)];
    used[0] = 1;
    p.pages.push(Page { base, slot, used, in_use: 1, locked });
    base
}

/// Wipe and release memory from [`alloc`].
///
/// # Safety
/// `ptr` must come from [`alloc`] with this `layout`, not released since, and nothing may use it afterwards.
pub(crate) unsafe fn free(ptr: NonNull<u8>, layout: Layout) {
    let page = sys::page_size();
    let wipe_len = slot_for(layout).unwrap_or_else(|| layout.size().div_ceil(page) * page);
    // SAFETY: the caller guarantees `ptr` is a live allocation of ours; its slot (or its pages) is `wipe_len` bytes
    // long, mapped and writable, and no one else refers to it any more.
    unsafe { std::slice::from_raw_parts_mut(ptr.as_ptr(), wipe_len) }.zeroize();
    let mut p = pool();
    p.counters.live -= 1;
    let Some(slot) = slot_for(layout) else {
        if let Some(i) = p.large.iter().position(|l| l.base == ptr) {
            let l = p.large.swap_remove(i);
            unprotect(&mut p.counters, l.base, l.len, l.locked);
            // SAFETY: `l` is a mapping of ours, removed from the pool, and its only user has released it.
            unsafe { sys::unmap_pages(l.base, l.len) };
        }
        return;
    };
    let addr = ptr.as_ptr() as usize;
    let Some(at) = p.pages.iter().position(|pg| {
        let base = pg.base.as_ptr() as usize;
        pg.slot == slot && addr >= base && addr < base + page
    }) else {
        debug_assert!(false, "custodia-mem: released memory the pool does not own");
        return;
    };
    let pg = &mut p.pages[at];
    let i = (addr - pg.base.as_ptr() as usize) / slot;
    debug_assert!(pg.used[i / 64] & (1 << (i % 64)) != 0, "custodia-mem: double release");
    pg.used[i / 64] &= !(1 << (i % 64));
    pg.in_use -= 1;
    if pg.in_use == 0 && p.pages.iter().filter(|q| q.slot == slot && q.in_use == 0).count() > 1 {
        let pg = p.pages.swap_remove(at);
        unprotect(&mut p.counters, pg.base, page, pg.locked);
        // SAFETY: the page is ours, removed from the pool, and every slot in it has been released (and wiped).
        unsafe { sys::unmap_pages(pg.base, page) };
    }
}

/// Test support: a copy of `len` bytes at `addr` inside a page the pool still holds (released slots included), read
/// through the page's own pointer; `None` when no page of the pool holds the range.
#[cfg(test)]
pub(crate) fn peek(addr: usize, len: usize) -> Option<Vec<u8>> {
    let page = sys::page_size();
    let p = pool();
    let pg = p.pages.iter().find(|pg| {
        let base = pg.base.as_ptr() as usize;
        addr >= base && addr + len <= base + page
    })?;
    let off = addr - pg.base.as_ptr() as usize;
    // SAFETY: the range lies inside a page the pool holds mapped (checked above, under the pool's lock, so it cannot
    // be unmapped meanwhile); pool memory is always initialised (zeroed when mapped, wiped when released).
    Some(unsafe { std::slice::from_raw_parts(pg.base.as_ptr().add(off), len) }.to_vec())
}

/// The pool's figures, for [`crate::status`].
pub(crate) fn counters() -> (u64, u64, u64, u64, u64) {
    let p = pool();
    let c = &p.counters;
    (c.locked_bytes, c.unlocked_bytes, c.lock_failures, c.dontdump_failures, c.live)
}
