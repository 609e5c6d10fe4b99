//! The error type of the C boundary: every core [`custodia_core::Error`], plus the failures only a C caller can
//! cause (a NULL pointer, text that is not UTF-8, a dead handle, a handle poisoned by a caught panic).
//!
//! The boundary codes keep the numbers and names they had when they were variants of the core error (120
//! `null_pointer`, 121 `invalid_utf8`, 122 `invalid_handle`, 998 `poisoned`): the header, the bindings and hosts
//! rely on them, and codes are never reused or renumbered. This module decides no policy; it only names failures.

use custodia_core::Error as CoreError;

/// Result type of the boundary's internal functions.
pub(crate) type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong in a call through the C ABI.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// An error of the Rust library, passed through with its own code and message.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A required pointer argument was NULL.
    #[error("argument {0} must not be NULL")]
    NullPointer(&'static str),
    /// A string argument was not valid UTF-8.
    #[error("argument {0} is not valid UTF-8")]
    InvalidUtf8(&'static str),
    /// A handle is not live: never issued, already freed, or a handle of another type.
    #[error("invalid {0} handle: never issued, already freed, or of another type")]
    InvalidHandle(&'static str),
    /// A handle is unusable because an earlier call on it panicked; free it and make a new one.
    #[error("{0} handle is poisoned: an earlier call on it failed with an internal error")]
    Poisoned(&'static str),
}

impl Error {
    /// The stable numeric code, as returned by the C API: the core error's [`CoreError::code`], or the boundary's own.
    pub(crate) fn code(&self) -> u32 {
        match self {
            Self::Core(e) => e.code(),
            Self::NullPointer(_) => 120,
            Self::InvalidUtf8(_) => 121,
            Self::InvalidHandle(_) => 122,
            Self::Poisoned(_) => 998,
        }
    }

    /// The stable snake_case name of [`Error::code`] (`null_pointer`), as [`CoreError::kind_name`] for core errors.
    #[cfg(test)]
    pub(crate) fn kind_name(&self) -> &'static str {
        match self {
            Self::Core(e) => e.kind_name(),
            Self::NullPointer(_) => "null_pointer",
            Self::InvalidUtf8(_) => "invalid_utf8",
            Self::InvalidHandle(_) => "invalid_handle",
            Self::Poisoned(_) => "poisoned",
        }
    }

    /// Whether this is a refusal by policy: only core errors can be.
    #[cfg(test)]
    pub(crate) fn is_refusal(&self) -> bool {
        matches!(self, Self::Core(e) if e.is_refusal())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::Core(CoreError::Io(e))
    }
}
