"""Disclosure receipts through the Python binding: NL receives DE's envelope, opens it, is refused an asset-recovery
open, opens it under a national-security exception and signs a receipt; DE imports it against NL's imported signing
key and finds it per object and per case. Hostile receipts (wrong key, edited, truncated, oversized, for another
envelope) are refused with their typed exceptions and touch no key."""

from __future__ import annotations

import pytest

import custodia
from custodia import Category, Custodian, KeyKind, NationalSecurity, Receipt, SealOptions


@pytest.fixture
def jan():
    with custodia.Actor("jan", "investigator", "NL", custodia.Classification.SECRET) as actor:
        yield actor


@pytest.fixture
def scene(tmp_path, anna, jan):
    with Custodian(tmp_path / "de", master_key=bytes(32), create=True) as de, \
            Custodian(tmp_path / "nl", master_key=bytes(range(32)), create=True) as nl:
        nl_x = nl.generate_key(jan, KeyKind.X25519, "NL central authority")
        signer = nl.generate_key(jan, KeyKind.ED25519, "NL receipts")
        to_nl = de.import_public(anna, nl.export_public(nl_x), "NL", "NL")
        de.import_public(anna, nl.export_public(signer), "NL receipts", "NL")
        with SealOptions(Category.FINANCIAL_RECORDS, ["investigation", "mla.execution"], case_ref="MLA-2026-0042",
                         destinations=["NL"], recipients=[to_nl]) as o:
            envelope = de.seal(anna, b"IBAN NL91ABNA0417164300", o)
        yield de, nl, signer, envelope


def handled(nl, jan, envelope, signer) -> Receipt:
    info = nl.receive(jan, envelope)
    with nl.open(jan, envelope, "investigation"):
        pass
    with pytest.raises(custodia.PurposeNotPermitted):
        nl.open(jan, envelope, "asset_recovery")
    with NationalSecurity("Decision AIVD 2026/3",
                          "The account funds an imminent attack on critical infrastructure here") as ns:
        with nl.open(jan, envelope, "asset_recovery", exception=ns):
            pass
    return nl.issue_receipt(jan, info.object_id, signer)


def test_receipt_round_trip(scene, anna, jan):
    de, nl, signer, envelope = scene
    receipt = handled(nl, jan, envelope, signer)
    assert receipt.kinds() == ["received", "opened", "refused", "exception_used", "opened"]
    assert receipt.items[1].get("purpose") == "investigation"
    assert receipt.items[1].get("role") == "investigator"
    assert receipt.items[1].get("actor") is None
    assert receipt.items[2].get("refusal") == "purpose_not_permitted"
    assert receipt.items[3].get("exception_kind") == "national_security"
    assert receipt.case_ref == "MLA-2026-0042" and receipt.issuer == signer
    receipt.verify(nl.export_public(signer))
    assert receipt.to_armored().startswith("-----BEGIN CUSTODIA RECEIPT-----\n")
    named = nl.issue_receipt(jan, receipt.object_id, signer, name_actors=True)
    assert named.items[1].get("actor") == "jan"

    before = de.unwrap_attempts()
    text = receipt.to_armored()  # what travels is text
    imported = de.import_receipt(anna, text)
    assert imported == receipt
    assert de.receipts_for_object(receipt.object_id) == [receipt]
    assert de.receipts_for_case("MLA-2026-0042") == [receipt]
    assert de.receipts_for_case("MLA-2026-9999") == []
    assert de.unwrap_attempts() == before


def test_hostile_receipts(scene, tmp_path, anna, jan, no_leaks):
    de, nl, signer, envelope = scene
    receipt = handled(nl, jan, envelope, signer)
    text = receipt.to_armored()
    before = de.unwrap_attempts()
    forger = nl.generate_key(jan, KeyKind.ED25519, "forger")
    forged = nl.issue_receipt(jan, receipt.object_id, forger)
    with pytest.raises(custodia.ReceiptIssuerUnknown) as e:
        de.import_receipt(anna, forged)
    assert e.value.code == 314
    with pytest.raises(custodia.ReceiptIssuerUnknown):
        forged.verify(nl.export_public(signer))
    lines = text.split("\n")
    lines[1] = ("B" if lines[1][0] == "A" else "A") + lines[1][1:]
    with pytest.raises(custodia.ReceiptInvalid) as e:
        de.import_receipt(anna, "\n".join(lines))
    assert e.value.code == 313
    with pytest.raises(custodia.ReceiptInvalid):
        Receipt("\n".join(lines))
    with pytest.raises(custodia.ReceiptInvalid):
        de.import_receipt(anna, text[: len(text) // 2])
    with pytest.raises(custodia.ReceiptInvalid):
        de.import_receipt(anna, "A" * 200_000)
    with pytest.raises(TypeError):
        Receipt(b"bytes")  # type: ignore[arg-type]
    # A genuine receipt by NL, for an envelope another authority sent.
    with Custodian(tmp_path / "fr", master_key=bytes([7]) * 32, create=True) as fr:
        nl_x2 = nl.generate_key(jan, KeyKind.X25519, "NL 2")
        with SealOptions(Category.FINANCIAL_RECORDS, "investigation", case_ref="MLA-2026-0042", destinations=["NL"],
                         recipients=[fr.import_public(anna, nl.export_public(nl_x2), "NL", "NL")]) as o:
            other = fr.seal(anna, b"x", o)
    info = nl.receive(jan, other)
    with pytest.raises(custodia.ReceiptNotApplicable) as e:
        de.import_receipt(anna, nl.issue_receipt(jan, info.object_id, signer))
    assert isinstance(e.value, custodia.Refused) and e.value.code == 220
    with pytest.raises(custodia.ReceiptNotApplicable):
        nl.issue_receipt(jan, "00" * 16, signer)
    assert de.unwrap_attempts() == before
    assert de.receipts_for_object(receipt.object_id) == []


def test_the_later_exception_grounds():
    why = "Disclosure is needed to stop an ongoing attack on the power grid of the region"
    with custodia.OverridingPublicInterest("Art. 23(1)(d) GDPR", why) as g:
        assert g.kind is custodia.ExceptionKind.OVERRIDING_PUBLIC_INTEREST and int(g.kind) == 6
        assert str(g).startswith("overriding_public_interest Art. 23(1)(d) GDPR: ")
    with NationalSecurity("Decision NSC 2026/17", why) as g:
        assert int(g.kind) == 5 and str(g).startswith("national_security ")
    with pytest.raises(custodia.InvalidException):
        NationalSecurity(" ", why)
    with pytest.raises(custodia.InvalidException):
        custodia.OverridingPublicInterest("", why)
