//! Purposes data is given for ([`Purpose`], [`PurposeSet`]) and the exceptions that allow an open for a purpose
//! that was not given ([`ExceptionGround`]).
//!
//! A purpose is a dotted lowercase path: `prosecution`, `prosecution.trial`, `mla.request`. Permission is
//! hierarchical: granting `prosecution` permits `prosecution.trial`; granting `prosecution.trial` does not permit
//! `prosecution`. This module knows names and their order; the decision to open lives in [`crate::policy`].

use core::fmt;
use core::str::FromStr;

use crate::error::{Error, Result};

/// Longest purpose, in bytes.
pub const MAX_PURPOSE_LEN: usize = 128;
/// Longest segment between dots, in bytes.
pub const MAX_SEGMENT_LEN: usize = 32;
/// Most segments in one purpose.
pub const MAX_DEPTH: usize = 6;
/// Most purposes in one [`PurposeSet`].
pub const MAX_PURPOSES: usize = 32;

/// Why a purpose string was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PurposeError {
    /// The string is empty.
    #[error("empty")]
    Empty,
    /// Longer than [`MAX_PURPOSE_LEN`] bytes.
    #[error("too long: {len} bytes, at most {MAX_PURPOSE_LEN}")]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// More than [`MAX_DEPTH`] segments.
    #[error("too deep: {depth} segments, at most {MAX_DEPTH}")]
    TooDeep {
        /// Its number of segments.
        depth: usize,
    },
    /// A segment is longer than [`MAX_SEGMENT_LEN`] bytes.
    #[error("segment {index} is too long: at most {MAX_SEGMENT_LEN} bytes")]
    SegmentTooLong {
        /// 0-based segment index.
        index: usize,
    },
    /// Starts with a dot.
    #[error("starts with a dot")]
    LeadingDot,
    /// Ends with a dot.
    #[error("ends with a dot")]
    TrailingDot,
    /// Two dots in a row.
    #[error("two dots in a row at byte {at}")]
    DoubleDot {
        /// Byte offset of the second dot.
        at: usize,
    },
    /// An upper-case letter; purposes are lower case.
    #[error("upper-case letter at byte {at}; purposes are lower case")]
    UpperCase {
        /// Byte offset.
        at: usize,
    },
    /// A space or other whitespace.
    #[error("whitespace at byte {at}")]
    Whitespace {
        /// Byte offset.
        at: usize,
    },
    /// A character outside ASCII.
    #[error("non-ASCII character at byte {at}")]
    NonAscii {
        /// Byte offset.
        at: usize,
    },
    /// Some other character outside `[a-z0-9_]`.
    #[error("character {ch:?} at byte {at} is not allowed (only a-z, 0-9, '_' and '.')")]
    InvalidChar {
        /// The character.
        ch: char,
        /// Byte offset.
        at: usize,
    },
    /// A segment begins with something other than a letter.
    #[error("segment {index} must start with a letter")]
    SegmentStart {
        /// 0-based segment index.
        index: usize,
    },
}

/// A purpose data may be opened for: a validated dotted lowercase path.
///
/// Grammar: `segment ("." segment)*`, each segment `[a-z][a-z0-9_]*` of at most [`MAX_SEGMENT_LEN`] bytes, at most
/// [`MAX_DEPTH`] segments and [`MAX_PURPOSE_LEN`] bytes in all. See [`well_known`] for the shared vocabulary.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Purpose(String);

impl Purpose {
    /// Parse and validate a purpose.
    ///
    /// # Errors
    /// [`Error::InvalidPurpose`] naming the rule broken.
    pub fn parse(s: &str) -> Result<Self> {
        validate(s).map_err(|reason| Error::InvalidPurpose { input: truncate_for_message(s), reason })?;
        Ok(Self(s.to_owned()))
    }

    /// The purpose as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether granting `self` permits opening for `requested`: equal, or `requested` lies under `self`.
    #[must_use]
    pub fn permits(&self, requested: &Purpose) -> bool {
        let (g, r) = (self.0.as_bytes(), requested.0.as_bytes());
        r.starts_with(g) && (r.len() == g.len() || r[g.len()] == b'.')
    }

    /// The number of segments.
    #[must_use]
    pub fn depth(&self) -> usize {
        self.0.split('.').count()
    }

    /// The purpose one level up (`prosecution` for `prosecution.trial`), if any.
    #[must_use]
    pub fn parent(&self) -> Option<Purpose> {
        self.0.rsplit_once('.').map(|(p, _)| Self(p.to_owned()))
    }
}

fn truncate_for_message(s: &str) -> String {
    s.chars().take(MAX_PURPOSE_LEN + 8).collect()
}

fn validate(s: &str) -> Result<(), PurposeError> {
    if s.is_empty() {
        return Err(PurposeError::Empty);
    }
    for (at, ch) in s.char_indices() {
        match ch {
            'a'..='z' | '0'..='9' | '_' | '.' => {}
            'A'..='Z' => return Err(PurposeError::UpperCase { at }),
            c if c.is_whitespace() => return Err(PurposeError::Whitespace { at }),
            c if !c.is_ascii() => return Err(PurposeError::NonAscii { at }),
            c => return Err(PurposeError::InvalidChar { ch: c, at }),
        }
    }
    if s.len() > MAX_PURPOSE_LEN {
        return Err(PurposeError::TooLong { len: s.len() });
    }
    if s.starts_with('.') {
        return Err(PurposeError::LeadingDot);
    }
    if s.ends_with('.') {
        return Err(PurposeError::TrailingDot);
    }
    if let Some(i) = s.find("..") {
        return Err(PurposeError::DoubleDot { at: i + 1 });
    }
    let depth = s.split('.').count();
    if depth > MAX_DEPTH {
        return Err(PurposeError::TooDeep { depth });
    }
    for (index, seg) in s.split('.').enumerate() {
        if seg.len() > MAX_SEGMENT_LEN {
            return Err(PurposeError::SegmentTooLong { index });
        }
        if !seg.as_bytes()[0].is_ascii_lowercase() {
            return Err(PurposeError::SegmentStart { index });
        }
    }
    Ok(())
}

impl FromStr for Purpose {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for Purpose {
    type Error = Error;
    fn try_from(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Purpose({})", self.0)
    }
}

impl serde::Serialize for Purpose {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Purpose {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A canonical set of purposes: sorted, without duplicates, at most [`MAX_PURPOSES`].
///
/// Two sets with the same members are equal and encode identically whatever order they were built in.
#[derive(Clone, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct PurposeSet(Vec<Purpose>);

impl PurposeSet {
    /// The empty set.
    #[must_use]
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// Build a canonical set from purposes in any order, dropping duplicates.
    ///
    /// # Errors
    /// [`Error::TooManyPurposes`] when more than [`MAX_PURPOSES`] distinct purposes remain.
    pub fn from_purposes<I: IntoIterator<Item = Purpose>>(purposes: I) -> Result<Self> {
        let mut v: Vec<Purpose> = purposes.into_iter().collect();
        v.sort();
        v.dedup();
        if v.len() > MAX_PURPOSES {
            return Err(Error::TooManyPurposes { count: v.len(), max: MAX_PURPOSES });
        }
        Ok(Self(v))
    }

    /// Parse each string and build a canonical set.
    ///
    /// # Errors
    /// The first [`Error::InvalidPurpose`], or [`Error::TooManyPurposes`].
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<Self> {
        let v = items.iter().map(|s| Purpose::parse(s.as_ref())).collect::<Result<Vec<_>>>()?;
        Self::from_purposes(v)
    }

    /// Add one purpose, keeping the set canonical.
    ///
    /// # Errors
    /// [`Error::TooManyPurposes`] when the set is full.
    pub fn insert(&mut self, p: Purpose) -> Result<()> {
        match self.0.binary_search(&p) {
            Ok(_) => Ok(()),
            Err(_) if self.0.len() >= MAX_PURPOSES => {
                Err(Error::TooManyPurposes { count: self.0.len() + 1, max: MAX_PURPOSES })
            }
            Err(i) => {
                self.0.insert(i, p);
                Ok(())
            }
        }
    }

    /// The granted purpose that permits `requested`, if any (the most general one, as the set is sorted).
    #[must_use]
    pub fn permitting(&self, requested: &Purpose) -> Option<&Purpose> {
        self.0.iter().find(|g| g.permits(requested))
    }

    /// Whether some member permits `requested`.
    #[must_use]
    pub fn permits(&self, requested: &Purpose) -> bool {
        self.permitting(requested).is_some()
    }

    /// Whether the set has no member.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many purposes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The purposes in canonical order.
    pub fn iter(&self) -> core::slice::Iter<'_, Purpose> {
        self.0.iter()
    }
}

impl fmt::Display for PurposeSet {
    /// Comma-separated in canonical order, or `(none)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(none)");
        }
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(p.as_str())?;
        }
        Ok(())
    }
}

impl fmt::Debug for PurposeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PurposeSet[{self}]")
    }
}

impl<'a> IntoIterator for &'a PurposeSet {
    type Item = &'a Purpose;
    type IntoIter = core::slice::Iter<'a, Purpose>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'de> serde::Deserialize<'de> for PurposeSet {
    /// A list of valid purposes in any order, without duplicates (a repeated purpose is refused, not merged: the
    /// encoded set is not the set it claims to be), at most [`MAX_PURPOSES`]; reading stops at the first excess.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = PurposeSet;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a list of at most {MAX_PURPOSES} distinct purposes")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> core::result::Result<PurposeSet, A::Error> {
                use serde::de::Error as _;
                let mut v: Vec<Purpose> = Vec::new();
                while let Some(p) = seq.next_element::<Purpose>()? {
                    if v.len() == MAX_PURPOSES {
                        return Err(A::Error::custom(Error::TooManyPurposes {
                            count: MAX_PURPOSES + 1,
                            max: MAX_PURPOSES,
                        }));
                    }
                    match v.binary_search(&p) {
                        Ok(_) => return Err(A::Error::custom(format!("purpose {p} appears twice"))),
                        Err(i) => v.insert(i, p),
                    }
                }
                Ok(PurposeSet(v))
            }
        }
        d.deserialize_seq(Visitor)
    }
}

/// The shared vocabulary of purposes for mutual legal assistance work. Custom purposes are allowed too; these are
/// the names two authorities can rely on meaning the same thing.
pub mod well_known {
    /// Criminal investigation of the offence the request concerns.
    pub const INVESTIGATION: &str = "investigation";
    /// Financial investigation (tracing of assets and money flows).
    pub const INVESTIGATION_FINANCIAL: &str = "investigation.financial";
    /// Prosecution: deciding on and conducting charges.
    pub const PROSECUTION: &str = "prosecution";
    /// Use as evidence in trial or other court proceedings.
    pub const PROSECUTION_TRIAL: &str = "prosecution.trial";
    /// Appeal proceedings.
    pub const PROSECUTION_APPEAL: &str = "prosecution.appeal";
    /// Preparing or sending a mutual legal assistance request.
    pub const MLA_REQUEST: &str = "mla.request";
    /// Executing a request received from another state.
    pub const MLA_EXECUTION: &str = "mla.execution";
    /// Asset recovery: freezing, seizure and confiscation of proceeds of crime.
    pub const ASSET_RECOVERY: &str = "asset_recovery";
    /// Freezing and seizure orders.
    pub const ASSET_RECOVERY_FREEZING: &str = "asset_recovery.freezing";
    /// Confiscation and return of assets.
    pub const ASSET_RECOVERY_CONFISCATION: &str = "asset_recovery.confiscation";
    /// Extradition and surrender proceedings.
    pub const EXTRADITION: &str = "extradition";
    /// Protection of witnesses and victims.
    pub const WITNESS_PROTECTION: &str = "witness_protection";
    /// Disclosure to the defence as required by fair-trial rules.
    pub const DEFENCE_DISCLOSURE: &str = "defence.disclosure";
    /// Supervision by a data-protection officer or authority.
    pub const DATA_PROTECTION_AUDIT: &str = "data_protection.audit";

    /// Every well-known purpose with a one-line description.
    pub const ALL: &[(&str, &str)] = &[
        (INVESTIGATION, "criminal investigation of the offence the request concerns"),
        (INVESTIGATION_FINANCIAL, "financial investigation: tracing assets and money flows"),
        (PROSECUTION, "deciding on and conducting a prosecution"),
        (PROSECUTION_TRIAL, "use as evidence in trial or other court proceedings"),
        (PROSECUTION_APPEAL, "appeal proceedings"),
        (MLA_REQUEST, "preparing or sending a mutual legal assistance request"),
        (MLA_EXECUTION, "executing a request received from another state"),
        (ASSET_RECOVERY, "freezing, seizure and confiscation of proceeds of crime"),
        (ASSET_RECOVERY_FREEZING, "freezing and seizure orders"),
        (ASSET_RECOVERY_CONFISCATION, "confiscation and return of assets"),
        (EXTRADITION, "extradition and surrender proceedings"),
        (WITNESS_PROTECTION, "protection of witnesses and victims"),
        (DEFENCE_DISCLOSURE, "disclosure to the defence required by fair-trial rules"),
        (DATA_PROTECTION_AUDIT, "supervision by a data-protection officer or authority"),
    ];
}

/// The legal ground for opening data for a purpose it was not given for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExceptionKind {
    /// A court order; its reference is required.
    CourtOrder,
    /// Consent of the data subject; the reference of the consent record is required.
    Consent,
    /// An imminent threat to life or physical integrity.
    ImminentThreat,
    /// A legal obligation; the provision is required as the reference.
    LegalObligation,
    /// The protection of national security; the reference of the decision or provision invoked is required.
    NationalSecurity,
    /// An overriding public interest (e.g. preventing serious crime against many people) that outweighs the
    /// limits the data was given under; the reference of the provision or decision relied on is required.
    OverridingPublicInterest,
}

impl ExceptionKind {
    /// Every kind.
    pub const ALL: [Self; 6] = [
        Self::CourtOrder,
        Self::Consent,
        Self::ImminentThreat,
        Self::LegalObligation,
        Self::NationalSecurity,
        Self::OverridingPublicInterest,
    ];

    /// Stable code, as used across the C ABI.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::CourtOrder => 1,
            Self::Consent => 2,
            Self::ImminentThreat => 3,
            Self::LegalObligation => 4,
            Self::NationalSecurity => 5,
            Self::OverridingPublicInterest => 6,
        }
    }

    /// The kind with this code.
    ///
    /// # Errors
    /// [`Error::UnknownCode`] for an unassigned code.
    pub fn from_code(code: u8) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == code)
            .ok_or(Error::UnknownCode { what: "exception kind", code: u32::from(code) })
    }

    /// Stable snake_case name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::CourtOrder => "court_order",
            Self::Consent => "consent",
            Self::ImminentThreat => "imminent_threat",
            Self::LegalObligation => "legal_obligation",
            Self::NationalSecurity => "national_security",
            Self::OverridingPublicInterest => "overriding_public_interest",
        }
    }

    /// The kind with this stable name (`court_order`, `national_security`, ...).
    ///
    /// # Errors
    /// [`Error::InvalidException`] naming the known kinds, for any other text.
    pub fn parse(name: &str) -> Result<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name).ok_or_else(|| {
            let known: Vec<&str> = Self::ALL.iter().map(|k| k.name()).collect();
            Error::InvalidException(format!("unknown exception ground {name:?}; known: {}", known.join(", ")))
        })
    }

    /// Whether this kind requires a reference (order number, consent record, legal provision).
    #[must_use]
    pub const fn requires_reference(self) -> bool {
        !matches!(self, Self::ImminentThreat)
    }
}

impl FromStr for ExceptionKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl fmt::Display for ExceptionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Shortest acceptable justification, in characters, after trimming.
pub const MIN_JUSTIFICATION_CHARS: usize = 30;
/// Fewest words in a justification.
pub const MIN_JUSTIFICATION_WORDS: usize = 5;
/// Longest justification, in bytes.
pub const MAX_JUSTIFICATION_LEN: usize = 4096;
/// Longest exception reference, in bytes.
pub const MAX_REFERENCE_LEN: usize = 256;

/// A stated legal ground for opening data for a purpose it was not given for, with a written justification that
/// the audit log records. Built only through [`ExceptionGround::new`], which refuses empty or trivial justifications.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExceptionGround {
    kind: ExceptionKind,
    reference: Option<String>,
    justification: String,
}

impl ExceptionGround {
    /// An exception of `kind` with its `reference` (required for every kind but [`ExceptionKind::ImminentThreat`])
    /// and a `justification` of at least [`MIN_JUSTIFICATION_CHARS`] characters and [`MIN_JUSTIFICATION_WORDS`]
    /// words.
    ///
    /// # Errors
    /// [`Error::InvalidException`] saying what is missing or too short.
    pub fn new(kind: ExceptionKind, reference: Option<&str>, justification: &str) -> Result<Self> {
        let reference = reference.map(str::trim).filter(|r| !r.is_empty());
        if kind.requires_reference() && reference.is_none() {
            return Err(Error::InvalidException(format!("a {kind} exception needs a reference")));
        }
        if let Some(r) = reference
            && (r.len() > MAX_REFERENCE_LEN || !crate::vocabulary::is_printable_text(r))
        {
            return Err(Error::InvalidException(format!(
                "reference must be printable text of at most {MAX_REFERENCE_LEN} bytes"
            )));
        }
        let j = justification.trim();
        if j.is_empty() {
            return Err(Error::InvalidException("a justification is required".into()));
        }
        // Line breaks and tabs are allowed (a justification is prose); no other control character (NUL, escape
        // sequences, carriage return) and no bidirectional override.
        if !j.split(['\n', '\t']).all(crate::vocabulary::is_printable_text) {
            return Err(Error::InvalidException(
                "justification must be printable text (line breaks and tabs allowed, no other control characters)"
                    .into(),
            ));
        }
        if j.len() > MAX_JUSTIFICATION_LEN {
            return Err(Error::InvalidException(format!("justification longer than {MAX_JUSTIFICATION_LEN} bytes")));
        }
        let words = j.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count();
        let mut distinct: Vec<char> = j.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
        distinct.sort_unstable();
        distinct.dedup();
        if j.chars().count() < MIN_JUSTIFICATION_CHARS || words < MIN_JUSTIFICATION_WORDS || distinct.len() < 8 {
            return Err(Error::InvalidException(format!(
                "justification too short or trivial: write at least {MIN_JUSTIFICATION_WORDS} words and \
                 {MIN_JUSTIFICATION_CHARS} characters saying why"
            )));
        }
        Ok(Self { kind, reference: reference.map(str::to_owned), justification: j.to_owned() })
    }

    /// A court order with its reference.
    ///
    /// # Errors
    /// As [`ExceptionGround::new`].
    pub fn court_order(reference: &str, justification: &str) -> Result<Self> {
        Self::new(ExceptionKind::CourtOrder, Some(reference), justification)
    }

    /// The data subject's consent with the reference of its record.
    ///
    /// # Errors
    /// As [`ExceptionGround::new`].
    pub fn consent(reference: &str, justification: &str) -> Result<Self> {
        Self::new(ExceptionKind::Consent, Some(reference), justification)
    }

    /// An imminent threat to life.
    ///
    /// # Errors
    /// As [`ExceptionGround::new`].
    pub fn imminent_threat(justification: &str) -> Result<Self> {
        Self::new(ExceptionKind::ImminentThreat, None, justification)
    }

    /// A legal obligation, naming the provision.
    ///
    /// # Errors
    /// As [`ExceptionGround::new`].
    pub fn legal_obligation(provision: &str, justification: &str) -> Result<Self> {
        Self::new(ExceptionKind::LegalObligation, Some(provision), justification)
    }

    /// The protection of national security, naming the decision or provision invoked.
    ///
    /// # Errors
    /// As [`ExceptionGround::new`].
    pub fn national_security(reference: &str, justification: &str) -> Result<Self> {
        Self::new(ExceptionKind::NationalSecurity, Some(reference), justification)
    }

    /// An overriding public interest, naming the provision or decision relied on.
    ///
    /// # Errors
    /// As [`ExceptionGround::new`].
    pub fn overriding_public_interest(reference: &str, justification: &str) -> Result<Self> {
        Self::new(ExceptionKind::OverridingPublicInterest, Some(reference), justification)
    }

    /// The legal ground.
    #[must_use]
    pub fn kind(&self) -> ExceptionKind {
        self.kind
    }

    /// The order number, consent record or legal provision.
    #[must_use]
    pub fn reference(&self) -> Option<&str> {
        self.reference.as_deref()
    }

    /// Why the exception is needed, as recorded.
    #[must_use]
    pub fn justification(&self) -> &str {
        &self.justification
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Purpose {
        Purpose::parse(s).expect("valid purpose")
    }

    fn reason(s: &str) -> PurposeError {
        match Purpose::parse(s) {
            Err(Error::InvalidPurpose { reason, .. }) => reason,
            other => panic!("{s:?} gave {other:?}"),
        }
    }

    #[test]
    fn every_invalid_form_has_its_error() {
        assert_eq!(reason(""), PurposeError::Empty);
        assert_eq!(reason("Prosecution"), PurposeError::UpperCase { at: 0 });
        assert_eq!(reason("mla request"), PurposeError::Whitespace { at: 3 });
        assert_eq!(reason("mla\trequest"), PurposeError::Whitespace { at: 3 });
        assert_eq!(reason(".mla"), PurposeError::LeadingDot);
        assert_eq!(reason("mla."), PurposeError::TrailingDot);
        assert_eq!(reason("mla..request"), PurposeError::DoubleDot { at: 4 });
        assert_eq!(reason("ermittlung.prüfung"), PurposeError::NonAscii { at: 13 });
        assert_eq!(reason("mla-request"), PurposeError::InvalidChar { ch: '-', at: 3 });
        assert_eq!(reason("mla.1st"), PurposeError::SegmentStart { index: 1 });
        assert_eq!(reason("_x"), PurposeError::SegmentStart { index: 0 });
        assert_eq!(reason(&"a".repeat(33)), PurposeError::SegmentTooLong { index: 0 });
        assert_eq!(reason("a.b.c.d.e.f.g"), PurposeError::TooDeep { depth: 7 });
        let long = ["abcdefghijklmnopqrstuvwxyz"; 5].join(".");
        assert_eq!(reason(&long), PurposeError::TooLong { len: 134 });
        let msg = Purpose::parse("Mla").unwrap_err().to_string();
        assert!(msg.contains("upper-case") && msg.contains("\"Mla\""), "{msg}");
    }

    #[test]
    fn well_known_purposes_parse_and_are_unique() {
        let set = PurposeSet::parse(&well_known::ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>()).expect("valid");
        assert_eq!(set.len(), well_known::ALL.len());
    }

    #[test]
    fn hierarchy() {
        assert!(p("prosecution").permits(&p("prosecution.trial")));
        assert!(!p("prosecution.trial").permits(&p("prosecution")));
        assert!(!p("prosecution").permits(&p("prosecutions")));
        assert!(!p("mla").permits(&p("mlab.x")));
        assert_eq!(p("prosecution.trial").parent(), Some(p("prosecution")));
        assert_eq!(p("prosecution").parent(), None);
    }

    #[test]
    fn set_limits_and_canonical_form() {
        let many: Vec<String> = (0..=MAX_PURPOSES).map(|i| format!("p{i}")).collect();
        assert!(matches!(PurposeSet::parse(&many), Err(Error::TooManyPurposes { count: 33, max: 32 })));
        let s = PurposeSet::parse(&["mla.request", "investigation", "mla.request"]).expect("valid");
        assert_eq!(s.to_string(), "investigation, mla.request");
        assert_eq!(serde_json::to_string(&s).expect("json"), r#"["investigation","mla.request"]"#);
        let back: PurposeSet = serde_json::from_str(r#"["mla.request","investigation"]"#).expect("json");
        assert_eq!(back, s);
        assert!(serde_json::from_str::<PurposeSet>(r#"["Bad"]"#).is_err());
    }

    #[test]
    fn exceptions_need_reference_and_justification() {
        let why = "Suspect's phone records are needed to locate a kidnapped child within hours";
        assert!(ExceptionGround::court_order("OLG-Muc 3 Ws 12/26", why).is_ok());
        assert!(ExceptionGround::court_order("  ", why).is_err());
        assert!(ExceptionGround::consent("", why).is_err());
        assert!(ExceptionGround::imminent_threat(why).is_ok());
        assert!(ExceptionGround::legal_obligation("Art. 14 Directive 2014/41/EU", why).is_ok());
        for bad in ["", "   ", "because", "needed for case", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa a a a a"] {
            let e = ExceptionGround::imminent_threat(bad).unwrap_err();
            assert!(matches!(e, Error::InvalidException(_)), "{bad:?}");
        }
        assert!(ExceptionGround::imminent_threat(&"word ".repeat(1000)).is_err());
        assert!(ExceptionGround::court_order("ref\u{0}x", why).is_err());
    }

    #[test]
    fn the_later_grounds_have_stable_codes_names_and_need_a_reference() {
        let why = "Disclosure is needed to stop an ongoing attack on the power grid of the region";
        let ns = ExceptionGround::national_security("Decision NSC 2026/17", why).expect("valid");
        assert_eq!((ns.kind().code(), ns.kind().name()), (5, "national_security"));
        let opi = ExceptionGround::overriding_public_interest("Art. 23(1)(d) GDPR", why).expect("valid");
        assert_eq!((opi.kind().code(), opi.kind().name()), (6, "overriding_public_interest"));
        assert!(matches!(ExceptionGround::national_security(" ", why), Err(Error::InvalidException(_))));
        assert!(matches!(ExceptionGround::overriding_public_interest("", why), Err(Error::InvalidException(_))));
        for k in ExceptionKind::ALL {
            assert_eq!(ExceptionKind::from_code(k.code()).expect("assigned"), k);
            assert_eq!(k.name().parse::<ExceptionKind>().expect("named"), k);
        }
        assert!(matches!(ExceptionKind::from_code(7), Err(Error::UnknownCode { .. })));
        assert!(matches!(ExceptionKind::parse("National_Security"), Err(Error::InvalidException(_))));
        assert!(matches!(ExceptionKind::parse("public_interest"), Err(Error::InvalidException(_))));
    }

    #[test]
    fn hostile_purpose_json_is_refused() {
        assert_eq!(serde_json::from_str::<Purpose>(r#""mla.request""#).expect("valid"), p("mla.request"));
        let long = format!("\"{}\"", ["abcdefghijklmnopqrstuvwxyz"; 5].join("."));
        for json in [
            r#""""#,
            r#""Mla""#,
            r#""mla\nrequest""#,
            r#""mla\u0000""#,
            r#""mla..request""#,
            r#""mla request""#,
            r#""ml\u00e4""#,
            &long,
            "1",
            "null",
            r#"["mla"]"#,
        ] {
            assert!(serde_json::from_str::<Purpose>(json).is_err(), "accepted {json}");
        }
    }

    #[test]
    fn hostile_purpose_set_json_is_refused() {
        let ok: PurposeSet = serde_json::from_str(r#"["prosecution","investigation"]"#).expect("valid");
        assert_eq!(ok.to_string(), "investigation, prosecution");
        assert!(serde_json::from_str::<PurposeSet>("[]").expect("empty is a set").is_empty());
        let full: Vec<String> = (0..MAX_PURPOSES).map(|i| format!("p{i}")).collect();
        assert_eq!(
            serde_json::from_str::<PurposeSet>(&serde_json::to_string(&full).expect("json")).expect("ok").len(),
            32
        );
        let over: Vec<String> = (0..=MAX_PURPOSES).map(|i| format!("p{i}")).collect();
        let over = serde_json::to_string(&over).expect("json");
        for json in [
            r#"["investigation","investigation"]"#, // a duplicate: the encoding is not the set it claims to be
            r#"["b","a","b"]"#,
            r#"["Investigation"]"#,
            r#"["a\u0000"]"#,
            r#"["a\nb"]"#,
            r#"[""]"#,
            r#"[1]"#,
            r#"[null]"#,
            r#""investigation""#,
            r#"{"investigation":true}"#,
            "null",
            &over,
        ] {
            assert!(serde_json::from_str::<PurposeSet>(json).is_err(), "accepted {json}");
        }
    }

    #[test]
    fn justifications_and_references_must_be_printable() {
        let why = "Suspect's phone records are needed to locate a kidnapped child within hours";
        assert!(ExceptionGround::imminent_threat(&format!("{why}\nSecond paragraph\twith a tab")).is_ok(), "prose");
        for bad in [format!("{why}\u{0}."), format!("{why}\r."), format!("{why}\u{1b}[2J."), format!("{why}\u{202e}.")]
        {
            assert!(matches!(ExceptionGround::imminent_threat(&bad), Err(Error::InvalidException(_))), "{bad:?}");
        }
        assert!(ExceptionGround::court_order("ref\u{2028}1", why).is_err());
        assert!(ExceptionGround::court_order("ref\n1", why).is_err());
    }

    fn segment() -> impl Strategy<Value = String> {
        "[a-z][a-z0-9_]{0,7}"
    }

    fn purpose() -> impl Strategy<Value = Purpose> {
        prop::collection::vec(segment(), 1..=4).prop_map(|v| p(&v.join(".")))
    }

    proptest! {
        #[test]
        fn parse_display_round_trip(q in purpose()) {
            prop_assert_eq!(Purpose::parse(&q.to_string()).expect("valid"), q);
        }

        #[test]
        fn permission_is_reflexive(q in purpose()) {
            prop_assert!(q.permits(&q));
        }

        #[test]
        fn permission_is_transitive(a in purpose(), b in purpose(), c in purpose()) {
            // Build chains a <= a.b <= a.b.c so the premise holds often, and check arbitrary triples too.
            let ab = p(&format!("{}.{}", a, b.as_str().split('.').next().unwrap_or("x")));
            let abc = p(&format!("{}.{}", ab, c.as_str().split('.').next().unwrap_or("x")));
            if ab.depth() <= MAX_DEPTH && abc.depth() <= MAX_DEPTH {
                prop_assert!(a.permits(&ab) && ab.permits(&abc) && a.permits(&abc));
            }
            if a.permits(&b) && b.permits(&c) {
                prop_assert!(a.permits(&c));
            }
        }

        #[test]
        fn permission_is_not_symmetric(a in purpose(), b in purpose()) {
            if a != b && a.permits(&b) {
                prop_assert!(!b.permits(&a));
            }
            let child = p(&format!("{a}.child"));
            if child.depth() <= MAX_DEPTH {
                prop_assert!(a.permits(&child) && !child.permits(&a));
            }
        }

        #[test]
        fn canonical_sets_ignore_order(v in prop::collection::vec(purpose(), 0..10), seed in any::<u64>()) {
            let mut shuffled = v.clone();
            // A deterministic shuffle from the seed.
            let n = shuffled.len();
            if n > 1 {
                for i in 0..n {
                    let j = usize::try_from((seed.wrapping_mul(i as u64 + 1)) % n as u64).unwrap_or(0);
                    shuffled.swap(i, j);
                }
            }
            let mut doubled = v.clone();
            doubled.extend(v.iter().cloned());
            let a = PurposeSet::from_purposes(v).expect("small");
            let b = PurposeSet::from_purposes(shuffled).expect("small");
            let c = PurposeSet::from_purposes(doubled).expect("small");
            prop_assert_eq!(&a, &b);
            prop_assert_eq!(&a, &c);
            prop_assert_eq!(a.to_string(), b.to_string());
        }
    }
}
