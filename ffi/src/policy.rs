//! The access policy as C sees it ([`custodia_access_policy`]): parse one from text or a file, put it in force on a
//! custodian (written to its directory and audited), and four-eyes approvals. The rules and their checks are the
//! Rust library's (`docs/POLICY.md`); this file only translates.

use core::ffi::c_char;
use std::sync::Arc;

use super::args::{Out, opt_str_arg, str_arg};
use super::boundary::call;
use super::buffer::{custodia_buffer, text_to_c};
use super::custodian::{custodia_custodian, custodian};
use super::handles;
use super::io::path_arg;
use super::keyid::{custodia_key_id, key_id_arg};
use super::objects::{actor, custodia_actor};
use super::status::custodia_status;
use super::vocab::exception_kind;
use custodia_core::Error as CoreError;
use custodia_core::{AccessPolicy, ApprovalTerms, MAX_POLICY_LEN, Purpose, Timestamp};

/// A handle to a validated access policy (need-to-know, transfer rules, four eyes; `docs/POLICY.md`).
///
/// Opaque: `id` is a registry key, not an address; 0 is the null handle. Immutable: usable from any thread,
/// concurrently.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct custodia_access_policy {
    /// Opaque registry key; 0 means none.
    pub id: u64,
}

const ACCESS_POLICY: &str = "access policy";

/// Parse and validate an access policy from its TOML text (`docs/POLICY.md`).
///
/// On success `*out_policy` receives a new handle owned by the caller (`custodia_access_policy_free`). On failure it
/// is not written: `CUSTODIA_ERR_POLICY_INVALID`, the message giving the line and column of the problem.
///
/// # Safety
///
/// `toml_text` is NULL (refused) or a NUL-terminated string, borrowed for the call. `out_policy` is NULL (refused)
/// or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_access_policy_parse(
    toml_text: *const c_char,
    out_policy: *mut custodia_access_policy,
) -> custodia_status {
    call(|| {
        // SAFETY: the caller guarantees each pointer NULL or valid as documented.
        let (text, out) = unsafe { (str_arg(toml_text, "toml_text")?, Out::new(out_policy, "out_policy")?) };
        let policy = AccessPolicy::from_toml(text)?;
        out.write(custodia_access_policy { id: handles::insert(Arc::new(policy))? });
        Ok(())
    })
}

/// Read and validate an access policy from the file at `path` (at most 1 MiB of UTF-8 TOML).
///
/// On success `*out_policy` receives a new handle owned by the caller (`custodia_access_policy_free`). On failure it
/// is not written: `CUSTODIA_ERR_POLICY_INVALID` (line and column in the message), `CUSTODIA_ERR_IO`.
///
/// # Safety
///
/// `path` is NULL (refused) or a NUL-terminated string, borrowed for the call. `out_policy` is NULL (refused) or
/// writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_access_policy_load_file(
    path: *const c_char,
    out_policy: *mut custodia_access_policy,
) -> custodia_status {
    call(|| {
        // SAFETY: the caller guarantees each pointer NULL or valid as documented.
        let (path, out) = unsafe { (path_arg(path, "path")?, Out::new(out_policy, "out_policy")?) };
        let bytes = std::fs::read(path).map_err(CoreError::from)?;
        if bytes.len() > MAX_POLICY_LEN {
            return Err(CoreError::PolicyInvalid {
                line: 0,
                column: 0,
                reason: "the file is larger than 1 MiB".into(),
            }
            .into());
        }
        let text = String::from_utf8(bytes).map_err(|_| CoreError::PolicyInvalid {
            line: 0,
            column: 0,
            reason: "the file is not UTF-8".into(),
        })?;
        let policy = AccessPolicy::from_toml(&text)?;
        out.write(custodia_access_policy { id: handles::insert(Arc::new(policy))? });
        Ok(())
    })
}

/// The policy's SHA-256 as 64 lowercase hex digits: the hash a `policy_changed` audit event records.
///
/// On success `*out_text` receives a text buffer owned by the caller (`custodia_buffer_free`).
///
/// # Safety
///
/// `out_text` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_access_policy_sha256(
    policy_handle: custodia_access_policy,
    out_text: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: the caller guarantees NULL or writable.
        let out = unsafe { Out::new(out_text, "out_text") }?;
        let policy = handles::get::<Arc<AccessPolicy>>(policy_handle.id, ACCESS_POLICY)?;
        out.write(text_to_c(policy.sha256().iter().map(|b| format!("{b:02x}")).collect()));
        Ok(())
    })
}

/// Release an access policy handle. The null handle is accepted and ignored; a handle already freed is refused with
/// `CUSTODIA_ERR_INVALID_HANDLE`. A policy put in force stays in force.
///
/// # Safety
///
/// None beyond passing a value received from `custodia_access_policy_parse` or `_load_file`. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_access_policy_free(policy: custodia_access_policy) -> custodia_status {
    call(|| handles::remove::<Arc<AccessPolicy>>(policy.id, ACCESS_POLICY))
}

/// Put `policy` in force on the custodian, as `actor`: written atomically to `access-policy.toml` in its directory,
/// recorded as a `policy_changed` audit event with the actor and the policy's SHA-256, applied to every later
/// decision. The policy handle stays the caller's.
///
/// # Safety
///
/// None beyond passing live handles. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_custodian_set_access_policy(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    policy_handle: custodia_access_policy,
) -> custodia_status {
    call(|| {
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        let policy = handles::get::<Arc<AccessPolicy>>(policy_handle.id, ACCESS_POLICY)?;
        let policy = AccessPolicy::clone(&policy);
        c.set_access_policy(&a, policy)?;
        Ok(())
    })
}

/// Sign a four-eyes approval as `approver` with this custodian's Ed25519 key `signing_key`: consent that the actor
/// `actor_id` open the envelope `object_id` (32 hex digits) for `purpose` under an exception of `exception_kind`
/// with `reference` (NULL for none, as for an imminent threat) until `not_after` (Unix seconds, inclusive).
/// Recorded here as `exception_approved`.
///
/// On success `*out_approval_text` receives the approval's text form (`custodia-approval:...`), owned by the caller
/// (`custodia_buffer_free`), to be attached by the opener with `custodia_exception_ground_with_approval`. On failure
/// it is not written: `CUSTODIA_ERR_INVALID_ARGUMENT` (also when `approver` is `actor_id`: no self-approval), key
/// errors for `signing_key`.
///
/// # Safety
///
/// `signing_key` is NULL (refused) or readable; `object_id`, `actor_id` and `purpose` are NULL (refused) or
/// NUL-terminated strings; `reference` is NULL or a NUL-terminated string; all borrowed for the call.
/// `out_approval_text` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments, reason = "a flat C signature: one argument per term of the approval")]
pub unsafe extern "C" fn custodia_custodian_approve_exception(
    custodian_handle: custodia_custodian,
    approver_handle: custodia_actor,
    signing_key: *const custodia_key_id,
    object_id: *const c_char,
    actor_id: *const c_char,
    purpose: *const c_char,
    exception_kind_code: u32,
    reference: *const c_char,
    not_after: u64,
    out_approval_text: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: the caller guarantees each pointer NULL or valid as documented.
        let (key, object_id, actor_id, purpose, reference, out) = unsafe {
            (
                key_id_arg(signing_key, "signing_key")?,
                str_arg(object_id, "object_id")?,
                str_arg(actor_id, "actor_id")?,
                str_arg(purpose, "purpose")?,
                opt_str_arg(reference, "reference")?,
                Out::new(out_approval_text, "out_approval_text")?,
            )
        };
        let terms = ApprovalTerms::new(
            object_id,
            actor_id,
            Purpose::parse(purpose)?,
            exception_kind(exception_kind_code)?,
            reference,
            Timestamp::from_unix(not_after),
        )?;
        let (c, a) = (custodian(custodian_handle)?, actor(approver_handle)?);
        let approval = c.approve_exception(&a, &key, terms)?;
        out.write(text_to_c(approval.to_text()?));
        Ok(())
    })
}
