//! A key provider in software for the provider tests: AES-256-GCM (ring) under fixed KEKs, writing exactly the
//! `pkcs11-aes-gcm` stanza (FORMAT.md section 13: `iv || ciphertext || tag`), so that it stands in for a token where
//! no token is needed (the policy-gate tests, the vectors), and counts every call.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use custodia::format::StanzaKind;
use custodia::{Error, KeyId, KeyProvider, Unwrapped};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use zeroize::Zeroizing;

/// A KEK's key id as a token key with this `CKA_ID` would have it (FORMAT.md section 13), recomputed here.
pub fn token_key_id(cka_id: &[u8]) -> KeyId {
    use sha2::{Digest as _, Sha256};
    let mut h = Sha256::new();
    h.update(b"custodia/v1/key-id/pkcs11-aes\0");
    h.update(cka_id);
    let d = h.finalize();
    KeyId::from_bytes(d[..16].try_into().expect("16 bytes"))
}

/// AES-256-GCM KEKs by key id; IVs from a counter (deterministic, so vectors re-seal byte for byte).
pub struct SoftProvider {
    keks: HashMap<KeyId, [u8; 32]>,
    next_iv: Mutex<u64>,
    /// Calls to `wrap` and `unwrap` (every call, whatever the answer).
    pub wraps: AtomicU64,
    pub unwraps: AtomicU64,
    /// Unwraps that authenticated and returned a key.
    pub opened: AtomicU64,
    /// When set, every call fails with `ProviderUnavailable`.
    pub down: AtomicBool,
}

impl SoftProvider {
    /// A provider holding one KEK per `(cka_id, key)`.
    pub fn new(keys: &[(&[u8], [u8; 32])]) -> Self {
        Self {
            keks: keys.iter().map(|(id, k)| (token_key_id(id), *k)).collect(),
            next_iv: Mutex::new(1),
            wraps: AtomicU64::new(0),
            unwraps: AtomicU64::new(0),
            opened: AtomicU64::new(0),
            down: AtomicBool::new(false),
        }
    }

    fn check_up(&self) -> custodia::Result<()> {
        if self.down.load(Ordering::SeqCst) {
            return Err(Error::ProviderUnavailable("soft provider switched off".into()));
        }
        Ok(())
    }

    fn key(&self, id: &KeyId) -> Option<LessSafeKey> {
        self.keks.get(id).map(|k| LessSafeKey::new(UnboundKey::new(&AES_256_GCM, k).expect("32-byte key")))
    }
}

impl KeyProvider for SoftProvider {
    fn name(&self) -> &str {
        "soft-aes-gcm"
    }

    fn stanza_kind(&self) -> StanzaKind {
        StanzaKind::Pkcs11AesGcm
    }

    fn holds(&self, key_id: &KeyId) -> custodia::Result<bool> {
        self.check_up()?;
        Ok(self.keks.contains_key(key_id))
    }

    fn wrap(&self, key_id: &KeyId, data_key: &[u8; 32], aad: &[u8]) -> custodia::Result<Vec<u8>> {
        self.wraps.fetch_add(1, Ordering::SeqCst);
        self.check_up()?;
        let key = self.key(key_id).ok_or(Error::KeyNotFound(*key_id))?;
        let mut iv = [0u8; 12];
        {
            let mut n = self.next_iv.lock().expect("iv lock");
            iv[4..].copy_from_slice(&n.to_be_bytes());
            *n += 1;
        }
        let mut buf = data_key.to_vec();
        key.seal_in_place_append_tag(Nonce::assume_unique_for_key(iv), Aad::from(aad), &mut buf).expect("seal");
        let mut out = iv.to_vec();
        out.extend_from_slice(&buf);
        Ok(out)
    }

    fn unwrap(&self, key_id: &KeyId, wrapped: &[u8], aad: &[u8]) -> custodia::Result<Unwrapped> {
        self.unwraps.fetch_add(1, Ordering::SeqCst);
        self.check_up()?;
        let Some(key) = self.key(key_id) else { return Ok(Unwrapped::NotMine) };
        let (iv, ct) = wrapped.split_at(12);
        let mut buf = Zeroizing::new(ct.to_vec());
        let nonce = Nonce::try_assume_unique_for_key(iv).map_err(|_| Error::OpenFailed)?;
        let plain = key.open_in_place(nonce, Aad::from(aad), &mut buf).map_err(|_| Error::OpenFailed)?;
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(plain);
        self.opened.fetch_add(1, Ordering::SeqCst);
        Ok(Unwrapped::Key(out))
    }
}
