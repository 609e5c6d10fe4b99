//! Batch re-wrap through the C API: many envelope files in one call, each through the same gate as
//! `custodia_rewrap` / `custodia_rewrap_rotated`, with a per-file outcome ([`custodia_rewrap_results`]). One bad or
//! refused file does not stop the batch. The facade (`Custodian::rewrap_batch`) does the work and records every
//! re-wrap and refusal; this module translates.

use core::ffi::c_char;
use std::ffi::CString;
use std::path::PathBuf;

use super::args::{Out, opt_str_arg};
use super::boundary::call;
use super::custodian::{custodia_custodian, custodian};
use super::handles;
use super::io::path_arg;
use super::keyid::custodia_key_id;
use super::objects::{actor, custodia_actor};
use super::seal::key_ids_arg;
use super::status::custodia_status;
use crate::error::{Error, Result};
use custodia_core::Error as CoreError;
use custodia_core::Purpose;
use custodia_core::{RewrapItem, RewrapPlan};

/// A handle to the per-file outcomes of `custodia_rewrap_batch`. Read it with `custodia_rewrap_results_len` and
/// `custodia_rewrap_results_get`; release it with `custodia_rewrap_results_free`.
///
/// Opaque: `id` is a registry key, not an address; 0 is the null handle. Immutable: usable from several threads.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct custodia_rewrap_results {
    /// Opaque registry key; 0 means none.
    pub id: u64,
}

const REWRAP_RESULTS: &str = "rewrap results";

/// One file's outcome: its status and the message a failed call would have left as the last error.
struct Outcome {
    status: custodia_status,
    message: CString,
}

/// Re-wrap the `path_count` envelope files at `paths`, each rewritten in place atomically (a file that needs no
/// change is left as it is), and report each file's outcome.
///
/// With `purpose` NULL, every stanza for a rotated key is replaced by one for its newest successor, as
/// `custodia_rewrap_rotated` does (`remove` and `add` must then be empty). Otherwise each file is re-wrapped for the
/// stated `purpose` as `custodia_rewrap` would: the stanzas of the `remove_count` keys in `remove` removed, stanzas
/// for the `add_count` keys in `add` added, through the policy gate, every refusal recorded.
///
/// Returns `CUSTODIA_OK` when the batch ran, even if some files failed: their statuses are in `*out_results`, in the
/// order of `paths`. A failure of the arguments themselves (NULL, a malformed purpose, `remove`/`add` without a
/// purpose) is the call's status and re-wraps nothing. `CUSTODIA_ERR_CUSTODIAN_CLOSED` after `custodia_custodian_close`.
///
/// On success `*out_results` receives a new handle owned by the caller, released with `custodia_rewrap_results_free`.
///
/// # Safety
///
/// `paths` is NULL (only with `path_count` 0) or points to `path_count` NUL-terminated paths; `purpose` is NULL or a
/// NUL-terminated string; `remove` and `add` are NULL (only with a count of 0) or point to that many key ids; all
/// borrowed for the call. `out_results` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments, reason = "one flat C call: the files, the plan's three parts, the output")]
pub unsafe extern "C" fn custodia_rewrap_batch(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    paths: *const *const c_char,
    path_count: usize,
    purpose: *const c_char,
    remove: *const custodia_key_id,
    remove_count: usize,
    add: *const custodia_key_id,
    add_count: usize,
    out_results: *mut custodia_rewrap_results,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (paths, purpose, remove, add, out) = unsafe {
            (
                paths_arg(paths, path_count)?,
                opt_str_arg(purpose, "purpose")?,
                key_ids_arg(remove, remove_count, "remove")?,
                key_ids_arg(add, add_count, "add")?,
                Out::new(out_results, "out_results")?,
            )
        };
        let plan = match purpose {
            None if remove.is_empty() && add.is_empty() => RewrapPlan::Rotated,
            None => {
                return Err(CoreError::InvalidArgument(
                    "remove and add need a purpose (NULL purpose means: move off rotated keys)".into(),
                )
                .into());
            }
            Some(p) => RewrapPlan::Change { purpose: Purpose::parse(p)?, remove, add },
        };
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        if c.is_closed() {
            return Err(CoreError::CustodianClosed.into());
        }
        let items = paths.into_iter().map(RewrapItem::File);
        let outcomes: Vec<Outcome> = c
            .rewrap_batch(&a, items, &plan, &mut |_, _| {})
            .into_iter()
            .map(|r| match r {
                Ok(_) => Outcome { status: custodia_status::CUSTODIA_OK, message: CString::default() },
                Err(e) => {
                    let e = Error::from(e);
                    let message = CString::new(e.to_string().replace('\0', "\\0")).unwrap_or_default();
                    Outcome { status: custodia_status::from_error(&e), message }
                }
            })
            .collect();
        out.write(custodia_rewrap_results { id: handles::insert(outcomes)? });
        Ok(())
    })
}

/// Read `count` path pointers.
///
/// # Safety
///
/// `p` is NULL (only with `count` 0) or points to `count` readable pointers, each as in `path_arg`.
unsafe fn paths_arg(p: *const *const c_char, count: usize) -> Result<Vec<PathBuf>> {
    if count > isize::MAX as usize / size_of::<*const c_char>() {
        return Err(CoreError::InvalidArgument(format!("paths: count {count} is larger than any array")).into());
    }
    if p.is_null() {
        return if count == 0 { Ok(Vec::new()) } else { Err(Error::NullPointer("paths")) };
    }
    // SAFETY: non-NULL, the byte size is at most isize::MAX (checked above), and the caller guarantees `count`
    // readable, aligned pointers for the call.
    let items = unsafe { core::slice::from_raw_parts(p, count) };
    items
        .iter()
        // SAFETY: each element is NULL (refused) or a NUL-terminated path, as the caller guarantees.
        .map(|&item| unsafe { path_arg(item, "paths") }.map(std::path::Path::to_path_buf))
        .collect()
}

/// How many outcomes (files) a result holds.
///
/// # Safety
///
/// `out_len` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_rewrap_results_len(
    results: custodia_rewrap_results,
    out_len: *mut usize,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_len, "out_len") }?;
        out.write(handles::get::<Vec<Outcome>>(results.id, REWRAP_RESULTS)?.len());
        Ok(())
    })
}

/// The outcome for file `index` (in the order of `paths`; `CUSTODIA_ERR_INVALID_ARGUMENT` past the end):
/// `*out_status` receives its status (`CUSTODIA_OK` when the file was re-wrapped or needed no change) and
/// `*out_message`, when not NULL, its message (the empty string on success), owned by the result and valid until
/// `custodia_rewrap_results_free`.
///
/// # Safety
///
/// `out_status` is NULL (refused) or writable; `out_message` is NULL or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_rewrap_results_get(
    results: custodia_rewrap_results,
    index: usize,
    out_status: *mut custodia_status,
    out_message: *mut *const c_char,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (status, message) = unsafe { (Out::new(out_status, "out_status")?, Out::optional(out_message)) };
        let list = handles::get::<Vec<Outcome>>(results.id, REWRAP_RESULTS)?;
        let o = list.get(index).ok_or_else(|| {
            CoreError::InvalidArgument(format!("index {index} is past the end ({} files)", list.len()))
        })?;
        status.write(o.status);
        if let Some(m) = message {
            // Owned by the registry's `Arc` until the result is freed (as documented).
            m.write(o.message.as_ptr());
        }
        Ok(())
    })
}

/// Release a batch result; the messages it gave become invalid. The null handle is accepted.
///
/// # Safety
///
/// None beyond passing a value received from `custodia_rewrap_batch`. Any thread, but no message from the result may
/// be used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_rewrap_results_free(results: custodia_rewrap_results) -> custodia_status {
    call(|| handles::remove::<Vec<Outcome>>(results.id, REWRAP_RESULTS))
}
