//! The rule of speciality (issue 14, section 2): onward transfers and purpose extensions need the originator's
//! signed grant.
//!
//! The scene: DE (the requesting state, the originator) seals a bank statement for NL, signed with DE's key, for
//! `investigation` and `mla.execution`. NL holds it; FR is a third state. Without a grant NL may neither pass it to
//! FR nor use it for `prosecution`; with DE's grant it may, and every later reader checks the grant in the header.
//! Each attack (no grant, forged, wrong signer, another envelope, expired, wrong key or jurisdiction, malformed,
//! unsigned envelope) is refused with a typed error, recorded, before any key is touched.

mod common;

use common::authority::{Authority, authority, j, p};
use std::sync::Arc;

use custodia::audit::{AuditEvent, EventKind, Outcome};
use custodia::format;
use custodia::{
    AccessPolicy, Actor, Basis, CaseRef, Category, Classification, Custodian, Error, FixedClock, Grant, GrantScope,
    KeyId, KeyKind, OpenRequest, PurposeSet, RewrapOptions, SealOptions, Sensitive, Timestamp,
};

const T0: u64 = 1_795_435_200; // 2026-11-23T12:00:00Z
const DAY: u64 = 86_400;
const STATEMENT: &[u8] = b"IBAN NL91ABNA0417164300: 1,204,331.17 EUR moved to account FR76 3000 6000 0112 3456";
const LETTER: &str = "DE request letter 2026/118, answer of 2026-11-23";

fn officer(id: &str, jur: &str) -> Actor {
    Actor::new(id, "central_authority", j(jur), Classification::Secret).expect("actor")
}

fn anna() -> Actor {
    officer("anna", "DE")
}

fn jan() -> Actor {
    officer("jan", "NL")
}

fn claire() -> Actor {
    officer("claire", "FR")
}

struct Scene {
    clock: Arc<FixedClock>,
    de: Authority,
    nl: Authority,
    fr: Authority,
    /// DE's signing key (in DE's keyring with its secret; imported into FR's as public).
    de_signer: KeyId,
    /// FR's X25519 key, imported into NL's keyring for FR.
    fr_key: KeyId,
    /// The envelope DE sealed for NL, signed by DE.
    envelope: Vec<u8>,
    object_id: String,
}

fn scene() -> Scene {
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let (de, nl, fr) = (authority(&clock), authority(&clock), authority(&clock));
    let de_signer = de.c.generate_key(&anna(), KeyKind::Ed25519, "DE signing").expect("ed25519");
    let nl_key = nl.c.generate_key(&jan(), KeyKind::X25519, "NL central authority").expect("x25519");
    let nl_in_de =
        de.c.import_public(&anna(), &nl.c.export_public(&nl_key).expect("export"), "NL", j("NL")).expect("import");
    let fr_own = fr.c.generate_key(&claire(), KeyKind::X25519, "FR central authority").expect("x25519");
    let fr_key =
        nl.c.import_public(&jan(), &fr.c.export_public(&fr_own).expect("export"), "FR", j("FR")).expect("import");
    fr.c.import_public(&claire(), &de.c.export_public(&de_signer).expect("export"), "DE signing", j("DE"))
        .expect("import signer");
    let mut o = SealOptions::new(PurposeSet::parse(&["investigation", "mla.execution"]).expect("p"), vec![nl_in_de]);
    o.case_ref = Some(CaseRef::parse("MLA-2026-0118").expect("case"));
    o.destinations = vec![j("NL")];
    o.not_after = Some(Timestamp::from_unix(T0 + 365 * DAY));
    o.signer = Some(de_signer);
    let data = Sensitive::new(STATEMENT.to_vec(), Category::FinancialRecords);
    let sealed = de.c.seal(&anna(), &data, &o).expect("seal");
    Scene { clock, de, nl, fr, de_signer, fr_key, envelope: sealed.envelope, object_id: sealed.object_id }
}

impl Scene {
    fn onward_grant(&self, not_after: u64) -> Grant {
        let scope = GrantScope::onward_transfer("Parquet national financier", j("FR"), self.fr_key).expect("scope");
        self.de
            .c
            .issue_grant(&anna(), &self.de_signer, &self.object_id, scope, Timestamp::from_unix(not_after), LETTER)
            .expect("grant")
    }

    fn extension_grant(&self, purposes: &[&str], not_after: u64) -> Grant {
        let scope = GrantScope::purpose_extension(PurposeSet::parse(purposes).expect("p")).expect("scope");
        self.de
            .c
            .issue_grant(&anna(), &self.de_signer, &self.object_id, scope, Timestamp::from_unix(not_after), LETTER)
            .expect("grant")
    }

    fn share(&self, grants: Vec<Grant>) -> custodia::Result<Vec<u8>> {
        let mut o = RewrapOptions::new(p("mla.execution"), vec![self.fr_key]);
        o.grants = grants;
        self.nl.c.rewrap_with(&jan(), &self.envelope, &o)
    }
}

fn events(c: &Custodian) -> Vec<AuditEvent> {
    custodia::audit::entries(c.audit_log().path()).expect("entries").map(|e| e.expect("entry").event).collect()
}

fn last(c: &Custodian) -> AuditEvent {
    events(c).pop().expect("an entry")
}

fn detail<'a>(e: &'a AuditEvent, k: &str) -> Option<&'a str> {
    e.detail.get(k).map(String::as_str)
}

/// `e` is the typed refusal `kind`, its message contains `says`, no key was touched, and the last audit entry of
/// `c` is a `refused` event naming it.
fn assert_refused(c: &Custodian, before: u64, e: &Error, code: u32, says: &str) {
    assert_eq!(e.code(), code, "{e}");
    assert!(e.is_refusal(), "{e}");
    assert!(e.to_string().contains(says), "{e} lacks {says:?}");
    assert_eq!(c.unwrap_attempts(), before, "a key was touched");
    let ev = last(c);
    assert_eq!(ev.kind, EventKind::Refused, "{ev:?}");
    match &ev.outcome {
        Outcome::Refused { kind, message } => {
            assert_eq!(kind, e.kind_name());
            assert_eq!(message, &e.to_string());
        }
        other => panic!("{other:?}"),
    }
}

fn open(c: &Custodian, actor: Actor, purpose: &str, envelope: &[u8]) -> custodia::Result<custodia::Opened> {
    c.open(&OpenRequest::new(actor, p(purpose)), envelope)
}

// ---- onward transfer ---------------------------------------------------------------------------------------------

#[test]
fn an_onward_transfer_without_a_grant_is_refused_before_any_key_is_touched() {
    let s = scene();
    let before = s.nl.c.unwrap_attempts();
    let e = s.nl.c.rewrap(&jan(), &p("mla.execution"), &s.envelope, &[], &[s.fr_key]).unwrap_err();
    assert!(matches!(&e, Error::OnwardTransferNotGranted { key_id, .. } if *key_id == s.fr_key), "{e}");
    assert_refused(&s.nl.c, before, &e, 215, "not the envelope's originator");
    assert_eq!(detail(&last(&s.nl.c), "operation"), Some("share"));
    // Even to an authority of a destination: NL is not the originator, and DE granted nothing.
    let nl2 = authority(&s.clock);
    let other = nl2.c.generate_key(&jan(), KeyKind::X25519, "NL police").expect("x25519");
    let other =
        s.nl.c.import_public(&jan(), &nl2.c.export_public(&other).expect("export"), "NL police", j("NL")).expect("i");
    let e = s.nl.c.rewrap(&jan(), &p("mla.execution"), &s.envelope, &[], &[other]).unwrap_err();
    assert_refused(&s.nl.c, before, &e, 215, "no grant of the originator names this key");
    assert!(!events(&s.nl.c).iter().any(|e| e.kind == EventKind::Shared));
}

#[test]
fn the_originator_shares_within_the_destinations_without_a_grant() {
    let s = scene();
    let nl_again = s.de.c.keys().expect("keys").into_iter().find(|k| !k.has_secret && k.kind == KeyKind::X25519);
    let nl_key = nl_again.expect("NL key in DE").id;
    let escrow = s.de.c.generate_key(&anna(), KeyKind::Kek, "DE escrow").expect("kek");
    // DE's own copy, under its escrow KEK, signed by DE: DE is the originator and adds NL's key without a grant.
    let mut o = SealOptions::new(PurposeSet::parse(&["mla.execution"]).expect("p"), vec![escrow]);
    o.destinations = vec![j("NL")];
    o.signer = Some(s.de_signer);
    let data = Sensitive::new(STATEMENT.to_vec(), Category::FinancialRecords);
    let own = s.de.c.seal(&anna(), &data, &o).expect("seal").envelope;
    s.de.c.rewrap(&anna(), &p("mla.execution"), &own, &[], &[nl_key]).expect("originator shares");
    assert_eq!(last(&s.de.c).kind, EventKind::Shared);
}

#[test]
fn a_grant_allows_the_onward_transfer_and_travels_with_the_envelope() {
    let s = scene();
    let grant = s.onward_grant(T0 + 30 * DAY);
    // DE recorded the grant it issued.
    let issued = last(&s.de.c);
    assert_eq!(issued.kind, EventKind::GrantIssued);
    assert_eq!(detail(&issued, "grant"), Some(grant.id().to_string().as_str()));
    assert_eq!(detail(&issued, "grant_reference"), Some(LETTER));
    assert_eq!(detail(&issued, "scope"), Some("onward_transfer"));
    assert_eq!(detail(&issued, "recipient_jurisdiction"), Some("FR"));
    assert_eq!(issued.object.as_deref(), Some(s.object_id.as_str()));
    // It travels as text.
    let text = grant.to_armored();
    assert!(text.starts_with("-----BEGIN CUSTODIA GRANT-----\n"));
    let received = Grant::parse(text.as_bytes()).expect("parse");
    assert_eq!(received, grant);

    let shared = s.share(vec![received]).expect("share with the grant");
    let evs = events(&s.nl.c);
    let applied = evs.iter().find(|e| e.kind == EventKind::GrantApplied).expect("grant_applied");
    assert_eq!(detail(applied, "grant"), Some(grant.id().to_string().as_str()));
    assert_eq!(detail(applied, "grant_reference"), Some(LETTER));
    let sh = evs.last().expect("shared");
    assert_eq!(sh.kind, EventKind::Shared);
    assert_eq!(detail(sh, "grant"), Some(grant.id().to_string().as_str()));
    assert_eq!(detail(sh, "grant_reference"), Some(LETTER));

    // The grant is in the header; the sealed context, the old stanza, the payload and DE's signature are unchanged.
    let old = format::parse_header(&s.envelope).expect("header");
    let new = format::parse_header(&shared).expect("header");
    assert_eq!(new.grants(), &[grant.to_bytes()]);
    assert_eq!(new.stanzas()[0], old.stanzas()[0]);
    assert_eq!(&shared[new.len()..], &s.envelope[old.len()..]);
    // FR opens, requiring DE's signature: FR joined the permitted jurisdictions through the grant.
    let req = OpenRequest::new(claire(), p("investigation")).require_signer(s.de_signer);
    let opened = s.fr.c.open(&req, &shared).expect("FR opens");
    assert_eq!(opened.data.expose_secret(), STATEMENT);
    assert_eq!(opened.signer, Some(s.de_signer));
    // NL still opens its copy (re-wraps of the new envelope keep the grant).
    assert_eq!(open(&s.nl.c, jan(), "investigation", &shared).expect("NL").data.expose_secret(), STATEMENT);
    let again = s.nl.c.rewrap(&jan(), &p("mla.execution"), &shared, &[s.fr_key], &[s.fr_key]).expect("re-share");
    assert_eq!(format::parse_header(&again).expect("h").grants().len(), 1);
}

#[test]
fn hostile_onward_grants_are_refused_with_the_reason() {
    let s = scene();
    let good = s.onward_grant(T0 + 30 * DAY);
    let before = s.nl.c.unwrap_attempts();

    // A forged signature (one bit of it flipped).
    let mut bytes = good.to_bytes();
    let n = bytes.len();
    bytes[n - 1] ^= 0x01;
    let forged = Grant::from_bytes(&bytes).expect("well-formed");
    let e = s.share(vec![forged]).unwrap_err();
    assert_refused(&s.nl.c, before, &e, 215, "signature does not verify");

    // An altered grant (the recipient key changed, signature kept).
    let mut bytes = good.to_bytes();
    let key_at = n - 64 - 16;
    bytes[key_at] ^= 0x01;
    let altered = Grant::from_bytes(&bytes).expect("well-formed");
    let e = s.share(vec![altered]).unwrap_err();
    assert_refused(&s.nl.c, before, &e, 215, "signature does not verify");

    // Signed by another key than the envelope's signer (NL's own signing key).
    let nl_signer = s.nl.c.generate_key(&jan(), KeyKind::Ed25519, "NL signing").expect("ed25519");
    let scope = GrantScope::onward_transfer("PNF", j("FR"), s.fr_key).expect("scope");
    let by_nl =
        s.nl.c
            .issue_grant(&jan(), &nl_signer, &s.object_id, scope.clone(), Timestamp::from_unix(T0 + DAY), LETTER)
            .expect("grant");
    let e = s.share(vec![by_nl]).unwrap_err();
    assert_refused(&s.nl.c, before, &e, 215, "not by the envelope's signer");

    // For another envelope.
    let other = "00112233445566778899aabbccddeeff";
    let elsewhere =
        s.de.c.issue_grant(&anna(), &s.de_signer, other, scope, Timestamp::from_unix(T0 + DAY), LETTER).expect("g");
    let e = s.share(vec![elsewhere]).unwrap_err();
    assert_refused(&s.nl.c, before, &e, 215, "for another envelope");

    // Naming another key (FR's grant used to add a key it does not name).
    let be = authority(&s.clock);
    let be_key = be.c.generate_key(&jan(), KeyKind::X25519, "BE").expect("x25519");
    let be_key = s.nl.c.import_public(&jan(), &be.c.export_public(&be_key).expect("e"), "BE", j("BE")).expect("i");
    let mut o = RewrapOptions::new(p("mla.execution"), vec![be_key]);
    o.grants = vec![good.clone()];
    let e = s.nl.c.rewrap_with(&jan(), &s.envelope, &o).unwrap_err();
    assert!(matches!(&e, Error::OnwardTransferNotGranted { key_id, .. } if *key_id == be_key), "{e}");
    assert_refused(&s.nl.c, before, &e, 215, "no grant of the originator names this key");

    // A grant naming the key for another jurisdiction than the one it was imported with.
    let scope = GrantScope::onward_transfer("PNF", j("BE"), s.fr_key).expect("scope");
    let wrong_j =
        s.de.c
            .issue_grant(&anna(), &s.de_signer, &s.object_id, scope, Timestamp::from_unix(T0 + DAY), LETTER)
            .expect("g");
    let e = s.share(vec![wrong_j]).unwrap_err();
    assert_refused(&s.nl.c, before, &e, 215, "names jurisdiction BE, but the key was imported for FR");

    // Expired.
    s.clock.advance(31 * DAY);
    let e = s.share(vec![good]).unwrap_err();
    assert_refused(&s.nl.c, before, &e, 215, "expired");
    assert!(!events(&s.nl.c).iter().any(|e| e.kind == EventKind::Shared || e.kind == EventKind::GrantApplied));
}

#[test]
fn an_unsigned_envelope_cannot_be_shared_onward_by_a_recipient() {
    let s = scene();
    let nl_in_de = s.de.c.keys().expect("keys").into_iter().find(|k| !k.has_secret && k.kind == KeyKind::X25519);
    let mut o = SealOptions::new(PurposeSet::parse(&["mla.execution"]).expect("p"), vec![nl_in_de.expect("k").id]);
    o.destinations = vec![j("NL")];
    let data = Sensitive::new(STATEMENT.to_vec(), Category::FinancialRecords);
    let sealed = s.de.c.seal(&anna(), &data, &o).expect("seal");
    let before = s.nl.c.unwrap_attempts();
    let e = s.nl.c.rewrap(&jan(), &p("mla.execution"), &sealed.envelope, &[], &[s.fr_key]).unwrap_err();
    assert_refused(&s.nl.c, before, &e, 215, "unsigned");
    assert!(e.to_string().contains("origin (DE)"), "{e}");
    // And no grant can help: DE's signature key cannot vouch for an envelope it did not sign.
    let scope = GrantScope::onward_transfer("PNF", j("FR"), s.fr_key).expect("scope");
    let g =
        s.de.c
            .issue_grant(&anna(), &s.de_signer, &sealed.object_id, scope, Timestamp::from_unix(T0 + DAY), LETTER)
            .expect("grant");
    let mut ro = RewrapOptions::new(p("mla.execution"), vec![s.fr_key]);
    ro.grants = vec![g];
    let e = s.nl.c.rewrap_with(&jan(), &sealed.envelope, &ro).unwrap_err();
    assert_refused(&s.nl.c, before, &e, 215, "unsigned");
}

// ---- purpose extension -------------------------------------------------------------------------------------------

#[test]
fn a_purpose_extension_grant_opens_for_the_new_purpose_and_names_the_grant() {
    let s = scene();
    let before = s.nl.c.unwrap_attempts();
    let e = open(&s.nl.c, jan(), "prosecution.trial", &s.envelope).unwrap_err();
    assert!(matches!(e, Error::PurposeNotPermitted { .. }), "{e}");
    assert_eq!(s.nl.c.unwrap_attempts(), before);

    let grant = s.extension_grant(&["prosecution"], T0 + 60 * DAY);
    let extended = s.nl.c.extend_purposes(&jan(), &s.envelope, &grant).expect("extend");
    let applied = last(&s.nl.c);
    assert_eq!(applied.kind, EventKind::GrantApplied);
    assert_eq!(detail(&applied, "operation"), Some("extend_purposes"));
    assert_eq!(detail(&applied, "grant"), Some(grant.id().to_string().as_str()));
    assert_eq!(detail(&applied, "grant_reference"), Some(LETTER));
    // Any reader sees the grant the header now carries, without a key: listed by inspect and describe.
    assert!(s.nl.c.inspect(&s.envelope).expect("inspect").grants.is_empty());
    assert_eq!(s.de.c.inspect(&extended).expect("inspect").grants, vec![grant.clone()]);
    let text = s.de.c.describe(&extended).expect("describe");
    assert!(text.contains(&format!("grant: {} purpose_extension prosecution until", grant.id())), "{text}");

    let opened = open(&s.nl.c, jan(), "prosecution.trial", &extended).expect("open for the extended purpose");
    assert_eq!(opened.data.expose_secret(), STATEMENT);
    assert_eq!(opened.decision.basis, Basis::Extended { purpose: p("prosecution"), grant: grant.id() });
    let ev = last(&s.nl.c);
    assert_eq!(ev.kind, EventKind::Opened);
    assert_eq!(detail(&ev, "grant"), Some(grant.id().to_string().as_str()));
    // The envelope's own purposes still come first.
    let opened = open(&s.nl.c, jan(), "investigation", &extended).expect("open");
    assert_eq!(opened.decision.basis, Basis::Purpose(p("investigation")));
    // The original is untouched: still refused there.
    assert!(matches!(open(&s.nl.c, jan(), "prosecution", &s.envelope), Err(Error::PurposeNotPermitted { .. })));

    // After the grant's expiry the extension allows nothing more (the envelope's own purposes still open).
    s.clock.advance(61 * DAY);
    let before = s.nl.c.unwrap_attempts();
    let e = open(&s.nl.c, jan(), "prosecution", &extended).unwrap_err();
    assert_refused(&s.nl.c, before, &e, 216, "expired");
    open(&s.nl.c, jan(), "investigation", &extended).expect("own purpose");
}

#[test]
fn hostile_purpose_extensions_are_refused_with_the_reason() {
    let s = scene();
    let good = s.extension_grant(&["prosecution"], T0 + DAY);
    let before = s.nl.c.unwrap_attempts();
    let mut bytes = good.to_bytes();
    let n = bytes.len();
    bytes[n - 10] ^= 0x40;
    let forged = Grant::from_bytes(&bytes).expect("well-formed");
    let e = s.nl.c.extend_purposes(&jan(), &s.envelope, &forged).unwrap_err();
    assert_refused(&s.nl.c, before, &e, 216, "signature does not verify");
    assert_eq!(detail(&last(&s.nl.c), "operation"), Some("extend_purposes"));

    let onward = s.onward_grant(T0 + DAY);
    let e = s.nl.c.extend_purposes(&jan(), &s.envelope, &onward).unwrap_err();
    assert_refused(&s.nl.c, before, &e, 216, "not a purpose extension");

    let nl_signer = s.nl.c.generate_key(&jan(), KeyKind::Ed25519, "NL signing").expect("ed25519");
    let scope = GrantScope::purpose_extension(PurposeSet::parse(&["prosecution"]).expect("p")).expect("s");
    let self_granted =
        s.nl.c
            .issue_grant(&jan(), &nl_signer, &s.object_id, scope.clone(), Timestamp::from_unix(T0 + DAY), LETTER)
            .expect("grant");
    let e = s.nl.c.extend_purposes(&jan(), &s.envelope, &self_granted).unwrap_err();
    assert_refused(&s.nl.c, before, &e, 216, "not by the envelope's signer");

    let other =
        s.de.c
            .issue_grant(
                &anna(),
                &s.de_signer,
                "ffeeddccbbaa99887766554433221100",
                scope,
                Timestamp::from_unix(T0 + DAY),
                LETTER,
            )
            .expect("grant");
    let e = s.nl.c.extend_purposes(&jan(), &s.envelope, &other).unwrap_err();
    assert_refused(&s.nl.c, before, &e, 216, "for another envelope");

    // An actor who may not hold the data cannot apply a genuine grant either.
    let outsider = officer("mallory", "FR");
    let e = s.nl.c.extend_purposes(&outsider, &s.envelope, &good).unwrap_err();
    assert_refused(&s.nl.c, before, &e, 202, "jurisdiction FR is not permitted");

    s.clock.advance(2 * DAY);
    let e = s.nl.c.extend_purposes(&jan(), &s.envelope, &good).unwrap_err();
    assert_refused(&s.nl.c, before, &e, 216, "expired");
    assert!(!events(&s.nl.c).iter().any(|e| e.kind == EventKind::GrantApplied));
}

// ---- grants in the header ----------------------------------------------------------------------------------------

/// The index of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).position(|w| w == needle).expect("present")
}

#[test]
fn an_embedded_grant_that_does_not_verify_fails_the_open_before_any_key_is_touched() {
    let s = scene();
    let grant = s.extension_grant(&["prosecution"], T0 + DAY);
    let extended = s.nl.c.extend_purposes(&jan(), &s.envelope, &grant).expect("extend");
    let at = find(&extended, &grant.to_bytes());
    let before = s.nl.c.unwrap_attempts();

    // A signature bit flipped inside the header (as someone without the data key could do): typed refusal.
    let mut forged = extended.clone();
    forged[at + grant.to_bytes().len() - 1] ^= 0x01;
    let e = open(&s.nl.c, jan(), "investigation", &forged).unwrap_err();
    assert_refused(&s.nl.c, before, &e, 216, "signature does not verify");

    // A malformed grant inside the header: grant_invalid, recorded as a failure, no key touched.
    let mut broken = extended.clone();
    broken[at] = b'X';
    let e = open(&s.nl.c, jan(), "investigation", &broken).unwrap_err();
    assert!(matches!(e, Error::GrantInvalid(_)), "{e}");
    assert_eq!(e.code(), 312);
    assert_eq!(s.nl.c.unwrap_attempts(), before);
    assert!(matches!(&last(&s.nl.c).outcome, Outcome::Failed { kind } if kind == "grant_invalid"));
}

/// What someone holding the data key could write into a header (the format layer does not judge grants): a genuine
/// grant of another envelope, or a grant NL signed itself. Every reader refuses to open under it, typed, before any
/// key is touched.
#[test]
fn a_grant_written_into_a_header_by_a_data_key_holder_is_still_checked() {
    let s = scene();
    let nl_x25519 = s.nl.c.keys().expect("keys").into_iter().find(|k| k.kind == KeyKind::X25519).expect("key").id;
    let identity = format::X25519Identity::from_bytes(*s.nl.c.danger_export_secret_for_tests(&nl_x25519).expect("s"));
    let embed = |envelope: &[u8], grant: &Grant| -> Vec<u8> {
        let header = format::parse_header(envelope).expect("header");
        let dk = format::unwrap_with_x25519(&header, &identity, None).expect("unwrap");
        let (mut out, at) = format::reissue_header(&header, &dk, &[], &[], &[grant.to_bytes()]).expect("reissue");
        out.extend_from_slice(&envelope[at..]);
        out
    };
    // A second envelope from DE, and DE's genuine grant for the first one.
    let nl_in_de = s.de.c.keys().expect("keys").into_iter().find(|k| !k.has_secret && k.kind == KeyKind::X25519);
    let mut o = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("p"), vec![nl_in_de.expect("k").id]);
    o.destinations = vec![j("NL")];
    o.signer = Some(s.de_signer);
    let other = s.de.c.seal(&anna(), &Sensitive::new(b"other".to_vec(), Category::Evidence), &o).expect("seal");
    let grant = s.extension_grant(&["prosecution"], T0 + DAY);
    let copied = embed(&other.envelope, &grant);
    let before = s.nl.c.unwrap_attempts();
    let e = open(&s.nl.c, jan(), "investigation", &copied).unwrap_err();
    assert_refused(&s.nl.c, before, &e, 216, "for another envelope");

    // A grant NL signed itself, written into DE's envelope.
    let nl_signer = s.nl.c.generate_key(&jan(), KeyKind::Ed25519, "NL signing").expect("ed25519");
    let scope = GrantScope::purpose_extension(PurposeSet::parse(&["prosecution"]).expect("p")).expect("scope");
    let own =
        s.nl.c
            .issue_grant(&jan(), &nl_signer, &s.object_id, scope, Timestamp::from_unix(T0 + DAY), LETTER)
            .expect("grant");
    let self_granted = embed(&s.envelope, &own);
    let e = open(&s.nl.c, jan(), "prosecution", &self_granted).unwrap_err();
    assert_refused(&s.nl.c, before, &e, 216, "not by the envelope's signer");
    // The same envelope with DE's genuine grant opens for prosecution: the checks, not the format, decided.
    let genuine = embed(&s.envelope, &grant);
    open(&s.nl.c, jan(), "prosecution", &genuine).expect("genuine grant");
}

#[test]
fn the_grants_field_is_critical_and_outside_the_sealed_context() {
    let s = scene();
    let grant = s.extension_grant(&["prosecution"], T0 + DAY);
    let extended = s.nl.c.extend_purposes(&jan(), &s.envelope, &grant).expect("extend");
    // Tag 0x800e, critical: rename it to another critical tag and a reader that does not know it refuses.
    let at = find(&extended, &[0x80, 0x0e]);
    let mut unknown = extended.clone();
    unknown[at + 1] = 0x7f;
    assert!(matches!(format::parse_header(&unknown), Err(Error::UnknownCriticalField(0x807f))));
    // Stripping the grant (without the data key) breaks the header MAC: the extension cannot be removed or
    // swapped unnoticed, while the stanzas and the signature still verify over the sealed context.
    let old = format::parse_header(&s.envelope).expect("h");
    let new = format::parse_header(&extended).expect("h");
    assert_eq!(new.len(), old.len() + 4 + 1 + 2 + grant.to_bytes().len());
    assert_eq!(&extended[new.len()..], &s.envelope[old.len()..]);
    // DE's signature, over the sealed context and the payload, still verifies.
    let opened = s.nl.c.open(&OpenRequest::new(jan(), p("investigation")), &extended).expect("open");
    assert_eq!(opened.signer, Some(s.de_signer));
}

#[test]
fn grants_are_issued_only_with_an_own_signing_key_and_valid_inputs() {
    let s = scene();
    let scope = GrantScope::onward_transfer("PNF", j("FR"), s.fr_key).expect("scope");
    let future = Timestamp::from_unix(T0 + DAY);
    let kek = s.de.c.generate_key(&anna(), KeyKind::Kek, "kek").expect("kek");
    for (signer, oid, not_after, reference) in [
        (kek, s.object_id.as_str(), future, LETTER),
        (s.de_signer, "not hex", future, LETTER),
        (s.de_signer, &s.object_id.to_uppercase(), future, LETTER),
        (s.de_signer, s.object_id.as_str(), Timestamp::from_unix(T0 - 1), LETTER),
        (s.de_signer, s.object_id.as_str(), future, ""),
        (s.de_signer, s.object_id.as_str(), future, "line\nbreak"),
    ] {
        let r = s.de.c.issue_grant(&anna(), &signer, oid, scope.clone(), not_after, reference);
        assert!(matches!(r, Err(Error::InvalidArgument(_))), "{r:?}");
    }
    // A public-only signing key (another authority's) cannot issue.
    let fr_signer = s.fr.c.generate_key(&claire(), KeyKind::Ed25519, "FR signing").expect("ed25519");
    let imported =
        s.de.c.import_public(&anna(), &s.fr.c.export_public(&fr_signer).expect("e"), "FR signing", j("FR")).expect("i");
    assert!(matches!(
        s.de.c.issue_grant(&anna(), &imported, &s.object_id, scope, future, LETTER),
        Err(Error::KeyState { .. })
    ));
    assert!(!events(&s.de.c).iter().any(|e| e.kind == EventKind::GrantIssued));
}

#[test]
fn under_an_access_policy_only_the_case_team_extends_and_only_for_purposes_its_role_may_use() {
    let s = scene();
    let grant = s.extension_grant(&["prosecution"], T0 + 60 * DAY);
    let case = "MLA-2026-0118";
    let set = |policy: AccessPolicy| s.nl.c.set_access_policy(&jan(), policy).expect("policy");

    // Off the case team: refused before any key is touched, recorded.
    set(AccessPolicy::builder().case_team(case, &["piet"], &[]).build().expect("policy"));
    let before = s.nl.c.unwrap_attempts();
    let e = s.nl.c.extend_purposes(&jan(), &s.envelope, &grant).unwrap_err();
    assert_refused(&s.nl.c, before, &e, 210, "not on case");

    // On the team, but the role may not use the data for the extended purpose.
    set(AccessPolicy::builder()
        .role("central_authority", &[Category::FinancialRecords], &["investigation", "mla"])
        .case_team(case, &["jan"], &[])
        .build()
        .expect("policy"));
    let before = s.nl.c.unwrap_attempts();
    let e = s.nl.c.extend_purposes(&jan(), &s.envelope, &grant).unwrap_err();
    assert_refused(&s.nl.c, before, &e, 211, "prosecution");

    // On the team with a role that may: allowed.
    set(AccessPolicy::builder()
        .role("central_authority", &[Category::FinancialRecords], &["investigation", "mla", "prosecution"])
        .case_team(case, &["jan"], &[])
        .build()
        .expect("policy"));
    let extended = s.nl.c.extend_purposes(&jan(), &s.envelope, &grant).expect("extend");
    open(&s.nl.c, jan(), "prosecution.trial", &extended).expect("open for the extended purpose");
}
