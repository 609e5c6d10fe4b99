"""Anchors, counter-signing, close/checkpoint and erasure certificates through the Python binding: authority A
exports anchors, authority B counter-signs one with a keyring key, a forged one is refused, a log cut back below an
anchor no longer verifies, a destroyed key's certificate verifies with the audit key text alone."""

from __future__ import annotations

import json

import pytest

import custodia
from custodia import Anchor, Category, Custodian, ErasureCertificate, KeyKind, SealOptions

MASTER_A = bytes(range(32))
MASTER_B = bytes(range(1, 33))


@pytest.fixture
def a(tmp_path):
    with Custodian(tmp_path / "a", master_key=MASTER_A, create=True) as c:
        yield c


@pytest.fixture
def b(tmp_path):
    with Custodian(tmp_path / "b", master_key=MASTER_B, create=True) as c:
        yield c


@pytest.fixture
def ben():
    with custodia.Actor("ben", "central authority", "NL", custodia.Classification.SECRET) as actor:
        yield actor


def test_counter_signing_with_a_keyring_key(a, b, anna, ben):
    a.generate_key(anna, KeyKind.KEK, "local")
    sent = a.checkpoint().to_json()  # what travels is text
    a_key = a.audit_public_key()
    witness = b.generate_key(ben, KeyKind.ED25519, "witness key")
    witnessed = b.countersign_anchor(ben, Anchor(sent), a_key, witness)
    witness_key = b.export_public(witness)

    assert isinstance(witnessed, Anchor) and witnessed != Anchor(sent)
    assert witnessed.count == Anchor(sent).count and len(witnessed.witness_keys) == 1
    witnessed.verify(a_key, witness_key)
    assert witnessed.is_witnessed_by(witness_key, a_key)
    assert not witnessed.is_witnessed_by(b.audit_public_key(), a_key)
    assert not Anchor(sent).is_witnessed_by(witness_key, a_key)
    assert a.verify_audit([witnessed]).anchors == 1
    assert a.verify_audit([witnessed.to_json()]).anchors == 1


def test_counter_signing_refuses_an_anchor_that_does_not_verify(a, b, tmp_path, anna, ben):
    witness = b.generate_key(ben, KeyKind.ED25519, "witness key")
    with Custodian(tmp_path / "mallory", master_key=bytes(32), create=True) as mallory:
        fake = mallory.checkpoint()
    with pytest.raises(custodia.AnchorInvalid) as e:
        b.countersign_anchor(ben, fake, a.audit_public_key(), witness)
    assert e.value.code == 507
    genuine = json.loads(a.checkpoint().to_json())
    genuine["count"] += 3
    with pytest.raises(custodia.AnchorInvalid):
        b.countersign_anchor(ben, json.dumps(genuine, separators=(",", ":")), a.audit_public_key(), witness)
    with pytest.raises(custodia.AnchorInvalid):
        Anchor(json.dumps(genuine)).verify(a.audit_public_key())
    with pytest.raises(custodia.InvalidArgument):  # a KEK cannot witness
        b.countersign_anchor(ben, a.checkpoint(), a.audit_public_key(), b.generate_key(ben, KeyKind.KEK, "kek"))
    with pytest.raises(custodia.InvalidArgument):
        Anchor('{"type":"something else"}')
    with pytest.raises(TypeError):
        Anchor(b"{}")  # type: ignore[arg-type]
    with pytest.raises(custodia.AnchorInvalid):  # another log's anchor
        a.verify_audit([fake])


def test_an_anchor_catches_a_log_cut_back_to_an_earlier_checkpoint(tmp_path, anna):
    c = Custodian(tmp_path / "a", master_key=MASTER_A, create=True)
    kek = c.generate_key(anna, KeyKind.KEK, "local")
    early = c.checkpoint()
    with SealOptions(Category.EVIDENCE, "investigation", recipients=[kek]) as opts:
        envelope = c.seal(anna, b"evidence", opts)
    with c.open(anna, envelope, "investigation"):
        pass
    anchor = c.checkpoint()
    assert anchor.count > early.count
    closing = c.close()
    assert isinstance(closing, Anchor) and closing.count >= anchor.count
    assert c.close() == closing  # idempotent

    log = tmp_path / "a" / "audit.log"
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[: early.count + 1]))  # the seal and the open vanish

    # The keyring pinned the closing checkpoint, so reopening refuses the cut log outright (and the anchor another
    # authority holds would refuse it in verify_audit, as the Rust tests show for a log verified on its own).
    with pytest.raises(custodia.AuditTampered, match="truncated"):
        Custodian(tmp_path / "a", master_key=MASTER_A)


def test_close_then_calls_fail(tmp_path, anna, no_leaks):
    c = Custodian(tmp_path / "a", master_key=MASTER_A, create=True)
    kek = c.generate_key(anna, KeyKind.KEK, "local")
    anchor = c.close()
    assert c.closed and isinstance(anchor, Anchor)
    with pytest.raises(custodia.InvalidHandle, match="closed"):
        c.generate_key(anna, KeyKind.KEK, "late")
    with pytest.raises(custodia.InvalidHandle):
        c.checkpoint()
    with Custodian(tmp_path / "a", master_key=MASTER_A, create=True) as again:
        report = again.verify_audit([anchor])
        assert report.anchors == 1
        assert [k.id for k in again.keys() if k.kind == KeyKind.KEK] == [kek]


def test_with_block_closes_with_a_checkpoint(tmp_path, anna):
    with Custodian(tmp_path / "a", master_key=MASTER_A, create=True) as c:
        c.generate_key(anna, KeyKind.KEK, "local")
    assert c.closed
    with Custodian(tmp_path / "a", master_key=MASTER_A, create=True) as again:
        r = again.verify_audit()
        assert r.unsealed_tail == 0 and r.last_checkpoint == r.entries - 1


def test_destroy_key_certificate_verifies_with_the_audit_key_alone(a, b, anna):
    key = a.case_key(anna, "MLA-2026-0042")
    cert = a.destroy_key(anna, key, "retention period ended")
    assert isinstance(cert, ErasureCertificate)
    assert cert.keys == [key] and cert.case_ref == "MLA-2026-0042" and cert.reason == "retention period ended"
    audit_key = a.audit_public_key()
    ErasureCertificate(cert.to_json()).verify(audit_key)
    with pytest.raises(custodia.AuditWrongKey):
        cert.verify(b.audit_public_key())
    for old, new in [("MLA-2026-0042", "MLA-2026-0043"), ("retention period ended", "retention period extended")]:
        forged = ErasureCertificate(cert.to_json().replace(old, new))
        with pytest.raises(custodia.AuditTampered):
            forged.verify(audit_key)
    with pytest.raises(custodia.InvalidKeyText):
        cert.verify("custodia-ed25519-public:AAAA")


def test_shred_expired_carries_certificates(a, anna):
    k1 = a.case_key(anna, "MLA-2026-0001", destroy_after=1)
    k2 = a.case_key(anna, "MLA-2026-0002", destroy_after=1)
    report = a.shred_expired(anna)
    assert report.destroyed == 2 and len(report.certificates) == 2
    assert sorted(str(c.keys[0]) for c in report.certificates) == sorted([str(k1), str(k2)])
    for cert in report.certificates:
        cert.verify(a.audit_public_key())
    assert a.shred_expired(anna).certificates == ()


def test_one_entry_proved_to_another_authority_with_a_merkle_bundle(a, b, anna):
    kek = a.generate_key(anna, KeyKind.KEK, "proved")
    entries = a.audit_entries(kinds=["key_generated"])
    seq = entries[-1].seq
    bundle = a.prove_audit_entry(seq)
    # B holds only A's audit public key: the entry checks, and is exactly A's entry at that index.
    line = custodia.verify_inclusion(bundle, a.audit_public_key())
    entry = json.loads(line)
    assert entry["seq"] == seq and entry["kind"] == "key_generated"
    assert str(kek) in entry["keys"]
    # Not A's key: the checkpoint is not signed by it.
    with pytest.raises(custodia.CheckpointInvalid) as e:
        custodia.verify_inclusion(bundle, b.audit_public_key())
    assert e.value.code == 509
    # The entry edited inside the bundle: not the entry at that index any more.
    forged = bundle.replace('"kind":"key_generated"', '"kind":"key_destroyed"')
    assert forged != bundle
    with pytest.raises((custodia.MerkleProofInvalid, custodia.AuditTampered)):
        custodia.verify_inclusion(forged, a.audit_public_key())
    # Beyond the log, and not an index at all.
    with pytest.raises(custodia.InvalidArgument):
        a.prove_audit_entry(10_000)
    with pytest.raises(custodia.InvalidArgument):
        a.prove_audit_entry(-1)
