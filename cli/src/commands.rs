//! Each command, mapped to the facade. Output for people on stdout (and notes on stderr); with `--json`, one JSON
//! document on stdout. Plaintext goes only where `open` is told to write it, and only once the gate has allowed it.

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use custodia_core::audit::{Anchor, EventKind, LOG_FILE_NAME, Query, VerifyingKey};
use custodia_core::format::{self, InstrumentKind, LegalInstrument};
use custodia_core::{
    Actor, Approval, CaseRef, Category, Classification, Custodian, CustodianOptions, DataTag, EnvelopeInfo, Error,
    ExceptionGround, ExceptionKind, Grant, GrantScope, Jurisdiction, KdfParams, KeyAuthority, KeyId, KeyInfo, KeyKind,
    OpenRequest, Purpose, PurposeSet, Receipt, ReceiptOptions, RewrapOptions, SealOptions, Sensitive, Timestamp,
};
use serde_json::json;

use crate::Failure;
use crate::args::{AuditCommand, Cli, Command, GrantCommand, HoldCommand, KeysCommand, MerkleCommand, ReceiptCommand};
use crate::io::{Output, Progress, open_input, read_all, read_text, text_or_file, unlock};

type Res<T = ()> = Result<T, Failure>;

/// Run the command line.
pub(crate) fn run(cli: Cli) -> Res {
    match &cli.command {
        Command::Init(a) => init(&cli, a.kdf_memory_kib, a.kdf_passes),
        Command::Keygen(a) => keygen(&cli, a),
        Command::Keys(k) => keys(&cli, k),
        Command::Seal(a) => seal(&cli, a),
        Command::Open(a) => open(&cli, a),
        Command::Inspect(a) => inspect(&cli, a.input.as_deref()),
        Command::Receive(a) => receive(&cli, a.input.as_deref()),
        Command::Rewrap(a) => rewrap(&cli, a),
        Command::Shred(a) => shred(&cli, a.expired, a.output.as_deref()),
        Command::Audit(a) => audit(&cli, a),
        Command::Grant(g) => grant(&cli, g),
        Command::Receipt(r) => receipt(&cli, r),
    }
}

// ---- context --------------------------------------------------------------------------------------------------------

fn dir(cli: &Cli) -> Res<&Path> {
    cli.dir.as_deref().ok_or_else(|| Failure::Usage("no custodian directory: give --dir or set CUSTODIA_DIR".into()))
}

fn load(cli: &Cli) -> Res<Custodian> {
    let dir = dir(cli)?;
    let unlock = unlock(cli.master_key_file.as_deref(), cli.passphrase_file.as_deref(), false)?;
    Ok(Custodian::load(dir, unlock, CustodianOptions::default())?)
}

fn actor(cli: &Cli) -> Res<Actor> {
    let missing = |what: &str, env: &str| Failure::Usage(format!("no {what}: give --{what} or set {env}"));
    let id = cli.actor.as_deref().ok_or_else(|| missing("actor", "CUSTODIA_ACTOR"))?;
    let j = cli.jurisdiction.as_deref().ok_or_else(|| missing("jurisdiction", "CUSTODIA_JURISDICTION"))?;
    let c = cli.clearance.as_deref().ok_or_else(|| missing("clearance", "CUSTODIA_CLEARANCE"))?;
    Ok(Actor::new(id, &cli.role, j.parse::<Jurisdiction>()?, c.parse::<Classification>()?)?)
}

fn key_id(s: &str) -> Res<KeyId> {
    Ok(s.trim().parse::<KeyId>()?)
}

fn key_ids(v: &[String]) -> Res<Vec<KeyId>> {
    v.iter().map(|s| key_id(s)).collect()
}

/// A time: `YYYY-MM-DD` (midnight UTC), `YYYY-MM-DDTHH:MM:SSZ`, `@UNIX` seconds, or `+Nd` days from now.
pub(crate) fn parse_time(s: &str) -> Res<Timestamp> {
    let bad = || {
        Failure::Custodia(Error::InvalidArgument(format!(
            "time {s:?}: use YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, @UNIX or +Nd"
        )))
    };
    if let Some(unix) = s.strip_prefix('@') {
        return unix.parse::<u64>().map(Timestamp::from_unix).map_err(|_| bad());
    }
    if let Some(days) = s.strip_prefix('+').and_then(|d| d.strip_suffix('d')) {
        let days: u64 = days.parse().map_err(|_| bad())?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|_| bad())?.as_secs();
        return Ok(Timestamp::from_unix(now).plus_days(days));
    }
    let (date, time) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t.strip_suffix('Z').ok_or_else(bad)?)),
        None => (s, None),
    };
    let num = |x: &str| x.parse::<u32>().map_err(|_| bad());
    let mut d = date.splitn(3, '-');
    let (Some(y), Some(m), Some(dd)) = (d.next(), d.next(), d.next()) else { return Err(bad()) };
    let day = Timestamp::from_date(num(y)?, num(m)?, num(dd)?)?;
    let Some(time) = time else { return Ok(day) };
    let mut t = time.splitn(3, ':');
    let (Some(h), Some(mi), Some(se)) = (t.next(), t.next(), t.next()) else { return Err(bad()) };
    let (h, mi, se) = (num(h)?, num(mi)?, num(se)?);
    if h > 23 || mi > 59 || se > 59 {
        return Err(bad());
    }
    Ok(day.plus_secs(u64::from(h) * 3600 + u64::from(mi) * 60 + u64::from(se)))
}

fn print_json(v: &serde_json::Value) -> Res {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v).map_err(|e| Failure::Custodia(Error::Io(e.into())))?;
    writeln!(out).map_err(|e| Failure::Custodia(Error::Io(e)))
}

fn to_json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_else(|e| json!({ "serialization_error": e.to_string() }))
}

/// Write `text` to `-o FILE` or stdout (text output is never refused on a terminal).
fn write_text(output: Option<&Path>, text: &str) -> Res {
    let mut out = Output::open(output, false)?;
    out.write_all(text.as_bytes()).map_err(|e| Failure::Custodia(Error::Io(e)))?;
    out.finish()
}

fn write_bytes(output: Option<&Path>, bytes: &[u8], armored: bool) -> Res {
    let mut out = Output::open(output, !armored)?;
    out.write_all(bytes).map_err(|e| Failure::Custodia(Error::Io(e)))?;
    out.finish()
}

// ---- init and keys --------------------------------------------------------------------------------------------------

fn init(cli: &Cli, m_cost_kib: u32, t_cost: u32) -> Res {
    let dir = dir(cli)?;
    if dir.join(custodia_core::KEYRING_FILE).exists() {
        return Err(Failure::Usage(format!("{} already holds a custodian", dir.display())));
    }
    let unlock = unlock(cli.master_key_file.as_deref(), cli.passphrase_file.as_deref(), true)?;
    let opts = CustodianOptions {
        create: true,
        kdf: KdfParams { m_cost_kib, t_cost, p_cost: 1 },
        ..CustodianOptions::default()
    };
    let c = Custodian::load(dir, unlock, opts)?;
    let key = c.audit_public_key()?;
    c.close()?;
    if cli.json {
        print_json(&json!({ "dir": dir, "audit_public_key": key }))
    } else {
        println!("{key}");
        eprintln!("custodian started in {}; its audit public key is above (give it to your auditors)", dir.display());
        Ok(())
    }
}

fn keygen(cli: &Cli, a: &crate::args::KeygenArgs) -> Res {
    let c = load(cli)?;
    let actor = actor(cli)?;
    let destroy_after = a.destroy_after.as_deref().map(parse_time).transpose()?;
    let id = match &a.case {
        Some(case) => c.case_key(&actor, &case.parse::<CaseRef>()?, destroy_after)?,
        None => {
            let kind = KeyKind::ALL.into_iter().find(|k| k.name() == a.kind).ok_or_else(|| {
                Failure::Custodia(Error::InvalidArgument(format!(
                    "unknown key kind {:?}; known: kek, x25519, xwing, ed25519",
                    a.kind
                )))
            })?;
            let id = c.generate_key(&actor, kind, a.label.as_deref().unwrap_or(kind.name()))?;
            if destroy_after.is_some() {
                c.set_retention(&actor, &id, destroy_after)?;
            }
            id
        }
    };
    let info = c.key(&id)?;
    let public = if info.kind == KeyKind::Kek { None } else { Some(c.export_public(&id)?) };
    if cli.json {
        print_json(&json!({ "id": id, "kind": info.kind.name(), "public": public }))
    } else {
        println!("{id}");
        if let Some(p) = public {
            eprintln!("public key: {p}");
        }
        Ok(())
    }
}

fn key_line(k: &KeyInfo) -> String {
    format!(
        "{}  {:<7}  {:<12}  {}{}",
        k.id,
        k.kind.name(),
        k.state.name(),
        if k.label.is_empty() { "-" } else { &k.label },
        k.case_ref.as_ref().map(|c| format!("  case {c}")).unwrap_or_default()
    )
}

fn keys(cli: &Cli, cmd: &KeysCommand) -> Res {
    let c = load(cli)?;
    match cmd {
        KeysCommand::List => {
            let keys = c.keys()?;
            if cli.json {
                return print_json(&to_json(&keys));
            }
            for k in &keys {
                println!("{}", key_line(k));
            }
            Ok(())
        }
        KeysCommand::Show { id } => {
            let k = c.key(&key_id(id)?)?;
            if cli.json {
                return print_json(&to_json(&k));
            }
            println!(
                "id: {}\nkind: {}\nstate: {}\nlabel: {}\ncreated: {}",
                k.id,
                k.kind,
                k.state.name(),
                k.label,
                k.created
            );
            let opt = |t: Option<String>| t.unwrap_or_else(|| "-".into());
            println!("case: {}", opt(k.case_ref.as_ref().map(ToString::to_string)));
            println!("destroy_after: {}", opt(k.destroy_after.map(|t| t.to_string())));
            println!("rotated_from: {}", opt(k.rotated_from.map(|t| t.to_string())));
            println!("rotated_to: {}", opt(k.rotated_to.map(|t| t.to_string())));
            println!("has_secret: {}", k.has_secret);
            println!("jurisdiction: {}", opt(k.jurisdiction.map(|j| j.to_string())));
            println!("authority: {}", opt(k.authority.clone()));
            Ok(())
        }
        KeysCommand::Rotate { id } => {
            let new = c.rotate(&actor(cli)?, &key_id(id)?)?;
            if cli.json {
                print_json(&json!({ "old": id.trim(), "new": new }))
            } else {
                println!("{new}");
                Ok(())
            }
        }
        KeysCommand::Destroy { id, reason, output } => {
            let cert = c.destroy_key(&actor(cli)?, &key_id(id)?, reason)?;
            write_text(output.as_deref(), &(cert.to_json() + "\n"))?;
            eprintln!("key {} destroyed; erasure certificate written", id.trim());
            Ok(())
        }
        KeysCommand::Retention { id, destroy_after } => {
            let t = if destroy_after == "none" { None } else { Some(parse_time(destroy_after)?) };
            c.set_retention(&actor(cli)?, &key_id(id)?, t)?;
            Ok(())
        }
        KeysCommand::Hold(h) => {
            let actor = actor(cli)?;
            match h {
                HoldCommand::Place { case, reference, reason } => {
                    c.place_legal_hold(&actor, &case.parse::<CaseRef>()?, reference, reason)?;
                }
                HoldCommand::Release { case } => c.release_legal_hold(&actor, &case.parse::<CaseRef>()?)?,
                HoldCommand::List => {
                    let holds = c.legal_holds()?;
                    if cli.json {
                        return print_json(&to_json(&holds));
                    }
                    for h in holds {
                        println!("{}  {}  set {} by {}: {}", h.case_ref, h.reference, h.set_at, h.set_by, h.reason);
                    }
                }
            }
            Ok(())
        }
        KeysCommand::Export { id, output } => write_text(output.as_deref(), &(c.export_public(&key_id(id)?)? + "\n")),
        KeysCommand::Import(a) => {
            let text = match a.input.as_deref() {
                Some(p) => read_text(p)?,
                None => read_text(Path::new("-"))?,
            };
            let actor = actor(cli)?;
            let j = a.authority_jurisdiction.parse::<Jurisdiction>()?;
            let id = match &a.authority {
                Some(name) => {
                    let mut auth = KeyAuthority::new(name, j)?;
                    if let Some(t) = &a.valid_from {
                        auth = auth.valid_from(parse_time(t)?);
                    }
                    if let Some(t) = &a.valid_until {
                        auth = auth.valid_until(parse_time(t)?);
                    }
                    c.import_authority_key(&actor, text.trim(), &a.label, &auth)?
                }
                None => c.import_public(&actor, text.trim(), &a.label, j)?,
            };
            if cli.json {
                print_json(&json!({ "id": id }))
            } else {
                println!("{id}");
                Ok(())
            }
        }
    }
}

// ---- seal, open, inspect, receive, rewrap, shred ---------------------------------------------------------------------

fn seal(cli: &Cli, a: &crate::args::SealArgs) -> Res {
    let category = a.category.parse::<Category>()?;
    let classification = a.classification.as_deref().map(str::parse::<Classification>).transpose()?;
    let mut o = SealOptions::new(PurposeSet::parse(&a.purposes)?, key_ids(&a.recipients)?);
    o.classification = classification;
    o.case_ref = a.case.as_deref().map(str::parse::<CaseRef>).transpose()?;
    o.origin = a.origin.as_deref().map(str::parse::<Jurisdiction>).transpose()?;
    o.destinations = a.destinations.iter().map(|d| d.parse::<Jurisdiction>()).collect::<Result<_, _>>()?;
    o.not_after = a.expires.as_deref().map(parse_time).transpose()?;
    o.signer = a.signer.as_deref().map(key_id).transpose()?;
    o.sender = a.sender.as_deref().map(key_id).transpose()?;
    if let Some(kind) = &a.instrument {
        let kind = InstrumentKind::ALL.into_iter().find(|k| k.name() == kind).ok_or_else(|| {
            let known: Vec<&str> = InstrumentKind::ALL.iter().map(|k| k.name()).collect();
            Failure::Custodia(Error::InvalidArgument(format!(
                "unknown instrument {kind:?}; known: {}",
                known.join(", ")
            )))
        })?;
        o.instrument =
            Some(LegalInstrument::new(kind, a.instrument_reference.as_deref(), a.transfer_basis.as_deref())?);
    }
    let tag = DataTag::new(category, classification.unwrap_or_else(|| category.minimum_classification()));
    let c = load(cli)?;
    let actor = actor(cli)?;
    let (src, len) = open_input(a.input.as_deref())?;
    let mut src = Progress::new(src, len, cli.quiet);
    let sealed = if a.armor {
        // Armor is a whole-envelope text form: the data is held in memory (zeroized on drop).
        o.armor = true;
        let mut data = Vec::with_capacity(len.and_then(|n| usize::try_from(n).ok()).unwrap_or(0));
        src.read_to_end(&mut data).map_err(|e| Failure::Custodia(Error::Io(e)))?;
        let data = Sensitive::with_classification(data, category, tag.classification)?.with_fast_wipe();
        let s = c.seal(&actor, &data, &o)?;
        write_bytes(a.output.as_deref(), &s.envelope, true)?;
        (s.object_id, s.plaintext_len)
    } else {
        let mut out = Output::open(a.output.as_deref(), true)?;
        let s = c.seal_stream(&actor, tag, &o, &mut src, &mut out)?;
        out.finish()?;
        (s.object_id, s.plaintext_len)
    };
    src.finish();
    if cli.json {
        print_json(&json!({ "object_id": sealed.0, "plaintext_len": sealed.1 }))
    } else {
        eprintln!("sealed {} bytes as object {}", sealed.1, sealed.0);
        Ok(())
    }
}

fn open(cli: &Cli, a: &crate::args::OpenArgs) -> Res {
    let purpose = Purpose::parse(&a.purpose)?;
    let mut request = OpenRequest::new(actor(cli)?, purpose);
    if let Some(kind) = &a.exception {
        let kind = kind.parse::<ExceptionKind>()?;
        let justification = text_or_file(a.justification.as_deref().unwrap_or(""))?;
        request = request.with_exception(ExceptionGround::new(kind, a.reference.as_deref(), &justification)?);
    }
    if let Some(approval) = &a.approval {
        request = request.with_approval(Approval::from_text(text_or_file(approval)?.trim())?);
    }
    if let Some(signer) = &a.require_signer {
        request = request.require_signer(key_id(signer)?);
    }
    let c = load(cli)?;
    let (mut src, len) = open_input(a.input.as_deref())?;
    // Armored input is dearmored in memory (a text form of a whole envelope); binary input streams.
    let armored = format::is_armored(src.fill_buf().map_err(|e| Failure::Custodia(Error::Io(e)))?);
    // The gate runs (and refuses, before any key or output) inside `open_stream`; the output file is created first
    // but removed unless the open succeeds, and stdout receives only authenticated chunks.
    let mut out = Output::open(a.output.as_deref(), true)?;
    let opened = if armored {
        let mut text = Vec::new();
        src.read_to_end(&mut text).map_err(|e| Failure::Custodia(Error::Io(e)))?;
        let bin = format::to_binary(&text)?;
        c.open_stream(&request, &mut &bin[..], &mut out)?
    } else {
        let mut src = Progress::new(src, len, cli.quiet);
        let r = c.open_stream(&request, &mut src, &mut out);
        src.finish();
        r?
    };
    out.finish()?;
    if cli.json && a.output.as_deref().is_some_and(|p| p.as_os_str() != "-") {
        print_json(&json!({
            "object_id": opened.info.object_id,
            "purpose": opened.decision.purpose,
            "exception": opened.decision.used_exception().map(|e| e.kind().name()),
            "recipient": opened.recipient,
            "signer": opened.signer,
        }))?;
    }
    Ok(())
}

/// The header of the envelope `input` yields, and nothing more: a binary envelope is read only up to the end of its
/// header (stdin: the rest is left unread), an armored one whole (text must be decoded to find the header).
fn read_header_only(input: Option<&Path>) -> Res<format::Header> {
    let (mut src, _) = open_input(input)?;
    let armored = format::is_armored(src.fill_buf().map_err(|e| Failure::Custodia(Error::Io(e)))?);
    if armored {
        let mut text = Vec::new();
        src.read_to_end(&mut text).map_err(|e| Failure::Custodia(Error::Io(e)))?;
        Ok(format::parse_header(&text)?)
    } else {
        Ok(format::read_header(&mut src)?)
    }
}

fn inspect(cli: &Cli, input: Option<&Path>) -> Res {
    let info = EnvelopeInfo::from_header(&read_header_only(input)?);
    if cli.json {
        print_json(&to_json(&info))
    } else {
        print!("{}", info.describe());
        Ok(())
    }
}

fn receive(cli: &Cli, input: Option<&Path>) -> Res {
    let envelope = read_all(input)?;
    let c = load(cli)?;
    let info = c.receive(&actor(cli)?, &envelope)?;
    if cli.json {
        print_json(&to_json(&info))
    } else {
        println!("{}", info.object_id);
        Ok(())
    }
}

fn rewrap(cli: &Cli, a: &crate::args::RewrapArgs) -> Res {
    let envelope = read_all(a.input.as_deref())?;
    let c = load(cli)?;
    let actor = actor(cli)?;
    let out = if a.rotated {
        c.rewrap_rotated(&actor, &envelope)?
    } else {
        let purpose = Purpose::parse(a.purpose.as_deref().unwrap_or(""))?;
        let mut o = RewrapOptions::new(purpose, key_ids(&a.add)?).remove(key_ids(&a.remove)?);
        for g in &a.grant {
            o = o.grant(Grant::parse(read_text(g)?.as_bytes())?);
        }
        c.rewrap_with(&actor, &envelope, &o)?
    };
    if a.armor {
        write_bytes(a.output.as_deref(), format::armor(&out).as_bytes(), true)
    } else {
        write_bytes(a.output.as_deref(), &out, false)
    }
}

fn shred(cli: &Cli, expired: bool, output: Option<&Path>) -> Res {
    if !expired {
        return Err(Failure::Usage("shred needs --expired".into()));
    }
    let c = load(cli)?;
    let report = c.shred_expired(&actor(cli)?)?;
    let v = json!({
        "at": report.at,
        "destroyed": report.destroyed,
        "held": report.held.iter().map(|(k, r)| json!({ "key": k, "hold": r })).collect::<Vec<_>>(),
        "certificates": report.certificates.iter().map(|c| serde_json::from_str::<serde_json::Value>(&c.to_json())
            .unwrap_or(serde_json::Value::Null)).collect::<Vec<_>>(),
    });
    if let Some(p) = output {
        write_text(Some(p), &(serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"))?;
    }
    if cli.json {
        print_json(&v)
    } else {
        for k in &report.destroyed {
            println!("destroyed {k}");
        }
        for (k, r) in &report.held {
            println!("held {k} (legal hold {r})");
        }
        Ok(())
    }
}

// ---- audit ------------------------------------------------------------------------------------------------------------

fn log_path(cli: &Cli, log: Option<&Path>) -> Res<PathBuf> {
    match log {
        Some(p) => Ok(p.to_owned()),
        None => Ok(dir(cli)?.join(LOG_FILE_NAME)),
    }
}

fn audit_key(text: &str) -> Res<VerifyingKey> {
    Ok(custodia_core::audit::parse_audit_key(text_or_file(text)?.trim())?)
}

fn read_anchor(p: &Path) -> Res<Anchor> {
    Ok(Anchor::from_json(read_text(p)?.trim())?)
}

fn print_verify_report(cli: &Cli, report: &custodia_core::audit::VerifyReport) -> Res {
    if cli.json {
        return print_json(&to_json(report));
    }
    println!("OK: audit log {} verifies", report.log_id);
    println!(
        "entries: {}\ncheckpoints: {}\nerasures: {}\nanchors: {}",
        report.entries, report.checkpoints, report.erasures, report.anchors
    );
    println!("head: {}", report.head);
    if report.unsealed_tail > 0 {
        eprintln!(
            "warning: the last {} entries follow the last checkpoint (run `custodia audit checkpoint`)",
            report.unsealed_tail
        );
    }
    Ok(())
}

fn audit(cli: &Cli, cmd: &AuditCommand) -> Res {
    match cmd {
        AuditCommand::Verify {
            log,
            key,
            anchor,
            #[cfg(feature = "postgres")]
            postgres,
        } => {
            let anchors = anchor.iter().map(|p| read_anchor(p)).collect::<Res<Vec<_>>>()?;
            #[cfg(feature = "postgres")]
            if let Some(conninfo) = postgres {
                let k = key.as_deref().ok_or_else(|| Failure::Usage("--postgres needs --key".into()))?;
                let config = custodia_core::postgres::PgConfig::new(conninfo)?;
                let report = custodia_core::audit::verify_postgres(&config, &audit_key(k)?, &anchors)?;
                return print_verify_report(cli, &report);
            }
            let report = match key {
                Some(k) => custodia_core::audit::verify(&log_path(cli, log.as_deref())?, &audit_key(k)?, &anchors)?,
                None => {
                    if log.is_some() {
                        return Err(Failure::Usage("--log needs --key (the custodian verifies its own log)".into()));
                    }
                    load(cli)?.verify_audit(&anchors)?
                }
            };
            print_verify_report(cli, &report)
        }
        AuditCommand::Checkpoint => {
            let a = load(cli)?.checkpoint()?;
            if cli.json {
                return print_json(&serde_json::from_str(&a.to_json()).unwrap_or(serde_json::Value::Null));
            }
            println!("checkpoint at entry count {}", a.count());
            Ok(())
        }
        AuditCommand::Export { log, case, object, by, kind, from, until, output, .. } => {
            let mut q = Query::new();
            if let Some(c) = case {
                q = q.case(&c.parse::<CaseRef>()?);
            }
            if let Some(o) = object {
                q = q.object_hex(o);
            }
            if let Some(a) = by {
                q = q.actor(a);
            }
            if let Some(k) = kind {
                q = q.kind(k.parse::<EventKind>()?);
            }
            if let Some(t) = from {
                q = q.from(parse_time(t)?);
            }
            if let Some(t) = until {
                q = q.until(parse_time(t)?);
            }
            let path = log_path(cli, log.as_deref())?;
            let mut out = Output::open(output.as_deref(), false)?;
            let n = custodia_core::audit::write_csv(&mut out, custodia_core::audit::query(&path, &q)?)?;
            out.finish()?;
            if !cli.quiet {
                eprintln!("{n} entries exported (verify the log with `custodia audit verify` before relying on them)");
            }
            Ok(())
        }
        AuditCommand::Anchor { output, check, key } => {
            if let Some(p) = check {
                let a = read_anchor(p)?;
                a.verify(&audit_key(key.as_deref().unwrap_or(""))?)?;
                if cli.json {
                    return print_json(&json!({ "valid": true, "count": a.count(), "witnesses": a.witnesses().len() }));
                }
                println!("OK: anchor at entry count {} verifies ({} witnesses)", a.count(), a.witnesses().len());
                return Ok(());
            }
            let a = load(cli)?.checkpoint()?;
            write_text(output.as_deref(), &(a.to_json() + "\n"))
        }
        AuditCommand::Cosign { anchor, their_key, witness, output } => {
            let c = load(cli)?;
            let a = read_anchor(anchor)?;
            let theirs = text_or_file(their_key)?;
            let signed = c.countersign_anchor(&actor(cli)?, &a, theirs.trim(), &key_id(witness)?)?;
            write_text(output.as_deref(), &(signed.to_json() + "\n"))
        }
        AuditCommand::Merkle(m) => merkle(cli, m),
        AuditCommand::Key => {
            let k = load(cli)?.audit_public_key()?;
            if cli.json {
                print_json(&json!({ "audit_public_key": k }))
            } else {
                println!("{k}");
                Ok(())
            }
        }
    }
}

fn merkle(cli: &Cli, cmd: &MerkleCommand) -> Res {
    match cmd {
        MerkleCommand::Checkpoint { output } => {
            let a = load(cli)?.audit_checkpoint_merkle()?;
            write_text(output.as_deref(), &(a.to_json() + "\n"))
        }
        MerkleCommand::Prove { seq, size, output } => {
            let b = load(cli)?.audit_inclusion_bundle(*seq, *size)?;
            write_text(output.as_deref(), &b.to_text())
        }
        MerkleCommand::VerifyProof { file, key } => {
            let key = match key {
                Some(k) => audit_key(k)?,
                None => load(cli)?.audit_verifying_key(),
            };
            let text = read_text(file)?;
            let bundle = custodia_core::audit::InclusionBundle::parse(&text)?;
            let entry = bundle.verify(&key)?;
            if cli.json {
                return print_json(&json!({
                    "valid": true,
                    "seq": entry.seq,
                    "tree_size": bundle.checkpoint().size(),
                    "entry": bundle.entry_line(),
                }));
            }
            println!(
                "OK: entry {} is in the log {} of {} entries, signed by the audit key",
                entry.seq,
                bundle.checkpoint().origin(),
                bundle.checkpoint().size()
            );
            println!("{}", bundle.entry_line());
            Ok(())
        }
        MerkleCommand::Consistency { n1, n2, output } => {
            let p = load(cli)?.audit_consistency_proof(*n1, Some(*n2))?;
            write_text(output.as_deref(), &p.to_text())
        }
    }
}

// ---- grants and receipts ----------------------------------------------------------------------------------------------

fn grant_json(g: &Grant) -> serde_json::Value {
    let scope = match g.scope() {
        GrantScope::OnwardTransfer { authority, jurisdiction, key_id } => json!({
            "kind": "onward_transfer", "authority": authority, "jurisdiction": jurisdiction, "key_id": key_id,
        }),
        GrantScope::PurposeExtension(p) => json!({ "kind": "purpose_extension", "purposes": p }),
        _ => json!({ "kind": g.scope().name() }),
    };
    json!({
        "id": g.id().to_string(),
        "object_id": hex(g.object_id()),
        "grantor": g.grantor().to_string(),
        "issued_at": g.issued_at(),
        "not_after": g.not_after(),
        "reference": g.reference(),
        "scope": scope,
    })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn grant(cli: &Cli, cmd: &GrantCommand) -> Res {
    match cmd {
        GrantCommand::Issue {
            object,
            signer,
            onward_to,
            authority,
            authority_jurisdiction,
            extend_purpose,
            not_after,
            reference,
            output,
        } => {
            let scope = match onward_to {
                Some(k) => GrantScope::onward_transfer(
                    authority.as_deref().unwrap_or(""),
                    authority_jurisdiction.as_deref().unwrap_or("").parse::<Jurisdiction>()?,
                    key_id(k)?,
                )?,
                None if extend_purpose.is_empty() => {
                    return Err(Failure::Usage("a grant needs --onward-to KEY or --extend-purpose P".into()));
                }
                None => GrantScope::purpose_extension(PurposeSet::parse(extend_purpose)?)?,
            };
            let c = load(cli)?;
            let g =
                c.issue_grant(&actor(cli)?, &key_id(signer)?, object.trim(), scope, parse_time(not_after)?, reference)?;
            write_text(output.as_deref(), &g.to_armored())?;
            if !cli.quiet {
                eprintln!("grant {} issued", g.id());
            }
            Ok(())
        }
        GrantCommand::Apply { input, grant, output, armor } => {
            let envelope = read_all(input.as_deref())?;
            let g = Grant::parse(read_text(grant)?.as_bytes())?;
            let c = load(cli)?;
            let out = c.extend_purposes(&actor(cli)?, &envelope, &g)?;
            if *armor {
                write_bytes(output.as_deref(), format::armor(&out).as_bytes(), true)
            } else {
                write_bytes(output.as_deref(), &out, false)
            }
        }
        GrantCommand::Inspect { input } => {
            let g = Grant::parse(&read_all(input.as_deref())?)?;
            let valid = g.verify_signature();
            let mut v = grant_json(&g);
            v["signature_valid"] = json!(valid.is_ok());
            if cli.json {
                print_json(&v)?;
            } else {
                println!(
                    "grant: {}\nobject: {}\nscope: {}",
                    g.id(),
                    v["object_id"].as_str().unwrap_or("-"),
                    v["scope"]
                );
                println!("issued_at: {}\nnot_after: {}\nreference: {}", g.issued_at(), g.not_after(), g.reference());
                println!("grantor: {}\nsignature: {}", g.grantor(), if valid.is_ok() { "valid" } else { "INVALID" });
            }
            valid.map_err(Failure::from)
        }
    }
}

fn receipt_json(r: &Receipt) -> serde_json::Value {
    json!({
        "object_id": r.object_id(),
        "case": r.case_ref(),
        "issuer": r.issuer(),
        "issuer_public_key": r.issuer_public_key(),
        "issued_at": r.issued_at(),
        "items": r.items().iter().map(|i| {
            let fields: serde_json::Map<String, serde_json::Value> =
                i.fields().map(|(f, v)| (f.name().to_owned(), json!(v))).collect();
            json!({ "kind": i.kind().name(), "at": i.at(), "fields": fields })
        }).collect::<Vec<_>>(),
    })
}

fn receipt(cli: &Cli, cmd: &ReceiptCommand) -> Res {
    match cmd {
        ReceiptCommand::Issue { object, signer, name_actors, include_refusals, output } => {
            let c = load(cli)?;
            let opts = ReceiptOptions::new().name_actors(*name_actors).include_refusals(*include_refusals);
            let r = c.issue_receipt(&actor(cli)?, object.trim(), &key_id(signer)?, &opts)?;
            write_text(output.as_deref(), &r.to_armored())
        }
        ReceiptCommand::Import { input } => {
            let text = String::from_utf8(read_all(input.as_deref())?)
                .map_err(|_| Failure::Custodia(Error::ReceiptInvalid("not UTF-8 text".into())))?;
            let c = load(cli)?;
            let r = c.import_receipt(&actor(cli)?, &text)?;
            if cli.json {
                print_json(&receipt_json(&r))
            } else {
                println!("imported receipt for object {}", r.object_id());
                Ok(())
            }
        }
        ReceiptCommand::Verify { input, key } => {
            let text = String::from_utf8(read_all(input.as_deref())?)
                .map_err(|_| Failure::Custodia(Error::ReceiptInvalid("not UTF-8 text".into())))?;
            let r = Receipt::from_armored(&text)?;
            r.verify(text_or_file(key)?.trim())?;
            if cli.json {
                print_json(&receipt_json(&r))
            } else {
                println!(
                    "OK: receipt for object {} by {} verifies ({} items)",
                    r.object_id(),
                    r.issuer(),
                    r.items().len()
                );
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_in_every_documented_form_and_nothing_else() {
        assert_eq!(parse_time("2026-11-23").ok(), Some(Timestamp::from_date(2026, 11, 23).expect("date")));
        assert_eq!(parse_time("2026-11-23T12:00:00Z").ok(), Some(Timestamp::from_unix(1_795_435_200)));
        assert_eq!(parse_time("@1795435200").ok(), Some(Timestamp::from_unix(1_795_435_200)));
        assert!(parse_time("+1d").is_ok());
        for bad in ["", "2026-13-01", "2026-11-23T25:00:00Z", "2026-11-23T12:00:00", "yesterday", "@-1", "+d"] {
            assert!(parse_time(bad).is_err(), "{bad:?}");
        }
    }
}
