//! Case references: the file number under which authorities exchange data, recorded with every act.

use core::fmt;

use crate::error::{Error, Result};

/// Longest case reference, in bytes.
pub const MAX_CASE_REF_LEN: usize = 128;

/// A case reference such as `MLA-2026-0042` or `EIO/DE/2026/113`: printable ASCII without spaces at the ends, at most
/// [`MAX_CASE_REF_LEN`] bytes. Case references are metadata, not secrets; they appear in the audit log.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct CaseRef(String);

impl CaseRef {
    /// Validate a case reference.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty, over-long or non-printable-ASCII reference.
    pub fn parse(s: &str) -> Result<Self> {
        if s.is_empty() || s.len() > MAX_CASE_REF_LEN {
            return Err(Error::InvalidArgument(format!("case reference must be 1 to {MAX_CASE_REF_LEN} bytes")));
        }
        if !s.bytes().all(|b| (0x20..0x7f).contains(&b)) || s.trim() != s {
            return Err(Error::InvalidArgument(
                "case reference must be printable ASCII without leading or trailing spaces".into(),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The reference as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl core::str::FromStr for CaseRef {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl fmt::Display for CaseRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CaseRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CaseRef({})", self.0)
    }
}

impl<'de> serde::Deserialize<'de> for CaseRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}
