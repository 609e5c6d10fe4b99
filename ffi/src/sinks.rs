//! Secondary audit sinks from C: a host function that receives every audit event after the log has made it durable
//! (a SIEM forwarder, the case system's own store), set on the custodian options before opening.
//!
//! The library starts no thread: the function is called on the thread of the custodia call that recorded the event,
//! inside that call. This module must never call a sink outside such a call, nor keep one beyond the custodian.

use core::ffi::{c_int, c_void};
use std::sync::{Mutex, PoisonError};

use super::args::Out;
use super::audit_query::{Listed, custodia_audit_entry};
use super::boundary::call;
use super::custodian::{CUSTODIAN_OPTIONS, OpenDraft, custodia_custodian, custodia_custodian_options, custodian};
use super::handles;
use super::status::custodia_status;
use crate::error::Error;
use custodia_core::Error as CoreError;
use custodia_core::audit::{AuditEvent, AuditSink};

/// An audit sink: receives one audit event (`event`: its fields and its JSON form, exactly as
/// `custodia_audit_entries_get` gives the entry the log made of it, except that `seq` is `CUSTODIA_AUDIT_SEQ_UNKNOWN`
/// and `json` has no `seq` member) and returns 0 when it has taken it, non-zero when it failed.
///
/// **When and where.** It is called once per event, after the audit log has made the event durable, on the thread
/// of the custodia call that recorded it and before that call returns; custodia starts no thread. Events of one
/// thread arrive in log order; when several threads use one custodian, calls may come concurrently (the function must
/// then be thread-safe) and their relative order may differ from the log's. Entries the log writes by itself
/// (genesis, checkpoints, recovery, erasure certificates) are not forwarded. `event` and every string it points to are
/// valid only during the call: copy what you keep. It holds metadata only (never plaintext or key material) but names actors and cases.
///
/// **What it must not do.** Call back into the custodian that called it (or into anything waiting for it): the call
/// that recorded the event may hold its locks. It must return normally: no `longjmp`, no C++ exception, no Rust
/// panic may cross it (that aborts the process or is undefined behaviour); catch everything inside.
///
/// **Failure.** A non-zero return is counted (`custodia_custodian_audit_sink_failures`) and the operation goes on:
/// the log, not the sink, is the record of accountability. With `custodia_custodian_options_set_require_audit_sinks`
/// the operation fails with `CUSTODIA_ERR_AUDIT_WRITE` instead (its event is then in the log already).
pub type custodia_audit_sink_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, event: *const custodia_audit_entry) -> c_int>;

/// A host function and its context, as an [`AuditSink`].
#[derive(Clone, Debug)]
pub(crate) struct HostSink {
    sink: unsafe extern "C" fn(*mut c_void, *const custodia_audit_entry) -> c_int,
    user_data: *mut c_void,
}

// SAFETY: `custodia_custodian_options_add_audit_sink`'s contract makes the host answer for `user_data` and the
// function being usable from any thread that calls into the custodian, for as long as the custodian lives; custodia
// itself only passes the pointer back, never dereferences it.
unsafe impl Send for HostSink {}
// SAFETY: as for `Send`: the host promises the function may be called concurrently with the same `user_data`.
unsafe impl Sync for HostSink {}

impl AuditSink for HostSink {
    fn record(&self, event: &AuditEvent) -> custodia_core::Result<()> {
        let listed = Listed::new(event, None);
        let entry = listed.as_c();
        // SAFETY: the host guaranteed the function's contract with `user_data` (see `HostSink`'s `Send`); `entry` and
        // the strings it points to (owned by `listed`) outlive the call.
        let rc = unsafe { (self.sink)(self.user_data, &raw const entry) };
        if rc == 0 { Ok(()) } else { Err(CoreError::AuditWrite(format!("the host's audit sink returned {rc}"))) }
    }
}

/// Add an audit sink to the options: every custodian opened with them calls `sink` with `user_data` for each audit
/// event it records, after the log has it (see `custodia_audit_sink_fn` for the thread, the order, what the function
/// must not do and what a failure does). Sinks are called in the order they were added. Adding the same function
/// twice calls it twice.
///
/// # Safety
///
/// `sink` is NULL (refused) or a function following the `custodia_audit_sink_fn` contract. `user_data` is passed back
/// untouched and is the host's: it must stay valid, and `sink` callable with it from every thread that uses the
/// custodian, until `custodia_custodian_free` of every custodian opened with these options has returned and no call
/// on them is in flight. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_custodian_options_add_audit_sink(
    options: custodia_custodian_options,
    sink: custodia_audit_sink_fn,
    user_data: *mut c_void,
) -> custodia_status {
    call(|| {
        let sink = sink.ok_or(Error::NullPointer("sink"))?;
        let d = handles::get::<Mutex<OpenDraft>>(options.id, CUSTODIAN_OPTIONS)?;
        d.lock().unwrap_or_else(PoisonError::into_inner).sinks.push(HostSink { sink, user_data });
        Ok(())
    })
}

/// Whether a failing audit sink (non-zero return) fails the operation too, with `CUSTODIA_ERR_AUDIT_WRITE` (its event
/// is then already in the log). Default false: failures are only counted (`custodia_custodian_audit_sink_failures`).
///
/// # Safety
///
/// No pointer arguments. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_custodian_options_set_require_audit_sinks(
    options: custodia_custodian_options,
    require: bool,
) -> custodia_status {
    call(|| {
        let d = handles::get::<Mutex<OpenDraft>>(options.id, CUSTODIAN_OPTIONS)?;
        d.lock().unwrap_or_else(PoisonError::into_inner).require_sinks = require;
        Ok(())
    })
}

/// How many times an audit sink of this custodian has failed (returned non-zero) since it was opened.
///
/// # Safety
///
/// `out_failures` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_custodian_audit_sink_failures(
    custodian_handle: custodia_custodian,
    out_failures: *mut u64,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_failures, "out_failures") }?;
        out.write(custodian(custodian_handle)?.secondary_audit_failures());
        Ok(())
    })
}
