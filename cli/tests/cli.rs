//! The `custodia` binary end to end: every command's happy path, the refusals (each with its exit code and typed
//! error, and no plaintext), secrets kept off the command line, `--json` that parses, and the audit trail the
//! commands leave.

mod common;

use std::fs;

use common::{Env, PASSPHRASE, assert_fails, bare, read, run};
use custodia_core::format::ARMOR_BEGIN;

const SECRET: &[u8] = b"IBAN NL91ABNA0417164300, balance 1,204,331.17";
const JUSTIFICATION: &str = "The court ordered disclosure of the account records for the trial of the accused.";

/// Seal `SECRET` for `recipient` (purposes investigation), with `extra` options; the envelope's path.
fn seal(e: &Env, recipient: &str, name: &str, extra: &[&str]) -> std::path::PathBuf {
    let out = e.path(name);
    let mut args = vec![
        "seal",
        "-p",
        "investigation",
        "-r",
        recipient,
        "--category",
        "financial_records",
        "--case",
        "MLA-2026-0042",
        "-o",
        out.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    e.ok_in(&args, SECRET);
    out
}

fn s(p: &std::path::Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn seal_open_inspect_round_trip_binary_and_armored() {
    let e = Env::new();
    let k = e.keygen("x25519");
    // Binary through pipes: stdin to stdout, then back.
    let env = e.ok_in(&["seal", "-p", "investigation", "-r", &k, "--category", "financial_records"], SECRET);
    assert!(!env.windows(SECRET.len()).any(|w| w == SECRET), "plaintext in the envelope");
    assert_eq!(e.ok_in(&["open", "-p", "investigation"], &env), SECRET);
    // Armored, to a file; open reads it from a file argument.
    let armored = seal(&e, &k, "a.txt", &["-a"]);
    assert!(read(&armored).starts_with(ARMOR_BEGIN));
    let plain = e.path("plain");
    e.ok(&["open", "-p", "investigation.financial", s(&armored), "-o", s(&plain)]);
    assert_eq!(fs::read(&plain).expect("plain"), SECRET);
    // `--json` on open with -o: the decision, on stdout.
    let plain2 = e.path("plain2");
    let v = e.json(&["open", "-p", "investigation", s(&armored), "-o", s(&plain2)]);
    assert_eq!(v["purpose"], "investigation");
    assert_eq!(v["recipient"], k.as_str());

    // Inspect needs no keyring, no passphrase and no directory, binary or armored, text or JSON.
    let bin = e.path("b.cust");
    fs::write(&bin, &env).expect("write");
    for input in [&bin, &armored] {
        let out = run(bare(&["inspect", s(input)]), b"");
        common::assert_ok(&out, &["inspect"]);
        let text = String::from_utf8(out.stdout).expect("utf-8");
        assert!(text.contains("category: financial_records\n"), "{text}");
        assert!(text.contains(&format!("recipients: {k}\n")), "{text}");
        let out = run(bare(&["--json", "inspect", s(input)]), b"");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("inspect --json is JSON");
        assert_eq!(v["recipients"][0], k.as_str());
        assert_eq!(v["purposes"][0], "investigation");
    }
    // From stdin, only the header is needed: a truncated payload still inspects.
    let header_only = &env[..env.len() - 10];
    let out = run(bare(&["inspect"]), header_only);
    common::assert_ok(&out, &["inspect"]);
    // And inspect never prints plaintext.
    assert!(!out.stdout.windows(SECRET.len()).any(|w| w == SECRET));
}

#[test]
fn refusals_exit_with_their_class_print_the_typed_error_and_never_plaintext() {
    let e = Env::new();
    let k = e.keygen("x25519");
    let env = seal(&e, &k, "e.cust", &[]);

    // Wrong purpose: refused (20), typed, nothing on stdout, no output file left behind.
    let dst = e.path("out");
    let out = e.run(&["open", "-p", "prosecution", s(&env), "-o", s(&dst)]);
    let err = assert_fails(&out, 20, "purpose_not_permitted");
    assert!(err.contains("200"), "{err}");
    assert!(out.stdout.is_empty());
    assert!(!dst.exists());
    assert_eq!(fs::read_dir(e.tmp.path()).expect("ls").count(), 2, "no temporary file left");
    // As JSON on stderr with --json.
    let out = e.run(&["--json", "open", "-p", "prosecution", s(&env)]);
    assert_eq!(out.status.code(), Some(20));
    let v: serde_json::Value = serde_json::from_slice(&out.stderr).expect("error as JSON");
    assert_eq!(v["error"]["name"], "purpose_not_permitted");
    assert_eq!(v["error"]["code"], 200);
    assert_eq!(v["error"]["category"], "refusal");
    assert!(out.stdout.is_empty());

    // Expired: sealed (by the library, with its clock in 2025) to expire in 2025; now the CLI opens it.
    let old = e.path("old.cust");
    {
        use custodia_core::*;
        let clock = std::sync::Arc::new(FixedClock::new(Timestamp::from_date(2025, 1, 1).expect("date")));
        let c =
            Custodian::load(&e.dir, Unlock::passphrase(PASSPHRASE), CustodianOptions::with_clock(clock)).expect("load");
        let actor = Actor::new("anna", "prosecutor", "DE".parse().expect("DE"), Classification::Secret).expect("actor");
        let mut o = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("p"), vec![k.parse().expect("id")]);
        o.not_after = Some(Timestamp::from_date(2025, 2, 1).expect("date"));
        let data = Sensitive::new(SECRET.to_vec(), Category::FinancialRecords);
        fs::write(&old, c.seal(&actor, &data, &o).expect("seal").envelope).expect("write");
    }
    let out = e.run(&["open", "-p", "investigation", s(&old)]);
    assert_fails(&out, 20, "expired");
    assert!(out.stdout.is_empty());

    // Tampered: one payload byte flipped. Envelope class (30), no plaintext.
    let mut bytes = fs::read(&env).expect("read");
    let last = bytes.len() - 20;
    bytes[last] ^= 1;
    let out = e.run_in(&["open", "-p", "investigation"], &bytes);
    assert_fails(&out, 30, "open_failed");
    assert!(out.stdout.is_empty());

    // Not an envelope at all.
    let out = e.run_in(&["open", "-p", "investigation"], b"five!");
    assert_eq!(out.status.code(), Some(30), "{}", String::from_utf8_lossy(&out.stderr));

    // Destroyed key: the certificate is written; the envelope is then refused (20) as key_destroyed.
    let cert = e.path("cert.json");
    e.ok(&["keys", "destroy", &k, "--reason", "retention period ended", "-o", s(&cert)]);
    let c: serde_json::Value = serde_json::from_str(&read(&cert)).expect("certificate is JSON");
    assert!(c.to_string().contains(&k), "{c}");
    let out = e.run(&["open", "-p", "investigation", s(&env)]);
    assert_fails(&out, 20, "key_destroyed");
    assert!(out.stdout.is_empty());

    // Wrong passphrase: the key class (40), before anything is read.
    let out =
        e.cmd(&["open", "-p", "investigation", s(&env)]).env("CUSTODIA_PASSPHRASE", "wrong").output().expect("run");
    assert_fails(&out, 40, "wrong_passphrase");
    assert!(out.stdout.is_empty());

    // A mistyped directory is not a new custodian: key class (40), custodian_not_found; nothing created.
    let missing = e.path("nope");
    let out = e.cmd(&["keys", "list"]).env("CUSTODIA_DIR", &missing).output().expect("run");
    assert_fails(&out, 40, "custodian_not_found");
    assert!(!missing.exists());

    // Every refusal above is in the audit log (export needs no passphrase).
    let csv = run(bare(&["audit", "export", "--csv", "--kind", "refused", "--log", s(&e.dir.join("audit.log"))]), b"");
    let csv = String::from_utf8(csv.stdout).expect("utf-8");
    for name in ["purpose_not_permitted", "expired", "key_destroyed"] {
        assert!(csv.contains(name), "{name} not in the refusals: {csv}");
    }
}

#[test]
fn an_exception_opens_with_a_justification_from_a_file_and_is_recorded() {
    let e = Env::new();
    let k = e.keygen("x25519");
    let env = seal(&e, &k, "e.cust", &[]);
    let just = e.path("justification.txt");
    fs::write(&just, JUSTIFICATION).expect("write");
    // An exception without a justification is a usage error (clap: 64).
    let out = e.run(&["open", "-p", "prosecution.trial", "--exception", "court_order", s(&env)]);
    assert_eq!(out.status.code(), Some(64));
    assert!(out.stdout.is_empty());
    // A trivial justification is invalid input (10).
    let out = e.run(&[
        "open",
        "-p",
        "prosecution.trial",
        "--exception",
        "court_order",
        "--reference",
        "X",
        "--justification",
        "because",
        s(&env),
    ]);
    assert_fails(&out, 10, "invalid_exception");
    assert!(out.stdout.is_empty());
    let plain = e.ok_in(
        &[
            "open",
            "-p",
            "prosecution.trial",
            "--exception",
            "court_order",
            "--reference",
            "LG Berlin 12/26",
            "--justification",
            &format!("@{}", s(&just)),
            s(&env),
            "-o",
            "-",
        ],
        b"",
    );
    assert_eq!(plain, SECRET);
    let csv = e.ok(&["audit", "export", "--csv", "--kind", "opened"]);
    assert!(
        csv.contains("court_order") && csv.contains("LG Berlin 12/26") && csv.contains("ordered disclosure"),
        "{csv}"
    );
}

#[test]
fn secrets_never_come_from_the_command_line_and_usage_errors_exit_64() {
    let e = Env::new();
    // There is no option that takes a passphrase.
    let out = e.run(&["--passphrase", PASSPHRASE, "keys", "list"]);
    assert_eq!(out.status.code(), Some(64));
    // Without a passphrase and without a terminal to prompt on: a usage error that names the sources.
    let out = e
        .cmd(&["keys", "list"])
        .env_remove("CUSTODIA_PASSPHRASE")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(64), "{err}");
    assert!(err.contains("CUSTODIA_PASSPHRASE"), "{err}");
    // From a file (first line), by option or variable.
    let pf = e.path("pass");
    fs::write(&pf, format!("{PASSPHRASE}\n")).expect("write");
    let out =
        e.cmd(&["--passphrase-file", s(&pf), "keys", "list"]).env_remove("CUSTODIA_PASSPHRASE").output().expect("run");
    common::assert_ok(&out, &["keys", "list"]);
    let out = e
        .cmd(&["keys", "list"])
        .env_remove("CUSTODIA_PASSPHRASE")
        .env("CUSTODIA_PASSPHRASE_FILE", &pf)
        .output()
        .expect("run");
    common::assert_ok(&out, &["keys", "list"]);
    // open without --purpose is a usage error.
    let out = e.run_in(&["open"], b"x");
    assert_eq!(out.status.code(), Some(64));
    // --help documents the secret sources and the exit codes.
    let help = e.ok(&["--help"]);
    for needle in ["CUSTODIA_PASSPHRASE", "--passphrase-file", "EXIT CODES", "20 refused by policy"] {
        assert!(help.contains(needle), "{needle} not in --help");
    }
    assert!(e.ok(&["open", "--help"]).contains("20 refused by policy"));
}

#[test]
fn keys_list_show_export_rotate_retention_and_import() {
    let e = Env::new();
    let x = e.keygen("x25519");
    let ed = e.keygen("ed25519");
    let kek = e.keygen("kek");
    let xw = e.keygen("xwing");
    let list = e.json(&["keys", "list"]);
    let ids: Vec<&str> = list.as_array().expect("array").iter().map(|k| k["id"].as_str().expect("id")).collect();
    for id in [&x, &ed, &kek, &xw] {
        assert!(ids.contains(&id.as_str()), "{id} not listed");
    }
    assert!(e.ok(&["keys", "list"]).lines().any(|l| l.starts_with(&kek) && l.contains("kek")));
    let show = e.json(&["keys", "show", &x]);
    assert_eq!(show["kind"], "x25519");
    assert_eq!(show["state"]["state"], "active");
    let public = e.ok(&["keys", "export", &x]);
    assert!(public.starts_with("custodia-x25519-public:"), "{public}");
    // A symmetric key has no public part: invalid input.
    assert_fails(&e.run(&["keys", "export", &kek]), 10, "invalid_argument");
    // Unknown key: key class.
    assert_fails(&e.run(&["keys", "show", "00000000000000000000000000000000"]), 40, "key_not_found");

    let new = e.ok(&["keys", "rotate", &x]);
    assert_ne!(new, x);
    assert_eq!(e.json(&["keys", "show", &x])["state"]["state"], "decrypt_only");
    assert_eq!(e.json(&["keys", "show", &new])["rotated_from"], x.as_str());
    e.ok(&["keys", "retention", &new, "--destroy-after", "2030-01-01"]);
    assert_eq!(e.json(&["keys", "show", &new])["destroy_after"], 1_893_456_000);

    // Another custodian imports the public key (with and without an authority name).
    let other = Env::with_actor("bert", "NL");
    let kf = e.path("pub.txt");
    e.ok(&["keys", "export", &new, "-o", s(&kf)]);
    let imported = other.ok(&["keys", "import", s(&kf), "--label", "DE prosecutor", "--authority-jurisdiction", "DE"]);
    assert_eq!(imported, new);
    let v = other.json(&["keys", "show", &new]);
    assert_eq!(v["has_secret"], false);
    assert_eq!(v["jurisdiction"], "DE");
    let edf = e.path("ed.txt");
    e.ok(&["keys", "export", &ed, "-o", s(&edf)]);
    let out = other.run_in(
        &[
            "keys",
            "import",
            "--authority-jurisdiction",
            "DE",
            "--authority",
            "Staatsanwaltschaft Berlin",
            "--valid-until",
            "2099-01-01",
        ],
        read(&edf).as_bytes(),
    );
    common::assert_ok(&out, &["keys", "import"]);
    assert_eq!(other.json(&["keys", "show", &ed])["authority"], "Staatsanwaltschaft Berlin");
    assert_fails(
        &other.run_in(&["keys", "import", "--authority-jurisdiction", "DE"], b"custodia-x25519-public:AAAA"),
        40,
        "invalid_key_text",
    );
}

#[test]
fn legal_holds_keep_keys_that_shred_would_destroy() {
    let e = Env::new();
    let k = e.ok(&["keygen", "--case", "MLA-2026-0042", "--destroy-after", "2020-01-01"]);
    let other = e.ok(&["keygen", "--kind", "kek", "--destroy-after", "2020-01-01"]);
    let env = seal(&e, &k, "e.cust", &[]);
    e.ok(&[
        "keys",
        "hold",
        "place",
        "--case",
        "MLA-2026-0042",
        "--reference",
        "order 7/26",
        "--reason",
        "appeal pending",
    ]);
    let holds = e.json(&["keys", "hold", "list"]);
    assert_eq!(holds[0]["case_ref"], "MLA-2026-0042");
    // A second hold on the case conflicts with the first: bad input (exit 10), code 110 `conflict`, not a refusal.
    let twice = ["keys", "hold", "place", "--case", "MLA-2026-0042", "--reference", "order 8/26", "--reason", "again"];
    let err = assert_fails(&e.run(&twice), 10, "error (110 conflict)");
    assert!(err.contains("MLA-2026-0042 is already under legal hold"), "{err}");
    // Destroying a held key directly is refused.
    assert_fails(&e.run(&["keys", "destroy", &k, "--reason", "try"]), 20, "legal_hold");
    let report = e.json(&["shred", "--expired"]);
    assert_eq!(report["destroyed"], serde_json::json!([other]));
    assert_eq!(report["held"][0]["key"], k.as_str());
    assert_eq!(e.ok_in(&["open", "-p", "investigation", s(&env)], b""), SECRET);
    e.ok(&["keys", "hold", "release", "--case", "MLA-2026-0042"]);
    assert_fails(&e.run(&["keys", "hold", "release", "--case", "MLA-2026-0042"]), 10, "error (110 conflict)");
    let report_file = e.path("shred.json");
    let report = e.json(&["shred", "--expired", "-o", s(&report_file)]);
    assert_eq!(report["destroyed"], serde_json::json!([k]));
    assert_eq!(report["certificates"].as_array().expect("certificates").len(), 1);
    let saved: serde_json::Value = serde_json::from_str(&read(&report_file)).expect("report file is JSON");
    assert_eq!(saved["destroyed"], report["destroyed"]);
    assert_fails(&e.run(&["open", "-p", "investigation", s(&env)]), 20, "key_destroyed");
    // shred without --expired does nothing but say so.
    assert_eq!(e.run(&["shred"]).status.code(), Some(64));
}

#[test]
fn rewrap_changes_recipients_for_a_purpose_and_moves_off_rotated_keys() {
    let e = Env::new();
    let a = e.keygen("x25519");
    let b = e.keygen("kek");
    let env = seal(&e, &a, "e.cust", &[]);
    let out = e.path("r.cust");
    e.ok(&["rewrap", "-p", "investigation", "--add", &b, "--remove", &a, s(&env), "-o", s(&out)]);
    let v = e.json(&["inspect", s(&out)]);
    assert_eq!(v["recipients"], serde_json::json!([b]));
    assert_eq!(e.ok_in(&["open", "-p", "investigation", s(&out)], b""), SECRET);
    // A re-wrap for a purpose the envelope does not grant is refused.
    assert_fails(
        &e.run(&["rewrap", "-p", "prosecution", "--add", &a, s(&env), "-o", s(&e.path("x"))]),
        20,
        "purpose_not_permitted",
    );
    assert!(!e.path("x").exists());
    // Rotation: the envelope moves to the successor, armored on request.
    let b2 = e.ok(&["keys", "rotate", &b]);
    let rot = e.path("rot.txt");
    e.ok(&["rewrap", "--rotated", "-a", s(&out), "-o", s(&rot)]);
    assert!(read(&rot).starts_with(ARMOR_BEGIN));
    assert_eq!(e.json(&["inspect", s(&rot)])["recipients"], serde_json::json!([b2]));
    assert_eq!(e.ok_in(&["open", "-p", "investigation", s(&rot)], b""), SECRET);
}

#[test]
fn audit_verify_checkpoint_export_anchor_and_cosign() {
    let e = Env::new();
    let k = e.keygen("x25519");
    seal(&e, &k, "e.cust", &[]);
    let report = e.json(&["audit", "verify"]);
    assert!(report["entries"].as_u64().expect("entries") > 3);
    let cp = e.json(&["audit", "checkpoint"]);
    assert!(cp.is_object());
    let key = e.ok(&["audit", "key"]);
    assert!(key.starts_with("custodia-ed25519-public:"));
    let keyfile = e.path("audit.key");
    fs::write(&keyfile, &key).expect("write");
    // Offline: the log and the public key, no passphrase, no directory.
    let log = e.dir.join("audit.log");
    let out = run(bare(&["--json", "audit", "verify", "--log", s(&log), "--key", &format!("@{}", s(&keyfile))]), b"");
    common::assert_ok(&out, &["audit", "verify"]);
    let offline: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(offline["log_id"], report["log_id"]);
    // CSV with a header and one row per entry.
    let csv = e.ok(&["audit", "export", "--csv"]);
    assert!(csv.starts_with("seq,time,kind,"), "{csv}");
    assert!(csv.contains(",sealed,"), "{csv}");

    // An anchor, handed to another custodian who counter-signs it with its own witness key.
    let anchor = e.path("anchor.json");
    e.ok(&["audit", "anchor", "-o", s(&anchor)]);
    let out = run(bare(&["audit", "anchor", "--check", s(&anchor), "--key", &key]), b"");
    common::assert_ok(&out, &["audit", "anchor", "--check"]);
    let witness = Env::with_actor("bert", "NL");
    let w = witness.keygen("ed25519");
    let signed = e.path("signed.json");
    witness.ok(&[
        "audit",
        "cosign",
        s(&anchor),
        "--their-key",
        &format!("@{}", s(&keyfile)),
        "--witness",
        &w,
        "-o",
        s(&signed),
    ]);
    let v: serde_json::Value = serde_json::from_str(&read(&signed)).expect("anchor is JSON");
    assert!(v.to_string().contains("witness"), "{v}");
    let out = e.run(&["audit", "verify", "--anchor", s(&signed)]);
    common::assert_ok(&out, &["audit", "verify", "--anchor"]);
    // The anchor checked against another key is rejected (audit class).
    let wrong = witness.ok(&["audit", "key"]);
    assert_fails(&run(bare(&["audit", "anchor", "--check", s(&anchor), "--key", &wrong]), b""), 50, "anchor_invalid");
    // Cosigning one's own anchor is refused.
    let own = e.keygen("ed25519");
    assert_fails(
        &e.run(&["audit", "cosign", s(&anchor), "--their-key", &key, "--witness", &own]),
        10,
        "invalid_argument",
    );

    // A tampered log fails verification: audit class (50).
    let text = read(&log);
    let tampered = text.replacen("\"sealed\"", "\"opened\"", 1);
    assert_ne!(tampered, text);
    let copy = e.path("tampered.log");
    fs::write(&copy, tampered).expect("write");
    let out = run(bare(&["audit", "verify", "--log", s(&copy), "--key", &key]), b"");
    assert_eq!(out.status.code(), Some(50), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn grants_issue_inspect_and_apply_a_purpose_extension() {
    let e = Env::new();
    let k = e.keygen("x25519");
    let signer = e.keygen("ed25519");
    let env = seal(&e, &k, "e.cust", &["--signer", &signer, "--origin", "DE"]);
    let oid = e.json(&["inspect", s(&env)])["object_id"].as_str().expect("oid").to_owned();
    assert_fails(&e.run(&["open", "-p", "prosecution", s(&env)]), 20, "purpose_not_permitted");
    let g = e.path("grant.txt");
    e.ok(&[
        "grant",
        "issue",
        "--object",
        &oid,
        "--signer",
        &signer,
        "--extend-purpose",
        "prosecution",
        "--not-after",
        "2099-01-01",
        "--reference",
        "request 2026/17",
        "-o",
        s(&g),
    ]);
    let out = run(bare(&["--json", "grant", "inspect", s(&g)]), b"");
    common::assert_ok(&out, &["grant", "inspect"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["signature_valid"], true);
    assert_eq!(v["object_id"], oid.as_str());
    assert_eq!(v["scope"]["kind"], "purpose_extension");
    // A grant with one character changed in its armor does not inspect as valid.
    let text = read(&g);
    let mid = text.len() / 2;
    let flipped: String = text
        .char_indices()
        .map(|(i, c)| {
            if i == mid && c != 'A' {
                'A'
            } else if i == mid {
                'B'
            } else {
                c
            }
        })
        .collect();
    let out = run(bare(&["grant", "inspect"]), flipped.as_bytes());
    assert!(!out.status.success());
    let extended = e.path("x.cust");
    e.ok(&["grant", "apply", "--grant", s(&g), s(&env), "-o", s(&extended)]);
    assert_eq!(e.ok_in(&["open", "-p", "prosecution", s(&extended)], b""), SECRET);
}

#[test]
fn receipts_issue_verify_and_import_between_two_custodians() {
    // NL seals for a DE authority's key; DE receives it, opens it, issues a receipt; NL verifies and imports it.
    let nl = Env::with_actor("nora", "NL");
    let de = Env::with_actor("dieter", "DE");
    let de_x = de.keygen("x25519");
    let de_ed = de.keygen("ed25519");
    let (x_pub, ed_pub) = (de.path("x.pub"), de.path("ed.pub"));
    de.ok(&["keys", "export", &de_x, "-o", s(&x_pub)]);
    de.ok(&["keys", "export", &de_ed, "-o", s(&ed_pub)]);
    nl.ok(&["keys", "import", s(&x_pub), "--authority-jurisdiction", "DE"]);
    nl.ok(&["keys", "import", s(&ed_pub), "--authority-jurisdiction", "DE"]);
    let env = seal(&nl, &de_x, "e.cust", &["--destination", "DE"]);
    let oid = de.json(&["receive", s(&env)])["object_id"].as_str().expect("oid").to_owned();
    assert_eq!(de.ok_in(&["open", "-p", "investigation", s(&env)], b""), SECRET);
    let r = de.path("receipt.txt");
    de.ok(&["receipt", "issue", "--object", &oid, "--signer", &de_ed, "-o", s(&r)]);
    // Anyone with the issuer's public key verifies it, without a keyring.
    let out = run(bare(&["--json", "receipt", "verify", s(&r), "--key", &format!("@{}", s(&ed_pub))]), b"");
    common::assert_ok(&out, &["receipt", "verify"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["object_id"], oid.as_str());
    assert!(v["items"].as_array().expect("items").iter().any(|i| i["kind"] == "opened"), "{v}");
    // With another key it does not verify (envelope class: receipt_issuer_unknown or receipt_invalid).
    let nl_key = nl.keygen("ed25519");
    let other_pub = nl.ok(&["keys", "export", &nl_key]);
    let out = run(bare(&["receipt", "verify", s(&r), "--key", &other_pub]), b"");
    assert_eq!(out.status.code(), Some(30), "{}", String::from_utf8_lossy(&out.stderr));
    // The originator imports it.
    let v = nl.json(&["receipt", "import", s(&r)]);
    assert_eq!(v["object_id"], oid.as_str());
    // A receipt for an object never received is refused (20).
    assert_fails(
        &de.run(&["receipt", "issue", "--object", &"0".repeat(32), "--signer", &de_ed]),
        20,
        "receipt_not_applicable",
    );
}

#[test]
fn open_to_a_file_is_all_or_nothing_when_a_later_chunk_is_tampered() {
    let e = Env::new();
    let k = e.keygen("kek");
    // Four 64 KiB chunks; one byte of the last one flipped.
    let data: Vec<u8> = (0..256 * 1024_u32).map(|i| (i % 251) as u8).collect();
    let mut env = e.ok_in(&["seal", "-p", "investigation", "-r", &k, "--category", "evidence"], &data);
    let at = env.len() - 100;
    env[at] ^= 0x40;
    let dst = e.path("plain");
    let out = e.run_in(&["open", "-p", "investigation", "-o", s(&dst)], &env);
    assert_fails(&out, 30, "open_failed");
    assert!(!dst.exists(), "a partial plaintext file was left");
    assert_eq!(fs::read_dir(e.tmp.path()).expect("ls").count(), 1, "a temporary file was left");
    // To stdout, the authenticated chunks before the bad one went out, and the exit code says it is incomplete.
    let out = e.run_in(&["open", "-p", "investigation"], &env);
    assert_fails(&out, 30, "open_failed");
    assert!(out.stdout.len() < data.len());
    assert_eq!(out.stdout[..], data[..out.stdout.len()]);
}

/// `audit merkle`: a Merkle anchor, an inclusion bundle checked offline with the audit key alone (an edited one
/// refused as `merkle_proof_invalid`, audit class), and a consistency proof (docs/AUDIT.md §12).
#[test]
fn audit_merkle_checkpoint_prove_verify_and_consistency() {
    let e = Env::new();
    let k = e.keygen("x25519");
    seal(&e, &k, "one.cust", &[]);
    let key = e.ok(&["audit", "key"]);
    let keyfile = e.path("audit.pub");
    fs::write(&keyfile, &key).expect("write key");
    let anchor = e.path("merkle-anchor.json");
    e.ok(&["audit", "merkle", "checkpoint", "-o", s(&anchor)]);
    let v: serde_json::Value = serde_json::from_str(&read(&anchor)).expect("anchor is JSON");
    assert!(v["merkle"].as_str().expect("merkle member").starts_with("custodia.audit/"), "{v}");
    let bundle = e.path("entry2.proof");
    e.ok(&["audit", "merkle", "prove", "2", "-o", s(&bundle)]);
    let keyarg = format!("@{}", s(&keyfile));
    let out = run(bare(&["--json", "audit", "merkle", "verify-proof", s(&bundle), "--key", &keyarg]), b"");
    common::assert_ok(&out, &["audit", "merkle", "verify-proof"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!((v["valid"].as_bool(), v["seq"].as_u64()), (Some(true), Some(2)), "{v}");
    let edited = e.path("edited.proof");
    fs::write(&edited, read(&bundle).replacen("\"seq\":2,", "\"seq\":3,", 1)).expect("write");
    assert_fails(
        &run(bare(&["audit", "merkle", "verify-proof", s(&edited), "--key", &keyarg]), b""),
        50,
        "merkle_proof_invalid",
    );
    let proof = e.ok(&["audit", "merkle", "consistency", "2", "4"]);
    assert!(proof.starts_with("old 2\n"), "{proof}");
}
