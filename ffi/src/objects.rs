//! Handles for the values a call needs besides data: who acts ([`custodia_actor`]) and on what legal ground
//! ([`custodia_exception_ground`]).
//!
//! Both are immutable once made, so sharing one handle across threads needs no locking.

use core::ffi::c_char;

use super::args::{Out, opt_str_arg, str_arg};
use super::boundary::call;
use super::buffer::{custodia_buffer, text_to_c};
use super::handles;
use super::status::custodia_status;
use super::vocab::{classification, exception_kind};
use custodia_core::Actor;
use custodia_core::Approval;
use custodia_core::ExceptionGround;
use custodia_core::Jurisdiction;

/// A handle to an actor: who performs a call (user id, role, jurisdiction, clearance), recorded in the audit log.
///
/// Opaque: `id` is a registry key, not an address; 0 is the null handle. Usable from any thread, concurrently.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct custodia_actor {
    /// Opaque registry key; 0 means none.
    pub id: u64,
}

/// A handle to an exception: a legal ground (court order, consent, imminent threat, legal obligation, national
/// security, overriding public interest) with its reference and written justification, stated to open data for a
/// purpose it was not given for.
///
/// Opaque: `id` is a registry key, not an address; 0 is the null handle. Usable from any thread, concurrently.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct custodia_exception_ground {
    /// Opaque registry key; 0 means none.
    pub id: u64,
}

const ACTOR: &str = "actor";
const EXCEPTION: &str = "exception";

/// The actor behind a handle.
pub(crate) fn actor(h: custodia_actor) -> crate::Result<handles::Guard<Actor>> {
    handles::get(h.id, ACTOR)
}

/// What an exception handle holds: the ground, and the second approver's approval given with it (four eyes, see
/// `custodia_exception_ground_with_approval`).
pub(crate) struct ExceptionArg {
    /// The legal ground.
    pub(crate) ground: ExceptionGround,
    /// The approval, if one was attached.
    pub(crate) approval: Option<Approval>,
}

/// The exception behind a handle; `None` for the null handle.
pub(crate) fn exception(h: custodia_exception_ground) -> crate::Result<Option<handles::Guard<ExceptionArg>>> {
    if h.id == 0 { Ok(None) } else { handles::get(h.id, EXCEPTION).map(Some) }
}

/// Make an actor: a stable user id and a role (1 to 128 bytes of printable UTF-8 each), the jurisdiction where
/// they act (ISO 3166-1 alpha-2), and their clearance (a `custodia_classification`).
///
/// On success `*out_actor` receives a new handle, owned by the caller, to be released with `custodia_actor_free`.
/// On failure `*out_actor` is not written.
///
/// # Safety
///
/// `user_id`, `role` and `jurisdiction` are NULL (refused) or NUL-terminated strings, borrowed for the call (copied).
/// `out_actor` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_actor_new(
    user_id: *const c_char,
    role: *const c_char,
    jurisdiction: *const c_char,
    clearance: u32,
    out_actor: *mut custodia_actor,
) -> custodia_status {
    call(|| {
        // SAFETY: the caller guarantees each pointer NULL or valid as documented.
        let (user_id, role, jurisdiction, out) = unsafe {
            (
                str_arg(user_id, "user_id")?,
                str_arg(role, "role")?,
                str_arg(jurisdiction, "jurisdiction")?,
                Out::new(out_actor, "out_actor")?,
            )
        };
        let actor = Actor::new(user_id, role, Jurisdiction::parse(jurisdiction)?, classification(clearance)?)?;
        out.write(custodia_actor { id: handles::insert(actor)? });
        Ok(())
    })
}

/// Release an actor handle. The null handle is accepted and ignored; a handle already freed (or never issued) is
/// refused with `CUSTODIA_ERR_INVALID_HANDLE` and nothing happens.
///
/// # Safety
///
/// None beyond passing a value received from `custodia_actor_new`. May be called from any thread, even while
/// another thread is still in a call using the handle (that call completes; later ones fail).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_actor_free(actor: custodia_actor) -> custodia_status {
    call(|| handles::remove::<Actor>(actor.id, ACTOR))
}

/// Describe an actor as text (`"anna (prosecutor, DE, clearance secret)"`), as the audit log names them.
///
/// On success `*out_text` receives a NUL-terminated text buffer owned by the caller, to be released with
/// `custodia_buffer_free`. On failure it is not written.
///
/// # Safety
///
/// `out_text` is NULL (refused) or writable. Any thread, concurrently with other uses of the handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_actor_describe(
    actor_handle: custodia_actor,
    out_text: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: the caller guarantees NULL or writable.
        let out = unsafe { Out::new(out_text, "out_text") }?;
        let a = actor(actor_handle)?;
        let text = format!("{} ({}, {}, clearance {})", a.id(), a.role(), a.jurisdiction(), a.clearance());
        out.write(text_to_c(text));
        Ok(())
    })
}

/// Make an exception of `kind` (a `custodia_exception_kind`), with its `reference` (court order number, consent
/// record, legal provision; NULL only for `CUSTODIA_EXCEPTION_KIND_IMMINENT_THREAT`) and a `justification` of at
/// least 5 words and 30 characters saying why. `CUSTODIA_ERR_INVALID_EXCEPTION` says what is missing.
///
/// On success `*out_exception` receives a new handle, owned by the caller, to be released with
/// `custodia_exception_ground_free`. On failure it is not written.
///
/// # Safety
///
/// `reference` is NULL or a NUL-terminated string; `justification` is NULL (refused) or a NUL-terminated string;
/// both borrowed for the call (copied). `out_exception` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_exception_ground_new(
    kind: u32,
    reference: *const c_char,
    justification: *const c_char,
    out_exception: *mut custodia_exception_ground,
) -> custodia_status {
    call(|| {
        // SAFETY: the caller guarantees each pointer NULL or valid as documented.
        let (reference, justification, out) = unsafe {
            (
                opt_str_arg(reference, "reference")?,
                str_arg(justification, "justification")?,
                Out::new(out_exception, "out_exception")?,
            )
        };
        let ground = ExceptionGround::new(exception_kind(kind)?, reference, justification)?;
        out.write(custodia_exception_ground { id: handles::insert(ExceptionArg { ground, approval: None })? });
        Ok(())
    })
}

/// Describe an exception as text (`"court_order LG-Berlin-123/26: <justification>"`).
///
/// On success `*out_text` receives a NUL-terminated text buffer owned by the caller, to be released with
/// `custodia_buffer_free`. On failure it is not written.
///
/// # Safety
///
/// `out_text` is NULL (refused) or writable. Any thread, concurrently with other uses of the handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_exception_ground_describe(
    exception_handle: custodia_exception_ground,
    out_text: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: the caller guarantees NULL or writable.
        let out = unsafe { Out::new(out_text, "out_text") }?;
        let arg = exception(exception_handle)?.ok_or(crate::Error::InvalidHandle(EXCEPTION))?;
        let e = &arg.ground;
        let text = match e.reference() {
            Some(r) => format!("{} {r}: {}", e.kind(), e.justification()),
            None => format!("{}: {}", e.kind(), e.justification()),
        };
        out.write(text_to_c(text));
        Ok(())
    })
}

/// Release an exception handle. The null handle is accepted and ignored; a handle already freed (or never issued)
/// is refused with `CUSTODIA_ERR_INVALID_HANDLE` and nothing happens.
///
/// # Safety
///
/// None beyond passing a value received from `custodia_exception_ground_new`. Any thread, as `custodia_actor_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_exception_ground_free(exception: custodia_exception_ground) -> custodia_status {
    call(|| handles::remove::<ExceptionArg>(exception.id, EXCEPTION))
}

/// Make a new exception handle: the exception of `exception_handle` with a second approver's approval attached
/// (four eyes), given as its text form (`custodia-approval:...`, from `custodia_custodian_approve_exception`).
/// Opening with the new handle presents the approval; the opening custodian checks it against its access policy
/// (`CUSTODIA_ERR_APPROVAL_REQUIRED` saying why when it does not hold). The original handle is unchanged (handles
/// are immutable, so one may be shared across threads).
///
/// On success `*out_exception` receives a new handle owned by the caller (`custodia_exception_ground_free`). On
/// failure it is not written: `CUSTODIA_ERR_APPROVAL_INVALID` for text that is not an approval.
///
/// # Safety
///
/// `approval_text` is NULL (refused) or a NUL-terminated string, borrowed for the call. `out_exception` is NULL
/// (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_exception_ground_with_approval(
    exception_handle: custodia_exception_ground,
    approval_text: *const c_char,
    out_exception: *mut custodia_exception_ground,
) -> custodia_status {
    call(|| {
        // SAFETY: the caller guarantees each pointer NULL or valid as documented.
        let (text, out) =
            unsafe { (str_arg(approval_text, "approval_text")?, Out::new(out_exception, "out_exception")?) };
        let arg = exception(exception_handle)?.ok_or(crate::Error::InvalidHandle(EXCEPTION))?;
        let approval = Approval::from_text(text)?;
        let ground = arg.ground.clone();
        drop(arg);
        out.write(custodia_exception_ground {
            id: handles::insert(ExceptionArg { ground, approval: Some(approval) })?,
        });
        Ok(())
    })
}
