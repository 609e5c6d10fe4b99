//! What Merkle checkpoints and proofs cost on a large audit log (`docs/AUDIT.md` §12, BENCHMARKS.md): writes a log of
//! N entries (default 100,000) once, then times, round-robin over R rounds (default 5), medians:
//!
//! - `verify` of the whole log (the baseline: what `Custodian::verify_audit` costs today);
//! - `LogTree::read`: verifying the log and building the tree (what every checkpoint, bundle and proof needs);
//! - building the tree alone from the lines in memory (hashing only);
//! - one audit path, one consistency proof, one signed checkpoint, from a tree already built;
//! - verifying one inclusion bundle and one consistency proof (what the other side pays).
//!
//! `cargo run --release --example merkle_bench -- 100000 5`. A benchmark, not a test.

use std::sync::Arc;
use std::time::{Duration, Instant};

use custodia::audit::{
    AuditEvent, AuditLog, AuditOptions, ConsistencyProof, Durability, EventKind, LogTree, MerkleTree, SigningKey,
    verify, verify_inclusion_bundle,
};
use custodia::{CaseRef, FixedClock, Timestamp};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().map_or(Ok(100_000), |a| a.parse())?;
    let rounds: usize = args.next().map_or(Ok(5), |a| a.parse())?;
    let dir = tempfile::tempdir()?;
    let key = SigningKey::from_bytes([7; 32]);
    let public = key.verifying_key();
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix(1_795_435_200)));
    let t = Instant::now();
    let (log, _) = AuditLog::open(
        dir.path(),
        SigningKey::from_bytes([7; 32]),
        AuditOptions::with_clock(clock).durability(Durability::OsBuffered),
    )?;
    let case = CaseRef::parse("MLA-2026-0042")?;
    while log.entry_count()? < n {
        log.append(
            &AuditEvent::new(EventKind::Opened).case(&case).object(&[0xab; 16]).detail("purpose", "investigation"),
        )?;
    }
    log.close()?;
    let path = log.path().to_owned();
    let bytes = std::fs::metadata(&path)?.len();
    let lines: Vec<String> = std::fs::read_to_string(&path)?.lines().map(str::to_owned).collect();
    println!("log: {} entries, {} bytes, written in {:.1?}", lines.len(), bytes, t.elapsed());

    let names = [
        "verify (baseline)",
        "LogTree::read (verify + tree)",
        "tree from lines in memory",
        "audit path of one entry",
        "consistency proof n/2 -> n",
        "sign a checkpoint",
        "verify an inclusion bundle",
        "verify a consistency proof",
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); names.len()];
    let mut bundle_len = 0;
    for round in 0..rounds {
        let t = Instant::now();
        verify(&path, &public, &[])?;
        times[0].push(t.elapsed());

        let t = Instant::now();
        let tree = LogTree::read(&path, &public, None)?;
        times[1].push(t.elapsed());

        let t = Instant::now();
        let mut plain = MerkleTree::new();
        for l in &lines {
            plain.push(l.as_bytes());
        }
        times[2].push(t.elapsed());
        assert_eq!(plain.root(), tree.root());

        let index = (round as u64 * 7919) % tree.size();
        let t = Instant::now();
        let path_hashes = tree.tree().inclusion_path(index)?;
        times[3].push(t.elapsed());

        let t = Instant::now();
        let proof_hashes = tree.tree().consistency_path(tree.size() / 2)?;
        times[4].push(t.elapsed());

        let t = Instant::now();
        let checkpoint = tree.checkpoint(&key)?;
        times[5].push(t.elapsed());

        let bundle = tree.inclusion_bundle(index, &key)?.to_text();
        bundle_len = bundle.len();
        let t = Instant::now();
        verify_inclusion_bundle(&bundle, &public)?;
        times[6].push(t.elapsed());

        let older = LogTree::read(&path, &public, Some(tree.size() / 2))?.checkpoint(&key)?;
        let proof = ConsistencyProof::parse(&tree.consistency_proof(tree.size() / 2, &key)?.to_text())?;
        let t = Instant::now();
        proof.verify(&older, &public)?;
        times[7].push(t.elapsed());
        let _ = (path_hashes, proof_hashes, checkpoint);
    }
    let base = median(times[0].clone());
    println!("{n} entries, {rounds} rounds, medians (ratio to verify of the whole log in the same run):");
    for (name, t) in names.iter().zip(times) {
        let m = median(t);
        println!("| {name} | {m:.3?} | {:.2e} |", m.as_secs_f64() / base.as_secs_f64());
    }
    println!("inclusion bundle: {bundle_len} bytes");
    Ok(())
}
