//! The vocabulary: the words every layer uses. Sensitive values and their [`Category`] and [`Classification`],
//! purposes and exceptions, jurisdictions, key ids, actors, case references and time.
//!
//! This is the floor of the house: it depends on nothing of ours but [`crate::error`], so format/, audit/, keys/ and
//! policy/ all name these types without reaching sideways or up. It owns validation of each word (parse, don't
//! validate); it must never decide anything (that is the policy gate) or touch a key.

mod actor;
mod case;
mod grant_id;
pub(crate) mod jurisdiction;
mod key_id;
pub(crate) mod purpose;
pub(crate) mod sensitive;
pub(crate) mod time;

pub use actor::{Actor, MAX_ACTOR_FIELD_LEN};
pub use case::{CaseRef, MAX_CASE_REF_LEN};
pub use grant_id::{GRANT_ID_LEN, GrantId};
pub use jurisdiction::Jurisdiction;
pub use key_id::{KEY_ID_LEN, KeyId, KeyKind};
pub use purpose::{
    ExceptionGround, ExceptionKind, MAX_DEPTH, MAX_JUSTIFICATION_LEN, MAX_PURPOSE_LEN, MAX_PURPOSES, MAX_REFERENCE_LEN,
    MAX_SEGMENT_LEN, MIN_JUSTIFICATION_CHARS, MIN_JUSTIFICATION_WORDS, Purpose, PurposeError, PurposeSet, well_known,
};
pub use sensitive::{Category, Classification, DataTag, Sensitive, wipe_bytes};
pub use time::{Clock, FixedClock, SystemClock, Timestamp};

/// Whether `s` is printable on one line: no control character (C0, DEL, C1: so no NUL, newline or escape), no line
/// or paragraph separator, and no bidirectional override or isolate that could make a log line read differently
/// from what it holds.
pub(crate) fn is_printable_text(s: &str) -> bool {
    !s.chars().any(|c| {
        c.is_control()
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}
