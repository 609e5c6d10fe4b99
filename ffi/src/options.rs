//! Seal options as a builder handle ([`custodia_seal_options`]), so that later versions can add options without
//! changing the layout of a struct the host compiled against.
//!
//! Every setter validates at once and says which argument is wrong; the options are then used by
//! `custodia_seal` (which checks the combination against the keys and policy).

use core::ffi::c_char;
use std::sync::{Mutex, PoisonError};

use super::args::{Out, opt_str_arg, str_array_arg};
use super::boundary::call;
use super::handles;
use super::keyid::{custodia_key_id, key_id_arg};
use super::status::custodia_status;
use super::vocab::{category, classification};
use crate::error::Result;
use custodia_core::CaseRef;
use custodia_core::Error as CoreError;
use custodia_core::Jurisdiction;
use custodia_core::KeyId;
use custodia_core::PurposeSet;
use custodia_core::Timestamp;
use custodia_core::format::{InstrumentKind, LegalInstrument};
use custodia_core::{Category, Classification};

/// A handle to seal options: the terms data is sealed under (category, classification, purposes, case, where it
/// comes from and may go, until when) and who can open it (recipients) and who vouches for it (signer).
///
/// Opaque: `id` is a registry key, not an address; 0 is the null handle. The setters lock the options, so one
/// handle may be used from several threads, though setting from one thread while sealing from another gives
/// whichever state the seal saw.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct custodia_seal_options {
    /// Opaque registry key; 0 means none.
    pub id: u64,
}

const SEAL_OPTIONS: &str = "seal options";

/// The validated options, as the C setters built them.
#[derive(Clone, Debug)]
pub(crate) struct SealDraft {
    pub(crate) category: Category,
    pub(crate) classification: Classification,
    pub(crate) purposes: PurposeSet,
    pub(crate) case_ref: Option<CaseRef>,
    pub(crate) origin: Option<Jurisdiction>,
    pub(crate) destinations: Vec<Jurisdiction>,
    pub(crate) not_after: Option<Timestamp>,
    pub(crate) recipients: Vec<KeyId>,
    pub(crate) signer: Option<KeyId>,
    pub(crate) sender: Option<KeyId>,
    pub(crate) instrument: Option<LegalInstrument>,
    pub(crate) chunk_size: Option<u32>,
    pub(crate) armor: bool,
}

/// A snapshot of the options behind a handle.
pub(crate) fn seal_draft(h: custodia_seal_options) -> Result<SealDraft> {
    let options = handles::get::<Mutex<SealDraft>>(h.id, SEAL_OPTIONS)?;
    let draft = options.lock().unwrap_or_else(PoisonError::into_inner).clone();
    Ok(draft)
}

/// Run `f` on the options behind `h`, under their lock.
fn update(h: custodia_seal_options, f: impl FnOnce(&mut SealDraft) -> Result<()>) -> custodia_status {
    call(|| {
        let options = handles::get::<Mutex<SealDraft>>(h.id, SEAL_OPTIONS)?;
        // A panic inside `f` poisons the handle (see handles::Guard), so a poisoned lock is never reached again.
        let mut draft = options.lock().unwrap_or_else(PoisonError::into_inner);
        // Validate on a copy, so that a refused setter leaves the options as they were.
        let mut next = draft.clone();
        f(&mut next)?;
        *draft = next;
        Ok(())
    })
}

/// Make seal options for data of `category` (a `custodia_category`), given for the `purpose_count` purposes in
/// `purposes` (at least one, at most 32, each following the purpose grammar). The classification starts at the
/// category's minimum; everything else starts unset.
///
/// On success `*out_options` receives a new handle owned by the caller, released with `custodia_seal_options_free`.
///
/// # Safety
///
/// `purposes` is NULL (refused unless `purpose_count` is 0, which is refused as `CUSTODIA_ERR_NO_PURPOSE`) or
/// points to `purpose_count` NUL-terminated strings, all borrowed for the call. `out_options` is NULL (refused) or
/// writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_seal_options_new(
    category_code: u32,
    purposes: *const *const c_char,
    purpose_count: usize,
    out_options: *mut custodia_seal_options,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (purposes, out) =
            unsafe { (str_array_arg(purposes, purpose_count, "purposes")?, Out::new(out_options, "out_options")?) };
        let category = category(category_code)?;
        let purposes = PurposeSet::parse(&purposes)?;
        if purposes.is_empty() {
            return Err(CoreError::NoPurpose.into());
        }
        let draft = SealDraft {
            category,
            classification: category.minimum_classification(),
            purposes,
            case_ref: None,
            origin: None,
            destinations: Vec::new(),
            not_after: None,
            recipients: Vec::new(),
            signer: None,
            sender: None,
            instrument: None,
            chunk_size: None,
            armor: false,
        };
        out.write(custodia_seal_options { id: handles::insert(Mutex::new(draft))? });
        Ok(())
    })
}

/// Set the classification (a `custodia_classification`); it may not be below the category's minimum
/// (`CUSTODIA_ERR_CLASSIFICATION_BELOW_MINIMUM`).
///
/// # Safety
///
/// No pointer arguments. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_seal_options_set_classification(
    options: custodia_seal_options,
    classification_code: u32,
) -> custodia_status {
    update(options, |d| {
        let c = classification(classification_code)?;
        d.category.check(c)?;
        d.classification = c;
        Ok(())
    })
}

/// Set the case reference (`"MLA-2026-0042"`); NULL clears it.
///
/// # Safety
///
/// `case_ref` is NULL or a NUL-terminated string, borrowed for the call. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_seal_options_set_case_ref(
    options: custodia_seal_options,
    case_ref: *const c_char,
) -> custodia_status {
    // SAFETY: forwarded from this function's contract; the string is copied before `update` returns.
    let case_ref = unsafe { opt_str_arg(case_ref, "case_ref") };
    update(options, |d| {
        d.case_ref = case_ref?.map(CaseRef::parse).transpose()?;
        Ok(())
    })
}

/// Set where the data comes from (`origin`, NULL for unset) and the jurisdictions it may be opened in
/// (`destination_count` ISO 3166-1 alpha-2 codes; none means only the origin).
///
/// # Safety
///
/// `origin` is NULL or a NUL-terminated string; `destinations` is NULL (only with `destination_count` 0) or points
/// to `destination_count` NUL-terminated strings; all borrowed for the call. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_seal_options_set_jurisdictions(
    options: custodia_seal_options,
    origin: *const c_char,
    destinations: *const *const c_char,
    destination_count: usize,
) -> custodia_status {
    // SAFETY: forwarded from this function's contract; the strings are parsed before `update` returns.
    let args =
        unsafe { (opt_str_arg(origin, "origin"), str_array_arg(destinations, destination_count, "destinations")) };
    update(options, |d| {
        let (origin, destinations) = (args.0?, args.1?);
        d.origin = origin.map(Jurisdiction::parse).transpose()?;
        d.destinations = destinations.into_iter().map(Jurisdiction::parse).collect::<Result<_, CoreError>>()?;
        Ok(())
    })
}

/// Set the time after which the data may no longer be opened, in seconds since the Unix epoch (UTC); 0 clears it.
///
/// # Safety
///
/// No pointer arguments. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_seal_options_set_not_after(
    options: custodia_seal_options,
    not_after_unix: u64,
) -> custodia_status {
    update(options, |d| {
        d.not_after = (not_after_unix != 0).then(|| Timestamp::from_unix(not_after_unix));
        Ok(())
    })
}

/// Add a recipient key (a key in the custodian's keyring, or an imported public key); adding one twice is a no-op.
///
/// # Safety
///
/// `key_id` is NULL (refused) or readable, borrowed for the call. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_seal_options_add_recipient(
    options: custodia_seal_options,
    key_id: *const custodia_key_id,
) -> custodia_status {
    // SAFETY: forwarded from this function's contract; the id is copied.
    let id = unsafe { key_id_arg(key_id, "key_id") };
    update(options, |d| {
        let id = id?;
        if !d.recipients.contains(&id) {
            d.recipients.push(id);
        }
        Ok(())
    })
}

/// Set the signing key (an Ed25519 key in the custodian's keyring) that signs the envelope; NULL for unsigned.
///
/// # Safety
///
/// `key_id` is NULL or readable, borrowed for the call. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_seal_options_set_signer(
    options: custodia_seal_options,
    key_id: *const custodia_key_id,
) -> custodia_status {
    // SAFETY: forwarded from this function's contract; the id is copied.
    let id = if key_id.is_null() { Ok(None) } else { unsafe { key_id_arg(key_id, "key_id") }.map(Some) };
    update(options, |d| {
        d.signer = id?;
        Ok(())
    })
}

/// Set the sender identity: an own X25519 key; X25519 recipients then learn and authenticate who sealed the data
/// (HPKE auth mode). NULL for anonymous sealing.
///
/// # Safety
///
/// `key_id` is NULL or readable, borrowed for the call. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_seal_options_set_sender(
    options: custodia_seal_options,
    key_id: *const custodia_key_id,
) -> custodia_status {
    // SAFETY: forwarded from this function's contract; the id is copied.
    let id = if key_id.is_null() { Ok(None) } else { unsafe { key_id_arg(key_id, "key_id") }.map(Some) };
    update(options, |d| {
        d.sender = id?;
        Ok(())
    })
}

/// Set the legal instrument of the transfer: `kind` (a `custodia_instrument_kind`), the request's `reference`
/// and the `transfer_basis` (each NULL or 1 to 1024 bytes of text without control characters, as `docs/FORMAT.md`
/// says; `custodia_envelope_info` returns each whole, in `CUSTODIA_INSTRUMENT_TEXT_SIZE` = 1025 bytes with the NUL).
/// Bound into the envelope.
///
/// # Safety
///
/// `reference` and `transfer_basis` are NULL or NUL-terminated strings, borrowed for the call. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_seal_options_set_instrument(
    options: custodia_seal_options,
    kind: u32,
    reference: *const c_char,
    transfer_basis: *const c_char,
) -> custodia_status {
    // SAFETY: forwarded from this function's contract; the strings are copied before `update` returns.
    let args = unsafe { (opt_str_arg(reference, "reference"), opt_str_arg(transfer_basis, "transfer_basis")) };
    update(options, |d| {
        let kind = InstrumentKind::from_code(super::args::narrow(kind, "instrument kind")?)?;
        d.instrument = Some(LegalInstrument::new(kind, args.0?, args.1?)?);
        Ok(())
    })
}

/// Set the payload chunk size in bytes (64 B to 16 MiB); 0 restores the default (64 KiB).
///
/// # Safety
///
/// No pointer arguments. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_seal_options_set_chunk_size(
    options: custodia_seal_options,
    chunk_size: u32,
) -> custodia_status {
    update(options, |d| {
        if chunk_size != 0
            && !(custodia_core::format::MIN_CHUNK_SIZE..=custodia_core::format::MAX_CHUNK_SIZE).contains(&chunk_size)
        {
            return Err(CoreError::InvalidArgument(format!("chunk_size {chunk_size} is outside 64 B to 16 MiB")).into());
        }
        d.chunk_size = (chunk_size != 0).then_some(chunk_size);
        Ok(())
    })
}

/// Whether `custodia_seal` returns the armored text form (BEGIN/END lines around base64) instead of binary.
/// Streams are always binary.
///
/// # Safety
///
/// No pointer arguments. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_seal_options_set_armor(
    options: custodia_seal_options,
    armor: bool,
) -> custodia_status {
    update(options, |d| {
        d.armor = armor;
        Ok(())
    })
}

/// Release seal options. The null handle is accepted and ignored; a freed or never-issued handle is refused with
/// `CUSTODIA_ERR_INVALID_HANDLE`.
///
/// # Safety
///
/// None beyond passing a value received from `custodia_seal_options_new`. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_seal_options_free(options: custodia_seal_options) -> custodia_status {
    call(|| handles::remove::<Mutex<SealDraft>>(options.id, SEAL_OPTIONS))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn setters_validate_and_keep_the_old_state_on_refusal() {
        let purposes = [c"investigation".as_ptr(), c"mla.request".as_ptr()];
        let mut h = custodia_seal_options { id: 0 };
        // SAFETY: valid pointers throughout.
        unsafe {
            assert_eq!(custodia_seal_options_new(3, purposes.as_ptr(), 2, &raw mut h), custodia_status::CUSTODIA_OK);
            assert_eq!(custodia_seal_options_set_classification(h, 3), custodia_status::CUSTODIA_OK);
            assert_eq!(
                custodia_seal_options_set_classification(h, 0),
                custodia_status::CUSTODIA_ERR_CLASSIFICATION_BELOW_MINIMUM
            );
            assert_eq!(custodia_seal_options_set_classification(h, 4), custodia_status::CUSTODIA_ERR_UNKNOWN_CODE);
            let dest = [c"DE".as_ptr(), c"XX".as_ptr()];
            assert_eq!(
                custodia_seal_options_set_jurisdictions(h, c"NL".as_ptr(), dest.as_ptr(), 2),
                custodia_status::CUSTODIA_ERR_INVALID_JURISDICTION
            );
            assert_eq!(
                custodia_seal_options_set_jurisdictions(h, c"NL".as_ptr(), dest.as_ptr(), 1),
                custodia_status::CUSTODIA_OK
            );
            assert_eq!(custodia_seal_options_set_case_ref(h, c"MLA-2026-0042".as_ptr()), custodia_status::CUSTODIA_OK);
            let d = seal_draft(h).expect("live");
            assert_eq!(d.classification, Classification::Secret);
            assert_eq!(d.destinations.len(), 1);
            assert_eq!(d.purposes.len(), 2);
            assert_eq!(custodia_seal_options_free(h), custodia_status::CUSTODIA_OK);
            assert!(matches!(seal_draft(h), Err(Error::InvalidHandle(_))));
            assert_eq!(custodia_seal_options_free(h), custodia_status::CUSTODIA_ERR_INVALID_HANDLE);
            assert_eq!(
                custodia_seal_options_new(3, core::ptr::null(), 0, &raw mut h),
                custodia_status::CUSTODIA_ERR_NO_PURPOSE
            );
        }
    }
}
