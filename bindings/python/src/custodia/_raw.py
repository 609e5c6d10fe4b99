"""Layer 1: the raw C ABI of ``include/custodia.h`` as ctypes declarations.

This module owns finding and loading ``libcustodia.so``, checking its ABI version, and declaring the argument and
result types of every ``custodia_*`` function. It must never hold a secret, free anything on its own, or turn status
codes into exceptions (that is ``_errors``); it only describes the C functions faithfully.

ctypes is used (not cffi) so that the binding needs no compiler and no parsing of the header's ``#define``/
``#include`` lines; a test (``tests/test_raw_header.py``) parses the header and checks that every function declared
there is declared here with the same number of parameters, and that nothing here is missing from the header.

Handle structs (``custodia_actor`` ...) are 8 bytes laid out as a ``uint64_t``; the header allows bindings to pass
them as one, so they travel here as ``c_uint64`` by value and ``POINTER(c_uint64)`` as out-parameters.
"""

from __future__ import annotations

import ctypes
import os
import threading
from ctypes import POINTER, Structure, c_bool, c_char_p, c_size_t, c_uint8, c_uint32, c_uint64, c_void_p
from pathlib import Path
from typing import Any, Callable

__all__ = [
    "ABI_VERSION",
    "KEY_ID_LEN",
    "KEY_ID_TEXT_SIZE",
    "LibraryNotFound",
    "AbiMismatch",
    "custodia_buffer",
    "custodia_key_id",
    "FUNCTIONS",
    "FACADE_FUNCTIONS",
    "HAS_FACADE",
    "lib",
    "library_path",
    "candidate_paths",
]

#: The ABI version (``CUSTODIA_ABI_VERSION``) this binding was written for; a library reporting another is refused.
ABI_VERSION = 4
#: ``CUSTODIA_KEY_ID_LEN``.
KEY_ID_LEN = 16
#: ``CUSTODIA_KEY_ID_TEXT_SIZE``: 32 hex digits and a NUL.
KEY_ID_TEXT_SIZE = 33

LIBRARY_NAME = "libcustodia.so"
ENV_VAR = "CUSTODIA_LIB"


class LibraryNotFound(ImportError):
    """``libcustodia.so`` was not found in any of the places the binding looks (see :func:`candidate_paths`)."""


class AbiMismatch(ImportError):
    """The loaded ``libcustodia.so`` implements another C ABI version than the one this binding was written for."""


class custodia_buffer(Structure):
    """``struct custodia_buffer``: bytes or text lent by custodia until ``custodia_buffer_free``.

    ``data`` (``uint8_t *``) is declared ``c_void_p`` so that reading it gives the address as an ``int`` (``None``
    for NULL) without building a ctypes pointer object: the copy out of the buffer takes an address anyway. ``id``
    (``uint64_t``) is the allocation's serial number, which ``custodia_buffer_free`` checks: never change a field."""

    _fields_ = [("data", c_void_p), ("len", c_size_t), ("id", c_uint64)]

    def __repr__(self) -> str:  # never show the bytes
        return f"custodia_buffer(len={self.len})"


class custodia_memory_protection(Structure):
    """``struct custodia_memory_protection``: what protects the process's secret memory (docs/MEMORY.md)."""

    _fields_ = [
        ("locked_bytes", c_uint64),
        ("unlocked_bytes", c_uint64),
        ("lock_failures", c_uint64),
        ("dontdump_failures", c_uint64),
        ("live_secrets", c_uint64),
        ("dumpable", ctypes.c_int32),
    ]


class custodia_key_id(Structure):
    """``struct custodia_key_id``: 16 bytes, plain data."""

    _fields_ = [("bytes", c_uint8 * KEY_ID_LEN)]


#: ``CUSTODIA_AUDIT_HEAD_SIZE``: 64 hex digits and a NUL.
AUDIT_HEAD_SIZE = 65
#: ``CUSTODIA_OBJECT_ID_SIZE``: 32 hex digits and a NUL.
OBJECT_ID_SIZE = 33
#: ``CUSTODIA_INSTRUMENT_TEXT_SIZE``: an instrument reference or transfer basis (1024 bytes) and a NUL.
INSTRUMENT_TEXT_SIZE = 1025
#: ``CUSTODIA_JURISDICTION_SIZE``: two letters and a NUL.
JURISDICTION_SIZE = 3
#: ``CUSTODIA_JURISDICTION_LIST_SIZE``: 64 space-separated codes and a NUL.
JURISDICTION_LIST_SIZE = 192
#: ``CUSTODIA_PURPOSE_LIST_SIZE``: 32 space-separated purposes of up to 128 bytes and a NUL.
PURPOSE_LIST_SIZE = 4128
#: ``CUSTODIA_CASE_REF_SIZE``: a case reference (128 bytes) and a NUL.
CASE_REF_SIZE = 129
#: ``CUSTODIA_MAX_RECIPIENTS``: the entries of ``custodia_envelope_info.recipients``.
MAX_RECIPIENTS = 64


class custodia_audit_report(Structure):
    """``struct custodia_audit_report``."""

    _fields_ = [
        ("entries", c_uint64),
        ("checkpoints", c_uint64),
        ("erasures", c_uint64),
        ("recoveries", c_uint64),
        ("unsealed_tail", c_uint64),
        ("has_last_checkpoint", c_bool),
        ("last_checkpoint", c_uint64),
        ("head", ctypes.c_char * AUDIT_HEAD_SIZE),
        ("anchors", c_uint64),
    ]


class custodia_key_info(Structure):
    """``struct custodia_key_info``; ``label``, ``case_ref`` and ``jurisdiction`` are owned by the key list."""

    _fields_ = [
        ("key_id", custodia_key_id),
        ("kind", c_uint32),
        ("state", c_uint32),
        ("label", c_char_p),
        ("case_ref", c_char_p),
        ("created", c_uint64),
        ("destroy_after", c_uint64),
        ("destroyed_at", c_uint64),
        ("has_secret", c_bool),
        ("has_rotated_from", c_bool),
        ("rotated_from", custodia_key_id),
        ("has_rotated_to", c_bool),
        ("rotated_to", custodia_key_id),
        ("jurisdiction", c_char_p),
        ("authority", c_char_p),
        ("not_before", c_uint64),
        ("not_after", c_uint64),
        ("revoked_at", c_uint64),
        ("revoked_reason", c_char_p),
        ("compromised_at", c_uint64),
        ("compromised_reason", c_char_p),
    ]


class custodia_recipient(Structure):
    """``struct custodia_recipient``."""

    _fields_ = [("key_id", custodia_key_id), ("kind", c_uint32)]


class custodia_envelope_info(Structure):
    """``struct custodia_envelope_info``."""

    _fields_ = [
        ("object_id", ctypes.c_char * OBJECT_ID_SIZE),
        ("category", c_uint32),
        ("classification", c_uint32),
        ("created", c_uint64),
        ("not_after", c_uint64),
        ("purpose_count", c_size_t),
        ("recipient_count", c_size_t),
        ("has_signer", c_bool),
        ("signer", custodia_key_id),
        ("instrument_kind", c_uint32),
        ("instrument_reference", ctypes.c_char * INSTRUMENT_TEXT_SIZE),
        ("transfer_basis", ctypes.c_char * INSTRUMENT_TEXT_SIZE),
        ("origin", ctypes.c_char * JURISDICTION_SIZE),
        ("destinations", ctypes.c_char * JURISDICTION_LIST_SIZE),
        ("purposes", ctypes.c_char * PURPOSE_LIST_SIZE),
        ("case_ref", ctypes.c_char * CASE_REF_SIZE),
        ("recipients", custodia_recipient * MAX_RECIPIENTS),
        ("grant_count", c_size_t),
    ]


class custodia_audit_entry(Structure):
    """``struct custodia_audit_entry``; every string is owned by the entries handle."""

    _fields_ = [
        ("seq", c_uint64),
        ("time", c_uint64),
        ("kind", c_char_p),
        ("actor_id", c_char_p),
        ("actor_role", c_char_p),
        ("actor_jurisdiction", c_char_p),
        ("case_ref", c_char_p),
        ("object", c_char_p),
        ("purpose", c_char_p),
        ("outcome", c_char_p),
        ("json", c_char_p),
    ]


class custodia_legal_hold(Structure):
    """``struct custodia_legal_hold``; strings and key ids are owned by the hold list."""

    _fields_ = [
        ("case_ref", c_char_p),
        ("reference", c_char_p),
        ("reason", c_char_p),
        ("set_by", c_char_p),
        ("set_at", c_uint64),
        ("key_count", c_size_t),
        ("keys", POINTER(custodia_key_id)),
    ]


#: ``CUSTODIA_LOG_ID_SIZE``, ``CUSTODIA_ANCHOR_HEAD_SIZE``, ``CUSTODIA_CASE_REF_SIZE``, ``CUSTODIA_ERASURE_REASON_SIZE``,
#: ``CUSTODIA_ERASURE_MAX_KEYS``.
LOG_ID_SIZE, ANCHOR_HEAD_SIZE, CASE_REF_SIZE, ERASURE_REASON_SIZE, ERASURE_MAX_KEYS = 33, 65, 129, 513, 64


class custodia_record_field(Structure):
    """``struct custodia_record_field``; strings are owned by the opened record."""

    _fields_ = [
        ("name", c_char_p),
        ("category", c_uint32),
        ("classification", c_uint32),
        ("kind", c_uint32),
        ("purposes", c_char_p),
        ("withheld", c_uint32),
        ("mask", c_uint32),
    ]


class custodia_anchor_info(Structure):
    """``struct custodia_anchor_info``."""

    _fields_ = [
        ("log_id", ctypes.c_char * LOG_ID_SIZE),
        ("count", c_uint64),
        ("head", ctypes.c_char * ANCHOR_HEAD_SIZE),
        ("witness_count", c_size_t),
    ]


class custodia_erasure_certificate_info(Structure):
    """``struct custodia_erasure_certificate_info``."""

    _fields_ = [
        ("log_id", ctypes.c_char * LOG_ID_SIZE),
        ("seq", c_uint64),
        ("time", c_uint64),
        ("case_ref", ctypes.c_char * CASE_REF_SIZE),
        ("reason", ctypes.c_char * ERASURE_REASON_SIZE),
        ("has_envelopes", c_bool),
        ("envelopes", c_uint64),
        ("key_count", c_size_t),
    ]


#: ``CUSTODIA_AUDIT_SEQ_UNKNOWN``: the ``seq`` of an event given to an audit sink (not numbered yet).
AUDIT_SEQ_UNKNOWN = 2**64 - 1
#: ``typedef int (*custodia_audit_sink_fn)(void *user_data, const struct custodia_audit_entry *event)``
AUDIT_SINK_FN = ctypes.CFUNCTYPE(ctypes.c_int, c_void_p, POINTER(custodia_audit_entry))

#: ``typedef int (*custodia_read_fn)(void *context, uint8_t *buffer, size_t capacity, size_t *out_read)``
READ_FN = ctypes.CFUNCTYPE(ctypes.c_int, c_void_p, POINTER(c_uint8), c_size_t, POINTER(c_size_t))
#: ``typedef int (*custodia_write_fn)(void *context, const uint8_t *data, size_t len)``
WRITE_FN = ctypes.CFUNCTYPE(ctypes.c_int, c_void_p, POINTER(c_uint8), c_size_t)

#: The key-provider callbacks (``custodia_key_provider_callbacks``): holds, wrap, unwrap, release.
PROVIDER_HOLDS_FN = ctypes.CFUNCTYPE(ctypes.c_int32, c_void_p, POINTER(c_uint8))
PROVIDER_WRAP_FN = ctypes.CFUNCTYPE(
    ctypes.c_int32, c_void_p, POINTER(c_uint8), POINTER(c_uint8), c_size_t, POINTER(c_uint8), c_size_t,
    POINTER(c_uint8), c_size_t, POINTER(c_size_t))
PROVIDER_UNWRAP_FN = ctypes.CFUNCTYPE(
    ctypes.c_int32, c_void_p, POINTER(c_uint8), POINTER(c_uint8), c_size_t, POINTER(c_uint8), c_size_t,
    POINTER(c_uint8), c_size_t)
PROVIDER_RELEASE_FN = ctypes.CFUNCTYPE(None, c_void_p)


class custodia_key_provider_callbacks(Structure):
    """``struct custodia_key_provider_callbacks``: the function table of a callback key provider."""

    _fields_ = [
        ("holds", PROVIDER_HOLDS_FN),
        ("wrap", PROVIDER_WRAP_FN),
        ("unwrap", PROVIDER_UNWRAP_FN),
        ("release", PROVIDER_RELEASE_FN),
    ]


#: The signer callbacks (``custodia_signer_callbacks``): sign, release.
SIGNER_SIGN_FN = ctypes.CFUNCTYPE(ctypes.c_int32, c_void_p, POINTER(c_uint8), c_size_t, POINTER(c_uint8))
SIGNER_RELEASE_FN = ctypes.CFUNCTYPE(None, c_void_p)


class custodia_signer_callbacks(Structure):
    """``struct custodia_signer_callbacks``: the function table of a callback signer."""

    _fields_ = [
        ("sign", SIGNER_SIGN_FN),
        ("release", SIGNER_RELEASE_FN),
    ]


# Type shorthands, named after the C types they stand for.
status = c_uint32  # custodia_status
u32 = c_uint32
u64 = c_uint64
size = c_size_t
cstr = c_char_p  # const char * (borrowed in, or static out)
handle = c_uint64  # struct custodia_<noun> by value (8 bytes, laid out as uint64_t)
out_handle = POINTER(c_uint64)
bytes_in = c_void_p  # const uint8_t * with a separate length
out_buffer = POINTER(custodia_buffer)
key_id_p = POINTER(custodia_key_id)
cstr_array = POINTER(c_char_p)  # const char *const *

#: Every C function: name -> (result type, argument types). Kept in header order.
FUNCTIONS: dict[str, tuple[Any, list[Any]]] = {
    # errors and buffers
    "custodia_last_error_code": (status, []),
    "custodia_last_error_message": (cstr, []),
    "custodia_buffer_free": (status, [out_buffer]),
    # key ids
    "custodia_key_id_parse": (status, [cstr, key_id_p]),
    "custodia_key_id_from_bytes": (status, [bytes_in, size, key_id_p]),
    "custodia_key_id_format": (status, [key_id_p, c_void_p, size]),
    # actors and exceptions
    "custodia_actor_new": (status, [cstr, cstr, cstr, u32, out_handle]),
    "custodia_actor_free": (status, [handle]),
    "custodia_actor_describe": (status, [handle, out_buffer]),
    "custodia_exception_ground_new": (status, [u32, cstr, cstr, out_handle]),
    "custodia_exception_ground_describe": (status, [handle, out_buffer]),
    "custodia_exception_ground_free": (status, [handle]),
    "custodia_exception_ground_with_approval": (status, [handle, cstr, out_handle]),
    # access policy
    "custodia_access_policy_parse": (status, [cstr, out_handle]),
    "custodia_access_policy_load_file": (status, [cstr, out_handle]),
    "custodia_access_policy_sha256": (status, [handle, out_buffer]),
    "custodia_access_policy_free": (status, [handle]),
    "custodia_custodian_set_access_policy": (status, [handle, handle, handle]),
    "custodia_custodian_approve_exception": (
        status, [handle, handle, key_id_p, cstr, cstr, cstr, u32, cstr, u64, out_buffer]),
    # seal options
    "custodia_seal_options_new": (status, [u32, cstr_array, size, out_handle]),
    "custodia_seal_options_set_classification": (status, [handle, u32]),
    "custodia_seal_options_set_case_ref": (status, [handle, cstr]),
    "custodia_seal_options_set_jurisdictions": (status, [handle, cstr, cstr_array, size]),
    "custodia_seal_options_set_not_after": (status, [handle, u64]),
    "custodia_seal_options_add_recipient": (status, [handle, key_id_p]),
    "custodia_seal_options_set_signer": (status, [handle, key_id_p]),
    "custodia_seal_options_free": (status, [handle]),
    # status, versions, counts
    "custodia_status_name": (cstr, [u32]),
    "custodia_status_is_refusal": (c_bool, [u32]),
    "custodia_version": (cstr, []),
    "custodia_abi_version": (u32, []),
    "custodia_live_counts": (status, [POINTER(c_size_t), POINTER(c_size_t)]),
    "custodia_memory_status": (status, [POINTER(custodia_memory_protection)]),
    "custodia_disable_core_dumps": (status, []),
    # vocabulary
    "custodia_purpose_validate": (status, [cstr]),
    "custodia_jurisdiction_validate": (status, [cstr]),
    "custodia_case_ref_validate": (status, [cstr]),
    "custodia_category_name": (status, [u32, POINTER(c_char_p)]),
    "custodia_category_from_name": (status, [cstr, POINTER(c_uint32)]),
    "custodia_category_minimum_classification": (status, [u32, POINTER(c_uint32)]),
    "custodia_classification_name": (status, [u32, POINTER(c_char_p)]),
    "custodia_classification_from_name": (status, [cstr, POINTER(c_uint32)]),
    "custodia_exception_kind_name": (status, [u32, POINTER(c_char_p)]),
    "custodia_exception_kind_from_name": (status, [cstr, POINTER(c_uint32)]),
    "custodia_key_kind_name": (status, [u32, POINTER(c_char_p)]),
    "custodia_key_kind_from_name": (status, [cstr, POINTER(c_uint32)]),
}

out_key_id = key_id_p
out_info = POINTER(custodia_envelope_info)
c_int = ctypes.c_int

#: The Custodian facade (keys, seal/open, streams, rotation, shredding, audit). Declared when the library has it;
#: without it the rest of the binding works and ``custodia.Custodian`` explains what is missing.
FACADE_FUNCTIONS: dict[str, tuple[Any, list[Any]]] = {
    "custodia_custodian_options_new": (status, [out_handle]),
    "custodia_custodian_options_set_create": (status, [handle, c_bool]),
    "custodia_custodian_options_set_kdf": (status, [handle, u32, u32, u32]),
    "custodia_custodian_options_set_durability": (status, [handle, u32, size, u32]),
    "custodia_custodian_options_free": (status, [handle]),
    "custodia_custodian_options_add_provider": (status, [handle, handle]),
    "custodia_custodian_options_set_case_keys": (status, [handle, handle, key_id_p, u64, u64]),
    "custodia_key_provider_new": (
        status, [POINTER(custodia_key_provider_callbacks), c_void_p, cstr, u32, out_handle]),
    "custodia_key_provider_free": (status, [handle]),
    "custodia_custodian_options_add_signer": (status, [handle, handle]),
    "custodia_custodian_options_set_audit_signer": (status, [handle, handle]),
    "custodia_signer_new": (status, [POINTER(c_uint8 * 32), POINTER(custodia_signer_callbacks), c_void_p, out_handle]),
    "custodia_signer_key_id": (status, [handle, out_key_id]),
    "custodia_signer_free": (status, [handle]),
    "custodia_custodian_open_passphrase": (status, [cstr, cstr, handle, out_handle]),
    "custodia_custodian_open_master_key": (status, [cstr, bytes_in, size, handle, out_handle]),
    "custodia_custodian_close": (status, [handle, out_buffer]),
    "custodia_custodian_free": (status, [handle]),
    "custodia_audit_verify": (status, [handle, cstr_array, size, POINTER(custodia_audit_report)]),
    "custodia_audit_public_key": (status, [handle, out_buffer]),
    "custodia_audit_checkpoint": (status, [handle, out_buffer]),
    "custodia_anchor_countersign": (status, [handle, handle, cstr, cstr, key_id_p, out_buffer]),
    "custodia_anchor_verify": (status, [cstr, cstr, cstr]),
    "custodia_erasure_certificate_verify": (status, [cstr, cstr]),
    "custodia_key_generate": (status, [handle, handle, u32, cstr, out_key_id]),
    "custodia_key_for_case": (status, [handle, handle, cstr, u64, out_key_id]),
    "custodia_key_list_new": (status, [handle, out_handle]),
    "custodia_key_list_len": (status, [handle, POINTER(c_size_t)]),
    "custodia_key_list_get": (status, [handle, size, POINTER(custodia_key_info)]),
    "custodia_key_list_free": (status, [handle]),
    "custodia_key_export_public": (status, [handle, key_id_p, out_buffer]),
    "custodia_key_import_public": (status, [handle, handle, cstr, cstr, cstr, out_key_id]),
    "custodia_key_import_authority": (status, [handle, handle, cstr, cstr, cstr, cstr, u64, u64, out_key_id]),
    "custodia_key_revoke": (status, [handle, handle, key_id_p, cstr]),
    "custodia_key_mark_compromised": (status, [handle, handle, key_id_p, cstr]),
    "custodia_key_compromise_report": (status, [handle, key_id_p, out_buffer]),
    "custodia_key_rotate": (status, [handle, handle, key_id_p, out_key_id]),
    "custodia_key_destroy": (status, [handle, handle, key_id_p, cstr, out_buffer]),
    "custodia_key_shred_expired": (status, [handle, handle, POINTER(c_size_t), POINTER(c_size_t), out_buffer]),
    "custodia_key_set_retention": (status, [handle, handle, key_id_p, u64]),
    "custodia_legal_hold_place": (status, [handle, handle, cstr, cstr, cstr]),
    "custodia_legal_hold_release": (status, [handle, handle, cstr]),
    "custodia_seal_options_set_sender": (status, [handle, key_id_p]),
    "custodia_seal_options_set_instrument": (status, [handle, u32, cstr, cstr]),
    "custodia_seal_options_set_chunk_size": (status, [handle, u32]),
    "custodia_seal_options_set_armor": (status, [handle, c_bool]),
    "custodia_seal": (status, [handle, handle, bytes_in, size, handle, out_buffer]),
    "custodia_open": (status, [handle, handle, cstr, handle, bytes_in, size, key_id_p, out_buffer, out_info]),
    "custodia_envelope_inspect": (status, [handle, bytes_in, size, out_info]),
    "custodia_record_new": (status, [out_handle]),
    "custodia_record_add_text": (status, [handle, cstr, bytes_in, size, u32, u32, cstr_array, size]),
    "custodia_record_add_integer": (status, [handle, cstr, ctypes.c_int64, u32, u32, cstr_array, size]),
    "custodia_record_add_date": (status, [handle, cstr, cstr, u32, u32, cstr_array, size]),
    "custodia_record_add_bytes": (status, [handle, cstr, bytes_in, size, u32, u32, cstr_array, size]),
    "custodia_record_add_nested": (status, [handle, cstr, handle, u32, u32, cstr_array, size]),
    "custodia_record_free": (status, [handle]),
    "custodia_seal_record": (status, [handle, handle, handle, handle, out_buffer]),
    "custodia_open_record": (status, [handle, handle, cstr, handle, bytes_in, size, key_id_p, out_handle, out_info]),
    "custodia_opened_record_len": (status, [handle, POINTER(c_size_t)]),
    "custodia_opened_record_field": (status, [handle, size, POINTER(custodia_record_field)]),
    "custodia_opened_record_find": (status, [handle, cstr, POINTER(c_size_t)]),
    "custodia_opened_record_text": (status, [handle, size, out_buffer]),
    "custodia_opened_record_integer": (status, [handle, size, POINTER(ctypes.c_int64)]),
    "custodia_opened_record_bytes": (status, [handle, size, out_buffer]),
    "custodia_opened_record_json": (status, [handle, size, out_buffer]),
    "custodia_opened_record_free": (status, [handle]),
    "custodia_pseudonymize": (status, [handle, handle, cstr, cstr, u32, cstr, cstr_array, size, out_buffer]),
    "custodia_resolve_pseudonym": (
        status, [handle, handle, cstr, cstr, u32, cstr, cstr, cstr_array, size, POINTER(c_size_t)]),
    # verifiable redaction: SD-JWT of records
    "custodia_sd_jwt_issue": (status, [handle, handle, cstr, handle, bytes_in, size, key_id_p, out_buffer]),
    "custodia_sd_jwt_present": (status, [handle, handle, cstr, cstr_array, size, cstr, cstr, out_buffer]),
    "custodia_sd_jwt_verify": (status, [cstr, cstr, out_handle]),
    "custodia_presentation_object_id": (status, [handle, out_buffer]),
    "custodia_presentation_case_ref": (status, [handle, out_buffer]),
    "custodia_presentation_issuer": (status, [handle, key_id_p]),
    "custodia_presentation_issued_at": (status, [handle, POINTER(c_uint64)]),
    "custodia_presentation_counts": (status, [handle, POINTER(c_size_t), POINTER(c_size_t), POINTER(c_size_t)]),
    "custodia_presentation_field": (status, [handle, size, out_buffer, out_buffer]),
    "custodia_presentation_free": (status, [handle]),
    # caller-sized output, grants in a header, random-access readers (ABI 4)
    "custodia_seal_max_size": (status, [handle, size, POINTER(c_size_t)]),
    "custodia_seal_into": (status, [handle, handle, bytes_in, size, handle, c_void_p, size, POINTER(c_size_t)]),
    "custodia_open_size": (status, [bytes_in, size, POINTER(c_size_t)]),
    "custodia_open_into": (
        status,
        [handle, handle, cstr, handle, bytes_in, size, key_id_p, c_void_p, size, POINTER(c_size_t), out_info],
    ),
    "custodia_envelope_grant": (status, [handle, bytes_in, size, size, out_buffer]),
    "custodia_reader_open_file": (status, [handle, handle, cstr, handle, key_id_p, cstr, out_handle, out_info]),
    "custodia_reader_open_fd": (status, [handle, handle, cstr, handle, key_id_p, ctypes.c_int, out_handle, out_info]),
    "custodia_reader_len": (status, [handle, POINTER(c_uint64)]),
    "custodia_reader_read_at": (status, [handle, u64, c_void_p, size, POINTER(c_size_t)]),
    "custodia_reader_free": (status, [handle]),
    "custodia_envelope_describe": (status, [handle, bytes_in, size, out_buffer]),
    "custodia_seal_file": (status, [handle, handle, handle, cstr, cstr]),
    "custodia_open_file": (status, [handle, handle, cstr, handle, key_id_p, cstr, cstr, out_info]),
    "custodia_seal_fd": (status, [handle, handle, handle, c_int, c_int]),
    "custodia_open_fd": (status, [handle, handle, cstr, handle, key_id_p, c_int, c_int, out_info]),
    "custodia_seal_stream": (status, [handle, handle, handle, READ_FN, c_void_p, WRITE_FN, c_void_p]),
    "custodia_open_stream": (
        status,
        [handle, handle, cstr, handle, key_id_p, READ_FN, c_void_p, WRITE_FN, c_void_p, out_info],
    ),
    "custodia_rewrap": (status, [handle, handle, cstr, bytes_in, size, key_id_p, size, key_id_p, size, out_buffer]),
    "custodia_rewrap_rotated": (status, [handle, handle, bytes_in, size, out_buffer]),
    # grants (rule of speciality)
    "custodia_grant_issue_onward_transfer": (
        status,
        [handle, handle, key_id_p, cstr, cstr, cstr, key_id_p, c_uint64, cstr, out_buffer],
    ),
    "custodia_grant_issue_purpose_extension": (
        status,
        [handle, handle, key_id_p, cstr, cstr_array, size, c_uint64, cstr, out_buffer],
    ),
    "custodia_grant_id": (status, [bytes_in, size, c_void_p, size]),
    "custodia_extend_purposes": (status, [handle, handle, bytes_in, size, bytes_in, size, out_buffer]),
    "custodia_rewrap_with_grant": (
        status,
        [handle, handle, cstr, bytes_in, size, key_id_p, size, key_id_p, size, bytes_in, size, out_buffer],
    ),
    "custodia_custodian_unwrap_attempts": (status, [handle, POINTER(c_uint64)]),
    "custodia_envelope_receive": (status, [handle, handle, bytes_in, size, out_info]),
    "custodia_receipt_issue": (status, [handle, handle, cstr, key_id_p, c_bool, c_bool, out_handle]),
    "custodia_receipt_import": (status, [handle, handle, cstr, out_handle]),
    "custodia_receipt_find_by_object": (status, [handle, cstr, out_buffer]),
    "custodia_receipt_find_by_case": (status, [handle, cstr, out_buffer]),
    "custodia_receipt_parse": (status, [cstr, out_handle]),
    "custodia_receipt_verify": (status, [handle, cstr]),
    "custodia_receipt_armor": (status, [handle, out_buffer]),
    "custodia_receipt_describe": (status, [handle, out_buffer, out_buffer, out_key_id, POINTER(c_uint64)]),
    "custodia_receipt_item_count": (status, [handle, POINTER(c_size_t)]),
    "custodia_receipt_item_get": (status, [handle, size, POINTER(c_uint32), POINTER(c_uint64)]),
    "custodia_receipt_item_field": (status, [handle, size, u32, POINTER(c_bool), out_buffer]),
    "custodia_receipt_free": (status, [handle]),
    # audit queries and CSV export, legal-hold listing, batch re-wrap, audit sinks (ABI version 4)
    "custodia_audit_query": (status, [handle, cstr, cstr, cstr, cstr_array, size, u64, u64, out_handle]),
    "custodia_audit_entries_len": (status, [handle, POINTER(c_size_t)]),
    "custodia_audit_entries_get": (status, [handle, size, POINTER(custodia_audit_entry)]),
    "custodia_audit_entries_csv": (status, [handle, out_buffer, POINTER(c_uint64)]),
    "custodia_audit_entries_write_csv": (status, [handle, cstr, POINTER(c_uint64)]),
    "custodia_audit_entries_free": (status, [handle]),
    "custodia_legal_hold_list_new": (status, [handle, out_handle]),
    "custodia_legal_hold_list_len": (status, [handle, POINTER(c_size_t)]),
    "custodia_legal_hold_list_get": (status, [handle, size, POINTER(custodia_legal_hold)]),
    "custodia_legal_hold_list_free": (status, [handle]),
    "custodia_rewrap_batch": (
        status, [handle, handle, cstr_array, size, cstr, key_id_p, size, key_id_p, size, out_handle]),
    "custodia_rewrap_results_len": (status, [handle, POINTER(c_size_t)]),
    "custodia_rewrap_results_get": (status, [handle, size, POINTER(c_uint32), POINTER(c_char_p)]),
    "custodia_rewrap_results_free": (status, [handle]),
    "custodia_custodian_options_add_audit_sink": (status, [handle, AUDIT_SINK_FN, c_void_p]),
    "custodia_custodian_options_set_require_audit_sinks": (status, [handle, c_bool]),
    "custodia_custodian_audit_sink_failures": (status, [handle, POINTER(c_uint64)]),
    "custodia_anchor_inspect": (status, [cstr, POINTER(custodia_anchor_info)]),
    "custodia_audit_merkle_prove": (status, [handle, u64, out_buffer]),
    "custodia_audit_merkle_verify_inclusion": (status, [cstr, cstr, out_buffer]),
    "custodia_erasure_certificate_inspect": (
        status, [cstr, POINTER(custodia_erasure_certificate_info), key_id_p, size]),
}


def candidate_paths() -> list[Path]:
    """Where the library is looked for, in order.

    1. ``$CUSTODIA_LIB`` (the path of ``libcustodia.so``) when set: then it is the only candidate, so a wrong value
       is an error rather than a silent fallback;
    2. a copy bundled in the package directory;
    3. ``target/release/libcustodia.so`` of the checkout this package sits in (running from a source tree).
    """
    env = os.environ.get(ENV_VAR)
    if env:
        return [Path(env)]
    here = Path(__file__).resolve().parent
    found = [here / LIBRARY_NAME]
    for parent in here.parents:
        if (parent / "Cargo.toml").is_file() and (parent / "include" / "custodia.h").is_file():
            found.append(parent / "target" / "release" / LIBRARY_NAME)
            break
    return found


def _declare(library: ctypes.CDLL, functions: dict[str, tuple[Any, list[Any]]]) -> list[str]:
    missing = []
    for name, (restype, argtypes) in functions.items():
        try:
            fn = getattr(library, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype = restype
        fn.argtypes = argtypes
    return missing


def _load() -> tuple[ctypes.CDLL, Path]:
    tried = []
    for path in candidate_paths():
        if not path.is_file():
            tried.append(f"{path} (absent)")
            continue
        # CDLL (not PyDLL): the GIL is released during every call, so threads really run in parallel in custodia.
        library = ctypes.CDLL(str(path))
        library.custodia_abi_version.restype = c_uint32
        library.custodia_abi_version.argtypes = []
        found = library.custodia_abi_version()
        if found != ABI_VERSION:
            raise AbiMismatch(
                f"{path} implements custodia C ABI version {found}, but this Python binding was written for "
                f"version {ABI_VERSION}; install the binding that matches the library (or point {ENV_VAR} at "
                f"a matching libcustodia.so)"
            )
        missing = _declare(library, FUNCTIONS)
        if missing:
            raise AbiMismatch(
                f"{path} reports ABI version {found} but lacks {', '.join(missing)}; it is older than this "
                f"binding (rebuild it with cargo build --release)"
            )
        global HAS_FACADE, MISSING_FACADE
        MISSING_FACADE = _declare(library, FACADE_FUNCTIONS)
        HAS_FACADE = not MISSING_FACADE
        return library, path
    raise LibraryNotFound(
        f"libcustodia.so not found. This package needs the native library: build it from the custodia source with "
        f"`cargo build --release -p libcustodia` (it lands in target/release/{LIBRARY_NAME}), then either set "
        f"{ENV_VAR}=/path/to/{LIBRARY_NAME} or copy it into this package's directory "
        f"({Path(__file__).resolve().parent}). Tried: {'; '.join(tried)}"
    )


#: Whether the loaded library has the whole Custodian facade, and which of its functions it lacks otherwise.
HAS_FACADE = False
MISSING_FACADE: list[str] = []
lib, library_path = _load()
