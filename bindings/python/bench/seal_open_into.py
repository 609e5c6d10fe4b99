"""Per-call cost of the Python binding's in-memory seal and open: the library-buffer calls (custodia_seal /
custodia_open, then copy out and custodia_buffer_free) against the caller-sized ones the binding now uses
(custodia_seal_into / custodia_open_into). Best of 3 rounds, audit durability os_buffered so fsync does not dominate.

    CUSTODIA_LIB=target/release/libcustodia.so python3 bindings/python/bench/seal_open_into.py

    python3 bindings/python/bench/seal_open_into.py --round-trip [iterations=2000] [warmup=500] [dir=/dev/shm]

The second form is the one ``benches/bindings/run.sh`` runs: the 1 KiB seal + open round trip through
``Custodian.seal`` / ``Custodian.open`` (the same round trip as ``examples/durability_bench.rs --one-row``: local KEK,
os_buffered audit, custodian on tmpfs), printed as one machine-readable line ``python median_us=... n=... warmup=...``.

Not a test: figures only (issue 19 §2 measures the bindings' overhead).
"""

from __future__ import annotations

import ctypes
import sys
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


def round_trip(iterations: int, warmup: int, parent: str) -> None:
    """The median of ``iterations`` timed 1 KiB seal + open round trips after ``warmup`` untimed ones."""
    with tempfile.TemporaryDirectory(dir=parent, prefix="custodia-python-bench-") as d, \
            Custodian(d + "/c", master_key=bytes([3] * 32), create=True, durability="os_buffered") as c, \
            custodia.Actor("bench", "analyst", "NL", Classification.SECRET) as a:
        k = c.generate_key(a, KeyKind.KEK, "bench")
        data = bytes([0x42]) * 1024
        samples = []
        clock = time.perf_counter_ns
        with SealOptions(Category.FINANCIAL_RECORDS, ["investigation"], recipients=[k]) as o:
            for i in range(-warmup, iterations):
                t0 = clock()
                env = c.seal(a, data, o)
                with c.open(a, env, "investigation") as opened:
                    if len(opened.data) != 1024:
                        raise AssertionError("round trip lost bytes")
                t1 = clock()
                if i >= 0:
                    samples.append(t1 - t0)
        samples.sort()
        print(f"python median_us={samples[len(samples) // 2] / 1e3:.2f} n={iterations} warmup={warmup}")


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
    if len(sys.argv) > 1 and sys.argv[1] == "--round-trip":
        args = sys.argv[2:]
        round_trip(int(args[0]) if args else 2000, int(args[1]) if len(args) > 1 else 500,
                   args[2] if len(args) > 2 else "/dev/shm")
    else:
        main()
