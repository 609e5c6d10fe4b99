//! Records: an envelope payload of named, typed fields (docs/FORMAT.md section 14).
//!
//! A record is an ordinary envelope whose bound context says `payload_type = record` (critical field `0x800f`) and
//! whose STREAM plaintext is the record encoding: every field's descriptor (name, category, classification, its own
//! purposes if any, value type) followed by the field's value encrypted under a key of its own, derived from the
//! envelope's data key and the field's position, with the envelope's object id and the descriptor as associated data.
//! So a field cannot be renamed, re-tagged, reordered or moved to another record without failing authentication, and
//! a reader derives keys only for the fields it is allowed to open. Which fields a reader may open is the policy's
//! decision (the custodian's `open_record`), not this module's.

use std::collections::BTreeMap;
use std::fmt;

use hkdf::Hkdf;
use rand_core::CryptoRng;
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use super::header::{Header, PayloadType};
use super::{EnvelopeOptions, KEY_LEN, OBJECT_ID_LEN, OsRng, Unwrap};
use crate::error::{Error, Result};
use crate::keys::{DataKey, VerifyingKey};
use crate::primitives::aead::ChunkCipher;
use crate::vocabulary::purpose::{Purpose, PurposeSet};
use crate::vocabulary::sensitive::{Category, Classification, Sensitive};

/// The record encoding's version byte.
pub const RECORD_VERSION: u8 = 1;
/// Most fields in one record.
pub const MAX_RECORD_FIELDS: usize = 1024;
/// Longest field name, in bytes.
pub const MAX_FIELD_NAME_LEN: usize = 64;
/// Largest encoded value of one field (its plaintext), in bytes.
pub const MAX_FIELD_VALUE_LEN: usize = 16 * 1024 * 1024;
/// Deepest nesting of [`FieldValue::Nested`] values (a nested value inside a field is depth 1).
pub const MAX_NESTING: usize = 4;
/// Most purposes a field may carry (as the envelope).
const MAX_FIELD_PURPOSES: usize = 32;
use crate::primitives::aead::TAG_LEN;
/// Every field key encrypts one value, so one nonce serves.
const NONCE: [u8; 12] = [0; 12];
/// HKDF-Expand label of a field key; followed by the field's index (u16).
const FIELD_LABEL: &[u8] = b"custodia/v1/record-field";

/// A field name: 1 to [`MAX_FIELD_NAME_LEN`] bytes, a lower-case ASCII letter, then letters, digits and `_` (the
/// grammar of one purpose segment). Names are compared as byte strings.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct FieldName(String);

impl FieldName {
    /// Check `name` against the grammar.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the rule broken.
    pub fn parse(name: &str) -> Result<Self> {
        check_name(name.as_bytes()).map_err(|why| Error::InvalidArgument(format!("field name: {why}")))?;
        Ok(Self(name.to_owned()))
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn check_name(b: &[u8]) -> core::result::Result<(), &'static str> {
    if b.is_empty() {
        return Err("empty");
    }
    if b.len() > MAX_FIELD_NAME_LEN {
        return Err("longer than 64 bytes");
    }
    if !b[0].is_ascii_lowercase() {
        return Err("must start with a lower-case letter a-z");
    }
    if !b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_') {
        return Err("only a-z, 0-9 and _ are allowed");
    }
    Ok(())
}

/// The type of a field's value, as its descriptor records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldKind {
    /// UTF-8 text.
    Text,
    /// A signed 64-bit integer.
    Integer,
    /// A calendar date.
    Date,
    /// Bytes.
    Bytes,
    /// Named values inside one field (opened or withheld together).
    Nested,
}

impl FieldKind {
    /// The code in the encoding.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::Text => 1,
            Self::Integer => 2,
            Self::Date => 3,
            Self::Bytes => 4,
            Self::Nested => 5,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            1 => Self::Text,
            2 => Self::Integer,
            3 => Self::Date,
            4 => Self::Bytes,
            5 => Self::Nested,
            _ => return None,
        })
    }

    /// The name the APIs and the audit log use (`text`, `integer`, `date`, `bytes`, `nested`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Integer => "integer",
            Self::Date => "date",
            Self::Bytes => "bytes",
            Self::Nested => "nested",
        }
    }
}

/// A calendar date of the proleptic Gregorian calendar, years 1 to 9999 (encoded as `YYYY-MM-DD`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Zeroize)]
pub struct RecordDate {
    year: u16,
    month: u8,
    day: u8,
}

impl RecordDate {
    /// The date `year`-`month`-`day`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a year outside 1..=9999 or a day the month does not have.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self> {
        Self::checked(year, month, day).ok_or_else(|| Error::InvalidArgument("not a calendar date".into()))
    }

    fn checked(year: u16, month: u8, day: u8) -> Option<Self> {
        let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        ((1..=9999).contains(&year) && (1..=days).contains(&day)).then_some(Self { year, month, day })
    }

    /// Parse `YYYY-MM-DD`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for anything else, or a date that does not exist.
    pub fn parse(s: &str) -> Result<Self> {
        Self::from_bytes(s.as_bytes()).ok_or_else(|| Error::InvalidArgument("a date is YYYY-MM-DD".into()))
    }

    fn from_bytes(b: &[u8]) -> Option<Self> {
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: core::ops::Range<usize>| -> Option<u16> {
            b[r].iter().try_fold(0u16, |acc, c| c.is_ascii_digit().then(|| acc * 10 + u16::from(c - b'0')))
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        Self::checked(year, u8::try_from(month).ok()?, u8::try_from(day).ok()?)
    }

    /// The year.
    #[must_use]
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1 to 12.
    #[must_use]
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month.
    #[must_use]
    pub fn day(self) -> u8 {
        self.day
    }
}

impl fmt::Display for RecordDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Debug for RecordDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A field's value. Held inside a [`Sensitive`] wherever custodia hands one out, so it is redacted in `Debug` and
/// wiped on drop.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldValue {
    /// UTF-8 text.
    Text(String),
    /// A signed 64-bit integer.
    Integer(i64),
    /// A calendar date.
    Date(RecordDate),
    /// Bytes.
    Bytes(Vec<u8>),
    /// Named values, in name order; opened or withheld together with the field that holds them.
    Nested(BTreeMap<FieldName, FieldValue>),
}

impl FieldValue {
    /// A text value.
    #[must_use]
    pub fn text(s: impl Into<String>) -> Self {
        Self::Text(s.into())
    }

    /// The value's type.
    #[must_use]
    pub fn kind(&self) -> FieldKind {
        match self {
            Self::Text(_) => FieldKind::Text,
            Self::Integer(_) => FieldKind::Integer,
            Self::Date(_) => FieldKind::Date,
            Self::Bytes(_) => FieldKind::Bytes,
            Self::Nested(_) => FieldKind::Nested,
        }
    }

    /// The text, if a text value.
    #[must_use]
    pub fn as_text(&self) -> Option<&str> {
        if let Self::Text(s) = self { Some(s) } else { None }
    }

    /// The value as one JSON value, appended to `out`: `{"text": "..."}`, `{"integer": n}`, `{"date": "YYYY-MM-DD"}`,
    /// `{"bytes": "<lowercase hex>"}` or `{"nested": {"<name>": <value>, ...}}` (the form of the record vectors,
    /// docs/FORMAT.md section 14). `out` then holds the secret: the caller wipes it.
    pub fn write_json(&self, out: &mut String) {
        use core::fmt::Write as _;
        match self {
            Self::Text(s) => {
                out.push_str("{\"text\":");
                json_string(s, out);
                out.push('}');
            }
            Self::Integer(i) => {
                let _ = write!(out, "{{\"integer\":{i}}}");
            }
            Self::Date(d) => {
                let _ = write!(out, "{{\"date\":\"{d}\"}}");
            }
            Self::Bytes(b) => {
                out.push_str("{\"bytes\":\"");
                for x in b {
                    let _ = write!(out, "{x:02x}");
                }
                out.push_str("\"}");
            }
            Self::Nested(m) => {
                out.push_str("{\"nested\":{");
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    json_string(k.as_str(), out);
                    out.push(':');
                    v.write_json(out);
                }
                out.push_str("}}");
            }
        }
    }

    fn depth(&self) -> usize {
        match self {
            Self::Nested(m) => 1 + m.values().map(Self::depth).max().unwrap_or(0),
            _ => 0,
        }
    }
}

/// `s` as a JSON string (RFC 8259: `"` and `\\` escaped, control characters as `\\u00XX`).
fn json_string(s: &str, out: &mut String) {
    use core::fmt::Write as _;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl Zeroize for FieldValue {
    fn zeroize(&mut self) {
        match self {
            Self::Text(s) => s.zeroize(),
            Self::Integer(i) => i.zeroize(),
            Self::Date(d) => d.zeroize(),
            Self::Bytes(b) => b.zeroize(),
            Self::Nested(m) => {
                m.values_mut().for_each(Zeroize::zeroize);
                m.clear();
            }
        }
    }
}

impl fmt::Debug for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FieldValue::{}([REDACTED])", self.kind().as_str())
    }
}

/// How one field is held: its category, classification and (optionally) its own purposes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldSpec {
    /// What the field holds.
    pub category: Category,
    /// How tightly; at least the category's minimum.
    pub classification: Classification,
    /// The purposes this field may be opened for, each one the envelope's purposes permit; `None`: the envelope's.
    pub purposes: Option<PurposeSet>,
}

impl FieldSpec {
    /// `category` at its minimum classification, under the envelope's purposes.
    #[must_use]
    pub fn new(category: Category) -> Self {
        Self { category, classification: category.minimum_classification(), purposes: None }
    }

    /// The same at `classification`.
    ///
    /// # Errors
    /// [`Error::ClassificationBelowMinimum`].
    pub fn classified(mut self, classification: Classification) -> Result<Self> {
        self.category.check(classification)?;
        self.classification = classification;
        Ok(self)
    }

    /// The same, opened only for `purposes` (each must be permitted by the envelope's purposes when sealed).
    #[must_use]
    pub fn for_purposes(mut self, purposes: PurposeSet) -> Self {
        self.purposes = Some(purposes);
        self
    }
}

/// What a record says of one field, readable once the payload is decrypted, whether or not the field is opened.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct FieldDescriptor {
    /// The field's name.
    pub name: FieldName,
    /// What it holds.
    pub category: Category,
    /// How tightly.
    pub classification: Classification,
    /// Its own purposes; `None` means the envelope's.
    pub purposes: Option<PurposeSet>,
    /// The type of its value.
    pub kind: FieldKind,
}

/// A record to seal: named fields, each a value with its own [`FieldSpec`]. Fields are kept (and encoded) in name
/// order; values are held as [`Sensitive`], so a `Record` is redacted in `Debug` and wiped on drop.
#[derive(Default)]
pub struct Record {
    fields: BTreeMap<FieldName, (FieldSpec, Sensitive<FieldValue>)>,
}

impl Record {
    /// An empty record.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Add the field `name` holding `value` of `category` (its minimum classification, the envelope's purposes).
    ///
    /// # Errors
    /// As [`Record::insert`].
    pub fn field(self, name: &str, value: FieldValue, category: Category) -> Result<Self> {
        self.field_with(name, value, FieldSpec::new(category))
    }

    /// Add the field `name` holding `value` as `spec` says.
    ///
    /// # Errors
    /// As [`Record::insert`].
    pub fn field_with(mut self, name: &str, value: FieldValue, spec: FieldSpec) -> Result<Self> {
        self.insert(name, value, spec)?;
        Ok(self)
    }

    /// Add the field `name` holding `value` as `spec` says. On an error the value is wiped.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a name outside the grammar ([`FieldName`]), a name already present, more than
    /// [`MAX_RECORD_FIELDS`] fields, or a nested value deeper than [`MAX_NESTING`];
    /// [`Error::ClassificationBelowMinimum`].
    pub fn insert(&mut self, name: &str, value: FieldValue, spec: FieldSpec) -> Result<()> {
        let value = Sensitive::with_classification(value, spec.category, spec.classification)?;
        let name = FieldName::parse(name)?;
        if self.fields.contains_key(&name) {
            return Err(Error::InvalidArgument(format!("field {name} is already in the record")));
        }
        if self.fields.len() >= MAX_RECORD_FIELDS {
            return Err(Error::InvalidArgument(format!("a record holds at most {MAX_RECORD_FIELDS} fields")));
        }
        if value.expose_secret().depth() > MAX_NESTING {
            return Err(Error::InvalidArgument(format!("values nest at most {MAX_NESTING} deep")));
        }
        if let Some(p) = &spec.purposes
            && p.len() > MAX_FIELD_PURPOSES
        {
            return Err(Error::InvalidArgument(format!("a field has at most {MAX_FIELD_PURPOSES} purposes")));
        }
        self.fields.insert(name, (spec, value));
        Ok(())
    }

    /// Every field's name and value, in name order. Each call site is a place where values leave the record's
    /// protection (as [`Sensitive::expose_secret`]).
    pub fn expose_values(&self) -> impl Iterator<Item = (&FieldName, &FieldValue)> {
        self.fields.iter().map(|(n, (_, v))| (n, v.expose_secret()))
    }

    /// How many fields.
    #[must_use]
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The descriptors, in name order (what every reader of the sealed record will see).
    #[must_use]
    pub fn descriptors(&self) -> Vec<FieldDescriptor> {
        self.fields.iter().map(|(n, (s, v))| descriptor(n, s, v.expose_secret().kind())).collect()
    }

    /// The highest classification of any field.
    #[must_use]
    pub fn max_classification(&self) -> Option<Classification> {
        self.fields.values().map(|(s, _)| s.classification).max()
    }

    /// Check the record against the envelope's purposes: not empty, and every field's own purposes permitted.
    pub(crate) fn check_purposes(&self, envelope: &PurposeSet) -> Result<()> {
        if self.fields.is_empty() {
            return Err(Error::InvalidArgument("a record needs at least one field".into()));
        }
        for (name, (spec, _)) in &self.fields {
            if let Some(p) = &spec.purposes {
                check_field_purposes(p, envelope)
                    .map_err(|why| Error::InvalidArgument(format!("field {name}: {why}")))?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record").field("fields", &self.descriptors()).finish()
    }
}

fn descriptor(name: &FieldName, spec: &FieldSpec, kind: FieldKind) -> FieldDescriptor {
    FieldDescriptor {
        name: name.clone(),
        category: spec.category,
        classification: spec.classification,
        purposes: spec.purposes.clone(),
        kind,
    }
}

fn check_field_purposes(p: &PurposeSet, envelope: &PurposeSet) -> core::result::Result<(), String> {
    if p.is_empty() {
        return Err("an empty purpose list (leave it out to use the envelope's)".into());
    }
    match p.iter().find(|q| !envelope.permits(q)) {
        Some(q) => Err(format!("purpose {q} is not one the envelope permits")),
        None => Ok(()),
    }
}

// ---- encoding -----------------------------------------------------------------------------------------------------

fn encode_descriptor(d: &FieldDescriptor, out: &mut Vec<u8>) {
    out.push(u8::try_from(d.name.0.len()).expect("names are at most 64 bytes"));
    out.extend_from_slice(d.name.0.as_bytes());
    out.extend_from_slice(&d.category.code().to_be_bytes());
    out.push(d.classification.code());
    match &d.purposes {
        None => out.push(0),
        Some(p) => {
            out.push(u8::try_from(p.len()).expect("at most 32 purposes"));
            for q in p {
                out.push(u8::try_from(q.as_str().len()).expect("purposes are at most 128 bytes"));
                out.extend_from_slice(q.as_str().as_bytes());
            }
        }
    }
    out.push(d.kind.code());
}

fn put_len(out: &mut Vec<u8>, n: usize) -> Result<()> {
    if n > MAX_FIELD_VALUE_LEN {
        return Err(Error::LimitExceeded {
            what: "field value length",
            value: n as u64,
            max: MAX_FIELD_VALUE_LEN as u64,
        });
    }
    out.extend_from_slice(&u32::try_from(n).expect("below 2^32").to_be_bytes());
    Ok(())
}

/// The length of a value's encoding (section 14.3), so that its buffer is allocated once at its final size: a buffer
/// that grew would leave copies of the value behind in the memory it gave back.
fn encoded_len(v: &FieldValue) -> usize {
    match v {
        FieldValue::Text(s) => s.len(),
        FieldValue::Integer(_) => 8,
        FieldValue::Date(_) => 10,
        FieldValue::Bytes(b) => b.len(),
        FieldValue::Nested(m) => 2 + m.iter().map(|(n, x)| 1 + n.0.len() + 1 + 4 + encoded_len(x)).sum::<usize>(),
    }
}

/// A value's encoding (section 14.3) appended to `out`, which the caller keeps in a [`Zeroizing`] allocated with
/// room for [`encoded_len`] (nested values are written in place, never through a buffer of their own).
fn encode_value(v: &FieldValue, out: &mut Vec<u8>) -> Result<()> {
    match v {
        FieldValue::Text(s) => out.extend_from_slice(s.as_bytes()),
        FieldValue::Integer(i) => out.extend_from_slice(&i.to_be_bytes()),
        FieldValue::Date(d) => {
            let digits = |n: u16, w: usize, out: &mut Vec<u8>| {
                for k in (0..w).rev() {
                    out.push(b'0' + u8::try_from(n / 10u16.pow(u32::try_from(k).expect("< 4")) % 10).expect("< 10"));
                }
            };
            digits(d.year(), 4, out);
            out.push(b'-');
            digits(u16::from(d.month()), 2, out);
            out.push(b'-');
            digits(u16::from(d.day()), 2, out);
        }
        FieldValue::Bytes(b) => out.extend_from_slice(b),
        FieldValue::Nested(m) => {
            out.extend_from_slice(&u16::try_from(m.len()).expect("at most 1024 nested values").to_be_bytes());
            for (name, value) in m {
                out.push(u8::try_from(name.0.len()).expect("names are at most 64 bytes"));
                out.extend_from_slice(name.0.as_bytes());
                out.push(value.kind().code());
                put_len(out, encoded_len(value))?;
                encode_value(value, out)?;
            }
        }
    }
    Ok(())
}

fn decode_value(kind: FieldKind, b: &[u8], depth: usize) -> Result<FieldValue> {
    let bad = |what: &str| Error::Malformed(format!("record field value: {what}"));
    Ok(match kind {
        FieldKind::Text => FieldValue::Text(core::str::from_utf8(b).map_err(|_| bad("text is not UTF-8"))?.to_owned()),
        FieldKind::Integer => FieldValue::Integer(i64::from_be_bytes(b.try_into().map_err(|_| bad("integer"))?)),
        FieldKind::Date => FieldValue::Date(RecordDate::from_bytes(b).ok_or_else(|| bad("date"))?),
        FieldKind::Bytes => FieldValue::Bytes(b.to_vec()),
        FieldKind::Nested => {
            if depth >= MAX_NESTING {
                return Err(bad("nested too deep"));
            }
            let mut c = Cursor { b };
            let n = usize::from(c.u16()?);
            if n > MAX_RECORD_FIELDS {
                return Err(Error::LimitExceeded {
                    what: "nested value count",
                    value: n as u64,
                    max: MAX_RECORD_FIELDS as u64,
                });
            }
            let mut map = BTreeMap::new();
            let mut last: Option<FieldName> = None;
            for _ in 0..n {
                let name = c.name()?;
                if last.as_ref().is_some_and(|l| *l >= name) {
                    return Err(bad("nested names out of order or repeated"));
                }
                let kind = FieldKind::from_code(c.u8()?).ok_or_else(|| bad("unknown nested type"))?;
                let len = c.len32()?;
                let value = decode_value(kind, c.bytes(len)?, depth + 1)?;
                last = Some(name.clone());
                map.insert(name, value);
            }
            c.end()?;
            FieldValue::Nested(map)
        }
    })
}

struct Cursor<'a> {
    b: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.b.len() < n {
            return Err(Error::Malformed("record: truncated".into()));
        }
        let (h, t) = self.b.split_at(n);
        self.b = t;
        Ok(h)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.bytes(1)?[0])
    }
    fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.bytes(2)?.try_into().expect("2 bytes")))
    }
    fn len32(&mut self) -> Result<usize> {
        let n = u32::from_be_bytes(self.bytes(4)?.try_into().expect("4 bytes")) as usize;
        if n > MAX_FIELD_VALUE_LEN + TAG_LEN {
            return Err(Error::LimitExceeded {
                what: "field value length",
                value: n as u64,
                max: (MAX_FIELD_VALUE_LEN + TAG_LEN) as u64,
            });
        }
        Ok(n)
    }
    fn name(&mut self) -> Result<FieldName> {
        let n = usize::from(self.u8()?);
        if n > MAX_FIELD_NAME_LEN {
            return Err(Error::LimitExceeded {
                what: "field name length",
                value: n as u64,
                max: MAX_FIELD_NAME_LEN as u64,
            });
        }
        let b = self.bytes(n)?;
        check_name(b).map_err(|why| Error::Malformed(format!("record field name: {why}")))?;
        Ok(FieldName(String::from_utf8(b.to_vec()).expect("checked ASCII")))
    }
    fn end(&self) -> Result<()> {
        if self.b.is_empty() { Ok(()) } else { Err(Error::Malformed("record: trailing bytes".into())) }
    }
}

/// The field keys of one envelope: HKDF-Extract of the data key with the object id as salt (the envelope's own
/// key-schedule PRK, section 4.1), expanded per field only when that field is sealed or opened.
pub(crate) struct FieldKeys {
    prk: Hkdf<Sha256>,
    object_id: [u8; OBJECT_ID_LEN],
}

impl FieldKeys {
    fn new(data_key: &[u8; KEY_LEN], object_id: &[u8; OBJECT_ID_LEN]) -> Self {
        Self { prk: Hkdf::<Sha256>::new(Some(object_id), data_key), object_id: *object_id }
    }

    /// The field keys of the envelope whose data key is `dk`.
    pub(crate) fn of(dk: &DataKey, object_id: &[u8; OBJECT_ID_LEN]) -> Self {
        Self::new(dk.expose(), object_id)
    }

    fn cipher(&self, index: u16) -> ChunkCipher {
        let mut info = [0u8; FIELD_LABEL.len() + 2];
        info[..FIELD_LABEL.len()].copy_from_slice(FIELD_LABEL);
        info[FIELD_LABEL.len()..].copy_from_slice(&index.to_be_bytes());
        let mut key = Zeroizing::new([0u8; 32]);
        self.prk.expand(&info, key.as_mut()).expect("32 bytes is a valid HKDF-SHA256 length");
        ChunkCipher::new(&key)
    }

    fn aad(&self, index: u16, descriptor: &[u8]) -> Vec<u8> {
        let mut aad = Vec::with_capacity(OBJECT_ID_LEN + 2 + descriptor.len());
        aad.extend_from_slice(&self.object_id);
        aad.extend_from_slice(&index.to_be_bytes());
        aad.extend_from_slice(descriptor);
        aad
    }
}

/// The record payload (section 14.2) of `record`, sealed for the envelope of `data_key` and `object_id`.
pub(crate) fn encode_payload(
    record: &Record,
    data_key: &[u8; KEY_LEN],
    object_id: &[u8; OBJECT_ID_LEN],
) -> Result<Zeroizing<Vec<u8>>> {
    let keys = FieldKeys::new(data_key, object_id);
    let mut out = Zeroizing::new(Vec::with_capacity(64 * record.len() + 16));
    out.push(RECORD_VERSION);
    out.extend_from_slice(&u16::try_from(record.len()).expect("at most 1024 fields").to_be_bytes());
    for (index, (name, (spec, value))) in record.fields.iter().enumerate() {
        let index = u16::try_from(index).expect("at most 1024 fields");
        let mut d = Vec::with_capacity(80);
        encode_descriptor(&descriptor(name, spec, value.expose_secret().kind()), &mut d);
        let len = encoded_len(value.expose_secret());
        if len > MAX_FIELD_VALUE_LEN {
            return Err(Error::LimitExceeded {
                what: "field value length",
                value: len as u64,
                max: MAX_FIELD_VALUE_LEN as u64,
            });
        }
        let mut plain = Zeroizing::new(Vec::with_capacity(len));
        encode_value(value.expose_secret(), &mut plain)?;
        let aad = keys.aad(index, &d);
        out.extend_from_slice(&d);
        put_len(&mut out, plain.len())?;
        let at = out.len();
        out.resize(at + plain.len(), 0);
        let tag = keys.cipher(index).seal_to(NONCE, &aad, &plain, &mut out[at..])?;
        out.extend_from_slice(&tag);
    }
    Ok(out)
}

/// One field of a decrypted record payload: its descriptor, where it is, and its still encrypted value.
pub(crate) struct SealedField<'a> {
    pub(crate) descriptor: FieldDescriptor,
    index: u16,
    descriptor_bytes: &'a [u8],
    ciphertext: &'a [u8],
}

/// Parse a record payload (section 14.2): every descriptor checked, including its purposes against the envelope's;
/// no field decrypted.
///
/// # Errors
/// [`Error::Malformed`], [`Error::LimitExceeded`].
pub(crate) fn parse_payload<'a>(payload: &'a [u8], envelope: &PurposeSet) -> Result<Vec<SealedField<'a>>> {
    let bad = |what: String| Error::Malformed(format!("record: {what}"));
    let mut c = Cursor { b: payload };
    let version = c.u8()?;
    if version != RECORD_VERSION {
        return Err(bad(format!("unknown record version {version}")));
    }
    let n = usize::from(c.u16()?);
    if n == 0 {
        return Err(bad("no field".into()));
    }
    if n > MAX_RECORD_FIELDS {
        return Err(Error::LimitExceeded {
            what: "record field count",
            value: n as u64,
            max: MAX_RECORD_FIELDS as u64,
        });
    }
    let mut fields: Vec<SealedField<'a>> = Vec::with_capacity(n);
    for index in 0..n {
        let start = c.b;
        let name = c.name()?;
        if fields.last().is_some_and(|f| f.descriptor.name >= name) {
            return Err(bad("field names out of order or repeated".into()));
        }
        let category = Category::from_code(c.u16()?).map_err(|_| bad("unknown category".into()))?;
        let classification = Classification::from_code(c.u8()?).map_err(|_| bad("unknown classification".into()))?;
        if category.check(classification).is_err() {
            return Err(bad("classification below the category's minimum".into()));
        }
        let pn = usize::from(c.u8()?);
        if pn > MAX_FIELD_PURPOSES {
            return Err(Error::LimitExceeded {
                what: "field purpose count",
                value: pn as u64,
                max: MAX_FIELD_PURPOSES as u64,
            });
        }
        let purposes = if pn == 0 {
            None
        } else {
            let mut list: Vec<Purpose> = Vec::with_capacity(pn);
            for _ in 0..pn {
                let l = usize::from(c.u8()?);
                if l > crate::vocabulary::purpose::MAX_PURPOSE_LEN {
                    return Err(Error::LimitExceeded {
                        what: "purpose length",
                        value: l as u64,
                        max: crate::vocabulary::purpose::MAX_PURPOSE_LEN as u64,
                    });
                }
                let s = core::str::from_utf8(c.bytes(l)?).map_err(|_| bad("purpose".into()))?;
                let p = Purpose::parse(s).map_err(|_| bad("invalid purpose".into()))?;
                if list.last().is_some_and(|q| *q >= p) {
                    return Err(bad("field purposes not in canonical order".into()));
                }
                list.push(p);
            }
            let set = PurposeSet::from_purposes(list)?;
            check_field_purposes(&set, envelope).map_err(|why| bad(format!("field {name}: {why}")))?;
            Some(set)
        };
        let kind = FieldKind::from_code(c.u8()?).ok_or_else(|| bad("unknown field type".into()))?;
        let descriptor_bytes = &start[..start.len() - c.b.len()];
        let len = c.len32()?;
        let ciphertext = c.bytes(len + TAG_LEN)?;
        fields.push(SealedField {
            descriptor: FieldDescriptor { name, category, classification, purposes, kind },
            index: u16::try_from(index).expect("at most 1024"),
            descriptor_bytes,
            ciphertext,
        });
    }
    c.end()?;
    Ok(fields)
}

/// Decrypt and decode one field with the envelope's field keys. Derives this field's key only.
///
/// # Errors
/// [`Error::OpenFailed`] when the field does not authenticate (renamed, re-tagged, moved, altered);
/// [`Error::Malformed`] for an authentic value that does not decode as its type.
pub(crate) fn open_field(keys: &FieldKeys, f: &SealedField<'_>) -> Result<FieldValue> {
    let aad = keys.aad(f.index, f.descriptor_bytes);
    let (ct, tag) = f.ciphertext.split_at(f.ciphertext.len() - TAG_LEN);
    let mut plain = Zeroizing::new(vec![0u8; ct.len()]);
    keys.cipher(f.index).open_to(NONCE, &aad, ct, &mut plain, tag.try_into().expect("16 bytes"))?;
    decode_value(f.descriptor.kind, &plain, 0)
}

// ---- sealing and opening whole records (format level: no policy) --------------------------------------------------

/// Seal `record` as a record envelope (`payload_type` record; `opts.metadata.payload_type` is ignored) with the
/// operating system's RNG.
///
/// # Errors
/// As [`super::seal`]; [`Error::InvalidArgument`] for an empty record or a field purpose the envelope's purposes do
/// not permit; [`Error::LimitExceeded`] for a value above [`MAX_FIELD_VALUE_LEN`].
pub fn seal_record(record: &Record, opts: &EnvelopeOptions<'_>) -> Result<Vec<u8>> {
    let mut rng = OsRng::new();
    let out = seal_record_inner(record, opts, &mut rng)?;
    rng.check()?;
    Ok(out)
}

/// [`seal_record`] drawing all randomness from `rng` (tests, vectors).
///
/// # Errors
/// As [`seal_record`], without [`Error::Rng`].
pub fn seal_record_with_rng<R: CryptoRng>(record: &Record, opts: &EnvelopeOptions<'_>, rng: &mut R) -> Result<Vec<u8>> {
    seal_record_inner(record, opts, rng)
}

fn seal_record_inner<R: CryptoRng>(record: &Record, opts: &EnvelopeOptions<'_>, rng: &mut R) -> Result<Vec<u8>> {
    record.check_purposes(&opts.metadata.purposes)?;
    let mut metadata = opts.metadata.clone();
    metadata.payload_type = PayloadType::Record;
    let opts =
        EnvelopeOptions { metadata, recipients: opts.recipients.clone(), sender: opts.sender, signer: opts.signer };
    let prepared = super::prepare(&opts, rng, &[])?;
    let payload = encode_payload(record, prepared.data_key(), &prepared.object_id)?;
    let mut out = Vec::new();
    prepared.seal_slice(&payload, &opts, &mut out)?;
    Ok(out)
}

/// A record opened at the format level: every field, decrypted (no policy decides here).
#[derive(Debug)]
#[non_exhaustive]
pub struct OpenedRecordPayload {
    /// Every field, in name order, with its value tagged with the field's category and classification.
    pub fields: Vec<(FieldDescriptor, Sensitive<FieldValue>)>,
    /// The object id.
    pub object_id: [u8; OBJECT_ID_LEN],
    /// The key whose signature verified, if signed.
    pub signer: Option<VerifyingKey>,
}

/// Open a record envelope with the first of `keys` that unwraps it and decrypt every field: the format-level
/// counterpart of [`super::open`] (the custodian's `open_record` decides field by field instead).
///
/// # Errors
/// As [`super::open`]; [`Error::InvalidArgument`] when the envelope is not a record; [`Error::Malformed`] for a
/// record encoding that breaks section 14; [`Error::OpenFailed`] for a field that does not authenticate.
pub fn open_record(
    envelope: &[u8],
    keys: &[&dyn Unwrap],
    required_signer: Option<&VerifyingKey>,
) -> Result<OpenedRecordPayload> {
    let header = super::parse_header(envelope)?;
    if header.metadata().payload_type != PayloadType::Record {
        return Err(Error::InvalidArgument("not a record envelope".into()));
    }
    let dk = super::unwrap_any(&header, keys)?;
    let opened = super::open_payload(&header, &dk, envelope, required_signer)?;
    let fields = open_all(&header, &dk, opened.plaintext.expose_secret())?;
    Ok(OpenedRecordPayload { fields, object_id: *header.object_id(), signer: opened.signer })
}

fn open_all(header: &Header, dk: &DataKey, payload: &[u8]) -> Result<Vec<(FieldDescriptor, Sensitive<FieldValue>)>> {
    let keys = FieldKeys::of(dk, header.object_id());
    parse_payload(payload, &header.metadata().purposes)?
        .into_iter()
        .map(|f| {
            let v = open_field(&keys, &f)?;
            let s = Sensitive::with_classification(v, f.descriptor.category, f.descriptor.classification)?;
            Ok((f.descriptor, s))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    fn purposes(p: &[&str]) -> PurposeSet {
        PurposeSet::parse(p).unwrap()
    }

    fn sample() -> Record {
        let mut nested = BTreeMap::new();
        nested.insert(FieldName::parse("city").unwrap(), FieldValue::text("Utrecht"));
        nested.insert(FieldName::parse("street").unwrap(), FieldValue::text("Oudegracht 1"));
        Record::new()
            .field("name", FieldValue::text("Jan de Vries"), Category::PersonalIdentity)
            .unwrap()
            .field("born", FieldValue::Date(RecordDate::parse("1980-02-29").unwrap()), Category::PersonalIdentity)
            .unwrap()
            .field("accounts", FieldValue::Integer(-3), Category::FinancialRecords)
            .unwrap()
            .field("photo", FieldValue::Bytes(vec![0, 1, 2]), Category::Biometric)
            .unwrap()
            .field_with(
                "address",
                FieldValue::Nested(nested),
                FieldSpec::new(Category::ContactDetails).for_purposes(purposes(&["investigation.financial"])),
            )
            .unwrap()
    }

    const DK: [u8; 32] = [9; 32];
    const OID: [u8; 16] = [3; 16];

    fn dk() -> DataKey {
        DataKey::new(Zeroizing::new(DK), crate::vocabulary::KeyId::from_bytes([1; 16]), None)
    }

    #[test]
    fn round_trip_every_kind() {
        let r = sample();
        let payload = encode_payload(&r, &DK, &OID).unwrap();
        let fields = parse_payload(&payload, &purposes(&["investigation"])).unwrap();
        let names: Vec<&str> = fields.iter().map(|f| f.descriptor.name.as_str()).collect();
        assert_eq!(names, ["accounts", "address", "born", "name", "photo"]);
        for (f, d) in fields.iter().zip(r.descriptors()) {
            assert_eq!(f.descriptor, d);
            let want = &r.fields[&d.name].1;
            assert!(open_field(&FieldKeys::of(&dk(), &OID), f).unwrap() == *want.expose_secret());
        }
    }

    #[test]
    fn a_field_keyed_for_another_envelope_or_position_fails() {
        let payload = encode_payload(&sample(), &DK, &OID).unwrap();
        let fields = parse_payload(&payload, &purposes(&["investigation"])).unwrap();
        assert!(matches!(open_field(&FieldKeys::of(&dk(), &[4; 16]), &fields[0]), Err(Error::OpenFailed)));
        let moved = SealedField { index: 1, ..SealedField { ..clone_field(&fields[0]) } };
        assert!(matches!(open_field(&FieldKeys::of(&dk(), &OID), &moved), Err(Error::OpenFailed)));
    }

    fn clone_field<'a>(f: &SealedField<'a>) -> SealedField<'a> {
        SealedField {
            descriptor: f.descriptor.clone(),
            index: f.index,
            descriptor_bytes: f.descriptor_bytes,
            ciphertext: f.ciphertext,
        }
    }

    #[test]
    fn field_purposes_must_lie_within_the_envelopes() {
        let payload = encode_payload(&sample(), &DK, &OID).unwrap();
        let e = parse_payload(&payload, &purposes(&["prosecution"])).err().unwrap();
        assert!(matches!(e, Error::Malformed(_)), "{e:?}");
        assert!(sample().check_purposes(&purposes(&["prosecution"])).is_err());
        assert!(sample().check_purposes(&purposes(&["investigation"])).is_ok());
    }

    #[test]
    fn malformed_payloads_are_typed() {
        let good = encode_payload(&sample(), &DK, &OID).unwrap();
        let env = purposes(&["investigation"]);
        let parse = |b: &[u8]| parse_payload(b, &env).err().map(|e| e.kind());
        use crate::error::ErrorKind::{LimitExceeded, Malformed};
        // Version, count 0, truncation anywhere, trailing bytes.
        let mut v = good.to_vec();
        v[0] = 2;
        assert_eq!(parse(&v), Some(Malformed));
        assert_eq!(parse(&[1, 0, 0]), Some(Malformed));
        for cut in 0..good.len() {
            assert!(parse(&good[..cut]).is_some(), "prefix of {cut} bytes accepted");
        }
        let mut v = good.to_vec();
        v.push(0);
        assert_eq!(parse(&v), Some(Malformed));
        // Count above the limit.
        assert_eq!(parse(&[1, 0x04, 0x01]), Some(LimitExceeded));
        // Name grammar, order, category, classification, kind: on a one-field record.
        let one = |name: &[u8], cat: u16, class: u8, kind: u8| {
            let mut b = vec![1, 0, 1, u8::try_from(name.len()).unwrap()];
            b.extend_from_slice(name);
            b.extend_from_slice(&cat.to_be_bytes());
            b.extend_from_slice(&[class, 0, kind, 0, 0, 0, 0]);
            b.extend_from_slice(&[0; 16]);
            b
        };
        assert_eq!(parse(&one(b"name", 1, 1, 1)), None);
        assert_eq!(parse(&one(b"Name", 1, 1, 1)), Some(Malformed));
        assert_eq!(parse(&one(b"", 1, 1, 1)), Some(Malformed));
        assert_eq!(parse(&one(&[b'a'; 65], 1, 1, 1)), Some(LimitExceeded));
        assert_eq!(parse(&one(b"name", 99, 1, 1)), Some(Malformed));
        assert_eq!(parse(&one(b"name", 11, 2, 1)), Some(Malformed)); // witness_identity below secret
        assert_eq!(parse(&one(b"name", 1, 4, 1)), Some(Malformed));
        assert_eq!(parse(&one(b"name", 1, 1, 6)), Some(Malformed));
        assert_eq!(parse(&one(b"name", 1, 1, 0)), Some(Malformed));
    }

    #[test]
    fn values_that_authenticate_but_do_not_decode_are_malformed() {
        assert!(matches!(decode_value(FieldKind::Integer, &[0; 7], 0), Err(Error::Malformed(_))));
        assert!(matches!(decode_value(FieldKind::Date, b"2026-02-30", 0), Err(Error::Malformed(_))));
        assert!(matches!(decode_value(FieldKind::Text, &[0xff], 0), Err(Error::Malformed(_))));
        assert!(matches!(decode_value(FieldKind::Nested, &[0, 1], 0), Err(Error::Malformed(_))));
    }

    #[test]
    fn dates_and_names() {
        assert!(RecordDate::parse("2024-02-29").is_ok());
        assert!(RecordDate::parse("2023-02-29").is_err());
        assert!(RecordDate::parse("1900-02-29").is_err());
        assert!(RecordDate::parse("0000-01-01").is_err());
        assert!(RecordDate::parse("2024-1-01").is_err());
        assert_eq!(RecordDate::new(7, 3, 9).unwrap().to_string(), "0007-03-09");
        assert!(FieldName::parse("iban_2").is_ok());
        assert!(FieldName::parse("2iban").is_err());
        assert!(FieldName::parse("iban-2").is_err());
    }

    #[test]
    fn records_are_redacted_and_reject_duplicates() {
        let r = sample();
        let dbg = format!("{r:?}");
        assert!(!dbg.contains("Jan") && !dbg.contains("Utrecht"), "{dbg}");
        assert!(r.field("name", FieldValue::text("x"), Category::PersonalIdentity).is_err());
        assert_eq!(format!("{:?}", FieldValue::text("secret")), "FieldValue::text([REDACTED])");
    }
}
