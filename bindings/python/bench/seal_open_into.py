"""Per-call cost of the Python binding's in-memory seal and open: the library-buffer calls (custodia_seal /
custodia_open, then copy out and custodia_buffer_free) against the caller-sized ones the binding now uses
(custodia_seal_into / custodia_open_into). Best of 3 rounds, audit durability os_buffered so fsync does not dominate.

    CUSTODIA_LIB=target/release/libcustodia.so python3 bindings/python/bench/seal_open_into.py

Not a test: figures only (issue 19 §2 measures the bindings' overhead).
"""

from __future__ import annotations

import ctypes
import tempfile
import time
from ctypes import byref

import custodia
from custodia import Category, Classification, Custodian, KeyKind, SealOptions, _raw
from custodia._sensitive import SensitiveBytes


def best(fn, n: int) -> float:
    fn()
    times = []
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - t) / n)
    return min(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as d, \
            Custodian(d + "/c", master_key=bytes(32), create=True, durability="os_buffered") as c, \
            custodia.Actor("anna", "prosecutor", "NL", Classification.SECRET) as a:
        k = c.generate_key(a, KeyKind.KEK, "k")
        with SealOptions(Category.EVIDENCE, ["investigation"], recipients=[k]) as o:
            for size, n in ((1024, 2000), (1 << 20, 100)):
                data = bytes(size)
                env = c.seal(a, data, o)

                def old_seal() -> bytes:
                    buf = _raw.custodia_buffer()
                    _raw.lib.custodia_seal(c._handle, a._handle, data, size, o._handle, byref(buf))
                    try:
                        return ctypes.string_at(buf.data, buf.len)
                    finally:
                        _raw.lib.custodia_buffer_free(byref(buf))

                def old_open() -> None:
                    buf, info = _raw.custodia_buffer(), _raw.custodia_envelope_info()
                    _raw.lib.custodia_open(c._handle, a._handle, b"investigation", 0, env, len(env), None,
                                           byref(buf), byref(info))
                    s = SensitiveBytes._from_address(buf.data or 0, buf.len)
                    _raw.lib.custodia_buffer_free(byref(buf))
                    s.close()

                for name, fn in (("seal: custodia_seal + buffer_free", old_seal),
                                 ("seal: custodia_seal_into (Custodian.seal)", lambda: c.seal(a, data, o)),
                                 ("open: custodia_open + buffer_free", old_open),
                                 ("open: custodia_open_into (Custodian.open)",
                                  lambda: c.open(a, env, "investigation").close())):
                    print(f"{size:>8} B  {name:44s} {best(fn, n) * 1e6:9.1f} us/call")


if __name__ == "__main__":
    main()
