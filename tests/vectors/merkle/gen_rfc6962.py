#!/usr/bin/env python3
"""Writes rfc6962.json: RFC 6962 Merkle tree vectors for the eight reference leaves.

An independent implementation of RFC 6962 section 2.1 (MTH, PATH, PROOF/SUBPROOF) in Python's hashlib, written
from the RFC's text, computes every root (sizes 0..8), every inclusion path (every index of every size 1..8) and every
consistency proof (1 <= m <= n <= 8). Before writing, it checks its results against the published reference values
(the roots, inclusion paths and consistency proofs of certificate-transparency's and transparency-dev/merkle's
reference tests, restated in REFERENCE below). tests/audit_merkle_vectors.rs checks custodia (ct-merkle) against
the file. Run from the repository root: python3 tests/vectors/merkle/gen_rfc6962.py
"""
import hashlib
import json
import os

LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]

# Published values: roots by tree size; (index, size) -> path; (size1, size2) -> proof.
REFERENCE = {
    "roots": [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ],
    "inclusion": [
        (0, 1, []),
        (0, 2, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"]),
        (1, 2, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"]),
        (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
        (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
        (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
        (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    ],
    "consistency": [
        (1, 1, []),
        (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
        (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
        (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    ],
}


def sha(b):
    return hashlib.sha256(b).digest()


def split_point(n):
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d):
    if not d:
        return sha(b"")
    if len(d) == 1:
        return sha(b"\x00" + d[0])
    k = split_point(len(d))
    return sha(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m, d):
    if len(d) == 1:
        return []
    k = split_point(len(d))
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m, d, b):
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = split_point(n)
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


def proof(m, d):
    return subproof(m, d, True)


def main():
    d = [bytes.fromhex(x) for x in LEAVES]
    roots = [mth(d[:n]).hex() for n in range(0, 9)]
    assert roots == REFERENCE["roots"], "roots differ from the reference"
    inclusion = [
        {"index": m, "size": n, "path": [h.hex() for h in path(m, d[:n])]}
        for n in range(1, 9) for m in range(n)
    ]
    consistency = [
        {"size1": m, "size2": n, "proof": [h.hex() for h in proof(m, d[:n])]}
        for n in range(1, 9) for m in range(1, n + 1)
    ]
    for (m, n, want) in REFERENCE["inclusion"]:
        assert next(v["path"] for v in inclusion if v["index"] == m and v["size"] == n) == want, (m, n)
    for (m, n, want) in REFERENCE["consistency"]:
        assert next(v["proof"] for v in consistency if v["size1"] == m and v["size2"] == n) == want, (m, n)
    out = {
        "description": "RFC 6962 Merkle tree vectors: the 8 reference leaves (hex), the root of every tree size 0..8, "
                       "every inclusion path and every consistency proof up to size 8. Generated by gen_rfc6962.py "
                       "and checked there against the published reference values (listed under reference).",
        "leaves": LEAVES,
        "roots": roots,
        "inclusion": inclusion,
        "consistency": consistency,
        "reference": {
            "inclusion": [{"index": m, "size": n, "path": p} for (m, n, p) in REFERENCE["inclusion"]],
            "consistency": [{"size1": m, "size2": n, "proof": p} for (m, n, p) in REFERENCE["consistency"]],
        },
    }
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "rfc6962.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    check_audit_log_vector(here)


def check_audit_log_vector(here):
    """The root in audit_log_merkle.json is MTH over the lines (without newlines) of the committed audit-log vector."""
    with open(os.path.join(here, "..", "audit", "audit_log.json")) as f:
        log = json.load(f)["log"]
    with open(os.path.join(here, "audit_log_merkle.json")) as f:
        merkle = json.load(f)
    lines = [l.encode() for l in log.split("\n") if l]
    assert mth(lines).hex() == merkle["root"], "audit_log_merkle.json root differs from MTH over the log's lines"
    assert merkle["checkpoint"].split("\n")[1] == str(len(lines))


if __name__ == "__main__":
    main()
