//! Anchors, counter-signing, close/checkpoint and erasure certificates through the `Custodian` facade: the calls
//! that put the defence `docs/AUDIT.md` calls mandatory (anchors held by another authority) on the paths hosts use.

use std::path::Path;
use std::sync::Arc;

use custodia::AUDIT_KEY_LABEL;
use custodia::audit::{Anchor, ErasureCertificate, EventKind, Outcome, entries, parse_audit_key, verify};
use custodia::{
    Actor, CaseRef, Category, Classification, Custodian, CustodianOptions, Error, FixedClock, Jurisdiction, KeyId,
    KeyKind, OpenRequest, Purpose, PurposeSet, SealOptions, Sensitive, Timestamp,
};
use custodia::{KdfParams, Unlock};

const T0: u64 = 1_795_435_200; // 2026-11-23T12:00:00Z

fn open_at(dir: &Path, clock: &Arc<FixedClock>) -> Custodian {
    let mut opts = CustodianOptions::with_clock(clock.clone());
    opts.kdf = KdfParams::DANGER_TEST_ONLY;
    opts.checkpoint_every = 0; // checkpoints only where a test asks for them
    opts.create = true;
    Custodian::load(dir, Unlock::passphrase("test passphrase"), opts).expect("open custodian")
}

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(Timestamp::from_unix(T0)))
}

fn actor(id: &str, jur: &str) -> Actor {
    Actor::new(id, "central authority", Jurisdiction::parse(jur).expect("jurisdiction"), Classification::Secret)
        .expect("actor")
}

fn seal_one(c: &Custodian, a: &Actor, kek: KeyId) -> Vec<u8> {
    let mut o = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![kek]);
    o.case_ref = Some(CaseRef::parse("MLA-2026-0042").expect("case"));
    c.seal(a, &Sensitive::new(b"bank statement".to_vec(), Category::FinancialRecords), &o).expect("seal").envelope
}

fn audit_key_id(c: &Custodian) -> KeyId {
    c.keys().expect("keys").into_iter().find(|k| k.label == AUDIT_KEY_LABEL).expect("audit key").id
}

fn log_lines(c: &Custodian) -> Vec<String> {
    std::fs::read_to_string(c.audit_log().path()).expect("reads").lines().map(|l| format!("{l}\n")).collect()
}

/// A file writer cuts the log back to an earlier checkpoint. The file alone cannot tell (every checkpoint and link
/// still verifies), but the anchor that another authority holds can: `verify_audit` with it refuses.
#[test]
fn an_anchor_catches_a_log_cut_back_to_an_earlier_checkpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = open_at(dir.path(), &clock());
    let anna = actor("anna", "NL");
    let kek = c.generate_key(&anna, KeyKind::Kek, "local").expect("kek");
    let early = c.checkpoint().expect("checkpoint");
    let sealed = seal_one(&c, &anna, kek);
    let req = OpenRequest::new(anna.clone(), Purpose::parse("investigation").expect("purpose"));
    c.open(&req, &sealed).expect("opens");
    let anchor = Anchor::from_json(&c.checkpoint().expect("checkpoint").to_json()).expect("round trip");
    assert!(anchor.count() > early.count());
    let report = c.verify_audit(std::slice::from_ref(&anchor)).expect("an intact log verifies with its anchor");
    assert_eq!(report.anchors, 1);
    let closing = c.close().expect("close");
    assert_eq!(c.verify_audit(&[anchor.clone(), closing]).expect("closed, still verifiable").anchors, 2);

    // Cut everything after the early checkpoint: the `sealed` and `opened` entries vanish.
    let lines = log_lines(&c);
    let keep = usize::try_from(early.count()).expect("small") + 1; // entries 0..count, then the checkpoint itself
    std::fs::write(c.audit_log().path(), lines[..keep].concat()).expect("truncates");

    let public = parse_audit_key(&c.audit_public_key().expect("key")).expect("parses");
    let alone = verify(c.audit_log().path(), &public, &[]).expect("the file alone cannot tell");
    assert_eq!((alone.entries, alone.unsealed_tail), (keep as u64, 0));
    let err = c.verify_audit(std::slice::from_ref(&anchor)).expect_err("the anchor pins the prefix");
    assert!(
        matches!(&err, Error::AuditTampered { entry, reason } if *entry == keep as u64 && reason.contains("truncated")),
        "{err}"
    );
}

/// A file writer cuts the log back to an earlier checkpoint while the custodian is running. The file alone cannot
/// tell, but the custodian remembers the latest checkpoint it wrote: `verify_audit` refuses even without anchors.
#[test]
fn a_running_custodian_catches_a_cut_behind_its_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = open_at(dir.path(), &clock());
    let anna = actor("anna", "NL");
    let kek = c.generate_key(&anna, KeyKind::Kek, "local").expect("kek");
    let early = c.checkpoint().expect("checkpoint");
    seal_one(&c, &anna, kek);
    let latest = c.checkpoint().expect("checkpoint");
    assert_eq!(c.verify_audit(&[]).expect("intact").anchors, 0, "the implicit anchor is not counted");

    let lines = log_lines(&c);
    let keep = usize::try_from(early.count()).expect("small") + 1;
    std::fs::write(c.audit_log().path(), lines[..keep].concat()).expect("truncates");
    let public = parse_audit_key(&c.audit_public_key().expect("key")).expect("parses");
    verify(c.audit_log().path(), &public, &[]).expect("the file alone cannot tell");
    let err = c.verify_audit(&[]).expect_err("the custodian's own latest checkpoint pins the prefix");
    assert!(
        matches!(&err, Error::AuditTampered { entry, reason } if *entry == keep as u64 && reason.contains("truncated")),
        "{err} (latest checkpoint covers {})",
        latest.count()
    );
}

/// Anchors that do not belong here are refused with their own error, not taken as evidence.
#[test]
fn forged_or_foreign_anchors_are_refused() {
    let (da, db) = (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
    let (a, b) = (open_at(da.path(), &clock()), open_at(db.path(), &clock()));
    let anchor = a.checkpoint().expect("checkpoint");
    let foreign = b.checkpoint().expect("checkpoint");
    let err = a.verify_audit(&[foreign]).expect_err("another custodian's anchor");
    assert!(matches!(err, Error::AnchorInvalid(_)), "{err}");

    let mut json: serde_json::Value = serde_json::from_str(&anchor.to_json()).expect("json");
    json["count"] = serde_json::json!(anchor.count() + 1);
    let forged = Anchor::from_json(&json.to_string()).expect("well-formed");
    let err = a.verify_audit(&[forged]).expect_err("forged");
    assert!(matches!(err, Error::AnchorInvalid(_)), "{err}");
    assert_eq!(err.code(), 507);
}

/// Authority B counter-signs A's anchor with an Ed25519 key of its own keyring; A can check who witnessed it and
/// verify its log with it; both acts are in B's log.
#[test]
fn counter_signing_with_a_keyring_key() {
    let (da, db) = (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
    let (a, b) = (open_at(da.path(), &clock()), open_at(db.path(), &clock()));
    let (anna, ben) = (actor("anna", "NL"), actor("ben", "DE"));
    a.generate_key(&anna, KeyKind::Kek, "local").expect("kek");
    let witness = b.generate_key(&ben, KeyKind::Ed25519, "witness key").expect("witness");
    let witness_public = parse_audit_key(&b.export_public(&witness).expect("export")).expect("parses");

    // What travels between the authorities is text.
    let sent = a.checkpoint().expect("checkpoint").to_json();
    let a_key = a.audit_public_key().expect("key");
    let witnessed =
        b.countersign_anchor(&ben, &Anchor::from_json(&sent).expect("parses"), &a_key, &witness).expect("ok");
    let returned = Anchor::from_json(&witnessed.to_json()).expect("parses");
    assert!(returned.is_witnessed_by(&witness_public));
    assert!(!returned.is_witnessed_by(&parse_audit_key(&b.audit_public_key().expect("key")).expect("parses")));
    returned.verify(&parse_audit_key(&a_key).expect("parses")).expect("all signatures verify");
    assert_eq!(a.verify_audit(std::slice::from_ref(&returned)).expect("verifies").anchors, 1);

    // A second witness (C) adds its signature; B's is kept.
    let dc = tempfile::tempdir().expect("tempdir");
    let c = open_at(dc.path(), &clock());
    let carla = actor("carla", "FR");
    let w2 = c.generate_key(&carla, KeyKind::Ed25519, "witness key").expect("witness");
    let twice = c.countersign_anchor(&carla, &returned, &a_key, &w2).expect("ok");
    assert!(twice.is_witnessed_by(&witness_public));
    assert!(twice.is_witnessed_by(&parse_audit_key(&c.export_public(&w2).expect("export")).expect("parses")));

    let witnessed_events: Vec<_> = entries(b.audit_log().path())
        .expect("entries")
        .map(|e| e.expect("entry"))
        .filter(|e| e.kind() == EventKind::AnchorWitnessed)
        .collect();
    assert_eq!(witnessed_events.len(), 1);
    let ev = &witnessed_events[0].event;
    assert_eq!(ev.outcome, Outcome::Ok);
    assert_eq!(ev.keys, vec![witness]);
    assert_eq!(ev.actor.as_ref().map(Actor::id), Some("ben"));
    assert_eq!(ev.detail.get("anchor_count").map(String::as_str), Some(returned.count().to_string().as_str()));
    b.verify_audit(&[]).expect("B's log verifies");
}

/// An anchor whose signature does not verify against the key given is refused (and the attempt recorded), and the
/// witness must be a usable, separate Ed25519 key of this keyring.
#[test]
fn counter_signing_refuses_bad_anchors_and_unfit_witness_keys() {
    let (da, db, dm) =
        (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("d"));
    let (a, b, mallory) = (open_at(da.path(), &clock()), open_at(db.path(), &clock()), open_at(dm.path(), &clock()));
    let ben = actor("ben", "DE");
    let witness = b.generate_key(&ben, KeyKind::Ed25519, "witness key").expect("witness");
    let anchor = a.checkpoint().expect("checkpoint");
    let a_key = a.audit_public_key().expect("key");

    // Mallory's checkpoint presented as A's: the signature does not verify with A's key.
    let fake = mallory.checkpoint().expect("checkpoint");
    let err = b.countersign_anchor(&ben, &fake, &a_key, &witness).expect_err("not A's");
    assert!(matches!(err, Error::AnchorInvalid(_)), "{err}");
    // A's anchor with its count raised (to cover entries that were never checkpointed).
    let mut json: serde_json::Value = serde_json::from_str(&anchor.to_json()).expect("json");
    json["count"] = serde_json::json!(anchor.count() + 5);
    let raised = Anchor::from_json(&json.to_string()).expect("well-formed");
    assert!(matches!(b.countersign_anchor(&ben, &raised, &a_key, &witness), Err(Error::AnchorInvalid(_))));
    // A genuine anchor with a forged counter-signature already on it.
    let mut tampered_witness = b.countersign_anchor(&ben, &anchor, &a_key, &witness).expect("genuine");
    let mut json: serde_json::Value = serde_json::from_str(&tampered_witness.to_json()).expect("json");
    let sig = json["witnesses"][0]["sig"].as_str().expect("sig").to_owned();
    json["witnesses"][0]["sig"] =
        serde_json::json!(format!("{}{}", if sig.starts_with('0') { "1" } else { "0" }, &sig[1..]));
    tampered_witness = Anchor::from_json(&json.to_string()).expect("well-formed");
    assert!(matches!(b.countersign_anchor(&ben, &tampered_witness, &a_key, &witness), Err(Error::AnchorInvalid(_))));

    let failed: Vec<_> = entries(b.audit_log().path())
        .expect("entries")
        .map(|e| e.expect("entry"))
        .filter(|e| e.kind() == EventKind::AnchorWitnessed && e.event.outcome != Outcome::Ok)
        .collect();
    assert_eq!(failed.len(), 3, "every refused counter-signature is recorded");
    assert_eq!(failed[0].event.outcome, Outcome::Failed { kind: "anchor_invalid".into() });

    // Unfit witnesses.
    let own_audit = audit_key_id(&b);
    assert!(matches!(b.countersign_anchor(&ben, &anchor, &a_key, &own_audit), Err(Error::InvalidArgument(_))));
    let kek = b.generate_key(&ben, KeyKind::Kek, "kek").expect("kek");
    assert!(matches!(b.countersign_anchor(&ben, &anchor, &a_key, &kek), Err(Error::InvalidArgument(_))));
    let imported = b
        .import_public(
            &ben,
            &a.audit_public_key().expect("key"),
            "A's audit key",
            Jurisdiction::parse("DE").expect("DE"),
        )
        .expect("imports");
    assert!(matches!(b.countersign_anchor(&ben, &anchor, &a_key, &imported), Err(Error::KeyState { .. })));
    b.destroy_key(&ben, &witness, "witness key retired").expect("destroyed");
    assert!(matches!(b.countersign_anchor(&ben, &anchor, &a_key, &witness), Err(Error::KeyDestroyed { .. })));
    // Witnessing one's own log, and a mistyped key text.
    let own = b.checkpoint().expect("checkpoint");
    let w = b.generate_key(&ben, KeyKind::Ed25519, "witness key 2").expect("witness");
    let b_key = b.audit_public_key().expect("key");
    assert!(matches!(b.countersign_anchor(&ben, &own, &b_key, &w), Err(Error::InvalidArgument(_))));
    let at = a_key.find(':').expect("prefix") + 5;
    let swapped = if a_key.as_bytes()[at] == b'A' { "B" } else { "A" };
    let typo = format!("{}{swapped}{}", &a_key[..at], &a_key[at + 1..]);
    assert!(matches!(b.countersign_anchor(&ben, &anchor, &typo, &w), Err(Error::InvalidKeyText(_))));
    let x25519 = b.generate_key(&ben, KeyKind::X25519, "not a signing key").expect("x25519");
    let x_text = b.export_public(&x25519).expect("export");
    assert!(matches!(b.countersign_anchor(&ben, &anchor, &x_text, &w), Err(Error::InvalidKeyText(_))));
}

/// `destroy_key` returns the certificate it wrote; it verifies with the audit public key alone, and any change to it
/// does not.
#[test]
fn destroy_key_returns_a_certificate_that_verifies_with_the_public_key_alone() {
    let (da, db) = (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
    let (c, other) = (open_at(da.path(), &clock()), open_at(db.path(), &clock()));
    let anna = actor("anna", "NL");
    let case = CaseRef::parse("MLA-2026-0042").expect("case");
    let key = c.case_key(&anna, &case, None).expect("case key");
    let cert = c.destroy_key(&anna, &key, "retention period ended").expect("destroyed");
    assert_eq!(cert.keys(), &[key]);
    assert_eq!(cert.case(), Some(&case));
    assert_eq!(cert.reason(), "retention period ended");

    // Elsewhere, later: the text and the audit key's text are all it takes.
    let text = cert.to_json();
    let audit_key = parse_audit_key(&c.audit_public_key().expect("key")).expect("parses");
    let parsed = ErasureCertificate::from_json(&text).expect("parses");
    parsed.verify(&audit_key).expect("verifies");
    assert_eq!(parsed, cert);
    // The certificate is the one in the log.
    let logged = entries(c.audit_log().path())
        .expect("entries")
        .map(|e| e.expect("entry"))
        .find(|e| e.kind() == EventKind::Erasure)
        .expect("erasure entry");
    assert_eq!(logged.seq, cert.seq());

    let other_key = parse_audit_key(&other.audit_public_key().expect("key")).expect("parses");
    assert!(matches!(parsed.verify(&other_key), Err(Error::AuditWrongKey { .. })));
    for (from, to) in [
        ("retention period ended", "retention period extended"),
        ("MLA-2026-0042", "MLA-2026-0043"),
        (&key.to_string(), &KeyId::from_bytes([7; 16]).to_string()),
        (&format!("\"seq\":{}", cert.seq()), &format!("\"seq\":{}", cert.seq() + 1)),
    ] {
        let forged = text.replacen(from, to, 1);
        assert_ne!(forged, text, "{from}");
        let err =
            ErasureCertificate::from_json(&forged).expect("still well-formed").verify(&audit_key).expect_err(from);
        assert!(matches!(err, Error::AuditTampered { .. }), "{from}: {err}");
    }
}

/// `shred_expired` reports one certificate per destroyed key.
#[test]
fn shred_expired_carries_the_certificates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clk = clock();
    let c = open_at(dir.path(), &clk);
    let anna = actor("anna", "NL");
    let due = Some(Timestamp::from_unix(T0 + 10));
    let k1 = c.case_key(&anna, &CaseRef::parse("MLA-2026-0001").expect("case"), due).expect("key");
    let k2 = c.case_key(&anna, &CaseRef::parse("MLA-2026-0002").expect("case"), due).expect("key");
    c.case_key(&anna, &CaseRef::parse("MLA-2026-0003").expect("case"), None).expect("kept");
    clk.advance(60);
    let report = c.shred_expired(&anna).expect("shred");
    assert_eq!(report.destroyed.len(), 2);
    assert_eq!(report.certificates.len(), 2);
    let audit_key = parse_audit_key(&c.audit_public_key().expect("key")).expect("parses");
    for (id, cert) in report.destroyed.iter().zip(&report.certificates) {
        assert_eq!(cert.keys(), &[*id]);
        ErasureCertificate::from_json(&cert.to_json()).expect("parses").verify(&audit_key).expect("verifies");
    }
    assert!(report.destroyed.contains(&k1) && report.destroyed.contains(&k2));
}

/// After `close`, nothing touches a key or writes the log; the anchor it returned pins the log on reopen.
#[test]
fn close_then_operations_fail_and_nothing_is_recorded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clk = clock();
    let c = open_at(dir.path(), &clk);
    let anna = actor("anna", "NL");
    let kek = c.generate_key(&anna, KeyKind::Kek, "local").expect("kek");
    let sealed = seal_one(&c, &anna, kek);
    let anchor = c.close().expect("close");
    assert!(c.is_closed());
    let size = std::fs::metadata(c.audit_log().path()).expect("meta").len();
    let unwraps = c.unwrap_attempts();

    let req = OpenRequest::new(anna.clone(), Purpose::parse("investigation").expect("purpose"));
    let closed = |r: Result<(), Error>, what: &str| {
        let err = r.expect_err(what);
        assert!(matches!(err, Error::CustodianClosed), "{what}: {err}");
        assert_eq!(err.code(), 506);
    };
    closed(c.open(&req, &sealed).map(drop), "open");
    closed(
        c.seal(
            &anna,
            &Sensitive::new(b"x".to_vec(), Category::FinancialRecords),
            &SealOptions::new(PurposeSet::parse(&["investigation"]).expect("purposes"), vec![kek]),
        )
        .map(drop),
        "seal",
    );
    closed(c.generate_key(&anna, KeyKind::Kek, "late").map(drop), "generate_key");
    closed(c.rotate(&anna, &kek).map(drop), "rotate");
    closed(c.destroy_key(&anna, &kek, "too late").map(drop), "destroy_key");
    closed(c.rewrap(&anna, &req.purpose, &sealed, &[kek], &[]).map(drop), "rewrap");
    closed(c.checkpoint().map(drop), "checkpoint");
    closed(c.keys().map(drop), "keys");
    let w = KeyId::from_bytes([1; 16]);
    closed(c.countersign_anchor(&anna, &anchor, &c.audit_public_key().expect("key"), &w).map(drop), "countersign");
    assert_eq!(c.unwrap_attempts(), unwraps, "a closed custodian touches no key");
    assert_eq!(std::fs::metadata(c.audit_log().path()).expect("meta").len(), size, "nothing was recorded");

    // What still works: the audit key, verification, inspection, and closing again.
    assert_eq!(c.close().expect("idempotent"), anchor);
    c.inspect(&sealed).expect("inspect");
    let r = c.verify_audit(std::slice::from_ref(&anchor)).expect("verifies");
    assert_eq!((r.unsealed_tail, r.anchors), (0, 1));
    drop(c);

    // Reopened, the log is the one the anchor pins, and the key is still there (nothing was destroyed).
    let c = open_at(dir.path(), &clk);
    c.verify_audit(std::slice::from_ref(&anchor)).expect("the anchor still pins the prefix");
    assert_eq!(c.keys().expect("keys").iter().filter(|k| k.kind == KeyKind::Kek).count(), 1);
    assert_eq!(c.open(&req, &sealed).expect("opens").data.expose_secret(), b"bank statement");
}

/// Dropping without `close` still writes the closing checkpoint (best effort), as before.
#[test]
fn drop_without_close_still_seals_the_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = open_at(dir.path(), &clock());
    c.generate_key(&actor("anna", "NL"), KeyKind::Kek, "local").expect("kek");
    let path = c.audit_log().path().to_owned();
    let key = parse_audit_key(&c.audit_public_key().expect("key")).expect("parses");
    drop(c);
    let r = verify(&path, &key, &[]).expect("verifies");
    assert_eq!(r.unsealed_tail, 0);
    assert_eq!(r.last_checkpoint, Some(r.entries - 1));
}
