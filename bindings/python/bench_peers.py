#!/usr/bin/env python3
"""Seal+open cost from Python: custodia (local KEK) against cryptography's ChaCha20Poly1305 and the AWS Encryption
SDK (raw AES wrapping key, default algorithm suite), for 1 KiB and 1 MiB.

    CUSTODIA_LIB=target/release/libcustodia.so python bindings/python/bench_peers.py [--iterations N] [--only custodia]

Prints the median of N round trips (time.perf_counter_ns) per library and size. Peers that are not installed
(pip install cryptography aws-encryption-sdk) are skipped. The comparison is not like for like: custodia also runs
the policy gate, commits to and authenticates a header of bound metadata, and appends an fsynced (by default),
hash-chained audit entry for each seal and each open (the C ABI has no durability option yet); ChaCha20Poly1305 is one AEAD call; the AWS SDK wraps a data
key, signs with ECDSA P-384 (default suite) and frames the message.
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


def bench_custodia(size: int, iterations: int) -> int:
    import custodia

    with tempfile.TemporaryDirectory() as d, custodia.Actor(
        "anna", "prosecutor", "DE", custodia.Classification.SECRET
    ) as anna:
        with custodia.Custodian(d, master_key=os.urandom(32)) as c:
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
    runs: dict[str, Callable[[int, int], int]] = {
        "custodia (local KEK, default: fsync each audit event)": bench_custodia,
        "cryptography ChaCha20Poly1305": bench_chacha,
        "aws-encryption-sdk (raw AES key, default suite)": bench_aws,
    }
    for name, fn in runs.items():
        if args.only and not name.startswith({"custodia": "custodia", "chacha": "crypto", "aws": "aws"}[args.only]):
            continue
        for label, size in SIZES.items():
            n = args.iterations if size <= 1024 else max(10, args.iterations // 10)
            try:
                ns = fn(size, n)
            except ImportError as e:
                print(f"{name:50} {label:>6}: skipped ({e.name} not installed)")
                break
            print(f"{name:50} {label:>6}: median {ns / 1000:10.1f} µs over {n} round trips")


if __name__ == "__main__":
    main()
