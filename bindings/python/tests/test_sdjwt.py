"""Verifiable redaction from Python (issue 16 §3, docs/FORMAT.md section 15): a record issued as an SD-JWT,
presented with some fields, verified with the issuer's public key alone. Attacks: an altered disclosure, another
issuer's key, a truncated text, a bad key text, a field the SD-JWT does not have, a reader not cleared for a field
(it never enters the SD-JWT), a key that cannot sign; each raises its typed exception. Issue and present are audited."""

from __future__ import annotations

import datetime

import pytest

import custodia
from custodia import Actor, Category, Classification, Field, KeyKind, SealOptions


@pytest.fixture()
def scene(tmp_path):
    c = custodia.Custodian(tmp_path / "c", master_key=bytes([9]) * 32, create=True)
    jan = Actor("jan", "prosecutor", "NL", Classification.SECRET)
    ana = Actor("ana", "analyst", "NL", Classification.CONFIDENTIAL)
    kek = c.generate_key(jan, KeyKind.KEK, "case team")
    signer = c.generate_key(jan, KeyKind.ED25519, "NL redaction key")
    options = SealOptions(Category.CASE_ADMINISTRATION, ["investigation", "prosecution"], recipients=[kek],
                          case_ref="MLA-2026-0042")
    fields = {
        "account_iban": Field("NL91ABNA0417164300", Category.FINANCIAL_RECORDS),
        "address": Field({"city": "Utrecht", "postcode": 3511}, Category.CONTACT_DETAILS),
        "born": Field(datetime.date(1971, 5, 4), Category.PERSONAL_IDENTITY),
        "scan": Field(b"%PDF\x00\xff", Category.EVIDENCE, Classification.CONFIDENTIAL),
        "transfers": Field(-42, Category.FINANCIAL_RECORDS),
        "witness_name": Field("A. Jansen", Category.WITNESS_IDENTITY),
    }
    envelope = c.seal_record(jan, fields, options)
    yield c, jan, ana, kek, signer, fields, envelope
    c.close()


def _alter_first_disclosure(text: str) -> str:
    jwt, rest = text.split("~", 1)
    # Characters 4..7 of a disclosure encode characters 1..3 of its salt: still well formed, no longer signed.
    patch = "QkJC" if rest[4:8] == "QUFB" else "QUFB"
    return f"{jwt}~{rest[:4]}{patch}{rest[8:]}"


def test_issue_present_verify_shows_exactly_the_chosen_fields(scene, no_leaks):
    c, jan, _, _, signer, fields, envelope = scene
    sd = c.issue_sd_jwt(jan, envelope, "investigation", signer)
    assert sd.endswith("~") and sd.count("~") == 7
    pres = c.present(jan, sd, ["born", "address", "scan"], "FR-PNF", "investigation")
    v = custodia.verify_presentation(pres, c.export_public(signer))
    assert v.fields == {"address": {"city": "Utrecht", "postcode": 3511}, "born": datetime.date(1971, 5, 4),
                        "scan": b"%PDF\x00\xff"}
    assert v.names() == ["address", "born", "scan"]
    assert (v.field_count, v.withheld_count) == (6, 3)
    assert v.case_ref == "MLA-2026-0042" and v.issuer == signer
    assert len(v.object_id) == 32 and int(v.object_id, 16) >= 0
    assert v.issued_at.tzinfo is not None
    assert "Utrecht" not in repr(v) and "born" in repr(v)
    whole = custodia.verify_presentation(sd, c.export_public(signer))
    assert whole.fields == {name: f.value for name, f in fields.items()} and whole.withheld_count == 0


def test_issue_and_present_are_audited(scene):
    c, jan, _, _, signer, _, envelope = scene
    sd = c.issue_sd_jwt(jan, envelope, "investigation", signer)
    c.present(jan, sd, ["born"], "FR-PNF", "investigation")
    entries = c.audit_entries(kinds=["selective_disclosure"])
    ops = [e.members()["detail"]["operation"] for e in entries]
    assert ops == ["sd_jwt_issue", "sd_jwt_present"]
    assert entries[1].members()["detail"]["audience"] == "FR-PNF"
    assert entries[1].case_ref == "MLA-2026-0042"


def test_tampering_and_wrong_keys_are_refused_with_typed_errors(scene):
    c, jan, _, _, signer, _, envelope = scene
    other = c.generate_key(jan, KeyKind.ED25519, "another key")
    key = c.export_public(signer)
    pres = c.present(jan, c.issue_sd_jwt(jan, envelope, "investigation", signer), ["account_iban", "born"],
                     "FR-PNF", "investigation")
    with pytest.raises(custodia.SignatureInvalid):
        custodia.verify_presentation(_alter_first_disclosure(pres), key)
    with pytest.raises(custodia.SignatureInvalid):
        custodia.verify_presentation(pres, c.export_public(other))
    with pytest.raises(custodia.Malformed):
        custodia.verify_presentation(pres[: pres.index("~") - 10], key)
    with pytest.raises(custodia.Malformed):
        custodia.verify_presentation(pres[:-6], key)
    with pytest.raises(custodia.InvalidKeyText):
        custodia.verify_presentation(pres, "not a key")
    with pytest.raises(TypeError):
        custodia.verify_presentation(None, key)  # type: ignore[arg-type]


def test_presenting_refuses_what_the_sd_jwt_does_not_hold(scene):
    c, jan, _, _, signer, _, envelope = scene
    sd = c.issue_sd_jwt(jan, envelope, "investigation", signer)
    with pytest.raises(custodia.InvalidArgument):
        c.present(jan, sd, ["phone"], "FR-PNF", "investigation")
    with pytest.raises(custodia.InvalidArgument):
        c.present(jan, sd, ["born", "born"], "FR-PNF", "investigation")
    with pytest.raises(custodia.InvalidArgument):
        c.present(jan, sd, ["born"], "", "investigation")
    with pytest.raises(custodia.SignatureInvalid):
        c.present(jan, _alter_first_disclosure(sd), ["born"], "FR-PNF", "investigation")
    with pytest.raises(custodia.Malformed):
        c.present(jan, "x.y.z~", ["born"], "FR-PNF", "investigation")


def test_a_field_the_issuer_may_not_open_never_enters_the_sd_jwt(scene):
    c, _, ana, kek, signer, _, envelope = scene
    sd = c.issue_sd_jwt(ana, envelope, "investigation", signer)
    assert "Jansen" not in sd
    v = custodia.verify_presentation(sd, c.export_public(signer))
    assert "witness_name" not in v.fields and v.withheld_count == 1 and v.field_count == 6
    with pytest.raises(custodia.InvalidArgument):
        c.present(ana, sd, ["witness_name"], "FR-PNF", "investigation")
    with pytest.raises(custodia.InvalidArgument):
        c.issue_sd_jwt(ana, envelope, "investigation", kek)
    with pytest.raises(custodia.PurposeNotPermitted):
        c.issue_sd_jwt(ana, envelope, "marketing", signer)
