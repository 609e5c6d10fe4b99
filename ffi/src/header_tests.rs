//! The committed header names every code Rust produces. (That it is current is checked by `cbindgen --verify` in
//! `scripts/test-all.sh`; these tests check what it says.)

use super::*;
use crate::error::Kind;
use custodia_core::ExceptionKind;
use custodia_core::KeyKind;
use custodia_core::KeyState;
use custodia_core::format::InstrumentKind;
use custodia_core::{Category, Classification};

const HEADER: &str = include_str!("../../include/custodia.h");

fn assert_declares(name: &str, code: impl core::fmt::Display) {
    let line = format!("{name} = {code},");
    assert!(HEADER.contains(&line), "include/custodia.h lacks `{line}`: regenerate it with cbindgen");
}

#[test]
fn every_error_code_is_in_the_header() {
    assert_declares("CUSTODIA_OK", 0);
    for kind in Kind::all() {
        assert_declares(&format!("CUSTODIA_ERR_{}", kind.name().to_uppercase()), kind.code());
    }
}

/// The other direction: every `CUSTODIA_ERR_*` of the header is a core `ErrorKind` or a boundary kind, with the same
/// code and name (the header is written from `custodia_status`, so this checks the enum against the kinds).
#[test]
fn every_error_code_of_the_header_is_a_kind() {
    let declared: Vec<(&str, u32)> = HEADER
        .lines()
        .filter_map(|l| l.trim().strip_prefix("CUSTODIA_ERR_"))
        .filter_map(|l| l.trim_end_matches(',').split_once(" = "))
        .map(|(name, code)| (name, code.parse().unwrap_or_else(|_| panic!("CUSTODIA_ERR_{name}: code {code:?}"))))
        .collect();
    assert_eq!(declared.len(), Kind::all().count(), "CUSTODIA_ERR_* in the header: {declared:?}");
    for (name, code) in declared {
        let kind = Kind::from_code(code).unwrap_or_else(|| panic!("CUSTODIA_ERR_{name} = {code} is no kind"));
        assert_eq!(name, kind.name().to_uppercase(), "the header's name for {code}");
    }
}

#[test]
fn every_enumerated_code_is_in_the_header() {
    for c in Category::ALL {
        assert_declares(&format!("CUSTODIA_CATEGORY_{}", c.name().to_uppercase()), c.code());
    }
    for c in Classification::ALL {
        assert_declares(&format!("CUSTODIA_CLASSIFICATION_{}", c.name().to_uppercase()), c.code());
    }
    for k in ExceptionKind::ALL {
        assert_declares(&format!("CUSTODIA_EXCEPTION_KIND_{}", k.name().to_uppercase()), k.code());
    }
    for k in KeyKind::ALL {
        assert_declares(&format!("CUSTODIA_KEY_KIND_{}", k.name().to_uppercase()), k.code());
    }
    let destroyed = KeyState::Destroyed { at: custodia_core::Timestamp::from_unix(0), reason: String::new() };
    for s in [KeyState::Active, KeyState::DecryptOnly, destroyed] {
        assert_declares(&format!("CUSTODIA_KEY_STATE_{}", s.name().to_uppercase()), s.code());
    }
    for k in custodia_core::ReceiptItemKind::ALL {
        assert_declares(&format!("CUSTODIA_RECEIPT_ITEM_KIND_{}", k.name().to_uppercase()), k.code());
    }
    for f in custodia_core::ReceiptField::ALL {
        assert_declares(&format!("CUSTODIA_RECEIPT_FIELD_{}", f.name().to_uppercase()), f.tag());
    }
    for k in InstrumentKind::ALL {
        assert_declares(&format!("CUSTODIA_INSTRUMENT_KIND_{}", screaming_snake(&format!("{k:?}"))), k.code());
    }
}

/// `EuropeanInvestigationOrder` -> `EUROPEAN_INVESTIGATION_ORDER`.
fn screaming_snake(camel: &str) -> String {
    let mut out = String::new();
    for (i, ch) in camel.chars().enumerate() {
        if ch.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(ch.to_ascii_uppercase());
    }
    out
}

#[test]
fn version_macros_are_in_the_header() {
    for (name, value) in [
        ("CUSTODIA_VERSION_MAJOR", CUSTODIA_VERSION_MAJOR),
        ("CUSTODIA_VERSION_MINOR", CUSTODIA_VERSION_MINOR),
        ("CUSTODIA_VERSION_PATCH", CUSTODIA_VERSION_PATCH),
        ("CUSTODIA_ABI_VERSION", CUSTODIA_ABI_VERSION),
    ] {
        let line = format!("#define {name} {value}");
        assert!(HEADER.lines().any(|l| l.trim() == line), "include/custodia.h lacks `{line}`");
    }
}
