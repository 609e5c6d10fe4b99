#!/usr/bin/env python3
"""Python peers of custodia, timed round-robin in one process the way `benches/peers/src/harness.rs` times the Rust
ones, and printed as the same JSON lines (process "python") for `report.py`.

    CUSTODIA_LIB=target/release/libcustodia.so PYTHONPATH=bindings/python/src python peers.py [--dir DIR]

Anchor (the Python-side anchor, not the RustCrypto one of the other processes): `cryptography`'s ChaCha20Poly1305
encryption of the same size. Contenders, at 1 KiB and 1 MiB, each a seal followed by an open of the result:

- custodia through its Python binding, one local KEK recipient, with the default audit durability (an fdatasync
  per audit event) and the keyring on disk (`--dir`), and again with `durability="os_buffered"` on tmpfs
  (/dev/shm), which shows the cost of everything but the syncs;
- `cryptography` ChaCha20Poly1305 (one AEAD call each way, random nonce);
- `aws-encryption-sdk` with a raw AES wrapping key and its default algorithm suite (committing, ECDSA P-384 signed).

Every round times the anchor, then each contender in a rotating order, then the anchor again; a contender's
normalised cost for the round is its time per byte over the anchor's (mean of the two) in that round. Each line
reports the median over rounds of the time per operation and of the normalised cost. `CUSTODIA_BENCH_ROUNDS`
(default 15) sets the rounds. A peer library that is not installed is left out, with a note on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from typing import Callable, Optional

PROCESS = "python"
SIZES = [("1KiB", 1024), ("1MiB", 1 << 20)]
MIN_SAMPLE_S = 0.02  # as harness.rs: Duration::from_millis(20)


class Contender:
    def __init__(self, name: str, nbytes: int, run: Callable[[], None]) -> None:
        self.name, self.bytes, self.run = name, nbytes, run
        self.iters = 1
        self.ns_per_op: list[float] = []
        self.norm: list[float] = []


def calibrate(c: Contender, min_s: float) -> int:
    """Iterations so that one sample takes at least ``min_s`` (as harness.rs)."""
    c.run()
    n = 1
    while True:
        t = time.perf_counter()
        for _ in range(n):
            c.run()
        if time.perf_counter() - t >= min_s or n >= 1 << 20:
            return n
        n *= 2


def sample(c: Contender) -> float:
    run, iters = c.run, c.iters
    t = time.perf_counter_ns()
    for _ in range(iters):
        run()
    return (time.perf_counter_ns() - t) / iters


def run_groups(groups: list[tuple[Contender, list[Contender]]], rounds: int) -> None:
    for anchor, contenders in groups:
        for c in [anchor, *contenders]:
            c.iters = calibrate(c, MIN_SAMPLE_S)
    for r in range(rounds):
        for anchor, contenders in groups:
            n = len(contenders)
            order = list(range(n))
            k = r % max(n, 1)
            order = order[k:] + order[:k]
            times = [0.0] * n
            a0 = sample(anchor)
            for i in order:
                times[i] = sample(contenders[i])
            a1 = sample(anchor)
            anchor_ns = (a0 + a1) / 2
            anchor_per_byte = anchor_ns / max(anchor.bytes, 1)
            anchor.ns_per_op.append(anchor_ns)
            anchor.norm.append(1.0)
            for i, c in enumerate(contenders):
                c.ns_per_op.append(times[i])
                c.norm.append(times[i] / max(c.bytes, 1) / anchor_per_byte)
        print(".", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    for anchor, contenders in groups:
        for c in [anchor, *contenders]:
            ns = statistics.median(c.ns_per_op)
            print(json.dumps({
                "process": PROCESS,
                "name": c.name,
                "bytes": c.bytes,
                "median_ns": round(ns, 1),
                "mb_s": round(c.bytes / ns * 1e3, 1),
                "norm": round(statistics.median(c.norm), 4),
                "rounds": len(c.ns_per_op),
            }), flush=True)


def filled(n: int) -> bytes:
    """Deterministic filler, as harness.rs."""
    return bytes((i * 31 + 7) & 0xFF for i in range(n))


# ---- contenders -------------------------------------------------------------------------------------------------

def chacha_anchor(data: bytes) -> Callable[[], None]:
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    aead = ChaCha20Poly1305(bytes([7]) * 32)
    nonce = bytes([1]) * 12
    return lambda: aead.encrypt(nonce, data, None) and None


def chacha_round_trip(data: bytes) -> Callable[[], None]:
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    aead = ChaCha20Poly1305(ChaCha20Poly1305.generate_key())
    n = len(data)

    def run() -> None:
        nonce = os.urandom(12)
        assert len(aead.decrypt(nonce, aead.encrypt(nonce, data, None), None)) == n

    return run


def custodia_round_trip(stack: ExitStack, data: bytes, base: str, durability: Optional[str]) -> Callable[[], None]:
    import custodia

    d = stack.enter_context(tempfile.TemporaryDirectory(prefix="custodia-py-bench-", dir=base))
    anna = stack.enter_context(custodia.Actor("anna", "prosecutor", "DE", custodia.Classification.SECRET))
    c = stack.enter_context(custodia.Custodian(d, master_key=os.urandom(32), create=True, durability=durability))
    kek = c.generate_key(anna, custodia.KeyKind.KEK, "bench")
    opts = stack.enter_context(custodia.SealOptions(custodia.Category.EVIDENCE, ["investigation"], recipients=[kek]))
    n = len(data)

    def run() -> None:
        envelope = c.seal(anna, data, opts)
        with c.open(anna, envelope, "investigation") as opened:
            assert len(opened.data) == n

    return run


def aws_round_trip(data: bytes) -> Callable[[], None]:
    import aws_encryption_sdk
    from aws_encryption_sdk.identifiers import CommitmentPolicy, EncryptionKeyType, WrappingAlgorithm
    from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
    from aws_encryption_sdk.key_providers.raw import RawMasterKeyProvider

    secret = os.urandom(32)

    class StaticAesProvider(RawMasterKeyProvider):  # the SDK's raw AES wrapping key: one static 256-bit key
        provider_id = "bench"

        def _get_raw_key(self, key_id: bytes) -> WrappingKey:
            return WrappingKey(
                wrapping_algorithm=WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING,
                wrapping_key=secret,
                wrapping_key_type=EncryptionKeyType.SYMMETRIC,
            )

    provider = StaticAesProvider()
    provider.add_master_key(b"k1")
    # The default commitment policy and algorithm suite (AES-256-GCM, HKDF-SHA512, key commitment, ECDSA P-384).
    client = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
    n = len(data)

    def run() -> None:
        ct, _ = client.encrypt(source=data, key_provider=provider)
        pt, _ = client.decrypt(source=ct, key_provider=provider)
        assert len(pt) == n

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="where the on-disk custodian lives")
    parser.add_argument("--tmpfs", default="/dev/shm", help="where the os_buffered custodian lives")
    args = parser.parse_args()
    rounds = int(os.environ.get("CUSTODIA_BENCH_ROUNDS", "15"))
    tmpfs = args.tmpfs if os.path.isdir(args.tmpfs) else args.dir
    try:
        import cryptography  # noqa: F401  (the anchor: without it there is nothing to normalise by)
    except ImportError:
        print("python peers: `cryptography` is not installed; nothing measured", file=sys.stderr)
        return 1
    with ExitStack() as stack:
        groups = []
        for label, size in SIZES:
            data = filled(size)
            makers: list[tuple[str, Callable[[], Callable[[], None]]]] = [
                (f"py_custodia_kek_seal_open_{label}", lambda: custodia_round_trip(stack, data, args.dir, None)),
                (f"py_custodia_kek_seal_open_os_buffered_tmpfs_{label}",
                 lambda: custodia_round_trip(stack, data, tmpfs, "os_buffered")),
                (f"py_cryptography_chacha20poly1305_seal_open_{label}", lambda: chacha_round_trip(data)),
                (f"py_aws_encryption_sdk_raw_aes_seal_open_{label}", lambda: aws_round_trip(data)),
            ]
            contenders = []
            for name, make in makers:
                try:
                    contenders.append(Contender(name, size, make()))
                except ImportError as e:
                    print(f"python peers: {name} left out ({e.name} not installed)", file=sys.stderr)
            anchor = Contender(f"py_anchor_cryptography_chacha20poly1305_encrypt_{label}", size, chacha_anchor(data))
            groups.append((anchor, contenders))
        run_groups(groups, rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
