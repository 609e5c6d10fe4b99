//! What each audit durability policy costs a 1 KiB seal + open round trip through `Custodian` (two audit events): on
//! the disk the directory is on, and on tmpfs (`/dev/shm`, where a sync is free) as the baseline of the same run.
//! A measurement, not a test; the README's "Performance" section and BENCHMARKS.md quote it.
//!
//! `cargo run --release --example durability_bench [ROUNDS] [DIR]` (default 500 round trips per figure; DIR, default
//! the current directory, must be on the disk to measure). For each policy: the median latency of one thread's round
//! trips, and the round trips per second of 4 threads sharing one custodian (where `GroupCommit` shares syncs).
//!
//! `durability_bench ROUNDS DIR --one-row [WARMUP]` measures the tmpfs / OsBuffered one-thread row alone, after
//! WARMUP (default 500) untimed round trips, and prints it as `rust median_us=...`: the Rust figure that
//! `benches/bindings/run.sh` sets each binding against (issue 19 §2).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use custodia::audit::Durability;
use custodia::{
    Actor, Category, Classification, Custodian, CustodianOptions, Jurisdiction, KdfParams, KeyKind, OpenRequest,
    Purpose, PurposeSet, SealOptions, Sensitive, Unlock,
};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const THREADS: usize = 4;

fn main() -> Res<()> {
    let rounds: usize = std::env::args().nth(1).map_or(Ok(500), |s| s.parse())?;
    let disk = std::env::args().nth(2).map_or_else(std::env::current_dir, |d| Ok(PathBuf::from(d)))?;
    if std::env::args().nth(3).as_deref() == Some("--one-row") {
        let warmup: usize = std::env::args().nth(4).map_or(Ok(500), |s| s.parse())?;
        let dir = tempfile::tempdir_in("/dev/shm")?;
        let median = measure_one(dir.path(), Durability::OsBuffered, warmup, rounds)?;
        println!("rust median_us={:.2} n={rounds} warmup={warmup}", median.as_secs_f64() * 1e6);
        return Ok(());
    }
    let policies = [
        ("FsyncEach (default)", Durability::FsyncEach),
        ("GroupCommit { 64, 0 }", Durability::GroupCommit { max_batch: 64, max_delay: Duration::ZERO }),
        ("OsBuffered", Durability::OsBuffered),
    ];
    println!("1 KiB seal + open through Custodian (2 audit events), {rounds} round trips per figure");
    println!("| where | policy | 1 thread: median round trip | {THREADS} threads: round trips/s |");
    println!("|---|---|---|---|");
    for (place, base) in [("disk", disk.as_path()), ("tmpfs", Path::new("/dev/shm"))] {
        for (name, durability) in policies {
            let dir = tempfile::tempdir_in(base)?;
            let (median, per_sec) = measure(dir.path(), durability, rounds)?;
            println!("| {place} | {name} | {:.1} us | {per_sec:.0} |", median.as_secs_f64() * 1e6);
        }
    }
    Ok(())
}

/// The median of `rounds` one-thread round trips after `warmup` untimed ones, and nothing else.
fn measure_one(dir: &Path, durability: Durability, warmup: usize, rounds: usize) -> Res<Duration> {
    let opts =
        CustodianOptions { kdf: KdfParams::DANGER_TEST_ONLY, create: true, durability, ..CustodianOptions::default() };
    let c = Custodian::load(dir.join("c"), Unlock::master_key([3; 32]), opts)?;
    let actor = Actor::new("bench", "analyst", Jurisdiction::parse("NL")?, Classification::Secret)?;
    let kek = c.generate_key(&actor, KeyKind::Kek, "bench")?;
    let data = Sensitive::new(vec![0x42u8; 1024], Category::FinancialRecords);
    let o = SealOptions::new(PurposeSet::parse(&["investigation"])?, vec![kek]);
    let request = OpenRequest::new(actor.clone(), Purpose::parse("investigation")?);
    let mut times = Vec::with_capacity(rounds);
    for i in 0..warmup + rounds {
        let t = Instant::now();
        let env = c.seal(&actor, &data, &o)?.envelope;
        let opened = c.open(&request, &env)?;
        if opened.data.expose_secret().len() != 1024 {
            return Err("wrong length".into());
        }
        drop((opened, env));
        if i >= warmup {
            times.push(t.elapsed());
        }
    }
    times.sort_unstable();
    c.close()?;
    Ok(times[times.len() / 2])
}

fn measure(dir: &Path, durability: Durability, rounds: usize) -> Res<(Duration, f64)> {
    let opts =
        CustodianOptions { kdf: KdfParams::DANGER_TEST_ONLY, create: true, durability, ..CustodianOptions::default() };
    let c = Arc::new(Custodian::load(dir.join("c"), Unlock::master_key([3; 32]), opts)?);
    let actor = Actor::new("bench", "analyst", Jurisdiction::parse("NL")?, Classification::Secret)?;
    let kek = c.generate_key(&actor, KeyKind::Kek, "bench")?;
    let data = Sensitive::new(vec![0x42u8; 1024], Category::FinancialRecords);
    let o = SealOptions::new(PurposeSet::parse(&["investigation"])?, vec![kek]);
    let request = OpenRequest::new(actor.clone(), Purpose::parse("investigation")?);
    let round_trip = |c: &Custodian| -> Res<()> {
        let env = c.seal(&actor, &data, &o)?.envelope;
        let opened = c.open(&request, &env)?;
        if opened.data.expose_secret().len() != 1024 {
            return Err("wrong length".into());
        }
        Ok(())
    };
    // One thread: each round trip's latency.
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        round_trip(&c)?;
        times.push(t.elapsed());
    }
    times.sort_unstable();
    let median = times[times.len() / 2];
    // Several threads on one custodian: throughput.
    let per_thread = rounds.div_ceil(THREADS);
    let t = Instant::now();
    std::thread::scope(|s| -> Res<()> {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| -> Result<(), String> {
                    for _ in 0..per_thread {
                        round_trip(&c).map_err(|e| e.to_string())?;
                    }
                    Ok(())
                })
            })
            .collect();
        for w in workers {
            w.join().map_err(|_| "a thread panicked")??;
        }
        Ok(())
    })?;
    let per_sec = (per_thread * THREADS) as f64 / t.elapsed().as_secs_f64();
    c.close()?;
    Ok((median, per_sec))
}
