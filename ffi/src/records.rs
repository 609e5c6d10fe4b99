//! Records through the C API (docs/FORMAT.md section 14): a record builder (`custodia_record`) whose fields are added
//! by name with typed adders, `custodia_seal_record`, and `custodia_open_record`, whose result
//! (`custodia_opened_record`) lists every field with its terms and either its value (typed getters) or the refusal
//! that withheld it.
//!
//! Values live in Rust memory that is wiped when the handle is freed; a getter hands out a copy in a
//! `custodia_buffer`, which `custodia_buffer_free` wipes.

use core::ffi::c_char;
use std::collections::BTreeMap;
use std::ffi::CString;
use std::sync::{Mutex, PoisonError};

use zeroize::Zeroizing;

use super::args::{Out, bytes_arg, str_arg, str_array_arg};
use super::boundary::call;
use super::buffer::{bytes_to_c, custodia_buffer, text_to_c};
use super::custodian::{custodia_custodian, custodian};
use super::handles;
use super::keyid::custodia_key_id;
use super::objects::{actor, custodia_actor, custodia_exception_ground};
use super::options::custodia_seal_options;
use super::seal::{custodia_envelope_info, request, seal_options, signer_arg, write_info};
use super::status::custodia_status;
use super::vocab::{category, classification};
use crate::error::Result;
use custodia_core::Error as CoreError;
use custodia_core::{
    FieldKind, FieldName, FieldOutcome, FieldSpec, FieldValue, OpenedRecord, PurposeSet, Record, RecordDate,
};

/// Field type code of text (`custodia_record_field.kind`).
pub const CUSTODIA_FIELD_TEXT: u32 = 1;
/// Field type code of a signed 64-bit integer.
pub const CUSTODIA_FIELD_INTEGER: u32 = 2;
/// Field type code of a calendar date (`YYYY-MM-DD`).
pub const CUSTODIA_FIELD_DATE: u32 = 3;
/// Field type code of bytes.
pub const CUSTODIA_FIELD_BYTES: u32 = 4;
/// Field type code of nested named values (read them with `custodia_opened_record_json`).
pub const CUSTODIA_FIELD_NESTED: u32 = 5;
/// Mask rule code (`custodia_record_field.mask`): an account number, first and last 4 characters kept.
pub const CUSTODIA_MASK_IBAN: u32 = 1;
/// Mask rule code: every digit but the last three replaced by `*`.
pub const CUSTODIA_MASK_LAST_THREE_DIGITS: u32 = 2;
/// Mask rule code: each word's initial.
pub const CUSTODIA_MASK_INITIALS: u32 = 3;
/// Mask rule code: a date's year.
pub const CUSTODIA_MASK_YEAR: u32 = 4;
/// Pass as a field's classification to hold it at its category's minimum.
pub const CUSTODIA_CLASSIFICATION_MINIMUM: u32 = u32::MAX;

const RECORD: &str = "record";
const OPENED_RECORD: &str = "opened record";

/// A handle to a record being built: fields added with `custodia_record_add_*`, sealed with `custodia_seal_record`
/// (any number of times), released with `custodia_record_free` (which wipes every value).
///
/// Opaque: `id` is a registry key, not an address; 0 is the null handle. Usable from several threads (adders take a
/// lock).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct custodia_record {
    /// Opaque registry key; 0 means none.
    pub id: u64,
}

/// A handle to a record as one reader opened it, from `custodia_open_record`: read it with
/// `custodia_opened_record_len`, `custodia_opened_record_field`, `custodia_opened_record_find` and the typed value
/// getters; release it with `custodia_opened_record_free` (which wipes every value).
///
/// Opaque: `id` is a registry key, not an address; 0 is the null handle. Immutable: usable from several threads.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct custodia_opened_record {
    /// Opaque registry key; 0 means none.
    pub id: u64,
}

/// One field of an opened record, as `custodia_opened_record_field` gives it. Its strings are owned by the opened
/// record and stay valid until `custodia_opened_record_free`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct custodia_record_field {
    /// The field's name (NUL-terminated).
    pub name: *const c_char,
    /// Its category (a `custodia_category`).
    pub category: u32,
    /// Its classification (a `custodia_classification`).
    pub classification: u32,
    /// The type of its value: `CUSTODIA_FIELD_TEXT` ... `CUSTODIA_FIELD_NESTED`.
    pub kind: u32,
    /// Its own purposes, space-separated, or NULL when the envelope's apply.
    pub purposes: *const c_char,
    /// `CUSTODIA_OK` when the value was disclosed to this reader; otherwise the refusal that withheld it
    /// (`CUSTODIA_ERR_CLEARANCE_INSUFFICIENT`, `CUSTODIA_ERR_PURPOSE_NOT_PERMITTED`, `CUSTODIA_ERR_ROLE_NOT_PERMITTED`,
    /// ...): its value cannot be read.
    pub withheld: custodia_status,
    /// 0, or for a withheld field the access policy masks for this reader, the rule (`CUSTODIA_MASK_IBAN` ...
    /// `CUSTODIA_MASK_YEAR`) whose result `custodia_opened_record_text` and `_json` then return (a text): the masked
    /// view, never the value.
    pub mask: u32,
}

/// An opened record with the C strings its fields point into.
struct Opened {
    record: OpenedRecord,
    names: Vec<CString>,
    purposes: Vec<Option<CString>>,
}

fn terms(category_code: u32, classification_code: u32, purposes: Vec<&str>) -> Result<FieldSpec> {
    let cat = category(category_code)?;
    let mut spec = FieldSpec::new(cat);
    if classification_code != CUSTODIA_CLASSIFICATION_MINIMUM {
        spec = spec.classified(classification(classification_code)?)?;
    }
    if !purposes.is_empty() {
        spec = spec.for_purposes(PurposeSet::parse(&purposes)?);
    }
    Ok(spec)
}

/// Add `value` to the builder behind `r` (validated on the builder, under its lock).
///
/// # Safety
///
/// `name` is NULL (refused) or NUL-terminated; `purposes` is NULL (only with `purpose_count` 0) or `purpose_count`
/// NUL-terminated strings; all borrowed for the call.
unsafe fn add(
    r: custodia_record,
    name: *const c_char,
    value: impl FnOnce() -> Result<FieldValue>,
    category_code: u32,
    classification_code: u32,
    purposes: *const *const c_char,
    purpose_count: usize,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (name, purposes) = unsafe { (str_arg(name, "name")?, str_array_arg(purposes, purpose_count, "purposes")?) };
        let spec = terms(category_code, classification_code, purposes)?;
        // Made before the record's lock is taken (a nested value locks the inner builder), and held wiped-on-drop
        // until `insert` takes it (which wipes it on every refusal): an earlier error drops no unwiped copy.
        let mut value = Zeroizing::new(value()?);
        let record = handles::get::<Mutex<Record>>(r.id, RECORD)?;
        // A panic inside `insert` poisons the handle (handles::Guard), so a poisoned lock is never reached again.
        let mut record = record.lock().unwrap_or_else(PoisonError::into_inner);
        record.insert(name, core::mem::replace(&mut *value, FieldValue::Integer(0)), spec)?;
        Ok(())
    })
}

/// Make an empty record builder. On success `*out_record` receives a handle owned by the caller, released with
/// `custodia_record_free`.
///
/// # Safety
///
/// `out_record` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_record_new(out_record: *mut custodia_record) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_record, "out_record") }?;
        out.write(custodia_record { id: handles::insert(Mutex::new(Record::new()))? });
        Ok(())
    })
}

/// Add the text field `name` (1 to 64 bytes: `a-z`, then `a-z`, `0-9`, `_`; not already in the record) holding the
/// `len` bytes of UTF-8 at `text`, of `category_code` (a `custodia_category`) at `classification_code` (a
/// `custodia_classification`, or `CUSTODIA_CLASSIFICATION_MINIMUM`), opened only for its own `purpose_count`
/// `purposes` (each one the envelope's purposes permit when sealed), or for the envelope's (`purpose_count` 0).
///
/// `CUSTODIA_ERR_INVALID_ARGUMENT` for a bad name, a name already present, text that is not UTF-8, or more than 1024
/// fields; `CUSTODIA_ERR_CLASSIFICATION_BELOW_MINIMUM`; `CUSTODIA_ERR_INVALID_PURPOSE` for a purpose outside the grammar.
/// A refused field leaves the record as it was.
///
/// # Safety
///
/// `name` is NULL (refused) or NUL-terminated; `text` is NULL (only with `len` 0) or `len` readable bytes (copied);
/// `purposes` is NULL (only with `purpose_count` 0) or `purpose_count` NUL-terminated strings; all borrowed for the
/// call. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_record_add_text(
    record: custodia_record,
    name: *const c_char,
    text: *const u8,
    len: usize,
    category_code: u32,
    classification_code: u32,
    purposes: *const *const c_char,
    purpose_count: usize,
) -> custodia_status {
    let value = || {
        // SAFETY: forwarded from this function's contract.
        let b = unsafe { bytes_arg(text, len, "text") }?;
        let s = core::str::from_utf8(b).map_err(|_| CoreError::InvalidArgument("text is not UTF-8".into()))?;
        Ok(FieldValue::text(s))
    };
    // SAFETY: forwarded from this function's contract.
    unsafe { add(record, name, value, category_code, classification_code, purposes, purpose_count) }
}

/// Add the integer field `name` holding `value`; otherwise as `custodia_record_add_text`.
///
/// # Safety
///
/// As `custodia_record_add_text`, without `text`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_record_add_integer(
    record: custodia_record,
    name: *const c_char,
    value: i64,
    category_code: u32,
    classification_code: u32,
    purposes: *const *const c_char,
    purpose_count: usize,
) -> custodia_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        add(
            record,
            name,
            || Ok(FieldValue::Integer(value)),
            category_code,
            classification_code,
            purposes,
            purpose_count,
        )
    }
}

/// Add the date field `name` holding `date` (`YYYY-MM-DD`, a date that exists, year 0001 to 9999;
/// `CUSTODIA_ERR_INVALID_ARGUMENT` otherwise); otherwise as `custodia_record_add_text`.
///
/// # Safety
///
/// As `custodia_record_add_text`; `date` is NULL (refused) or NUL-terminated, borrowed for the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_record_add_date(
    record: custodia_record,
    name: *const c_char,
    date: *const c_char,
    category_code: u32,
    classification_code: u32,
    purposes: *const *const c_char,
    purpose_count: usize,
) -> custodia_status {
    let value = || {
        // SAFETY: forwarded from this function's contract.
        let d = unsafe { str_arg(date, "date") }?;
        Ok(FieldValue::Date(RecordDate::parse(d)?))
    };
    // SAFETY: forwarded from this function's contract.
    unsafe { add(record, name, value, category_code, classification_code, purposes, purpose_count) }
}

/// Add the bytes field `name` holding the `len` bytes at `data`; otherwise as `custodia_record_add_text`.
///
/// # Safety
///
/// As `custodia_record_add_text`, with `data` for `text`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_record_add_bytes(
    record: custodia_record,
    name: *const c_char,
    data: *const u8,
    len: usize,
    category_code: u32,
    classification_code: u32,
    purposes: *const *const c_char,
    purpose_count: usize,
) -> custodia_status {
    let value = || {
        // SAFETY: forwarded from this function's contract.
        let b = unsafe { bytes_arg(data, len, "data") }?;
        Ok(FieldValue::Bytes(b.to_vec()))
    };
    // SAFETY: forwarded from this function's contract.
    unsafe { add(record, name, value, category_code, classification_code, purposes, purpose_count) }
}

/// Add the nested field `name` whose named values are the fields of the builder `inner` (their values only: their
/// categories, classifications and purposes are not kept; the nested value is opened or withheld with `name`, under
/// `category_code`, `classification_code` and `purposes`). `inner` is not changed (free it as usual). Nesting is at
/// most 4 deep.
///
/// # Safety
///
/// As `custodia_record_add_integer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_record_add_nested(
    record: custodia_record,
    name: *const c_char,
    inner: custodia_record,
    category_code: u32,
    classification_code: u32,
    purposes: *const *const c_char,
    purpose_count: usize,
) -> custodia_status {
    let value = || {
        let inner = handles::get::<Mutex<Record>>(inner.id, RECORD)?;
        let inner = inner.lock().unwrap_or_else(PoisonError::into_inner);
        let values: BTreeMap<FieldName, FieldValue> =
            inner.expose_values().map(|(n, v)| (n.clone(), v.clone())).collect();
        Ok(FieldValue::Nested(values))
    };
    // SAFETY: forwarded from this function's contract.
    unsafe { add(record, name, value, category_code, classification_code, purposes, purpose_count) }
}

/// Release a record builder, wiping every value it holds. The null handle is accepted.
///
/// # Safety
///
/// None beyond passing a value received from `custodia_record_new`. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_record_free(record: custodia_record) -> custodia_status {
    call(|| handles::remove::<Mutex<Record>>(record.id, RECORD))
}

/// Seal the record behind `record` as one envelope, as `actor`. `options` gives the envelope's own category and
/// classification (what every reader must be cleared for to see anything of the record; the fields add their own),
/// its purposes, recipients and the rest, as for `custodia_seal`. On success `*out_envelope` receives the envelope,
/// owned by the caller (`custodia_buffer_free`).
///
/// Refusals as `custodia_seal`; `CUSTODIA_ERR_CLEARANCE_INSUFFICIENT` when the actor is not cleared for a field;
/// `CUSTODIA_ERR_INVALID_ARGUMENT` for an empty record or a field purpose the envelope's purposes do not permit.
///
/// # Safety
///
/// `out_envelope` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_seal_record(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    record: custodia_record,
    options: custodia_seal_options,
    out_envelope: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_envelope, "out_envelope") }?;
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        let (o, tag) = seal_options(options)?;
        let record = handles::get::<Mutex<Record>>(record.id, RECORD)?;
        let record = record.lock().unwrap_or_else(PoisonError::into_inner);
        out.write(bytes_to_c(c.seal_record(&a, tag, &record, &o)?.envelope));
        Ok(())
    })
}

/// Open a record envelope (binary or armored) as `actor`, for `purpose`, optionally invoking `exception` (the null
/// handle for none), optionally requiring it be signed by `required_signer` (NULL for no requirement).
///
/// The envelope's own terms pass the policy gate first, before any key is touched: a refusal there is the call's
/// status, as for `custodia_open`. Then each field passes the gate on its own terms; a field that does not is
/// withheld (`custodia_record_field.withheld` holds the refusal), not an error. The open is recorded with the names
/// of the disclosed and withheld fields. `CUSTODIA_ERR_INVALID_ARGUMENT` for an envelope that is not a record (open
/// those with `custodia_open`; `custodia_open` refuses a record the same way).
///
/// On success `*out_record` receives a handle owned by the caller (`custodia_opened_record_free`, which wipes the
/// values); if `out_info` is not NULL it receives the envelope's metadata.
///
/// # Safety
///
/// `purpose` is NULL (refused) or NUL-terminated; `envelope` is NULL (only with `envelope_len` 0) or `envelope_len`
/// readable bytes; `required_signer` is NULL or readable; all borrowed for the call. `out_record` is NULL (refused)
/// or writable; `out_info` is NULL or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_open_record(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    purpose: *const c_char,
    exception_handle: custodia_exception_ground,
    envelope: *const u8,
    envelope_len: usize,
    required_signer: *const custodia_key_id,
    out_record: *mut custodia_opened_record,
    out_info: *mut custodia_envelope_info,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (purpose, envelope, signer, out) = unsafe {
            (
                str_arg(purpose, "purpose")?,
                bytes_arg(envelope, envelope_len, "envelope")?,
                signer_arg(required_signer)?,
                Out::new(out_record, "out_record")?,
            )
        };
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        let req = request(&a, purpose, exception_handle, signer)?;
        let opened = c.open_record(&req, envelope)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { write_info(out_info, &opened.info) }?;
        let record = opened.data;
        let names = record.fields.iter().map(|f| c_text(f.descriptor.name.as_str())).collect();
        let purposes = record
            .fields
            .iter()
            .map(|f| {
                f.descriptor
                    .purposes
                    .as_ref()
                    .map(|p| c_text(&p.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(" ")))
            })
            .collect();
        out.write(custodia_opened_record { id: handles::insert(Opened { record, names, purposes })? });
        Ok(())
    })
}

/// Names and purposes are checked ASCII: a NUL inside would be a bug, shown as an empty string.
fn c_text(s: &str) -> CString {
    CString::new(s).unwrap_or_default()
}

fn kind_code(k: FieldKind) -> u32 {
    u32::from(k.code())
}

/// How many fields an opened record has (disclosed and withheld).
///
/// # Safety
///
/// `out_len` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_opened_record_len(
    record: custodia_opened_record,
    out_len: *mut usize,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_len, "out_len") }?;
        out.write(handles::get::<Opened>(record.id, OPENED_RECORD)?.record.fields.len());
        Ok(())
    })
}

/// The field at `index` (0-based, in name order; `CUSTODIA_ERR_INVALID_ARGUMENT` past the end). Its strings are owned
/// by the opened record and stay valid until `custodia_opened_record_free`.
///
/// # Safety
///
/// `out_field` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_opened_record_field(
    record: custodia_opened_record,
    index: usize,
    out_field: *mut custodia_record_field,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_field, "out_field") }?;
        let o = handles::get::<Opened>(record.id, OPENED_RECORD)?;
        let f = field(&o, index)?;
        let d = &f.descriptor;
        // The strings live in the registry's `Arc` until the opened record is freed, as documented.
        out.write(custodia_record_field {
            name: o.names[index].as_ptr(),
            category: u32::from(d.category.code()),
            classification: u32::from(d.classification.code()),
            kind: kind_code(d.kind),
            purposes: o.purposes[index].as_ref().map_or(core::ptr::null(), |c| c.as_ptr()),
            withheld: match &f.outcome {
                FieldOutcome::Disclosed(_) => custodia_status::CUSTODIA_OK,
                FieldOutcome::Withheld { reason, .. } | FieldOutcome::Masked { reason, .. } => {
                    custodia_status::from_code(reason.code()).unwrap_or(custodia_status::CUSTODIA_ERR_INTERNAL)
                }
                _ => custodia_status::CUSTODIA_ERR_INTERNAL,
            },
            mask: match &f.outcome {
                FieldOutcome::Masked { rule, .. } => rule.code(),
                _ => 0,
            },
        });
        Ok(())
    })
}

fn field(o: &Opened, index: usize) -> Result<&custodia_core::RecordField> {
    let fields = &o.record.fields;
    Ok(fields.get(index).ok_or_else(|| {
        CoreError::InvalidArgument(format!("index {index} is past the end ({} fields)", fields.len()))
    })?)
}

/// The index of the field `name` (`CUSTODIA_ERR_INVALID_ARGUMENT` if the record has none of that name).
///
/// # Safety
///
/// `name` is NULL (refused) or NUL-terminated, borrowed for the call; `out_index` is NULL (refused) or writable. Any
/// thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_opened_record_find(
    record: custodia_opened_record,
    name: *const c_char,
    out_index: *mut usize,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (name, out) = unsafe { (str_arg(name, "name")?, Out::new(out_index, "out_index")?) };
        let o = handles::get::<Opened>(record.id, OPENED_RECORD)?;
        let i = o
            .record
            .fields
            .iter()
            .position(|f| f.descriptor.name.as_str() == name)
            .ok_or_else(|| CoreError::InvalidArgument(format!("the record has no field {name}")))?;
        out.write(i);
        Ok(())
    })
}

/// The disclosed value of the field at `index` (for a masked field, its masked text), or the refusal that withheld it
/// (the call then returns that refusal's status and its message names the field).
fn value(o: &Opened, index: usize) -> Result<&FieldValue> {
    let f = field(o, index)?;
    match &f.outcome {
        FieldOutcome::Disclosed(v) | FieldOutcome::Masked { value: v, .. } => Ok(v.expose_secret()),
        FieldOutcome::Withheld { reason, message } => Err(crate::Error::Withheld {
            kind: *reason,
            message: format!("field {} is withheld: {message}", f.descriptor.name),
        }),
        _ => Err(CoreError::Internal("unknown field outcome".into()).into()),
    }
}

fn wrong_type(f: &FieldValue, wanted: &str) -> crate::Error {
    CoreError::InvalidArgument(format!("the field is {}, not {wanted}", f.kind().as_str())).into()
}

/// The value of the text or date field at `index` as NUL-terminated UTF-8 (a date as `YYYY-MM-DD`) in
/// `*out_text`, owned by the caller (`custodia_buffer_free`, which wipes it). A withheld field returns the refusal
/// that withheld it; another type is `CUSTODIA_ERR_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `out_text` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_opened_record_text(
    record: custodia_opened_record,
    index: usize,
    out_text: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_text, "out_text") }?;
        let o = handles::get::<Opened>(record.id, OPENED_RECORD)?;
        let text = match value(&o, index)? {
            FieldValue::Text(s) => {
                let mut t = String::with_capacity(s.len() + 1);
                t.push_str(s);
                t
            }
            FieldValue::Date(d) => d.to_string(),
            other => return Err(wrong_type(other, "text or a date")),
        };
        out.write(text_to_c(text));
        Ok(())
    })
}

/// The value of the integer field at `index` in `*out_value`. A withheld field returns the refusal that withheld it;
/// another type is `CUSTODIA_ERR_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `out_value` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_opened_record_integer(
    record: custodia_opened_record,
    index: usize,
    out_value: *mut i64,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_value, "out_value") }?;
        let o = handles::get::<Opened>(record.id, OPENED_RECORD)?;
        match value(&o, index)? {
            FieldValue::Integer(i) => out.write(*i),
            other => return Err(wrong_type(other, "an integer")),
        }
        Ok(())
    })
}

/// The value of the bytes field at `index` in `*out_bytes`, owned by the caller (`custodia_buffer_free`, which wipes
/// it). A withheld field returns the refusal that withheld it; another type is `CUSTODIA_ERR_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `out_bytes` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_opened_record_bytes(
    record: custodia_opened_record,
    index: usize,
    out_bytes: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_bytes, "out_bytes") }?;
        let o = handles::get::<Opened>(record.id, OPENED_RECORD)?;
        match value(&o, index)? {
            FieldValue::Bytes(b) => out.write(bytes_to_c(b.clone())),
            other => return Err(wrong_type(other, "bytes")),
        }
        Ok(())
    })
}

/// The value of the field at `index`, whatever its type, as one JSON value in `*out_json` (NUL-terminated), owned by
/// the caller (`custodia_buffer_free`, which wipes it): `{"text": "..."}`, `{"integer": n}`, `{"date": "YYYY-MM-DD"}`,
/// `{"bytes": "<lowercase hex>"}` or `{"nested": {"<name>": <value>, ...}}` (the form of the record vectors,
/// docs/FORMAT.md section 14). A withheld field returns the refusal that withheld it.
///
/// # Safety
///
/// `out_json` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_opened_record_json(
    record: custodia_opened_record,
    index: usize,
    out_json: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_json, "out_json") }?;
        let o = handles::get::<Opened>(record.id, OPENED_RECORD)?;
        let mut text = String::new();
        value(&o, index)?.write_json(&mut text);
        out.write(text_to_c(text));
        Ok(())
    })
}

/// Release an opened record, wiping every value it holds; the strings its fields pointed to become invalid. The null
/// handle is accepted.
///
/// # Safety
///
/// None beyond passing a value received from `custodia_open_record`. Any thread, but no string from the record may
/// be used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_opened_record_free(record: custodia_opened_record) -> custodia_status {
    call(|| handles::remove::<Opened>(record.id, OPENED_RECORD))
}

/// Keyed pseudonyms of `value_count` texts in `values` within the case `case_ref` (issue 16 §2): the same value
/// (white space and case normalized) gets the same pseudonym in one case and `domain` (`person`, `iban`, ...: 1 to 64
/// bytes of `a-z`, `0-9`, `_`, `.`), unrelated ones elsewhere; the key is derived from the case's key (made if the
/// case has none), so destroying it destroys the linkability. `actor`, stating `purpose`, passes the gate for data of
/// `category_code` in the case. Recorded (`pseudonyms_derived`, count and domain, never the values).
///
/// On success `*out_pseudonyms` receives the pseudonyms, 32 lowercase hex digits each, one per line (`\n` after
/// each), in the order of `values`, owned by the caller (`custodia_buffer_free`).
///
/// # Safety
///
/// `purpose`, `case_ref` and `domain` are NULL (refused) or NUL-terminated; `values` is NULL (only with
/// `value_count` 0) or `value_count` NUL-terminated UTF-8 strings; all borrowed for the call. `out_pseudonyms` is
/// NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_pseudonymize(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    purpose: *const c_char,
    case_ref: *const c_char,
    category_code: u32,
    domain: *const c_char,
    values: *const *const c_char,
    value_count: usize,
    out_pseudonyms: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (purpose, case_ref, domain, values, out) = unsafe {
            (
                str_arg(purpose, "purpose")?,
                str_arg(case_ref, "case_ref")?,
                str_arg(domain, "domain")?,
                str_array_arg(values, value_count, "values")?,
                Out::new(out_pseudonyms, "out_pseudonyms")?,
            )
        };
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        let req = request(&a, purpose, custodia_exception_ground { id: 0 }, None)?;
        let case = custodia_core::CaseRef::parse(case_ref)?;
        let list = c.pseudonymize(&req, &case, category(category_code)?, domain, &values)?;
        let mut text = String::with_capacity(33 * list.len() + 1);
        for p in &list {
            text.push_str(p.as_str());
            text.push('\n');
        }
        out.write(text_to_c(text));
        Ok(())
    })
}

/// Which of the `candidate_count` `candidates` has the pseudonym `pseudonym` (32 hex digits) in `case_ref` and
/// `domain`: the audited way back from a pseudonym to a value the caller holds (`pseudonym_resolved`, never a value).
/// `*out_index` receives the candidate's index, or `SIZE_MAX` when none matches. Gate and errors as
/// `custodia_pseudonymize`.
///
/// # Safety
///
/// As `custodia_pseudonymize`, with `pseudonym` NUL-terminated and `candidates` for `values`; `out_index` is NULL
/// (refused) or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_resolve_pseudonym(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    purpose: *const c_char,
    case_ref: *const c_char,
    category_code: u32,
    domain: *const c_char,
    pseudonym: *const c_char,
    candidates: *const *const c_char,
    candidate_count: usize,
    out_index: *mut usize,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (purpose, case_ref, domain, pseudonym, candidates, out) = unsafe {
            (
                str_arg(purpose, "purpose")?,
                str_arg(case_ref, "case_ref")?,
                str_arg(domain, "domain")?,
                str_arg(pseudonym, "pseudonym")?,
                str_array_arg(candidates, candidate_count, "candidates")?,
                Out::new(out_index, "out_index")?,
            )
        };
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        let req = request(&a, purpose, custodia_exception_ground { id: 0 }, None)?;
        let case = custodia_core::CaseRef::parse(case_ref)?;
        let p = custodia_core::Pseudonym::parse(pseudonym)?;
        let found = c.resolve_pseudonym(&req, &case, category(category_code)?, domain, &p, &candidates)?;
        out.write(found.unwrap_or(usize::MAX));
        Ok(())
    })
}
