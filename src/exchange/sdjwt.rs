//! Verifiable redaction of records: custodia's profile of SD-JWT (RFC 9901), specified in docs/FORMAT.md section 15.
//!
//! The originator signs a record as salted per-field commitments: an issuer-signed JWT (JWS compact, `EdDSA` with
//! Ed25519) whose `_sd` array holds the SHA-256 digest of one disclosure `[salt, name, value]` per field, plus
//! decoys. A holder passes on the JWT with only the disclosures it chooses (a presentation, `<jwt>~<d1>~...~`); any
//! third party checks it with the issuer's public key alone ([`verify_presentation`]) and learns the disclosed fields
//! and how many were withheld, never which.
//!
//! This module knows the encoding, the signature and the checks. It never decides who may see a field (the
//! custodian opens the record through the policy gate before issuing) and never touches a data key. Disclosures hold
//! field values, so everything here that holds one is wiped on drop and prints no content.

use core::fmt;
use std::collections::BTreeSet;

use base64ct::{Base64UrlUnpadded, Encoding};
use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};
use crate::format::{FieldName, FieldValue, MAX_FIELD_NAME_LEN, MAX_NESTING, MAX_RECORD_FIELDS, OBJECT_ID_LEN};
use crate::keys::{SigningKey, VerifyingKey};
use crate::vocabulary::time::Timestamp;
use crate::vocabulary::{CaseRef, KeyId};

/// The JWT header's `typ` of an SD-JWT of a custodia record.
pub const SD_JWT_TYP: &str = "custodia-record+sd-jwt";
/// The only `_sd_alg` of the profile.
pub const SD_ALG: &str = "sha-256";
/// The JWS algorithm of the issuer's signature (Ed25519).
pub const SD_JWT_ALG: &str = "EdDSA";
/// Bytes of randomness in each salt (128 bits); the salt is their base64url encoding (22 characters).
pub const SALT_LEN: usize = 16;
/// Longest SD-JWT or presentation accepted, in bytes.
pub const MAX_PRESENTATION_LEN: usize = 64 * 1024 * 1024;
/// Most disclosures in one SD-JWT (one per field of a record).
pub const MAX_DISCLOSURES: usize = MAX_RECORD_FIELDS;
/// Most decoy digests an issuer adds: the count is `4 - fields % 4`, so `_sd` holds a multiple of four digests.
pub const MAX_DECOYS: usize = 4;

/// Longest audience a custodian records when presenting (`Custodian::present`: who receives it), in bytes.
pub const MAX_AUDIENCE_LEN: usize = 256;

/// Claim: the object id (32 lowercase hex digits) of the record's envelope.
pub const CLAIM_OBJECT_ID: &str = "custodia_object_id";
/// Claim: the case reference the envelope was sealed for, when it has one.
pub const CLAIM_CASE_REF: &str = "custodia_case_ref";
/// Claim: how many fields the record has (disclosed, withheld by the holder or not opened by the issuer).
pub const CLAIM_FIELD_COUNT: &str = "custodia_field_count";

/// Names no disclosure may carry: the SD-JWT reserved names, the registered JWT claims and the profile's own.
pub const RESERVED_NAMES: [&str; 15] = [
    "_sd",
    "...",
    "_sd_alg",
    "iss",
    "iat",
    "nbf",
    "exp",
    "sub",
    "aud",
    "jti",
    "cnf",
    "status",
    CLAIM_OBJECT_ID,
    CLAIM_CASE_REF,
    CLAIM_FIELD_COUNT,
];

/// What the issuer signs besides the digests.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Claims {
    /// The object id of the record's envelope, 32 lowercase hex digits (`custodia_object_id`).
    pub object_id: String,
    /// The case reference, if the envelope has one (`custodia_case_ref`).
    pub case_ref: Option<CaseRef>,
    /// The issuer: the id of the Ed25519 key that signs (`iss`; also the header's `kid`).
    pub issuer: KeyId,
    /// When it was issued (`iat`, seconds since the Unix epoch).
    pub issued_at: Timestamp,
    /// How many fields the record has (`custodia_field_count`).
    pub field_count: usize,
}

impl Claims {
    /// Claims for the record of envelope `object_id` (lowercase hex), issued by `issuer` at `issued_at`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an object id that is not 32 lowercase hex digits, or a field count above
    /// [`MAX_DISCLOSURES`].
    pub fn new(
        object_id: &str,
        case_ref: Option<CaseRef>,
        issuer: KeyId,
        issued_at: Timestamp,
        field_count: usize,
    ) -> Result<Self> {
        if !is_object_id(object_id) {
            return Err(Error::InvalidArgument(format!("an object id is {} lowercase hex digits", OBJECT_ID_LEN * 2)));
        }
        if field_count > MAX_DISCLOSURES {
            return Err(Error::InvalidArgument(format!("a record has at most {MAX_DISCLOSURES} fields")));
        }
        Ok(Self { object_id: object_id.to_owned(), case_ref, issuer, issued_at, field_count })
    }
}

/// Secret: one disclosure, `base64url([salt, name, value])`, and the name it discloses; wiped on drop, never printed.
pub struct Disclosure {
    name: FieldName,
    encoded: Zeroizing<String>,
}

impl Disclosure {
    /// The field it discloses.
    #[must_use]
    pub fn name(&self) -> &FieldName {
        &self.name
    }

    /// The base64url text, as it travels between `~`. It holds the field's value: the caller keeps it secret.
    #[must_use]
    pub fn expose_encoded(&self) -> &str {
        &self.encoded
    }

    /// Its digest: `base64url(SHA-256(encoded))`.
    #[must_use]
    pub fn digest(&self) -> String {
        digest_of(&self.encoded)
    }
}

impl fmt::Debug for Disclosure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Disclosure({}, [REDACTED])", self.name)
    }
}

/// Secret: an issued SD-JWT with all its disclosures, as the holder keeps it; wiped on drop, never printed.
///
/// [`SdJwt::present`] makes a presentation of some of its fields; [`SdJwt::to_text`] is the whole of it
/// (`<jwt>~<d1>~...~<dn>~`), which [`SdJwt::parse`] reads back.
pub struct SdJwt {
    jwt: String,
    claims: Claims,
    disclosures: Vec<Disclosure>,
}

impl SdJwt {
    /// The issuer-signed JWT (holds only digests and claims: no value).
    #[must_use]
    pub fn jwt(&self) -> &str {
        &self.jwt
    }

    /// The signed claims.
    #[must_use]
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The disclosures, in field name order.
    #[must_use]
    pub fn disclosures(&self) -> &[Disclosure] {
        &self.disclosures
    }

    /// The names of the fields it can disclose, in order.
    #[must_use]
    pub fn field_names(&self) -> Vec<&str> {
        self.disclosures.iter().map(|d| d.name.as_str()).collect()
    }

    /// The whole SD-JWT, every disclosure included: `<jwt>~<d1>~...~<dn>~`. It holds every value: keep it secret.
    #[must_use]
    pub fn to_text(&self) -> Zeroizing<String> {
        join(&self.jwt, self.disclosures.iter())
    }

    /// A presentation of the fields `names` (each once, each one this SD-JWT discloses): the JWT and their
    /// disclosures, in field name order, `<jwt>~<d1>~...~` (no key binding JWT). It holds the chosen values.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a name this SD-JWT has no disclosure for, or a name given twice.
    pub fn present(&self, names: &[&str]) -> Result<Zeroizing<String>> {
        let mut chosen = BTreeSet::new();
        for n in names {
            if !self.disclosures.iter().any(|d| d.name.as_str() == *n) {
                return Err(Error::InvalidArgument(format!("the SD-JWT has no disclosure for field {n:?}")));
            }
            if !chosen.insert(*n) {
                return Err(Error::InvalidArgument(format!("field {n} is named twice")));
            }
        }
        Ok(join(&self.jwt, self.disclosures.iter().filter(|d| chosen.contains(d.name.as_str()))))
    }

    /// Read an SD-JWT or presentation of this profile and check it as [`verify_presentation`] does, keeping the
    /// disclosures (what a holder does with one it received).
    ///
    /// # Errors
    /// As [`verify_presentation`].
    pub fn parse(text: &str, issuer: &VerifyingKey) -> Result<Self> {
        let (checked, disclosures) = check(text, issuer)?;
        for d in &disclosures {
            drop(decode_value(d)?);
        }
        Ok(Self { jwt: checked.jwt, claims: checked.claims, disclosures })
    }
}

impl fmt::Debug for SdJwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SdJwt").field("claims", &self.claims).field("disclosures", &self.field_names()).finish()
    }
}

/// One disclosed field of a verified presentation. Its value is wiped on drop and redacted in `Debug`.
#[derive(Debug)]
#[non_exhaustive]
pub struct DisclosedField {
    /// The field's name.
    pub name: FieldName,
    /// Its value.
    pub value: Zeroizing<FieldValue>,
}

/// What a verified presentation shows: the issuer's claims, the disclosed fields and how many were withheld.
#[derive(Debug)]
#[non_exhaustive]
pub struct VerifiedPresentation {
    /// The signed claims (object id, case, issuer, issued at, field count).
    pub claims: Claims,
    /// The disclosed fields, in name order.
    pub disclosed: Vec<DisclosedField>,
    /// How many of the record's fields the presentation does not show.
    pub withheld: usize,
}

impl VerifiedPresentation {
    /// The value of the disclosed field `name`.
    #[must_use]
    pub fn value(&self, name: &str) -> Option<&FieldValue> {
        self.disclosed.iter().find(|d| d.name.as_str() == name).map(|d| &*d.value)
    }

    /// The names of the disclosed fields, in order.
    #[must_use]
    pub fn names(&self) -> Vec<&str> {
        self.disclosed.iter().map(|d| d.name.as_str()).collect()
    }
}

/// Issue an SD-JWT of `fields` under `claims`, signed by `key`, with salts and decoys from the OS RNG.
///
/// # Errors
/// As [`issue_with_rng`]; [`Error::Rng`] when the OS RNG fails.
pub fn issue(key: &SigningKey, claims: &Claims, fields: &[(&FieldName, &FieldValue)]) -> Result<SdJwt> {
    let mut rng = crate::primitives::rng::OsRng::new();
    let out = issue_with_rng(key, claims, fields, &mut rng)?;
    // A failed draw leaves zeros: nothing drawn from it leaves this function.
    rng.check()?;
    Ok(out)
}

/// Issue an SD-JWT with salts and decoys drawn from `rng` (deterministic for test vectors: Ed25519 is).
///
/// # Errors
/// [`Error::InvalidArgument`] when `claims.issuer` is not `key`'s id, for more fields than `claims.field_count` or
/// [`MAX_DISCLOSURES`], a field named twice or a reserved name ([`RESERVED_NAMES`]), or a value nested deeper than
/// [`MAX_NESTING`]; as [`crate::Signer::sign`] for a key held outside the process.
pub fn issue_with_rng<R: CryptoRng>(
    key: &SigningKey,
    claims: &Claims,
    fields: &[(&FieldName, &FieldValue)],
    rng: &mut R,
) -> Result<SdJwt> {
    if claims.issuer != key.id() {
        return Err(Error::InvalidArgument(format!(
            "the claims name issuer {}, the key is {}",
            claims.issuer,
            key.id()
        )));
    }
    if fields.len() > claims.field_count {
        return Err(Error::InvalidArgument(format!(
            "{} fields to disclose, but the record has {}",
            fields.len(),
            claims.field_count
        )));
    }
    let mut sorted: Vec<&(&FieldName, &FieldValue)> = fields.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut disclosures = Vec::with_capacity(sorted.len());
    let mut digests = Vec::with_capacity(sorted.len() + MAX_DECOYS);
    for (i, (name, value)) in sorted.iter().enumerate() {
        if i > 0 && sorted[i - 1].0 == *name {
            return Err(Error::InvalidArgument(format!("field {name} is given twice")));
        }
        if RESERVED_NAMES.contains(&name.as_str()) {
            return Err(Error::InvalidArgument(format!("field name {name} is reserved in an SD-JWT")));
        }
        let d = disclose(name, value, rng);
        digests.push(d.digest());
        disclosures.push(d);
    }
    for _ in 0..decoy_count(sorted.len()) {
        let mut salt = [0u8; SALT_LEN];
        rng.fill_bytes(&mut salt);
        digests.push(digest_of(&Base64UrlUnpadded::encode_string(&salt)));
    }
    digests.sort_unstable();
    let header = serde_json::to_string(&JwtHeader { alg: SD_JWT_ALG, typ: SD_JWT_TYP, kid: claims.issuer.to_string() })
        .map_err(|e| Error::Internal(format!("SD-JWT header: {e}")))?;
    let payload = serde_json::to_string(&JwtPayload {
        sd: &digests,
        sd_alg: SD_ALG,
        iss: claims.issuer.to_string(),
        iat: claims.issued_at.as_unix(),
        object_id: &claims.object_id,
        case_ref: claims.case_ref.as_ref().map(CaseRef::as_str),
        field_count: claims.field_count,
    })
    .map_err(|e| Error::Internal(format!("SD-JWT payload: {e}")))?;
    let mut jwt = String::with_capacity(header.len() * 2 + payload.len() * 2 + 90);
    jwt.push_str(&Base64UrlUnpadded::encode_string(header.as_bytes()));
    jwt.push('.');
    jwt.push_str(&Base64UrlUnpadded::encode_string(payload.as_bytes()));
    let sig = key.sign(jwt.as_bytes())?;
    jwt.push('.');
    jwt.push_str(&Base64UrlUnpadded::encode_string(&sig));
    Ok(SdJwt { jwt, claims: claims.clone(), disclosures })
}

/// Verify a presentation (or a whole SD-JWT) of this profile with the issuer's public key alone (docs/FORMAT.md
/// section 15.4): the JWT's header and strict Ed25519 signature, its claims, then each disclosure in turn. Returns
/// the disclosed fields and how many of the record's fields it withholds.
///
/// # Errors
/// Checked in this order, the first failure returned: [`Error::LimitExceeded`] for a text over
/// [`MAX_PRESENTATION_LEN`] or with more than [`MAX_DISCLOSURES`] disclosures; [`Error::Malformed`] for a JWT that
/// is not three base64url parts, a header that is not `{"alg":"EdDSA","typ":"custodia-record+sd-jwt",...}`, a
/// key binding JWT (not supported); [`Error::SignatureInvalid`] for a signature that does not verify under `issuer`
/// (strict RFC 8032); [`Error::Malformed`] for missing or ill-typed claims, an `iss` that is not `issuer`'s id,
/// a `_sd_alg` other than `sha-256`; then for each disclosure: [`Error::Malformed`] for one that is not base64url of
/// a JSON array `[salt, name, value]` of the profile, a reserved or ill-formed name, a value outside the encoding,
/// the same disclosure twice, or a name disclosed twice; [`Error::SignatureInvalid`] for one whose digest is not in
/// the signed `_sd` (altered, another salt, from another record: the signature does not cover it).
pub fn verify_presentation(text: &str, issuer: &VerifyingKey) -> Result<VerifiedPresentation> {
    let (checked, disclosures) = check(text, issuer)?;
    let withheld = checked.claims.field_count - disclosures.len();
    let disclosed = disclosures
        .into_iter()
        .map(|d| {
            let value = decode_value(&d)?;
            Ok(DisclosedField { name: d.name.clone(), value })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(VerifiedPresentation { claims: checked.claims, disclosed, withheld })
}

// ---- encoding ---------------------------------------------------------------------------------------------------

#[derive(serde::Serialize)]
struct JwtHeader<'a> {
    alg: &'a str,
    typ: &'a str,
    kid: String,
}

#[derive(serde::Serialize)]
struct JwtPayload<'a> {
    #[serde(rename = "_sd")]
    sd: &'a [String],
    #[serde(rename = "_sd_alg")]
    sd_alg: &'a str,
    iss: String,
    iat: u64,
    #[serde(rename = "custodia_object_id")]
    object_id: &'a str,
    #[serde(rename = "custodia_case_ref", skip_serializing_if = "Option::is_none")]
    case_ref: Option<&'a str>,
    #[serde(rename = "custodia_field_count")]
    field_count: usize,
}

fn decoy_count(fields: usize) -> usize {
    MAX_DECOYS - fields % MAX_DECOYS
}

fn digest_of(encoded: &str) -> String {
    Base64UrlUnpadded::encode_string(&Sha256::digest(encoded.as_bytes()))
}

/// `base64url(["<salt>","<name>",<value>])`, built in pre-sized zeroizing buffers.
fn disclose<R: CryptoRng>(name: &FieldName, value: &FieldValue, rng: &mut R) -> Disclosure {
    let mut salt = [0u8; SALT_LEN];
    rng.fill_bytes(&mut salt);
    let salt_text = Base64UrlUnpadded::encode_string(&salt);
    salt.zeroize();
    let mut value_json = Zeroizing::new(String::with_capacity(json_len_hint(value)));
    value.write_json(&mut value_json);
    let mut json = Zeroizing::new(String::with_capacity(salt_text.len() + name.as_str().len() + value_json.len() + 8));
    json.push_str("[\"");
    json.push_str(&salt_text);
    json.push_str("\",\"");
    json.push_str(name.as_str());
    json.push_str("\",");
    json.push_str(&value_json);
    json.push(']');
    let mut encoded = Zeroizing::new(String::with_capacity(Base64UrlUnpadded::encoded_len(json.as_bytes())));
    let mut buf = Zeroizing::new(vec![0u8; Base64UrlUnpadded::encoded_len(json.as_bytes())]);
    let text = Base64UrlUnpadded::encode(json.as_bytes(), &mut buf).expect("buffer sized by encoded_len");
    encoded.push_str(text);
    Disclosure { name: name.clone(), encoded }
}

/// An upper bound on the JSON text of `value` (escapes at most 6 bytes per byte), so its buffer never grows.
fn json_len_hint(value: &FieldValue) -> usize {
    match value {
        FieldValue::Text(s) => 12 + 6 * s.len(),
        FieldValue::Integer(_) => 40,
        FieldValue::Date(_) => 24,
        FieldValue::Bytes(b) => 14 + 2 * b.len(),
        FieldValue::Nested(m) => 14 + m.iter().map(|(k, v)| 4 + k.as_str().len() + json_len_hint(v)).sum::<usize>(),
    }
}

fn join<'a>(jwt: &str, disclosures: impl Iterator<Item = &'a Disclosure>) -> Zeroizing<String> {
    let ds: Vec<&Disclosure> = disclosures.collect();
    let mut out =
        Zeroizing::new(String::with_capacity(jwt.len() + 1 + ds.iter().map(|d| d.encoded.len() + 1).sum::<usize>()));
    out.push_str(jwt);
    out.push('~');
    for d in ds {
        out.push_str(&d.encoded);
        out.push('~');
    }
    out
}

// ---- verification -----------------------------------------------------------------------------------------------

struct Checked {
    jwt: String,
    claims: Claims,
}

fn malformed(why: impl Into<String>) -> Error {
    Error::Malformed(format!("SD-JWT: {}", why.into()))
}

fn decode_b64(part: &str, what: &str) -> Result<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(part).map_err(|_| malformed(format!("{what} is not canonical unpadded base64url")))
}

fn check(text: &str, issuer: &VerifyingKey) -> Result<(Checked, Vec<Disclosure>)> {
    if text.len() > MAX_PRESENTATION_LEN {
        return Err(Error::LimitExceeded {
            what: "SD-JWT length",
            value: text.len() as u64,
            max: MAX_PRESENTATION_LEN as u64,
        });
    }
    let mut parts: Vec<&str> = text.split('~').collect();
    if parts.len() < 2 {
        return Err(malformed("no '~' after the JWT"));
    }
    if parts.len() - 2 > MAX_DISCLOSURES {
        return Err(Error::LimitExceeded {
            what: "SD-JWT disclosures",
            value: (parts.len() - 2) as u64,
            max: MAX_DISCLOSURES as u64,
        });
    }
    if parts.pop().is_some_and(|kb| !kb.is_empty()) {
        return Err(malformed("key binding JWTs are not supported (the text must end with '~')"));
    }
    let jwt = parts[0];
    let segs: Vec<&str> = jwt.split('.').collect();
    let [h, p, s] = segs[..] else {
        return Err(malformed("the JWT is not three base64url parts"));
    };
    let header: serde_json::Value = serde_json::from_slice(&decode_b64(h, "the JWT header")?)
        .map_err(|_| malformed("the JWT header is not JSON"))?;
    let header = header.as_object().ok_or_else(|| malformed("the JWT header is not a JSON object"))?;
    if header.get("alg").and_then(|v| v.as_str()) != Some(SD_JWT_ALG) {
        return Err(malformed("the JWT header's alg is not EdDSA"));
    }
    if header.get("typ").and_then(|v| v.as_str()) != Some(SD_JWT_TYP) {
        return Err(malformed(format!("the JWT header's typ is not {SD_JWT_TYP}")));
    }
    if header.contains_key("crit") {
        return Err(malformed("the JWT header has crit parameters"));
    }
    let sig: [u8; 64] =
        decode_b64(s, "the JWT signature")?.try_into().map_err(|_| malformed("the JWT signature is not 64 bytes"))?;
    issuer.verify(&jwt.as_bytes()[..h.len() + 1 + p.len()], &sig)?;

    let payload: serde_json::Value = serde_json::from_slice(&decode_b64(p, "the JWT payload")?)
        .map_err(|_| malformed("the JWT payload is not JSON"))?;
    let payload = payload.as_object().ok_or_else(|| malformed("the JWT payload is not a JSON object"))?;
    let str_claim = |name: &str| -> Result<&str> {
        payload.get(name).and_then(|v| v.as_str()).ok_or_else(|| malformed(format!("claim {name} is not a string")))
    };
    let int_claim = |name: &str| -> Result<u64> {
        payload.get(name).and_then(|v| v.as_u64()).ok_or_else(|| malformed(format!("claim {name} is not an integer")))
    };
    if str_claim("_sd_alg")? != SD_ALG {
        return Err(malformed("_sd_alg is not sha-256"));
    }
    if str_claim("iss")? != issuer.id().to_string() {
        return Err(malformed("iss is not the id of the issuer's key"));
    }
    let object_id = str_claim(CLAIM_OBJECT_ID)?;
    if !is_object_id(object_id) {
        return Err(malformed(format!("{CLAIM_OBJECT_ID} is not 32 lowercase hex digits")));
    }
    let case_ref = match payload.get(CLAIM_CASE_REF) {
        None => None,
        Some(v) => Some(
            CaseRef::parse(v.as_str().ok_or_else(|| malformed(format!("{CLAIM_CASE_REF} is not a string")))?)
                .map_err(|_| malformed(format!("{CLAIM_CASE_REF} is not a case reference")))?,
        ),
    };
    let iat = Timestamp::from_unix(int_claim("iat")?);
    let field_count = usize::try_from(int_claim(CLAIM_FIELD_COUNT)?)
        .ok()
        .filter(|n| *n <= MAX_DISCLOSURES)
        .ok_or_else(|| malformed(format!("{CLAIM_FIELD_COUNT} is above {MAX_DISCLOSURES}")))?;
    let sd = payload.get("_sd").and_then(|v| v.as_array()).ok_or_else(|| malformed("_sd is not an array"))?;
    let mut committed = BTreeSet::new();
    for d in sd {
        let d = d.as_str().filter(|d| d.len() == 43).ok_or_else(|| malformed("an _sd entry is not a digest"))?;
        if !committed.insert(d) {
            return Err(malformed("_sd holds a digest twice"));
        }
    }

    let mut seen_digests = BTreeSet::new();
    let mut seen_names = BTreeSet::new();
    let mut disclosures = Vec::with_capacity(parts.len() - 1);
    for encoded in &parts[1..] {
        let name = disclosure_name(encoded)?;
        let digest = digest_of(encoded);
        if !seen_digests.insert(digest.clone()) {
            return Err(malformed("the same disclosure is presented twice"));
        }
        if !committed.contains(digest.as_str()) {
            return Err(Error::SignatureInvalid);
        }
        if payload.contains_key(name.as_str()) {
            return Err(malformed(format!("disclosure of {name}, a claim of the JWT")));
        }
        if !seen_names.insert(name.clone()) {
            return Err(malformed(format!("field {name} is disclosed twice")));
        }
        disclosures.push(Disclosure { name, encoded: Zeroizing::new((*encoded).to_owned()) });
    }
    if disclosures.len() > field_count {
        return Err(malformed(format!("more disclosures than {CLAIM_FIELD_COUNT}")));
    }
    disclosures.sort_by(|a, b| a.name.cmp(&b.name));
    let claims = Claims { object_id: object_id.to_owned(), case_ref, issuer: issuer.id(), issued_at: iat, field_count };
    Ok((Checked { jwt: jwt.to_owned(), claims }, disclosures))
}

/// A disclosure's JSON array, its values wiped when dropped.
struct DisclosureJson(serde_json::Value);

impl Drop for DisclosureJson {
    fn drop(&mut self) {
        wipe_json(&mut self.0);
    }
}

fn wipe_json(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => s.zeroize(),
        serde_json::Value::Array(a) => a.iter_mut().for_each(wipe_json),
        serde_json::Value::Object(m) => m.values_mut().for_each(wipe_json),
        _ => {}
    }
}

/// Decode one disclosure: `[salt, name, value]`, salt a string, name in the field-name grammar and not reserved.
fn parse_disclosure(encoded: &str) -> Result<DisclosureJson> {
    let bytes = Zeroizing::new(decode_b64(encoded, "a disclosure")?);
    let json = DisclosureJson(serde_json::from_slice(&bytes).map_err(|_| malformed("a disclosure is not JSON"))?);
    match json.0.as_array().map(Vec::as_slice) {
        Some([serde_json::Value::String(_), serde_json::Value::String(_), _]) => Ok(json),
        Some([_, _]) => Err(malformed("a disclosure of an array element (two items) is not part of the profile")),
        _ => Err(malformed("a disclosure is not an array [salt, name, value]")),
    }
}

fn disclosure_name(encoded: &str) -> Result<FieldName> {
    let json = parse_disclosure(encoded)?;
    let name = json.0[1].as_str().unwrap_or_default();
    if RESERVED_NAMES.contains(&name) {
        return Err(malformed(format!("disclosure of the reserved name {name}")));
    }
    FieldName::parse(name).map_err(|_| malformed("a disclosed name is not a field name"))
}

fn decode_value(d: &Disclosure) -> Result<Zeroizing<FieldValue>> {
    let json = parse_disclosure(&d.encoded)?;
    Ok(Zeroizing::new(value_from_json(&json.0[2], 0)?))
}

/// The value encoding of docs/FORMAT.md section 14 (`FieldValue::write_json`): one key, its type.
fn value_from_json(v: &serde_json::Value, depth: usize) -> Result<FieldValue> {
    let bad = || malformed("a disclosed value is not in the record value encoding");
    let obj = v.as_object().filter(|o| o.len() == 1).ok_or_else(bad)?;
    let (kind, inner) = obj.iter().next().ok_or_else(bad)?;
    Ok(match kind.as_str() {
        "text" => FieldValue::Text(inner.as_str().ok_or_else(bad)?.to_owned()),
        "integer" => FieldValue::Integer(inner.as_i64().ok_or_else(bad)?),
        "date" => {
            FieldValue::Date(crate::format::RecordDate::parse(inner.as_str().ok_or_else(bad)?).map_err(|_| bad())?)
        }
        "bytes" => {
            let h = inner.as_str().ok_or_else(bad)?;
            if !h.len().is_multiple_of(2) || !h.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)) {
                return Err(bad());
            }
            let mut out = Vec::with_capacity(h.len() / 2);
            for i in (0..h.len()).step_by(2) {
                out.push(u8::from_str_radix(h.get(i..i + 2).ok_or_else(bad)?, 16).map_err(|_| bad())?);
            }
            FieldValue::Bytes(out)
        }
        "nested" if depth < MAX_NESTING => {
            let m = inner.as_object().ok_or_else(bad)?;
            let mut out = std::collections::BTreeMap::new();
            for (k, v) in m {
                if k.len() > MAX_FIELD_NAME_LEN {
                    return Err(bad());
                }
                out.insert(FieldName::parse(k).map_err(|_| bad())?, value_from_json(v, depth + 1)?);
            }
            FieldValue::Nested(out)
        }
        _ => return Err(bad()),
    })
}

fn is_object_id(s: &str) -> bool {
    s.len() == OBJECT_ID_LEN * 2 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes([9; 32])
    }

    #[test]
    fn round_trip_and_withheld_count() {
        let k = key();
        let claims = Claims::new(&"ab".repeat(16), None, k.id(), Timestamp::from_unix(1_800_000_000), 3).unwrap();
        let (a, b) = (FieldName::parse("a").unwrap(), FieldName::parse("b").unwrap());
        let (va, vb) = (FieldValue::text("x\"y"), FieldValue::Integer(-7));
        let sd = issue(&k, &claims, &[(&b, &vb), (&a, &va)]).unwrap();
        let p = sd.present(&["b"]).unwrap();
        let v = verify_presentation(&p, &k.verifying_key()).unwrap();
        assert_eq!(v.names(), ["b"]);
        assert_eq!(v.value("b"), Some(&FieldValue::Integer(-7)));
        assert_eq!(v.withheld, 2);
        let all = verify_presentation(&sd.to_text(), &k.verifying_key()).unwrap();
        assert_eq!(all.value("a").and_then(FieldValue::as_text), Some("x\"y"));
        assert!(!format!("{sd:?}").contains("x\\\"y"));
    }

    #[test]
    fn reserved_names_are_refused_at_issue() {
        let k = key();
        let claims = Claims::new(&"ab".repeat(16), None, k.id(), Timestamp::from_unix(1), 1).unwrap();
        let iss = FieldName::parse("iss").unwrap();
        let e = issue(&k, &claims, &[(&iss, &FieldValue::Integer(1))]).unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(_)));
    }
}
