"""Sealed records (docs/FORMAT.md section 14): named, typed fields, each with its own category, classification and
purposes, sealed together as one envelope and opened field by field.

A record goes in as a ``dict`` of :class:`Field` and comes out as an :class:`OpenedRecord` (a read-only mapping):
a disclosed field's value is a ``str``, ``int``, ``datetime.date``, ``bytes`` or ``dict`` (nested), a field the
reader may not see is a :class:`Withheld` marker naming the refusal. Values cross into Python objects, which Python
cannot wipe: keep an opened record's lifetime short.

>>> record = {"phone": Field("+31 6 1234 5678", Category.CONTACT_DETAILS),
...           "witness_name": Field("A. Jansen", Category.WITNESS_IDENTITY)}
"""

from __future__ import annotations

import ctypes
import datetime as _dt
import json
from ctypes import byref
from dataclasses import dataclass
from typing import Iterator, Mapping, Optional, Sequence, Union

from . import _raw
from ._errors import CustodiaError, error_class, invoke
from ._handles import bytes_arg, text_arg, text_array
from .vocab import Category, Classification, purposes_arg

__all__ = ["Field", "Withheld", "Masked", "OpenedRecord", "RecordField", "Value"]

#: What a field holds: text, an integer (64-bit signed), a date, bytes, or nested named values.
Value = Union[str, int, _dt.date, bytes, Mapping[str, "Value"]]

#: ``CUSTODIA_CLASSIFICATION_MINIMUM``: a field held at its category's minimum.
_MINIMUM = 0xFFFFFFFF
#: ``CUSTODIA_FIELD_*`` codes.
_KINDS = {1: "text", 2: "integer", 3: "date", 4: "bytes", 5: "nested"}


@dataclass(frozen=True)
class Field:
    """A value to seal with its terms: its category, its classification (default: the category's minimum) and the
    purposes it alone may be opened for (default: the envelope's; each must be one the envelope's purposes permit)."""

    value: Value
    category: Category
    classification: Optional[Classification] = None
    purposes: Optional[Sequence[str]] = None

    def __repr__(self) -> str:  # never the value
        return f"Field({type(self.value).__name__}, {self.category.label})"


@dataclass(frozen=True)
class Withheld:
    """The marker an :class:`OpenedRecord` holds for a field the reader may not see: the refusal that withheld it
    (its exception class, status code and message). The value was never decrypted."""

    error: type[CustodiaError]
    code: int
    message: str

    def __bool__(self) -> bool:
        return False


@dataclass(frozen=True)
class Masked:
    """The marker an :class:`OpenedRecord` holds for a field the reader may not see in the clear but gets a masked
    view of (the access policy's ``[[mask]]``): the text the rule made from the value inside custodia, the rule's
    name (``iban``, ``last_three_digits``, ``initials``, ``year``) and the refusal of the clear value. Falsy, like
    :class:`Withheld`: it is not the value."""

    text: str
    rule: str
    error: type[CustodiaError]

    def __bool__(self) -> bool:
        return False


_MASKS = {1: "iban", 2: "last_three_digits", 3: "initials", 4: "year"}


@dataclass(frozen=True)
class RecordField:
    """What an opened record says of one field, disclosed or not."""

    name: str
    category: Category
    classification: Classification
    kind: str
    purposes: Optional[tuple[str, ...]]


class OpenedRecord(Mapping[str, Union[Value, Withheld, Masked]]):
    """A record as one reader opened it: ``record["phone"]`` is the value, or a :class:`Withheld` or :class:`Masked`
    marker (falsy).
    :attr:`fields` describes every field; :meth:`disclosed` and :meth:`withheld` list the names."""

    def __init__(self, values: dict[str, Union[Value, Withheld]], fields: dict[str, RecordField]) -> None:
        self._values = values
        self.fields = fields

    def __getitem__(self, name: str) -> Union[Value, Withheld]:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def disclosed(self) -> list[str]:
        """The names of the fields this reader got in the clear."""
        return [n for n, v in self._values.items() if not isinstance(v, (Withheld, Masked))]

    def withheld(self) -> list[str]:
        """The names of the fields withheld from this reader."""
        return [n for n, v in self._values.items() if isinstance(v, Withheld)]

    def masked(self) -> list[str]:
        """The names of the fields this reader got a masked view of."""
        return [n for n, v in self._values.items() if isinstance(v, Masked)]

    def __repr__(self) -> str:  # names only, never values
        return f"OpenedRecord(disclosed={self.disclosed()}, withheld={self.withheld()})"


def _terms(field: Field) -> tuple[int, int, object, int]:
    if not isinstance(field, Field):
        raise TypeError(f"a record maps names to Field, not {type(field).__name__}")
    classification = _MINIMUM if field.classification is None else int(field.classification)
    purposes = [] if field.purposes is None else purposes_arg(field.purposes)
    array, count = text_array(purposes, "purposes")
    return int(field.category), classification, array, count


def _add(builder: int, name: str, value: object, terms: tuple[int, int, object, int], depth: int = 0) -> None:
    lib = _raw.lib
    key = text_arg(name, "name")
    if isinstance(value, bool):
        raise TypeError(f"field {name}: a bool is not a record value (use an int)")
    if isinstance(value, str):
        data = value.encode("utf-8")
        invoke(lib.custodia_record_add_text, builder, key, data, len(data), *terms)
    elif isinstance(value, int):
        invoke(lib.custodia_record_add_integer, builder, key, value, *terms)
    elif isinstance(value, _dt.datetime):
        raise TypeError(f"field {name}: a datetime is not a date (use .date())")
    elif isinstance(value, _dt.date):
        invoke(lib.custodia_record_add_date, builder, key, value.isoformat().encode(), *terms)
    elif isinstance(value, (bytes, bytearray, memoryview)):
        arg = bytes_arg(value, name)
        invoke(lib.custodia_record_add_bytes, builder, key, arg.ptr, arg.len, *terms)
    elif isinstance(value, Mapping):
        inner = ctypes.c_uint64()
        invoke(lib.custodia_record_new, byref(inner))
        try:
            none = text_array([], "purposes")
            for k, v in value.items():
                _add(inner.value, k, v, (terms[0], _MINIMUM, none[0], 0), depth + 1)
            invoke(lib.custodia_record_add_nested, builder, key, inner.value, *terms)
        finally:
            invoke(lib.custodia_record_free, inner.value)
    else:
        raise TypeError(f"field {name}: {type(value).__name__} is not a record value")


def build(fields: Mapping[str, Field]) -> int:
    """A ``custodia_record`` handle holding ``fields``; the caller frees it (``custodia_record_free``)."""
    if not isinstance(fields, Mapping):
        raise TypeError(f"a record is a mapping of names to Field, not {type(fields).__name__}")
    builder = ctypes.c_uint64()
    invoke(_raw.lib.custodia_record_new, byref(builder))
    try:
        for name, field in fields.items():
            _add(builder.value, name, field.value if isinstance(field, Field) else field, _terms(field))
    except BaseException:
        invoke(_raw.lib.custodia_record_free, builder.value)
        raise
    return builder.value


def _from_json(v: dict) -> Value:
    ((kind, x),) = v.items()
    if kind == "date":
        return _dt.date.fromisoformat(x)
    if kind == "bytes":
        return bytes.fromhex(x)
    if kind == "nested":
        return {k: _from_json(y) for k, y in x.items()}
    return x


def read(handle: int) -> OpenedRecord:
    """Every field of a ``custodia_opened_record`` handle (not freed here)."""
    lib = _raw.lib
    n = ctypes.c_size_t()
    invoke(lib.custodia_opened_record_len, handle, byref(n))
    values: dict[str, Union[Value, Withheld]] = {}
    fields: dict[str, RecordField] = {}
    for i in range(n.value):
        f = _raw.custodia_record_field()
        invoke(lib.custodia_opened_record_field, handle, i, byref(f))
        name = (f.name or b"").decode()
        purposes = tuple(f.purposes.decode().split(" ")) if f.purposes else None
        fields[name] = RecordField(name, Category(f.category), Classification(f.classification), _KINDS[f.kind],
                                   purposes)
        if f.mask:
            buf = _raw.custodia_buffer()
            invoke(lib.custodia_opened_record_text, handle, i, byref(buf))
            try:
                text = ctypes.string_at(buf.data, buf.len).decode("utf-8")
            finally:
                invoke(lib.custodia_buffer_free, byref(buf))
            values[name] = Masked(text, _MASKS.get(f.mask, str(f.mask)), error_class(f.withheld))
            continue
        if f.withheld:
            # The getter returns the refusal again, with its message naming the field.
            buf = _raw.custodia_buffer()
            code = lib.custodia_opened_record_json(handle, i, byref(buf))
            raw = lib.custodia_last_error_message()
            values[name] = Withheld(error_class(code), code, raw.decode("utf-8", "replace") if raw else "")
            continue
        buf = _raw.custodia_buffer()
        invoke(lib.custodia_opened_record_json, handle, i, byref(buf))
        try:
            text = ctypes.string_at(buf.data, buf.len).decode("utf-8")
        finally:
            invoke(lib.custodia_buffer_free, byref(buf))
        values[name] = _from_json(json.loads(text))
        del text
    return OpenedRecord(values, fields)
