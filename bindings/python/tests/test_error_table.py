"""The exception table of ``_errors.py`` is checked against the one source of the codes.

The codes and names are assigned once, by ``ErrorKind`` in the Rust library (src/error.rs), plus the four boundary
kinds of the C ABI crate; cbindgen writes them into ``include/custodia.h`` as ``CUSTODIA_ERR_<NAME> = <code>`` and
the Rust tests check the header against them in both directions. Here the header's list is checked against
``_errors._BY_CODE``, in both directions: every code has its class, with the name derived from the C name and the
base class of its group, and the table has no code the header lacks (see docs/C_API.md, "Status codes").
"""

from __future__ import annotations

import re

import pytest

from custodia import _errors, _raw

from conftest import repo_root

HEADER = repo_root() / "include" / "custodia.h"

# Class names that are not the CamelCase of the C name: kept as published (renaming would break callers).
CLASS_NAME_EXCEPTIONS = {
    "armor": "ArmorError",
    "key_state": "KeyStateError",
    "audit_write": "AuditWriteFailed",
    "io": "IoFault",
    "rng": "RngFault",
    "internal": "InternalError",
}

# The base class of each group: the hundreds of the code (Rust `ErrorCategory`), internal faults apart.
GROUP_BASES = {
    1: _errors.InvalidArgument,
    2: _errors.Refused,
    3: _errors.EnvelopeError,
    4: _errors.KeyringError,
    5: _errors.AuditError,
    9: _errors.EnvironmentFault,
}
INTERNAL = {"internal", "poisoned"}  # Rust ErrorCategory::Internal, and the boundary's poisoned handle


def header_errors() -> dict[int, str]:
    """Every ``CUSTODIA_ERR_*`` of the header: code -> snake_case name."""
    found = re.findall(r"^\s*CUSTODIA_ERR_(\w+)\s*=\s*(\d+),", HEADER.read_text(), flags=re.M)
    codes = {int(code): name.lower() for name, code in found}
    assert len(codes) == len(found), "duplicate codes in the header"
    return codes


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def test_the_header_lists_the_codes():
    codes = header_errors()
    assert len(codes) > 50
    assert codes[200] == "purpose_not_permitted" and codes[120] == "null_pointer" and codes[999] == "internal"


def test_every_header_code_has_its_class_and_no_other_code_is_mapped():
    codes = header_errors()
    missing = {c: n for c, n in codes.items() if c not in _errors._BY_CODE}
    assert not missing, f"codes of include/custodia.h without an exception class in _errors._BY_CODE: {missing}"
    extra = sorted(set(_errors._BY_CODE) - set(codes))
    assert not extra, f"_errors._BY_CODE maps codes include/custodia.h does not declare: {extra}"


@pytest.mark.parametrize("code,name", sorted(header_errors().items()))
def test_each_class_has_the_name_and_base_of_its_code(code, name):
    cls = _errors._BY_CODE[code]
    assert cls.__name__ == CLASS_NAME_EXCEPTIONS.get(name, camel(name)), f"class for {code} {name}"
    assert cls.__name__ in _errors.__all__
    base = _errors.InternalError if name in INTERNAL else GROUP_BASES[code // 100]
    assert cls is base or base in cls.__bases__, f"{cls.__name__} ({code}) must derive from {base.__name__}"
    assert issubclass(cls, _errors.Refused) == bool(_raw.lib.custodia_status_is_refusal(code))
    assert _raw.lib.custodia_status_name(code).decode() == name


def test_the_name_exceptions_are_all_used():
    assert set(CLASS_NAME_EXCEPTIONS) <= set(header_errors().values())
