//! The custodia side of the SD-JWT interoperability test (`tests/sdjwt/run.sh`, `tests/sdjwt/interop.py`), which
//! runs it against an independent implementation (PyPI `sd-jwt`). One JSON object in on stdin, one out on stdout:
//!
//! ```text
//! sdjwt_interop issue    {"fields": {"<name>": <value>, ...}, "secret_fields": ["<name>", ...]}
//!                        -> {"sd_jwt", "issuer_public" (hex), "issuer_key_id", "object_id", "field_count"}
//!     A custodian in a temporary directory seals the fields as a record (the `secret_fields` as witness identity,
//!     secret; the others as contact details) and an analyst cleared up to confidential issues an SD-JWT of it
//!     through `Custodian::issue_sd_jwt`: the secret fields are withheld from it and never enter the SD-JWT.
//! sdjwt_interop present  {"issuer_public", "sd_jwt", "fields": ["<name>", ...]} -> {"presentation"}
//!     Verify the SD-JWT (any presentation of it) with the issuer's key and present the fields named.
//! sdjwt_interop verify   {"issuer_public", "presentation"}
//!                        -> {"ok": true, "claims": {...}, "disclosed": {"<name>": <value>}, "withheld": n}
//!                        or {"ok": false, "error": "<kind name>"}
//! sdjwt_interop key      {"seed" (hex)} -> {"public" (hex), "key_id"}
//! ```
//!
//! Values are the JSON form of docs/FORMAT.md section 14 (`{"text": "..."}`, `{"integer": n}`, `{"date": "..."}`,
//! `{"bytes": "<hex>"}`, `{"nested": {...}}`). A test harness: the values it prints are not secret.

use std::collections::BTreeMap;
use std::io::Read;
use std::process::ExitCode;

use custodia::format::{SigningKey, VerifyingKey};
use custodia::sdjwt::{SdJwt, verify_presentation};
use custodia::{
    Actor, Category, Classification, Custodian, CustodianOptions, DataTag, Error, FieldName, FieldSpec, FieldValue,
    Jurisdiction, KeyKind, OpenRequest, Purpose, PurposeSet, Record, RecordDate, SealOptions, Unlock,
};
use serde_json::{Value, json};

fn main() -> ExitCode {
    let cmd = std::env::args().nth(1).unwrap_or_default();
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("stdin: {e}");
        return ExitCode::from(2);
    }
    let run = || -> Result<Value, String> {
        let v: Value = serde_json::from_str(&input).map_err(|e| format!("input: {e}"))?;
        match cmd.as_str() {
            "issue" => issue(&v).map_err(|e| e.to_string()),
            "present" => present(&v).map_err(|e| e.to_string()),
            "verify" => verify(&v),
            "key" => key(&v),
            _ => Err("usage: sdjwt_interop issue|present|verify|key < input.json".into()),
        }
    };
    match run() {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sdjwt_interop {cmd}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn str_of<'a>(v: &'a Value, k: &str) -> Result<&'a str, Error> {
    v[k].as_str().ok_or_else(|| Error::InvalidArgument(format!("{k} is not a string")))
}

fn unhex(s: &str) -> Result<Vec<u8>, Error> {
    if !s.len().is_multiple_of(2) {
        return Err(Error::InvalidArgument("odd hex".into()));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|_| Error::InvalidArgument("not hex".into())))
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn issuer(v: &Value) -> Result<VerifyingKey, Error> {
    let b: [u8; 32] = unhex(str_of(v, "issuer_public")?)?
        .try_into()
        .map_err(|_| Error::InvalidArgument("a public key is 32 bytes".into()))?;
    VerifyingKey::from_bytes(b)
}

fn value_of(v: &Value) -> Result<FieldValue, Error> {
    let bad = || Error::InvalidArgument(format!("not a record value: {v}"));
    let (kind, inner) = v.as_object().filter(|o| o.len() == 1).and_then(|o| o.iter().next()).ok_or_else(bad)?;
    Ok(match kind.as_str() {
        "text" => FieldValue::text(inner.as_str().ok_or_else(bad)?),
        "integer" => FieldValue::Integer(inner.as_i64().ok_or_else(bad)?),
        "date" => FieldValue::Date(RecordDate::parse(inner.as_str().ok_or_else(bad)?)?),
        "bytes" => FieldValue::Bytes(unhex(inner.as_str().ok_or_else(bad)?)?),
        "nested" => {
            let mut m = BTreeMap::new();
            for (k, x) in inner.as_object().ok_or_else(bad)? {
                m.insert(FieldName::parse(k)?, value_of(x)?);
            }
            FieldValue::Nested(m)
        }
        _ => return Err(bad()),
    })
}

fn json_of(v: &FieldValue) -> Value {
    let mut s = String::new();
    v.write_json(&mut s);
    serde_json::from_str(&s).expect("write_json writes JSON")
}

fn issue(v: &Value) -> Result<Value, Error> {
    let dir = tempfile::tempdir()?;
    let options = CustodianOptions { create: true, ..CustodianOptions::default() };
    let c = Custodian::load(dir.path().join("nl"), Unlock::master_key([7; 32]), options)?;
    let nl = Jurisdiction::parse("NL")?;
    let jan = Actor::new("jan.devries", "prosecutor", nl, Classification::Secret)?;
    let ana = Actor::new("ana.smit", "analyst", nl, Classification::Confidential)?;
    let kek = c.generate_key(&jan, KeyKind::Kek, "case team key")?;
    let signer = c.generate_key(&jan, KeyKind::Ed25519, "NL redaction key")?;
    let secret: Vec<&str> =
        v["secret_fields"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let mut record = Record::new();
    let fields = v["fields"].as_object().ok_or_else(|| Error::InvalidArgument("fields is not an object".into()))?;
    for (name, value) in fields {
        let spec = if secret.contains(&name.as_str()) {
            FieldSpec::new(Category::WitnessIdentity)
        } else {
            FieldSpec::new(Category::ContactDetails)
        };
        record.insert(name, value_of(value)?, spec)?;
    }
    let tag = DataTag::new(Category::CaseAdministration, Classification::Restricted);
    let envelope = c
        .seal_record(&jan, tag, &record, &SealOptions::new(PurposeSet::parse(&["investigation"])?, vec![kek]))?
        .envelope;
    let sd = c.issue_sd_jwt(&OpenRequest::new(ana, Purpose::parse("investigation")?), &envelope, &signer)?;
    let public: VerifyingKey = c.export_public(&signer)?.parse()?;
    Ok(json!({
        "sd_jwt": sd.to_text().as_str(),
        "issuer_public": hex(&public.to_bytes()),
        "issuer_key_id": signer.to_string(),
        "object_id": sd.claims().object_id,
        "field_count": sd.claims().field_count,
    }))
}

fn present(v: &Value) -> Result<Value, Error> {
    let sd = SdJwt::parse(str_of(v, "sd_jwt")?, &issuer(v)?)?;
    let names: Vec<&str> =
        v["fields"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    Ok(json!({ "presentation": sd.present(&names)?.as_str() }))
}

fn verify(v: &Value) -> Result<Value, String> {
    let key = issuer(v).map_err(|e| e.to_string())?;
    let text = str_of(v, "presentation").map_err(|e| e.to_string())?;
    Ok(match verify_presentation(text, &key) {
        Ok(p) => json!({
            "ok": true,
            "claims": {
                "object_id": p.claims.object_id,
                "case_ref": p.claims.case_ref.as_ref().map(|c| c.as_str().to_owned()),
                "issuer": p.claims.issuer.to_string(),
                "issued_at": p.claims.issued_at.as_unix(),
                "field_count": p.claims.field_count,
            },
            "disclosed": p.disclosed.iter().map(|d| (d.name.to_string(), json_of(&d.value))).collect::<serde_json::Map<_, _>>(),
            "withheld": p.withheld,
        }),
        Err(e) => json!({ "ok": false, "error": e.kind_name(), "message": e.to_string() }),
    })
}

fn key(v: &Value) -> Result<Value, String> {
    let seed: [u8; 32] = unhex(v["seed"].as_str().unwrap_or_default())
        .map_err(|e| e.to_string())?
        .try_into()
        .map_err(|_| "a seed is 32 bytes".to_owned())?;
    let k = SigningKey::from_bytes(seed);
    Ok(json!({ "public": hex(&k.verifying_key().to_bytes()), "key_id": k.id().to_string() }))
}
