//! Verifiable redaction through the C API (docs/FORMAT.md section 15): `custodia_sd_jwt_issue` makes an SD-JWT of a
//! record envelope after opening it through the policy gate, `custodia_sd_jwt_present` cuts a presentation of some of
//! its fields (both audited), and `custodia_sd_jwt_verify` checks a presentation with the issuer's public key alone,
//! giving a `custodia_presentation` handle whose accessors read the claims and the disclosed fields.
//!
//! SD-JWTs and presentations hold field values: the texts returned are `custodia_buffer`s, which
//! `custodia_buffer_free` wipes; a verified presentation's values are wiped by `custodia_presentation_free`.

use core::ffi::c_char;

use base64ct::{Base64UrlUnpadded, Encoding};
use zeroize::Zeroizing;

use super::args::{Out, bytes_arg, str_arg, str_array_arg};
use super::boundary::call;
use super::buffer::{custodia_buffer, text_to_c};
use super::custodian::{custodia_custodian, custodian};
use super::handles;
use super::keyid::{custodia_key_id, key_id_arg};
use super::objects::{actor, custodia_actor, custodia_exception_ground};
use super::seal::request;
use super::status::custodia_status;
use crate::error::Result;
use custodia_core::format::VerifyingKey;
use custodia_core::sdjwt::{self, SdJwt, VerifiedPresentation};
use custodia_core::{Error as CoreError, KeyId, Purpose};

const PRESENTATION: &str = "verified presentation";

/// A handle to a verified SD-JWT presentation, from `custodia_sd_jwt_verify`: its signed claims
/// (`custodia_presentation_object_id`, `_case_ref`, `_issuer`, `_issued_at`, `_counts`) and its disclosed fields
/// (`custodia_presentation_field`), released with `custodia_presentation_free` (which wipes every value).
///
/// Opaque: `id` is a registry key, not an address; 0 is the null handle. Immutable: usable from several threads.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct custodia_presentation {
    /// Opaque registry key; 0 means none.
    pub id: u64,
}

/// Hand a secret text to C: its allocation moves into the buffer (or is copied and wiped when it has no room for
/// the NUL), so no copy is left behind.
fn secret_text_to_c(mut text: Zeroizing<String>) -> custodia_buffer {
    text_to_c(core::mem::take(&mut *text))
}

/// Issue an SD-JWT of the record envelope `envelope` (binary or armored), signed with this custodian's Ed25519 key
/// `signer_key_id` (in the keyring, or held by an outside signer added with `custodia_custodian_options_add_signer`).
///
/// The record is opened first as `custodia_open_record` does, as `actor` for `purpose`, optionally invoking
/// `exception` (the null handle for none): the envelope's gate and each field's own terms apply, and the open is
/// recorded. Only the fields the reader may open get a disclosure (a withheld or masked field is not signed); the
/// SD-JWT's field count is the record's, so a verifier counts every field it is not shown as withheld. The issue is
/// recorded (`selective_disclosure`, `sd_jwt_issue`) before it is returned.
///
/// On success `*out_text` receives the whole SD-JWT, `<jwt>~<d1>~...~<dn>~` (every disclosure: keep it secret), as
/// NUL-terminated text owned by the caller (`custodia_buffer_free`, which wipes it).
///
/// Errors as `custodia_open_record`; `CUSTODIA_ERR_KEY_NOT_FOUND`, `CUSTODIA_ERR_KEY_STATE` or
/// `CUSTODIA_ERR_INVALID_ARGUMENT` for a signer that is not a usable Ed25519 key of this custodian, or a record with
/// a field named as an SD-JWT claim (`iss`, `_sd`, ...); `CUSTODIA_ERR_AUDIT_WRITE`.
///
/// # Safety
///
/// `purpose` is NULL (refused) or NUL-terminated; `envelope` is NULL (only with `envelope_len` 0) or `envelope_len`
/// readable bytes; `signer_key_id` is NULL (refused) or readable; all borrowed for the call. `out_text` is NULL
/// (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_sd_jwt_issue(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    purpose: *const c_char,
    exception_handle: custodia_exception_ground,
    envelope: *const u8,
    envelope_len: usize,
    signer_key_id: *const custodia_key_id,
    out_text: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (purpose, envelope, signer, out) = unsafe {
            (
                str_arg(purpose, "purpose")?,
                bytes_arg(envelope, envelope_len, "envelope")?,
                key_id_arg(signer_key_id, "signer_key_id")?,
                Out::new(out_text, "out_text")?,
            )
        };
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        let req = request(&a, purpose, exception_handle, None)?;
        let sd = c.issue_sd_jwt(&req, envelope, &signer)?;
        out.write(secret_text_to_c(sd.to_text()));
        Ok(())
    })
}

/// The issuer named in an SD-JWT's JWT header (`kid`), read without checking anything: only to find the key that
/// then checks it all.
fn issuer_named(text: &str) -> Result<KeyId> {
    let malformed = || CoreError::Malformed("the text is not an SD-JWT of a custodia record".into());
    let header = text.split(['.', '~']).next().ok_or_else(malformed)?;
    if header.len() > 4096 {
        return Err(malformed().into());
    }
    let bytes = Base64UrlUnpadded::decode_vec(header).map_err(|_| malformed())?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
    let kid = json.get("kid").and_then(serde_json::Value::as_str).ok_or_else(malformed)?;
    Ok(kid.parse::<KeyId>().map_err(|_| malformed())?)
}

/// Make a presentation of the SD-JWT `sd_jwt_text` (from `custodia_sd_jwt_issue`, issued by a key of this
/// custodian) holding only the `field_count` fields `fields` (each once, each one the SD-JWT discloses), for
/// `audience` (who receives it, e.g. `FR-PNF`: 1 to 256 bytes of printable text without spaces at its ends), for
/// `purpose`. The SD-JWT is checked first with the issuer's public key (as `custodia_sd_jwt_verify` does). Recorded
/// (`selective_disclosure`, `sd_jwt_present`: which fields, to whom, for which purpose) before it is returned.
///
/// On success `*out_text` receives the presentation, `<jwt>~<d1>~...~`, as NUL-terminated text owned by the caller
/// (`custodia_buffer_free`, which wipes it).
///
/// `CUSTODIA_ERR_MALFORMED` for a text that is not an SD-JWT of this profile; `CUSTODIA_ERR_KEY_NOT_FOUND` when its
/// issuer is not a key of this custodian; `CUSTODIA_ERR_SIGNATURE_INVALID` when it does not verify;
/// `CUSTODIA_ERR_INVALID_ARGUMENT` for a field it has no disclosure for, a field named twice or a bad audience;
/// `CUSTODIA_ERR_INVALID_PURPOSE` for a purpose outside the grammar; `CUSTODIA_ERR_AUDIT_WRITE`.
///
/// # Safety
///
/// `sd_jwt_text`, `audience` and `purpose` are NULL (refused) or NUL-terminated; `fields` is NULL (only with
/// `field_count` 0) or `field_count` NUL-terminated strings; all borrowed for the call. `out_text` is NULL (refused)
/// or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_sd_jwt_present(
    custodian_handle: custodia_custodian,
    actor_handle: custodia_actor,
    sd_jwt_text: *const c_char,
    fields: *const *const c_char,
    field_count: usize,
    audience: *const c_char,
    purpose: *const c_char,
    out_text: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (text, fields, audience, purpose, out) = unsafe {
            (
                str_arg(sd_jwt_text, "sd_jwt_text")?,
                str_array_arg(fields, field_count, "fields")?,
                str_arg(audience, "audience")?,
                str_arg(purpose, "purpose")?,
                Out::new(out_text, "out_text")?,
            )
        };
        let (c, a) = (custodian(custodian_handle)?, actor(actor_handle)?);
        let purpose = Purpose::parse(purpose)?;
        let issuer: VerifyingKey = c.export_public(&issuer_named(text)?)?.parse()?;
        let sd = SdJwt::parse(text, &issuer)?;
        out.write(secret_text_to_c(c.present(&a, &sd, &fields, audience, &purpose)?));
        Ok(())
    })
}

/// Verify a presentation (or a whole SD-JWT) of custodia's profile with the issuer's public key alone, no custodian
/// needed: `issuer_public_key_text` is the text form of an Ed25519 key (as `custodia_key_export_public` gives it).
/// The JWT's header and strict Ed25519 signature are checked, then its claims, then each disclosure.
///
/// On success `*out_presentation` receives a handle owned by the caller (`custodia_presentation_free`, which wipes
/// the values).
///
/// `CUSTODIA_ERR_INVALID_KEY_TEXT` for a key text that is not an Ed25519 public key; `CUSTODIA_ERR_LIMIT_EXCEEDED`
/// for a text over 64 MiB or with more disclosures than a record has fields; `CUSTODIA_ERR_MALFORMED` for a text
/// that is not of the profile (a bad JWT, header or claims, a key binding JWT, a disclosure that is not
/// `[salt, name, value]`, the same disclosure or name twice); `CUSTODIA_ERR_SIGNATURE_INVALID` for a signature that
/// does not verify under the key, a JWT of another issuer, or a disclosure whose digest the issuer did not sign
/// (altered, from another record).
///
/// # Safety
///
/// `presentation_text` and `issuer_public_key_text` are NULL (refused) or NUL-terminated, borrowed for the call;
/// `out_presentation` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_sd_jwt_verify(
    presentation_text: *const c_char,
    issuer_public_key_text: *const c_char,
    out_presentation: *mut custodia_presentation,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (text, key, out) = unsafe {
            (
                str_arg(presentation_text, "presentation_text")?,
                str_arg(issuer_public_key_text, "issuer_public_key_text")?,
                Out::new(out_presentation, "out_presentation")?,
            )
        };
        let issuer: VerifyingKey = key.parse()?;
        let verified = sdjwt::verify_presentation(text, &issuer)?;
        out.write(custodia_presentation { id: handles::insert(verified)? });
        Ok(())
    })
}

/// The object id of the record's envelope (32 lowercase hex digits), NUL-terminated in `*out_text`, owned by the
/// caller (`custodia_buffer_free`).
///
/// # Safety
///
/// `out_text` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_presentation_object_id(
    presentation: custodia_presentation,
    out_text: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_text, "out_text") }?;
        let p = handles::get::<VerifiedPresentation>(presentation.id, PRESENTATION)?;
        out.write(text_to_c(p.claims.object_id.clone()));
        Ok(())
    })
}

/// The case reference the envelope was sealed for, NUL-terminated in `*out_text`, owned by the caller
/// (`custodia_buffer_free`); empty text when it has none.
///
/// # Safety
///
/// `out_text` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_presentation_case_ref(
    presentation: custodia_presentation,
    out_text: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_text, "out_text") }?;
        let p = handles::get::<VerifiedPresentation>(presentation.id, PRESENTATION)?;
        out.write(text_to_c(p.claims.case_ref.as_ref().map(|c| c.as_str().to_owned()).unwrap_or_default()));
        Ok(())
    })
}

/// The id of the key that signed it (the issuer) in `*out_key_id`.
///
/// # Safety
///
/// `out_key_id` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_presentation_issuer(
    presentation: custodia_presentation,
    out_key_id: *mut custodia_key_id,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_key_id, "out_key_id") }?;
        let p = handles::get::<VerifiedPresentation>(presentation.id, PRESENTATION)?;
        out.write(custodia_key_id::from(p.claims.issuer));
        Ok(())
    })
}

/// When it was issued (seconds since the Unix epoch) in `*out_unix`.
///
/// # Safety
///
/// `out_unix` is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_presentation_issued_at(
    presentation: custodia_presentation,
    out_unix: *mut u64,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out_unix, "out_unix") }?;
        let p = handles::get::<VerifiedPresentation>(presentation.id, PRESENTATION)?;
        out.write(p.claims.issued_at.as_unix());
        Ok(())
    })
}

/// How many fields the record has (`*out_field_count`), how many of them the presentation does not show
/// (`*out_withheld_count`: never which) and how many it discloses (`*out_disclosed_count`, the indexes of
/// `custodia_presentation_field`); the withheld and disclosed counts add up to the field count.
///
/// # Safety
///
/// Each output is NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_presentation_counts(
    presentation: custodia_presentation,
    out_field_count: *mut usize,
    out_withheld_count: *mut usize,
    out_disclosed_count: *mut usize,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (fields, withheld, disclosed) = unsafe {
            (
                Out::new(out_field_count, "out_field_count")?,
                Out::new(out_withheld_count, "out_withheld_count")?,
                Out::new(out_disclosed_count, "out_disclosed_count")?,
            )
        };
        let p = handles::get::<VerifiedPresentation>(presentation.id, PRESENTATION)?;
        fields.write(p.claims.field_count);
        withheld.write(p.withheld);
        disclosed.write(p.disclosed.len());
        Ok(())
    })
}

/// The disclosed field at `index` (0-based, in name order; `CUSTODIA_ERR_INVALID_ARGUMENT` past the end): its name
/// in `*out_name` and its value as one JSON value in `*out_json` (`{"text": "..."}`, `{"integer": n}`,
/// `{"date": "YYYY-MM-DD"}`, `{"bytes": "<lowercase hex>"}` or `{"nested": {...}}`, as `custodia_opened_record_json`),
/// both NUL-terminated and owned by the caller (`custodia_buffer_free`, which wipes them). Nothing is written unless
/// both are.
///
/// # Safety
///
/// `out_name` and `out_json` are NULL (refused) or writable. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_presentation_field(
    presentation: custodia_presentation,
    index: usize,
    out_name: *mut custodia_buffer,
    out_json: *mut custodia_buffer,
) -> custodia_status {
    call(|| {
        // SAFETY: forwarded from this function's contract.
        let (name_out, json_out) = unsafe { (Out::new(out_name, "out_name")?, Out::new(out_json, "out_json")?) };
        let p = handles::get::<VerifiedPresentation>(presentation.id, PRESENTATION)?;
        let f = p.disclosed.get(index).ok_or_else(|| {
            CoreError::InvalidArgument(format!(
                "index {index} is past the end ({} disclosed fields)",
                p.disclosed.len()
            ))
        })?;
        let mut json = Zeroizing::new(String::new());
        f.value.write_json(&mut json);
        name_out.write(text_to_c(f.name.as_str().to_owned()));
        json_out.write(secret_text_to_c(json));
        Ok(())
    })
}

/// Release a verified presentation, wiping every value it holds. The null handle is accepted.
///
/// # Safety
///
/// None beyond passing a value received from `custodia_sd_jwt_verify`. Any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_presentation_free(presentation: custodia_presentation) -> custodia_status {
    call(|| handles::remove::<VerifiedPresentation>(presentation.id, PRESENTATION))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issuer_is_read_from_the_header_and_junk_is_malformed() {
        let header = Base64UrlUnpadded::encode_string(br#"{"alg":"EdDSA","kid":"00112233445566778899aabbccddeeff"}"#);
        let id = issuer_named(&format!("{header}.e30.c2ln~")).expect("kid");
        assert_eq!(id.to_string(), "00112233445566778899aabbccddeeff");
        for junk in ["", "~", "!!!.x.y~", "e30.e30.e30~", &"A".repeat(5000)] {
            let e = issuer_named(junk).expect_err("junk");
            assert_eq!(e.code(), custodia_status::CUSTODIA_ERR_MALFORMED as u32, "{junk:.20}");
        }
    }

    #[test]
    fn verify_refuses_junk_and_accessors_refuse_a_null_handle() {
        let mut p = custodia_presentation { id: 0 };
        let mut n = 0_usize;
        // SAFETY: valid pointers and NUL-terminated literals throughout.
        unsafe {
            assert_eq!(
                custodia_sd_jwt_verify(c"x.y.z~".as_ptr(), c"not a key".as_ptr(), &raw mut p),
                custodia_status::CUSTODIA_ERR_INVALID_KEY_TEXT
            );
            assert_eq!(p.id, 0);
            assert_eq!(
                custodia_presentation_counts(p, &raw mut n, &raw mut n, &raw mut n),
                custodia_status::CUSTODIA_ERR_INVALID_HANDLE
            );
            assert_eq!(custodia_presentation_free(p), custodia_status::CUSTODIA_OK);
        }
    }
}
