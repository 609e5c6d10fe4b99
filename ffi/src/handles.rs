//! Generation-checked handles: the only way C refers to a Rust object.
//!
//! A handle is a 64-bit id, `generation << 32 | slot`, looked up in one process-wide registry that owns an
//! `Arc` of each live object. Looking up a freed, never-issued or wrong-type id is an error
//! (`CUSTODIA_ERR_INVALID_HANDLE`), never undefined behaviour: a freed slot's generation is bumped, so a stale id
//! no longer matches. A call clones the `Arc` and releases the registry lock before doing any work, so a handle is
//! usable from many threads at once, and `_free` from another thread while a call is in flight only ends the
//! handle's registration: the object lives until that call returns.
//!
//! A call that panics while holding a handle poisons it (see [`Guard`]); later calls get `CUSTODIA_ERR_POISONED`.
//!
//! This module must never hand out a reference that outlives its `Arc`, or hold the registry lock while running
//! anything but bookkeeping.

use core::any::Any;
use core::ops::Deref;
use core::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use crate::error::{Error, Result};
use custodia_core::Error as CoreError;

/// A live object in the registry, with its poison flag.
struct Entry<T> {
    value: T,
    poisoned: AtomicBool,
}

/// One registry slot: the generation its current (or next) handle carries, and the object if live.
struct Slot {
    generation: u32,
    object: Option<Arc<dyn Any + Send + Sync>>,
}

struct Registry {
    slots: Vec<Slot>,
    free: Vec<u32>,
}

static REGISTRY: RwLock<Registry> = RwLock::new(Registry { slots: Vec::new(), free: Vec::new() });

/// The registry lock guards plain bookkeeping that cannot be left half-done by a panic, so a poisoned lock is
/// still consistent and is used as is.
fn read() -> std::sync::RwLockReadGuard<'static, Registry> {
    REGISTRY.read().unwrap_or_else(PoisonError::into_inner)
}

fn write() -> std::sync::RwLockWriteGuard<'static, Registry> {
    REGISTRY.write().unwrap_or_else(PoisonError::into_inner)
}

fn split(id: u64) -> (usize, u32) {
    let slot = usize::try_from(id & u64::from(u32::MAX)).unwrap_or(usize::MAX);
    let generation = u32::try_from(id >> 32).unwrap_or(0);
    (slot, generation)
}

/// How many handles are live (issued and not yet freed).
pub(crate) fn live_count() -> usize {
    let registry = read();
    registry.slots.iter().filter(|s| s.object.is_some()).count()
}

/// Register `value` and return its id (never 0).
pub(crate) fn insert<T: Send + Sync + 'static>(value: T) -> Result<u64> {
    let object: Arc<dyn Any + Send + Sync> = Arc::new(Entry { value, poisoned: AtomicBool::new(false) });
    let mut registry = write();
    let index = match registry.free.pop() {
        Some(index) => index,
        None => {
            let index = u32::try_from(registry.slots.len())
                .map_err(|_| CoreError::Internal("handle registry is full".into()))?;
            registry.slots.push(Slot { generation: 1, object: None });
            index
        }
    };
    let slot = &mut registry.slots[usize::try_from(index).unwrap_or(usize::MAX)];
    slot.object = Some(object);
    Ok(u64::from(slot.generation) << 32 | u64::from(index))
}

/// The live object of type `T` behind `id`; `what` names the handle type in errors.
pub(crate) fn get<T: Send + Sync + 'static>(id: u64, what: &'static str) -> Result<Guard<T>> {
    let (index, generation) = split(id);
    let object = {
        let registry = read();
        match registry.slots.get(index) {
            Some(Slot { generation: g, object: Some(object) }) if *g == generation => Arc::clone(object),
            _ => return Err(Error::InvalidHandle(what)),
        }
    };
    let entry = object.downcast::<Entry<T>>().map_err(|_| Error::InvalidHandle(what))?;
    if entry.poisoned.load(Ordering::Acquire) {
        return Err(Error::Poisoned(what));
    }
    Ok(Guard { entry })
}

/// End the registration of `id`. The null handle (0) is accepted and ignored. The object is dropped here, outside
/// the registry lock, unless a call on another thread still holds it; then it is dropped when that call returns.
pub(crate) fn remove<T: Send + Sync + 'static>(id: u64, what: &'static str) -> Result<()> {
    if id == 0 {
        return Ok(());
    }
    let (index, generation) = split(id);
    let object = {
        let mut registry = write();
        let Some(slot) = registry.slots.get_mut(index) else { return Err(Error::InvalidHandle(what)) };
        match &slot.object {
            Some(object) if slot.generation == generation && object.is::<Entry<T>>() => {}
            _ => return Err(Error::InvalidHandle(what)),
        }
        let object = slot.object.take();
        // Generation 0 is never issued, so that id 0 stays the null handle.
        slot.generation = slot.generation.wrapping_add(1).max(1);
        let index = u32::try_from(index).map_err(|_| Error::InvalidHandle(what))?;
        registry.free.push(index);
        object
    };
    drop(object);
    Ok(())
}

/// A borrowed live object. Dropped during a panic's unwinding, it poisons the handle: the object may be in a
/// state its methods did not expect, so no one should use it again.
pub(crate) struct Guard<T: 'static> {
    entry: Arc<Entry<T>>,
}

impl<T> Deref for Guard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.entry.value
    }
}

impl<T> Drop for Guard<T> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.entry.poisoned.store(true, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_foreign_and_wrong_type_ids_are_refused() {
        let a = insert(String::from("a")).expect("room");
        assert_ne!(a, 0);
        assert_eq!(&*get::<String>(a, "string").expect("live"), "a");
        assert!(matches!(get::<u32>(a, "number"), Err(Error::InvalidHandle("number"))));
        assert!(matches!(remove::<u32>(a, "number"), Err(Error::InvalidHandle(_))));
        remove::<String>(a, "string").expect("live");
        assert!(matches!(get::<String>(a, "string"), Err(Error::InvalidHandle(_))));
        assert!(matches!(remove::<String>(a, "string"), Err(Error::InvalidHandle(_))));
        // The slot is reused with a new generation: the old id still does not match.
        let b = insert(String::from("b")).expect("room");
        assert!(get::<String>(a, "string").is_err());
        assert_eq!(&*get::<String>(b, "string").expect("live"), "b");
        assert!(get::<String>(0xdead_beef_0000_0001, "string").is_err());
        remove::<String>(0, "string").expect("null is ignored");
        remove::<String>(b, "string").expect("live");
    }

    #[test]
    fn a_panic_while_holding_a_handle_poisons_it() {
        let id = insert(7_u32).expect("room");
        let result = std::panic::catch_unwind(|| {
            let guard = get::<u32>(id, "number").expect("live");
            assert_eq!(*guard, 8, "deliberate");
        });
        assert!(result.is_err());
        assert!(matches!(get::<u32>(id, "number"), Err(Error::Poisoned("number"))));
        remove::<u32>(id, "number").expect("a poisoned handle can still be freed");
    }

    #[test]
    fn free_while_in_use_keeps_the_object_alive() {
        let id = insert(vec![1_u8; 16]).expect("room");
        let guard = get::<Vec<u8>>(id, "bytes").expect("live");
        remove::<Vec<u8>>(id, "bytes").expect("live");
        assert_eq!(guard.len(), 16);
        assert!(get::<Vec<u8>>(id, "bytes").is_err());
    }
}
