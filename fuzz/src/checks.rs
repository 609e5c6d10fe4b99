//! The checks of every fuzz target, one function per target: shared by the targets (`fuzz_targets/*.rs`) and by
//! the regression test that replays the findings (`tests/fuzz_regressions.rs`, through `#[path]`), so that a finding
//! kept under `tests/fuzz-regressions/<target>/` is checked exactly as the fuzzer checked it. Each function panics
//! when a property fails; an error returned by the library is never a failure.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, reason = "fuzz checks: a panic is the finding")]

use std::io::{Cursor, Read};
use std::str::FromStr;
use std::sync::LazyLock;

use custodia::audit::{Anchor, ErasureCertificate, EventKind, verify_reader};
use custodia::format::{self, Kek, Reader, SigningKey, Unwrap, VerifyingKey, X25519Identity, XWingIdentity};
use custodia::{
    AccessPolicy, Approval, CaseRef, Category, Classification, ErrorKind, ExceptionKind, Grant, GrantId, Jurisdiction,
    KeyId, Keyring, Purpose, PurposeSet, Receipt, Unlock, decode_public, encode_public,
};

/// The outcome of one opener: the plaintext, or the kind of error.
type Outcome = Result<Vec<u8>, ErrorKind>;

fn unwrap_any(header: &format::Header, keys: &[&dyn Unwrap]) -> custodia::Result<format::DataKey> {
    let mut err = custodia::Error::NoMatchingRecipient;
    for k in keys {
        match k.unwrap_data_key(header) {
            Ok(dk) => return Ok(dk),
            Err(custodia::Error::NoMatchingRecipient) => {}
            Err(e) => err = e,
        }
    }
    Err(err)
}

/// The stream opener over the payload after `header` in `bin`.
fn open_streamed(
    bin: &[u8],
    header: &format::Header,
    dk: &format::DataKey,
    required: Option<&VerifyingKey>,
) -> Outcome {
    let mut src = &bin[header.len()..];
    let mut out = Vec::new();
    format::open_stream(header, dk, &mut src, &mut out, required).map_err(|e| e.kind())?;
    Ok(out)
}

/// The seekable reader over `bin`, positioned after `header`, read to the end.
fn open_seekable(
    bin: &[u8],
    header: &format::Header,
    dk: &format::DataKey,
    required: Option<&VerifyingKey>,
) -> Outcome {
    let mut src = Cursor::new(bin);
    src.set_position(header.len() as u64);
    let mut reader = Reader::new(header, dk, src, required).map_err(|e| e.kind())?;
    let mut out = Vec::new();
    // The reader reports custodia errors through `std::io::Error`; take the kind of the one inside.
    reader.read_to_end(&mut out).map_err(|e| match e.get_ref().and_then(|i| i.downcast_ref::<custodia::Error>()) {
        Some(inner) => inner.kind(),
        None => custodia::Error::from(e).kind(),
    })?;
    Ok(out)
}

/// The fixed keys of `tests/vectors/`, made once: deriving the X25519 and X-Wing keys per input would cost more
/// than most inputs do.
struct Keys {
    kek: Kek,
    kek2: Kek,
    x25519: X25519Identity,
    xwing: XWingIdentity,
    signer: VerifyingKey,
}

static KEYS: LazyLock<Keys> = LazyLock::new(|| Keys {
    kek: Kek::from_bytes([0x11; 32]),
    kek2: Kek::from_bytes([0x12; 32]),
    x25519: X25519Identity::from_bytes([0x21; 32]),
    xwing: XWingIdentity::from_seed([0x31; 32]),
    signer: SigningKey::from_bytes([0x41; 32]).verifying_key(),
});

static AUDIT_VERIFYING_KEY: LazyLock<VerifyingKey> =
    LazyLock::new(|| SigningKey::from_bytes(AUDIT_KEY).verifying_key());

fn round_trip<T: FromStr + ToString + PartialEq + core::fmt::Debug>(text: &str) {
    if let Ok(v) = text.parse::<T>() {
        let again = v.to_string().parse::<T>().ok();
        assert_eq!(again.as_ref(), Some(&v), "{text:?} parses but its printed form does not parse back");
    }
}

/// The audit key of every log, anchor and certificate in the seed corpus (`examples/fuzz_seeds.rs`).
const AUDIT_KEY: [u8; 32] = [0x61; 32];

/// The master key of every keyring in the seed corpus (`examples/fuzz_seeds.rs`).
const MASTER: [u8; 32] = [0x55; 32];

/// Envelope open, binary and armored: the in-memory opener (`format::open`), the streaming opener
/// (`read_header` + `open_stream`) and the seekable reader (`read_header` + `Reader`) must agree on every input: the
/// same plaintext, or errors of the same kind. Keys are the fixed keys of `tests/vectors/` (and of the seed corpus,
/// `examples/fuzz_seeds.rs`), so that mutated envelopes reach the payload.
pub(crate) fn envelope_open(data: &[u8]) {
    let k = &*KEYS;
    let keys: [&dyn Unwrap; 4] = [&k.kek, &k.kek2, &k.x25519, &k.xwing];
    // Half the inputs require the vectors' signer, half require none: both paths of the signer check.
    let required = if data.len().is_multiple_of(2) { Some(&k.signer) } else { None };

    let in_memory: Outcome =
        format::open(data, &keys, required).map(|o| o.plaintext.expose_secret().clone()).map_err(|e| e.kind());

    // The stream and seekable readers take binary: dearmor the way the in-memory opener does. The header is read
    // and the data key unwrapped once for both (`format::open` does both on its own).
    let binary = if format::is_armored(data) { format::dearmor(data) } else { Ok(data.to_vec()) };
    let prepared = binary.and_then(|bin| {
        let header = format::read_header(&mut &bin[..])?;
        let dk = unwrap_any(&header, &keys)?;
        Ok((bin, header, dk))
    });
    let (streamed, seekable): (Outcome, Outcome) = match prepared {
        Err(e) => (Err(e.kind()), Err(e.kind())),
        Ok((bin, header, dk)) => {
            (open_streamed(&bin, &header, &dk, required), open_seekable(&bin, &header, &dk, required))
        }
    };
    assert_eq!(in_memory, streamed, "in-memory and stream openers disagree");
    assert_eq!(in_memory, seekable, "in-memory and seekable openers disagree");
}

/// Header parse (binary and armored): never panics; a header that parses re-parses from its own bytes to the same
/// bytes, and every accessor works on it.
pub(crate) fn header_parse(data: &[u8]) {
    let _ = format::sealed_object_id(data);
    let Ok(h) = format::parse_header(data) else {
        return;
    };
    let again = format::parse_header(h.as_bytes()).expect("a parsed header parses again from its own bytes");
    assert_eq!(again.as_bytes(), h.as_bytes());
    assert_eq!(h.len(), h.as_bytes().len());
    assert_eq!(format::sealed_object_id(h.as_bytes()).ok().as_ref(), Some(h.object_id()));
    let _ = (h.metadata(), h.case_ref(), h.signer_id(), h.senders(), h.grants(), h.unknown_fields(), h.terms());
    for s in h.stanzas() {
        let _ = (s.kind(), s.key_id(), s.sender());
    }
}

/// Key text and key ids: public keys in text form (`custodia-<kind>-public:…`), audit keys, key ids. Never panics;
/// what parses re-encodes to text that parses to the same value.
pub(crate) fn key_text(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok((kind, public)) = decode_public(text) {
        let again = encode_public(kind, &public);
        assert_eq!(decode_public(&again).expect("encoded key text decodes"), (kind, public));
    }
    if let Ok(id) = KeyId::from_str(text) {
        assert_eq!(KeyId::from_str(&id.to_string()).expect("a key id's text parses"), id);
    }
    let _ = custodia::audit::parse_audit_key(text);
}

/// Purposes, purpose sets (one per line), jurisdictions, case references, grant ids, categories, classifications,
/// exception kinds, audit event kinds: never panic; what parses prints to text that parses to the same value.
pub(crate) fn vocabulary(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = Purpose::parse(text) {
        assert_eq!(Purpose::parse(p.as_str()).ok().as_ref(), Some(&p));
        let _ = (p.depth(), p.parent(), p.permits(&p));
    }
    let lines: Vec<&str> = text.split('\n').collect();
    if let Ok(set) = PurposeSet::parse(&lines) {
        let again: Vec<&str> = set.iter().map(Purpose::as_str).collect();
        assert_eq!(PurposeSet::parse(&again).ok().as_ref(), Some(&set));
    }
    if let Ok(j) = Jurisdiction::parse(text) {
        assert_eq!(Jurisdiction::parse(j.as_str()).ok(), Some(j));
    }
    if let Ok(c) = CaseRef::parse(text) {
        assert_eq!(CaseRef::parse(c.as_str()).ok().as_ref(), Some(&c));
    }
    round_trip::<GrantId>(text);
    round_trip::<Category>(text);
    round_trip::<Classification>(text);
    round_trip::<ExceptionKind>(text);
    round_trip::<EventKind>(text);
}

/// The keyring file loader, over bytes in memory (the `danger-test-hooks` door; the directory, lock and file-mode
/// checks of `Keyring::open` are not reached). The first byte picks what the rest is: a whole keyring file
/// (opened with the seed corpus's master key), or a body in the clear, sealed into a file under that key so that
/// the body parser and the body's rules are reached through the whole loader.
pub(crate) fn keyring(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let unlock = Unlock::master_key(MASTER);
    let file = if mode & 1 == 0 { rest.to_vec() } else { Keyring::danger_seal_body_for_fuzzing(rest, MASTER) };
    if let Ok(ring) = Keyring::danger_load_bytes_for_fuzzing(&file, &unlock) {
        for k in ring.keys() {
            let _ = (k.has_secret(), format!("{k:?}"));
        }
        let _ = ring.audit_pin();
    }
}

/// The audit log verifier over a log in memory, under the seed corpus's audit key. Never panics; the report of a
/// log that verifies is consistent with its lines.
pub(crate) fn audit_verify(data: &[u8]) {
    let key = &*AUDIT_VERIFYING_KEY;
    if let Ok(report) = verify_reader(data, key, &[]) {
        let lines = data.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count() as u64;
        assert!(report.entries <= lines, "more entries verified than there are lines");
        assert!(report.checkpoints <= report.entries);
    }
}

/// Anchors (signed checkpoints kept outside the log) and erasure certificates, from JSON: never panic; what parses
/// re-serialises to JSON that parses to the same thing; verification under the seed corpus's audit key never
/// panics either.
pub(crate) fn anchor_certificate(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let key = &*AUDIT_VERIFYING_KEY;
    if let Ok(a) = Anchor::from_json(text) {
        let json = a.to_json();
        let again = Anchor::from_json(&json).expect("an anchor's JSON parses");
        assert_eq!(again.to_json(), json);
        let _ = (a.verify(key), a.message(), a.is_witnessed_by(key));
    }
    if let Ok(c) = ErasureCertificate::from_json(text) {
        let json = c.to_json();
        let again = ErasureCertificate::from_json(&json).expect("a certificate's JSON parses");
        assert_eq!(again.to_json(), json);
        let _ = c.verify(key);
    }
}

/// Merkle checkpoints (signed notes), inclusion bundles and consistency proofs (`docs/AUDIT.md` §12): never panic;
/// whatever parses prints back to the same text and re-parses to the same value; verification never panics.
pub(crate) fn merkle_parse(data: &[u8]) {
    use custodia::audit::{ConsistencyProof, InclusionBundle, MerkleCheckpoint};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let key = &*AUDIT_VERIFYING_KEY;
    if let Ok(c) = MerkleCheckpoint::parse(text) {
        assert_eq!(c.to_note(), text, "a checkpoint that parses is its own canonical text");
        let _ = (c.verify(key), c.is_cosigned_by(key));
        if let Ok(p) = ConsistencyProof::parse(&format!("old 1\n\n{text}")) {
            let _ = p.verify(&c, key);
        }
    }
    if let Ok(b) = InclusionBundle::parse(text) {
        assert_eq!(b.to_text(), text, "a bundle that parses is its own canonical text");
        let _ = b.verify(key);
    }
    if let Ok(p) = ConsistencyProof::parse(text) {
        assert_eq!(p.to_text(), text, "a consistency proof that parses is its own canonical text");
        let _ = p.verify(p.checkpoint(), key);
    }
    let _ = custodia::audit::verify_inclusion_bundle(text, key);
}

/// Grants (onward transfer, purpose extension), binary and armored: never panic; a grant that parses re-parses
/// from its own bytes to the same bytes, and its signature check never panics.
pub(crate) fn grant(data: &[u8]) {
    let Ok(g) = Grant::parse(data) else {
        return;
    };
    let bytes = g.to_bytes();
    let again = Grant::from_bytes(&bytes).expect("a grant's bytes parse");
    assert_eq!(again.to_bytes(), bytes);
    let _ = g.verify_signature();
}

/// Receipts, binary and armored: never panic; a receipt that parses (and so verifies) re-parses from its bytes
/// and from its armor to the same bytes.
pub(crate) fn receipt(data: &[u8]) {
    if let Ok(r) = Receipt::from_bytes(data) {
        let bytes = r.to_bytes();
        assert_eq!(bytes, data, "a receipt that parses is canonical");
        let armored = Receipt::from_armored(&r.to_armored()).expect("a receipt's armor parses");
        assert_eq!(armored.to_bytes(), bytes);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Receipt::from_armored(text);
    }
}

/// The access-policy file (TOML) and four-eyes approvals (binary and text): never panic; a policy that parses keeps
/// its text, and an approval that parses re-encodes to bytes and text that parse to the same bytes.
pub(crate) fn access_policy(data: &[u8]) {
    if let Ok(a) = Approval::from_bytes(data)
        && let Ok(bytes) = a.to_bytes()
    {
        let again = Approval::from_bytes(&bytes).expect("an approval's bytes parse");
        assert_eq!(again.to_bytes().ok(), Some(bytes));
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = AccessPolicy::from_toml(text) {
        assert_eq!(p.text(), text);
        let _ = (p.has_roles(), p.has_case_teams(), p.approvers(), p.receipt_actor_names(), p.sha256());
    }
    if let Ok(a) = Approval::from_text(text)
        && let Ok(t) = a.to_text()
    {
        let again = Approval::from_text(&t).expect("an approval's text parses");
        assert_eq!(again.to_text().ok(), Some(t));
    }
}

/// The metadata and RNG seed of the record vectors (`tests/record_vectors.rs`): a record payload sealed again with
/// them gets the vectors' data key and object id, so the payloads of the committed vectors authenticate here.
fn record_envelope(payload: &[u8]) -> Vec<u8> {
    use rand_core::SeedableRng;
    let kek = Kek::from_bytes([0x11; 32]);
    let opts =
        format::EnvelopeOptions::new(record_metadata(format::PayloadType::Record), vec![format::Recipient::Kek(&kek)]);
    format::seal_with_rng(payload, &opts, &mut chacha20::ChaCha20Rng::from_seed([0x61; 32])).expect("seal")
}

fn record_metadata(payload_type: format::PayloadType) -> format::Metadata {
    let mut m = format::Metadata::new(
        Category::CaseAdministration,
        PurposeSet::parse(&["investigation", "prosecution"]).expect("purposes"),
        custodia::Timestamp::from_unix(1_790_000_000),
    );
    m.case_ref = Some(CaseRef::parse("MLA-2026-0042").expect("case"));
    m.chunk_size = 64;
    m.payload_type = payload_type;
    m
}

/// Record payloads (docs/FORMAT.md section 14), sealed as the STREAM plaintext of a record envelope and opened with
/// `format::open_record`: never panic; a payload that opens is canonical: the record rebuilt from its fields and
/// sealed with the same randomness has exactly this payload.
pub(crate) fn record_parse(data: &[u8]) {
    use rand_core::SeedableRng;
    let kek = Kek::from_bytes([0x11; 32]);
    let Ok(opened) = format::open_record(&record_envelope(data), &[&kek], None) else {
        return;
    };
    let mut record = custodia::Record::new();
    for (d, v) in &opened.fields {
        let mut spec = custodia::FieldSpec::new(d.category).classified(d.classification).expect("classification");
        if let Some(p) = &d.purposes {
            spec = spec.for_purposes(p.clone());
        }
        record.insert(d.name.as_str(), v.expose_secret().clone(), spec).expect("a field that opened re-inserts");
    }
    let opts =
        format::EnvelopeOptions::new(record_metadata(format::PayloadType::Bytes), vec![format::Recipient::Kek(&kek)]);
    let again = format::seal_record_with_rng(&record, &opts, &mut chacha20::ChaCha20Rng::from_seed([0x61; 32]))
        .expect("a record that opened seals again");
    let payload = format::open(&again, &[&kek], None).expect("opens");
    assert_eq!(payload.plaintext.expose_secret().as_slice(), data, "a record payload that opens is canonical");
}

/// The issuer key and the JWT of the SD-JWT vectors (`tests/sdjwt_vectors.rs`, `sdjwt_issued`: the same key, fields,
/// claims and RNG seed, so the same bytes): the fuzzer's text is also tried as the disclosures after this valid JWT,
/// so mutations of the vectors' disclosures reach the checks behind the signature.
pub(crate) static SDJWT_ISSUER: LazyLock<(VerifyingKey, String)> = LazyLock::new(|| {
    use custodia::{FieldName, FieldValue};
    use rand_core::SeedableRng;
    let key = SigningKey::from_bytes([0x51; 32]);
    let claims = custodia::sdjwt::Claims::new(
        "00112233445566778899aabbccddeeff",
        Some(CaseRef::parse("MLA-2026-0042").expect("case")),
        key.id(),
        custodia::Timestamp::from_unix(1_795_435_200),
        7,
    )
    .expect("claims");
    let name = |s: &str| FieldName::parse(s).expect("name");
    let mut address = std::collections::BTreeMap::new();
    address.insert(name("city"), FieldValue::text("Utrecht"));
    address.insert(name("postcode"), FieldValue::Integer(3511));
    let fields = [
        (name("account_iban"), FieldValue::text("NL91ABNA0417164300")),
        (name("address"), FieldValue::Nested(address)),
        (name("born"), FieldValue::Date(custodia::RecordDate::new(1971, 5, 4).expect("date"))),
        (name("note"), FieldValue::text("said \"no\"\n\u{e9}t\u{e9} \\ done")),
        (name("phone"), FieldValue::text("+31 6 1234 5678")),
        (name("scan"), FieldValue::Bytes(vec![0x25, 0x50, 0x44, 0x46, 0x00, 0xff])),
    ];
    let refs: Vec<(&FieldName, &FieldValue)> = fields.iter().map(|(n, v)| (n, v)).collect();
    let mut rng = chacha20::ChaCha20Rng::from_seed([0x71; 32]);
    let sd = custodia::sdjwt::issue_with_rng(&key, &claims, &refs, &mut rng).expect("issue");
    (key.verifying_key(), sd.jwt().to_owned())
});

/// SD-JWT presentations (docs/FORMAT.md section 15), as given and as the disclosures after a valid JWT:
/// `verify_presentation` never panics and fails only with the kinds section 15.4 names; a presentation that
/// verifies counts every field once (disclosed + withheld = field count, names strictly ascending), parses as an
/// `SdJwt`, and presenting all its fields again verifies to the same fields.
pub(crate) fn sdjwt_presentation(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (key, jwt) = &*SDJWT_ISSUER;
    for t in [text.to_owned(), format!("{jwt}~{text}")] {
        match custodia::sdjwt::verify_presentation(&t, key) {
            Ok(v) => {
                assert_eq!(v.withheld + v.disclosed.len(), v.claims.field_count);
                let names = v.names();
                assert!(names.windows(2).all(|w| w[0] < w[1]), "disclosed names strictly ascending");
                let sd = custodia::sdjwt::SdJwt::parse(&t, key).expect("a verified presentation parses");
                let again = sd.present(&names).expect("its fields present again");
                let w = custodia::sdjwt::verify_presentation(&again, key).expect("and verify again");
                assert_eq!(w.names(), names);
                assert_eq!(w.withheld, v.withheld);
                assert_eq!(w.claims, v.claims);
            }
            Err(e) => assert!(
                matches!(e.kind(), ErrorKind::Malformed | ErrorKind::SignatureInvalid | ErrorKind::LimitExceeded),
                "unexpected kind {:?}",
                e.kind()
            ),
        }
    }
}
