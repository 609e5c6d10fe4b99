//! The boundary every exported function crosses: panic catching, status codes and the thread-local last error.
//!
//! Every exported body that returns a status runs inside [`call`]. It must never let a panic unwind into C (that is
//! undefined behaviour), and never put secret material in a message.

use core::cell::RefCell;
use core::ffi::c_char;
use std::ffi::CString;
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::status::custodia_status;
use crate::error::Result;
use custodia_core::Error as CoreError;

/// The last failure seen on this thread: its status and its message (NUL-terminated, owned here).
struct LastError {
    status: custodia_status,
    message: CString,
}

thread_local! {
    static LAST_ERROR: RefCell<LastError> =
        RefCell::new(LastError { status: custodia_status::CUSTODIA_OK, message: CString::default() });
}

/// The message given for a caught panic. The payload is deliberately not shown: it could quote data.
const PANIC_MESSAGE: &str = "a panic was caught at the C boundary; handles used by the call are poisoned";

/// Run one exported body: clear the last error, catch any panic, and turn the outcome into a status.
///
/// Outputs are written by `body` itself, last, so that they are written only on success.
pub(crate) fn call(body: impl FnOnce() -> Result<()>) -> custodia_status {
    clear_last_error();
    let error = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return custodia_status::CUSTODIA_OK,
        Ok(Err(e)) => e,
        Err(payload) => {
            // Dropping a panic payload can itself panic; that must not escape either.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            CoreError::Internal(PANIC_MESSAGE.into()).into()
        }
    };
    let status = custodia_status::from_error(&error);
    // Formatting a message is plain `Display` code, but a bug there must not unwind into C either.
    let message = catch_unwind(AssertUnwindSafe(|| error.to_string())).unwrap_or_else(|_| PANIC_MESSAGE.into());
    set_last_error(status, &message);
    status
}

fn clear_last_error() {
    // `try_with` fails only while the thread is being torn down; there is nothing to clear then.
    let _ = LAST_ERROR.try_with(|last| {
        if let Ok(mut last) = last.try_borrow_mut() {
            last.status = custodia_status::CUSTODIA_OK;
            last.message = CString::default();
        }
    });
}

fn set_last_error(status: custodia_status, message: &str) {
    // Messages come from `Display` impls and could hold a NUL copied from input; C would cut the message there.
    let message = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    let _ = LAST_ERROR.try_with(|last| {
        if let Ok(mut last) = last.try_borrow_mut() {
            *last = LastError { status, message };
        }
    });
}

/// The status of the last custodia call on this thread that returned a `custodia_status`: `CUSTODIA_OK` when it
/// succeeded.
///
/// # Safety
///
/// Always safe to call, from any thread. It does not change the last error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_last_error_code() -> custodia_status {
    LAST_ERROR
        .try_with(|last| last.try_borrow().map_or(custodia_status::CUSTODIA_OK, |l| l.status))
        .unwrap_or(custodia_status::CUSTODIA_OK)
}

/// The message of the last failed custodia call on this thread, as NUL-terminated UTF-8; the empty string when
/// the last call succeeded. Never NULL.
///
/// Messages name the argument or the rule that failed; they never contain plaintext or key material. They are for
/// people and logs; programs should branch on the status code.
///
/// # Safety
///
/// Always safe to call, from any thread; it does not change the last error. The returned pointer is owned by
/// custodia (do not free it) and stays valid until the next custodia call *on this thread* that returns a
/// `custodia_status`; copy the text to keep it longer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_last_error_message() -> *const c_char {
    LAST_ERROR.try_with(|last| last.try_borrow().map_or(c"".as_ptr(), |l| l.message.as_ptr())).unwrap_or(c"".as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn last_message() -> String {
        // SAFETY: the pointer is valid until the next call on this thread; it is copied at once.
        unsafe { CStr::from_ptr(custodia_last_error_message()) }.to_str().expect("UTF-8").to_owned()
    }

    #[test]
    fn success_clears_and_failure_sets() {
        assert_eq!(call(|| Err(CoreError::NoPurpose.into())), custodia_status::CUSTODIA_ERR_NO_PURPOSE);
        // SAFETY: no preconditions.
        assert_eq!(unsafe { custodia_last_error_code() }, custodia_status::CUSTODIA_ERR_NO_PURPOSE);
        assert_eq!(last_message(), "at least one purpose is required");
        assert_eq!(call(|| Ok(())), custodia_status::CUSTODIA_OK);
        // SAFETY: no preconditions.
        assert_eq!(unsafe { custodia_last_error_code() }, custodia_status::CUSTODIA_OK);
        assert_eq!(last_message(), "");
    }

    #[test]
    fn panics_become_internal_errors_without_their_payload() {
        let status = call(|| panic!("SECRET-PAYLOAD"));
        assert_eq!(status, custodia_status::CUSTODIA_ERR_INTERNAL);
        assert_eq!(status as u32, 999);
        let message = last_message();
        assert!(message.contains("panic") && !message.contains("SECRET"), "{message}");
    }

    #[test]
    fn interior_nul_does_not_truncate() {
        call(|| Err(CoreError::InvalidArgument("a\0b".into()).into()));
        assert_eq!(last_message(), "invalid argument: a\\0b");
    }
}
