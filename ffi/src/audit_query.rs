//! Reading the audit log through the C API: a filtered snapshot of its entries ([`custodia_audit_entries`]), each
//! readable field by field or as one JSON text, and the CSV export a data-protection officer opens.
//!
//! Reading checks each entry's own hash but not the chain or signatures (as `custodia_core::audit::query` does):
//! `custodia_audit_verify` first when the answer must be trusted. Nothing here writes to the log.

use core::ffi::c_char;
use std::ffi::CString;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use super::args::{Out, opt_str_arg, str_array_arg};
use super::boundary::call;
use super::buffer::{custodia_buffer, text_to_c};
use super::custodian::{custodia_custodian, custodian};
use super::handles;
use super::io::path_arg;
use super::status::custodia_status;
use crate::error::{Error, Result};
use custodia_core::CaseRef;
use custodia_core::Error as CoreError;
use custodia_core::Timestamp;
use custodia_core::audit::{AuditEvent, EventKind, LogEntry, Query, write_csv};

/// A handle to a snapshot of audit log entries, from `custodia_audit_query`. Read it with
/// `custodia_audit_entries_len` and `custodia_audit_entries_get`, export it with `custodia_audit_entries_csv` or
/// `custodia_audit_entries_write_csv`, and release it with `custodia_audit_entries_free`.
///
/// Opaque: `id` is a registry key, not an address; 0 is the null handle. Immutable once made: usable from several
/// threads at once.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct custodia_audit_entries {
    /// Opaque registry key; 0 means none.
    pub id: u64,
}

/// One audit log entry, as `custodia_audit_entries_get` gives it. Every pointer is owned by the entries handle and
/// stays valid until `custodia_audit_entries_free`; a NULL pointer means the entry has no such field.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct custodia_audit_entry {
    /// Sequence number, from 0 (the genesis entry); `CUSTODIA_AUDIT_SEQ_UNKNOWN` for an event given to an audit sink
    /// (the log numbers it as it appends it).
    pub seq: u64,
    /// When it happened (the time the log records), Unix seconds.
    pub time: u64,
    /// The event kind's stable name (`"sealed"`, `"opened"`, `"refused"`, ...; `docs/AUDIT.md`).
    pub kind: *const c_char,
    /// Who acted: the actor's id, or NULL.
    pub actor_id: *const c_char,
    /// The actor's role, or NULL.
    pub actor_role: *const c_char,
    /// The actor's jurisdiction (ISO 3166-1 alpha-2), or NULL.
    pub actor_jurisdiction: *const c_char,
    /// The case reference, or NULL.
    pub case_ref: *const c_char,
    /// The object (envelope) id, lowercase hex, or NULL.
    pub object: *const c_char,
    /// The purpose the actor stated, or NULL.
    pub purpose: *const c_char,
    /// `ok`, or `refused:<kind>` / `failed:<kind>`.
    pub outcome: *const c_char,
    /// The whole entry as one JSON object (`seq` when known, `time`, `kind` and every member the event has, as in a
    /// log line, members in alphabetical order; without the chain members `prev`, `hash`, `auth` and `sig`).
    pub json: *const c_char,
}

/// The `seq` of an event that is not numbered yet: what audit sinks see (the log numbers an event as it appends it).
pub const CUSTODIA_AUDIT_SEQ_UNKNOWN: u64 = u64::MAX;

const AUDIT_ENTRIES: &str = "audit entries";

/// An entry (or an event not yet numbered) with the C strings its `custodia_audit_entry` points into.
pub(crate) struct Listed {
    seq: u64,
    time: u64,
    kind: CString,
    actor_id: Option<CString>,
    actor_role: Option<CString>,
    actor_jurisdiction: Option<CString>,
    case_ref: Option<CString>,
    object: Option<CString>,
    purpose: Option<CString>,
    outcome: CString,
    json: CString,
}

impl Listed {
    /// The C view of `event`, numbered `seq` when known.
    pub(crate) fn new(event: &AuditEvent, seq: Option<u64>) -> Self {
        let actor = event.actor.as_ref();
        Self {
            seq: seq.unwrap_or(CUSTODIA_AUDIT_SEQ_UNKNOWN),
            time: event.time.map_or(0, Timestamp::as_unix),
            kind: c_text(event.kind.name()),
            actor_id: actor.map(|a| c_text(a.id())),
            actor_role: actor.map(|a| c_text(a.role())),
            actor_jurisdiction: actor.map(|a| c_text(a.jurisdiction().as_str())),
            case_ref: event.case.as_ref().map(|c| c_text(c.as_str())),
            object: event.object.as_deref().map(c_text),
            purpose: event.purpose.as_ref().map(|p| c_text(p.as_str())),
            outcome: c_text(&event.outcome.summary()),
            json: c_text(&event_json(event, seq)),
        }
    }

    /// The C struct; its pointers borrow from `self` and are valid as long as it lives unmoved.
    pub(crate) fn as_c(&self) -> custodia_audit_entry {
        custodia_audit_entry {
            seq: self.seq,
            time: self.time,
            kind: self.kind.as_ptr(),
            actor_id: c_ptr(self.actor_id.as_ref()),
            actor_role: c_ptr(self.actor_role.as_ref()),
            actor_jurisdiction: c_ptr(self.actor_jurisdiction.as_ref()),
            case_ref: c_ptr(self.case_ref.as_ref()),
            object: c_ptr(self.object.as_ref()),
            purpose: c_ptr(self.purpose.as_ref()),
            outcome: self.outcome.as_ptr(),
            json: self.json.as_ptr(),
        }
    }
}

/// What an entries handle owns: the entries (for the CSV export) and their C views.
struct Snapshot {
    entries: Vec<LogEntry>,
    listed: Vec<Listed>,
}

/// Text from the log is validated JSON text: a NUL inside would be a bug, shown as an empty string.
fn c_text(s: &str) -> CString {
    CString::new(s).unwrap_or_default()
}

fn c_ptr(s: Option<&CString>) -> *const c_char {
    s.map_or(core::ptr::null(), |c| c.as_ptr())
}

/// An event as one JSON object: every member it has, named as in a log line (`docs/AUDIT.md` §2), members in
/// alphabetical order; `seq` when known. Shared with the audit sinks, which see events before the log numbers them.
pub(crate) fn event_json(event: &AuditEvent, seq: Option<u64>) -> String {
    use serde_json::{Map, Value, json};
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        if !v.is_null() {
            m.insert(k.to_owned(), v);
        }
    };
    put("seq", json!(seq));
    put("time", json!(event.time));
    put("kind", json!(event.kind));
    put("actor", json!(event.actor));
    put("object", json!(event.object));
    put("case", json!(event.case));
    put("category", json!(event.category));
    put("classification", json!(event.classification));
    if !event.purposes.is_empty() {
        put("purposes", json!(event.purposes));
    }
    put("purpose", json!(event.purpose));
    put("exception", json!(event.exception));
    if !event.keys.is_empty() {
        put("keys", json!(event.keys));
    }
    put("outcome", json!(event.outcome));
    if !event.detail.is_empty() {
        put("detail", json!(event.detail));
    }
    Value::Object(m).to_string()
}

/// Query the custodian's audit log: take a snapshot of the entries that pass every filter given, in log order.
///
/// Filters (each optional; all that are given must hold): `case_ref`, the case; `object_hex`, the object id in hex
/// (any case); `actor_id`, the acting actor's id; `kinds`, `kind_count` event kind names (`"opened"`, `"refused"`;
/// the entry must be one of them; unknown names are `CUSTODIA_ERR_INVALID_ARGUMENT`); `from_unix`, entries at or
/// after this time (0: no bound); `until_unix`, entries strictly before this time (0: no bound).
///
/// Reading checks each entry's own hash (`CUSTODIA_ERR_AUDIT_TAMPERED` or `CUSTODIA_ERR_AUDIT_MALFORMED` at the first
/// bad one) but not the chain or signatures: call `custodia_audit_verify` first when the answer must be trusted.
/// Works on a closed custodian too.
///
/// On success `*out_entries` receives a new handle owned by the caller, released with `custodia_audit_entries_free`.
///
/// # Safety
///
/// `case_ref`, `object_hex` and `actor_id` are NULL (no filter) or NUL-terminated strings; `kinds` is NULL (only
/// with `kind_count` 0) or points to `kind_count` NUL-terminated strings; all borrowed for the call. `out_entries` is
/// NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments, reason = "one flat C call per query; each filter is one argument")]
pub unsafe extern "C" fn custodia_audit_query(
    custodian_handle: custodia_custodian,
    case_ref: *const c_char,
    object_hex: *const c_char,
    actor_id: *const c_char,
    kinds: *const *const c_char,
    kind_count: usize,
    from_unix: u64,
    until_unix: u64,
    out_entries: *mut custodia_audit_entries,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (case_ref, object, actor, kinds, out) = unsafe {
            (
                opt_str_arg(case_ref, "case_ref")?,
                opt_str_arg(object_hex, "object_hex")?,
                opt_str_arg(actor_id, "actor_id")?,
                str_array_arg(kinds, kind_count, "kinds")?,
                Out::new(out_entries, "out_entries")?,
            )
        };
        let mut q = Query::new();
        if let Some(c) = case_ref {
            q = q.case(&CaseRef::parse(c)?);
        }
        if let Some(o) = object {
            q = q.object_hex(o);
        }
        if let Some(a) = actor {
            q = q.actor(a);
        }
        for k in kinds {
            q = q.kind(k.parse::<EventKind>()?);
        }
        if from_unix != 0 {
            q = q.from(Timestamp::from_unix(from_unix));
        }
        if until_unix != 0 {
            q = q.until(Timestamp::from_unix(until_unix));
        }
        let c = custodian(custodian_handle)?;
        let entries = c.audit_log().query(&q)?.collect::<Result<Vec<LogEntry>, CoreError>>()?;
        let listed = entries.iter().map(|e| Listed::new(&e.event, Some(e.seq))).collect();
        out.write(custodia_audit_entries { id: handles::insert(Snapshot { entries, listed })? });
        Ok(())
    })
}

/// How many entries a snapshot holds.
///
/// # Safety
///
/// `out_len` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_audit_entries_len(
    entries: custodia_audit_entries,
    out_len: *mut usize,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_len, "out_len") }?;
        out.write(handles::get::<Snapshot>(entries.id, AUDIT_ENTRIES)?.listed.len());
        Ok(())
    })
}

/// The entry at `index` (0-based, in log order; `CUSTODIA_ERR_INVALID_ARGUMENT` past the end). The strings it points
/// to are owned by the snapshot and stay valid until `custodia_audit_entries_free`.
///
/// # Safety
///
/// `out_entry` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_audit_entries_get(
    entries: custodia_audit_entries,
    index: usize,
    out_entry: *mut custodia_audit_entry,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_entry, "out_entry") }?;
        let snapshot = handles::get::<Snapshot>(entries.id, AUDIT_ENTRIES)?;
        let list = &snapshot.listed;
        let e = list.get(index).ok_or_else(|| {
            CoreError::InvalidArgument(format!("index {index} is past the end ({} entries)", list.len()))
        })?;
        // The strings live in the registry's `Arc` until the snapshot is freed; the guard dropping here does not
        // end them (only `custodia_audit_entries_free` does, as documented).
        out.write(e.as_c());
        Ok(())
    })
}

/// The snapshot as CSV (RFC 4180, CRLF line ends, a header row first; columns and escaping in `docs/AUDIT.md` §7;
/// fields a spreadsheet would take for a formula are prefixed with `'`).
///
/// On success `*out_csv` receives the CSV text (NUL-terminated; `len` excludes the NUL), owned by the caller
/// (`custodia_buffer_free`), and `*out_rows`, when not NULL, the number of rows without the header.
///
/// # Safety
///
/// `out_csv` is NULL (refused) or writable; `out_rows` is NULL or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_audit_entries_csv(
    entries: custodia_audit_entries,
    out_csv: *mut custodia_buffer,
    out_rows: *mut u64,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (out, rows) = unsafe { (Out::new(out_csv, "out_csv")?, Out::optional(out_rows)) };
        let snapshot = handles::get::<Snapshot>(entries.id, AUDIT_ENTRIES)?;
        let mut csv = Vec::new();
        let n = write_csv(&mut csv, snapshot.entries.iter().cloned().map(Ok))?;
        // Every field is text from the log; CSV adds only ASCII.
        let csv = String::from_utf8(csv).map_err(|_| CoreError::Internal("CSV export is not UTF-8".into()))?;
        out.write(text_to_c(csv));
        if let Some(rows) = rows {
            rows.write(n);
        }
        Ok(())
    })
}

/// Write the snapshot as CSV (as `custodia_audit_entries_csv`) to the file at `path`, created with mode 0600 or
/// truncated (the log names actors, cases and justifications: keep the export as confidential as the log).
///
/// On success `*out_rows`, when not NULL, receives the number of rows without the header. `CUSTODIA_ERR_IO` when the
/// file cannot be written (it may then hold part of the export).
///
/// # Safety
///
/// `path` is NULL (refused) or a NUL-terminated path, borrowed for the call; `out_rows` is NULL or writable. Any
/// thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_audit_entries_write_csv(
    entries: custodia_audit_entries,
    path: *const c_char,
    out_rows: *mut u64,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (path, rows) = unsafe { (path_arg(path, "path")?, Out::optional(out_rows)) };
        let snapshot = handles::get::<Snapshot>(entries.id, AUDIT_ENTRIES)?;
        let io = |e: std::io::Error| Error::from(CoreError::from(e));
        let file =
            std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path).map_err(io)?;
        let mut w = std::io::BufWriter::new(file);
        let n = write_csv(&mut w, snapshot.entries.iter().cloned().map(Ok))?;
        w.flush().map_err(io)?;
        w.into_inner().map_err(|e| io(e.into_error()))?.sync_all().map_err(io)?;
        if let Some(rows) = rows {
            rows.write(n);
        }
        Ok(())
    })
}

/// Release a snapshot; the strings its entries pointed to become invalid. The null handle is accepted.
///
/// # Safety
///
/// None beyond passing a value received from `custodia_audit_query`. Any thread, but no string from the snapshot may
/// be used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_audit_entries_free(entries: custodia_audit_entries) -> custodia_status {
    call(|| handles::remove::<Snapshot>(entries.id, AUDIT_ENTRIES))
}

#[cfg(test)]
mod tests {
    use super::*;
    use custodia_core::audit::entries;
    use custodia_core::{Actor, Classification, Custodian, CustodianOptions, Jurisdiction, KeyKind, Unlock};
    use serde_json::Value;

    /// An entry's JSON is its log line without the chain members: the same members, the same values.
    #[test]
    fn entry_json_is_the_log_line_without_the_chain() {
        let dir = tempfile::tempdir().expect("temp dir");
        let options = CustodianOptions { create: true, ..CustodianOptions::default() };
        let c = Custodian::load(dir.path().join("c"), Unlock::master_key([7; 32]), options).expect("open");
        let actor =
            Actor::new("anna", "investigator", "NL".parse::<Jurisdiction>().expect("NL"), Classification::Secret)
                .expect("actor");
        c.generate_key(&actor, KeyKind::Kek, "local").expect("key");
        c.checkpoint().expect("checkpoint");
        let lines = std::fs::read_to_string(c.audit_log().path()).expect("log");
        let decoded: Vec<LogEntry> =
            entries(c.audit_log().path()).expect("entries").map(|e| e.expect("entry")).collect();
        assert_eq!(lines.lines().count(), decoded.len());
        for (line, entry) in lines.lines().zip(&decoded) {
            let mut want: Value = serde_json::from_str(line).expect("JSON line");
            for chain in ["prev", "hash", "auth", "sig"] {
                want.as_object_mut().expect("object").remove(chain);
            }
            let got: Value = serde_json::from_str(&event_json(&entry.event, Some(entry.seq))).expect("JSON");
            assert_eq!(got, want, "entry {}", entry.seq);
            let listed = Listed::new(&entry.event, Some(entry.seq));
            assert_eq!(listed.as_c().seq, entry.seq);
            assert_eq!(listed.time, entry.time.as_unix());
        }
        let sink_view = Listed::new(&decoded[2].event, None);
        assert_eq!(sink_view.seq, CUSTODIA_AUDIT_SEQ_UNKNOWN);
        assert!(!sink_view.json.to_str().expect("UTF-8").contains("\"seq\""));
    }
}
