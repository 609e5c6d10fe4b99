//! The allocating seal and open (`format::seal`, `format::open_payload`) write large outputs into buffers advised
//! for huge pages (docs/MEMORY.md "Large outputs: huge-page advice"), and the bytes are the same as through the
//! reused-buffer calls. Where the kernel cannot tell (not Linux, transparent huge pages `never`) only the bytes are
//! checked.

use custodia::format::{self, EnvelopeOptions, Kek, Metadata, Recipient};
use custodia::{Category, PurposeSet, Timestamp};
use custodia_testkit::huge_page_advice;

const HUGE: usize = 2 << 20;

fn advised(buf: &[u8]) -> Option<bool> {
    huge_page_advice((buf.as_ptr() as usize).next_multiple_of(HUGE))
}

#[test]
fn large_seal_and_open_outputs_are_advised_and_unchanged() {
    let kek = Kek::from_bytes([3; 32]);
    let meta = Metadata::new(
        Category::Evidence,
        PurposeSet::parse(&["investigation"]).expect("purpose"),
        Timestamp::from_unix(1_800_000_000),
    );
    let opts = EnvelopeOptions::new(meta, vec![Recipient::Kek(&kek)]);
    let plaintext: Vec<u8> = (0..12 << 20).map(|i: u32| (i % 253) as u8).collect();

    let env = format::seal(&plaintext, &opts).expect("seal");
    assert_ne!(advised(&env), Some(false), "the sealed envelope's buffer has no huge-page advice");

    let header = format::parse_header(&env).expect("header");
    let dk = format::unwrap_with_kek(&header, &kek).expect("unwrap");
    let opened = format::open_payload(&header, &dk, &env, None).expect("open");
    let pt = opened.plaintext.expose_secret();
    assert_ne!(advised(pt), Some(false), "the opened plaintext's buffer has no huge-page advice");
    assert!(pt.as_slice() == plaintext.as_slice(), "the plaintext came back changed");

    // The same bytes through a reused buffer (no advice needed there).
    let mut reused = Vec::new();
    format::open_payload_into(&header, &dk, &env, None, &mut reused).expect("open into");
    assert!(reused == plaintext);
}
