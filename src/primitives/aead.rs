//! The ChaCha20-Poly1305 (RFC 8439) implementation for payload chunks and KEK stanzas: RustCrypto's
//! `chacha20poly1305`, whose cipher state zeroizes its key on drop (the `zeroize` feature).
//!
//! Why RustCrypto and not `ring` (which is about twice as fast on this hardware, see BENCHMARKS.md): `ring` keeps its
//! own copy of the key and never wipes it, which breaks the rule that every buffer holding key material is zeroized
//! when released; and the project's crypto is the RustCrypto / dalek family throughout. RustCrypto's `chacha20`
//! selects AVX2 at run time; building with `RUSTFLAGS="--cfg chacha20_avx512"` adds an AVX-512 backend, still chosen at
//! run time (with AVX2/SSE2 fallback), which roughly doubles bulk throughput on CPUs that have AVX-512.
//!
//! This module must never release plaintext whose tag did not verify: the tag is checked before decryption, and on
//! failure the buffer is zeroed anyway so nothing of it can be mistaken for plaintext.

use chacha20poly1305::aead::inout::InOutBuf;
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce, Tag};

use crate::error::{Error, Result};

/// Length of a Poly1305 tag.
pub(crate) const TAG_LEN: usize = 16;

/// ChaCha20-Poly1305 under one key; the key is zeroized when this is dropped.
pub(crate) struct ChunkCipher(ChaCha20Poly1305);

impl ChunkCipher {
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        Self(ChaCha20Poly1305::new(key.into()))
    }

    /// Encrypt `buf` in place; the tag.
    pub(crate) fn seal(&self, nonce: [u8; 12], aad: &[u8], buf: &mut [u8]) -> Result<[u8; TAG_LEN]> {
        let tag = self
            .0
            .encrypt_inout_detached(&Nonce::from(nonce), aad, buf.into())
            .map_err(|_| Error::Internal("ChaCha20-Poly1305 encryption failed".into()))?;
        let mut out = [0u8; TAG_LEN];
        out.copy_from_slice(tag.as_slice());
        Ok(out)
    }

    /// Encrypt `input` into `out` (same length); the tag. No copy of the plaintext is made.
    pub(crate) fn seal_to(&self, nonce: [u8; 12], aad: &[u8], input: &[u8], out: &mut [u8]) -> Result<[u8; TAG_LEN]> {
        let buf = InOutBuf::new(input, out).map_err(|_| Error::Internal("ChaCha20-Poly1305 length mismatch".into()))?;
        let tag = self
            .0
            .encrypt_inout_detached(&Nonce::from(nonce), aad, buf)
            .map_err(|_| Error::Internal("ChaCha20-Poly1305 encryption failed".into()))?;
        let mut t = [0u8; TAG_LEN];
        t.copy_from_slice(tag.as_slice());
        Ok(t)
    }

    /// Authenticate `input` (ciphertext) and only then decrypt it into `out` (same length). On failure `out` is
    /// zeroed and the error is [`Error::OpenFailed`].
    pub(crate) fn open_to(
        &self,
        nonce: [u8; 12],
        aad: &[u8],
        input: &[u8],
        out: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<()> {
        let tag = Tag::from(*tag);
        let r = match InOutBuf::new(input, &mut *out) {
            Ok(buf) => {
                self.0.decrypt_inout_detached(&Nonce::from(nonce), aad, buf, &tag).map_err(|_| Error::OpenFailed)
            }
            Err(_) => Err(Error::OpenFailed),
        };
        if r.is_err() {
            out.fill(0);
        }
        r
    }

    /// Authenticate and decrypt `buf` in place. On failure `buf` is zeroed and the error is [`Error::OpenFailed`].
    pub(crate) fn open(&self, nonce: [u8; 12], aad: &[u8], buf: &mut [u8], tag: &[u8; TAG_LEN]) -> Result<()> {
        let tag = Tag::from(*tag);
        self.0.decrypt_inout_detached(&Nonce::from(nonce), aad, (&mut *buf).into(), &tag).map_err(|_| {
            buf.fill(0);
            Error::OpenFailed
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8439, section 2.8.2: the AEAD test vector.
    #[test]
    fn rfc8439_vector() {
        let key: [u8; 32] = core::array::from_fn(|i| 0x80 + u8::try_from(i).unwrap());
        let nonce = [0x07, 0, 0, 0, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47];
        let aad = [0x50, 0x51, 0x52, 0x53, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7];
        let pt = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
        let c = ChunkCipher::new(&key);
        let mut buf = pt.to_vec();
        let tag = c.seal(nonce, &aad, &mut buf).unwrap();
        assert_eq!(hex(&buf[..16]), "d31a8d34648e60db7b86afbc53ef7ec2");
        assert_eq!(hex(&tag), "1ae10b594f09e26a7e902ecbd0600691");
        c.open(nonce, &aad, &mut buf, &tag).unwrap();
        assert_eq!(&buf[..], &pt[..]);
    }

    #[test]
    fn out_of_place_matches_in_place_and_fails_closed() {
        let c = ChunkCipher::new(&[3; 32]);
        let pt: Vec<u8> = (0..1000u32).map(|i| u8::try_from(i % 251).unwrap()).collect();
        let mut in_place = pt.clone();
        let tag = c.seal([5; 12], b"aad", &mut in_place).unwrap();
        let mut ct = vec![0u8; pt.len()];
        assert_eq!(c.seal_to([5; 12], b"aad", &pt, &mut ct).unwrap(), tag);
        assert_eq!(ct, in_place);
        let mut out = vec![0xeeu8; pt.len()];
        c.open_to([5; 12], b"aad", &ct, &mut out, &tag).unwrap();
        assert_eq!(out, pt);
        for (nonce, aad, bad_tag) in [
            ([6; 12], &b"aad"[..], tag),
            ([5; 12], &b"aaa"[..], tag),
            ([5; 12], &b"aad"[..], {
                let mut t = tag;
                t[15] ^= 0x80;
                t
            }),
        ] {
            let mut out = vec![0xeeu8; pt.len()];
            assert!(matches!(c.open_to(nonce, aad, &ct, &mut out, &bad_tag), Err(Error::OpenFailed)));
            assert!(out.iter().all(|&b| b == 0), "nothing of a failed open is left in the output");
        }
        let mut short = vec![0u8; pt.len() - 1];
        assert!(c.open_to([5; 12], b"aad", &ct, &mut short, &tag).is_err());
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
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
