//! Reading a log for people: filtered iteration and CSV export for a data-protection officer.
//!
//! Reading checks each entry's own hash but not the chain or signatures: run [`super::verify`] first when the
//! answer must be trusted.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::Path;

use super::entry::{LineReader, LineSource, LogEntry};
use super::event::EventKind;
use crate::error::{Error, Result};
use crate::vocabulary::CaseRef;
use crate::vocabulary::time::Timestamp;

/// A filter over log entries; every condition set must hold. Build with the chained setters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    case: Option<String>,
    object: Option<String>,
    actor: Option<String>,
    kinds: Vec<EventKind>,
    from: Option<Timestamp>,
    until: Option<Timestamp>,
}

impl Query {
    /// Everything.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Only entries about this case.
    #[must_use]
    pub fn case(mut self, c: &CaseRef) -> Self {
        self.case = Some(c.as_str().to_owned());
        self
    }

    /// Only entries about this object (hex, any case).
    #[must_use]
    pub fn object_hex(mut self, hex: &str) -> Self {
        self.object = Some(hex.to_ascii_lowercase());
        self
    }

    /// Only entries by this actor id.
    #[must_use]
    pub fn actor(mut self, id: &str) -> Self {
        self.actor = Some(id.to_owned());
        self
    }

    /// Only entries of this kind (call again to allow several kinds).
    #[must_use]
    pub fn kind(mut self, k: EventKind) -> Self {
        self.kinds.push(k);
        self
    }

    /// Only entries at or after `t`.
    #[must_use]
    pub fn from(mut self, t: Timestamp) -> Self {
        self.from = Some(t);
        self
    }

    /// Only entries before `t`.
    #[must_use]
    pub fn until(mut self, t: Timestamp) -> Self {
        self.until = Some(t);
        self
    }

    /// Whether `e` passes the filter.
    #[must_use]
    pub fn matches(&self, e: &LogEntry) -> bool {
        let ev = &e.event;
        self.case.as_deref().is_none_or(|c| ev.case.as_ref().is_some_and(|x| x.as_str() == c))
            && self.object.as_deref().is_none_or(|o| ev.object.as_deref() == Some(o))
            && self.actor.as_deref().is_none_or(|a| ev.actor.as_ref().is_some_and(|x| x.id() == a))
            && (self.kinds.is_empty() || self.kinds.contains(&ev.kind))
            && self.from.is_none_or(|t| e.time >= t)
            && self.until.is_none_or(|t| e.time < t)
    }
}

/// The entries of a log, in order. Stops after the first error.
pub struct Entries {
    reader: Box<dyn LineSource + Send>,
    buf: Vec<u8>,
    done: bool,
}

impl core::fmt::Debug for Entries {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Entries").field("done", &self.done).finish_non_exhaustive()
    }
}

impl Iterator for Entries {
    type Item = Result<LogEntry>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let r = match self.reader.next_line(&mut self.buf) {
            Ok(None) => None,
            Ok(Some(line)) if !line.terminated => {
                Some(Err(Error::AuditMalformed { line: line.no, reason: "torn final line".into() }))
            }
            Ok(Some(line)) => Some(super::entry::decode(&self.buf, line.no)),
            Err(e) => Some(Err(e)),
        };
        self.done = !matches!(r, Some(Ok(_)));
        r
    }
}

/// Iterate the entries of the log at `path`.
///
/// # Errors
/// [`Error::Io`] when the file cannot be opened; each item may be an [`Error::AuditMalformed`] or
/// [`Error::AuditTampered`] (an entry whose own hash does not match).
pub fn entries(path: &Path) -> Result<Entries> {
    Ok(Entries::from_source(Box::new(LineReader::new(BufReader::new(File::open(path)?)))))
}

impl Entries {
    pub(crate) fn from_source(reader: Box<dyn LineSource + Send>) -> Self {
        Self { reader, buf: Vec::new(), done: false }
    }
}

/// Iterate the entries of the log at `path` that match `q`.
///
/// # Errors
/// As [`entries`].
pub fn query<'q>(path: &Path, q: &'q Query) -> Result<impl Iterator<Item = Result<LogEntry>> + 'q> {
    Ok(entries(path)?.filter(move |r| r.as_ref().map_or(true, |e| q.matches(e))))
}

/// The CSV header row's column names.
pub const CSV_COLUMNS: [&str; 17] = [
    "seq",
    "time",
    "kind",
    "actor",
    "role",
    "jurisdiction",
    "case",
    "object",
    "category",
    "purpose_requested",
    "purposes_granted",
    "exception_kind",
    "exception_reference",
    "justification",
    "outcome",
    "keys",
    "details",
];

/// Write `entries` as CSV (RFC 4180: CRLF line ends, fields quoted when they contain a comma, quote, CR or LF,
/// quotes doubled), header first. Returns the number of rows written, header excluded.
///
/// Fields a spreadsheet would take for a formula (starting with `=`, `+`, `-`, `@`, tab or CR) are prefixed with
/// `'`, so that a justification cannot run code in the officer's spreadsheet.
///
/// # Errors
/// The first error of `entries`, or [`Error::Io`] from the writer.
pub fn write_csv<W: Write, I: IntoIterator<Item = Result<LogEntry>>>(mut out: W, entries: I) -> Result<u64> {
    write_row(&mut out, CSV_COLUMNS.iter().map(|s| (*s).to_owned()))?;
    let mut n = 0;
    for e in entries {
        let e = e?;
        let ev = &e.event;
        let actor = ev.actor.as_ref();
        let purposes: Vec<&str> = ev.purposes.iter().map(|p| p.as_str()).collect();
        let row = [
            e.seq.to_string(),
            e.time.to_string(),
            ev.kind.name().to_owned(),
            actor.map(|a| a.id().to_owned()).unwrap_or_default(),
            actor.map(|a| a.role().to_owned()).unwrap_or_default(),
            actor.map(|a| a.jurisdiction().to_string()).unwrap_or_default(),
            ev.case.as_ref().map(|c| c.as_str().to_owned()).unwrap_or_default(),
            ev.object.clone().unwrap_or_default(),
            ev.category.map(|c| c.name().to_owned()).unwrap_or_default(),
            ev.purpose.as_ref().map(|p| p.as_str().to_owned()).unwrap_or_default(),
            purposes.join(" "),
            ev.exception.as_ref().map(|x| x.kind.clone()).unwrap_or_default(),
            ev.exception.as_ref().and_then(|x| x.reference.clone()).unwrap_or_default(),
            ev.exception.as_ref().map(|x| x.justification.clone()).unwrap_or_default(),
            ev.outcome.summary(),
            ev.keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "),
            details(&ev.detail),
        ];
        write_row(&mut out, row.into_iter())?;
        n += 1;
    }
    out.flush()?;
    Ok(n)
}

/// An event's details as `key=value` pairs separated by `; `, keys sorted; a `\`, `;` or `=` inside a key or value
/// is escaped with `\`, so that the pairs can be split back unambiguously.
fn details(d: &std::collections::BTreeMap<String, String>) -> String {
    let esc = |s: &str| s.replace('\\', "\\\\").replace(';', "\\;").replace('=', "\\=");
    d.iter().map(|(k, v)| format!("{}={}", esc(k), esc(v))).collect::<Vec<_>>().join("; ")
}

fn write_row<W: Write, I: Iterator<Item = String>>(out: &mut W, fields: I) -> Result<()> {
    let mut line = String::new();
    for (i, f) in fields.enumerate() {
        if i > 0 {
            line.push(',');
        }
        line.push_str(&csv_field(&f));
    }
    line.push_str("\r\n");
    out.write_all(line.as_bytes())?;
    Ok(())
}

/// One field, neutralised against formula injection and quoted per RFC 4180 when needed.
pub(crate) fn csv_field(f: &str) -> String {
    let mut s = String::with_capacity(f.len() + 3);
    if f.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        s.push('\'');
    }
    s.push_str(f);
    if s.contains([',', '"', '\r', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting_follows_rfc_4180() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("cr\rhere"), "\"cr\rhere\"");
        assert_eq!(csv_field(""), "");
    }

    #[test]
    fn csv_neutralises_formulas() {
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("+1"), "'+1");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
    }
}
