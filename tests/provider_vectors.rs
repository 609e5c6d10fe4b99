//! The `pkcs11-aes-gcm` stanza vector (docs/FORMAT.md section 13): `tests/vectors/providers/pkcs11_aes_gcm.json`, an envelope
//! sealed to a token KEK whose bytes and `CKA_ID` are given. An implementation with the key opens it with any
//! AES-256-GCM (here: ring, through the software provider); one without it parses the header and refuses with
//! `no_matching_recipient`, never `malformed`. The Rust test re-seals it byte for byte (fixed RNG seed, counter IVs);
//! regenerate with `CUSTODIA_REGEN_VECTORS=1 cargo test --test provider_vectors`.

mod common;

use std::path::PathBuf;

use chacha20::ChaCha20Rng;
use common::soft_provider::{SoftProvider, token_key_id};
use custodia::format::{self, EnvelopeOptions, Kek, Metadata, Recipient, StanzaKind, Unwrap};
use custodia::{Category, ErrorKind, PurposeSet, Timestamp};
use rand_core::SeedableRng;
use serde_json::{Value, json};

const CKA_ID: &[u8] = b"custodia-vector-kek";
const KEK: [u8; 32] = [0x6b; 32];
const SEED: [u8; 32] = [0x11; 32];
const PLAINTEXT: &[u8] = b"MLA request 2026/0042: bank statements, account NL91ABNA0417164300";

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/providers/pkcs11_aes_gcm.json")
}

fn build() -> Value {
    let provider = SoftProvider::new(&[(CKA_ID, KEK)]);
    let id = token_key_id(CKA_ID);
    let meta = Metadata::new(
        Category::FinancialRecords,
        PurposeSet::parse(&["investigation"]).expect("purposes"),
        Timestamp::from_unix(1_790_000_000),
    );
    let opts = EnvelopeOptions::new(meta, vec![Recipient::Provider(&provider, id)]);
    let env = format::seal_with_rng(PLAINTEXT, &opts, &mut ChaCha20Rng::from_seed(SEED)).expect("seal");
    let header = format::parse_header(&env).expect("header");
    json!({
        "description": "pkcs11-aes-gcm stanza (kind 5): AES-256-GCM under a token KEK, FORMAT.md section 13",
        "keys": { "kek": hex(&KEK), "cka_id": hex(CKA_ID) },
        "key_id": id.to_string(),
        "rng": { "algorithm": "ChaCha20Rng (rand_core 0.10 SeedableRng)", "seed": hex(&SEED) },
        "gcm_iv": "the test provider's counter: 00000000 || u64 BE, from 1 (a token draws it at random)",
        "envelope": { "hex": hex(&env) },
        "header_len": header.len(),
        "plaintext": hex(PLAINTEXT),
        "stanzas": [{ "kind": 5, "body_len": 76, "key_id": id.to_string() }],
        "expect_without_key": { "error": "no_matching_recipient" },
    })
}

#[test]
fn the_pkcs11_stanza_vector_reseals_opens_with_the_key_and_is_refused_cleanly_without() {
    let built = build();
    if std::env::var_os("CUSTODIA_REGEN_VECTORS").is_some() {
        std::fs::write(path(), serde_json::to_string_pretty(&built).expect("json") + "\n").expect("write");
    }
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(path()).expect("vector")).expect("json");
    assert_eq!(stored, built, "the vector no longer re-seals byte for byte");
    let env = unhex(stored["envelope"]["hex"].as_str().expect("hex"));
    let header = format::parse_header(&env).expect("a header with a kind-5 stanza parses");
    let stanza = &header.stanzas()[0];
    assert_eq!(stanza.kind(), StanzaKind::Pkcs11AesGcm);
    assert_eq!(stanza.key_id(), token_key_id(&unhex(stored["keys"]["cka_id"].as_str().expect("cka"))));
    // Without the key: a KEK of the keyring kind cannot open it, and no provider holds it -> no matching recipient.
    let unrelated: &dyn Unwrap = &Kek::from_bytes(KEK);
    let e = format::open(&env, &[unrelated], None).expect_err("no key");
    assert_eq!(e.kind(), ErrorKind::NoMatchingRecipient, "{e}");
    // With the key (any AES-256-GCM): the stanza opens under the stanza AAD, and the payload with the data key.
    let provider = SoftProvider::new(&[(CKA_ID, KEK)]);
    let via: &dyn Unwrap = &format::ViaProvider(&provider);
    let opened = format::open(&env, &[via], None).expect("open");
    assert_eq!(opened.plaintext.expose_secret().as_slice(), PLAINTEXT);
    assert_eq!(provider.opened.load(std::sync::atomic::Ordering::SeqCst), 1);
    // A provider holding another KEK under the same CKA_ID fails the tag: OpenFailed, not a key.
    let wrong = SoftProvider::new(&[(CKA_ID, [0x6c; 32])]);
    let via: &dyn Unwrap = &format::ViaProvider(&wrong);
    assert_eq!(format::open(&env, &[via], None).expect_err("wrong kek").kind(), ErrorKind::OpenFailed);
}
