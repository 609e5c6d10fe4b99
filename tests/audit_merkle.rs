//! Merkle checkpoints, inclusion bundles and consistency proofs over the audit log (`docs/AUDIT.md` §12): what they
//! prove, and the attacks on them that must fail.
//!
//! | guarantee (§12) | test |
//! | --- | --- |
//! | a bundle proves one entry with the audit public key alone | `a_bundle_proves_one_entry_with_the_public_key_alone` |
//! | an edited entry is refused | `an_edited_entry_in_a_bundle_is_refused` |
//! | another index is refused | `a_bundle_with_another_index_is_refused` |
//! | a path for another tree size is refused | `a_path_for_another_tree_size_is_refused` |
//! | a checkpoint by another key, or altered, is refused | `a_checkpoint_signed_by_another_key_or_altered_is_refused` |
//! | a shrunk or rewritten log fails consistency | `consistency_fails_when_the_log_shrank_or_was_rewritten` |
//! | malformed notes and bundles are typed errors | `malformed_notes_are_refused`, `malformed_bundles_are_refused` |
//! | the tree is only built over a log that verifies | `no_tree_is_built_over_a_tampered_log` |
//! | a counter-signer checks that the log only grew | `a_counter_signer_refuses_an_anchor_of_a_rewritten_log` (custodians) |

use std::path::Path;
use std::sync::Arc;

use custodia::audit::{
    Anchor, AuditEvent, AuditLog, AuditOptions, ConsistencyProof, EventKind, InclusionBundle, LogTree,
    MerkleCheckpoint, MerkleTree, Outcome, SigningKey, VerifyingKey, note_key_id, verify_inclusion_bundle,
};
use custodia::{
    Actor, Classification, Custodian, CustodianOptions, Error, FixedClock, Jurisdiction, KdfParams, KeyKind, Timestamp,
    Unlock,
};

const SEED: [u8; 32] = [7; 32];
const OTHER: [u8; 32] = [8; 32];

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(Timestamp::from_unix(1_795_435_200)))
}

fn public(seed: [u8; 32]) -> VerifyingKey {
    SigningKey::from_bytes(seed).verifying_key()
}

/// A closed log in `dir` with `events` events after its genesis entry and creation checkpoint.
fn write_log(dir: &Path, events: usize) -> AuditLog {
    let (log, _) =
        AuditLog::open(dir, SigningKey::from_bytes(SEED), AuditOptions::with_clock(clock()).checkpoint_every(5))
            .expect("opens");
    for i in 0..events {
        log.append(&AuditEvent::new(EventKind::Sealed).detail("n", &i.to_string())).expect("appends");
    }
    log.close().expect("closes");
    log
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path).expect("reads").lines().map(str::to_owned).collect()
}

fn bundle(log: &AuditLog, index: u64, size: Option<u64>) -> InclusionBundle {
    LogTree::read(log.path(), &public(SEED), size)
        .expect("tree")
        .inclusion_bundle(index, &SigningKey::from_bytes(SEED))
        .expect("bundle")
}

#[test]
fn a_bundle_proves_one_entry_with_the_public_key_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = write_log(dir.path(), 9);
    let file = lines(log.path());
    let tree = LogTree::read(log.path(), &public(SEED), None).expect("tree");
    assert_eq!(tree.size(), file.len() as u64);
    assert_eq!(tree.log_id(), log.log_id());
    // The tree is the RFC 6962 tree over the lines without their newlines.
    let mut plain = MerkleTree::new();
    for l in &file {
        plain.push(l.as_bytes());
    }
    assert_eq!(tree.root(), plain.root());
    for size in [1, 2, 3, 7, 8, tree.size()] {
        for index in 0..size {
            let b = bundle(&log, index, Some(size));
            let text = b.to_text();
            assert_eq!(InclusionBundle::parse(&text).expect("parses"), b);
            let e = verify_inclusion_bundle(&text, &public(SEED)).expect("verifies");
            assert_eq!(e.seq, index);
            assert_eq!(b.entry_line(), file[usize::try_from(index).expect("small")]);
            assert_eq!(b.checkpoint().size(), size);
            assert_eq!(b.checkpoint().root(), plain.root_at(size).expect("root"));
        }
    }
    // The text form: our header and entry, then a C2SP tlog-proof whose checkpoint is a C2SP signed note.
    let text = bundle(&log, 3, None).to_text();
    let origin = format!("custodia.audit/{}", hex(&log.log_id()));
    assert!(text.starts_with(&format!("custodia.audit.inclusion/v1\n{}\nc2sp.org/tlog-proof@v1\nindex 3\n", file[3])));
    assert!(text.contains(&format!("\n\n{origin}\n{}\n", tree.size())), "{text}");
    assert!(text.ends_with("\n") && text.contains(&format!("\n\n\u{2014} {origin} ")), "{text}");
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn assert_proof_invalid(r: custodia::Result<custodia::audit::LogEntry>, what: &str) {
    assert!(matches!(r, Err(Error::MerkleProofInvalid(_))), "{what}: {r:?}");
}

#[test]
fn an_edited_entry_in_a_bundle_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = write_log(dir.path(), 6);
    let text = bundle(&log, 4, None).to_text();
    // Edit the event's content ("n":"2" -> "n":"3"), keeping the line well-formed.
    let edited = text.replacen("\"n\":\"2\"", "\"n\":\"3\"", 1);
    assert_ne!(edited, text);
    assert_proof_invalid(verify_inclusion_bundle(&edited, &public(SEED)), "edited entry");
    // Another genuine entry of the same log, put in its place.
    let other = bundle(&log, 5, None);
    let swapped = text.replacen(bundle(&log, 4, None).entry_line(), other.entry_line(), 1);
    assert_proof_invalid(verify_inclusion_bundle(&swapped, &public(SEED)), "another entry");
}

#[test]
fn a_bundle_with_another_index_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = write_log(dir.path(), 6);
    let text = bundle(&log, 4, None).to_text();
    for other in ["index 5\n", "index 3\n", "index 0\n", "index 1000\n"] {
        let moved = text.replacen("index 4\n", other, 1);
        assert_proof_invalid(verify_inclusion_bundle(&moved, &public(SEED)), other);
    }
}

#[test]
fn a_path_for_another_tree_size_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = write_log(dir.path(), 10);
    let small = bundle(&log, 2, Some(6));
    let large = bundle(&log, 2, Some(9));
    // The path of the tree of 6 with the checkpoint of the tree of 9, and the other way round.
    for (path_of, checkpoint_of) in [(&small, &large), (&large, &small)] {
        let (head, _) = path_of
            .to_text()
            .split_once("\n\ncustodia.audit/")
            .map(|(h, n)| (h.to_owned(), n.to_owned()))
            .expect("split");
        let mixed = format!("{head}\n\n{}", checkpoint_of.checkpoint().to_note());
        let parsed = InclusionBundle::parse(&mixed).expect("well-formed");
        assert_eq!(parsed.checkpoint(), checkpoint_of.checkpoint());
        assert_proof_invalid(parsed.verify(&public(SEED)), "mixed sizes");
    }
}

/// A signature line for `text` by `seed` under `name`, built with another Ed25519 implementation (ring).
fn foreign_signature_line(text: &str, name: &str, seed: [u8; 32]) -> String {
    use base64ct::Encoding as _;
    let pair = ring::signature::Ed25519KeyPair::from_seed_unchecked(&seed).expect("key");
    let mut raw = note_key_id(name, &public(seed)).to_vec();
    raw.extend_from_slice(pair.sign(text.as_bytes()).as_ref());
    format!("\u{2014} {name} {}\n", base64ct::Base64::encode_string(&raw))
}

#[test]
fn a_checkpoint_signed_by_another_key_or_altered_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = write_log(dir.path(), 4);
    let b = bundle(&log, 2, None);
    let note = b.checkpoint().to_note();
    let (body, _) = note.split_once("\n\n").expect("note");
    let body = format!("{body}\n");
    let origin = b.checkpoint().origin();
    // Signed by another key under the log's name: no line by the audit key.
    let forged = format!("{body}\n{}", foreign_signature_line(&body, &origin, OTHER));
    let err = MerkleCheckpoint::open(&forged, &public(SEED)).expect_err("another key");
    assert!(matches!(err, Error::CheckpointInvalid(_)), "{err}");
    // The genuine signature verifies with ring's signing too (the format is plain Ed25519 over the text).
    let genuine = format!("{body}\n{}", foreign_signature_line(&body, &origin, SEED));
    assert_eq!(genuine, note, "custodia's note is exactly the signed-note format");
    // The whole bundle with the forged checkpoint.
    let forged_bundle = b.to_text().replacen(&note, &forged, 1);
    let err = verify_inclusion_bundle(&forged_bundle, &public(SEED)).expect_err("another key");
    assert!(matches!(err, Error::CheckpointInvalid(_)), "{err}");
    // An altered root (the signature no longer verifies), with and without a fresh signature by another key.
    let root_line = body.lines().nth(2).expect("root line").to_owned();
    let mut other_root = b.checkpoint().root();
    other_root[0] ^= 1;
    let other_root = {
        use base64ct::Encoding as _;
        base64ct::Base64::encode_string(&other_root)
    };
    let altered = note.replacen(&root_line, &other_root, 1);
    let err = MerkleCheckpoint::open(&altered, &public(SEED)).expect_err("altered root");
    assert!(matches!(err, Error::CheckpointInvalid(_)), "{err}");
    let altered_body = body.replacen(&root_line, &other_root, 1);
    let resigned = format!("{altered_body}\n{}", foreign_signature_line(&altered_body, &origin, OTHER));
    assert!(matches!(MerkleCheckpoint::open(&resigned, &public(SEED)), Err(Error::CheckpointInvalid(_))));
    // Unknown signatures are ignored (witnesses), as the signed-note specification requires.
    let witnessed = format!("{note}{}", foreign_signature_line(&body, "someone.example/w", OTHER));
    MerkleCheckpoint::open(&witnessed, &public(SEED)).expect("an extra unknown signature is ignored");
    // The producer refuses to sign with a key that is not the log's.
    let err = LogTree::read(log.path(), &public(SEED), None)
        .expect("tree")
        .checkpoint(&SigningKey::from_bytes(OTHER))
        .expect_err("wrong key");
    assert!(matches!(err, Error::AuditWrongKey { .. }), "{err}");
}

#[test]
fn consistency_fails_when_the_log_shrank_or_was_rewritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = write_log(dir.path(), 12);
    let key = SigningKey::from_bytes(SEED);
    let full = LogTree::read(log.path(), &public(SEED), None).expect("tree");
    let old = LogTree::read(log.path(), &public(SEED), Some(9)).expect("tree of 9").checkpoint(&key).expect("cp");
    // Honest growth: 9 -> n, and n -> n.
    for m in [1, 2, 8, 9] {
        let p = full.consistency_proof(m, &key).expect("proof");
        let parsed = ConsistencyProof::parse(&p.to_text()).expect("parses");
        assert_eq!(parsed, p);
        let older = LogTree::read(log.path(), &public(SEED), Some(m)).expect("tree").checkpoint(&key).expect("cp");
        parsed.verify(&older, &public(SEED)).expect("the log only grew");
    }
    let p = full.consistency_proof(9, &key).expect("proof");
    p.verify(&old, &public(SEED)).expect("verifies");
    // A proof that starts from another size than the checkpoint held.
    let other_start = full.consistency_proof(8, &key).expect("proof");
    assert!(matches!(other_start.verify(&old, &public(SEED)), Err(Error::MerkleProofInvalid(_))));

    // The log shrank: a newer checkpoint of 6 entries against the one of 9.
    let shrunk_cp = LogTree::read(log.path(), &public(SEED), Some(6)).expect("tree").checkpoint(&key).expect("cp");
    let shrunk = ConsistencyProof::parse(&format!("old 9\n\n{}", shrunk_cp.to_note())).expect("parses");
    let err = shrunk.verify(&old, &public(SEED)).expect_err("shrank");
    assert!(matches!(&err, Error::MerkleProofInvalid(m) if m.contains("shrank")), "{err}");

    // Rewritten by someone with the key and the file: cut back to the checkpoint at entry 6 (covering entries
    // 0..6), reopened, and new entries appended. It verifies on its own; it is no extension of the old checkpoint.
    let file = lines(log.path());
    std::fs::write(log.path(), file[..7].iter().map(|l| format!("{l}\n")).collect::<String>()).expect("cut");
    let (rewritten, _) =
        AuditLog::open(dir.path(), SigningKey::from_bytes(SEED), AuditOptions::with_clock(clock())).expect("reopens");
    for i in 0..8 {
        rewritten.append(&AuditEvent::new(EventKind::Opened).detail("m", &i.to_string())).expect("appends");
    }
    rewritten.close().expect("closes");
    let new_tree = LogTree::read(log.path(), &public(SEED), None).expect("the rewritten log verifies on its own");
    assert!(new_tree.size() > 9);
    let forged = new_tree.consistency_proof(9, &key).expect("a proof from 9 can be computed over the new log");
    let err = forged.verify(&old, &public(SEED)).expect_err("rewritten");
    assert!(matches!(&err, Error::MerkleProofInvalid(m) if m.contains("does not extend")), "{err}");
    // Any path (taken from the honest proof) fails too.
    let honest_path =
        ConsistencyProof::parse(&p.to_text().replacen(&p.checkpoint().to_note(), &forged.checkpoint().to_note(), 1));
    assert!(matches!(honest_path.expect("parses").verify(&old, &public(SEED)), Err(Error::MerkleProofInvalid(_))));
    // The producer refuses a proof from a size the log no longer has.
    let short = LogTree::read(log.path(), &public(SEED), Some(5)).expect("tree");
    assert!(matches!(short.consistency_proof(9, &key), Err(Error::InvalidArgument(_))));
}

#[test]
fn no_tree_is_built_over_a_tampered_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = write_log(dir.path(), 5);
    let mut file = lines(log.path());
    file[3] = file[3].replacen("\"n\":\"1\"", "\"n\":\"9\"", 1);
    std::fs::write(log.path(), file.iter().map(|l| format!("{l}\n")).collect::<String>()).expect("edits");
    let err = LogTree::read(log.path(), &public(SEED), None).expect_err("tampered");
    assert!(matches!(err, Error::AuditTampered { entry: 3, .. }), "{err}");
    // Up to the entry before the edit, the tree can be built.
    LogTree::read(log.path(), &public(SEED), Some(3)).expect("the untouched prefix");
    let err = LogTree::read(log.path(), &public(OTHER), None).expect_err("another key");
    assert!(matches!(err, Error::AuditWrongKey { .. }), "{err}");
}

fn good_note() -> (String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = write_log(dir.path(), 2);
    let b = bundle(&log, 1, None);
    (b.checkpoint().to_note(), b.to_text())
}

#[test]
fn malformed_notes_are_refused() {
    let (note, _) = good_note();
    MerkleCheckpoint::open(&note, &public(SEED)).expect("the good one");
    let lines: Vec<&str> = note.lines().collect();
    let (origin, size, root, sig) = (lines[0], lines[1], lines[2], lines[4]);
    let noncanonical_root = {
        // Same bytes up to the last character's unused bits: decoders that ignore them would accept it.
        let mut r = root.to_owned();
        let last = r.remove(r.len() - 2);
        let alt = match last {
            'A'..='Y' | 'a'..='y' | '0'..='8' => char::from(last as u8 + 1),
            _ => 'A',
        };
        r.insert(r.len() - 1, alt);
        r
    };
    let cases: Vec<(&str, String)> = vec![
        ("no blank line", note.replacen("\n\n", "\n", 1)),
        ("no signature", format!("{origin}\n{size}\n{root}\n\n")),
        ("CR line ends", note.replace('\n', "\r\n")),
        ("no final newline", note.trim_end().to_owned()),
        ("leading zero size", note.replacen(&format!("\n{size}\n"), &format!("\n0{size}\n"), 1)),
        ("signed size", note.replacen(&format!("\n{size}\n"), &format!("\n+{size}\n"), 1)),
        ("non-canonical base64 root", note.replacen(root, &noncanonical_root, 1)),
        ("unpadded root", note.replacen(root, root.trim_end_matches('='), 1)),
        ("short root", note.replacen(root, "AAAA", 1)),
        ("uppercase origin", note.replacen(origin, &origin.to_uppercase(), 1)),
        ("other origin", note.replacen("custodia.audit/", "example.com/", 1)),
        ("empty line in text", note.replacen(&format!("{size}\n"), &format!("{size}\n\next\n"), 1)),
        ("two lines only", format!("{origin}\n{size}\n\n{sig}\n")),
        ("hyphen not em dash", note.replacen('\u{2014}', "-", 1)),
        ("plus in key name", note.replacen(&format!("\u{2014} {origin}"), &format!("\u{2014} {origin}+x"), 1)),
        ("duplicate signature", format!("{note}{sig}\n")),
        ("short signature", format!("{origin}\n{size}\n{root}\n\n\u{2014} {origin} AAAA\n")),
        ("control character", note.replacen(size, &format!("{size}\u{7}"), 1)),
        ("too long", format!("{origin}\n{size}\n{root}\n{}\n\n{sig}\n", "x".repeat(17 * 1024))),
    ];
    for (what, bad) in cases {
        let err = MerkleCheckpoint::open(&bad, &public(SEED)).expect_err(what);
        assert!(matches!(err, Error::CheckpointInvalid(_)), "{what}: {err}");
        assert_eq!(err.code(), 509, "{what}");
    }
}

#[test]
fn malformed_bundles_are_refused() {
    let (_, text) = good_note();
    verify_inclusion_bundle(&text, &public(SEED)).expect("the good one");
    let first_hash = text.lines().nth(4).expect("a hash line").to_owned();
    let cases: Vec<(&str, String)> = vec![
        ("other header", text.replacen("custodia.audit.inclusion/v1", "custodia.audit.inclusion/v2", 1)),
        ("no tlog-proof line", text.replacen("c2sp.org/tlog-proof@v1\n", "", 1)),
        ("extra line", text.replacen("c2sp.org/tlog-proof@v1\n", "c2sp.org/tlog-proof@v1\nextra AAAA\n", 1)),
        ("leading zero index", text.replacen("index 1\n", "index 01\n", 1)),
        ("negative index", text.replacen("index 1\n", "index -1\n", 1)),
        ("short hash", text.replacen(&first_hash, "AAAA", 1)),
        ("hash not base64", text.replacen(&first_hash, &first_hash.replace('=', "!"), 1)),
        ("no blank line before the checkpoint", text.replacen("\n\ncustodia.audit/", "\ncustodia.audit/", 1)),
        ("empty entry", text.replacen(text.lines().nth(1).expect("entry"), "", 1)),
        ("truncated", text[..text.len() / 2].to_owned()),
        ("empty", String::new()),
    ];
    for (what, bad) in cases {
        let err = verify_inclusion_bundle(&bad, &public(SEED)).expect_err(what);
        assert!(matches!(err, Error::CheckpointInvalid(_)), "{what}: {err}");
    }
}

fn custodian(dir: &Path) -> Custodian {
    let mut opts = CustodianOptions::with_clock(clock());
    opts.kdf = KdfParams::DANGER_TEST_ONLY;
    opts.checkpoint_every = 0;
    opts.create = true;
    Custodian::load(dir, Unlock::passphrase("test passphrase"), opts).expect("custodian")
}

fn actor(id: &str, jur: &str) -> Actor {
    Actor::new(id, "central authority", Jurisdiction::parse(jur).expect("jurisdiction"), Classification::Secret)
        .expect("actor")
}

#[test]
fn a_custodian_proves_an_entry_and_its_log_growth() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = custodian(dir.path());
    let anna = actor("anna", "NL");
    c.generate_key(&anna, KeyKind::Kek, "team").expect("key");
    let first = c.audit_checkpoint_merkle().expect("merkle anchor");
    let cp = first.merkle().expect("merkle").clone();
    assert_eq!(cp.size(), first.count());
    let key: VerifyingKey = c.audit_public_key().expect("text").parse().expect("parses");
    cp.verify(&key).expect("signed by the audit key");
    // The anchor carries it in its JSON, and verifies it.
    let json = first.to_json();
    assert!(json.contains("\"merkle\":\"custodia.audit/"), "{json}");
    let back = Anchor::from_json(&json).expect("parses");
    assert_eq!(back, first);
    back.verify(&key).expect("verifies");
    // An anchor whose Merkle checkpoint was swapped for another size's is refused.
    c.generate_key(&anna, KeyKind::Kek, "second").expect("key");
    let bundle = c.audit_inclusion_bundle(2, None).expect("bundle");
    let entry = verify_inclusion_bundle(&bundle.to_text(), &key).expect("verifies with the public key alone");
    assert_eq!(entry.kind(), EventKind::KeyGenerated);
    let swapped = json.replacen(
        &serde_json::to_string(&cp.to_note()).expect("json string"),
        &serde_json::to_string(&bundle.checkpoint().to_note()).expect("json string"),
        1,
    );
    assert_ne!(swapped, json);
    let err = Anchor::from_json(&swapped).expect("parses").verify(&key).expect_err("another size");
    assert!(matches!(err, Error::AnchorInvalid(_)), "{err}");
    let later = c.audit_checkpoint_merkle().expect("later");
    let proof = c.audit_consistency_proof(first.count(), Some(later.count())).expect("proof");
    proof.verify(&cp, &key).expect("grew");
    assert!(proof.is_for(later.merkle().expect("merkle")));
    c.close().expect("close");
    assert!(matches!(c.audit_inclusion_bundle(2, None), Err(Error::CustodianClosed)));
}

#[test]
fn a_counter_signer_refuses_an_anchor_of_a_rewritten_log() {
    let (da, db) = (tempfile::tempdir().expect("a"), tempfile::tempdir().expect("b"));
    // A: a log written with an audit key we hold here, so that the test can rewrite it as a key thief would.
    let open_a = || {
        AuditLog::open(da.path(), SigningKey::from_bytes(SEED), AuditOptions::with_clock(clock()).checkpoint_every(0))
            .expect("opens")
            .0
    };
    let a = open_a();
    let a_key = public(SEED).to_string();
    let b = custodian(db.path());
    let bert = actor("bert", "DE");
    let witness = b.generate_key(&bert, KeyKind::Ed25519, "witness").expect("witness key");
    let witness_public: VerifyingKey = b.export_public(&witness).expect("export").parse().expect("parses");
    for i in 0..4 {
        a.append(&AuditEvent::new(EventKind::Sealed).detail("n", &i.to_string())).expect("appends");
    }
    let first = a.checkpoint_merkle().expect("first");
    let first = b.countersign_anchor(&bert, &first, &a_key, &witness).expect("witnessed");
    assert!(first.merkle().expect("merkle").is_cosigned_by(&witness_public));
    first.verify(&public(SEED)).expect("verifies with the witness line");

    // Honest growth: B checks the proof sent with the request against the anchor it signed last.
    for i in 4..9 {
        a.append(&AuditEvent::new(EventKind::Sealed).detail("n", &i.to_string())).expect("appends");
    }
    let second = a.checkpoint_merkle().expect("second");
    let proof = a.consistency_proof(first.count(), Some(second.count())).expect("proof");
    let proof = ConsistencyProof::parse(&proof.to_text()).expect("travels as text");
    let witnessed =
        b.countersign_anchor_extending(&bert, &second, &a_key, &witness, &first, &proof).expect("the log only grew");
    assert!(witnessed.is_witnessed_by(&witness_public));
    assert!(witnessed.merkle().expect("merkle").is_cosigned_by(&witness_public));
    // A proof for another checkpoint than the anchor's is refused.
    let err = b
        .countersign_anchor_extending(&bert, &first, &a_key, &witness, &first, &proof)
        .expect_err("proof for another checkpoint");
    assert!(matches!(err, Error::MerkleProofInvalid(_)), "{err}");
    // Anchors without Merkle checkpoints cannot show growth.
    let plain = a.checkpoint().expect("plain anchor");
    let err = b
        .countersign_anchor_extending(&bert, &plain, &a_key, &witness, &first, &proof)
        .expect_err("no Merkle checkpoint");
    assert!(matches!(err, Error::AnchorInvalid(_)), "{err}");
    a.close().expect("close");
    drop(a);

    // The key thief cuts the log below `first` (back to the creation checkpoint) and writes another history.
    let path = da.path().join(custodia::audit::LOG_FILE_NAME);
    let file = lines(&path);
    std::fs::write(&path, file[..2].iter().map(|l| format!("{l}\n")).collect::<String>()).expect("cut");
    let a = open_a();
    for i in 0..12 {
        a.append(&AuditEvent::new(EventKind::Opened).detail("m", &i.to_string())).expect("appends");
    }
    let third = a.checkpoint_merkle().expect("the rewritten log verifies on its own");
    assert!(third.count() > first.count());
    let forged = a.consistency_proof(first.count(), Some(third.count())).expect("computable over the new log");
    let err = b
        .countersign_anchor_extending(&bert, &third, &a_key, &witness, &first, &forged)
        .expect_err("rewritten below the last anchor B signed");
    assert!(matches!(err, Error::MerkleProofInvalid(_)), "{err}");
    // Cut without rewriting: the newer anchor is smaller than the one B holds.
    let err = b
        .countersign_anchor_extending(&bert, &first, &a_key, &witness, &witnessed, &proof)
        .expect_err("the log shrank");
    assert!(matches!(err, Error::MerkleProofInvalid(_)), "{err}");
    let refused = custodia::audit::entries(b.audit_log().path())
        .expect("entries")
        .filter_map(Result::ok)
        .filter(|e| e.kind() == EventKind::AnchorWitnessed && e.event.outcome != Outcome::Ok)
        .collect::<Vec<_>>();
    assert!(
        refused.iter().any(|e| e.event.outcome == Outcome::Failed { kind: "merkle_proof_invalid".into() }
            && e.event.detail.get("consistent_from") == Some(&first.count().to_string())),
        "{refused:?}"
    );
}
