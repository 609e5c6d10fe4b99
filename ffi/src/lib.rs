//! The C ABI of custodia: `include/custodia.h`, generated from this crate by cbindgen, over the Rust library (the
//! package `custodia`, here named `custodia_core`). `ffi/libcustodia/` links this crate into `libcustodia.so` and
//! `libcustodia.a`; Rust tests and benchmarks call it as an rlib, `custodia_ffi`.
//!
//! This crate owns every `unsafe` line of custodia. It translates; it must never make a policy decision, hold a
//! secret longer than the Rust API does, or let a panic cross into C. What a C call does beyond translating
//! (atomic file output, text reports) belongs to the Rust facade, `custodia_core::Custodian`.
//!
//! # Conventions (also at the top of the header)
//!
//! - **Names**: everything is prefixed `custodia_` (`CUSTODIA_` for constants); functions are
//!   `custodia_<noun>_<verb>`, first argument the handle, then inputs, then outputs.
//! - **Status**: every function that can fail returns a [`custodia_status`]: `CUSTODIA_OK` (0) or the stable
//!   code of what went wrong: [`custodia_core::Error::code`], or a boundary code (NULL pointer, invalid UTF-8,
//!   invalid or poisoned handle) of this crate's own error type. Refusals by policy are the distinct 2xx codes.
//! - **Last error**: [`custodia_last_error_message`] gives the message of the last failed call on the calling thread,
//!   valid until the next call there; [`custodia_last_error_code`] its status.
//! - **Outputs** go through out-parameters (named `out_*`, last), written only on success.
//! - **Arguments**: NULL where not allowed, non-UTF-8 text, a length that cannot be a buffer, or an unknown enum code
//!   are refused with a status; they never crash. Integers naming enum values are converted with the Rust types'
//!   fallible `from_code`, never transmuted.
//! - **Handles** are generation-checked registry ids (see `handles`), not pointers: a freed, foreign or wrong-type
//!   handle is refused with `CUSTODIA_ERR_INVALID_HANDLE` instead of being undefined behaviour. Handles may be used
//!   from several threads at once; `_free` from any thread.
//! - **Buffers**: every byte string or text returned is a [`custodia_buffer`], released by the one
//!   [`custodia_buffer_free`], which zeroizes the whole allocation first.
//! - **Panics** are caught at the boundary (`panic = "unwind"`) and reported as `CUSTODIA_ERR_INTERNAL` (999); the
//!   handles the call held are poisoned (`CUSTODIA_ERR_POISONED`).
//! - **Threads**: custodia never calls into the host from a thread of its own; callbacks run on the calling thread,
//!   inside the call that was given them. Key-provider callbacks ([`custodia_key_provider_new`]) and signer
//!   callbacks ([`custodia_signer_new`]) are kept and run during later calls that need them, on each call's own
//!   thread (so possibly on several at once).

#![deny(missing_docs, rustdoc::broken_intra_doc_links)]
#![allow(non_camel_case_types)]

mod args;
mod error;

use error::{Error, Result};
mod audit;
mod audit_query;
mod audit_texts;
mod boundary;
mod buffer;
mod custodian;
mod grants;
mod handles;
mod holds;
mod into;
mod io;
mod keyid;
mod keys;
mod memory;
mod objects;
mod options;
mod policy;
mod provider;
mod reader;
mod receipts;
mod records;
mod rewrap_batch;
mod sdjwt;
mod seal;
mod signer;
mod sinks;
mod status;
mod version;
mod vocab;

pub use audit::*;
pub use audit_query::*;
pub use audit_texts::*;
pub use boundary::{custodia_last_error_code, custodia_last_error_message};
pub use buffer::{custodia_buffer, custodia_buffer_free};
pub use custodian::*;
pub use grants::*;
pub use holds::*;
pub use into::*;
pub use io::{custodia_read_fn, custodia_write_fn};
pub use keyid::{
    CUSTODIA_KEY_ID_LEN, CUSTODIA_KEY_ID_TEXT_SIZE, custodia_key_id, custodia_key_id_format,
    custodia_key_id_from_bytes, custodia_key_id_parse,
};
pub use keys::*;
pub use memory::{custodia_disable_core_dumps, custodia_memory_protection, custodia_memory_status};
pub use objects::{
    custodia_actor, custodia_actor_describe, custodia_actor_free, custodia_actor_new, custodia_exception_ground,
    custodia_exception_ground_describe, custodia_exception_ground_free, custodia_exception_ground_new,
    custodia_exception_ground_with_approval,
};
pub use options::*;
pub use policy::*;
pub use provider::*;
pub use reader::*;
pub use receipts::*;
pub use records::*;
pub use rewrap_batch::*;
pub use sdjwt::*;
pub use seal::*;
pub use signer::*;
pub use sinks::*;
pub use status::{custodia_status, custodia_status_is_refusal, custodia_status_name};
pub use version::{
    CUSTODIA_ABI_VERSION, CUSTODIA_VERSION_MAJOR, CUSTODIA_VERSION_MINOR, CUSTODIA_VERSION_PATCH, custodia_abi_version,
    custodia_live_counts, custodia_version,
};
pub use vocab::*;

#[cfg(test)]
mod header_tests;
