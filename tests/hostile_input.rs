//! Every parser of untrusted bytes returns a typed error, never panics, on arbitrary and on mutated input.
//!
//! Property tests stand in for a coverage-guided fuzzer here (no nightly toolchain on the build machines): random
//! bytes, and valid inputs with random bytes replaced, inserted or cut.

use custodia::decode_public;
use custodia::format::Kek;
use custodia::format::{self, EnvelopeOptions, Metadata, Recipient};
use custodia::{Category, Purpose, PurposeSet, Timestamp};
use proptest::prelude::*;

fn sealed() -> (Vec<u8>, Kek) {
    let kek = Kek::from_bytes([9; 32]);
    let mut meta = Metadata::new(
        Category::Evidence,
        PurposeSet::parse(&["investigation", "prosecution.trial"]).expect("purposes"),
        Timestamp::from_unix(1_800_000_000),
    );
    meta.chunk_size = 64;
    let env = format::seal(&[5u8; 200], &EnvelopeOptions::new(meta, vec![Recipient::Kek(&kek)])).expect("seal");
    (env, kek)
}

fn mutate(base: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut v = base.to_vec();
    for &(pos, byte, op) in edits {
        if v.is_empty() {
            v.push(byte);
            continue;
        }
        let i = pos % v.len();
        match op % 3 {
            0 => v[i] = byte,
            1 => v.insert(i, byte),
            _ => v.truncate(i),
        }
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn envelope_parser_never_panics_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = format::parse_header(&bytes);
        let _ = format::dearmor(&bytes);
        let mut prefixed = b"CUSTODIA".to_vec();
        prefixed.extend_from_slice(&bytes);
        let _ = format::parse_header(&prefixed);
    }

    #[test]
    fn mutated_envelopes_fail_cleanly(edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..4)) {
        let (env, kek) = sealed();
        let m = mutate(&env, &edits);
        if m != env {
            // Either the header does not parse, or the open fails; it never returns other plaintext.
            if let Ok(h) = format::parse_header(&m) {
                let _ = h.terms();
                if let Ok(dk) = format::unwrap_with_kek(&h, &kek) {
                    let opened = format::open_payload(&h, &dk, &m, None);
                    prop_assert!(opened.is_err(), "a mutated envelope opened");
                }
            }
        }
        let armored = format::armor(&env);
        let m = mutate(armored.as_bytes(), &edits);
        // Armor has no integrity of its own: a dearmored mutation must still fail to open, as above.
        if let Ok(bin) = format::dearmor(&m)
            && bin != env
            && let Ok(h) = format::parse_header(&bin)
            && let Ok(dk) = format::unwrap_with_kek(&h, &kek)
        {
            prop_assert!(format::open_payload(&h, &dk, &bin, None).is_err(), "a mutated armored envelope opened");
        }
    }

    #[test]
    fn text_parsers_never_panic(s in "\\PC{0,200}") {
        let _ = Purpose::parse(&s);
        let _ = decode_public(&s);
        let _ = custodia::Jurisdiction::parse(&s);
        let _ = custodia::CaseRef::parse(&s);
        let _ = s.parse::<custodia::KeyId>();
        let _ = custodia::audit::verify_reader(s.as_bytes(), &custodia::audit::SigningKey::from_bytes([1; 32]).verifying_key(), &[]);
    }
}
