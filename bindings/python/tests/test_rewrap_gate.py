"""Re-wrapping and sharing pass the policy gate (issue 12, section 1), through the Python binding.

A protected witness's identity (secret, for witness protection, sealed in DE for NL) is refused to Mallory, acting
from FR with clearance public, as an open and as every re-wrap, including to a key she imported and holds: no key is
touched (``unwrap_attempts`` does not move) and the audit log records the refusal. Then what a share needs. (The
Rust tests add the expiry of the issue's scene: the format refuses to seal already-expired data, and these tests
keep to the system clock.)"""

from __future__ import annotations

import json

import pytest

import custodia
from custodia import Category, Classification, Custodian, KeyKind, SealOptions

ADDRESS = b"witness W-17: safe house at Keizersgracht 000, Amsterdam"


@pytest.fixture
def nl(tmp_path):
    with Custodian(tmp_path / "nl", master_key=bytes(range(32)), create=True) as c:
        yield c


@pytest.fixture
def outside(tmp_path):
    with Custodian(tmp_path / "outside", master_key=bytes(range(1, 33)), create=True) as c:
        yield c


@pytest.fixture
def mallory():
    with custodia.Actor("mallory", "clerk", "FR", Classification.PUBLIC) as a:
        yield a


@pytest.fixture
def jan():
    with custodia.Actor("jan", "central_authority", "NL", Classification.SECRET) as a:
        yield a


def seal_witness(c: Custodian, actor: custodia.Actor, kek: custodia.KeyId, purposes: list[str],
                 signer: custodia.KeyId | None = None) -> bytes:
    with SealOptions(Category.WITNESS_IDENTITY, purposes, case_ref="MLA-2026-0042", origin="DE",
                     destinations=["NL"], recipients=[kek], signer=signer) as terms:
        return c.seal(actor, ADDRESS, terms)


def last_entry(c: Custodian) -> dict:
    return json.loads(c.audit_path.read_text().splitlines()[-1])


def assert_refusal_recorded(c: Custodian, actor: str, operation: str, kind: str) -> None:
    entry = last_entry(c)
    assert entry["kind"] == "refused"
    assert entry["actor"]["id"] == actor
    assert entry["detail"]["operation"] == operation
    assert entry["outcome"]["kind"] == kind


def test_the_attack_is_refused_on_every_rewrap_path(nl, outside, mallory, jan):
    kek = nl.generate_key(jan, KeyKind.KEK, "NL witness protection")
    envelope = seal_witness(nl, jan, kek, ["witness_protection"])
    held = outside.generate_key(mallory, KeyKind.X25519, "mallory's own")
    imported = nl.import_public(mallory, outside.export_public(held), "a partner authority", "NL")
    assert imported == held
    assert nl.key(imported).jurisdiction == "NL" and not nl.key(imported).has_secret
    assert nl.key(kek).jurisdiction is None

    with pytest.raises(custodia.ClearanceInsufficient):
        nl.open(mallory, envelope, "witness_protection")
    before = nl.unwrap_attempts()
    # Adding her key (whatever the purpose), removing a stanza, moving off a rotated key.
    for purpose in ["witness_protection", "mla.execution"]:
        with pytest.raises(custodia.ClearanceInsufficient) as refused:
            nl.rewrap(mallory, envelope, purpose, add=[imported])
        assert refused.value.is_refusal and refused.value.code == 203
        assert_refusal_recorded(nl, "mallory", "share", "clearance_insufficient")
        assert last_entry(nl)["purpose"] == purpose
    with pytest.raises(custodia.ClearanceInsufficient):
        nl.rewrap(mallory, envelope, "witness_protection", remove=[kek])
    assert_refusal_recorded(nl, "mallory", "rewrap", "clearance_insufficient")
    nl.rotate(jan, kek)
    with pytest.raises(custodia.ClearanceInsufficient):
        nl.rewrap_rotated(mallory, envelope)
    assert_refusal_recorded(nl, "mallory", "rewrap_rotated", "clearance_insufficient")
    assert nl.unwrap_attempts() == before
    assert not any(json.loads(line)["kind"] == "shared" for line in nl.audit_path.read_text().splitlines())


def test_sharing_needs_mla_execution_and_a_permitted_jurisdiction(nl, outside, mallory, jan):
    kek = nl.generate_key(jan, KeyKind.KEK, "NL witness protection")
    # Signed by NL's own key: NL is the originator and shares without a grant (see test_grants.py).
    signer = nl.generate_key(jan, KeyKind.ED25519, "NL signing")
    envelope = seal_witness(nl, jan, kek, ["witness_protection", "mla.execution"], signer)
    partner_key = outside.generate_key(mallory, KeyKind.X25519, "NL partner")
    partner = nl.import_public(jan, outside.export_public(partner_key), "NL partner", "NL")
    fr_key = outside.generate_key(mallory, KeyKind.X25519, "FR authority")
    fr = nl.import_public(jan, outside.export_public(fr_key), "FR authority", "FR")
    with pytest.raises(custodia.InvalidJurisdiction):
        nl.import_public(jan, outside.export_public(fr_key), "FR authority", "XX")
    with pytest.raises(custodia.Conflict):
        nl.import_public(jan, outside.export_public(fr_key), "FR authority", "NL")  # already FR

    before = nl.unwrap_attempts()
    with pytest.raises(custodia.TransferNotPermitted, match="mla.execution") as refused:
        nl.rewrap(jan, envelope, "witness_protection", add=[partner])
    assert refused.value.code == 207 and isinstance(refused.value, custodia.Refused)
    assert_refusal_recorded(nl, "jan", "share", "transfer_not_permitted")
    with pytest.raises(custodia.RecipientNotPermitted, match="FR") as refused:
        nl.rewrap(jan, envelope, "mla.execution", add=[fr])
    assert refused.value.code == 208
    assert_refusal_recorded(nl, "jan", "share", "recipient_not_permitted")
    with pytest.raises(custodia.PurposeNotPermitted):
        nl.rewrap(jan, envelope, "investigation", add=[kek])  # no exception can authorize a re-wrap
    assert nl.unwrap_attempts() == before

    shared = nl.rewrap(jan, envelope, "mla.execution", add=[partner])
    assert last_entry(nl)["kind"] == "shared" and last_entry(nl)["purpose"] == "mla.execution"
    assert nl.unwrap_attempts() == before + 1
    with custodia.Actor("nl.partner", "investigator", "NL", Classification.SECRET) as theirs:
        with outside.open(theirs, shared, "mla.execution") as opened:
            assert opened.data == ADDRESS


def test_new_refusals_map_to_typed_exceptions():
    for code, cls in [(207, custodia.TransferNotPermitted), (208, custodia.RecipientNotPermitted),
                      (209, custodia.RecipientJurisdictionUnknown)]:
        assert custodia._errors.error_class(code) is cls
        assert issubclass(cls, custodia.Refused)
        assert custodia._raw.lib.custodia_status_name(code).decode() == cls(code, "").name
        assert cls(code, "").is_refusal
