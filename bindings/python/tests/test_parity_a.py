"""Issue 17 §2 (first half) and §4's Python items through the Python binding: random-access reading as a file
object, caller-sized seal/open (custodia_seal_into / custodia_open_into), the full EnvelopeInfo, the legal
instrument as an enum keyword, and the friction fixes (seal_stream's info, IoFault as OSError naming the path,
KeyNotFound as LookupError, dir(custodia), the missing-library message)."""

from __future__ import annotations

import ctypes
import io
import json
import os
import subprocess
import sys
import time
from ctypes import byref

import pytest

import custodia
from custodia import (
    Category,
    Classification,
    Custodian,
    Instrument,
    InstrumentKind,
    KeyKind,
    RecipientKind,
    SealOptions,
)
from custodia import _raw

CHUNK = 64
PLAIN = bytes((i * 7 + 3) % 256 for i in range(1000))
EIO = Instrument(InstrumentKind.EUROPEAN_INVESTIGATION_ORDER, "EIO-2026-7", "Directive 2014/41/EU")


@pytest.fixture
def world(tmp_path):
    with Custodian(tmp_path / "c", master_key=bytes(range(32)), create=True) as c, \
            custodia.Actor("anna", "prosecutor", "NL", Classification.SECRET) as anna:
        kek = c.generate_key(anna, KeyKind.KEK, "local")
        x = c.generate_key(anna, KeyKind.X25519, "exchange")
        with SealOptions(Category.FINANCIAL_RECORDS, ["investigation", "prosecution"], case_ref="MLA-2026-0042",
                         origin="NL", destinations=["DE"], recipients=[kek, x], chunk_size=CHUNK,
                         instrument=EIO) as terms:
            envelope = c.seal(anna, PLAIN, terms)
            yield dict(c=c, anna=anna, kek=kek, x=x, terms=terms, envelope=envelope, dir=tmp_path)


def audit_lines(c: Custodian) -> int:
    return len(c.audit_path.read_text().splitlines())


def header_len(envelope: bytes) -> int:
    chunks = len(PLAIN) // CHUNK + 1
    return len(envelope) - (len(PLAIN) + 16 * chunks)


# ---- random access -------------------------------------------------------------------------------------------


def test_a_reader_reads_at_chunk_boundaries_and_past_the_end(world, no_leaks):
    w = world
    path = w["dir"] / "env.cust"
    path.write_bytes(w["envelope"])
    with w["c"].open_seekable(w["anna"], path, "prosecution") as r:
        assert isinstance(r, io.RawIOBase) and r.seekable() and r.readable() and not r.writable()
        assert len(r) == len(PLAIN) and r.info.case_ref == "MLA-2026-0042"
        for offset in (0, CHUNK - 1, CHUNK, 2 * CHUNK - 1, 15 * CHUNK, len(PLAIN) - 1):
            assert r.seek(offset) == offset
            assert r.read(200) == PLAIN[offset:offset + 200]
            assert r.tell() == min(offset + 200, len(PLAIN))
        assert r.seek(-10, io.SEEK_END) == len(PLAIN) - 10
        assert r.read() == PLAIN[-10:]
        r.seek(len(PLAIN) + 4096)
        assert r.read(8) == b""
        assert r.pread(130, 8) == PLAIN[130:138]
        buf = bytearray(100)
        r.seek(60)
        assert r.readinto(buf) == 100 and bytes(buf) == PLAIN[60:160]
        with pytest.raises(ValueError):
            r.seek(-1)
        # Buffered wrappers work on it as on any raw file.
        r.seek(0)
        assert io.BufferedReader(r, buffer_size=37).read() == PLAIN
    assert r.closed
    with pytest.raises(ValueError):
        r.read(1)


def test_a_reader_over_a_file_object_uses_its_descriptor(world, no_leaks):
    w = world
    path = w["dir"] / "env.cust"
    path.write_bytes(b"JUNK" + w["envelope"])
    with open(path, "rb") as f:
        f.seek(4)  # the envelope starts at the current position
        with w["c"].open_seekable(w["anna"], f, "investigation") as r:
            r.seek(500)
            assert r.read(300) == PLAIN[500:800]
    with pytest.raises(TypeError):
        w["c"].open_seekable(w["anna"], io.BytesIO(w["envelope"]), "investigation")


def test_a_changed_chunk_is_refused_at_read_time_and_releases_nothing(world, no_leaks):
    w = world
    env = bytearray(w["envelope"])
    env[header_len(w["envelope"]) + 3 * (CHUNK + 16) + 5] ^= 1
    path = w["dir"] / "tampered.cust"
    path.write_bytes(bytes(env))
    with w["c"].open_seekable(w["anna"], path, "investigation") as r:
        assert r.pread(0, 2 * CHUNK) == PLAIN[:2 * CHUNK]
        buf = bytearray(2 * CHUNK)
        r.seek(2 * CHUNK)  # starts in intact chunk 2, runs into chunk 3
        with pytest.raises(custodia.OpenFailed):
            r.readinto(buf)
        assert buf == bytearray(2 * CHUNK) and r.tell() == 2 * CHUNK
        with pytest.raises(custodia.OpenFailed):
            r.pread(3 * CHUNK, 1)
        assert r.pread(4 * CHUNK, CHUNK) == PLAIN[4 * CHUNK:5 * CHUNK]


def test_a_refused_reader_touches_no_key(world, no_leaks):
    w = world
    path = w["dir"] / "env.cust"
    path.write_bytes(w["envelope"])
    before = w["c"].unwrap_attempts()
    with pytest.raises(custodia.PurposeNotPermitted):
        w["c"].open_seekable(w["anna"], path, "tax.audit")
    assert w["c"].unwrap_attempts() == before
    assert json.loads(w["c"].audit_path.read_text().splitlines()[-1])["kind"] == "refused"


# ---- caller-sized output ---------------------------------------------------------------------------------------


def test_seal_and_open_write_into_the_bindings_memory(world, no_leaks):
    w = world
    with w["c"].open(w["anna"], w["envelope"], "investigation") as opened:
        assert opened.data == PLAIN
    # The exact size, from the header alone; the bound for a seal.
    need, cap = ctypes.c_size_t(), ctypes.c_size_t()
    _raw.lib.custodia_open_size(w["envelope"], len(w["envelope"]), byref(need))
    assert need.value == len(PLAIN)
    _raw.lib.custodia_seal_max_size(w["terms"]._handle, len(PLAIN), byref(cap))
    assert cap.value >= len(w["envelope"])
    empty = w["c"].seal(w["anna"], b"", w["terms"])
    with w["c"].open(w["anna"], empty, "investigation") as opened:
        assert opened.data == b""


def test_a_too_small_buffer_is_a_typed_error_that_writes_nothing(world):
    w = world
    c, env = w["c"], w["envelope"]
    out = ctypes.create_string_buffer(len(PLAIN) - 1)
    n = ctypes.c_size_t(0)
    before, lines = c.unwrap_attempts(), audit_lines(c)
    status = _raw.lib.custodia_open_into(c._handle, w["anna"]._handle, b"investigation", 0, env, len(env), None, out,
                                         len(PLAIN) - 1, byref(n), None)
    assert status == 109 and n.value == len(PLAIN)
    assert out.raw == bytes(len(PLAIN) - 1)
    assert c.unwrap_attempts() == before and audit_lines(c) == lines
    with pytest.raises(custodia.BufferTooSmall, match=str(len(PLAIN))) as e:
        custodia._errors.invoke(_raw.lib.custodia_open_into, c._handle, w["anna"]._handle, b"investigation", 0,
                                env, len(env), None, out, 10, byref(n), None)
    assert isinstance(e.value, custodia.InvalidArgument) and e.value.code == 109
    small = ctypes.create_string_buffer(100)
    status = _raw.lib.custodia_seal_into(c._handle, w["anna"]._handle, PLAIN, len(PLAIN), w["terms"]._handle, small,
                                         100, byref(n))
    assert status == 109 and n.value > len(PLAIN) and small.raw == bytes(100)
    assert audit_lines(c) == lines


# ---- the full EnvelopeInfo and the instrument ------------------------------------------------------------------


def test_the_info_has_everything_the_rust_info_has(world):
    w = world
    info = w["c"].inspect(w["envelope"])
    assert info.case_ref == "MLA-2026-0042"
    assert info.purposes == ("investigation", "prosecution")
    assert info.origin == "NL" and info.destinations == ("DE",)
    assert [(r.key_id, r.kind) for r in info.recipients] == [(w["kek"], RecipientKind.KEK),
                                                            (w["x"], RecipientKind.X25519)]
    assert info.instrument == EIO and info.instrument.kind is InstrumentKind.EUROPEAN_INVESTIGATION_ORDER
    assert info.instrument.kind_name == "european_investigation_order"
    assert info.grant_count == 0 and info.grants == ()
    assert info.signer is None and info.not_after is None
    with w["c"].open(w["anna"], w["envelope"], "investigation") as opened:
        assert opened.info == info


def test_the_info_lists_the_grants_a_header_carries(tmp_path):
    with Custodian(tmp_path / "de", master_key=bytes(range(32)), create=True) as de, \
            Custodian(tmp_path / "nl", master_key=bytes(range(32)), create=True) as nl, \
            custodia.Actor("anna", "prosecutor", "DE", Classification.SECRET) as anna, \
            custodia.Actor("jan", "central_authority", "NL", Classification.SECRET) as jan:
        signer = de.generate_key(anna, KeyKind.ED25519, "DE signing")
        nl_key = de.import_public(anna, nl.export_public(nl.generate_key(jan, KeyKind.X25519, "NL")), "NL", "NL")
        with SealOptions(Category.FINANCIAL_RECORDS, ["investigation"], destinations=["NL"], recipients=[nl_key],
                         signer=signer) as terms:
            envelope = de.seal(anna, b"statement", terms)
        object_id = nl.inspect(envelope).object_id
        grant = de.issue_purpose_extension_grant(anna, signer, object_id, ["prosecution"],
                                                 int(time.time()) + 30 * 86400, "letter")
        extended = nl.extend_purposes(jan, envelope, grant)
        info = nl.inspect(extended)
        assert info.grant_count == 1 and info.grants == (grant,)
        assert nl.envelope_grants(extended) == [grant]
        assert info.signer == signer


def test_the_instrument_keyword_takes_the_enum_not_integers():
    with pytest.raises(TypeError, match="InstrumentKind"):
        Instrument(2, "EIO-1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Instrument"):
        SealOptions(Category.EVIDENCE, ["investigation"], instrument=(2, "EIO-1"))  # type: ignore[arg-type]
    with SealOptions(Category.EVIDENCE, ["investigation"]) as o, pytest.raises(TypeError):
        o.set_instrument(2, "EIO-1")  # type: ignore[arg-type]
    assert [k.label for k in InstrumentKind] == ["bilateral_treaty", "european_investigation_order",
                                                  "multilateral_convention", "letter_rogatory", "other"]


# ---- §4: friction ----------------------------------------------------------------------------------------------


def test_seal_stream_returns_the_envelope_info(world):
    w = world
    dst = io.BytesIO()
    info = w["c"].seal_stream(w["anna"], io.BytesIO(PLAIN), dst, w["terms"])
    assert info == w["c"].inspect(dst.getvalue())
    assert info.case_ref == "MLA-2026-0042" and info.instrument == EIO
    assert info.object_id != w["c"].inspect(w["envelope"]).object_id
    # Larger than the biggest header: the info comes from the captured head alone.
    big = io.BytesIO()
    info = w["c"].seal_stream(w["anna"], io.BytesIO(PLAIN * 300), big, w["terms"])
    assert len(big.getvalue()) > 300_000 and info == w["c"].inspect(big.getvalue())


class _Trickle(io.RawIOBase):
    """A destination that takes at most 7 bytes a call: the captured header must not repeat bytes."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        n = min(7, len(b))
        self.data += bytes(b[:n])
        return n


def test_seal_stream_info_survives_partial_writes(world):
    w = world
    dst = _Trickle()
    info = w["c"].seal_stream(w["anna"], io.BytesIO(PLAIN), dst, w["terms"])
    assert info == w["c"].inspect(bytes(dst.data))


def test_io_fault_is_an_oserror_naming_the_path(world):
    w = world
    missing = w["dir"] / "missing.txt"
    with pytest.raises(OSError) as e:
        w["c"].seal_file(w["anna"], missing, w["dir"] / "out.cust", w["terms"])
    assert isinstance(e.value, custodia.IoFault) and e.value.code == 900
    assert str(missing) in e.value.filename and str(missing) in str(e.value)
    with pytest.raises(custodia.IoFault) as e:
        w["c"].open_seekable(w["anna"], missing, "investigation")
    assert e.value.filename == str(missing)


def test_key_not_found_is_a_lookup_error(world):
    w = world
    with SealOptions(Category.EVIDENCE, ["investigation"], recipients=[custodia.KeyId("ab" * 16)]) as o:
        with pytest.raises(LookupError) as e:
            w["c"].seal(w["anna"], b"x", o)
    assert isinstance(e.value, custodia.KeyNotFound) and e.value.code == 400


def test_dir_shows_only_the_api():
    names = dir(custodia)
    assert names == sorted(custodia.__all__)
    for module in ("custodian", "vocab", "options", "actors", "audit", "grants", "policy", "receipts", "_raw"):
        assert module not in names
    for name in ("Custodian", "EnvelopeReader", "InstrumentKind", "Recipient", "BufferTooSmall", "IoFault"):
        assert name in names and hasattr(custodia, name)


def test_a_missing_library_says_how_to_get_one(tmp_path):
    env = dict(os.environ, CUSTODIA_LIB=str(tmp_path / "libcustodia.so"))
    r = subprocess.run([sys.executable, "-c", "import custodia"], env=env, capture_output=True, text=True)
    assert r.returncode != 0
    assert "cargo build --release -p libcustodia" in r.stderr and "CUSTODIA_LIB=" in r.stderr
    assert "this package's directory" in r.stderr


# ---- the walk: every feature of this half, each exercised once -------------------------------------------------

#: The same list, in the same order, as Java's ParityATest.FEATURES_A (the Python-only §4 items are tested above).
FEATURES_A = ["seekable_reader", "seal_into", "open_into", "full_envelope_info", "legal_instrument"]


def test_feature_walk_a(world):
    w = world
    c, anna, env = w["c"], w["anna"], w["envelope"]
    path = w["dir"] / "walk.cust"
    path.write_bytes(env)
    seen = {}
    with c.open_seekable(anna, path, "investigation") as r:
        r.seek(CHUNK)
        seen["seekable_reader"] = r.read(CHUNK) == PLAIN[CHUNK:2 * CHUNK]
    seen["seal_into"] = c.inspect(c.seal(anna, PLAIN, w["terms"])).case_ref == "MLA-2026-0042"
    with c.open(anna, env, "investigation") as opened:
        seen["open_into"] = opened.data == PLAIN
        info = opened.info
    seen["full_envelope_info"] = (info.case_ref, len(info.recipients), info.grant_count) == ("MLA-2026-0042", 2, 0)
    seen["legal_instrument"] = info.instrument == EIO
    assert list(seen) == FEATURES_A and all(seen.values()), seen
