//! No secret or plaintext is left behind in freed heap memory (issue 18 §2; docs/MEMORY.md).
//!
//! This test binary's `#[global_allocator]` scans every block the program frees (`dealloc`, and so every `realloc`
//! that moves: `realloc` is left to the trait's default, which allocates, copies and frees the old block through
//! `dealloc`) for the bytes of planted test secrets and plaintexts: a passphrase, a raw master key, every generated
//! key's secret (raw and in the keyring body's base64), and a plaintext marker. A hit is a freed block that still held
//! one of them, which the next allocation could hand to anyone. After seal, open (in memory and streamed), rotate,
//! destroy (crypto-shred), keyring saves and failed opens: zero hits.
//!
//! The scanner is itself tested: a buffer dropped without wiping IS detected, a wiped one is not.

// A global allocator is unsafe code by nature; this test binary is the one target of the package allowed it (the
// library forbids it at its root).
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use custodia::zeroize::Zeroizing;
use custodia::{
    Actor, Category, Classification, Custodian, CustodianOptions, FixedClock, Jurisdiction, KdfParams, KeyKind,
    OpenRequest, Purpose, PurposeSet, SealOptions, Sensitive, Timestamp, Unlock,
};

// ---- the scanning allocator --------------------------------------------------------------------------------------

const MAX_PATTERNS: usize = 64;
const MAX_PATTERN_LEN: usize = 64;

/// Planted patterns: a fixed table, so that scanning (inside `dealloc`) never allocates.
struct Patterns {
    bytes: [[u8; MAX_PATTERN_LEN]; MAX_PATTERNS],
    lens: [usize; MAX_PATTERNS],
    n: usize,
}

static TABLE_LOCK: AtomicBool = AtomicBool::new(false);
static mut TABLE: Patterns = Patterns { bytes: [[0; MAX_PATTERN_LEN]; MAX_PATTERNS], lens: [0; MAX_PATTERNS], n: 0 };
static HITS: [AtomicU64; MAX_PATTERNS] = [const { AtomicU64::new(0) }; MAX_PATTERNS];
static SCANNED_BYTES: AtomicU64 = AtomicU64::new(0);

fn with_table<R>(f: impl FnOnce(&mut Patterns) -> R) -> R {
    while TABLE_LOCK.compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
        std::hint::spin_loop();
    }
    // SAFETY: TABLE is only reached through this function, under TABLE_LOCK, so this is the only reference.
    let r = f(unsafe { &mut *std::ptr::addr_of_mut!(TABLE) });
    TABLE_LOCK.store(false, Ordering::Release);
    r
}

/// Start looking for `pattern` (at most 64 bytes; its first 64 otherwise) in every freed block; returns its slot.
fn plant(pattern: &[u8]) -> usize {
    let p = &pattern[..pattern.len().min(MAX_PATTERN_LEN)];
    assert!(p.len() >= 16, "a pattern short enough to occur by chance");
    with_table(|t| {
        assert!(t.n < MAX_PATTERNS, "too many patterns");
        let i = t.n;
        t.bytes[i][..p.len()].copy_from_slice(p);
        t.lens[i] = p.len();
        t.n += 1;
        i
    })
}

fn hits(slot: usize) -> u64 {
    HITS[slot].load(Ordering::SeqCst)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    let first = needle[0];
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        if hay[i] == first && &hay[i..i + needle.len()] == needle {
            return true;
        }
        i += 1;
    }
    false
}

struct Scanning;

// SAFETY: every call is forwarded to the system allocator unchanged; `dealloc` only reads the block being freed
// (still owned by the caller until System.dealloc) before forwarding, and allocates nothing.
unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.size() >= 16 {
            // SAFETY: the caller hands us a live block of `layout.size()` bytes that it no longer uses.
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            SCANNED_BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
            with_table(|t| {
                for ((bytes, len), hits) in t.bytes.iter().zip(t.lens).zip(&HITS).take(t.n) {
                    if contains(block, &bytes[..len]) {
                        hits.fetch_add(1, Ordering::SeqCst);
                    }
                }
            });
        }
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Scanning = Scanning;

/// One test at a time: the counts are per pattern, but a failing test should not see another's allocations.
static SERIAL: Mutex<()> = Mutex::new(());

// ---- the scanner finds what it should ----------------------------------------------------------------------------

#[test]
fn the_scanner_detects_an_unwiped_buffer_and_not_a_wiped_one() {
    let _s = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let unwiped = plant(b"SCANNER-SELF-TEST-unwiped-0f3e2d1c");
    let wiped = plant(b"SCANNER-SELF-TEST-wiped-9a8b7c6d5e");
    let mut v = Vec::with_capacity(100);
    v.extend_from_slice(b"padding before ");
    v.extend_from_slice(b"SCANNER-SELF-TEST-unwiped-0f3e2d1c");
    drop(std::hint::black_box(v));
    assert_eq!(hits(unwiped), 1, "a freed block holding the pattern is a hit");

    let mut w = Zeroizing::new(Vec::with_capacity(100));
    w.extend_from_slice(b"SCANNER-SELF-TEST-wiped-9a8b7c6d5e");
    drop(std::hint::black_box(w));
    assert_eq!(hits(wiped), 0, "a wiped block is not a hit");

    // A Vec that grows leaves its old block behind: found through realloc.
    let grown = plant(b"SCANNER-SELF-TEST-grown-44556677889");
    let mut g = Zeroizing::new(Vec::with_capacity(40));
    g.extend_from_slice(b"SCANNER-SELF-TEST-grown-44556677889");
    g.extend_from_slice(&[0u8; 4096]);
    drop(g);
    assert_eq!(hits(grown), 1, "the block a growing Vec left behind is a hit, even though the Vec was wiped");
}

// ---- custodia leaves nothing behind ------------------------------------------------------------------------------

const T0: u64 = 1_795_435_200;
const PASSPHRASE: &str = "freed-memory passphrase 7d1c0a9e-4b2f";
const MASTER: [u8; 32] = *b"MASTER-KEY-freed-memory-3e5a7c9b";
const MARKER: &[u8; 48] = b"PLAINTEXT-MARKER-freed-memory-scan-0123456789abc";

fn actor() -> Actor {
    Actor::new("anna", "prosecutor", Jurisdiction::parse("DE").expect("DE"), Classification::Secret).expect("actor")
}

fn options(clock: &Arc<FixedClock>) -> CustodianOptions {
    let mut o = CustodianOptions::with_clock(clock.clone());
    o.kdf = KdfParams::DANGER_TEST_ONLY;
    o.create = true;
    o
}

/// Plant a key's secret: its raw bytes and its base64 form in the keyring body (the first 40 characters, which
/// do not depend on padding).
fn plant_key(c: &Custodian, id: &custodia::KeyId, slots: &mut Vec<(usize, String)>) {
    use base64ct::{Base64, Encoding};
    let secret = c.danger_export_secret_for_tests(id).expect("secret");
    slots.push((plant(&*secret), format!("secret of {id}")));
    let b64 = Zeroizing::new(Base64::encode_string(&*secret));
    slots.push((plant(&b64.as_bytes()[..40]), format!("base64 secret of {id}")));
}

/// Plaintext of `n` bytes: the marker again and again.
fn plaintext(n: usize) -> Sensitive<Vec<u8>> {
    let mut v = Vec::with_capacity(n);
    while v.len() < n {
        let take = (n - v.len()).min(MARKER.len());
        v.extend_from_slice(&MARKER[..take]);
    }
    Sensitive::new(v, Category::FinancialRecords)
}

fn assert_no_hits(slots: &[(usize, String)], after: &str) {
    let found: Vec<String> = slots
        .iter()
        .filter(|(s, _)| hits(*s) > 0)
        .map(|(s, what)| format!("{what}: {} freed blocks", hits(*s)))
        .collect();
    assert!(found.is_empty(), "after {after}, freed memory still held: {found:?}");
}

#[test]
fn seal_open_rotate_shred_save_and_failed_opens_leave_no_secret_in_freed_memory() {
    let _s = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut slots = vec![
        (plant(PASSPHRASE.as_bytes()), "passphrase".to_owned()),
        (plant(&MASTER), "master key".to_owned()),
        (plant(MARKER), "plaintext".to_owned()),
    ];
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let a = actor();
    let purposes = PurposeSet::parse(&["investigation"]).expect("purposes");
    let investigation = OpenRequest::new(a.clone(), Purpose::parse("investigation").expect("purpose"));

    for by_passphrase in [true, false] {
        let unlock = || if by_passphrase { Unlock::passphrase(PASSPHRASE) } else { Unlock::master_key(MASTER) };
        let dir = tempfile::tempdir().expect("tempdir");
        let c = Custodian::load(dir.path(), unlock(), options(&clock)).expect("load");
        // Keyring saves: each generation writes the keyring.
        let kek = c.generate_key(&a, KeyKind::Kek, "kek").expect("kek");
        let x = c.generate_key(&a, KeyKind::X25519, "x25519").expect("x25519");
        let xw = c.generate_key(&a, KeyKind::XWing, "xwing").expect("xwing");
        let signer = c.generate_key(&a, KeyKind::Ed25519, "signer").expect("signer");
        for id in [&kek, &x, &xw, &signer] {
            plant_key(&c, id, &mut slots);
        }
        assert_no_hits(&slots, "load and key generation (keyring saves)");

        // Seal and open in memory, through each kind of recipient, signed; small and multi-chunk.
        for (n, to) in [(100, kek), (200_000, x), (70_000, xw)] {
            let data = plaintext(n);
            let mut o = SealOptions::new(purposes.clone(), vec![to]);
            o.signer = Some(signer);
            let sealed = c.seal(&a, &data, &o).expect("seal").envelope;
            assert_no_hits(&slots, "seal");
            let opened = c.open(&investigation, &sealed).expect("open");
            assert_eq!(opened.data.expose_secret(), data.expose_secret());
            drop(opened);
            assert_no_hits(&slots, "open");

            // Streamed open into a Zeroizing sink (the sink is the caller's; custodia's own buffers are checked).
            let mut sink = Zeroizing::new(Vec::with_capacity(n + 1));
            c.open_stream(&investigation, &mut sealed.as_slice(), &mut *sink).expect("open stream");
            assert_eq!(sink.as_slice(), data.expose_secret().as_slice());
            drop(sink);
            assert_no_hits(&slots, "streamed open");

            // Failed opens: refused by the gate, and a tampered last chunk (refused after the earlier ones
            // decrypted).
            let refused = OpenRequest::new(a.clone(), Purpose::parse("asset_recovery").expect("purpose"));
            assert!(c.open(&refused, &sealed).is_err());
            let mut bad = sealed.clone();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            assert!(c.open(&investigation, &bad).is_err());
            let mut sink = Zeroizing::new(Vec::with_capacity(n + 1));
            assert!(c.open_stream(&investigation, &mut bad.as_slice(), &mut *sink).is_err());
            drop(sink);
            assert_no_hits(&slots, "failed opens");
        }

        // Rotate (a new key, planted too), then crypto-shred the old one.
        let fresh = c.rotate(&a, &kek).expect("rotate");
        plant_key(&c, &fresh, &mut slots);
        assert_no_hits(&slots, "rotate");
        c.destroy_key(&a, &kek, "retention period over").expect("shred");
        assert_no_hits(&slots, "shred");
        drop(c);
        assert_no_hits(&slots, "closing the custodian");

        // Loading again decrypts the keyring body: its JSON and every secret in it.
        let c = Custodian::load(dir.path(), unlock(), options(&clock)).expect("reload");
        assert!(c.keys().expect("keys").len() >= 5);
        drop(c);
        assert_no_hits(&slots, "reloading the keyring");
    }
    assert!(SCANNED_BYTES.load(Ordering::Relaxed) > 1_000_000, "the scanner saw the traffic");
    assert!(slots.len() > 20);
}

/// Records (docs/FORMAT.md §14): a text field, a nested value of several texts and a date, sealed and opened field
/// by field (all disclosed, then half withheld, then masked), leave none of their values in freed memory.
#[test]
fn records_sealed_and_opened_field_by_field_leave_no_value_in_freed_memory() {
    use custodia::{AccessPolicy, Admission, DataTag, FieldName, FieldValue, MaskRule, Record, RecordDate};
    let _s = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let text = std::str::from_utf8(MARKER).expect("ascii");
    // (A date is too short to scan for without chance hits; the texts stand for every value type.)
    let slots = vec![(plant(MARKER), "field value".to_owned())];
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let a = actor();
    let dir = tempfile::tempdir().expect("tempdir");
    let c = Custodian::load(dir.path(), Unlock::master_key(MASTER), options(&clock)).expect("load");
    let kek = c.generate_key(&a, KeyKind::Kek, "kek").expect("kek");
    let mut nested = std::collections::BTreeMap::new();
    for name in ["a", "b", "c", "d"] {
        nested.insert(FieldName::parse(name).expect("name"), FieldValue::text(text));
    }
    let record = Record::new()
        .field("name", FieldValue::text(text), Category::PersonalIdentity)
        .and_then(|r| r.field("born", FieldValue::Date(RecordDate::new(1971, 5, 4)?), Category::PersonalIdentity))
        .and_then(|r| r.field("notes", FieldValue::Nested(nested), Category::WitnessIdentity))
        .expect("record");
    let options = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![kek]);
    let tag = DataTag::new(Category::CaseAdministration, Classification::Restricted);
    let envelope = c.seal_record(&a, tag, &record, &options).expect("seal").envelope;
    drop(record);
    assert_no_hits(&slots, "sealing a record");
    let investigation = OpenRequest::new(a.clone(), Purpose::parse("investigation").expect("purpose"));
    let opened = c.open_record(&investigation, &envelope).expect("open");
    assert_eq!(opened.data.disclosed().len(), 3);
    drop(opened);
    assert_no_hits(&slots, "opening a record");
    let clerk =
        Actor::new("kim", "clerk", Jurisdiction::parse("DE").expect("DE"), Classification::Restricted).expect("clerk");
    let policy = AccessPolicy::builder()
        .role("prosecutor", &[], &["investigation"])
        .role("clerk", &[Category::CaseAdministration], &["investigation"])
        .mask(Category::PersonalIdentity, &["investigation"], &["clerk"], MaskRule::Initials)
        .mask(Category::PersonalIdentity, &["investigation"], &["clerk"], MaskRule::Year)
        .unlisted_cases(Admission::Allow)
        .build()
        .expect("policy");
    c.set_access_policy(&a, policy).expect("policy");
    let masked = c
        .open_record(&OpenRequest::new(clerk, Purpose::parse("investigation").expect("p")), &envelope)
        .expect("open masked");
    assert_eq!(masked.data.masked_names(), ["born", "name"]);
    assert_eq!(masked.data.withheld(), ["notes"]);
    drop(masked);
    assert_no_hits(&slots, "opening a record masked and withheld");
}
