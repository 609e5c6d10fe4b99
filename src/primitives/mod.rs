//! The crypto building blocks the envelope format is made of, as in age: the ChaCha20-Poly1305 AEAD ([`aead`]), the
//! STREAM construction and its thread pipeline ([`stream`]), the RFC 9180 HPKE suite of X25519 stanzas
//! ([`hpke_x25519`]) and the operating system's RNG ([`rng`]).
//!
//! `primitives` knows algorithms, not envelopes: nothing here reads or writes a header, a stanza or a policy field,
//! and nothing here is public API but the payload thread limit (re-exported as `format::set_max_threads` and
//! `format::max_threads`). Each block clears its intermediate secrets, and a failed authentication carries no detail
//! (no oracle). The envelope layout that uses them is `format/`.

pub(crate) mod aead;
pub(crate) mod hpke_x25519;
pub(crate) mod rng;
pub(crate) mod stream;
