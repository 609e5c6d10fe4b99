//! Test vectors of envelope format v1 (`tests/vectors/*.json`, described in `docs/FORMAT.md`).
//!
//! `committed_vectors_open_as_expected` decodes and opens every committed vector, and checks that sealing again with
//! the recorded keys and RNG seed gives byte-identical envelopes. To regenerate after a deliberate format change:
//! `CUSTODIA_REGEN_VECTORS=1 cargo test --test format_vectors`.

#![allow(clippy::unwrap_used, reason = "test helpers")]

use std::path::{Path, PathBuf};

use chacha20::ChaCha20Rng;
use custodia::format::{self, EnvelopeOptions, InstrumentKind, LegalInstrument, Metadata, Recipient, Unwrap};
use custodia::format::{Kek, SigningKey, VerifyingKey, X25519Identity, X25519Recipient, XWingIdentity};
use custodia::{CaseRef, Category, Error, Jurisdiction, PurposeSet, Timestamp};
use rand_core::SeedableRng;
use serde_json::{Value, json};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn arr32(s: &str) -> [u8; 32] {
    unhex(s).try_into().unwrap()
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

/// The fixed keys every vector uses (secret bytes are part of the vector).
struct Keys {
    kek: [u8; 32],
    kek2: [u8; 32],
    x25519: [u8; 32],
    sender: [u8; 32],
    xwing_seed: [u8; 32],
    ed25519: [u8; 32],
}

const KEYS: Keys = Keys {
    kek: [0x11; 32],
    kek2: [0x12; 32],
    x25519: [0x21; 32],
    sender: [0x22; 32],
    xwing_seed: [0x31; 32],
    ed25519: [0x41; 32],
};

fn keys_json() -> Value {
    json!({
        "kek": hex(&KEYS.kek),
        "kek2": hex(&KEYS.kek2),
        "x25519": hex(&KEYS.x25519),
        "sender_x25519": hex(&KEYS.sender),
        "xwing_seed": hex(&KEYS.xwing_seed),
        "ed25519_seed": hex(&KEYS.ed25519),
    })
}

fn metadata(chunk: u32) -> Metadata {
    let mut m = Metadata::new(
        Category::FinancialRecords,
        PurposeSet::parse(&["investigation.financial", "mla.request"]).unwrap(),
        Timestamp::from_unix(1_790_000_000),
    );
    m.case_ref = Some(CaseRef::parse("MLA-2026-0042").unwrap());
    m.instrument =
        Some(LegalInstrument::new(InstrumentKind::BilateralTreaty, Some("NL-US/2026/7"), Some("MLAT Art. 7")).unwrap());
    m.origin = Some(Jurisdiction::parse("NL").unwrap());
    m.destinations = vec![Jurisdiction::parse("US").unwrap()];
    m.not_after = Some(Timestamp::from_unix(1_900_000_000));
    m.chunk_size = chunk;
    m
}

fn plaintext(n: usize) -> Vec<u8> {
    (0..n).map(|i| u8::try_from(i % 256).unwrap()).collect()
}

/// One good vector: how it is sealed.
struct Spec {
    name: &'static str,
    description: &'static str,
    size: usize,
    recipients: &'static [&'static str],
    sender: bool,
    signed: bool,
    armored: bool,
}

const SPECS: &[Spec] = &[
    Spec {
        name: "kek_one_chunk",
        description: "one KEK, 40 bytes, one chunk",
        size: 40,
        recipients: &["kek"],
        sender: false,
        signed: false,
        armored: false,
    },
    Spec {
        name: "kek_empty",
        description: "one KEK, empty plaintext: one empty final chunk",
        size: 0,
        recipients: &["kek"],
        sender: false,
        signed: false,
        armored: false,
    },
    Spec {
        name: "x25519_base",
        description: "HPKE base mode to X25519",
        size: 20,
        recipients: &["x25519"],
        sender: false,
        signed: false,
        armored: false,
    },
    Spec {
        name: "x25519_auth",
        description: "HPKE auth mode to X25519 from sender_x25519",
        size: 20,
        recipients: &["x25519"],
        sender: true,
        signed: false,
        armored: false,
    },
    Spec {
        name: "xwing",
        description: "HPKE base mode to X-Wing",
        size: 20,
        recipients: &["xwing"],
        sender: false,
        signed: false,
        armored: false,
    },
    Spec {
        name: "multi_recipient",
        description: "KEK, X25519 and X-Wing recipients",
        size: 70,
        recipients: &["kek", "x25519", "xwing"],
        sender: false,
        signed: false,
        armored: false,
    },
    Spec {
        name: "multi_chunk_exact",
        description: "KEK, 128 bytes = exactly two full 64-byte chunks, the second final",
        size: 128,
        recipients: &["kek"],
        sender: false,
        signed: false,
        armored: false,
    },
    Spec {
        name: "multi_chunk",
        description: "KEK, 150 bytes = 64 + 64 + 22",
        size: 150,
        recipients: &["kek"],
        sender: false,
        signed: false,
        armored: false,
    },
    Spec {
        name: "signed",
        description: "KEK, signed by ed25519_seed",
        size: 100,
        recipients: &["kek"],
        sender: false,
        signed: true,
        armored: false,
    },
    Spec {
        name: "armored",
        description: "KEK, armored text form",
        size: 30,
        recipients: &["kek"],
        sender: false,
        signed: false,
        armored: true,
    },
    Spec {
        name: "armored_crlf",
        description: "KEK, armored text form with every line ended by \\r\\n (readers accept \\n and \\r\\n)",
        size: 30,
        recipients: &["kek"],
        sender: false,
        signed: false,
        armored: true,
    },
];

fn seal_spec(s: &Spec, seed: u8) -> Vec<u8> {
    let kek = Kek::from_bytes(KEYS.kek);
    let x = X25519Identity::from_bytes(KEYS.x25519);
    let sender = X25519Identity::from_bytes(KEYS.sender);
    let xw = XWingIdentity::from_seed(KEYS.xwing_seed);
    let sk = SigningKey::from_bytes(KEYS.ed25519);
    let rs: Vec<Recipient<'_>> = s
        .recipients
        .iter()
        .map(|r| match *r {
            "kek" => Recipient::Kek(&kek),
            "x25519" => Recipient::X25519(x.recipient()),
            "xwing" => Recipient::XWing(xw.recipient()),
            _ => unreachable!(),
        })
        .collect();
    let mut opts = EnvelopeOptions::new(metadata(64), rs);
    if s.sender {
        opts = opts.with_sender(&sender);
    }
    if s.signed {
        opts = opts.with_signer(&sk);
    }
    format::seal_with_rng(&plaintext(s.size), &opts, &mut ChaCha20Rng::from_seed([seed; 32])).unwrap()
}

fn good_vectors() -> Vec<Value> {
    SPECS
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let seed = u8::try_from(i + 1).unwrap();
            let env = seal_spec(s, seed);
            let h = format::parse_header(&env).unwrap();
            let envelope = match (s.armored, s.name) {
                (true, "armored_crlf") => json!({ "armored": format::armor(&env).replace('\n', "\r\n") }),
                (true, _) => json!({ "armored": format::armor(&env) }),
                (false, _) => json!({ "hex": hex(&env) }),
            };
            json!({
                "name": s.name,
                "description": s.description,
                "rng": { "algorithm": "ChaCha20Rng (rand_core 0.10 SeedableRng)", "seed": hex(&[seed; 32]) },
                "keys": keys_json(),
                "recipients": s.recipients,
                "sender": s.sender,
                "signed": s.signed,
                "chunk_size": 64,
                "envelope": envelope,
                "header_len": h.len(),
                "object_id": hex(h.object_id()),
                "stanzas": h.stanzas().iter().map(|st| json!({"kind": st.kind().code(), "key_id": st.key_id().to_string()})).collect::<Vec<_>>(),
                "expect": { "plaintext": hex(&plaintext(s.size)) },
            })
        })
        .collect()
}

fn bad(name: &str, description: &str, env: &[u8], key: &str, error: &str) -> Value {
    json!({
        "name": name,
        "description": description,
        "keys": keys_json(),
        "open_with": key,
        "envelope": { "hex": hex(env) },
        "expect": { "error": error },
    })
}

fn bad_vectors() -> Vec<Value> {
    let base = seal_spec(&SPECS[7], 100); // multi_chunk
    let signed = seal_spec(&SPECS[8], 101);
    let hl = format::parse_header(&base).unwrap().len();
    let mut v = Vec::new();

    let mut e = base.clone();
    e[hl + 3] ^= 0x01;
    v.push(bad("fail_payload_bit", "one bit of the first chunk flipped", &e, "kek", "open_failed"));

    v.push(bad("fail_truncated_chunk", "the last (partial) chunk removed", &base[..hl + 2 * 80], "kek", "open_failed"));
    v.push(bad("fail_truncated_header", "cut inside the header", &base[..hl - 10], "kek", "truncated"));

    let mut e = base.clone();
    e[9] = 2;
    v.push(bad("fail_version", "version 2", &e, "kek", "unsupported_version"));

    let mut e = base.clone();
    e[11] = 9;
    v.push(bad("fail_suite", "suite 9", &e, "kek", "unsupported_suite"));

    let i = base.windows(13).position(|w| w == b"investigation").unwrap();
    let mut e = base.clone();
    e[i] = b'j';
    v.push(bad(
        "fail_purpose_tampered",
        "purpose 'investigation.financial' changed to 'jnvestigation.financial'",
        &e,
        "kek",
        "open_failed",
    ));

    let na = 1_900_000_000u64.to_be_bytes();
    let i = base.windows(8).position(|w| w == na).unwrap();
    let mut e = base.clone();
    e[i + 7] ^= 0x80;
    v.push(bad("fail_expiry_tampered", "not_after changed", &e, "kek", "open_failed"));

    // An unknown critical field (tag 0x8001, empty) appended to the fields; the fields length adjusted.
    let flen = u32::from_be_bytes(base[12..16].try_into().unwrap());
    let mut e = base[..12].to_vec();
    e.extend_from_slice(&(flen + 4).to_be_bytes());
    e.extend_from_slice(&base[16..16 + flen as usize]);
    e.extend_from_slice(&[0x80, 0x01, 0x00, 0x00]);
    e.extend_from_slice(&base[16 + flen as usize..]);
    v.push(bad("fail_unknown_critical_field", "field 0x8001 appended", &e, "kek", "unknown_critical_field"));

    let mut e = base[..12].to_vec();
    e.extend_from_slice(&0x4000_0000u32.to_be_bytes());
    e.resize(100, 0);
    v.push(bad("fail_huge_length", "fields length 1 GiB in a 100-byte input", &e, "kek", "limit_exceeded"));

    v.push(bad("fail_wrong_key", "opened with kek2, which has no stanza", &base, "kek2", "no_matching_recipient"));

    let mut e = signed.clone();
    let n = e.len();
    e[n - 1] ^= 0x01;
    v.push(bad("fail_signature", "last byte of the signature flipped", &e, "kek", "signature_invalid"));

    let mut e = base.clone();
    e[0] = b'X';
    v.push(bad("fail_magic", "bad magic", &e, "kek", "malformed"));

    let arm = format::armor(&base).replacen('\n', "\n ", 2);
    let mut val = bad("fail_armor", "a space at the start of the first base64 line", &[], "kek", "armor");
    val["envelope"] = json!({ "armored": arm });
    v.push(val);

    v.extend(more_bad_vectors());
    v
}

/// Where the first stanza's body starts: after the bound context (16 + fields_len), the stanza count and the stanza's
/// kind and length.
fn first_body(env: &[u8]) -> usize {
    16 + u32::from_be_bytes(env[12..16].try_into().unwrap()) as usize + 2 + 4
}

/// An X25519 public key of small order: `X25519(k, u)` is all zeros for every scalar `k` (checked here).
fn small_order_x25519() -> [u8; 32] {
    // The point of order 8 with this u-coordinate (RFC 7748 section 5 leaves such inputs to the protocol).
    let u: [u8; 32] = unhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800").try_into().unwrap();
    let shared = x25519_dalek::StaticSecret::from([0x5a; 32]).diffie_hellman(&x25519_dalek::PublicKey::from(u));
    assert_eq!(shared.as_bytes(), &[0u8; 32], "not of small order");
    u
}

fn armored(name: &str, description: &str, text: &str, key: &str, error: &str) -> Value {
    let mut val = bad(name, description, &[], key, error);
    val["envelope"] = json!({ "armored": text });
    val
}

fn more_bad_vectors() -> Vec<Value> {
    let mut v = Vec::new();
    let base = seal_spec(&SPECS[2], 102); // x25519_base
    let auth = seal_spec(&SPECS[3], 103); // x25519_auth
    let unsigned = seal_spec(&SPECS[0], 104); // kek_one_chunk
    let other_sender = X25519Identity::from_bytes([0x23; 32]);

    let mut e = base.clone();
    let b = first_body(&e);
    e[b + 16..b + 48].copy_from_slice(&small_order_x25519());
    v.push(bad(
        "fail_small_order_enc",
        "x25519 base stanza whose enc is a point of order 8: the DH output is all zeros, refused (RFC 9180 7.1.4)",
        &e,
        "x25519",
        "open_failed",
    ));

    let mut e = auth.clone();
    let b = first_body(&e);
    e[b + 16..b + 48].copy_from_slice(&small_order_x25519());
    v.push(bad(
        "fail_small_order_sender",
        "x25519-auth stanza whose sender_pk is a point of order 8: parses (any 32 bytes are an X25519 key), the auth DH is all zeros, refused",
        &e,
        "x25519",
        "open_failed",
    ));

    let mut e = auth.clone();
    let b = first_body(&e);
    e[b + 16..b + 48].copy_from_slice(&other_sender.recipient().to_bytes());
    v.push(bad(
        "fail_auth_sender_swapped",
        "x25519-auth stanza whose sender_pk is replaced by another valid key (secret 23..23): auth mode fails",
        &e,
        "x25519",
        "open_failed",
    ));

    let mut val = bad(
        "fail_auth_wrong_sender",
        "x25519-auth envelope from sender_x25519, opened requiring the sender require_sender (public key of secret 23..23)",
        &auth,
        "x25519",
        "signer_mismatch",
    );
    val["require_sender"] = json!(hex(&other_sender.recipient().to_bytes()));
    v.push(val);

    let mut val = bad(
        "fail_auth_required_base",
        "x25519 base-mode envelope (no sender), opened requiring the sender sender_x25519",
        &base,
        "x25519",
        "signer_mismatch",
    );
    val["require_sender"] = json!(hex(&X25519Identity::from_bytes(KEYS.sender).recipient().to_bytes()));
    v.push(val);

    let mut val = bad(
        "fail_signer_required_unsigned",
        "unsigned envelope opened requiring the signer of require_signer_seed",
        &unsigned,
        "kek",
        "signer_mismatch",
    );
    val["require_signer_seed"] = json!(hex(&KEYS.ed25519));
    v.push(val);

    // Non-canonical base64: the last character before the padding has a padding bit set.
    let env = [&unsigned[..], &[0u8]].concat();
    let env = if env.len() % 3 == 0 { [&env[..], &[0u8]].concat() } else { env };
    let text = format::armor(&env);
    let pad = text.find('=').unwrap();
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let at = pad - 1;
    let i = alphabet.iter().position(|&c| c == text.as_bytes()[at]).unwrap();
    let mut bytes = text.into_bytes();
    bytes[at] = alphabet[i + 1];
    v.push(armored(
        "fail_base64_noncanonical",
        "armored envelope whose last base64 character before the padding has a non-zero padding bit",
        &String::from_utf8(bytes).unwrap(),
        "kek",
        "armor",
    ));
    let text = format::armor(&unsigned).replacen("-----\n", "----- x\n", 1);
    v.push(armored(
        "fail_armor_text_after_begin",
        "text after the BEGIN line, on the same line",
        &text,
        "kek",
        "armor",
    ));
    let text = format::armor(&unsigned).replacen('\n', "\n\n", 1);
    v.push(armored("fail_armor_empty_line", "an empty line after the BEGIN line", &text, "kek", "armor"));

    // A signed envelope with one ciphertext bit flipped: the openers that read in order meet the chunk's tag first,
    // the random-access opener checks the signature over the whole ciphertext before any chunk (FORMAT.md 9).
    let signed = seal_spec(&SPECS[8], 105);
    let hl = format::parse_header(&signed).unwrap().len();
    let mut e = signed.clone();
    e[hl + 3] ^= 0x01;
    v.push(bad(
        "fail_signed_payload_bit",
        "signed envelope, one bit of the first chunk flipped: open_failed from every opener (chunks before signature)",
        &e,
        "kek",
        "open_failed",
    ));

    v.push(bad(
        "fail_magic_prefix",
        "the 5-byte input \"CUSTO\": a proper prefix of the magic",
        b"CUSTO",
        "kek",
        "truncated",
    ));
    v.push(bad("fail_empty", "the empty input (a prefix of the magic)", b"", "kek", "truncated"));
    v.push(bad(
        "fail_short_not_magic",
        "the 5-byte input \"CUSTX\": shorter than the magic and not a prefix of it",
        b"CUSTX",
        "kek",
        "malformed",
    ));
    v
}

/// An independent writer of format v1, written from `docs/FORMAT.md` alone (no custodia code): it builds the vectors
/// that the library cannot be asked to write (unknown fields and stanza kinds, limits, framing a writer never emits),
/// with a fixed data key, object id and wrap nonce, so that only the rule under test is broken.
mod craft {
    use chacha20poly1305::ChaCha20Poly1305;
    use chacha20poly1305::aead::{AeadInOut, KeyInit as _};
    use ed25519_dalek::Signer as _;
    use hkdf::Hkdf;
    use hmac::{Hmac, Mac as _};
    use sha2::{Digest as _, Sha256};

    pub(crate) const DATA_KEY: [u8; 32] = [0x55; 32];
    pub(crate) const OBJECT_ID: [u8; 16] = [0x66; 16];
    pub(crate) const KEK_NONCE: [u8; 12] = [0x77; 12];
    pub(crate) const CREATED: u64 = 1_790_000_000;

    pub(crate) mod tag {
        pub(crate) const OBJECT_ID: u16 = 0x0001;
        pub(crate) const CATEGORY: u16 = 0x0002;
        pub(crate) const CLASSIFICATION: u16 = 0x0003;
        pub(crate) const PURPOSES: u16 = 0x0004;
        pub(crate) const CASE_REF: u16 = 0x0005;
        pub(crate) const CREATED: u16 = 0x0009;
        pub(crate) const NOT_AFTER: u16 = 0x000a;
        pub(crate) const CHUNK_SIZE: u16 = 0x000b;
        pub(crate) const COMMITMENT: u16 = 0x000c;
        pub(crate) const SIGNER: u16 = 0x000d;
    }

    fn expand(info: &[u8]) -> [u8; 32] {
        let mut k = [0u8; 32];
        Hkdf::<Sha256>::new(Some(&OBJECT_ID), &DATA_KEY).expand(info, &mut k).unwrap();
        k
    }

    pub(crate) fn key_id(kind: &str, material: &[u8]) -> [u8; 16] {
        let mut h = Sha256::new();
        h.update(b"custodia/v1/key-id/");
        h.update(kind.as_bytes());
        h.update([0u8]);
        h.update(material);
        h.finalize()[..16].try_into().unwrap()
    }

    /// The required fields (financial_records, confidential, `investigation`, 64-byte chunks), ascending by tag.
    pub(crate) fn fields(signer: Option<[u8; 32]>) -> Vec<(u16, Vec<u8>)> {
        let mut purposes = vec![1u8, 13];
        purposes.extend_from_slice(b"investigation");
        let mut f = vec![
            (tag::OBJECT_ID, OBJECT_ID.to_vec()),
            (tag::CATEGORY, 3u16.to_be_bytes().to_vec()),
            (tag::CLASSIFICATION, vec![2]),
            (tag::PURPOSES, purposes),
            (tag::CREATED, CREATED.to_be_bytes().to_vec()),
            (tag::CHUNK_SIZE, 64u32.to_be_bytes().to_vec()),
            (tag::COMMITMENT, expand(b"custodia/v1/commitment").to_vec()),
        ];
        if let Some(pk) = signer {
            f.push((tag::SIGNER, pk.to_vec()));
        }
        f
    }

    /// Put `value` under `tag`, replacing a field with that tag, keeping the tags ascending.
    pub(crate) fn set(fields: &mut Vec<(u16, Vec<u8>)>, tag: u16, value: Vec<u8>) {
        fields.retain(|(t, _)| *t != tag);
        fields.push((tag, value));
        fields.sort_by_key(|(t, _)| *t);
    }

    pub(crate) fn bound(fields: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut body = Vec::new();
        for (t, v) in fields {
            body.extend_from_slice(&t.to_be_bytes());
            body.extend_from_slice(&u16::try_from(v.len()).unwrap().to_be_bytes());
            body.extend_from_slice(v);
        }
        let mut out = b"CUSTODIA".to_vec();
        out.extend_from_slice(&1u16.to_be_bytes());
        out.extend_from_slice(&1u16.to_be_bytes());
        out.extend_from_slice(&u32::try_from(body.len()).unwrap().to_be_bytes());
        out.extend_from_slice(&body);
        out
    }

    /// A `kek` stanza (kind 1) for `kek`, wrapped over `sealed`.
    pub(crate) fn kek_stanza(kek: &[u8; 32], sealed: &[u8]) -> (u16, Vec<u8>) {
        let id = key_id("kek", kek);
        let mut wrap_key = [0u8; 32];
        Hkdf::<Sha256>::new(Some(&OBJECT_ID), kek).expand(b"custodia/v1/kek-wrap", &mut wrap_key).unwrap();
        let mut aad = 1u16.to_be_bytes().to_vec();
        aad.extend_from_slice(&id);
        aad.extend_from_slice(sealed);
        let mut buf = DATA_KEY;
        let tag = ChaCha20Poly1305::new(&wrap_key.into())
            .encrypt_inout_detached(&KEK_NONCE.into(), &aad, buf.as_mut_slice().into())
            .unwrap();
        let mut body = id.to_vec();
        body.extend_from_slice(&KEK_NONCE);
        body.extend_from_slice(&buf);
        body.extend_from_slice(tag.as_slice());
        (1, body)
    }

    /// Bound context, stanza count, stanzas, header MAC.
    pub(crate) fn header(bound: &[u8], stanzas: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut h = bound.to_vec();
        h.extend_from_slice(&u16::try_from(stanzas.len()).unwrap().to_be_bytes());
        for (k, b) in stanzas {
            h.extend_from_slice(&k.to_be_bytes());
            h.extend_from_slice(&u16::try_from(b.len()).unwrap().to_be_bytes());
            h.extend_from_slice(b);
        }
        let mut mac = Hmac::<Sha256>::new_from_slice(&expand(b"custodia/v1/header-mac")).unwrap();
        mac.update(&h);
        h.extend_from_slice(&mac.finalize().into_bytes());
        h
    }

    /// STREAM chunks, each `(plaintext, last)`, numbered from 0.
    pub(crate) fn chunks(pieces: &[(&[u8], bool)]) -> Vec<u8> {
        let aead = ChaCha20Poly1305::new(&expand(b"custodia/v1/payload").into());
        let mut out = Vec::new();
        for (i, (pt, last)) in pieces.iter().enumerate() {
            let mut nonce = [0u8; 12];
            nonce[3..11].copy_from_slice(&(i as u64).to_be_bytes());
            nonce[11] = u8::from(*last);
            let mut buf = pt.to_vec();
            let tag = aead.encrypt_inout_detached(&nonce.into(), &[], buf.as_mut_slice().into()).unwrap();
            out.extend_from_slice(&buf);
            out.extend_from_slice(tag.as_slice());
        }
        out
    }

    /// The signature over the sealed context and the chunks.
    pub(crate) fn signature(seed: &[u8; 32], sealed: &[u8], chunks: &[u8]) -> Vec<u8> {
        let transcript = Sha256::new().chain_update(sealed).chain_update(chunks).finalize();
        let mut msg = b"custodia/v1/signature\0".to_vec();
        msg.extend_from_slice(&transcript);
        ed25519_dalek::SigningKey::from_bytes(seed).sign(&msg).to_bytes().to_vec()
    }

    /// Plaintext cut as a writer must: full 64-byte chunks, the last 1..64 bytes (one empty chunk if empty).
    pub(crate) fn pieces(pt: &[u8]) -> Vec<(&[u8], bool)> {
        if pt.is_empty() {
            return vec![(pt, true)];
        }
        let n = pt.len().div_ceil(64);
        pt.chunks(64).enumerate().map(|(i, c)| (c, i + 1 == n)).collect()
    }
}

/// A crafted vector: `fields` and `stanzas` (a KEK stanza for `keys.kek` is added where `kek_at` says), `payload`.
struct Crafted {
    name: &'static str,
    description: &'static str,
    fields: Vec<(u16, Vec<u8>)>,
    /// Stanzas other than the KEK one, and the index the KEK stanza is inserted at.
    others: Vec<(u16, Vec<u8>)>,
    kek_at: usize,
    payload: Vec<u8>,
}

impl Crafted {
    fn new(name: &'static str, description: &'static str) -> Self {
        let pt = plaintext(100);
        Self {
            name,
            description,
            fields: craft::fields(None),
            others: Vec::new(),
            kek_at: 0,
            payload: craft::chunks(&craft::pieces(&pt)),
        }
    }

    fn envelope(&self) -> Vec<u8> {
        let bound = craft::bound(&self.fields);
        let mut stanzas = self.others.clone();
        stanzas.insert(self.kek_at.min(stanzas.len()), craft::kek_stanza(&KEYS.kek, &bound));
        let mut env = craft::header(&bound, &stanzas);
        env.extend_from_slice(&self.payload);
        env
    }

    fn good(&self, size: usize) -> Value {
        let env = self.envelope();
        let h = format::parse_header(&env).unwrap();
        json!({
            "name": self.name,
            "description": self.description,
            "crafted": { "data_key": hex(&craft::DATA_KEY), "object_id": hex(&craft::OBJECT_ID), "kek_nonce": hex(&craft::KEK_NONCE) },
            "keys": keys_json(),
            "recipients": ["kek"],
            "sender": false,
            "signed": false,
            "chunk_size": 64,
            "envelope": { "hex": hex(&env) },
            "header_len": h.len(),
            "object_id": hex(h.object_id()),
            "stanzas": h.stanzas().iter().map(|st| json!({"kind": st.kind().code(), "key_id": st.key_id().to_string()})).collect::<Vec<_>>(),
            "expect": { "plaintext": hex(&plaintext(size)) },
        })
    }

    fn bad(&self, error: &str) -> Value {
        let mut v = bad(self.name, self.description, &self.envelope(), "kek", error);
        v["crafted"] = json!({ "data_key": hex(&craft::DATA_KEY), "object_id": hex(&craft::OBJECT_ID), "kek_nonce": hex(&craft::KEK_NONCE) });
        v
    }
}

/// An unknown stanza kind's body: a key id, then `extra` bytes.
fn unknown_stanza(kind: u16, id_byte: u8, extra: usize) -> (u16, Vec<u8>) {
    let mut b = vec![id_byte; 16];
    b.resize(16 + extra, 0xab);
    (kind, b)
}

/// The first non-canonical encoding of an Ed25519 point of large order: y + p for a small y (the decoder reduces
/// y modulo p).
fn noncanonical_ed25519() -> [u8; 32] {
    for y in 2u8..=18 {
        // p + y = 2^255 - 19 + y, little-endian.
        let mut b = [0xffu8; 32];
        b[31] = 0x7f;
        b[0] = 0xed + y;
        if let Ok(k) = ed25519_dalek::VerifyingKey::from_bytes(&b)
            && !k.is_weak()
        {
            assert_ne!(k.to_edwards().compress().to_bytes(), b, "the encoding is not canonical");
            return b;
        }
    }
    unreachable!("some y below 19 is on the curve")
}

fn crafted_vectors() -> Vec<Value> {
    use craft::tag;
    let mut v = Vec::new();

    let mut c = Crafted::new(
        "unknown_noncritical_field",
        "unknown non-critical fields 0x0100 (\"future\") and 0x7fff (empty) between known ones: kept, authenticated, opened",
    );
    craft::set(&mut c.fields, 0x0100, b"future".to_vec());
    craft::set(&mut c.fields, 0x7fff, Vec::new());
    v.push(c.good(100));

    let mut c = Crafted::new(
        "unknown_stanza_kind",
        "a stanza of unknown kind 0x7f01 (16-byte key id + 4 bytes) before the KEK stanza: skipped, kept, MACed",
    );
    c.others = vec![unknown_stanza(0x7f01, 0xee, 4)];
    c.kek_at = 1;
    v.push(c.good(100));

    // Header exactly 65,536 bytes (inclusive limit), and one byte more.
    let mut c = Crafted::new(
        "header_max_len",
        "header exactly 65536 bytes (the limit is inclusive), padded by an unknown stanza kind",
    );
    let fixed = craft::bound(&c.fields).len() + 2 + (4 + 76) + 4 + 32;
    c.others = vec![unknown_stanza(0x7f01, 0xee, 65_536 - fixed - 16)];
    v.push(c.good(100));
    let mut c = Crafted::new("fail_header_too_long", "header of 65537 bytes: one over the limit");
    c.others = vec![unknown_stanza(0x7f01, 0xee, 65_536 - fixed - 16 + 1)];
    v.push(c.bad("limit_exceeded"));

    let mut c = Crafted::new("fail_stanza_count", "65 stanzas (the KEK one and 64 of unknown kind): the limit is 64");
    c.others = (0..64).map(|i| unknown_stanza(0x7f01, i, 0)).collect();
    v.push(c.bad("limit_exceeded"));

    let mut c = Crafted::new(
        "fail_field_count",
        "65 fields (the 7 required and 58 empty unknown non-critical ones): the limit is 64",
    );
    for t in 0..58u16 {
        craft::set(&mut c.fields, 0x0100 + t, Vec::new());
    }
    v.push(c.bad("limit_exceeded"));

    let mut c = Crafted::new("fail_chunk_size_large", "chunk_size 16777217: one over the limit");
    craft::set(&mut c.fields, tag::CHUNK_SIZE, 16_777_217u32.to_be_bytes().to_vec());
    v.push(c.bad("limit_exceeded"));

    let mut c =
        Crafted::new("fail_chunk_size_small", "chunk_size 63: below the minimum (a minimum is not a limit: malformed)");
    craft::set(&mut c.fields, tag::CHUNK_SIZE, 63u32.to_be_bytes().to_vec());
    v.push(c.bad("malformed"));

    let mut c = Crafted::new("fail_case_ref_long", "case_ref of 129 bytes: over its limit");
    craft::set(&mut c.fields, tag::CASE_REF, vec![b'A'; 129]);
    v.push(c.bad("limit_exceeded"));

    let mut c = Crafted::new("fail_purpose_count_zero", "purposes field with count 0: a zero count is malformed");
    craft::set(&mut c.fields, tag::PURPOSES, vec![0]);
    v.push(c.bad("malformed"));

    let mut c = Crafted::new("fail_not_after_before_created", "not_after one second before created");
    craft::set(&mut c.fields, tag::NOT_AFTER, (craft::CREATED - 1).to_be_bytes().to_vec());
    v.push(c.bad("malformed"));

    let mut c = Crafted::new(
        "fail_signer_noncanonical",
        "signer field: a non-canonical encoding (y + p) of a point of large order",
    );
    craft::set(&mut c.fields, tag::SIGNER, noncanonical_ed25519().to_vec());
    v.push(c.bad("malformed"));

    let mut c = Crafted::new("fail_signer_small_order", "signer field: the identity point (small order)");
    let mut id = [0u8; 32];
    id[0] = 1;
    craft::set(&mut c.fields, tag::SIGNER, id.to_vec());
    v.push(c.bad("malformed"));

    let mut c =
        Crafted::new("fail_duplicate_key_id", "a stanza of unknown kind naming the KEK's key id, after the KEK stanza");
    let mut dup = unknown_stanza(0x7f01, 0, 4);
    dup.1[..16].copy_from_slice(&craft::key_id("kek", &KEYS.kek));
    c.others = vec![dup];
    v.push(c.bad("malformed"));

    let mut c = Crafted::new(
        "fail_unknown_stanza_short",
        "a stanza of unknown kind with a 15-byte body (shorter than a key id)",
    );
    c.others = vec![(0x7f01, vec![0xee; 15])];
    c.kek_at = 1;
    v.push(c.bad("malformed"));

    let pt = plaintext(128);
    let mut c =
        Crafted::new("fail_empty_final_chunk", "128 bytes as two non-final 64-byte chunks and an empty final chunk");
    c.payload = craft::chunks(&[(&pt[..64], false), (&pt[64..], false), (&[], true)]);
    v.push(c.bad("open_failed"));

    let mut c =
        Crafted::new("fail_short_final_chunk", "a full chunk, then a final chunk of 10 bytes (under a tag's 16)");
    c.payload = craft::chunks(&[(&pt[..64], false), (&pt[64..74], true)]);
    c.payload.truncate(80 + 10);
    v.push(c.bad("truncated"));

    let mut c = Crafted::new("fail_no_payload", "a valid header and no payload at all");
    c.payload = Vec::new();
    v.push(c.bad("truncated"));

    // Signed by the vector's Ed25519 key; opened requiring another signer.
    let seed = KEYS.ed25519;
    let pk = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key().to_bytes();
    let mut c =
        Crafted::new("fail_signer_mismatch", "signed by ed25519_seed, opened requiring the key of require_signer_seed");
    c.fields = craft::fields(Some(pk));
    let sealed = craft::bound(&c.fields);
    let sig = craft::signature(&seed, &sealed, &c.payload);
    c.payload.extend_from_slice(&sig);
    let mut val = c.bad("signer_mismatch");
    val["require_signer_seed"] = json!(hex(&[0x42; 32]));
    v.push(val);
    v
}

fn key_for(name: &str) -> Box<dyn Unwrap> {
    match name {
        "kek" => Box::new(Kek::from_bytes(KEYS.kek)),
        "kek2" => Box::new(Kek::from_bytes(KEYS.kek2)),
        "x25519" => Box::new(X25519Identity::from_bytes(KEYS.x25519)),
        "xwing" => Box::new(XWingIdentity::from_seed(KEYS.xwing_seed)),
        _ => unreachable!(),
    }
}

fn envelope_bytes(v: &Value) -> Vec<u8> {
    let e = &v["envelope"];
    if let Some(h) = e["hex"].as_str() { unhex(h) } else { e["armored"].as_str().unwrap().as_bytes().to_vec() }
}

fn all_vectors() -> Vec<Value> {
    let mut v = good_vectors();
    v.extend(bad_vectors());
    v.extend(crafted_vectors());
    v
}

/// The error inside an `io::Error` from [`format::Reader`].
fn from_io(e: std::io::Error) -> Error {
    match e.into_inner().map(|b| b.downcast::<Error>()) {
        Some(Ok(b)) => *b,
        Some(Err(b)) => Error::Io(std::io::Error::other(b)),
        None => Error::Io(std::io::Error::other("io")),
    }
}

/// What each opener returns for a vector: in memory, sequential stream, seekable reader. They must agree.
fn open_three_ways(
    env: &[u8],
    key: &dyn Unwrap,
    identity: Option<&X25519Identity>,
    signer: Option<&VerifyingKey>,
    sender: Option<&X25519Recipient>,
) -> [(&'static str, Result<Vec<u8>, Error>); 3] {
    let unwrap = |h: &format::Header| match (identity, sender) {
        (Some(id), Some(s)) => format::unwrap_with_x25519(h, id, Some(s)),
        _ => key.unwrap_data_key(h),
    };
    let memory = (|| {
        let h = format::parse_header(env)?;
        let dk = unwrap(&h)?;
        Ok(format::open_payload(&h, &dk, env, signer)?.plaintext.expose_secret().clone())
    })();
    let stream = (|| {
        let bin = format::to_binary(env)?;
        let mut src: &[u8] = &bin;
        let h = format::read_header(&mut src)?;
        let dk = unwrap(&h)?;
        let mut out = Vec::new();
        format::open_stream(&h, &dk, &mut src, &mut out, signer)?;
        Ok(out)
    })();
    let seekable = (|| {
        let bin = format::to_binary(env)?.into_owned();
        let mut src = std::io::Cursor::new(bin);
        let h = format::read_header(&mut src)?;
        let dk = unwrap(&h)?;
        let mut r = format::Reader::new(&h, &dk, src, signer)?;
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut r, &mut out).map_err(from_io)?;
        Ok(out)
    })();
    [("memory", memory), ("stream", stream), ("seekable", seekable)]
}

#[test]
fn committed_vectors_open_as_expected() {
    if std::env::var_os("CUSTODIA_REGEN_VECTORS").is_some() {
        std::fs::create_dir_all(dir()).unwrap();
        for v in all_vectors() {
            let path = dir().join(format!("{}.json", v["name"].as_str().unwrap()));
            std::fs::write(path, serde_json::to_string_pretty(&v).unwrap() + "\n").unwrap();
        }
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let regenerated = all_vectors();
    assert_eq!(files.len(), regenerated.len(), "every generated vector is committed, and nothing else");
    let mut checked_errors = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for path in files {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let name = v["name"].as_str().unwrap();
        let env = envelope_bytes(&v);
        let sk = SigningKey::from_bytes(arr32(v["keys"]["ed25519_seed"].as_str().unwrap()));
        if let Some(pt) = v["expect"]["plaintext"].as_str() {
            for r in v["recipients"].as_array().unwrap() {
                let key = key_for(r.as_str().unwrap());
                let required = v["signed"].as_bool().unwrap().then(|| sk.verifying_key());
                let o =
                    format::open(&env, &[key.as_ref()], required.as_ref()).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(hex(o.plaintext.expose_secret()), pt, "{name}");
                for (mode, r) in open_three_ways(&env, key.as_ref(), None, required.as_ref(), None) {
                    assert_eq!(hex(&r.unwrap_or_else(|e| panic!("{name} ({mode}): {e}"))), pt, "{name} ({mode})");
                }
                if v["sender"].as_bool().unwrap() {
                    let s = X25519Identity::from_bytes(arr32(v["keys"]["sender_x25519"].as_str().unwrap()));
                    assert_eq!(o.sender.as_ref(), Some(s.recipient()), "{name}");
                }
            }
            let h = format::parse_header(&env).unwrap();
            assert_eq!(h.len() as u64, v["header_len"].as_u64().unwrap(), "{name}");
            assert_eq!(hex(h.object_id()), v["object_id"].as_str().unwrap(), "{name}");
        } else {
            let want = v["expect"]["error"].as_str().unwrap();
            let with = v["open_with"].as_str().unwrap();
            let key = key_for(with);
            let signer = v["require_signer_seed"].as_str().map(|s| SigningKey::from_bytes(arr32(s)).verifying_key());
            let sender = v["require_sender"].as_str().map(|s| X25519Recipient::from_bytes(arr32(s)).unwrap());
            let identity = X25519Identity::from_bytes(arr32(v["keys"]["x25519"].as_str().unwrap()));
            let identity = (with == "x25519").then_some(&identity);
            if signer.is_none() && sender.is_none() {
                match format::open(&env, &[key.as_ref()], None) {
                    Err(got) if got.kind_name() == want => {}
                    Err(got) => failures.push(format!("{name}: want {want}, got {got}")),
                    Ok(_) => failures.push(format!("{name}: want {want}, but it opened")),
                }
            }
            // The three openers agree on the error kind of every must-fail vector.
            for (mode, r) in open_three_ways(&env, key.as_ref(), identity, signer.as_ref(), sender.as_ref()) {
                let want = match v["expect"]["seekable_error"].as_str() {
                    Some(w) if mode == "seekable" => w,
                    _ => want,
                };
                match r {
                    Err(got) if got.kind_name() == want => {}
                    Err(got) => failures.push(format!("{name} ({mode}): want {want}, got {got}")),
                    Ok(_) => failures.push(format!("{name} ({mode}): want {want}, but it opened")),
                }
            }
            checked_errors.insert(want.to_owned());
        }
        // Sealing again with the recorded keys and seed reproduces the committed bytes exactly.
        let again = regenerated.iter().find(|r| r["name"] == v["name"]).unwrap_or_else(|| panic!("{name}: no spec"));
        assert_eq!(again, &v, "{name}: format drifted; regenerate deliberately");
    }
    assert!(failures.is_empty(), "{} must-fail checks failed:\n{}", failures.len(), failures.join("\n"));
    // Every error kind the must-fail vectors name was checked (a vector cannot silently stop being replayed).
    let named: std::collections::BTreeSet<String> =
        regenerated.iter().filter_map(|v| v["expect"]["error"].as_str().map(str::to_owned)).collect();
    assert_eq!(checked_errors, named);
}

/// The order of checks of FORMAT.md section 9, where two defects meet: the first check in that order wins.
#[test]
fn the_first_failing_check_in_the_specified_order_wins() {
    use craft::tag;
    let parse = |fields: &[(u16, Vec<u8>)], cut: Option<usize>| {
        let mut c = Crafted::new("x", "x");
        c.fields = fields.to_vec();
        let env = c.envelope();
        let env = &env[..cut.unwrap_or(env.len())];
        format::parse_header(env).map(|_| ()).unwrap_err().kind_name()
    };
    // Field by field: a malformed field before an unknown critical one is malformed ...
    let mut f = craft::fields(None);
    craft::set(&mut f, tag::SIGNER, vec![0; 31]);
    craft::set(&mut f, 0x8001, Vec::new());
    assert_eq!(parse(&f, None), "malformed");
    // ... and an unknown critical field before a malformed one (the empty grants field, 0x800e) wins over it.
    let mut f = craft::fields(None);
    craft::set(&mut f, 0x8001, Vec::new());
    craft::set(&mut f, 0x800e, vec![0]);
    assert_eq!(parse(&f, None), "unknown_critical_field");
    // A limit inside a field is met where that field is read: a later malformed field does not matter.
    let mut f = craft::fields(None);
    craft::set(&mut f, tag::CASE_REF, vec![b'A'; 129]);
    craft::set(&mut f, tag::SIGNER, vec![0; 31]);
    assert_eq!(parse(&f, None), "limit_exceeded");
    // Fields are read whole before any is checked: truncation inside them wins over a malformed field.
    let mut f = craft::fields(None);
    craft::set(&mut f, tag::CATEGORY, 99u16.to_be_bytes().to_vec());
    assert_eq!(parse(&f, None), "malformed");
    assert_eq!(parse(&f, Some(40)), "truncated");
    // Cross-field rules come after every field: a missing required field and an unknown critical one.
    let mut f = craft::fields(None);
    f.retain(|(t, _)| *t != tag::CREATED);
    assert_eq!(parse(&f, None), "malformed");
    craft::set(&mut f, 0x8001, Vec::new());
    assert_eq!(parse(&f, None), "unknown_critical_field");
    // A stanza body that would pass the header limit is limit_exceeded even when the input ends first.
    let mut c = Crafted::new("x", "x");
    c.others = vec![unknown_stanza(0x7f01, 0xee, 65_535 - 16)];
    let env = c.envelope();
    let hl = format::parse_header(&env).map(|_| ()).unwrap_err();
    assert_eq!(hl.kind_name(), "limit_exceeded", "{hl}");
    let cut = craft::bound(&c.fields).len() + 2 + 80 + 4 + 10;
    assert_eq!(format::parse_header(&env[..cut]).map(|_| ()).unwrap_err().kind_name(), "limit_exceeded");
}
