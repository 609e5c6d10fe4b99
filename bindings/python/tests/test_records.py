"""Sealed records from Python (issue 16 §1): a dict of Field in, a mapping out with Withheld markers for the fields a
reader may not see. Attacks: a reader not cleared for a field never gets its value; the envelope-level refusal still
raises; open and open_record keep to their payload types; a changed byte fails the whole open."""

from __future__ import annotations

import datetime

import pytest

import custodia
from custodia import (Actor, Category, Classification, Field, KeyKind, SealOptions, Withheld)


_DIRS: dict[int, object] = {}


def tmp_path_of(c):
    return _DIRS[id(c)]


@pytest.fixture()
def scene(tmp_path):
    c = custodia.Custodian(tmp_path / "c", master_key=bytes([7]) * 32, create=True)
    jan = Actor("jan", "prosecutor", "NL", Classification.SECRET)
    ana = Actor("ana", "analyst", "NL", Classification.CONFIDENTIAL)
    kek = c.generate_key(jan, KeyKind.KEK, "case team")
    options = SealOptions(Category.CASE_ADMINISTRATION, ["investigation", "prosecution"], recipients=[kek],
                          case_ref="MLA-2026-0042")
    fields = {
        "account_iban": Field("NL91ABNA0417164300", Category.FINANCIAL_RECORDS),
        "address": Field({"city": "Utrecht", "postcode": 3511}, Category.CONTACT_DETAILS),
        "born": Field(datetime.date(1971, 5, 4), Category.PERSONAL_IDENTITY),
        "scan": Field(b"%PDF\x00\xff", Category.EVIDENCE, Classification.CONFIDENTIAL),
        "transfers": Field(-42, Category.FINANCIAL_RECORDS, purposes=["investigation.financial"]),
        "witness_name": Field("A. Jansen", Category.WITNESS_IDENTITY),
    }
    envelope = c.seal_record(jan, fields, options)
    _DIRS[id(c)] = tmp_path / "c"
    yield c, jan, ana, kek, options, fields, envelope
    c.close()


def test_a_cleared_reader_gets_every_value_back_as_sealed(scene):
    c, jan, _, _, _, fields, envelope = scene
    r = c.open_record(jan, envelope, "investigation.financial")
    assert dict(r) == {name: f.value for name, f in fields.items()}
    assert r.withheld() == []
    assert r.fields["transfers"].purposes == ("investigation.financial",)
    assert r.fields["witness_name"].category is Category.WITNESS_IDENTITY
    assert r.fields["address"].kind == "nested"
    assert "Jansen" not in repr(r) and "NL91" not in repr(fields["account_iban"])


def test_fields_a_reader_may_not_see_are_withheld_markers(scene):
    c, _, ana, _, _, _, envelope = scene
    before = c.unwrap_attempts()
    r = c.open_record(ana, envelope, "investigation")
    assert c.unwrap_attempts() == before + 1
    assert r.disclosed() == ["account_iban", "address", "born", "scan"]
    assert r.withheld() == ["transfers", "witness_name"]
    w = r["witness_name"]
    assert isinstance(w, Withheld) and not w
    assert w.error is custodia.ClearanceInsufficient and "witness_name" in w.message
    assert r["transfers"].error is custodia.PurposeNotPermitted
    log = (tmp_path_of(c) / "audit.log").read_text()
    assert '"withheld":"transfers witness_name"' in log
    assert "A. Jansen" not in log and "NL91ABNA" not in log


def test_the_envelope_gate_still_raises_and_payload_types_are_kept(scene):
    c, jan, _, kek, options, fields, envelope = scene
    before = c.unwrap_attempts()
    with pytest.raises(custodia.PurposeNotPermitted):
        c.open_record(jan, envelope, "asset_recovery")
    with pytest.raises(custodia.InvalidArgument):
        c.open(jan, envelope, "investigation")
    assert c.unwrap_attempts() == before
    plain = c.seal(jan, b"a document", options)
    with pytest.raises(custodia.InvalidArgument):
        c.open_record(jan, plain, "investigation")
    bad = bytearray(envelope)
    bad[-30] ^= 1
    with pytest.raises(custodia.OpenFailed):
        c.open_record(jan, bytes(bad), "investigation")


def test_sealing_refuses_what_it_must(scene):
    c, jan, ana, _, options, fields, _ = scene
    with pytest.raises(custodia.ClearanceInsufficient):
        c.seal_record(ana, fields, options)
    with pytest.raises(custodia.InvalidArgument):
        c.seal_record(jan, {"n": Field(1, Category.FINANCIAL_RECORDS, purposes=["asset_recovery"])}, options)
    with pytest.raises(custodia.InvalidArgument):
        c.seal_record(jan, {"Bad": Field("x", Category.CONTACT_DETAILS)}, options)
    with pytest.raises(custodia.InvalidArgument):
        c.seal_record(jan, {}, options)
    with pytest.raises(TypeError):
        c.seal_record(jan, {"flag": Field(True, Category.CONTACT_DETAILS)}, options)
    with pytest.raises(custodia.ClassificationBelowMinimum):
        c.seal_record(jan, {"w": Field("x", Category.WITNESS_IDENTITY, Classification.RESTRICTED)}, options)


def test_a_policy_mask_gives_the_masked_view_never_the_value(scene):
    c, jan, ana, _, _, _, envelope = scene
    policy = custodia.AccessPolicy.parse(
        "version = 1\n"
        "[roles.prosecutor]\ncategories = [\"*\"]\npurposes = [\"investigation\", \"prosecution\"]\n"
        "[roles.analyst]\ncategories = [\"*\"]\npurposes = [\"investigation\"]\n"
        "[[mask]]\ncategory = \"witness_identity\"\npurposes = [\"investigation\"]\nroles = [\"analyst\"]\n"
        "rule = \"initials\"\n")
    c.set_access_policy(jan, policy)
    r = c.open_record(ana, envelope, "investigation")
    m = r["witness_name"]
    assert isinstance(m, custodia.Masked) and not m
    assert (m.text, m.rule, m.error) == ("A. J.", "initials", custodia.ClearanceInsufficient)
    assert r.masked() == ["witness_name"] and "witness_name" not in r.disclosed() + r.withheld()
    assert r.withheld() == ["transfers"]


def test_pseudonyms_are_stable_in_a_case_and_resolving_is_audited(scene, tmp_path):
    c, jan, _, _, _, _, _ = scene
    p = c.pseudonymize(jan, "investigation", "MLA-2026-0042", Category.PERSONAL_IDENTITY, "person",
                       ["Jan de Vries", " jan  DE VRIES", "Anna Smit"])
    assert len(p) == 3 and p[0] == p[1] != p[2] and len(p[0]) == 32
    other = c.pseudonymize(jan, "investigation", "MLA-2026-0043", Category.PERSONAL_IDENTITY, "person",
                           ["Jan de Vries"])
    assert other[0] != p[0]
    assert c.resolve_pseudonym(jan, "investigation", "MLA-2026-0042", Category.PERSONAL_IDENTITY, "person", p[2],
                               ["Jan de Vries", "Anna Smit"]) == 1
    assert c.resolve_pseudonym(jan, "investigation", "MLA-2026-0042", Category.PERSONAL_IDENTITY, "person", p[2],
                               ["Piet"]) is None
    with pytest.raises(custodia.InvalidArgument):
        c.pseudonymize(jan, "investigation", "MLA-2026-0042", Category.PERSONAL_IDENTITY, "Person", ["x"])
    log = (tmp_path_of(c) / "audit.log").read_text()
    assert '"kind":"pseudonym_resolved"' in log and "Anna Smit" not in log
