//! The vocabulary as C sees it: categories, classifications, exception kinds and key kinds (enums in the header,
//! `uint32_t` in signatures, converted with the Rust types' fallible `from_code`), name lookups, and validation of
//! purposes, jurisdictions and case references.
//!
//! The enums here exist for the header only; Rust code never converts a C integer into them.

use core::ffi::c_char;

use super::args::{Out, narrow, str_arg};
use super::boundary::call;
use super::status::{custodia_status, static_c_name};
use custodia_core::CaseRef;
use custodia_core::Error as CoreError;
use custodia_core::Jurisdiction;
use custodia_core::KeyKind;
use custodia_core::{Category, Classification};
use custodia_core::{ExceptionKind, Purpose};

/// What sensitive data is (`Category` in Rust). Each category has a minimum classification.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum custodia_category {
    /// Names, dates of birth, identity document numbers of suspects, victims or other persons. Minimum classification: restricted.
    CUSTODIA_CATEGORY_PERSONAL_IDENTITY = 1,
    /// Addresses, telephone numbers, e-mail addresses. Minimum classification: restricted.
    CUSTODIA_CATEGORY_CONTACT_DETAILS = 2,
    /// Bank statements, account numbers, transaction records. Minimum classification: confidential.
    CUSTODIA_CATEGORY_FINANCIAL_RECORDS = 3,
    /// Fingerprints, facial images, DNA profiles. Minimum classification: confidential.
    CUSTODIA_CATEGORY_BIOMETRIC = 4,
    /// Medical and health information. Minimum classification: confidential.
    CUSTODIA_CATEGORY_HEALTH = 5,
    /// The content of intercepted or seized communications. Minimum classification: confidential.
    CUSTODIA_CATEGORY_COMMUNICATIONS_CONTENT = 6,
    /// Subscriber and traffic data: who communicated with whom, when, from where. Minimum classification: restricted.
    CUSTODIA_CATEGORY_COMMUNICATIONS_METADATA = 7,
    /// Case files and seized material (disk images, documents). Minimum classification: restricted.
    CUSTODIA_CATEGORY_EVIDENCE = 8,
    /// Communications between a lawyer and client, protected by legal privilege. Minimum classification: confidential.
    CUSTODIA_CATEGORY_PRIVILEGED_LEGAL = 9,
    /// Investigators' working notes and analysis. Minimum classification: restricted.
    CUSTODIA_CATEGORY_INVESTIGATIVE_NOTES = 10,
    /// The identity of a protected witness or informant. Minimum classification: secret.
    CUSTODIA_CATEGORY_WITNESS_IDENTITY = 11,
    /// Case administration without personal data (request letters, procedural correspondence). Minimum classification: public.
    CUSTODIA_CATEGORY_CASE_ADMINISTRATION = 12,
}

/// How tightly data is held, lowest first (`Classification` in Rust); also an actor's clearance.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum custodia_classification {
    /// May be disclosed to anyone.
    CUSTODIA_CLASSIFICATION_PUBLIC = 0,
    /// For the case team and authorities involved.
    CUSTODIA_CLASSIFICATION_RESTRICTED = 1,
    /// Disclosure would harm persons or proceedings.
    CUSTODIA_CLASSIFICATION_CONFIDENTIAL = 2,
    /// Disclosure could endanger life or the integrity of proceedings.
    CUSTODIA_CLASSIFICATION_SECRET = 3,
}

/// The legal ground of an exception (`ExceptionKind` in Rust).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum custodia_exception_kind {
    /// A court order; its number is required as the reference.
    CUSTODIA_EXCEPTION_KIND_COURT_ORDER = 1,
    /// The data subject's consent; the consent record is required as the reference.
    CUSTODIA_EXCEPTION_KIND_CONSENT = 2,
    /// An imminent threat to life or physical integrity; no reference required.
    CUSTODIA_EXCEPTION_KIND_IMMINENT_THREAT = 3,
    /// A legal obligation; the provision is required as the reference.
    CUSTODIA_EXCEPTION_KIND_LEGAL_OBLIGATION = 4,
    /// The protection of national security; the decision or provision invoked is required as the reference.
    CUSTODIA_EXCEPTION_KIND_NATIONAL_SECURITY = 5,
    /// An overriding public interest; the provision or decision relied on is required as the reference.
    CUSTODIA_EXCEPTION_KIND_OVERRIDING_PUBLIC_INTEREST = 6,
}

/// The kinds of key (`KeyKind` in Rust).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum custodia_key_kind {
    /// A 256-bit symmetric key-encryption key.
    CUSTODIA_KEY_KIND_KEK = 1,
    /// An X25519 key pair (HPKE recipient and sender identity).
    CUSTODIA_KEY_KIND_X25519 = 2,
    /// An X-Wing (ML-KEM-768 + X25519) post-quantum hybrid key pair.
    CUSTODIA_KEY_KIND_XWING = 3,
    /// An Ed25519 signing key pair.
    CUSTODIA_KEY_KIND_ED25519 = 4,
}

/// The legal instrument a transfer is made under (`InstrumentKind` in Rust).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum custodia_instrument_kind {
    /// A bilateral mutual legal assistance treaty.
    CUSTODIA_INSTRUMENT_KIND_BILATERAL_TREATY = 1,
    /// A European Investigation Order (Directive 2014/41/EU).
    CUSTODIA_INSTRUMENT_KIND_EUROPEAN_INVESTIGATION_ORDER = 2,
    /// A multilateral convention (e.g. the Budapest Convention, the 1959 Council of Europe Convention).
    CUSTODIA_INSTRUMENT_KIND_MULTILATERAL_CONVENTION = 3,
    /// A letter rogatory (comity, no treaty).
    CUSTODIA_INSTRUMENT_KIND_LETTER_ROGATORY = 4,
    /// Anything else; say what in the transfer basis.
    CUSTODIA_INSTRUMENT_KIND_OTHER = 255,
}

pub(crate) fn category(code: u32) -> crate::Result<Category> {
    Ok(Category::from_code(narrow(code, "category")?)?)
}

pub(crate) fn classification(code: u32) -> crate::Result<Classification> {
    Ok(Classification::from_code(narrow(code, "classification")?)?)
}

pub(crate) fn exception_kind(code: u32) -> crate::Result<ExceptionKind> {
    Ok(ExceptionKind::from_code(narrow(code, "exception kind")?)?)
}

pub(crate) fn key_kind(code: u32) -> crate::Result<KeyKind> {
    Ok(KeyKind::from_code(narrow(code, "key kind")?)?)
}

/// Write a static name to an out-parameter.
///
/// # Safety
///
/// `out` as in `Out::new`.
unsafe fn name_out(out: *mut *const c_char, name: impl FnOnce() -> crate::Result<&'static str>) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from the exported function's contract: `out` is NULL or writable.
        let out = unsafe { Out::new(out, "out_name") }?;
        out.write(static_c_name(name()?).as_ptr());
        Ok(())
    })
}

/// Write the code found by name to an out-parameter.
///
/// # Safety
///
/// `name` as in `str_arg`, `out` as in `Out::new`.
unsafe fn code_out(
    name: *const c_char,
    out: *mut u32,
    lookup: impl FnOnce(&str) -> Option<u32>,
    what: &'static str,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from the exported function's contract.
        let (name, out) = unsafe { (str_arg(name, "name")?, Out::new(out, "out_code")?) };
        let code = lookup(name).ok_or_else(|| CoreError::InvalidArgument(format!("unknown {what} name {name:?}")))?;
        out.write(code);
        Ok(())
    })
}

/// Check that `purpose` follows the purpose grammar: `segment("." segment)*`, each segment `[a-z][a-z0-9_]*` of at
/// most 32 bytes, at most 6 segments and 128 bytes. `CUSTODIA_ERR_INVALID_PURPOSE` says which rule it breaks.
///
/// # Safety
///
/// `purpose` is NULL (refused) or a NUL-terminated string, borrowed for the call. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_purpose_validate(purpose: *const c_char) -> custodia_status {
    call(|| {
        // SAFETY: the caller guarantees NULL or a NUL-terminated string.
        Purpose::parse(unsafe { str_arg(purpose, "purpose") }?).map(drop).map_err(Into::into)
    })
}

/// Check that `jurisdiction` is an assigned ISO 3166-1 alpha-2 code (`"DE"`).
///
/// # Safety
///
/// `jurisdiction` is NULL (refused) or a NUL-terminated string, borrowed for the call. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_jurisdiction_validate(jurisdiction: *const c_char) -> custodia_status {
    call(|| {
        // SAFETY: the caller guarantees NULL or a NUL-terminated string.
        Jurisdiction::parse(unsafe { str_arg(jurisdiction, "jurisdiction") }?).map(drop).map_err(Into::into)
    })
}

/// Check that `case_ref` is a valid case reference: 1 to 128 bytes of printable ASCII, no spaces at the ends.
///
/// # Safety
///
/// `case_ref` is NULL (refused) or a NUL-terminated string, borrowed for the call. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_case_ref_validate(case_ref: *const c_char) -> custodia_status {
    call(|| {
        // SAFETY: the caller guarantees NULL or a NUL-terminated string.
        CaseRef::parse(unsafe { str_arg(case_ref, "case_ref") }?).map(drop).map_err(Into::into)
    })
}

/// The name of a category code (`"financial_records"`), written to `*out_name`.
///
/// # Safety
///
/// `out_name` is NULL (refused) or writable. The string written is static: do not free it. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_category_name(category_code: u32, out_name: *mut *const c_char) -> custodia_status {
    // SAFETY: forwarded from this function\'s contract.
    unsafe { name_out(out_name, || Ok(category(category_code)?.name())) }
}

/// The code of a category name (`"financial_records"` gives `CUSTODIA_CATEGORY_FINANCIAL_RECORDS`).
///
/// # Safety
///
/// `name` is NULL (refused) or a NUL-terminated string, borrowed for the call; `out_code` is NULL (refused) or
/// writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_category_from_name(name: *const c_char, out_code: *mut u32) -> custodia_status {
    let lookup = |n: &str| n.parse::<Category>().ok().map(|c| u32::from(c.code()));
    // SAFETY: forwarded from this function's contract.
    unsafe { code_out(name, out_code, lookup, "category") }
}

/// The lowest classification data of a category may carry.
///
/// # Safety
///
/// `out_classification` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_category_minimum_classification(
    category_code: u32,
    out_classification: *mut u32,
) -> custodia_status {
    call(|| {
        // SAFETY: the caller guarantees NULL or writable.
        let out = unsafe { Out::new(out_classification, "out_classification") }?;
        out.write(u32::from(category(category_code)?.minimum_classification().code()));
        Ok(())
    })
}

/// The name of a classification code (`"secret"`).
///
/// # Safety
///
/// `out_name` is NULL (refused) or writable. The string written is static: do not free it. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_classification_name(
    classification_code: u32,
    out_name: *mut *const c_char,
) -> custodia_status {
    // SAFETY: forwarded from this function\'s contract.
    unsafe { name_out(out_name, || Ok(classification(classification_code)?.name())) }
}

/// The code of a classification name.
///
/// # Safety
///
/// `name` is NULL (refused) or a NUL-terminated string, borrowed for the call; `out_code` is NULL (refused) or
/// writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_classification_from_name(name: *const c_char, out_code: *mut u32) -> custodia_status {
    let lookup = |n: &str| n.parse::<Classification>().ok().map(|c| u32::from(c.code()));
    // SAFETY: forwarded from this function's contract.
    unsafe { code_out(name, out_code, lookup, "classification") }
}

/// The name of an exception kind code (`"court_order"`).
///
/// # Safety
///
/// `out_name` is NULL (refused) or writable. The string written is static: do not free it. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_exception_kind_name(kind_code: u32, out_name: *mut *const c_char) -> custodia_status {
    // SAFETY: forwarded from this function\'s contract.
    unsafe { name_out(out_name, || Ok(exception_kind(kind_code)?.name())) }
}

/// The code of an exception kind name.
///
/// # Safety
///
/// `name` is NULL (refused) or a NUL-terminated string, borrowed for the call; `out_code` is NULL (refused) or
/// writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_exception_kind_from_name(name: *const c_char, out_code: *mut u32) -> custodia_status {
    let lookup = |n: &str| ExceptionKind::ALL.into_iter().find(|k| k.name() == n).map(|k| u32::from(k.code()));
    // SAFETY: forwarded from this function's contract.
    unsafe { code_out(name, out_code, lookup, "exception kind") }
}

/// The name of a key kind code (`"x25519"`).
///
/// # Safety
///
/// `out_name` is NULL (refused) or writable. The string written is static: do not free it. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_kind_name(kind_code: u32, out_name: *mut *const c_char) -> custodia_status {
    // SAFETY: forwarded from this function\'s contract.
    unsafe { name_out(out_name, || Ok(key_kind(kind_code)?.name())) }
}

/// The code of a key kind name.
///
/// # Safety
///
/// `name` is NULL (refused) or a NUL-terminated string, borrowed for the call; `out_code` is NULL (refused) or
/// writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_key_kind_from_name(name: *const c_char, out_code: *mut u32) -> custodia_status {
    let lookup = |n: &str| KeyKind::ALL.into_iter().find(|k| k.name() == n).map(|k| u32::from(k.code()));
    // SAFETY: forwarded from this function's contract.
    unsafe { code_out(name, out_code, lookup, "key kind") }
}
