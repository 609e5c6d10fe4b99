"""A signer written in Python (the C ABI's callback signer): the host's "HSM" is an Ed25519 key of the
``cryptography`` package (a test dependency), which custodia never sees. Attacks: a signer that signs with another
key, returns garbage or a short signature, or raises gets nothing signed (ProviderFailed; unreachable is
ProviderUnavailable) and its exception never unwinds into the library; the keyring holds only the public key; an
audit log signed outside verifies and is the host key's (checked against the host's own public key, not only the
library's word); its directory refuses to open without that signer or with another.
"""

from __future__ import annotations

import base64
import threading

import pytest

# Not skipped when missing: run-tests.sh installs it (pyproject's `test` extra), and a skip would hide the test.
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import custodia
from custodia import Category, KeyKind, SealOptions

MASTER = bytes(range(32))
SECRET = b"account 4711, balance 1,000,000"


class Hsm(custodia.Signer):
    """The host's key store: signs with its key, counts, and misbehaves on demand."""

    def __init__(self) -> None:
        self._key = Ed25519PrivateKey.generate()
        self._other = Ed25519PrivateKey.generate()
        self.mode = "ok"
        self.signed = 0
        self.lock = threading.Lock()

    def public_key(self) -> bytes:
        return self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def sign(self, message: bytes) -> bytes:
        with self.lock:
            self.signed += 1
        if self.mode == "other-key":
            return self._other.sign(message)
        if self.mode == "garbage":
            return bytes([0x42]) * 64
        if self.mode == "short":
            return self._key.sign(message)[:63]
        if self.mode == "bug":
            raise ZeroDivisionError("a bug in the host's signer")
        if self.mode == "down":
            raise custodia.ProviderUnavailable(409, "hsm is down")
        return self._key.sign(message)


def sealed_ok(c: custodia.Custodian) -> int:
    return sum(1 for e in c.audit_entries(kinds=["sealed"]) if e.outcome == "ok")


@pytest.fixture
def kek_opts():
    def make(c: custodia.Custodian, actor: custodia.Actor, signer=None) -> SealOptions:
        kek = c.generate_key(actor, KeyKind.KEK, "team")
        return SealOptions(Category.FINANCIAL_RECORDS, "investigation", recipients=[kek], signer=signer)
    return make


def test_an_envelope_signed_outside_verifies_and_the_keyring_holds_no_secret(tmp_path, anna, kek_opts):
    hsm = Hsm()
    key_id = hsm.key_id()
    with custodia.Custodian(tmp_path / "c", master_key=MASTER, create=True, signers=[hsm]) as c:
        with kek_opts(c, anna, key_id) as opts:
            env = c.seal(anna, SECRET, opts)
        assert hsm.signed == 1
        assert c.inspect(env).signer == key_id
        with c.open(anna, env, "investigation", required_signer=key_id) as opened:
            assert opened.data == SECRET
        local = c.generate_key(anna, KeyKind.ED25519, "a key of this keyring")
        with pytest.raises(custodia.SignerMismatch):
            c.open(anna, env, "investigation", required_signer=local)
        info = next(k for k in c.keys() if k.id == key_id)
        assert info.kind == KeyKind.ED25519 and not info.has_secret


@pytest.mark.parametrize("mode", ["other-key", "garbage", "short", "bug"])
def test_a_lying_or_failing_signer_gets_nothing_sealed(tmp_path, anna, kek_opts, mode):
    hsm = Hsm()
    with custodia.Custodian(tmp_path / "c", master_key=MASTER, create=True, signers=[hsm]) as c:
        with kek_opts(c, anna, hsm.key_id()) as opts:
            before = sealed_ok(c)
            hsm.mode = mode
            with pytest.raises(custodia.ProviderFailed):
                c.seal(anna, SECRET, opts)
            assert hsm.signed == 1, "asked, and not believed"
            assert sealed_ok(c) == before, "nothing sealed"
            hsm.mode = "down"
            with pytest.raises(custodia.ProviderUnavailable):
                c.seal(anna, SECRET, opts)
            hsm.mode = "ok"
            c.seal(anna, SECRET, opts)
            assert sealed_ok(c) == before + 1


def test_signers_are_used_from_several_threads(tmp_path, anna, kek_opts):
    hsm = Hsm()
    key_id = hsm.key_id()
    errors: list[BaseException] = []
    with custodia.Custodian(tmp_path / "c", master_key=MASTER, create=True, signers=[hsm]) as c:
        with kek_opts(c, anna, key_id) as opts:
            def worker() -> None:
                try:
                    for _ in range(3):
                        env = c.seal(anna, SECRET, opts)
                        with c.open(anna, env, "investigation", required_signer=key_id) as opened:
                            assert opened.data == SECRET
                except BaseException as e:  # noqa: BLE001
                    errors.append(e)

            threads = [threading.Thread(target=worker) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    assert not errors, errors
    assert hsm.signed == 12


def _raw_public(text: str) -> bytes:
    """The 32 key bytes of a ``custodia-ed25519-public:<base32>`` text (its checksum follows them)."""
    prefix, body = text.split(":", 1)
    assert prefix == "custodia-ed25519-public"
    return base64.b32decode(body + "=" * (-len(body) % 8))[:32]


def test_an_audit_log_signed_outside_verifies_and_needs_its_signer(tmp_path, anna, kek_opts):
    hsm = Hsm()
    d = tmp_path / "c"
    with custodia.Custodian(d, master_key=MASTER, create=True, audit_signer=hsm) as c:
        with kek_opts(c, anna) as opts:
            env = c.seal(anna, SECRET, opts)
        with c.open(anna, env, "investigation") as opened:
            assert opened.data == SECRET
        report = c.verify_audit()
        assert report.entries >= 3 and hsm.signed >= report.entries, "every entry signed outside"
        audit_key = c.audit_public_key()
        assert _raw_public(audit_key) == hsm.public_key(), "the audit key is the host's"
        c.checkpoint().verify(audit_key)
        assert not any(k.has_secret for k in c.keys() if k.id == hsm.key_id())

    with pytest.raises(custodia.InvalidArgument):
        custodia.Custodian(d, master_key=MASTER)
    with pytest.raises(custodia.AuditWrongKey):
        custodia.Custodian(d, master_key=MASTER, audit_signer=Hsm())
    with custodia.Custodian(d, master_key=MASTER, audit_signer=hsm) as again:
        with kek_opts(again, anna) as opts:
            hsm.mode = "garbage"
            with pytest.raises(custodia.AuditWriteFailed):
                again.seal(anna, SECRET, opts)
            hsm.mode = "ok"
            again.seal(anna, SECRET, opts)
        again.verify_audit()
    # A new directory whose audit signer lies is never made.
    liar = Hsm()
    liar.mode = "other-key"
    with pytest.raises(custodia.ProviderFailed):
        custodia.Custodian(tmp_path / "d", master_key=MASTER, create=True, audit_signer=liar)


def test_invalid_signers_are_refused(tmp_path):
    class Weak(Hsm):
        def public_key(self) -> bytes:
            return bytes([1]) + bytes(31)  # the identity point

    class Short(Hsm):
        def public_key(self) -> bytes:
            return bytes(31)

    with pytest.raises(custodia.InvalidArgument):
        custodia.Custodian(tmp_path / "a", master_key=MASTER, create=True, signers=[Weak()])
    with pytest.raises(ValueError):
        custodia.Custodian(tmp_path / "b", master_key=MASTER, create=True, audit_signer=Short())
    with pytest.raises(TypeError):
        custodia.Custodian(tmp_path / "c", master_key=MASTER, create=True, signers=[object()])
