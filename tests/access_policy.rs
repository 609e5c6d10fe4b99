//! The access policy (issue 14, sections 1, 3 and 4): need-to-know, transfer rules, four eyes, audited changes.
//!
//! Each rule is tried from the refused side: the refusal is typed, recorded as `refused`, and no key is touched
//! (`unwrap_attempts` does not move). Hostile inputs: policy files with errors (line and column), a policy file
//! edited or deleted behind the custodian's back, forged, expired, self-given, misdirected and malformed approvals.

use std::fs;
use std::io::Cursor;
use std::sync::Arc;

use custodia::audit::{AuditEvent, EventKind, Outcome};
use custodia::format::{InstrumentKind, LegalInstrument};
use custodia::{
    ACCESS_POLICY_FILE, AccessPolicy, Actor, Admission, Approval, ApprovalTerms, CaseRef, Category, Classification,
    Custodian, CustodianOptions, Error, ExceptionGround, ExceptionKind, FixedClock, Jurisdiction, KdfParams, KeyId,
    KeyKind, OpenRequest, Purpose, PurposeSet, SealOptions, Sensitive, Timestamp, TransferDecision, Unlock,
};

const T0: u64 = 1_795_435_200;
const CASE: &str = "MLA-2026-0042";
const WHY: &str = "The witness is in immediate danger and the court ordered disclosure to the protection unit";

struct Authority {
    dir: tempfile::TempDir,
    c: Custodian,
}

fn options(clock: &Arc<FixedClock>) -> CustodianOptions {
    let mut opts = CustodianOptions::with_clock(clock.clone());
    opts.kdf = KdfParams::DANGER_TEST_ONLY;
    opts.create = true;
    opts
}

fn authority(clock: &Arc<FixedClock>) -> Authority {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = Custodian::load(dir.path(), Unlock::master_key([9; 32]), options(clock)).expect("open");
    Authority { dir, c }
}

fn reload(a: Authority, clock: &Arc<FixedClock>) -> Authority {
    let Authority { dir, c } = a;
    c.close().expect("close");
    drop(c);
    let c = Custodian::load(dir.path(), Unlock::master_key([9; 32]), options(clock)).expect("reload");
    Authority { dir, c }
}

fn j(s: &str) -> Jurisdiction {
    Jurisdiction::parse(s).expect("jurisdiction")
}

fn p(s: &str) -> Purpose {
    Purpose::parse(s).expect("purpose")
}

fn actor(id: &str, role: &str) -> Actor {
    Actor::new(id, role, j("NL"), Classification::Secret).expect("actor")
}

fn anna() -> Actor {
    actor("anna.schmidt", "prosecutor")
}

fn events(c: &Custodian) -> Vec<AuditEvent> {
    custodia::audit::entries(c.audit_log().path()).expect("entries").map(|e| e.expect("entry").event).collect()
}

fn last(c: &Custodian) -> AuditEvent {
    events(c).pop().expect("an entry")
}

fn assert_refused(c: &Custodian, e: &Error, operation: Option<&str>) {
    let ev = last(c);
    assert_eq!(ev.kind, EventKind::Refused, "{ev:?}");
    match &ev.outcome {
        Outcome::Refused { kind, .. } => assert_eq!(kind, e.kind_name()),
        other => panic!("{other:?}"),
    }
    if let Some(op) = operation {
        assert_eq!(ev.detail.get("operation").map(String::as_str), Some(op), "{ev:?}");
    }
}

fn seal(c: &Custodian, kek: KeyId, category: Category, case: Option<&str>, purposes: &[&str]) -> Vec<u8> {
    let mut o = SealOptions::new(PurposeSet::parse(purposes).expect("purposes"), vec![kek]);
    o.case_ref = case.map(|c| CaseRef::parse(c).expect("case"));
    o.origin = Some(j("NL"));
    o.not_after = Some(Timestamp::from_unix(T0 + 86_400));
    let data = Sensitive::new(b"account NL91 ABNA 0417 1643 00".to_vec(), category);
    c.seal(&actor("sealer", "central_authority"), &data, &o).expect("seal").envelope
}

fn open(c: &Custodian, a: Actor, purpose: &str, envelope: &[u8]) -> custodia::Result<()> {
    c.open(&OpenRequest::new(a, p(purpose)), envelope).map(drop)
}

fn the_example() -> String {
    let doc = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/POLICY.md")).expect("docs/POLICY.md");
    let at = doc.find("## Full example").expect("the example section");
    let block = &doc[at..];
    let start = block.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let end = block[start..].find("```").expect("the block's end");
    block[start..start + end].to_owned()
}

/// The need-to-know policy most tests use: prosecutors for financial records and witness identities, analysts for
/// financial records and investigation.analysis only; one case team.
fn need_to_know() -> AccessPolicy {
    AccessPolicy::builder()
        .role("central_authority", &[], &["mla", "investigation", "witness_protection"])
        .role("prosecutor", &[Category::FinancialRecords, Category::WitnessIdentity], &["investigation", "prosecution"])
        .role("analyst", &[Category::FinancialRecords], &["investigation.analysis"])
        .case_team(CASE, &["anna.schmidt"], &["central_authority"])
        .build()
        .expect("policy")
}

// ---- the file -----------------------------------------------------------------------------------------------------

#[test]
fn the_documented_example_loads_and_means_what_it_says() {
    let policy = AccessPolicy::from_toml(&the_example()).expect("the documented example is valid");
    assert!(policy.has_roles() && policy.has_case_teams());
    assert_eq!(policy.transfer_decision(Category::WitnessIdentity, j("US")), TransferDecision::LegalBasis);
    assert_eq!(policy.transfer_decision(Category::PrivilegedLegal, j("DE")), TransferDecision::Refuse);
    assert_eq!(policy.transfer_decision(Category::FinancialRecords, j("DE")), TransferDecision::Allow);
    assert!(policy.requires_approval(Category::WitnessIdentity));
    assert!(!policy.requires_approval(Category::FinancialRecords));
    assert_eq!(policy.approvers()[0].id, "head.of.unit");
    assert_eq!(policy.receipt_actor_names(), Some(false));
    let case = CaseRef::parse(CASE).expect("case");
    let ok = policy.check_need_to_know(&anna(), Category::FinancialRecords, Some(&case), &p("prosecution.trial"));
    assert!(ok.is_ok(), "{ok:?}");
    let e = policy
        .check_need_to_know(
            &actor("piet.analyst", "analyst"),
            Category::FinancialRecords,
            Some(&case),
            &p("investigation"),
        )
        .unwrap_err();
    assert!(matches!(e, Error::NotOnCase { .. }), "{e}");
    assert_eq!(policy.text(), the_example());
}

#[test]
fn policy_files_with_errors_are_refused_with_line_and_column() {
    let base = "version = 1\n\n[roles.prosecutor]\n";
    let cases: &[(&str, usize, usize, &str)] = &[
        ("version = 2\n", 1, 11, "unsupported policy version"),
        ("version = 1\n[roles.x]\ncatgories = [\"evidence\"]\npurposes = [\"investigation\"]\n", 3, 1, "catgories"),
        (
            &format!("{base}categories = [\"evidence\", \"witnes_identity\"]\npurposes = [\"investigation\"]\n"),
            4,
            27,
            "witnes_identity",
        ),
        (&format!("{base}categories = [\"evidence\"]\npurposes = [\"Investigation\"]\n"), 5, 13, "upper-case"),
        (&format!("{base}categories = [\"evidence\"]\npurposes = []\n"), 3, 8, "names no purpose"),
        (&format!("{base}categories = [\"evidence\"]\npurposes = [\"investigation\"\n"), 5, 0, ""),
        (
            "version = 1\n[[cases.team]]\ncase = \"MLA-1\"\nroles = [\"judge\"]\n[roles.clerk]\ncategories = [\"*\"]\npurposes = [\"mla\"]\n",
            4,
            10,
            "no [roles] entry",
        ),
        ("version = 1\n[[cases.team]]\ncase = \"MLA 1 \"\nactors = [\"a\"]\n", 3, 8, "case reference"),
        ("version = 1\n[[transfers.rule]]\ncategory = \"evidence\"\nto = \"XX\"\ndecision = \"refuse\"\n", 4, 6, "XX"),
        (
            "version = 1\n[[transfers.rule]]\ncategory = \"evidence\"\nto = \"US\"\ndecision = \"maybe\"\n",
            5,
            12,
            "maybe",
        ),
        ("version = 1\n[four_eyes]\ncategories = [\"witness_identity\"]\n", 3, 15, "approver"),
        (
            "version = 1\n[four_eyes]\ncategories = [\"evidence\"]\n[[four_eyes.approver]]\nid = \"boss\"\nkey = \"custodia-ed25519-public:AAAA\"\n",
            6,
            7,
            "invalid key text",
        ),
        ("version = 1\n[cases]\nuncased = \"sometimes\"\n", 3, 11, "sometimes"),
    ];
    for (text, line, column, needle) in cases {
        let e = AccessPolicy::from_toml(text).unwrap_err();
        let Error::PolicyInvalid { line: l, column: c, reason } = &e else { panic!("{text}: {e}") };
        assert_eq!(e.code(), 108);
        assert_eq!(*l, *line, "{text}\n{e}");
        if *column > 0 {
            assert_eq!(*c, *column, "{text}\n{e}");
        }
        assert!(reason.contains(needle), "{text}\n{e}");
        assert!(e.to_string().contains(&format!("line {line}")), "{e}");
    }
    // Too large: refused before parsing.
    let huge = format!("version = 1\n#{}\n", "x".repeat(custodia::MAX_POLICY_LEN));
    assert!(matches!(AccessPolicy::from_toml(&huge), Err(Error::PolicyInvalid { line: 0, .. })));
    // A built policy goes through the same validation.
    let e = AccessPolicy::builder().case_team(CASE, &[], &[]).build().unwrap_err();
    assert!(matches!(&e, Error::PolicyInvalid { line: 0, reason, .. } if reason.contains("names no actor")), "{e}");
}

#[test]
fn an_invalid_policy_file_stops_the_custodian_from_loading() {
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let a = authority(&clock);
    let Authority { dir, c } = a;
    c.close().expect("close");
    drop(c);
    fs::write(
        dir.path().join(ACCESS_POLICY_FILE),
        "version = 1\n[roles.x]\ncategories = [\"nope\"]\npurposes = [\"mla\"]\n",
    )
    .expect("write");
    let e = Custodian::load(dir.path(), Unlock::master_key([9; 32]), options(&clock)).unwrap_err();
    assert!(matches!(e, Error::PolicyInvalid { line: 3, .. }), "{e}");
    // Writable by others: refused as the keyring would be.
    fs::write(dir.path().join(ACCESS_POLICY_FILE), need_to_know().text()).expect("write");
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(dir.path().join(ACCESS_POLICY_FILE), fs::Permissions::from_mode(0o666)).expect("chmod");
    let e = Custodian::load(dir.path(), Unlock::master_key([9; 32]), options(&clock)).unwrap_err();
    assert!(matches!(e, Error::InsecurePermissions { .. }), "{e}");
}

// ---- need-to-know -------------------------------------------------------------------------------------------------

#[test]
fn no_policy_file_is_todays_behaviour() {
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let a = authority(&clock);
    let c = &a.c;
    assert!(c.access_policy().is_none());
    let kek = c.generate_key(&anna(), KeyKind::Kek, "kek").expect("kek");
    // An analyst on no case team opens witness identities of any case, and uncased data: roles are not evaluated.
    let clerk = actor("someone", "clerk");
    for case in [Some(CASE), Some("MLA-2026-9999"), None] {
        let env = seal(c, kek, Category::WitnessIdentity, case, &["witness_protection"]);
        open(c, clerk.clone(), "witness_protection", &env).expect("no policy: opens");
    }
    // Seals to anywhere with no legal basis; exceptions need no approval.
    let env = seal(c, kek, Category::WitnessIdentity, None, &["witness_protection"]);
    let ex = ExceptionGround::court_order("OLG 1/26", WHY).expect("exception");
    c.open(&OpenRequest::new(clerk, p("prosecution")).with_exception(ex), &env).expect("exception without approval");
    assert!(!events(c).iter().any(|e| e.kind == EventKind::PolicyChanged));
}

#[test]
fn an_actor_off_the_case_team_is_refused_on_every_open_path_before_any_key() {
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let a = authority(&clock);
    let c = &a.c;
    let kek = c.generate_key(&anna(), KeyKind::Kek, "kek").expect("kek");
    let env = seal(c, kek, Category::FinancialRecords, Some(CASE), &["investigation"]);
    c.set_access_policy(&actor("admin", "central_authority"), need_to_know()).expect("set");
    // On the team by id, and by role.
    open(c, anna(), "investigation", &env).expect("anna is on the team");
    open(c, actor("jan", "central_authority"), "investigation", &env).expect("her role is on the team");
    // Bob is a prosecutor too, but not on the case.
    let bob = actor("bob", "prosecutor");
    let before = c.unwrap_attempts();
    let req = OpenRequest::new(bob.clone(), p("investigation"));
    let e = c.open(&req, &env).unwrap_err();
    assert!(matches!(&e, Error::NotOnCase { actor, case, .. } if actor == "bob" && case == CASE), "{e}");
    assert_eq!(e.code(), 210);
    assert!(e.is_refusal());
    assert_refused(c, &e, None);
    assert_eq!(last(c).actor.as_ref().map(Actor::id), Some("bob"));
    let e = c.open_stream(&req, &mut Cursor::new(&env), &mut Vec::new()).unwrap_err();
    assert!(matches!(e, Error::NotOnCase { .. }), "{e}");
    assert_refused(c, &e, None);
    assert!(matches!(c.open_seekable(&req, Cursor::new(env.clone())).map(drop), Err(Error::NotOnCase { .. })));
    let src = a.dir.path().join("env.bin");
    fs::write(&src, &env).expect("write");
    let dst = a.dir.path().join("plain.txt");
    assert!(matches!(c.open_file(&req, &src, &dst), Err(Error::NotOnCase { .. })));
    assert!(!dst.exists());
    // An exception does not put anyone on a case.
    let ex = ExceptionGround::court_order("OLG 1/26", WHY).expect("exception");
    assert!(matches!(c.open(&req.clone().with_exception(ex), &env), Err(Error::NotOnCase { .. })));
    // Nor may bob re-wrap it to an own key.
    let own = c.generate_key(&anna(), KeyKind::Kek, "own").expect("kek");
    let e = c.rewrap(&bob, &p("investigation"), &env, &[], &[own]).unwrap_err();
    assert!(matches!(e, Error::NotOnCase { .. }), "{e}");
    assert_refused(c, &e, Some("rewrap"));
    assert_eq!(c.unwrap_attempts(), before, "no refused act touched a key");
    // Rotation gives nobody new access: not subject to need-to-know.
    c.rotate(&anna(), &kek).expect("rotate");
    c.rewrap_rotated(&bob, &env).expect("rotation re-wrap is not need-to-know");
}

#[test]
fn uncased_and_unlisted_envelopes_fail_closed_unless_the_policy_admits_them() {
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let a = authority(&clock);
    let c = &a.c;
    let kek = c.generate_key(&anna(), KeyKind::Kek, "kek").expect("kek");
    let uncased = seal(c, kek, Category::FinancialRecords, None, &["investigation"]);
    let unlisted = seal(c, kek, Category::FinancialRecords, Some("MLA-2026-0999"), &["investigation"]);
    c.set_access_policy(&anna(), need_to_know()).expect("set");
    let before = c.unwrap_attempts();
    let e = open(c, anna(), "investigation", &uncased).unwrap_err();
    assert!(
        matches!(&e, Error::NotOnCase { case, reason, .. } if case == "(none)" && reason.contains("uncased")),
        "{e}"
    );
    assert_refused(c, &e, None);
    let e = open(c, anna(), "investigation", &unlisted).unwrap_err();
    assert!(matches!(&e, Error::NotOnCase { reason, .. } if reason.contains("unlisted")), "{e}");
    assert_eq!(c.unwrap_attempts(), before);
    let admitting = AccessPolicy::builder()
        .role("prosecutor", &[Category::FinancialRecords], &["investigation"])
        .case_team(CASE, &["anna.schmidt"], &[])
        .uncased(Admission::Allow)
        .unlisted_cases(Admission::Allow)
        .build()
        .expect("policy");
    c.set_access_policy(&anna(), admitting).expect("set");
    open(c, anna(), "investigation", &uncased).expect("uncased admitted");
    open(c, anna(), "investigation", &unlisted).expect("unlisted admitted");
}

#[test]
fn a_role_is_refused_outside_its_categories_and_purposes() {
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let a = authority(&clock);
    let c = &a.c;
    let kek = c.generate_key(&anna(), KeyKind::Kek, "kek").expect("kek");
    let health = seal(c, kek, Category::Health, Some(CASE), &["investigation"]);
    let money = seal(c, kek, Category::FinancialRecords, Some(CASE), &["investigation"]);
    let policy = AccessPolicy::builder()
        .role("prosecutor", &[Category::FinancialRecords], &["prosecution"])
        .role("analyst", &[Category::FinancialRecords], &["investigation.analysis"])
        .build()
        .expect("policy");
    c.set_access_policy(&anna(), policy).expect("set");
    let before = c.unwrap_attempts();
    let e = open(c, actor("piet", "analyst"), "investigation", &health).unwrap_err();
    assert!(matches!(&e, Error::RoleNotPermitted { role, what } if role == "analyst" && what == "health data"), "{e}");
    assert_eq!(e.code(), 211);
    assert_refused(c, &e, None);
    // The envelope grants `investigation`; the analyst's role allows only investigation.analysis under it.
    let e = open(c, actor("piet", "analyst"), "investigation", &money).unwrap_err();
    assert!(matches!(&e, Error::RoleNotPermitted { what, .. } if what.contains("purpose investigation")), "{e}");
    open(c, actor("piet", "analyst"), "investigation.analysis", &money).expect("within the role");
    // A role the policy does not define.
    let e = open(c, actor("eve", "intern"), "investigation", &money).unwrap_err();
    assert!(matches!(&e, Error::RoleNotPermitted { what, .. } if what.contains("no such role")), "{e}");
    // An exception overrides the envelope's purposes, never the role's.
    let ex = ExceptionGround::court_order("OLG 1/26", WHY).expect("exception");
    let req = OpenRequest::new(actor("paula", "prosecutor"), p("witness_protection")).with_exception(ex);
    assert!(matches!(c.open(&req, &money), Err(Error::RoleNotPermitted { .. })));
    let ex = ExceptionGround::court_order("OLG 1/26", WHY).expect("exception");
    let req = OpenRequest::new(actor("paula", "prosecutor"), p("prosecution")).with_exception(ex);
    c.open(&req, &money).expect("role allows prosecution; the exception overrides the envelope's purposes");
    assert_eq!(c.unwrap_attempts(), before + 2);
}

#[test]
fn need_to_know_sits_after_clearance_and_jurisdiction_and_before_expiry() {
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let a = authority(&clock);
    let c = &a.c;
    let kek = c.generate_key(&anna(), KeyKind::Kek, "kek").expect("kek");
    let env = seal(c, kek, Category::FinancialRecords, Some(CASE), &["investigation"]);
    c.set_access_policy(&anna(), need_to_know()).expect("set");
    let low = Actor::new("bob", "prosecutor", j("NL"), Classification::Public).expect("actor");
    assert!(matches!(open(c, low, "investigation", &env), Err(Error::ClearanceInsufficient { .. })));
    let abroad = Actor::new("bob", "prosecutor", j("FR"), Classification::Secret).expect("actor");
    assert!(matches!(open(c, abroad, "investigation", &env), Err(Error::JurisdictionNotPermitted { .. })));
    clock.advance(2 * 86_400);
    assert!(matches!(open(c, actor("bob", "prosecutor"), "investigation", &env), Err(Error::NotOnCase { .. })));
    assert!(matches!(open(c, anna(), "investigation", &env), Err(Error::Expired { .. })));
}

// ---- policy changes -----------------------------------------------------------------------------------------------

#[test]
fn policy_changes_are_recorded_with_actor_and_hash_and_edits_behind_the_back_are_caught() {
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let a = authority(&clock);
    let admin = actor("admin", "central_authority");
    let policy = need_to_know();
    let hash = hex(&policy.sha256());
    a.c.set_access_policy(&admin, policy.clone()).expect("set");
    let ev = last(&a.c);
    assert_eq!(ev.kind, EventKind::PolicyChanged);
    assert_eq!(ev.actor.as_ref().map(Actor::id), Some("admin"));
    assert_eq!(ev.detail.get("sha256"), Some(&hash));
    assert_eq!(ev.detail.get("previous").map(String::as_str), Some("none"));
    assert_eq!(ev.detail.get("source").map(String::as_str), Some("set"));
    let path = a.dir.path().join(ACCESS_POLICY_FILE);
    assert_eq!(fs::read_to_string(&path).expect("file"), policy.text());
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
    // Reloading an unchanged file records nothing new.
    let a = reload(a, &clock);
    assert!(a.c.access_policy().is_some_and(|p| *p == policy));
    let changes = |c: &Custodian| events(c).iter().filter(|e| e.kind == EventKind::PolicyChanged).count();
    assert_eq!(changes(&a.c), 1);
    // Someone edits the file behind the custodian's back: bob joins the case team.
    let edited = policy.text().replace("\"anna.schmidt\"", "\"anna.schmidt\", \"bob\"");
    assert_ne!(edited, policy.text());
    fs::write(&path, &edited).expect("edit");
    let a = reload(a, &clock);
    assert_eq!(changes(&a.c), 2, "the edit is recorded at the next load");
    let ev = events(&a.c).into_iter().rfind(|e| e.kind == EventKind::PolicyChanged).expect("event");
    assert_eq!(ev.detail.get("source").map(String::as_str), Some("file"));
    assert_eq!(ev.detail.get("previous"), Some(&hash));
    assert_eq!(ev.detail.get("sha256"), Some(&hex(&AccessPolicy::from_toml(&edited).expect("valid").sha256())));
    assert!(ev.actor.is_none(), "custodia cannot know who edited the file");
    // Deleting it drops every rule: recorded too.
    fs::remove_file(&path).expect("delete");
    let a = reload(a, &clock);
    assert!(a.c.access_policy().is_none());
    let ev = events(&a.c).into_iter().rfind(|e| e.kind == EventKind::PolicyChanged).expect("event");
    assert_eq!(ev.detail.get("sha256").map(String::as_str), Some("none"));
    assert_eq!(changes(&a.c), 3);
    a.c.verify_audit(&[]).expect("the log verifies");
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

// ---- transfer rules -----------------------------------------------------------------------------------------------

fn transfer_policy() -> AccessPolicy {
    AccessPolicy::from_toml(&the_example()).expect("example")
}

#[test]
fn witness_identities_never_leave_the_origin_without_a_legal_basis_at_seal() {
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let a = authority(&clock);
    let c = &a.c;
    let kek = c.generate_key(&anna(), KeyKind::Kek, "kek").expect("kek");
    c.set_access_policy(&anna(), transfer_policy()).expect("set");
    let data = Sensitive::new(b"witness W-17".to_vec(), Category::WitnessIdentity);
    let mut o = SealOptions::new(PurposeSet::parse(&["witness_protection"]).expect("p"), vec![kek]);
    o.case_ref = Some(CaseRef::parse(CASE).expect("case"));
    o.origin = Some(j("NL"));
    // Staying home is not a transfer.
    c.seal(&anna(), &data, &o).expect("no destination");
    o.destinations = vec![j("NL")];
    c.seal(&anna(), &data, &o).expect("origin only");
    o.destinations = vec![j("NL"), j("DE")];
    let e = c.seal(&anna(), &data, &o).unwrap_err();
    assert!(
        matches!(&e, Error::LegalBasisRequired { category: Category::WitnessIdentity, jurisdiction } if jurisdiction.as_str() == "DE"),
        "{e}"
    );
    assert_eq!(e.code(), 213);
    assert_refused(c, &e, Some("seal"));
    assert_eq!(last(c).detail.get("destinations").map(String::as_str), Some("NL DE"));
    // An instrument without a transfer basis is not enough.
    o.instrument =
        Some(LegalInstrument::new(InstrumentKind::EuropeanInvestigationOrder, Some("EIO 7/26"), None).expect("i"));
    assert!(matches!(c.seal(&anna(), &data, &o), Err(Error::LegalBasisRequired { .. })));
    o.instrument = Some(
        LegalInstrument::new(
            InstrumentKind::EuropeanInvestigationOrder,
            Some("EIO 7/26"),
            Some("Art. 22 Directive 2014/41/EU"),
        )
        .expect("i"),
    );
    c.seal(&anna(), &data, &o).expect("with a legal basis");
    // Privileged material is refused whatever the instrument.
    let privileged = Sensitive::new(b"letter to counsel".to_vec(), Category::PrivilegedLegal);
    let e = c.seal(&anna(), &privileged, &o).unwrap_err();
    assert!(matches!(&e, Error::TransferRefused { category: Category::PrivilegedLegal, .. }), "{e}");
    assert_eq!(e.code(), 212);
    assert_refused(c, &e, Some("seal"));
    // Seal refusals touch no key: the seal resolves no recipient key before the rules pass.
    assert_eq!(c.unwrap_attempts(), 0);
}

#[test]
fn sharing_a_witness_identity_abroad_needs_a_legal_basis() {
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let nl = authority(&clock);
    let us = authority(&clock);
    let kek = nl.c.generate_key(&anna(), KeyKind::Kek, "kek").expect("kek");
    let them = us.c.generate_key(&anna(), KeyKind::X25519, "us").expect("x25519");
    let text = us.c.export_public(&them).expect("export");
    let theirs = nl.c.import_public(&anna(), &text, "US DOJ OIA", j("US")).expect("import");
    let seal_for = |instrument: Option<LegalInstrument>| {
        let mut o = SealOptions::new(PurposeSet::parse(&["mla.execution"]).expect("p"), vec![kek]);
        o.case_ref = Some(CaseRef::parse(CASE).expect("case"));
        o.origin = Some(j("NL"));
        o.destinations = vec![j("US")];
        o.instrument = instrument;
        let data = Sensitive::new(b"witness W-17".to_vec(), Category::WitnessIdentity);
        nl.c.seal(&anna(), &data, &o).expect("seal").envelope
    };
    let bare = seal_for(None);
    let based = seal_for(Some(
        LegalInstrument::new(InstrumentKind::BilateralTreaty, Some("NL-US MLAT"), Some("Art. 7 NL-US MLAT"))
            .expect("i"),
    ));
    let policy = AccessPolicy::builder()
        .transfer(Some(Category::WitnessIdentity), None, TransferDecision::LegalBasis)
        .build()
        .expect("policy");
    nl.c.set_access_policy(&anna(), policy).expect("set");
    let before = nl.c.unwrap_attempts();
    let e = nl.c.rewrap(&anna(), &p("mla.execution"), &bare, &[], &[theirs]).unwrap_err();
    assert!(matches!(&e, Error::LegalBasisRequired { jurisdiction, .. } if jurisdiction.as_str() == "US"), "{e}");
    assert_refused(&nl.c, &e, Some("share"));
    assert_eq!(nl.c.unwrap_attempts(), before, "refused before any key");
    assert!(!events(&nl.c).iter().any(|e| e.kind == EventKind::Shared));
    let shared = nl.c.rewrap(&anna(), &p("mla.execution"), &based, &[], &[theirs]).expect("with a basis");
    assert!(nl.c.inspect(&shared).expect("info").recipients.contains(&theirs));
    // A refusing rule refuses even with a basis.
    let policy = AccessPolicy::builder()
        .transfer(Some(Category::WitnessIdentity), Some(j("US")), TransferDecision::Refuse)
        .build()
        .expect("policy");
    nl.c.set_access_policy(&anna(), policy).expect("set");
    let e = nl.c.rewrap(&anna(), &p("mla.execution"), &based, &[], &[theirs]).unwrap_err();
    assert!(matches!(e, Error::TransferRefused { .. }), "{e}");
    assert_refused(&nl.c, &e, Some("share"));
}

// ---- four eyes ----------------------------------------------------------------------------------------------------

struct FourEyes {
    clock: Arc<FixedClock>,
    nl: Authority,
    head: Authority,
    head_key: KeyId,
    envelope: Vec<u8>,
    object_id: String,
}

fn head() -> Actor {
    actor("head.of.unit", "central_authority")
}

fn four_eyes() -> FourEyes {
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(T0)));
    let nl = authority(&clock);
    let head_c = authority(&clock);
    let head_key = head_c.c.generate_key(&head(), KeyKind::Ed25519, "approvals").expect("ed25519");
    let key_text = head_c.c.export_public(&head_key).expect("export");
    let kek = nl.c.generate_key(&anna(), KeyKind::Kek, "kek").expect("kek");
    let envelope = seal(&nl.c, kek, Category::WitnessIdentity, Some(CASE), &["witness_protection"]);
    let object_id = nl.c.inspect(&envelope).expect("info").object_id;
    let policy = AccessPolicy::builder()
        .four_eyes(Category::WitnessIdentity)
        .approver("head.of.unit", &key_text)
        .build()
        .expect("policy");
    nl.c.set_access_policy(&anna(), policy).expect("set");
    FourEyes { clock, nl, head: head_c, head_key, envelope, object_id }
}

fn court_order() -> ExceptionGround {
    ExceptionGround::court_order("OLG 1/26", WHY).expect("exception")
}

fn terms(object_id: &str, actor: &str, purpose: &str, reference: &str, not_after: u64) -> ApprovalTerms {
    ApprovalTerms::new(
        object_id,
        actor,
        p(purpose),
        ExceptionKind::CourtOrder,
        Some(reference),
        Timestamp::from_unix(not_after),
    )
    .expect("terms")
}

#[test]
fn an_exception_on_a_four_eyes_category_needs_a_valid_second_approval() {
    let s = four_eyes();
    let c = &s.nl.c;
    let request = || OpenRequest::new(anna(), p("prosecution")).with_exception(court_order());
    let before = c.unwrap_attempts();
    let e = c.open(&request(), &s.envelope).unwrap_err();
    assert!(matches!(&e, Error::ApprovalRequired(m) if m.contains("none was given")), "{e}");
    assert_eq!(e.code(), 214);
    assert_refused(c, &e, None);
    // The granted purpose needs no exception and so no approval.
    open(c, anna(), "witness_protection", &s.envelope).expect("granted purpose");
    let before_ok = c.unwrap_attempts();
    assert_eq!(before_ok, before + 1);

    let good = s
        .head
        .c
        .approve_exception(
            &head(),
            &s.head_key,
            terms(&s.object_id, "anna.schmidt", "prosecution", "OLG 1/26", T0 + 3600),
        )
        .expect("approve");
    assert_eq!(last(&s.head.c).kind, EventKind::ExceptionApproved);
    // It travels as text.
    let text = good.to_text().expect("text");
    assert!(text.starts_with("custodia-approval:"));
    let carried = Approval::from_text(&text).expect("decode");
    assert_eq!(carried, good);
    let opened = c.open(&request().with_approval(carried), &s.envelope).expect("approved");
    assert_eq!(opened.data.expose_secret(), b"account NL91 ABNA 0417 1643 00");
    let used = events(c).into_iter().rfind(|e| e.kind == EventKind::ExceptionUsed).expect("exception_used");
    assert_eq!(used.detail.get("approver").map(String::as_str), Some("head.of.unit"));
    assert_eq!(used.detail.get("approval"), Some(&good.hash_hex().expect("hash")));

    // Hostile approvals, each refused before any key.
    let before = c.unwrap_attempts();
    let refused = |approval: Approval, needle: &str| {
        let e = c.open(&request().with_approval(approval), &s.envelope).unwrap_err();
        assert!(matches!(&e, Error::ApprovalRequired(m) if m.contains(needle)), "{needle}: {e}");
        assert_refused(c, &e, None);
    };
    let sign = |t: ApprovalTerms| s.head.c.approve_exception(&head(), &s.head_key, t).expect("approve");
    // For another envelope.
    refused(sign(terms(&"ab".repeat(16), "anna.schmidt", "prosecution", "OLG 1/26", T0 + 3600)), "another envelope");
    // For another actor (bob asks with anna's approval).
    let e = c
        .open(
            &OpenRequest::new(actor("bob", "prosecutor"), p("prosecution"))
                .with_exception(court_order())
                .with_approval(good.clone()),
            &s.envelope,
        )
        .unwrap_err();
    assert!(matches!(&e, Error::ApprovalRequired(m) if m.contains("for actor anna.schmidt")), "{e}");
    // For another purpose, another reference.
    refused(sign(terms(&s.object_id, "anna.schmidt", "investigation", "OLG 1/26", T0 + 3600)), "purpose");
    refused(sign(terms(&s.object_id, "anna.schmidt", "prosecution", "OLG 2/26", T0 + 3600)), "another exception");
    // Expired.
    let short = sign(terms(&s.object_id, "anna.schmidt", "prosecution", "OLG 1/26", T0 + 60));
    s.clock.advance(61);
    refused(short, "expired");
    // Signed by a key the policy does not list for the approver (a forger's own custodian).
    let forger = authority(&s.clock);
    let fkey = forger.c.generate_key(&head(), KeyKind::Ed25519, "forged").expect("key");
    let forged = forger
        .c
        .approve_exception(&head(), &fkey, terms(&s.object_id, "anna.schmidt", "prosecution", "OLG 1/26", T0 + 3600))
        .expect("approve");
    refused(forged, "not signed with approver head.of.unit's key");
    // An approver the policy does not list.
    let other = forger
        .c
        .approve_exception(
            &actor("deputy", "central_authority"),
            &fkey,
            terms(&s.object_id, "anna.schmidt", "prosecution", "OLG 1/26", T0 + 3600),
        )
        .expect("approve");
    refused(other, "not an approver");
    // Self-approval: the approver's custodian will not sign one (the gate's own check is a unit test in
    // src/policy/approval.rs, since no public API signs one).
    let e = s
        .head
        .c
        .approve_exception(
            &head(),
            &s.head_key,
            terms(&s.object_id, "head.of.unit", "prosecution", "OLG 1/26", T0 + 3600),
        )
        .unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e}");
    // A signature over altered terms: flip a byte of the purpose in the encoding (re-signed nowhere).
    let mut bytes = good.to_bytes().expect("bytes");
    let at = bytes.windows(11).position(|w| w == b"prosecution").expect("purpose bytes");
    bytes[at] = b'q';
    let altered = Approval::from_bytes(&bytes).expect("still well-formed");
    refused(altered, "signature does not verify");
    assert_eq!(c.unwrap_attempts(), before, "no hostile approval touched a key");
}

#[test]
fn malformed_approvals_are_approval_invalid() {
    let s = four_eyes();
    let good = s
        .head
        .c
        .approve_exception(
            &head(),
            &s.head_key,
            terms(&s.object_id, "anna.schmidt", "prosecution", "OLG 1/26", T0 + 3600),
        )
        .expect("approve");
    let bytes = good.to_bytes().expect("bytes");
    assert_eq!(Approval::from_bytes(&bytes).expect("round trip"), good);
    let text = good.to_text().expect("text");
    assert_eq!(
        Approval::from_text(&text.to_lowercase().replace("custodia-approval:", "custodia-approval:\n"))
            .expect("lenient text"),
        good
    );
    let mut hostile: Vec<Vec<u8>> = vec![Vec::new(), vec![2], bytes[..bytes.len() - 1].to_vec()];
    let mut trailing = bytes.clone();
    trailing.push(0);
    hostile.push(trailing);
    let mut flag = bytes.clone();
    // The reference flag follows the purpose and the exception kind.
    let at = flag.windows(11).position(|w| w == b"prosecution").expect("purpose") + 11 + 1;
    flag[at] = 7;
    hostile.push(flag);
    let mut kind = bytes.clone();
    kind[at - 1] = 99;
    hostile.push(kind);
    hostile.push(vec![1; 5000]);
    for h in &hostile {
        let e = Approval::from_bytes(h).unwrap_err();
        assert!(matches!(e, Error::ApprovalInvalid(_)), "{e}");
        assert_eq!(e.code(), 311);
    }
    for t in ["", "custodia-approval:", "custodia-approval:!!!!", "custodia-grant:AAAA", &text[..text.len() - 3]] {
        assert!(matches!(Approval::from_text(t), Err(Error::ApprovalInvalid(_))), "{t}");
    }
}

// ---- untrusted bytes never panic ----------------------------------------------------------------------------------

mod arbitrary_input {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// Any bytes: an approval or `ApprovalInvalid`, never a panic; what decodes re-encodes to the same bytes.
        #[test]
        fn approval_bytes_decode_or_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            match Approval::from_bytes(&bytes) {
                Ok(a) => prop_assert_eq!(a.to_bytes().expect("bytes"), bytes),
                Err(e) => prop_assert!(matches!(e, Error::ApprovalInvalid(_))),
            }
        }

        /// Any text: a policy or `PolicyInvalid` with a position inside the text, never a panic.
        #[test]
        fn policy_text_parses_or_is_refused(text in "[\\[\\]a-z_=\"\\n .*0-9#,-]{0,300}") {
            match AccessPolicy::from_toml(&text) {
                Ok(p) => prop_assert_eq!(p.text(), text.as_str()),
                Err(Error::PolicyInvalid { line, .. }) => prop_assert!(line <= text.lines().count() + 1),
                Err(e) => prop_assert!(false, "{e}"),
            }
        }

        /// Mutating one byte of a valid policy: still a policy or a positioned refusal.
        #[test]
        fn mutated_example_is_valid_or_refused(at in 0usize..2000, byte in any::<u8>()) {
            let mut text = the_example().into_bytes();
            let i = at % text.len();
            text[i] = byte;
            if let Ok(text) = String::from_utf8(text) {
                match AccessPolicy::from_toml(&text) {
                    Ok(_) | Err(Error::PolicyInvalid { .. }) => {}
                    Err(e) => prop_assert!(false, "{e}"),
                }
            }
        }
    }
}

#[test]
fn the_most_specific_transfer_rule_wins() {
    let p = AccessPolicy::builder()
        .transfer(None, None, TransferDecision::Refuse)
        .transfer(None, Some(j("DE")), TransferDecision::LegalBasis)
        .transfer(Some(Category::Evidence), None, TransferDecision::LegalBasis)
        .transfer(Some(Category::Evidence), Some(j("DE")), TransferDecision::Allow)
        .transfer_default(TransferDecision::Allow)
        .build()
        .expect("policy");
    assert_eq!(p.transfer_decision(Category::Evidence, j("DE")), TransferDecision::Allow);
    assert_eq!(p.transfer_decision(Category::Evidence, j("FR")), TransferDecision::LegalBasis);
    assert_eq!(p.transfer_decision(Category::Health, j("DE")), TransferDecision::LegalBasis);
    assert_eq!(p.transfer_decision(Category::Health, j("FR")), TransferDecision::Refuse);
    // Staying in the origin is never a transfer.
    assert!(p.check_transfer(Category::Health, Some(j("FR")), j("FR"), None).is_ok());
    assert!(matches!(
        p.check_transfer(Category::Health, Some(j("NL")), j("FR"), Some("Art. 7")),
        Err(Error::TransferRefused { .. })
    ));
    // Two rules for one pair are an error.
    let e = AccessPolicy::builder()
        .transfer(Some(Category::Evidence), None, TransferDecision::Allow)
        .transfer(Some(Category::Evidence), None, TransferDecision::Refuse)
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::PolicyInvalid { .. }), "{e}");
    let only_default = AccessPolicy::builder().transfer_default(TransferDecision::Refuse).build().expect("policy");
    assert_eq!(only_default.transfer_decision(Category::Evidence, j("US")), TransferDecision::Refuse);
}
