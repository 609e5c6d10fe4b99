//! The RFC 6962 Merkle tree vectors (`tests/vectors/merkle/`, `docs/AUDIT.md` §12.6): custodia's tree (hashing by
//! `ct-merkle`) must give every root, audit path and consistency proof of the eight reference leaves, and its
//! verifiers must accept exactly the good proofs among transparency-dev/merkle's verifier probes.

use custodia::Error;
use custodia::audit::{MerkleTree, verify_consistency, verify_inclusion};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/tests/vectors/merkle/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("vector file")).expect("json")
}

fn hex32(v: &Value) -> [u8; 32] {
    let b = hex(v.as_str().expect("hex string"));
    b.try_into().expect("32 bytes")
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

fn hashes(v: &Value) -> Vec<[u8; 32]> {
    v.as_array().expect("array").iter().map(hex32).collect()
}

fn num(v: &Value) -> u64 {
    v.as_u64().expect("number")
}

fn leaves(v: &Value) -> Vec<Vec<u8>> {
    v["leaves"].as_array().expect("leaves").iter().map(|l| hex(l.as_str().expect("leaf"))).collect()
}

fn tree(leaves: &[Vec<u8>], n: u64) -> MerkleTree {
    let mut t = MerkleTree::new();
    for l in &leaves[..usize::try_from(n).expect("small")] {
        t.push(l);
    }
    t
}

#[test]
fn roots_paths_and_proofs_match_rfc6962_vectors() {
    let v = load("rfc6962.json");
    let leaves = leaves(&v);
    assert_eq!(leaves.len(), 8);
    let roots: Vec<[u8; 32]> = hashes(&v["roots"]);
    assert_eq!(MerkleTree::new().root(), roots[0], "empty tree: SHA-256 of nothing");
    let full = tree(&leaves, 8);
    for n in 1..=8u64 {
        let idx = usize::try_from(n).expect("small");
        assert_eq!(tree(&leaves, n).root(), roots[idx], "root of size {n}");
        assert_eq!(full.root_at(n).expect("prefix root"), roots[idx], "prefix root {n}");
    }
    let inclusion = v["inclusion"].as_array().expect("inclusion");
    assert_eq!(inclusion.len(), 36, "every index of every size 1..8");
    for case in inclusion {
        let (index, size) = (num(&case["index"]), num(&case["size"]));
        let want = hashes(&case["path"]);
        let t = tree(&leaves, size);
        assert_eq!(t.inclusion_path(index).expect("path"), want, "path of {index} in {size}");
        let leaf = &leaves[usize::try_from(index).expect("small")];
        let root = roots[usize::try_from(size).expect("small")];
        verify_inclusion(&root, size, index, leaf, &want).expect("verifies");
        // The same path for another leaf, another index or another size is refused.
        assert!(verify_inclusion(&root, size, index, b"another leaf", &want).is_err());
        if size > 1 {
            let other = (index + 1) % size;
            assert!(verify_inclusion(&root, size, other, leaf, &want).is_err(), "{index} as {other} in {size}");
        }
        // A path does not pin the tree size on its own (RFC 9162's verifier accepts some paths for several sizes;
        // the signed checkpoint pins the size): with the other size's own root it fails.
        if size < 8 {
            let bigger = roots[usize::try_from(size + 1).expect("small")];
            assert!(verify_inclusion(&bigger, size + 1, index, leaf, &want).is_err(), "{index} in {}", size + 1);
        }
    }
    let consistency = v["consistency"].as_array().expect("consistency");
    assert_eq!(consistency.len(), 36, "every 1 <= m <= n <= 8");
    for case in consistency {
        let (m, n) = (num(&case["size1"]), num(&case["size2"]));
        let want = hashes(&case["proof"]);
        assert_eq!(tree(&leaves, n).consistency_path(m).expect("proof"), want, "proof {m} -> {n}");
        let (r1, r2) = (roots[usize::try_from(m).expect("small")], roots[usize::try_from(n).expect("small")]);
        verify_consistency(m, &r1, n, &r2, &want).expect("verifies");
        if m < n {
            let err = verify_consistency(n, &r2, m, &r1, &want).expect_err("a shrunk tree");
            assert!(matches!(err, Error::MerkleProofInvalid(_)), "{err}");
            let mut wrong = r1;
            wrong[0] ^= 1;
            assert!(verify_consistency(m, &wrong, n, &r2, &want).is_err(), "another old root {m} -> {n}");
        }
    }
    // The published reference values are among them (the generator checked it too).
    for r in v["reference"]["inclusion"].as_array().expect("reference") {
        assert!(inclusion.contains(r), "{r}");
    }
    for r in v["reference"]["consistency"].as_array().expect("reference") {
        assert!(consistency.contains(r), "{r}");
    }
}

fn opt_hex32(v: &Value) -> Option<[u8; 32]> {
    v.as_str().and_then(|s| hex(s).try_into().ok())
}

#[test]
fn transparency_dev_probes_are_accepted_or_refused_as_published() {
    let leaves = leaves(&load("rfc6962.json"));
    let v = load("probes.json");
    let (mut checked, mut unstateable) = (0, 0);
    for p in v["inclusion"].as_array().expect("inclusion") {
        let leaf = &leaves[usize::try_from(num(&p["leaf"])).expect("small")];
        let path: Option<Vec<[u8; 32]>> =
            p["path"].as_array().expect("path").iter().map(opt_hex32).collect::<Option<Vec<_>>>();
        let got = match (opt_hex32(&p["root"]), path) {
            (Some(root), Some(path)) => verify_inclusion(&root, num(&p["size"]), num(&p["index"]), leaf, &path),
            _ => Err(Error::MerkleProofInvalid("not 32-byte hashes".into())),
        };
        let want_error = p["want_error"].as_bool().expect("bool");
        assert_eq!(got.is_err(), want_error, "{}: {got:?}", p["name"]);
        if let Err(e) = got {
            assert!(matches!(e, Error::MerkleProofInvalid(_)), "{}: {e}", p["name"]);
        }
        checked += 1;
    }
    for p in v["consistency"].as_array().expect("consistency") {
        let proof: Option<Vec<[u8; 32]>> =
            p["proof"].as_array().expect("proof").iter().map(opt_hex32).collect::<Option<Vec<_>>>();
        let got = match (opt_hex32(&p["root1"]), opt_hex32(&p["root2"]), proof) {
            (Some(r1), Some(r2), Some(proof)) => {
                verify_consistency(num(&p["size1"]), &r1, num(&p["size2"]), &r2, &proof)
            }
            _ => Err(Error::MerkleProofInvalid("not 32-byte hashes".into())),
        };
        let want_error = p["want_error"].as_bool().expect("bool");
        // A probe with placeholder roots that are not 32 bytes cannot be stated with SHA-256 digests.
        if !want_error && (opt_hex32(&p["root1"]).is_none() || opt_hex32(&p["root2"]).is_none()) {
            unstateable += 1;
            continue;
        }
        // custodia refuses a consistency proof from an empty tree (no audit log is empty); the probes accept it.
        if num(&p["size1"]) == 0 && !want_error {
            assert!(got.is_err(), "{}", p["name"]);
            continue;
        }
        assert_eq!(got.is_err(), want_error, "{}: {got:?}", p["name"]);
        checked += 1;
    }
    assert!(checked > 150 && unstateable <= 1, "{checked} probes checked, {unstateable} not stateable");
}

/// The Merkle checkpoint, an inclusion bundle and a consistency proof of the committed audit-log vector
/// (`tests/vectors/audit/audit_log.json`, audit seed 42…42), byte for byte: Ed25519 signatures are deterministic, so
/// an outside verifier can reproduce every byte. Regenerated (only when that log is) with
/// `CUSTODIA_REGEN_VECTORS=1 cargo test --test audit_merkle_vectors`.
#[test]
fn the_audit_log_vector_has_fixed_merkle_checkpoints_and_proofs() {
    use custodia::audit::{ConsistencyProof, LogTree, MerkleCheckpoint, SigningKey, verify_inclusion_bundle};
    let base = format!("{}/tests/vectors", env!("CARGO_MANIFEST_DIR"));
    let source: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{base}/audit/audit_log.json")).expect("audit vector"))
            .expect("json");
    let log = source["log"].as_str().expect("log text");
    let key = SigningKey::from_bytes([42; 32]);
    let public = key.verifying_key();
    let tree = LogTree::from_reader(log.as_bytes(), &public, None).expect("the vector log verifies");
    assert_eq!(tree.size(), 11);
    let small = LogTree::from_reader(log.as_bytes(), &public, Some(5)).expect("prefix");
    let checkpoint = tree.checkpoint(&key).expect("checkpoint");
    let got = serde_json::json!({
        "description": "Merkle checkpoints and proofs (docs/AUDIT.md §12) of tests/vectors/audit/audit_log.json, signed \
                        with its audit_seed: checkpoint (size 11), checkpoint_5 (size 5), bundle_3 (entry 3 in the \
                        tree of 11), consistency_5_11 (from size 5 to 11, with the checkpoint of 11). root is the RFC \
                        6962 root of the 11 lines without their newlines.",
        "source": "tests/vectors/audit/audit_log.json",
        "audit_public": public.to_string(),
        "root": tree.root().iter().map(|b| format!("{b:02x}")).collect::<String>(),
        "checkpoint": checkpoint.to_note(),
        "checkpoint_5": small.checkpoint(&key).expect("checkpoint").to_note(),
        "bundle_3": tree.inclusion_bundle(3, &key).expect("bundle").to_text(),
        "consistency_5_11": tree.consistency_proof(5, &key).expect("proof").to_text(),
    });
    let path = format!("{base}/merkle/audit_log_merkle.json");
    if std::env::var_os("CUSTODIA_REGEN_VECTORS").is_some() {
        std::fs::write(&path, serde_json::to_string_pretty(&got).expect("json") + "\n").expect("writes");
    }
    let want: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("merkle vector")).expect("json");
    assert_eq!(got, want, "regenerate deliberately with CUSTODIA_REGEN_VECTORS=1");
    // And each verifies from its text alone.
    let cp = MerkleCheckpoint::open(want["checkpoint"].as_str().expect("note"), &public).expect("checkpoint");
    let cp5 = MerkleCheckpoint::open(want["checkpoint_5"].as_str().expect("note"), &public).expect("checkpoint");
    assert_eq!((cp.size(), cp5.size()), (11, 5));
    let e = verify_inclusion_bundle(want["bundle_3"].as_str().expect("bundle"), &public).expect("bundle");
    assert_eq!(e.seq, 3);
    let p = ConsistencyProof::parse(want["consistency_5_11"].as_str().expect("proof")).expect("parses");
    p.verify(&cp5, &public).expect("grew");
    assert!(p.is_for(&cp));
}
