"""The Custodian facade from Python: seal/open, every refusal, exceptions, streaming, rotation, shredding, audit,
bad input, freed handles, threads. Each test gets its own keyring directory under pytest's tmp_path."""

from __future__ import annotations

import inspect
import io
import os
import stat
import threading
import time

import pytest

import custodia
from custodia import Category, Classification, CourtOrder, Custodian, KeyKind, SealOptions, _raw
from custodia._errors import error_class

MASTER_KEY = bytes(range(32))  # raw master key: no Argon2id, so tests stay fast
JUSTIFICATION = "The regional court ordered the freezing of the proceeds identified in these records"
DATA = b"IBAN NL91ABNA0417164300, balance 1,204,331.17"


@pytest.fixture
def custodian(tmp_path):
    with Custodian(tmp_path / "keys", master_key=MASTER_KEY, create=True) as c:
        yield c


@pytest.fixture
def kek(custodian, anna):
    return custodian.generate_key(anna, KeyKind.KEK, "test kek")


@pytest.fixture
def terms(kek):
    with SealOptions(
        Category.FINANCIAL_RECORDS,
        ["investigation", "prosecution"],
        case_ref="MLA-2026-0042",
        origin="NL",
        destinations=["DE"],
        recipients=[kek],
    ) as opts:
        yield opts


def actor(user: str, jurisdiction: str = "DE", clearance: Classification = Classification.SECRET) -> custodia.Actor:
    return custodia.Actor(user, "investigator", jurisdiction, clearance)


# ---- seal and open -----------------------------------------------------------------------------------------------


def test_seal_open_round_trip(custodian, anna, terms, kek):
    envelope = custodian.seal(anna, DATA, terms)
    assert isinstance(envelope, bytes) and DATA not in envelope
    with custodian.open(anna, envelope, "prosecution.trial") as opened:
        assert isinstance(opened.data, custodia.SensitiveBytes)
        assert opened.data == DATA and bytes(opened.data.expose()) == DATA
        assert opened.info.category is Category.FINANCIAL_RECORDS
        assert "IBAN" not in repr(opened)
    assert opened.data.closed  # leaving the with block wiped the plaintext


@pytest.mark.parametrize("data", [b"", b"x", os.urandom(70_000), bytearray(b"abc"), memoryview(b"abcdef")[1:4]])
def test_round_trip_sizes_and_buffer_types(custodian, anna, terms, data):
    with custodian.open(anna, custodian.seal(anna, data, terms), "investigation") as opened:
        assert opened.data == bytes(data)


@pytest.mark.parametrize("size", [0, 1, 200_000, 5 << 20, 1024])
def test_sizes_around_the_scratch_buffers(custodian, anna, terms, size):
    # Beyond the per-thread scratch buffer (128 KiB: open then writes into a bytearray of the exact size) and beyond
    # what a thread keeps (4 MiB: seal then uses a buffer for that call alone), then small again.
    data = os.urandom(size)
    envelope = custodian.seal(anna, data, terms)
    with custodian.open(anna, envelope, "investigation") as opened:
        assert opened.data == data
        assert opened.info.object_id == custodian.inspect(envelope).object_id


def test_seal_accepts_sensitive_bytes(custodian, anna, terms):
    with custodia.SensitiveBytes(DATA) as secret:
        envelope = custodian.seal(anna, secret, terms)
    with custodian.open(anna, envelope, "investigation") as opened:
        assert opened.data == DATA


def test_inspect_reads_bound_metadata_without_opening(custodian, anna, terms, kek):
    info = custodian.inspect(custodian.seal(anna, DATA, terms))
    assert info.category is Category.FINANCIAL_RECORDS
    assert info.classification is Classification.CONFIDENTIAL
    assert info.purpose_count == 2 and info.recipient_count == 1 and info.signer is None
    text = custodian.describe(custodian.seal(anna, DATA, terms))
    assert "MLA-2026-0042" in text and "IBAN" not in text


# ---- refusals -----------------------------------------------------------------------------------------------------


def test_purpose_not_permitted(custodian, anna, terms):
    envelope = custodian.seal(anna, DATA, terms)
    with pytest.raises(custodia.PurposeNotPermitted) as info:
        custodian.open(anna, envelope, "asset_recovery")
    assert info.value.code == 200 and info.value.is_refusal
    assert "asset_recovery" in info.value.message and "IBAN" not in info.value.message


def test_expiry_deadline_is_checked_at_seal_and_carried(custodian, anna, kek):
    """The binding cannot set the custodian's clock (that door is not in the shipped library), so data cannot be
    made to expire here: seal refuses a not-after already past and seals one ahead. Opening after the deadline is
    tested in Rust with an injected clock; here only that its status maps to :class:`custodia.Expired`."""
    now = int(time.time())
    with SealOptions(Category.EVIDENCE, "investigation", recipients=[kek], not_after=now - 86_400) as opts:
        with pytest.raises(custodia.InvalidArgument) as refused:
            custodian.seal(anna, DATA, opts)
    assert "not_after" in refused.value.message
    with SealOptions(Category.EVIDENCE, "investigation", recipients=[kek], not_after=now + 86_400) as opts:
        envelope = custodian.seal(anna, DATA, opts)
    with custodian.open(anna, envelope, "investigation") as opened:
        assert opened.data == DATA
    assert error_class(201) is custodia.Expired and issubclass(custodia.Expired, custodia.Refused)


def test_the_clock_door_is_not_shipped():
    assert not hasattr(_raw.lib, "custodia_custodian_options_danger_set_fixed_time")
    assert "danger_fixed_time" not in inspect.signature(Custodian.__init__).parameters


def test_jurisdiction_not_permitted(custodian, anna, terms):
    envelope = custodian.seal(anna, DATA, terms)
    with actor("pierre", "FR") as pierre, pytest.raises(custodia.JurisdictionNotPermitted):
        custodian.open(pierre, envelope, "investigation")


def test_clearance_insufficient(custodian, anna, terms):
    envelope = custodian.seal(anna, DATA, terms)
    with actor("bo", "DE", Classification.RESTRICTED) as bo, pytest.raises(custodia.ClearanceInsufficient):
        custodian.open(bo, envelope, "investigation")


def test_key_destroyed(custodian, anna, terms, kek):
    envelope = custodian.seal(anna, DATA, terms)
    custodian.destroy_key(anna, kek, "case closed; retention period ended")
    with pytest.raises(custodia.KeyDestroyed):
        custodian.open(anna, envelope, "investigation")


def test_legal_hold_blocks_shredding(tmp_path, anna, no_leaks):
    """Deterministic on the system clock: the retention deadline is moved to before now."""
    t0 = int(time.time())
    with Custodian(tmp_path / "k", master_key=MASTER_KEY, create=True) as c:
        case_key = c.case_key(anna, "MLA-2026-0042", destroy_after=t0 + 86_400)
        with SealOptions(Category.EVIDENCE, "investigation", case_ref="MLA-2026-0042", recipients=[case_key]) as opts:
            envelope = c.seal(anna, DATA, opts)
        c.set_retention(anna, case_key, t0 - 1)  # the deadline has passed
        assert c.key(case_key).destroy_after is not None
        c.place_legal_hold(anna, "MLA-2026-0042", "LG-Berlin-77/26", "pending appeal in the main proceedings")
        with pytest.raises(custodia.Conflict) as twice:  # one hold per case: a conflict, not malformed input
            c.place_legal_hold(anna, "MLA-2026-0042", "LG-Berlin-78/26", "a second order")
        assert (twice.value.code, twice.value.name, twice.value.is_refusal) == (110, "conflict", False)
        assert "MLA-2026-0042" in twice.value.message
        assert isinstance(twice.value, custodia.InvalidArgument)  # handlers written before code 110 still catch it
        (hold,) = c.legal_holds()
        assert hold.reference == "LG-Berlin-77/26"  # the conflicting call changed nothing
        with pytest.raises(custodia.InvalidArgument) as malformed:  # malformed input stays InvalidArgument
            c.place_legal_hold(anna, "MLA-2026-0042", "", "no reference")
        assert type(malformed.value) is custodia.InvalidArgument

        report = c.shred_expired(anna)
        assert (report.destroyed, report.held) == (0, 1)
        with pytest.raises(custodia.LegalHold) as refused:
            c.destroy_key(anna, case_key, "case closed")
        assert refused.value.is_refusal and refused.value.code == 205
        with c.open(anna, envelope, "investigation") as opened:  # still held, still opens
            assert opened.data == DATA

        c.release_legal_hold(anna, "MLA-2026-0042")
        with pytest.raises(custodia.Conflict):  # not held any more
            c.release_legal_hold(anna, "MLA-2026-0042")
        report = c.shred_expired(anna)
        assert (report.destroyed, report.held) == (1, 0)
        assert c.key(case_key).state == "destroyed"
        with pytest.raises(custodia.KeyDestroyed):
            c.open(anna, envelope, "investigation")
        assert c.verify_audit().erasures >= 1


def test_retention_cleared_keeps_the_key(tmp_path, anna):
    t0 = int(time.time())
    with Custodian(tmp_path / "k", master_key=MASTER_KEY, create=True) as c:
        kek = c.generate_key(anna, KeyKind.KEK, "k")
        c.set_retention(anna, kek, t0 - 1)
        c.set_retention(anna, kek, None)
        assert c.key(kek).destroy_after is None
        assert c.shred_expired(anna).destroyed == 0
        with pytest.raises(TypeError):
            c.set_retention(anna, "not a key id", None)


def test_signer_mismatch(custodian, anna, terms):
    signer = custodian.generate_key(anna, KeyKind.ED25519, "signing key")
    envelope = custodian.seal(anna, DATA, terms)  # unsigned
    with pytest.raises(custodia.SignerMismatch):
        custodian.open(anna, envelope, "investigation", required_signer=signer)
    terms.set_signer(signer)
    signed = custodian.seal(anna, DATA, terms)
    with custodian.open(anna, signed, "investigation", required_signer=signer) as opened:
        assert opened.signer == signer


# ---- exceptions ---------------------------------------------------------------------------------------------------


def test_court_order_opens_for_another_purpose(custodian, anna, terms):
    envelope = custodian.seal(anna, DATA, terms)
    with CourtOrder("LG-Berlin-123/26", JUSTIFICATION) as order:
        with custodian.open(anna, envelope, "asset_recovery", exception=order) as opened:
            assert opened.data == DATA


def test_imminent_threat_without_reference(custodian, anna, terms):
    envelope = custodian.seal(anna, DATA, terms)
    with custodia.ImminentThreat("A kidnapped child is held at an address these records may reveal") as threat:
        with custodian.open(anna, envelope, "rescue", exception=threat) as opened:
            assert opened.data == DATA


def test_refusal_without_justification(custodian, anna, terms):
    envelope = custodian.seal(anna, DATA, terms)
    with pytest.raises(custodia.InvalidException):
        CourtOrder("LG-Berlin-123/26", "needed")
    with pytest.raises(custodia.PurposeNotPermitted):
        custodian.open(anna, envelope, "asset_recovery", exception=None)


# ---- streaming ----------------------------------------------------------------------------------------------------


def test_stream_a_file(custodian, anna, terms, tmp_path):
    plain = tmp_path / "statement.bin"
    plain.write_bytes(os.urandom(300_000))
    sealed, opened = tmp_path / "statement.cust", tmp_path / "statement.out"
    with plain.open("rb") as src, sealed.open("wb") as dst:
        custodian.seal_stream(anna, src, dst, terms)
    with sealed.open("rb") as src, opened.open("wb") as dst:
        custodian.open_stream(anna, src, dst, "investigation")
    assert opened.read_bytes() == plain.read_bytes()
    # A streamed envelope is an ordinary envelope.
    with custodian.open(anna, sealed.read_bytes(), "investigation") as o:
        assert o.data == plain.read_bytes()


def test_stream_refusal_writes_nothing(custodian, anna, terms):
    envelope = custodian.seal(anna, DATA, terms)
    out = io.BytesIO()
    with pytest.raises(custodia.PurposeNotPermitted):
        custodian.open_stream(anna, io.BytesIO(envelope), out, "asset_recovery")
    assert out.getvalue() == b""


def test_stream_callback_errors_surface_as_python_errors(custodian, anna, terms):
    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, b):  # type: ignore[override]
            raise OSError("disk on fire")

    with pytest.raises(OSError, match="disk on fire"):
        custodian.seal_stream(anna, Broken(), io.BytesIO(), terms)


# ---- rotation, shredding, audit -----------------------------------------------------------------------------------


def test_rotation(custodian, anna, kek):
    with SealOptions(Category.EVIDENCE, "investigation", recipients=[kek]) as opts:
        old = custodian.seal(anna, DATA, opts)
    new_kek = custodian.rotate(anna, kek)
    assert new_kek != kek
    with SealOptions(Category.EVIDENCE, "investigation", recipients=[kek]) as opts, pytest.raises(
        custodia.KeyStateError
    ):
        custodian.seal(anna, DATA, opts)  # the old key is decrypt-only now
    with custodian.open(anna, old, "investigation") as opened:  # ... but still opens
        assert opened.data == DATA
    rewrapped = custodian.rewrap(anna, old, "investigation", remove=[kek], add=[new_kek])
    custodian.destroy_key(anna, kek, "rotated out")
    with custodian.open(anna, rewrapped, "investigation") as opened:
        assert opened.data == DATA


def test_rewrap_rotated_moves_an_envelope_to_the_successor(custodian, anna, kek):
    with SealOptions(Category.EVIDENCE, "investigation", recipients=[kek]) as opts:
        old = custodian.seal(anna, DATA, opts)
    assert custodian.rewrap_rotated(anna, old) == old  # nothing rotated yet: unchanged
    new_kek = custodian.rotate(anna, kek)
    moved = custodian.rewrap_rotated(anna, old)
    assert moved != old and isinstance(moved, bytes)
    custodian.destroy_key(anna, kek, "rotated out")
    with pytest.raises(custodia.KeyDestroyed):
        custodian.open(anna, old, "investigation")
    with custodian.open(anna, moved, "investigation") as opened:
        assert opened.data == DATA
    assert custodian.key(new_kek).state == "active"


def test_shred_then_open_raises_key_destroyed(custodian, anna):
    case_key = custodian.case_key(anna, "MLA-2026-0099")
    with SealOptions(Category.EVIDENCE, "investigation", case_ref="MLA-2026-0099", recipients=[case_key]) as opts:
        envelope = custodian.seal(anna, DATA, opts)
    custodian.destroy_key(anna, case_key, "case closed")
    with pytest.raises(custodia.KeyDestroyed):
        custodian.open(anna, envelope, "investigation")
    with pytest.raises(custodia.KeyDestroyed):
        custodian.destroy_key(anna, case_key, "again")


def test_audit_verifies_and_detects_tampering(custodian, anna, terms, tmp_path):
    envelope = custodian.seal(anna, DATA, terms)
    with custodian.open(anna, envelope, "investigation"):
        pass
    with pytest.raises(custodia.PurposeNotPermitted):
        custodian.open(anna, envelope, "asset_recovery")
    report = custodian.verify_audit()
    assert report.entries >= 3
    log = custodian.audit_path
    text = log.read_bytes()
    log.write_bytes(text.replace(b"asset_recovery", b"asset_recoverx", 1))
    with pytest.raises((custodia.AuditTampered, custodia.AuditMalformed)):
        custodian.verify_audit()


def test_audit_public_key_verifies_the_log_independently(custodian, anna, terms):
    import subprocess
    import shutil

    from conftest import repo_root

    custodian.seal(anna, DATA, terms)
    key = custodian.audit_public_key()
    assert isinstance(key, str) and key and key == custodian.audit_public_key()
    if shutil.which("cargo") is None:
        pytest.skip("no cargo to run the independent verifier")
    custodian.verify_audit()
    done = subprocess.run(
        ["cargo", "run", "--quiet", "--release", "--example", "audit_verify", "--", str(custodian.audit_path), key],
        cwd=repo_root(), capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("durability", ["fsync_each", "group_commit", "os_buffered"])
def test_durability_choices_open_and_record(tmp_path, anna, durability):
    with Custodian(tmp_path / "k", master_key=MASTER_KEY, create=True, durability=durability, group_commit=(8, 0)) as c:
        kek = c.generate_key(anna, KeyKind.KEK, "k")
        with SealOptions(Category.EVIDENCE, "investigation", recipients=[kek]) as opts:
            envelope = c.seal(anna, DATA, opts)
    with Custodian(tmp_path / "k", master_key=MASTER_KEY) as c:  # everything recorded survived the close
        with c.open(anna, envelope, "investigation") as opened:
            assert opened.data == DATA
        assert c.verify_audit().entries >= 3


def test_durability_rejects_unknown_values(tmp_path):
    with pytest.raises(ValueError, match="fsync_each"):
        Custodian(tmp_path / "k", master_key=MASTER_KEY, create=True, durability="sometimes")
    with pytest.raises(TypeError):
        Custodian(tmp_path / "k", master_key=MASTER_KEY, create=True, durability=1)
    with pytest.raises(custodia.InvalidArgument):  # the library refuses a batch of 0
        Custodian(tmp_path / "k", master_key=MASTER_KEY, create=True, durability="group_commit", group_commit=(0, 0))


# ---- bad input, keyring errors, freed handles ---------------------------------------------------------------------


@pytest.mark.parametrize("bad", [None, "text", 42, [1, 2]])
def test_seal_rejects_non_bytes(custodian, anna, terms, bad):
    with pytest.raises(TypeError):
        custodian.seal(anna, bad, terms)


def test_open_rejects_bad_arguments(custodian, anna, terms):
    envelope = custodian.seal(anna, DATA, terms)
    with pytest.raises(TypeError):
        custodian.open(anna, None, "investigation")
    with pytest.raises(TypeError):
        custodian.open(None, envelope, "investigation")
    with pytest.raises(custodia.InvalidPurpose):
        custodian.open(anna, envelope, "Investigation!")
    with pytest.raises(TypeError):
        custodian.open(anna, envelope, "investigation", exception="court order")


def test_truncated_and_tampered_envelopes(custodian, anna, terms):
    envelope = custodian.seal(anna, DATA, terms)
    with pytest.raises(custodia.EnvelopeError):
        custodian.open(anna, b"", "investigation")
    with pytest.raises(custodia.EnvelopeError):
        custodian.open(anna, b"not an envelope at all", "investigation")
    for cut in (10, len(envelope) // 2, len(envelope) - 1):
        with pytest.raises(custodia.EnvelopeError):
            custodian.open(anna, envelope[:cut], "investigation")
    tampered = bytearray(envelope)
    tampered[-5] ^= 0x01
    with pytest.raises(custodia.OpenFailed) as info:
        custodian.open(anna, bytes(tampered), "investigation")
    assert "IBAN" not in info.value.message


def test_no_matching_recipient(custodian, anna, terms, tmp_path):
    envelope = custodian.seal(anna, DATA, terms)
    with Custodian(tmp_path / "other", master_key=bytes(32), create=True) as other:
        with pytest.raises(custodia.NoMatchingRecipient):
            other.open(anna, envelope, "investigation")


def test_wrong_passphrase(tmp_path):
    with Custodian(tmp_path / "k", master_key=MASTER_KEY, create=True):
        pass
    with pytest.raises(custodia.WrongPassphrase):
        Custodian(tmp_path / "k", master_key=bytes(32))
    with pytest.raises(TypeError):
        Custodian(tmp_path / "k")
    with pytest.raises(TypeError):
        Custodian(tmp_path / "k", passphrase="a", master_key=MASTER_KEY)


def test_a_missing_custodian_is_an_error_unless_create(tmp_path):
    typo = tmp_path / "typo"
    with pytest.raises(custodia.CustodianNotFound) as info:
        Custodian(typo, master_key=MASTER_KEY)
    assert info.value.code == 407 and "no custodian at" in info.value.message
    assert not typo.exists(), "nothing is created without create=True"
    with pytest.raises(custodia.CustodianNotFound):
        Custodian(tmp_path / "no" / "parent", master_key=MASTER_KEY, create=True)
    assert not (tmp_path / "no").exists(), "parents are never created"
    with pytest.raises(TypeError):
        Custodian(typo, master_key=MASTER_KEY, create="yes")
    with Custodian(typo, master_key=MASTER_KEY, create=True):
        pass
    assert stat.S_IMODE(typo.stat().st_mode) == 0o700
    with Custodian(typo, master_key=MASTER_KEY):  # an existing custodian needs no create
        pass


def test_kdf_costs_out_of_range_are_refused_before_deriving(tmp_path):
    with pytest.raises(custodia.KdfParamsOutOfRange):
        Custodian(tmp_path / "k", passphrase="pass", kdf=(1 << 20, 2, 1), create=True)
    assert not (tmp_path / "k").exists()
    with Custodian(tmp_path / "k", passphrase="pass", kdf=(64, 1, 1), create=True):
        pass
    # Edit the keyring's Argon2id costs (bytes 13..25: KiB, passes, lanes, big-endian) to 1 GiB and 2 passes: refused
    # by the bound, before any derivation (a derivation would take 1 GiB and end in WrongPassphrase).
    ring = tmp_path / "k" / "keyring.cdk"
    data = bytearray(ring.read_bytes())
    data[13:25] = (1 << 20).to_bytes(4, "big") + (2).to_bytes(4, "big") + (1).to_bytes(4, "big")
    ring.write_bytes(bytes(data))
    with pytest.raises(custodia.KdfParamsOutOfRange):
        Custodian(tmp_path / "k", passphrase="pass")


def test_files_custodia_writes_are_private_even_under_umask_0(tmp_path, anna):
    """Under umask 0 a file created with the default mode would be 0666: every file written here must be 0600."""
    old = os.umask(0)
    try:
        with Custodian(tmp_path / "k", master_key=MASTER_KEY, create=True) as c:
            kek = c.generate_key(anna, KeyKind.KEK, "k")
            (tmp_path / "plain.txt").write_bytes(DATA)
            with SealOptions(Category.EVIDENCE, "investigation", recipients=[kek]) as opts:
                c.seal_file(anna, tmp_path / "plain.txt", tmp_path / "sealed.cust", opts)
            c.open_file(anna, tmp_path / "sealed.cust", tmp_path / "opened.txt", "investigation")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "k").stat().st_mode) == 0o700
    for name in ("k/keyring.cdk", "k/keyring.lock", "sealed.cust", "opened.txt"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name


def test_closed_handles_raise(tmp_path, anna, no_leaks):
    c = Custodian(tmp_path / "k", master_key=MASTER_KEY, create=True)
    kek = c.generate_key(anna, KeyKind.KEK, "k")
    opts = SealOptions(Category.EVIDENCE, "investigation", recipients=[kek])
    envelope = c.seal(anna, DATA, opts)
    opts.close()
    with pytest.raises(custodia.InvalidHandle):
        c.seal(anna, DATA, opts)
    c.close()
    with pytest.raises(custodia.InvalidHandle):
        c.open(anna, envelope, "investigation")
    c.close()


# ---- threads ------------------------------------------------------------------------------------------------------


def test_eight_threads_seal_and_open_on_one_custodian(custodian, anna, terms):
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker(i: int) -> None:
        try:
            barrier.wait()
            for j in range(25):
                payload = f"thread {i} message {j}".encode() * 10
                envelope = custodian.seal(anna, payload, terms)
                with custodian.open(anna, envelope, "investigation") as opened:
                    assert opened.data == payload
                try:
                    custodian.open(anna, envelope, "asset_recovery")
                    raise AssertionError("not refused")
                except custodia.PurposeNotPermitted as e:
                    assert "asset_recovery" in e.message  # this thread's message, not another's
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert custodian.verify_audit().entries >= 8 * 25 * 3


def test_a_second_custodian_on_the_same_directory_shares_keys_and_log(custodian, anna, terms, tmp_path):
    # Two custodians (or processes) on one directory: no InUse; each sees the other's keys and writes one log.
    with Custodian(tmp_path / "keys", master_key=MASTER_KEY) as second:
        envelope = second.seal(anna, DATA, terms)
        with custodian.open(anna, envelope, "investigation") as opened:
            assert opened.data == DATA
        assert second.verify_audit().entries == custodian.verify_audit().entries
    assert custodian.verify_audit().entries >= 4
