//! Per-case keys wrapped by a [`KeyProvider`], unwrapped on use and cached in memory for a bounded time and use count
//! (the pattern of the AWS Encryption SDK's hierarchical keyring; docs/KEYS.md "Case keys wrapped by a provider").
//!
//! The keyring (the store every custodian on the directory shares) holds a case key only as the provider's wrapping
//! of it (`KeyRecord::wrapped_by` names the provider's KEK); the clear key exists only here, in locked memory, for at
//! most [`CaseKeyWrapping::cache_ttl_secs`] and [`CaseKeyWrapping::cache_max_uses`]. Every use of a cached entry is
//! checked against the record as the keyring holds it now (re-read on inode change): a destroyed record, or one whose
//! wrapped bytes differ from those the entry was unwrapped from, kills the entry without a provider call.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use custodia_mem::LockedBox;

use crate::error::{Error, Result};
use crate::keys::keyring::{KeyRecord, KeyState, KeyringBody};
use crate::keys::provider::{KeyProvider, Unwrapped};
use crate::keys::{KEY_LEN, Kek};
use crate::vocabulary::{KeyId, Timestamp};

/// Domain separation of a case key's wrapping: the associated data is this prefix followed by the case key's id.
const CASE_KEY_AAD: &[u8] = b"custodia/v1/case-key\0";

/// The associated data a case key `id` is wrapped with (docs/KEYS.md "Case keys wrapped by a provider").
pub(crate) fn case_key_aad(id: &KeyId) -> Vec<u8> {
    let mut aad = CASE_KEY_AAD.to_vec();
    aad.extend_from_slice(id.as_bytes());
    aad
}

/// Per-case keys wrapped by a provider's KEK ([`CustodianOptions::case_keys`](crate::CustodianOptions::case_keys)),
/// and how long an unwrapped one stays in memory.
#[derive(Clone)]
#[non_exhaustive]
pub struct CaseKeyWrapping {
    /// The provider holding the KEK (a PKCS#11 token, a host's KMS).
    pub provider: Arc<dyn KeyProvider>,
    /// The provider's KEK that wraps every new case key.
    pub kek: KeyId,
    /// An unwrapped case key is used for at most this many seconds (by the custodian's clock) after the provider
    /// call that produced it; `0` disables the cache (one provider call per use).
    pub cache_ttl_secs: u64,
    /// An unwrapped case key is used at most this many times (seals and opens) before the provider is asked again.
    pub cache_max_uses: u64,
}

impl CaseKeyWrapping {
    /// Case keys wrapped by `provider`'s key `kek`, cached for 300 seconds and 10,000 uses.
    #[must_use]
    pub fn new(provider: Arc<dyn KeyProvider>, kek: KeyId) -> Self {
        Self { provider, kek, cache_ttl_secs: 300, cache_max_uses: 10_000 }
    }
}

impl fmt::Debug for CaseKeyWrapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaseKeyWrapping")
            .field("provider", &self.provider.name())
            .field("kek", &self.kek)
            .field("cache_ttl_secs", &self.cache_ttl_secs)
            .field("cache_max_uses", &self.cache_max_uses)
            .finish()
    }
}

/// One unwrapped case key.
struct Entry {
    key: LockedBox<[u8; KEY_LEN]>,
    /// The wrapped bytes it came from (compared with the store's on every use).
    wrapped: Vec<u8>,
    loaded: Timestamp,
    uses: u64,
}

/// The custodian's cache of unwrapped case keys.
pub(crate) struct CaseKeyCache {
    wrapping: Option<CaseKeyWrapping>,
    entries: Mutex<HashMap<KeyId, Entry>>,
    /// The keyring generation the entries were last checked against ([`CaseKeyCache::sync`]); `u64::MAX` before
    /// the first check.
    synced: AtomicU64,
    /// Raised whenever entries are dropped for a reason other than their bounds ([`CaseKeyCache::forget`],
    /// [`CaseKeyCache::sync`]): a provider call runs without the cache's lock, and its key is cached only if no
    /// destruction was noticed meanwhile.
    epoch: AtomicU64,
}

impl CaseKeyCache {
    pub(crate) fn new(wrapping: Option<CaseKeyWrapping>) -> Self {
        Self {
            wrapping,
            entries: Mutex::new(HashMap::new()),
            synced: AtomicU64::new(u64::MAX),
            epoch: AtomicU64::new(0),
        }
    }

    /// The configured wrapping, if any.
    pub(crate) fn wrapping(&self) -> Option<&CaseKeyWrapping> {
        self.wrapping.as_ref()
    }

    /// Wrap a fresh case key `id` for the store; the clear key goes into the cache (its first use costs no call).
    pub(crate) fn wrap_new(&self, id: KeyId, key: &[u8; KEY_LEN], now: Timestamp) -> Result<(KeyId, Vec<u8>)> {
        let w = self.wrapping.as_ref().ok_or_else(|| Error::Internal("no case-key wrapping configured".into()))?;
        let wrapped = w.provider.wrap(&w.kek, key, &case_key_aad(&id))?;
        let entry = Entry { key: LockedBox::new(*key), wrapped: wrapped.clone(), loaded: now, uses: 0 };
        self.lock()?.insert(id, entry);
        Ok((w.kek, wrapped))
    }

    /// Forget a case key (destroyed by this custodian).
    pub(crate) fn forget(&self, id: &KeyId) {
        if let Ok(mut m) = self.entries.lock() {
            self.epoch.fetch_add(1, Ordering::AcqRel);
            m.remove(id);
        }
    }

    /// Drop every entry whose record `body` no longer holds as it was unwrapped (destroyed, removed, or with other
    /// wrapped bytes): the clear key of a case shredded by another server leaves this one's memory at its next
    /// look at the keyring, whether or not the key is used again. Costs one comparison when the keyring's
    /// generation has not moved since the last call.
    pub(crate) fn sync(&self, body: &KeyringBody) {
        if self.synced.load(Ordering::Acquire) == body.generation {
            return;
        }
        if let Ok(mut map) = self.entries.lock() {
            self.epoch.fetch_add(1, Ordering::AcqRel);
            map.retain(|id, e| {
                body.get(id).is_some_and(|r| {
                    !matches!(r.state, KeyState::Destroyed { .. })
                        && r.secret.as_ref().is_some_and(|s| s.expose() == e.wrapped.as_slice())
                })
            });
            self.synced.store(body.generation, Ordering::Release);
        }
    }

    /// How many unwrapped case keys are held (test doors).
    #[cfg(feature = "danger-test-hooks")]
    pub(crate) fn len(&self) -> usize {
        self.entries.lock().map_or(0, |m| m.len())
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, HashMap<KeyId, Entry>>> {
        self.entries.lock().map_err(|_| Error::Internal("case-key cache lock poisoned".into()))
    }

    /// The KEK of the wrapped case key `rec` (as the keyring holds it now): from the cache when an entry for exactly
    /// these wrapped bytes is within its time and use bounds, else through one provider call, made without the
    /// cache's lock (a slow token holds up no other case's cached key).
    pub(crate) fn kek(&self, rec: &KeyRecord, now: Timestamp) -> Result<Kek> {
        let mut map = self.lock()?;
        let Some(wrapped_by) = rec.wrapped_by else {
            return Err(Error::Internal("not a wrapped case key".into()));
        };
        // Checked on every use, cached or not: the store's state of the key, never the cache's memory of it.
        let wrapped = match (&rec.state, &rec.secret) {
            (KeyState::Destroyed { at, .. }, _) => {
                map.remove(&rec.id);
                return Err(Error::KeyDestroyed { key_id: rec.id, destroyed_at: *at });
            }
            (_, None) => {
                map.remove(&rec.id);
                return Err(Error::KeyState { key_id: rec.id, operation: "use its secret", state: "public only" });
            }
            (_, Some(s)) => s.expose(),
        };
        if let Some(e) = map.get_mut(&rec.id) {
            let (ttl, max) = self.wrapping.as_ref().map_or((0, 0), |w| (w.cache_ttl_secs, w.cache_max_uses));
            let fresh = now.as_unix() < e.loaded.as_unix().saturating_add(ttl) && now.as_unix() >= e.loaded.as_unix();
            if e.wrapped == wrapped && fresh && e.uses < max {
                e.uses += 1;
                return Ok(Kek::from_bytes(*e.key));
            }
            map.remove(&rec.id);
        }
        let epoch = self.epoch.load(Ordering::Acquire);
        let wrapped = wrapped.to_vec();
        drop(map);
        let w = self.wrapping.as_ref().ok_or_else(|| {
            Error::ProviderUnavailable(format!("case key {} is wrapped by {wrapped_by}; no case-key provider", rec.id))
        })?;
        if w.kek != wrapped_by && !w.provider.holds(&wrapped_by)? {
            return Err(Error::KeyNotFound(wrapped_by));
        }
        let key = match w.provider.unwrap(&wrapped_by, &wrapped, &case_key_aad(&rec.id))? {
            Unwrapped::NotMine => return Err(Error::KeyNotFound(wrapped_by)),
            Unwrapped::Key(k) => k,
        };
        let kek = Kek::from_bytes(*key);
        if kek.id() != rec.id {
            return Err(Error::KeyringCorrupt(format!("case key {} unwraps to another key", rec.id)));
        }
        let mut map = self.lock()?;
        // A destruction noticed during the call (here or through another server's keyring): this use was allowed
        // when it began, but the key is not kept.
        if self.epoch.load(Ordering::Acquire) == epoch {
            map.insert(rec.id, Entry { key: LockedBox::new(*key), wrapped, loaded: now, uses: 1 });
        }
        Ok(kek)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use zeroize::Zeroizing;

    use super::*;
    use crate::format::StanzaKind;
    use crate::keys::keyring::SecretBytes;
    use crate::vocabulary::{CaseRef, KeyKind};

    /// A provider that remembers what it wrapped and the associated data it was given: a lookup table, not a cipher,
    /// so that the tests see exactly which associated data the cache passes.
    struct Table {
        kek: KeyId,
        wrapped: Mutex<Vec<(Vec<u8>, [u8; KEY_LEN])>>,
        calls: AtomicU64,
    }

    impl KeyProvider for Table {
        fn name(&self) -> &str {
            "table"
        }
        fn stanza_kind(&self) -> StanzaKind {
            StanzaKind::External
        }
        fn holds(&self, key_id: &KeyId) -> Result<bool> {
            Ok(*key_id == self.kek)
        }
        fn wrap(&self, _: &KeyId, data_key: &[u8; KEY_LEN], aad: &[u8]) -> Result<Vec<u8>> {
            let mut t = self.wrapped.lock().map_err(|_| Error::Internal("lock".into()))?;
            t.push((aad.to_vec(), *data_key));
            Ok(vec![u8::try_from(t.len()).map_err(|_| Error::Internal("many".into()))?])
        }
        fn unwrap(&self, key_id: &KeyId, wrapped: &[u8], aad: &[u8]) -> Result<Unwrapped> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if *key_id != self.kek {
                return Ok(Unwrapped::NotMine);
            }
            let t = self.wrapped.lock().map_err(|_| Error::Internal("lock".into()))?;
            let i = usize::from(*wrapped.first().ok_or(Error::OpenFailed)?);
            match t.get(i.wrapping_sub(1)) {
                Some((a, k)) if a == aad => Ok(Unwrapped::Key(Zeroizing::new(*k))),
                _ => Err(Error::OpenFailed),
            }
        }
    }

    /// A provider that, inside its unwrap, looks at the cache: whether its lock is free, and (if asked) forgets a key
    /// as a destruction noticed meanwhile would.
    struct Watching {
        table: Table,
        cache: std::sync::OnceLock<std::sync::Weak<CaseKeyCache>>,
        lock_was_free: Mutex<Vec<bool>>,
        forget_during_unwrap: Mutex<Option<KeyId>>,
    }

    impl KeyProvider for Watching {
        fn name(&self) -> &str {
            "watching"
        }
        fn stanza_kind(&self) -> StanzaKind {
            StanzaKind::External
        }
        fn holds(&self, key_id: &KeyId) -> Result<bool> {
            self.table.holds(key_id)
        }
        fn wrap(&self, key_id: &KeyId, data_key: &[u8; KEY_LEN], aad: &[u8]) -> Result<Vec<u8>> {
            self.table.wrap(key_id, data_key, aad)
        }
        fn unwrap(&self, key_id: &KeyId, wrapped: &[u8], aad: &[u8]) -> Result<Unwrapped> {
            if let Some(cache) = self.cache.get().and_then(std::sync::Weak::upgrade) {
                let free = cache.entries.try_lock().is_ok();
                self.lock_was_free.lock().expect("lock").push(free);
                if let Some(id) = self.forget_during_unwrap.lock().expect("lock").take() {
                    cache.forget(&id);
                }
            }
            self.table.unwrap(key_id, wrapped, aad)
        }
    }

    #[test]
    fn the_provider_is_called_without_the_cache_lock_and_a_destruction_meanwhile_is_not_cached() {
        let kek = KeyId::from_bytes([2; 16]);
        let table = Table { kek, wrapped: Mutex::new(Vec::new()), calls: AtomicU64::new(0) };
        let provider = Arc::new(Watching {
            table,
            cache: std::sync::OnceLock::new(),
            lock_was_free: Mutex::new(Vec::new()),
            forget_during_unwrap: Mutex::new(None),
        });
        let t = Timestamp::from_unix(1_795_435_200);
        let maker = CaseKeyCache::new(Some(CaseKeyWrapping::new(provider.clone(), kek)));
        let a = wrapped_record(&maker, "MLA-2026-0001", t);
        let b = wrapped_record(&maker, "MLA-2026-0002", t);
        let reader = Arc::new(CaseKeyCache::new(Some(CaseKeyWrapping::new(provider.clone(), kek))));
        provider.cache.set(Arc::downgrade(&reader)).expect("set once");
        assert_eq!(reader.kek(&a, t).expect("a").id(), a.id);
        assert_eq!(*provider.lock_was_free.lock().expect("lock"), vec![true], "the unwrap ran under the cache lock");
        assert_eq!(reader.entries.lock().expect("lock").len(), 1, "a is cached");
        // B's key is destroyed (forgotten) while its unwrap is under way: this use goes through, nothing is kept.
        *provider.forget_during_unwrap.lock().expect("lock") = Some(b.id);
        assert_eq!(reader.kek(&b, t).expect("b").id(), b.id);
        assert!(!reader.entries.lock().expect("lock").contains_key(&b.id), "a key forgotten meanwhile was cached");
        assert!(reader.entries.lock().expect("lock").contains_key(&a.id));
    }

    fn wrapped_record(cache: &CaseKeyCache, case: &str, t: Timestamp) -> KeyRecord {
        let kek = Kek::generate().expect("rng");
        let (by, wrapped) = cache.wrap_new(kek.id(), kek.expose_bytes(), t).expect("wrap");
        let mut r = crate::custodian::new_record(kek.id(), KeyKind::Kek, case, t, None, None);
        r.case_ref = Some(CaseRef::parse(case).expect("case"));
        r.secret = Some(SecretBytes::new(Zeroizing::new(wrapped)));
        r.wrapped_by = Some(by);
        r
    }

    #[test]
    fn a_wrapping_moved_to_another_case_key_record_does_not_unwrap() {
        let kek = KeyId::from_bytes([1; 16]);
        let provider = Arc::new(Table { kek, wrapped: Mutex::new(Vec::new()), calls: AtomicU64::new(0) });
        let t = Timestamp::from_unix(1_795_435_200);
        let maker = CaseKeyCache::new(Some(CaseKeyWrapping::new(provider.clone(), kek)));
        let a = wrapped_record(&maker, "MLA-2026-0001", t);
        let b = wrapped_record(&maker, "MLA-2026-0002", t);
        let reader = CaseKeyCache::new(Some(CaseKeyWrapping::new(provider.clone(), kek)));
        assert_eq!(reader.kek(&a, t).expect("a").id(), a.id);
        // B's record carrying A's wrapping: the associated data names B, so the provider refuses it.
        let copy = |r: &KeyRecord| {
            Some(SecretBytes::new(Zeroizing::new(r.secret.as_ref().expect("secret").expose().to_vec())))
        };
        let b_wrapping = copy(&b);
        let mut forged = b;
        forged.secret = copy(&a);
        assert!(matches!(reader.kek(&forged, t), Err(Error::OpenFailed)));
        // And a cached entry is not served for a record whose wrapped bytes changed: the provider is asked again.
        let before = provider.calls.load(Ordering::SeqCst);
        let mut changed = a;
        changed.secret = b_wrapping;
        assert!(reader.kek(&changed, t).is_err());
        assert_eq!(provider.calls.load(Ordering::SeqCst), before + 1);
    }
}
