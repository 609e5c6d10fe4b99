#!/usr/bin/env python3
"""Seal+open cost from Python: custodia (local KEK) against cryptography's ChaCha20Poly1305 and the AWS Encryption
SDK (raw AES wrapping key, default algorithm suite), for 1 KiB and 1 MiB.

    CUSTODIA_LIB=target/release/libcustodia.so python bindings/python/bench_peers.py [--iterations N] [--only custodia]

Prints the median of N round trips (time.perf_counter_ns) per library and size: a quick manual check. The figures
in BENCHMARKS.md come from `benches/peers/python/run` (round-robin against a Python-side anchor, same contenders). Peers that are not installed
(pip install cryptography aws-encryption-sdk) are skipped. The comparison is not like for like: custodia also runs
the policy gate, commits to and authenticates a header of bound metadata, and appends an fsynced (by default),
hash-chained audit entry for each seal and each open; it is measured twice: with the default durability (an
fdatasync per audit event, keyring on disk) and with `durability="os_buffered"` on tmpfs (no sync), which shows the
cost of everything else. ChaCha20Poly1305 is one AEAD call; the AWS SDK wraps a data key, signs with ECDSA P-384
(default suite) and frames the message.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from typing import Callable

SIZES = {"1 KiB": 1024, "1 MiB": 1024 * 1024}


def median_ns(fn: Callable[[], None], iterations: int, warmup: int = 5) -> int:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(iterations):
        t0 = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - t0)
    return int(statistics.median(samples))


def bench_custodia(size: int, iterations: int, durability: str = "fsync_each", base: str | None = None) -> int:
    import custodia

    with tempfile.TemporaryDirectory(dir=base) as d, custodia.Actor(
        "anna", "prosecutor", "DE", custodia.Classification.SECRET
    ) as anna:
        with custodia.Custodian(d, master_key=os.urandom(32), durability=durability) as c:
            kek = c.generate_key(anna, custodia.KeyKind.KEK, "bench")
            opts = custodia.SealOptions(custodia.Category.EVIDENCE, ["investigation"], recipients=[kek])
            data = os.urandom(size)

            def round_trip() -> None:
                envelope = c.seal(anna, data, opts)
                with c.open(anna, envelope, "investigation") as opened:
                    assert len(opened.data) == size

            result = median_ns(round_trip, iterations)
            opts.close()
            return result


def bench_chacha(size: int, iterations: int) -> int:
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    aead = ChaCha20Poly1305(ChaCha20Poly1305.generate_key())
    data = os.urandom(size)

    def round_trip() -> None:
        nonce = os.urandom(12)
        assert len(aead.decrypt(nonce, aead.encrypt(nonce, data, b"aad"), b"aad")) == size

    return median_ns(round_trip, iterations)


def bench_aws(size: int, iterations: int) -> int:
    import aws_encryption_sdk
    from aws_encryption_sdk.identifiers import CommitmentPolicy, EncryptionKeyType, WrappingAlgorithm
    from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
    from aws_encryption_sdk.key_providers.raw import RawMasterKeyProvider

    secret = os.urandom(32)

    class StaticAesProvider(RawMasterKeyProvider):  # the SDK's raw AES wrapping key, one static key
        provider_id = "bench"

        def _get_raw_key(self, key_id: bytes) -> WrappingKey:
            return WrappingKey(
                wrapping_algorithm=WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING,
                wrapping_key=secret,
                wrapping_key_type=EncryptionKeyType.SYMMETRIC,
            )

    provider = StaticAesProvider()
    provider.add_master_key(b"k1")
    client = aws_encryption_sdk.EncryptionSDKClient(
        commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
    )
    data = os.urandom(size)

    def round_trip() -> None:
        ct, _ = client.encrypt(source=data, key_provider=provider)
        pt, _ = client.decrypt(source=ct, key_provider=provider)
        assert len(pt) == size

    return median_ns(round_trip, iterations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--only", choices=["custodia", "chacha", "aws"])
    args = parser.parse_args()
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
    runs: dict[str, Callable[[int, int], int]] = {
        "custodia (local KEK, default: fsync each audit event)": bench_custodia,
        "custodia (local KEK, os_buffered audit, tmpfs)": lambda size, n: bench_custodia(size, n, "os_buffered", shm),
        "cryptography ChaCha20Poly1305": bench_chacha,
        "aws-encryption-sdk (raw AES key, default suite)": bench_aws,
    }
    prefix = {"custodia": "custodia", "chacha": "crypto", "aws": "aws"}
    results: dict[tuple[str, str], int] = {}
    for name, fn in runs.items():
        if args.only and not name.startswith(prefix[args.only]):
            continue
        for label, size in SIZES.items():
            n = args.iterations if size <= 1024 else max(10, args.iterations // 10)
            try:
                ns = fn(size, n)
            except ImportError as e:
                print(f"{name:55} {label:>6}: skipped ({e.name} not installed)")
                break
            results[(name, label)] = ns
            print(f"{name:55} {label:>6}: median {ns / 1000:10.1f} µs over {n} round trips")
    aws_name = next(n for n in runs if n.startswith("aws"))
    for (name, label), ns in results.items():
        aws = results.get((aws_name, label))
        if name.startswith("custodia") and aws:
            print(f"{name:55} {label:>6}: {aws / ns:6.1f}x faster than aws-encryption-sdk (same run)")


if __name__ == "__main__":
    main()
