//! The keyring on PostgreSQL against the keyring file: what the staleness check each public operation makes costs
//! (`legal_holds`, which does nothing else: one `stat` for the file, one `SELECT version` for the row), and seal and
//! open of 1 KiB with each (one check each). Medians and ratios to the file keyring, measured in the same run. A measurement, not a
//! test (BENCHMARKS.md and docs/KEYS.md "The keyring on PostgreSQL" quote it).
//!
//! `cargo run --release --features postgres --example pg_keyring [ROUNDS]` (default 2000 rounds per figure). Starts a
//! PostgreSQL cluster of its own on a Unix socket (custodia-testkit; Debian's `postgresql`, scripts/install-deps.sh).

use std::time::{Duration, Instant};

use custodia::audit::Durability;
use custodia::postgres::{PgConfig, install_schema};
use custodia::{
    Actor, Category, Classification, Custodian, CustodianOptions, Jurisdiction, KdfParams, KeyKind, OpenRequest,
    Purpose, PurposeSet, SealOptions, Sensitive, Unlock,
};
use custodia_testkit::PgCluster;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn time(rounds: usize, mut f: impl FnMut()) -> Duration {
    median(
        (0..rounds)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

struct Figures {
    check: Duration,
    seal: Duration,
    open: Duration,
}

fn measure(c: &Custodian, rounds: usize) -> Result<Figures, Box<dyn std::error::Error>> {
    let actor = Actor::new("jan", "central_authority", Jurisdiction::parse("NL")?, Classification::Secret)?;
    let kek = c.generate_key(&actor, KeyKind::Kek, "bench kek")?;
    let data = Sensitive::new(vec![7u8; 1024], Category::FinancialRecords);
    let options = SealOptions::new(PurposeSet::parse(&["investigation"])?, vec![kek]);
    let request = OpenRequest::new(actor.clone(), Purpose::parse("investigation")?);
    let envelope = c.seal(&actor, &data, &options)?.envelope;
    let check = time(rounds, || {
        c.legal_holds().expect("read");
    });
    let seal = time(rounds, || {
        c.seal(&actor, &data, &options).expect("seal");
    });
    let open = time(rounds, || {
        c.open(&request, &envelope).expect("open");
    });
    Ok(Figures { check, seal, open })
}

fn options() -> CustodianOptions {
    CustodianOptions {
        kdf: KdfParams::DANGER_TEST_ONLY,
        create: true,
        durability: Durability::OsBuffered,
        ..CustodianOptions::default()
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rounds: usize = std::env::args().nth(1).map_or(Ok(2000), |s| s.parse())?;
    let pg = PgCluster::start()?;
    pg.psql("postgres", "CREATE ROLE custodia_app LOGIN")?;
    install_schema(&PgConfig::new(&pg.admin_url())?, "custodia_app")?;
    let dir = tempfile::tempdir()?;

    let file = Custodian::load(dir.path().join("file"), Unlock::passphrase("bench"), options())?;
    let o = CustodianOptions { postgres: Some(PgConfig::new(&pg.url("custodia_app", "postgres"))?), ..options() };
    let shared = Custodian::load(dir.path().join("pg"), Unlock::passphrase("bench"), o)?;

    let f = measure(&file, rounds)?;
    let p = measure(&shared, rounds)?;
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!("pg_keyring: medians of {rounds} rounds, 1 KiB, audit OsBuffered; PostgreSQL on a Unix socket");
    println!("{:<32} {:>10} {:>10} {:>8}", "", "file us", "pg us", "pg/file");
    for (name, a, b) in [
        ("keyring access (staleness check)", f.check, p.check),
        ("seal 1 KiB", f.seal, p.seal),
        ("open 1 KiB", f.open, p.open),
    ] {
        println!("{name:<32} {:>10.1} {:>10.1} {:>7.2}x", us(a), us(b), ratio(b, a));
    }
    Ok(())
}
