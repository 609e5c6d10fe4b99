"""Layer 1: the ctypes declarations match include/custodia.h, and loading checks the ABI version."""

from __future__ import annotations

import ctypes
import re
import subprocess
import sys

import pytest

import custodia
from custodia import _raw

from conftest import repo_root

HEADER = repo_root() / "include" / "custodia.h"


def header_functions() -> dict[str, int]:
    """Every function prototype in the header, with its number of parameters."""
    text = HEADER.read_text()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)  # doc comments
    text = re.sub(r"//[^\n]*", "", text)
    found: dict[str, int] = {}
    # A prototype: return type, name, parameter list, ';'. Function-pointer typedefs ("(*name)") do not match.
    for m in re.finditer(r"\b(custodia_\w+)\s*\(([^()]*)\)\s*;", text):
        name, params = m.group(1), m.group(2).strip()
        found[name] = 0 if params in ("", "void") else params.count(",") + 1
    return found


def declared() -> dict[str, tuple[object, list[object]]]:
    """Everything _raw.py declares; the facade only when the header has it (a header from before the facade)."""
    functions = dict(_raw.FUNCTIONS)
    if any(name in header_functions() for name in _raw.FACADE_FUNCTIONS):
        functions.update(_raw.FACADE_FUNCTIONS)
    return functions


def test_the_loaded_library_has_the_facade_when_the_header_does():
    if any(name in header_functions() for name in _raw.FACADE_FUNCTIONS):
        assert _raw.HAS_FACADE, f"library lacks {_raw.MISSING_FACADE}"


def header_define(name: str) -> int:
    m = re.search(rf"#define\s+{name}\s+(\d+)", HEADER.read_text())
    assert m, name
    return int(m.group(1))


def test_header_is_found_and_parsed():
    functions = header_functions()
    assert "custodia_abi_version" in functions
    assert functions["custodia_abi_version"] == 0
    assert functions["custodia_actor_new"] == 5


def test_every_header_function_is_declared_with_the_same_arity():
    functions, ours = header_functions(), declared()
    missing = sorted(set(functions) - set(ours))
    assert not missing, f"declared in custodia.h but not in _raw.py: {missing}"
    wrong = {n: (a, len(ours[n][1])) for n, a in functions.items() if len(ours[n][1]) != a}
    assert not wrong, f"parameter counts differ (header, _raw): {wrong}"


def test_every_declared_function_is_in_the_header():
    extra = sorted(set(declared()) - set(header_functions()))
    assert not extra, f"declared in _raw.py but not in custodia.h: {extra}"


def test_constants_match_the_header():
    assert _raw.ABI_VERSION == header_define("CUSTODIA_ABI_VERSION")
    assert _raw.KEY_ID_LEN == header_define("CUSTODIA_KEY_ID_LEN")
    assert _raw.KEY_ID_TEXT_SIZE == header_define("CUSTODIA_KEY_ID_TEXT_SIZE")
    assert _raw.AUDIT_SEQ_UNKNOWN == 2**64 - 1 and "#define CUSTODIA_AUDIT_SEQ_UNKNOWN UINT64_MAX" in HEADER.read_text()
    for name in ("LOG_ID_SIZE", "ANCHOR_HEAD_SIZE", "CASE_REF_SIZE", "ERASURE_REASON_SIZE", "ERASURE_MAX_KEYS"):
        assert getattr(_raw, name) == header_define(f"CUSTODIA_{name}"), name


def test_status_codes_match_the_header():
    text = HEADER.read_text()
    codes = {int(v): n for n, v in re.findall(r"\b(CUSTODIA_(?:OK|ERR_\w+))\s*=\s*(\d+)", text)}
    assert len(codes) > 30
    for code, cname in codes.items():
        if code == 0:
            continue
        cls = custodia.error_class(code) if hasattr(custodia, "error_class") else custodia._errors.error_class(code)
        assert cls is not custodia.CustodiaError, f"{cname} ({code}) has no exception class"
        assert code in custodia._errors._BY_CODE, f"{cname} ({code}) is not mapped explicitly"
        # The library's name for the code agrees with the header's.
        assert _raw.lib.custodia_status_name(code).decode() == cname.removeprefix("CUSTODIA_ERR_").lower()


def test_loaded_library_reports_the_expected_versions():
    assert _raw.lib.custodia_abi_version() == custodia.ABI_VERSION
    major, minor, patch = (header_define(f"CUSTODIA_VERSION_{p}") for p in ("MAJOR", "MINOR", "PATCH"))
    assert custodia.library_version() == f"{major}.{minor}.{patch}"


def _import_with(env_lib: str) -> subprocess.CompletedProcess[str]:
    import os

    env = dict(os.environ, CUSTODIA_LIB=env_lib)
    return subprocess.run([sys.executable, "-c", "import custodia"], env=env, capture_output=True, text=True)


def test_env_var_is_honoured_and_a_missing_library_is_a_clear_error(tmp_path):
    r = _import_with(str(tmp_path / "nope.so"))
    assert r.returncode != 0
    assert "LibraryNotFound" in r.stderr and "CUSTODIA_LIB" in r.stderr


def test_a_library_of_another_abi_version_is_refused(tmp_path):
    """Build a tiny stand-in library that reports ABI version 999 (needs a C compiler; skipped without one)."""
    import shutil

    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to build a stand-in library")
    src = tmp_path / "fake.c"
    src.write_text("unsigned int custodia_abi_version(void) { return 999; }\n")
    so = tmp_path / "libcustodia.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(so), str(src)], check=True)
    r = _import_with(str(so))
    assert r.returncode != 0
    assert "AbiMismatch" in r.stderr and "version 999" in r.stderr and f"version {_raw.ABI_VERSION}" in r.stderr


def test_candidate_order_without_env(monkeypatch):
    monkeypatch.delenv("CUSTODIA_LIB", raising=False)
    paths = _raw.candidate_paths()
    assert paths[0].parent.name == "custodia"  # bundled copy first
    assert paths[0].name == "libcustodia.so"
    if len(paths) > 1:  # running from a checkout
        assert paths[1].parts[-3:] == ("target", "release", "libcustodia.so")


def test_candidate_order_with_env(monkeypatch, tmp_path):
    monkeypatch.setenv("CUSTODIA_LIB", str(tmp_path / "x.so"))
    assert _raw.candidate_paths() == [tmp_path / "x.so"]


def test_struct_layouts_match_the_header(tmp_path):
    """sizeof and every field offset of the structs that grew in ABI 4, as a C compiler lays them out from the header,
    against the ctypes declarations (needs a C compiler; skipped without one)."""
    import shutil

    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to read the header's layout")
    structs = {
        "custodia_envelope_info": _raw.custodia_envelope_info,
        "custodia_recipient": _raw.custodia_recipient,
    }
    lines = ["#include <stdio.h>", "#include <stddef.h>", '#include "custodia.h"', "int main(void) {"]
    for name, cls in structs.items():
        lines.append(f'  printf("{name} %zu\\n", sizeof(struct {name}));')
        for field, _ in cls._fields_:
            lines.append(f'  printf("{name}.{field} %zu\\n", offsetof(struct {name}, {field}));')
    lines += ["  return 0;", "}"]
    src = tmp_path / "layout.c"
    src.write_text("\n".join(lines) + "\n")
    exe = tmp_path / "layout"
    subprocess.run([cc, "-std=c11", f"-I{HEADER.parent}", str(src), "-o", str(exe)], check=True)
    c_layout = dict(line.rsplit(" ", 1) for line in subprocess.run([str(exe)], capture_output=True, text=True,
                                                                     check=True).stdout.splitlines())
    for name, cls in structs.items():
        assert int(c_layout[name]) == ctypes.sizeof(cls), name
        for field, _ in cls._fields_:
            assert int(c_layout[f"{name}.{field}"]) == getattr(cls, field).offset, f"{name}.{field}"
    assert _raw.CASE_REF_SIZE == header_define("CUSTODIA_CASE_REF_SIZE")
    assert _raw.MAX_RECIPIENTS == header_define("CUSTODIA_MAX_RECIPIENTS")
