"""Grants (rule of speciality) through the Python binding: DE seals a signed envelope for NL; NL may neither pass it
to FR nor use it for another purpose without DE's grant. Refusals are typed, audited and touch no key; forged and
malformed grants are refused; with the grants the transfer and the extension go through."""

from __future__ import annotations

import json
import time

import pytest

import custodia
from custodia import Category, Classification, Custodian, Grant, KeyKind, SealOptions

STATEMENT = b"IBAN NL91ABNA0417164300: 1,204,331.17 EUR moved to FR76 3000 6000 0112 3456"
LETTER = "DE request letter 2026/118"


@pytest.fixture
def world(tmp_path):
    with Custodian(tmp_path / "de", master_key=bytes(range(32)), create=True) as de, \
            Custodian(tmp_path / "nl", master_key=bytes(range(32)), create=True) as nl, \
            Custodian(tmp_path / "fr", master_key=bytes(range(32)), create=True) as fr, \
            custodia.Actor("anna", "prosecutor", "DE", Classification.SECRET) as anna, \
            custodia.Actor("jan", "central_authority", "NL", Classification.SECRET) as jan, \
            custodia.Actor("claire", "magistrate", "FR", Classification.SECRET) as claire:
        signer = de.generate_key(anna, KeyKind.ED25519, "DE signing")
        nl_key = de.import_public(anna, nl.export_public(nl.generate_key(jan, KeyKind.X25519, "NL")), "NL", "NL")
        fr_key = nl.import_public(jan, fr.export_public(fr.generate_key(claire, KeyKind.X25519, "FR")), "FR", "FR")
        with SealOptions(Category.FINANCIAL_RECORDS, ["investigation", "mla.execution"], destinations=["NL"],
                         recipients=[nl_key], signer=signer) as terms:
            envelope = de.seal(anna, STATEMENT, terms)
        yield dict(de=de, nl=nl, fr=fr, anna=anna, jan=jan, claire=claire, signer=signer, fr_key=fr_key,
                   envelope=envelope, object_id=nl.inspect(envelope).object_id)


def last_entry(c: Custodian) -> dict:
    return json.loads(c.audit_path.read_text().splitlines()[-1])


def soon() -> int:
    return int(time.time()) + 30 * 86400


def test_an_onward_transfer_needs_the_originators_grant(world):
    w = world
    nl = w["nl"]
    before = nl.unwrap_attempts()
    with pytest.raises(custodia.OnwardTransferNotGranted, match="originator") as refused:
        nl.rewrap(w["jan"], w["envelope"], "mla.execution", add=[w["fr_key"]])
    assert refused.value.code == 215 and refused.value.is_refusal
    assert last_entry(nl)["kind"] == "refused"
    assert last_entry(nl)["outcome"]["kind"] == "onward_transfer_not_granted"

    grant = w["de"].issue_onward_transfer_grant(w["anna"], w["signer"], w["object_id"], "Parquet national financier",
                                                "FR", w["fr_key"], soon(), LETTER)
    assert grant.to_text().startswith("-----BEGIN CUSTODIA GRANT-----\n") and len(grant.id) == 32
    issued = last_entry(w["de"])
    assert issued["kind"] == "grant_issued" and issued["detail"]["grant"] == grant.id
    assert issued["detail"]["grant_reference"] == LETTER
    assert Grant(grant.to_text()) == grant

    # Forged: one base64 character of the signature changed.
    text = grant.to_text()
    at = len(text) - len("-----END CUSTODIA GRANT-----\n") - 8
    forged = Grant(text[:at] + ("B" if text[at] == "A" else "A") + text[at + 1:])
    with pytest.raises(custodia.OnwardTransferNotGranted, match="signature does not verify"):
        nl.rewrap(w["jan"], w["envelope"], "mla.execution", add=[w["fr_key"]], grant=forged)
    with pytest.raises(custodia.GrantInvalid) as bad:
        Grant(b"hello")
    assert bad.value.code == 312
    assert nl.unwrap_attempts() == before

    shared = nl.rewrap(w["jan"], w["envelope"], "mla.execution", add=[w["fr_key"]], grant=grant)
    entry = last_entry(nl)
    assert entry["kind"] == "shared" and entry["detail"]["grant"] == grant.id
    assert entry["detail"]["grant_reference"] == LETTER
    with w["fr"].open(w["claire"], shared, "investigation") as opened:
        assert opened.data == STATEMENT


def test_a_purpose_extension_needs_the_originators_grant(world):
    w = world
    nl = w["nl"]
    with pytest.raises(custodia.PurposeNotPermitted):
        nl.open(w["jan"], w["envelope"], "prosecution")
    onward = w["de"].issue_onward_transfer_grant(w["anna"], w["signer"], w["object_id"], "PNF", "FR", w["fr_key"],
                                                 soon(), LETTER)
    before = nl.unwrap_attempts()
    with pytest.raises(custodia.PurposeExtensionNotGranted, match="not a purpose extension") as refused:
        nl.extend_purposes(w["jan"], w["envelope"], onward)
    assert refused.value.code == 216
    assert nl.unwrap_attempts() == before
    with pytest.raises(custodia.NoPurpose):
        w["de"].issue_purpose_extension_grant(w["anna"], w["signer"], w["object_id"], [], soon(), LETTER)
    with pytest.raises(custodia.InvalidArgument):
        w["de"].issue_purpose_extension_grant(w["anna"], w["signer"], "not hex", ["prosecution"], soon(), LETTER)
    grant = w["de"].issue_purpose_extension_grant(w["anna"], w["signer"], w["object_id"], ["prosecution"], soon(),
                                                  LETTER)
    extended = nl.extend_purposes(w["jan"], w["envelope"], grant)
    applied = last_entry(nl)
    assert applied["kind"] == "grant_applied" and applied["detail"]["grant"] == grant.id
    with nl.open(w["jan"], extended, "prosecution.trial") as opened:
        assert opened.data == STATEMENT
    assert last_entry(nl)["detail"]["grant"] == grant.id


def test_the_grant_codes_map_to_typed_exceptions():
    for code, cls, base in [(215, custodia.OnwardTransferNotGranted, custodia.Refused),
                            (216, custodia.PurposeExtensionNotGranted, custodia.Refused),
                            (312, custodia.GrantInvalid, custodia.EnvelopeError)]:
        assert custodia._errors.error_class(code) is cls
        assert issubclass(cls, base)
        assert custodia._raw.lib.custodia_status_name(code).decode() == cls(code, "").name
