//! The ChaCha20-Poly1305 (RFC 8439) implementation for payload chunks and KEK stanzas: `ring`'s (BoringSSL's
//! assembly, with run-time CPU dispatch).
//!
//! Why `ring` here: it is the fastest sound implementation we measured on the CPUs we run on, at every size (about
//! twice RustCrypto `chacha20poly1305` on AVX2-only x86-64 for bulk data, four to six times for 32 bytes to 1 KiB;
//! see BENCHMARKS.md), and a crate that depends on custodia gets that speed without build flags. The bytes are those
//! of RFC 8439, the same as RustCrypto's (which `hpke` uses for X25519 and X-Wing stanzas and [`super::Reader`]
//! uses); the unit test below and the test vectors pin that.
//!
//! This module must never release plaintext whose tag did not verify: `ring` decrypts and authenticates in one
//! pass and zeroes the buffer on failure; callers keep the buffer private until `open` returns `Ok`.
//!
//! Caveat: `ring` keeps its own copy of the key and does not zeroize it on drop. A [`ChunkCipher`] lives only for
//! one seal or open call, on the calling thread's stack.

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, Tag, UnboundKey};

use crate::error::{Error, Result};

/// Length of a Poly1305 tag.
pub(crate) const TAG_LEN: usize = 16;

/// ChaCha20-Poly1305 under one key.
pub(crate) struct ChunkCipher(LessSafeKey);

impl ChunkCipher {
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        Self(LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, key).expect("ChaCha20-Poly1305 keys are 32 bytes")))
    }

    /// Encrypt `buf` in place; the tag.
    pub(crate) fn seal(&self, nonce: [u8; 12], aad: &[u8], buf: &mut [u8]) -> Result<[u8; TAG_LEN]> {
        let tag = self
            .0
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), buf)
            .map_err(|_| Error::Internal("ChaCha20-Poly1305 encryption failed".into()))?;
        let mut out = [0u8; TAG_LEN];
        out.copy_from_slice(tag.as_ref());
        Ok(out)
    }

    /// Authenticate and decrypt `buf` in place. On failure `buf` is zeroed and the error is [`Error::OpenFailed`].
    pub(crate) fn open(&self, nonce: [u8; 12], aad: &[u8], buf: &mut [u8], tag: &[u8; TAG_LEN]) -> Result<()> {
        self.0
            .open_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), Tag::from(*tag), buf, 0..)
            .map(|_| ())
            .map_err(|_| Error::OpenFailed)
    }
}

#[cfg(test)]
mod tests {
    use chacha20poly1305::aead::AeadInOut;
    use chacha20poly1305::{ChaCha20Poly1305, KeyInit};

    use super::*;

    /// The same bytes as RustCrypto's implementation, at every length around the block and SIMD boundaries.
    #[test]
    #[allow(clippy::cast_possible_truncation, reason = "test data: lengths reduced mod 251")]
    fn agrees_with_rustcrypto() {
        let key = [0x42u8; 32];
        let ours = ChunkCipher::new(&key);
        let theirs = ChaCha20Poly1305::new(&key.into());
        let aad = b"custodia aad";
        for len in (0..=600).chain([1023, 1024, 1025, 4095, 65536, 65537]) {
            let pt: Vec<u8> = (0..len).map(|i| ((i * 7 + len) % 251) as u8).collect();
            let nonce = [(len % 251) as u8; 12];
            let mut a = pt.clone();
            let tag_a = ours.seal(nonce, aad, &mut a).unwrap();
            let mut b = pt.clone();
            let tag_b = theirs.encrypt_inout_detached(&nonce.into(), aad, b.as_mut_slice().into()).unwrap();
            assert_eq!(a, b, "ciphertext, length {len}");
            assert_eq!(tag_a.as_slice(), tag_b.as_slice(), "tag, length {len}");
            ours.open(nonce, aad, &mut a, &tag_a).unwrap();
            assert_eq!(a, pt);
        }
    }

    #[test]
    fn failed_open_zeroes_the_buffer() {
        let c = ChunkCipher::new(&[1; 32]);
        let mut buf = b"sensitive plaintext".to_vec();
        let tag = c.seal([0; 12], b"", &mut buf).unwrap();
        let mut bad = tag;
        bad[0] ^= 1;
        assert!(matches!(c.open([0; 12], b"", &mut buf, &bad), Err(Error::OpenFailed)));
        assert!(buf.iter().all(|&b| b == 0));
    }
}
