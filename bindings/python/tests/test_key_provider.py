"""A key provider written in Python (the C ABI's callback provider): the host's "KMS" here is a second custodian
(Python's standard library has no AEAD and `cryptography` is not a test dependency; XOR would prove nothing): wrap
seals ``len(aad) || aad || data_key`` to the KMS custodian's KEK, unwrap opens it and refuses unless the embedded AAD
is the one given. Attacks: a refused open never calls the provider; a tampered wrapped key is refused; a provider
that raises is a typed failure and its exception never unwinds into the library; a key it does not hold is not mine.
"""

from __future__ import annotations

import struct
import threading

import pytest

import custodia
from custodia import Category, KeyId, KeyKind, SealOptions

MASTER = bytes(range(32))
HOST_KEY = KeyId(bytes([0xAB] * 16))
SECRET = b"account 4711, balance 1,000,000"


class CustodianKms(custodia.KeyProvider):
    name = "py-kms"

    def __init__(self, store: custodia.Custodian, officer: custodia.Actor, kek: KeyId) -> None:
        self.store, self.officer, self.kek = store, officer, kek
        self.calls = {"holds": 0, "wrap": 0, "unwrap": 0}
        self.mode = "ok"
        self.lock = threading.Lock()

    def _count(self, what: str) -> None:
        with self.lock:
            self.calls[what] += 1
        if self.mode == "down":
            raise custodia.ProviderUnavailable(409, "kms is down")
        if self.mode == "bug":
            raise ZeroDivisionError("a bug in the host's provider")

    def holds(self, key_id: KeyId) -> bool:
        self._count("holds")
        return key_id == HOST_KEY

    def wrap(self, key_id: KeyId, data_key: bytes, aad: bytes) -> bytes:
        self._count("wrap")
        with SealOptions(Category.CASE_ADMINISTRATION, "key_custody", recipients=[self.kek]) as o:
            return self.store.seal(self.officer, struct.pack(">I", len(aad)) + aad + data_key, o)

    def unwrap(self, key_id: KeyId, wrapped: bytes, aad: bytes):
        self._count("unwrap")
        if key_id != HOST_KEY:
            return None
        try:
            with self.store.open(self.officer, wrapped, "key_custody") as opened:
                msg = bytes(opened.data.expose())
        except (custodia.EnvelopeError, custodia.Refused) as e:  # the wrapped key is not what this KMS sealed
            raise custodia.OpenFailed(301, "the wrapped key does not authenticate") from e
        (n,) = struct.unpack(">I", msg[:4])
        if n != len(aad) or msg[4:4 + n] != aad:
            raise custodia.OpenFailed(301, "wrapped under other terms")
        return msg[4 + n:]


@pytest.fixture
def scene(tmp_path, anna):
    officer = custodia.Actor("kms", "central_authority", "NL", custodia.Classification.SECRET)
    store = custodia.Custodian(tmp_path / "kms", master_key=MASTER, create=True)
    kms = CustodianKms(store, officer, store.generate_key(officer, KeyKind.KEK, "kms kek"))
    app = custodia.Custodian(tmp_path / "app", master_key=MASTER, create=True, providers=[kms])
    opts = SealOptions(Category.FINANCIAL_RECORDS, "investigation", recipients=[HOST_KEY])
    yield app, kms, opts
    opts.close()
    app.close()
    store.close()
    officer.close()


def test_seal_and_open_through_a_python_provider(scene, anna):
    app, kms, opts = scene
    env = app.seal(anna, SECRET, opts)
    assert kms.calls["holds"] == 1 and kms.calls["wrap"] == 1
    with app.open(anna, env, "investigation") as opened:
        assert opened.data == SECRET
    assert kms.calls["unwrap"] == 1


def test_a_refused_open_never_calls_the_provider(scene, anna):
    app, kms, opts = scene
    env = app.seal(anna, SECRET, opts)
    with pytest.raises(custodia.PurposeNotPermitted):
        app.open(anna, env, "asset_recovery")
    assert kms.calls["unwrap"] == 0


def test_a_tampered_wrapped_key_is_refused(scene, anna):
    app, kms, opts = scene
    env = bytearray(app.seal(anna, SECRET, opts))
    at = bytes(env).index(bytes(HOST_KEY))
    env[at + 16 + 60] ^= 1  # inside the KMS's envelope
    with pytest.raises(custodia.OpenFailed):
        app.open(anna, bytes(env), "investigation")
    assert kms.calls["unwrap"] == 1


def test_provider_exceptions_are_typed_and_never_unwind(scene, anna):
    app, kms, opts = scene
    env = app.seal(anna, SECRET, opts)
    kms.mode = "down"
    with pytest.raises(custodia.ProviderUnavailable):
        app.open(anna, env, "investigation")
    with pytest.raises(custodia.ProviderUnavailable):
        app.seal(anna, b"x", opts)
    kms.mode = "bug"
    with pytest.raises(custodia.ProviderFailed):
        app.open(anna, env, "investigation")
    kms.mode = "ok"
    with app.open(anna, env, "investigation") as opened:
        assert opened.data == SECRET


def test_a_key_the_provider_does_not_hold(scene, anna, tmp_path):
    app, kms, opts = scene
    with SealOptions(Category.FINANCIAL_RECORDS, "investigation", recipients=[KeyId(bytes(16))]) as other:
        with pytest.raises(custodia.KeyNotFound):
            app.seal(anna, b"x", other)
    env = app.seal(anna, SECRET, opts)
    with custodia.Custodian(tmp_path / "bare", master_key=MASTER, create=True) as bare:
        with pytest.raises(custodia.NoMatchingRecipient):
            bare.open(anna, env, "investigation")


def test_providers_are_used_from_several_threads(scene, anna):
    app, kms, opts = scene
    env = app.seal(anna, SECRET, opts)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                with app.open(anna, env, "investigation") as opened:
                    assert opened.data == SECRET
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert kms.calls["unwrap"] == 20


def test_case_keys_wrapped_by_a_python_provider_one_unwrap_per_case_and_shredding_reaches_every_worker(
        tmp_path, anna):
    """Two custodians on one directory (two worker processes in production) with case keys wrapped by the host's
    KMS: each object's open costs no provider call once the case key is cached; a custodian without a cache asks
    every time; destroying the case key on one worker stops the other, whose cache held it, with no provider call."""
    officer = custodia.Actor("kms", "central_authority", "NL", custodia.Classification.SECRET)
    store = custodia.Custodian(tmp_path / "kms", master_key=MASTER, create=True)
    kms = CustodianKms(store, officer, store.generate_key(officer, KeyKind.KEK, "kms kek"))
    with pytest.raises(TypeError):
        custodia.CaseKeyWrapping(kms, "not a key id")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        custodia.CaseKeyWrapping(kms, HOST_KEY, cache_ttl_secs=-1)
    cached = custodia.CaseKeyWrapping(kms, HOST_KEY, cache_ttl_secs=300, cache_max_uses=100)
    w1 = custodia.Custodian(tmp_path / "cases", master_key=MASTER, create=True, case_keys=cached)
    w2 = custodia.Custodian(tmp_path / "cases", master_key=MASTER, case_keys=cached)
    w3 = custodia.Custodian(tmp_path / "cases", master_key=MASTER,
                            case_keys=custodia.CaseKeyWrapping(kms, HOST_KEY, cache_ttl_secs=0, cache_max_uses=0))
    try:
        key = w1.case_key(anna, "MLA-2026-0042")
        assert kms.calls["wrap"] == 1
        with SealOptions(Category.FINANCIAL_RECORDS, "investigation", recipients=[key],
                         case_ref="MLA-2026-0042") as o:
            envs = [w1.seal(anna, SECRET + bytes([i]), o) for i in range(3)]
        before = kms.calls["unwrap"]
        for _ in range(2):
            for i, env in enumerate(envs):
                with w2.open(anna, env, "investigation") as opened:
                    assert bytes(opened.data.expose()) == SECRET + bytes([i])
        assert kms.calls["unwrap"] == before + 1  # six opens, one provider call
        before = kms.calls["unwrap"]
        for env in envs[:2]:
            with w3.open(anna, env, "investigation"):
                pass
        assert kms.calls["unwrap"] == before + 2  # no cache: one call per open
        w1.destroy_key(anna, key, "case closed, retention ended")
        before = kms.calls["unwrap"]
        for env in envs:
            with pytest.raises(custodia.KeyDestroyed):
                w2.open(anna, env, "investigation")
        assert kms.calls["unwrap"] == before
    finally:
        for c in (w1, w2, w3, store):
            c.close()
        officer.close()
