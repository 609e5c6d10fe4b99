//! The error type of the C boundary: every core [`custodia_core::Error`], plus the failures only a C caller can
//! cause (a NULL pointer, text that is not UTF-8, a dead handle, a handle poisoned by a caught panic).
//!
//! The boundary codes keep the numbers and names they had when they were variants of the core error (120
//! `null_pointer`, 121 `invalid_utf8`, 122 `invalid_handle`, 998 `poisoned`): the header, the bindings and hosts
//! rely on them, and codes are never reused or renumbered. [`Kind`] is the C status list's source: the core's
//! [`ErrorKind`]s plus these [`BoundaryKind`]s. This module decides no policy; it only names failures.

use custodia_core::{Error as CoreError, ErrorKind};

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
    /// A record field's value was asked for, but the policy withheld it from this reader: the refusal's kind (and so
    /// its status) and message.
    #[error("{message}")]
    Withheld {
        /// The refusal's kind.
        kind: ErrorKind,
        /// The refusal's message, naming the field.
        message: String,
    },
    /// A handle is unusable because an earlier call on it panicked; free it and make a new one.
    #[error("{0} handle is poisoned: an earlier call on it failed with an internal error")]
    Poisoned(&'static str),
}

impl Error {
    /// The kind of this failure: the core error's [`ErrorKind`], or the boundary's own.
    pub(crate) fn kind(&self) -> Kind {
        match self {
            Self::Core(e) => Kind::Core(e.kind()),
            Self::NullPointer(_) => Kind::Boundary(BoundaryKind::NullPointer),
            Self::InvalidUtf8(_) => Kind::Boundary(BoundaryKind::InvalidUtf8),
            Self::InvalidHandle(_) => Kind::Boundary(BoundaryKind::InvalidHandle),
            Self::Withheld { kind, .. } => Kind::Core(*kind),
            Self::Poisoned(_) => Kind::Boundary(BoundaryKind::Poisoned),
        }
    }

    /// The stable numeric code, as returned by the C API: the core error's [`CoreError::code`], or the boundary's own.
    #[cfg(test)]
    pub(crate) fn code(&self) -> u32 {
        self.kind().code()
    }
}

/// The failures only a C caller can cause, with their stable codes (the discriminants).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BoundaryKind {
    /// `120` `null_pointer`: [`Error::NullPointer`].
    NullPointer = 120,
    /// `121` `invalid_utf8`: [`Error::InvalidUtf8`].
    InvalidUtf8 = 121,
    /// `122` `invalid_handle`: [`Error::InvalidHandle`].
    InvalidHandle = 122,
    /// `998` `poisoned`: [`Error::Poisoned`].
    Poisoned = 998,
}

impl BoundaryKind {
    /// Every boundary kind, in code order.
    pub(crate) const ALL: [Self; 4] = [Self::NullPointer, Self::InvalidUtf8, Self::InvalidHandle, Self::Poisoned];

    /// The stable snake_case name.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::NullPointer => "null_pointer",
            Self::InvalidUtf8 => "invalid_utf8",
            Self::InvalidHandle => "invalid_handle",
            Self::Poisoned => "poisoned",
        }
    }
}

/// The kind of a failure at the C ABI: every core [`ErrorKind`] and the [`BoundaryKind`]s. The C status list
/// (`custodia_status`) is exactly these, plus `CUSTODIA_OK`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A kind of the Rust library's error.
    Core(ErrorKind),
    /// A failure only a C caller can cause.
    Boundary(BoundaryKind),
}

impl Kind {
    /// Every kind: the core's [`ErrorKind::ALL`], then the boundary's (not in code order).
    #[cfg(test)]
    pub(crate) fn all() -> impl Iterator<Item = Self> {
        let core = ErrorKind::ALL.iter().map(|&k| Self::Core(k));
        core.chain(BoundaryKind::ALL.into_iter().map(Self::Boundary))
    }

    /// The kind with this code, if this version assigns it.
    pub(crate) const fn from_code(code: u32) -> Option<Self> {
        if let Some(k) = ErrorKind::from_code(code) {
            return Some(Self::Core(k));
        }
        let mut i = 0;
        while i < BoundaryKind::ALL.len() {
            if BoundaryKind::ALL[i] as u32 == code {
                return Some(Self::Boundary(BoundaryKind::ALL[i]));
            }
            i += 1;
        }
        None
    }

    /// The stable numeric code.
    pub(crate) const fn code(self) -> u32 {
        match self {
            Self::Core(k) => k.code(),
            Self::Boundary(k) => k as u32,
        }
    }

    /// The stable snake_case name (`purpose_not_permitted`, `null_pointer`).
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Core(k) => k.name(),
            Self::Boundary(k) => k.name(),
        }
    }

    /// Whether this is a refusal by policy: only core kinds can be.
    #[cfg(test)]
    pub(crate) const fn is_refusal(self) -> bool {
        matches!(self, Self::Core(k) if k.is_refusal())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::Core(CoreError::Io(e))
    }
}
