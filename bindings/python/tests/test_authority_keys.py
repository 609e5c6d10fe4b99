"""Keys belong to authorities, the transfer record, breach response (issue 14, sections 3, 4 and 6), through the
Python binding.

Each guarantee is attacked: sealing for a partner's key with no destination, another destination, outside its
validity period, after revocation, or with a compromised key must raise the typed exception, leave a ``refused``
entry in the audit log, and touch no key (``unwrap_attempts`` does not move). The compromise report must list what a
key protected through a rotation and re-wrap, and say what it cannot know."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

import custodia
from custodia import Category, Classification, Custodian, KeyKind, SealOptions

DATA = b"account NL00BANK0123456789"
EIO = custodia.InstrumentKind.EUROPEAN_INVESTIGATION_ORDER


@pytest.fixture
def nl(tmp_path):
    with Custodian(tmp_path / "nl", master_key=bytes(range(32)), create=True) as c:
        yield c


@pytest.fixture
def de(tmp_path):
    with Custodian(tmp_path / "de", master_key=bytes(range(1, 33)), create=True) as c:
        yield c


@pytest.fixture
def jan():
    with custodia.Actor("jan", "central_authority", "NL", Classification.SECRET) as a:
        yield a


@pytest.fixture
def dora():
    with custodia.Actor("dora", "central_authority", "DE", Classification.SECRET) as a:
        yield a


def entries(c: Custodian) -> list[dict]:
    return [json.loads(line) for line in c.audit_path.read_text().splitlines()]


def options(recipients, destinations=()) -> SealOptions:
    o = SealOptions(Category.FINANCIAL_RECORDS, ["investigation", "mla.execution"], case_ref="MLA-2026-0042",
                    origin="NL", destinations=list(destinations), recipients=list(recipients))
    o.set_instrument(EIO, "EIO 2026/117", "Art. 10 Dir. 2014/41")
    return o


def import_de(nl, de, jan, dora, **period):
    held = de.generate_key(dora, KeyKind.X25519, "DE central authority")
    key = nl.import_authority_key(jan, de.export_public(held), "DE central authority", "Bundesamt fuer Justiz", "DE",
                                  **period)
    assert key == held
    return key


def expect_seal_refused(c, actor, opts, exc, kind, message=""):
    before = (c.unwrap_attempts(), sum(1 for e in entries(c) if e["kind"] == "sealed"))
    with pytest.raises(exc) as refused:
        c.seal(actor, DATA, opts)
    assert message in str(refused.value)
    last = entries(c)[-1]
    assert last["kind"] == "refused" and last["detail"]["operation"] == "seal"
    assert last["outcome"]["kind"] == kind
    assert (c.unwrap_attempts(), sum(1 for e in entries(c) if e["kind"] == "sealed")) == before
    return refused.value


def test_key_info_shows_the_authority_and_period(nl, de, jan, dora):
    now = int(time.time())
    key = import_de(nl, de, jan, dora, not_before=now - 60, not_after=now + 86400)
    info = nl.key(key)
    assert info.authority == "Bundesamt fuer Justiz" and info.jurisdiction == "DE"
    assert info.not_before == dt.datetime.fromtimestamp(now - 60, dt.timezone.utc)
    assert info.not_after == dt.datetime.fromtimestamp(now + 86400, dt.timezone.utc)
    assert info.revoked is None and info.compromised is None
    for bad in ["", "a|b", "two\nlines", "x" * 129]:
        with pytest.raises(custodia.InvalidArgument):
            nl.import_authority_key(jan, nl.export_public(key), "x", bad, "DE")
    with pytest.raises(custodia.InvalidArgument):  # a period that ends before it begins
        nl.import_authority_key(jan, nl.export_public(key), "x", "BfJ", "DE", not_before=now, not_after=now - 1)
    with pytest.raises(custodia.InvalidArgument):  # never moved to another jurisdiction
        nl.import_authority_key(jan, nl.export_public(key), "x", "Bundesamt fuer Justiz", "FR")


def test_sealing_for_a_partner_needs_its_jurisdiction_among_the_destinations(nl, de, jan, dora):
    key = import_de(nl, de, jan, dora)
    kek = nl.generate_key(jan, KeyKind.KEK, "NL escrow")
    with options([key]) as o:
        e = expect_seal_refused(nl, jan, o, custodia.DestinationRequired, "destination_required",
                                "add DE to the destinations")
        assert e.code == 218 and e.is_refusal
    with options([kek, key], ["FR"]) as o:
        expect_seal_refused(nl, jan, o, custodia.RecipientNotPermitted, "recipient_not_permitted",
                            "destinations must include DE")
    with options([kek, key], ["DE"]) as o:
        envelope = nl.seal(jan, DATA, o)
    sealed = entries(nl)[-1]
    assert sealed["kind"] == "sealed"
    d = sealed["detail"]
    assert d["instrument_kind"] == "european_investigation_order" and d["instrument_reference"] == "EIO 2026/117"
    assert d["transfer_basis"] == "Art. 10 Dir. 2014/41" and d["destinations"] == "DE" and d["origin"] == "NL"
    assert d["recipient_jurisdictions"] == "DE" and d["recipient_authorities"] == "Bundesamt fuer Justiz"
    info = nl.inspect(envelope)
    assert info.instrument == custodia.Instrument(EIO, "EIO 2026/117", "Art. 10 Dir. 2014/41")
    assert info.instrument.kind_name == "european_investigation_order"
    assert info.origin == "NL" and info.destinations == ("DE",)
    assert info.purposes == ("investigation", "mla.execution")
    with de.open(dora, envelope, "investigation") as opened:
        assert bytes(opened.data) == DATA
        assert opened.info.instrument.reference == "EIO 2026/117"
    assert entries(de)[-1]["detail"]["instrument_reference"] == "EIO 2026/117"


def test_outside_the_validity_period_nothing_is_sealed(nl, de, jan, dora):
    now = int(time.time())
    key = import_de(nl, de, jan, dora, not_before=now + 365 * 86400)
    with options([key], ["DE"]) as o:
        e = expect_seal_refused(nl, jan, o, custodia.KeyNotValid, "key_not_valid", "is valid from")
        assert e.code == 408 and not e.is_refusal


def test_a_revoked_key_receives_nothing_new(nl, de, jan, dora):
    key = import_de(nl, de, jan, dora)
    kek = nl.generate_key(jan, KeyKind.KEK, "NL escrow")
    with options([kek], ["DE"]) as o:
        envelope = nl.seal(jan, DATA, o)
    with pytest.raises(custodia.InvalidArgument):
        nl.revoke_key(jan, kek, "own keys are rotated, not revoked")
    nl.revoke_key(jan, key, "end of cooperation")
    last = entries(nl)[-1]
    assert last["kind"] == "key_revoked" and last["detail"]["reason"] == "end of cooperation"
    assert nl.key(key).revoked.reason == "end of cooperation"
    with options([key], ["DE"]) as o:
        assert expect_seal_refused(nl, jan, o, custodia.KeyRevoked, "key_revoked").code == 217
    before = nl.unwrap_attempts()
    with pytest.raises(custodia.KeyRevoked):
        nl.rewrap(jan, envelope, "mla.execution", add=[key])
    assert nl.unwrap_attempts() == before
    assert entries(nl)[-1]["detail"]["operation"] == "share"


def test_a_compromised_key_and_its_report(nl, de, jan, dora):
    kek = nl.generate_key(jan, KeyKind.KEK, "NL escrow")
    with options([kek]) as o:
        first = nl.seal(jan, DATA, o)
        second = nl.seal(jan, DATA, o)
    nl.mark_compromised(jan, kek, "backup tape lost")
    assert nl.key(kek).compromised.reason == "backup tape lost"
    assert entries(nl)[-1]["kind"] == "key_compromised"
    with options([kek]) as o:
        assert expect_seal_refused(nl, jan, o, custodia.KeyCompromised, "key_compromised").code == 219
    with pytest.raises(custodia.InvalidArgument):
        nl.mark_compromised(jan, kek, "again")
    report = nl.compromise_report(kek)
    ids = [nl.inspect(first).object_id, nl.inspect(second).object_id]
    assert [e.object_id for e in report.envelopes] == ids
    assert report.to_rewrap == ids and report.plan is None and report.cases == ("MLA-2026-0042",)
    assert all(e.via == ("sealed",) and e.recipients == (kek,) for e in report.envelopes)
    assert any("not been rotated" in limit for limit in report.limits)
    assert report.compromised_at is not None
    fresh = nl.rotate(jan, kek)
    report = nl.compromise_report(kek)
    assert report.plan == "rotated" and report.successor == fresh
    moved = nl.rewrap_rotated(jan, first)
    assert nl.inspect(moved).recipient_count == 1
    assert fresh in nl.compromise_report(fresh).envelopes[0].recipients
    report = nl.compromise_report(kek)
    assert report.to_rewrap == [ids[1]]
    assert not report.envelopes[0].still_wrapped
    with pytest.raises(custodia.KeyNotFound):
        nl.compromise_report(custodia.KeyId("00" * 16))


def test_retention_change_is_its_own_event(nl, jan):
    kek = nl.generate_key(jan, KeyKind.KEK, "NL escrow")
    nl.set_retention(jan, kek, int(time.time()) + 86400)
    assert entries(nl)[-1]["kind"] == "retention_changed"
