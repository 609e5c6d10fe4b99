//! RFC 9180 HPKE, single shot, for the one suite X25519 stanzas use: KEM `0x0020` DHKEM(X25519, HKDF-SHA256), KDF
//! `0x0001` HKDF-SHA256, AEAD `0x0003` ChaCha20-Poly1305, in mode base (`0x00`) and auth (`0x02`), with an empty PSK.
//!
//! Why not the `hpke` crate here (it still does X-Wing): its encapsulation derives the ephemeral key pair and then
//! computes the ephemeral public key a second time, and its decapsulation recomputes the recipient's public key from
//! the secret, one X25519 base-point multiplication each (about a sixth of a seal or an open). The construction
//! below is RFC 9180's, step for step, on the same primitives (`x25519-dalek`, `hkdf`/`sha2`, RustCrypto
//! `chacha20poly1305`); it draws the same 32 bytes of randomness per encapsulation as the crate, so the envelopes
//! are byte-identical to what the crate produced (the format test vectors re-seal unchanged), and tests check it
//! against the crate in both directions and both modes.

use hkdf::{Hkdf, HkdfExtract};
use rand_core::CryptoRng;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::{Zeroize, Zeroizing};

use crate::primitives::aead::ChunkCipher;

/// `suite_id` of the KEM: "KEM" || I2OSP(0x0020, 2).
const KEM_SUITE: &[u8] = b"KEM\x00\x20";
/// `suite_id` of the HPKE context: "HPKE" || kem_id || kdf_id || aead_id.
const HPKE_SUITE: &[u8] = b"HPKE\x00\x20\x00\x01\x00\x03";
const VERSION_LABEL: &[u8] = b"HPKE-v1";
const MODE_BASE: u8 = 0x00;
const MODE_AUTH: u8 = 0x02;
/// Length of an X25519 public key (`Npk`, `Nenc`), secret key (`Nsk`) and DH output (`Ndh`).
pub(crate) const X25519_LEN: usize = 32;
/// HPKE tag length (`Nt`).
pub(crate) const TAG_LEN: usize = 16;

/// Why an HPKE operation failed: a DH output was all zero (a low-order public key), or the AEAD tag did not verify.
#[derive(Debug)]
pub(crate) struct HpkeFailed;

/// `LabeledExtract(salt, label, ikm)` = HKDF-Extract(salt, "HPKE-v1" || suite_id || label || ikm): the PRK itself
/// and HKDF keyed with it.
fn labeled_extract_prk(suite: &[u8], salt: &[u8], label: &[u8], ikm: &[&[u8]]) -> ([u8; 32], Hkdf<Sha256>) {
    let mut ex = HkdfExtract::<Sha256>::new(Some(salt));
    ex.input_ikm(VERSION_LABEL);
    ex.input_ikm(suite);
    ex.input_ikm(label);
    for part in ikm {
        ex.input_ikm(part);
    }
    let (mut prk, hk) = ex.finalize();
    let mut out = [0u8; 32];
    out.copy_from_slice(&prk);
    prk.zeroize();
    (out, hk)
}

/// `LabeledExtract` when only expanding from the PRK follows (the PRK bytes are wiped).
fn labeled_extract(suite: &[u8], salt: &[u8], label: &[u8], ikm: &[&[u8]]) -> Hkdf<Sha256> {
    let (mut prk, hk) = labeled_extract_prk(suite, salt, label, ikm);
    prk.zeroize();
    hk
}

/// `LabeledExpand(prk, label, info, L)` = HKDF-Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L).
fn labeled_expand(prk: &Hkdf<Sha256>, suite: &[u8], label: &[u8], info: &[&[u8]], out: &mut [u8]) {
    let len = u16::try_from(out.len()).expect("HPKE outputs here are at most 32 bytes").to_be_bytes();
    let mut parts: Vec<&[u8]> = Vec::with_capacity(4 + info.len());
    parts.extend_from_slice(&[&len[..], VERSION_LABEL, suite, label]);
    parts.extend_from_slice(info);
    prk.expand_multi_info(&parts, out).expect("HKDF-SHA256 can expand 32 bytes");
}

/// `DeriveKeyPair(ikm)` for X25519 (RFC 9180 section 7.1.3): the secret key; its public key is `pk(sk)`.
fn derive_secret(ikm: &[u8; X25519_LEN]) -> StaticSecret {
    let dkp_prk = labeled_extract(KEM_SUITE, b"", b"dkp_prk", &[ikm]);
    let mut sk = Zeroizing::new([0u8; X25519_LEN]);
    labeled_expand(&dkp_prk, KEM_SUITE, b"sk", &[], sk.as_mut());
    StaticSecret::from(*sk)
}

/// `DH(sk, pk)`, refusing the all-zero output (RFC 9180 section 7.1.4).
fn dh(sk: &StaticSecret, pk: &[u8; X25519_LEN]) -> Result<Zeroizing<[u8; X25519_LEN]>, HpkeFailed> {
    let shared = Zeroizing::new(sk.diffie_hellman(&PublicKey::from(*pk)).to_bytes());
    if bool::from(shared.ct_eq(&[0u8; X25519_LEN])) {
        return Err(HpkeFailed);
    }
    Ok(shared)
}

/// `ExtractAndExpand(dh, kem_context)`: the KEM shared secret.
fn extract_and_expand(dh: &[&[u8]], kem_context: &[&[u8]]) -> Zeroizing<[u8; 32]> {
    let eae_prk = labeled_extract(KEM_SUITE, b"", b"eae_prk", dh);
    let mut shared = Zeroizing::new([0u8; 32]);
    labeled_expand(&eae_prk, KEM_SUITE, b"shared_secret", kem_context, shared.as_mut());
    shared
}

/// `KeySchedule(mode, shared_secret, info, psk = "", psk_id = "")`: the AEAD key and base nonce. Single shot, so
/// the only nonce used is the base nonce (sequence number 0).
fn key_schedule(mode: u8, shared: &[u8; 32], info: &[u8]) -> (ChunkCipher, [u8; 12]) {
    // The two hashes are not secret.
    let (psk_id_hash, _) = labeled_extract_prk(HPKE_SUITE, b"", b"psk_id_hash", &[]);
    let (info_hash, _) = labeled_extract_prk(HPKE_SUITE, b"", b"info_hash", &[info]);
    let secret = labeled_extract(HPKE_SUITE, shared, b"secret", &[]);
    let ctx: [&[u8]; 3] = [&[mode], &psk_id_hash, &info_hash];
    let mut key = Zeroizing::new([0u8; 32]);
    labeled_expand(&secret, HPKE_SUITE, b"key", &ctx, key.as_mut());
    let mut nonce = [0u8; 12];
    labeled_expand(&secret, HPKE_SUITE, b"base_nonce", &ctx, &mut nonce);
    (ChunkCipher::new(&key), nonce)
}

/// Seal `buf` in place to `pk_r`: `SetupBaseS`, or `SetupAuthS` with `sender` (its secret and public key), then
/// one `Seal(aad, buf)`. Returns the encapsulated key and the tag. Draws 32 bytes from `rng` (the ephemeral key's
/// input keying material).
pub(crate) fn seal<R: CryptoRng + ?Sized>(
    pk_r: &[u8; X25519_LEN],
    sender: Option<(&StaticSecret, &[u8; X25519_LEN])>,
    info: &[u8],
    aad: &[u8],
    buf: &mut [u8],
    rng: &mut R,
) -> Result<([u8; X25519_LEN], [u8; TAG_LEN]), HpkeFailed> {
    let mut ikm = Zeroizing::new([0u8; X25519_LEN]);
    rng.fill_bytes(ikm.as_mut());
    let sk_e = derive_secret(&ikm);
    let enc = PublicKey::from(&sk_e).to_bytes();
    let dh_e = dh(&sk_e, pk_r)?;
    let (mode, shared) = match sender {
        None => (MODE_BASE, extract_and_expand(&[dh_e.as_ref()], &[&enc, pk_r])),
        Some((sk_s, pk_s)) => {
            let dh_s = dh(sk_s, pk_r)?;
            (MODE_AUTH, extract_and_expand(&[dh_e.as_ref(), dh_s.as_ref()], &[&enc, pk_r, pk_s]))
        }
    };
    let (aead, nonce) = key_schedule(mode, &shared, info);
    let tag = aead.seal(nonce, aad, buf).map_err(|_| HpkeFailed)?;
    Ok((enc, tag))
}

/// Open `buf` in place: `SetupBaseR`, or `SetupAuthR` with the sender's public key `pk_s`, then one
/// `Open(aad, buf, tag)`. The recipient is its secret key and its public key (known with the identity, so not
/// recomputed). On failure `buf` is zeroed.
pub(crate) fn open(
    (sk_r, pk_r): (&StaticSecret, &[u8; X25519_LEN]),
    pk_s: Option<&[u8; X25519_LEN]>,
    enc: &[u8; X25519_LEN],
    info: &[u8],
    aad: &[u8],
    buf: &mut [u8],
    tag: &[u8; TAG_LEN],
) -> Result<(), HpkeFailed> {
    let fail = |buf: &mut [u8]| {
        buf.zeroize();
        HpkeFailed
    };
    let dh_e = dh(sk_r, enc).map_err(|_| fail(buf))?;
    let (mode, shared) = match pk_s {
        None => (MODE_BASE, extract_and_expand(&[dh_e.as_ref()], &[enc, pk_r])),
        Some(pk_s) => {
            let dh_s = dh(sk_r, pk_s).map_err(|_| fail(buf))?;
            (MODE_AUTH, extract_and_expand(&[dh_e.as_ref(), dh_s.as_ref()], &[enc, pk_r, pk_s]))
        }
    };
    let (aead, nonce) = key_schedule(mode, &shared, info);
    aead.open(nonce, aad, buf, tag).map_err(|_| HpkeFailed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chacha20::ChaCha20Rng;
    use hpke::aead::{AeadTag, ChaCha20Poly1305 as HpkeChaCha};
    use hpke::kdf::HkdfSha256;
    use hpke::kem::X25519HkdfSha256 as Kem;
    use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
    use rand_core::{Rng, SeedableRng};

    fn keypair(rng: &mut ChaCha20Rng) -> (StaticSecret, [u8; 32]) {
        let mut b = [0u8; 32];
        rng.fill_bytes(&mut b);
        let sk = StaticSecret::from(b);
        let pk = PublicKey::from(&sk).to_bytes();
        (sk, pk)
    }

    /// Ours against the `hpke` crate, both directions, both modes, several messages and AADs.
    #[test]
    fn agrees_with_the_hpke_crate() {
        let mut rng = ChaCha20Rng::from_seed([42; 32]);
        for round in 0..24 {
            let (sk_r, pk_r) = keypair(&mut rng);
            let (sk_s, pk_s) = keypair(&mut rng);
            let auth = round % 2 == 1;
            let msg: Vec<u8> = (0..round * 5).map(|i| u8::try_from(i % 251).unwrap()).collect();
            let aad = vec![u8::try_from(round).unwrap(); round];
            let info = b"custodia/v1/hpke/x25519";
            let crate_pk_r = <Kem as hpke::Kem>::PublicKey::from_bytes(&pk_r).unwrap();
            let crate_sk_r = <Kem as hpke::Kem>::PrivateKey::from_bytes(&sk_r.to_bytes()).unwrap();
            let crate_sk_s = <Kem as hpke::Kem>::PrivateKey::from_bytes(&sk_s.to_bytes()).unwrap();
            let crate_pk_s = <Kem as hpke::Kem>::PublicKey::from_bytes(&pk_s).unwrap();

            // Same randomness, same bytes.
            let mut ours = msg.clone();
            let seed: [u8; 32] = core::array::from_fn(|i| u8::try_from(i).unwrap() ^ u8::try_from(round).unwrap());
            let sender = auth.then_some((&sk_s, &pk_s));
            let (enc, tag) = seal(&pk_r, sender, info, &aad, &mut ours, &mut ChaCha20Rng::from_seed(seed)).unwrap();
            let mut theirs = msg.clone();
            let mode_s = if auth { OpModeS::Auth((crate_sk_s.clone(), crate_pk_s.clone())) } else { OpModeS::Base };
            let (c_enc, c_tag) = hpke::single_shot_seal_inout_detached_with_rng::<HpkeChaCha, HkdfSha256, Kem>(
                &mode_s,
                &crate_pk_r,
                info,
                theirs.as_mut_slice().into(),
                &aad,
                &mut ChaCha20Rng::from_seed(seed),
            )
            .unwrap();
            assert_eq!(enc.as_slice(), c_enc.to_bytes().as_slice(), "round {round}: encapsulated key");
            assert_eq!(ours, theirs, "round {round}: ciphertext");
            assert_eq!(tag.as_slice(), c_tag.to_bytes().as_slice(), "round {round}: tag");

            // The crate opens ours.
            let mode_r = if auth { OpModeR::Auth(crate_pk_s.clone()) } else { OpModeR::Base };
            let mut c_open = ours.clone();
            hpke::single_shot_open_inout_detached::<HpkeChaCha, HkdfSha256, Kem>(
                &mode_r,
                &crate_sk_r,
                &<Kem as hpke::Kem>::EncappedKey::from_bytes(&enc).unwrap(),
                info,
                c_open.as_mut_slice().into(),
                &aad,
                &AeadTag::<HpkeChaCha>::from_bytes(&tag).unwrap(),
            )
            .unwrap();
            assert_eq!(c_open, msg);

            // We open the crate's (with fresh randomness).
            let mut c_ct = msg.clone();
            let (c_enc, c_tag) = hpke::single_shot_seal_inout_detached_with_rng::<HpkeChaCha, HkdfSha256, Kem>(
                &mode_s,
                &crate_pk_r,
                info,
                c_ct.as_mut_slice().into(),
                &aad,
                &mut rng,
            )
            .unwrap();
            let mut enc = [0u8; 32];
            enc.copy_from_slice(&c_enc.to_bytes());
            let mut tag = [0u8; 16];
            tag.copy_from_slice(&c_tag.to_bytes());
            open((&sk_r, &pk_r), auth.then_some(&pk_s), &enc, info, &aad, &mut c_ct, &tag).unwrap();
            assert_eq!(c_ct, msg);
        }
    }

    #[test]
    fn wrong_inputs_fail_and_zero_the_buffer() {
        let mut rng = ChaCha20Rng::from_seed([7; 32]);
        let (sk_r, pk_r) = keypair(&mut rng);
        let (sk_s, pk_s) = keypair(&mut rng);
        let (_, pk_other) = keypair(&mut rng);
        let msg = b"the data key, 32 bytes long.....".to_vec();
        let mut ct = msg.clone();
        let (enc, tag) = seal(&pk_r, Some((&sk_s, &pk_s)), b"info", b"aad", &mut ct, &mut rng).unwrap();
        type Case<'a> = (&'a [u8], &'a [u8], Option<&'a [u8; 32]>, [u8; 32], [u8; 16]);
        let cases: [Case<'_>; 5] = [
            (b"other", b"aad", Some(&pk_s), enc, tag),
            (b"info", b"other", Some(&pk_s), enc, tag),
            (b"info", b"aad", None, enc, tag),
            (b"info", b"aad", Some(&pk_other), enc, tag),
            (b"info", b"aad", Some(&pk_s), enc, {
                let mut t = tag;
                t[0] ^= 1;
                t
            }),
        ];
        for (info, aad, sender, enc, tag) in cases {
            let mut buf = ct.clone();
            assert!(open((&sk_r, &pk_r), sender, &enc, info, aad, &mut buf, &tag).is_err());
            assert!(buf.iter().all(|&b| b == 0), "a failed open leaves no bytes");
        }
        let mut buf = ct.clone();
        open((&sk_r, &pk_r), Some(&pk_s), &enc, b"info", b"aad", &mut buf, &tag).unwrap();
        assert_eq!(buf, msg);
    }

    /// A low-order public key gives an all-zero DH output: refused both ways (RFC 9180 section 7.1.4).
    #[test]
    fn all_zero_shared_secret_is_refused() {
        let mut rng = ChaCha20Rng::from_seed([9; 32]);
        let (sk_r, pk_r) = keypair(&mut rng);
        let zero = [0u8; 32];
        let mut buf = vec![1u8; 32];
        assert!(seal(&zero, None, b"i", b"a", &mut buf, &mut rng).is_err());
        let mut buf = vec![1u8; 32];
        assert!(open((&sk_r, &pk_r), None, &zero, b"i", b"a", &mut buf, &[0; 16]).is_err());
        assert!(buf.iter().all(|&b| b == 0));
    }
}
