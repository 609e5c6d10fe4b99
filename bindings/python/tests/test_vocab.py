"""Vocabulary, actors, exceptions and seal options: validated by the library, with typed errors."""

from __future__ import annotations

import datetime as dt

import pytest

import custodia
from custodia import Category, Classification, ExceptionKind, KeyKind

JUSTIFICATION = "The investigating judge ordered disclosure for the fraud trial hearing"


@pytest.mark.parametrize("enum", [Category, Classification, ExceptionKind, KeyKind])
def test_enum_names_agree_with_the_library(enum):
    for member in enum:
        assert member.label == member.name.lower()
        assert enum.from_label(member.label) is member
        assert str(member) == member.label


def test_unknown_names_and_codes():
    with pytest.raises(custodia.InvalidArgument, match="gossip"):
        Category.from_label("gossip")
    with pytest.raises(custodia.UnknownCode):
        custodia.Actor("a", "b", "DE", 9)


def test_category_minimums():
    assert Category.WITNESS_IDENTITY.minimum_classification is Classification.SECRET
    assert Category.CASE_ADMINISTRATION.minimum_classification is Classification.PUBLIC
    assert Category.FINANCIAL_RECORDS.minimum_classification is Classification.CONFIDENTIAL


@pytest.mark.parametrize("good", ["investigation", "prosecution.trial", "mla.request", "a1_b"])
def test_good_purposes(good):
    assert custodia.Purpose(good) == good
    assert repr(custodia.Purpose(good)) == f"Purpose('{good}')"


@pytest.mark.parametrize("bad", ["", "Investigation", "1st", "a..b", "a b", "a." * 7 + "a", "x" * 200, "naïve"])
def test_bad_purposes(bad):
    with pytest.raises(custodia.InvalidPurpose) as info:
        custodia.Purpose(bad)
    assert info.value.code == 101 and info.value.message


@pytest.mark.parametrize("bad", [None, 3, b"investigation"])
def test_purpose_wrong_types(bad):
    with pytest.raises(TypeError):
        custodia.Purpose(bad)


def test_invalid_utf8_is_the_library_error():
    with pytest.raises(custodia.InvalidUtf8):
        custodia.Purpose("a\udc80")


def test_nul_in_text_is_refused_before_the_call():
    with pytest.raises(ValueError, match="NUL"):
        custodia.Purpose("inv\0estigation")


def test_jurisdictions_and_case_refs():
    assert custodia.Jurisdiction("DE") == "DE"
    for bad in ("", "de", "XX", "DEU"):
        with pytest.raises(custodia.InvalidJurisdiction):
            custodia.Jurisdiction(bad)
    assert custodia.CaseRef("MLA-2026-0042") == "MLA-2026-0042"
    with pytest.raises(custodia.InvalidArgument):
        custodia.CaseRef(" padded ")


def test_key_ids():
    text = "00112233445566778899aabbccddeeff"
    k = custodia.KeyId(text)
    assert str(k) == text and len(bytes(k)) == 16
    assert custodia.KeyId(bytes(k)) == k and hash(custodia.KeyId(text.upper())) == hash(k)
    assert custodia.KeyId(k) == k
    with pytest.raises(custodia.InvalidArgument):
        custodia.KeyId("0011")
    with pytest.raises(custodia.InvalidArgument):
        custodia.KeyId(b"short")
    with pytest.raises(TypeError):
        custodia.KeyId(None)


def test_actor(no_leaks):
    with custodia.Actor("anna", "prosecutor", "DE", Classification.SECRET) as anna:
        assert str(anna) == "anna (prosecutor, DE, clearance secret)"
    with pytest.raises(custodia.InvalidJurisdiction):
        custodia.Actor("anna", "prosecutor", "XX", Classification.SECRET)
    with pytest.raises(custodia.InvalidArgument):
        custodia.Actor("", "prosecutor", "DE", Classification.SECRET)
    with pytest.raises(TypeError):
        custodia.Actor(None, "prosecutor", "DE", Classification.SECRET)
    with pytest.raises(TypeError):
        custodia.Actor("anna", "prosecutor", "DE", "secret")


def test_legal_exceptions(no_leaks):
    with custodia.CourtOrder("LG-Berlin-123/26", JUSTIFICATION) as order:
        assert str(order) == f"court_order LG-Berlin-123/26: {JUSTIFICATION}"
        assert order.kind is ExceptionKind.COURT_ORDER
    with custodia.ImminentThreat(JUSTIFICATION) as threat:
        assert str(threat).startswith("imminent_threat")
    with custodia.Consent("consent-2026-17", JUSTIFICATION), custodia.LegalObligation("§ 161 StPO", JUSTIFICATION):
        pass


def test_exception_without_justification_or_reference_is_refused(no_leaks):
    with pytest.raises(custodia.InvalidException):
        custodia.CourtOrder("LG-Berlin-123/26", "because")
    with pytest.raises(custodia.InvalidException):
        custodia.CourtOrder(None, JUSTIFICATION)
    with pytest.raises(TypeError):
        custodia.CourtOrder("LG-Berlin-123/26", None)
    with pytest.raises(TypeError):
        custodia.ExceptionGround("x", JUSTIFICATION)


def test_seal_options(no_leaks):
    key = custodia.KeyId("00112233445566778899aabbccddeeff")
    with custodia.SealOptions(
        Category.FINANCIAL_RECORDS,
        ["investigation", "prosecution"],
        classification=Classification.SECRET,
        case_ref="MLA-2026-0042",
        origin="NL",
        destinations=["DE", "FR"],
        not_after=dt.datetime(2031, 12, 31, tzinfo=dt.timezone.utc),
        recipients=[key, key],
        signer=key,
    ) as opts:
        opts.set_case_ref(None)
        opts.set_not_after(None)
        opts.set_signer(None)


def test_seal_options_errors(no_leaks):
    with pytest.raises(custodia.NoPurpose):
        custodia.SealOptions(Category.EVIDENCE, [])
    with pytest.raises(custodia.TooManyPurposes):
        custodia.SealOptions(Category.EVIDENCE, [f"p{i}" for i in range(33)])
    with pytest.raises(custodia.InvalidPurpose):
        custodia.SealOptions(Category.EVIDENCE, ["ok", "Not OK"])
    with pytest.raises(custodia.ClassificationBelowMinimum):
        custodia.SealOptions(Category.WITNESS_IDENTITY, "investigation", classification=Classification.RESTRICTED)
    with pytest.raises(custodia.InvalidJurisdiction):
        custodia.SealOptions(Category.EVIDENCE, "investigation", origin="NL", destinations=["XX"])
    with pytest.raises(ValueError, match="timezone"):
        custodia.SealOptions(Category.EVIDENCE, "investigation", not_after=dt.datetime(2031, 1, 1))
    with pytest.raises(TypeError):
        custodia.SealOptions("evidence", "investigation")
    with pytest.raises(TypeError):
        custodia.SealOptions(Category.EVIDENCE, None)
    with pytest.raises(TypeError):
        custodia.SealOptions(Category.EVIDENCE, "investigation", recipients=["00112233445566778899aabbccddeeff"])
