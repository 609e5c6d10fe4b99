//! The exchange between authorities: the signed objects that travel between custodians beside envelopes.
//!
//! Today that is the originator's [`Grant`] (rule of speciality: onward transfer and purpose extension) and the
//! SD-JWT of a record ([`sdjwt`], verifiable redaction). This layer knows how such objects are encoded, signed and
//! verified; it never decides access (that is the policy gate, which sees only what a verified grant allows, and
//! which opens a record before it is signed) and never touches a data key.

mod grant;
pub mod sdjwt;

pub use grant::{
    GRANT_ARMOR_BEGIN, GRANT_ARMOR_END, GRANT_MAGIC, GRANT_VERSION, Grant, GrantScope, MAX_GRANT_REFERENCE_LEN,
};
