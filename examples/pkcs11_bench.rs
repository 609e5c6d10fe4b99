//! Seal and open of 1 KiB through the PKCS#11 provider (a SoftHSM2 token of its own, in a temporary directory) against
//! the local keyring's KEK: medians and the ratio. A measurement, not a test (docs/KEYS.md "Key providers" quotes it).
//!
//! Then the same open through a per-case key wrapped by the token's KEK (`CustodianOptions::case_keys`, docs/KEYS.md
//! "Case keys wrapped by a provider"): cold (cache disabled, one token call per open) and cached.
//!
//! Then signing keys on the token (docs/KEYS.md "Signing keys on a token"): envelopes signed with an Ed25519 key on
//! the token against one in the keyring, and a custodian whose audit key is on the token (one `C_Sign` per entry)
//! against one whose audit key is in the keyring.
//!
//! `cargo run --release --features pkcs11 --example pkcs11_bench [ROUNDS]` (default 300 rounds per figure). Needs
//! Debian's `softhsm2` (scripts/install-deps.sh). SoftHSM2 reads `SOFTHSM2_CONF` once per process, so the example
//! makes the token directory and configuration, initialises a token with `softhsm2-util`, then runs itself again with
//! `SOFTHSM2_CONF` set.

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use custodia::pkcs11::{Pkcs11Config, Pkcs11Provider};
use custodia::{
    Actor, CaseKeyWrapping, CaseRef, Category, Classification, Custodian, CustodianOptions, Jurisdiction, KdfParams,
    KeyId, KeyKind, OpenRequest, Purpose, PurposeSet, SealOptions, Sensitive, Signer, Unlock,
};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const CHILD: &str = "CUSTODIA_PKCS11_BENCH_CHILD";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rounds: usize = std::env::args().nth(1).map_or(Ok(300), |s| s.parse())?;
    if std::env::var_os(CHILD).is_some() {
        return bench(rounds);
    }
    let dir = tempfile::tempdir()?;
    let tokens = dir.path().join("tokens");
    std::fs::create_dir(&tokens)?;
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(&conf, format!("directories.tokendir = {}\nobjectstore.backend = file\n", tokens.display()))?;
    let init = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args(["--init-token", "--free", "--label", "bench", "--so-pin", "12345678", "--pin", "1234"])
        .output()?;
    if !init.status.success() {
        return Err(format!("softhsm2-util: {}", String::from_utf8_lossy(&init.stderr)).into());
    }
    let status = Command::new(std::env::current_exe()?)
        .arg(rounds.to_string())
        .env("SOFTHSM2_CONF", &conf)
        .env(CHILD, "1")
        .status()?;
    std::process::exit(status.code().unwrap_or(1));
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn bench(rounds: usize) -> Result<(), Box<dyn std::error::Error>> {
    let hsm = Arc::new(Pkcs11Provider::open(&Pkcs11Config::new(MODULE, "bench", "1234"))?);
    let token_kek = hsm.generate_kek("bench kek")?;
    let dir = tempfile::tempdir()?;
    let mut opts = CustodianOptions::with_clock(Arc::new(custodia::SystemClock));
    opts.kdf = KdfParams::DANGER_TEST_ONLY;
    opts.create = true;
    opts.durability = custodia::audit::Durability::OsBuffered;
    opts.providers = vec![hsm.clone()];
    let c = Custodian::load(dir.path().join("c"), Unlock::master_key([7; 32]), opts.clone())?;
    // Two more custodians whose case keys the token's KEK wraps: one with the cache disabled, one with the default.
    let cased = |name: &str, ttl: u64| -> Result<Custodian, custodia::Error> {
        let mut o = opts.clone();
        let mut w = CaseKeyWrapping::new(hsm.clone(), token_kek);
        w.cache_ttl_secs = ttl;
        o.case_keys = Some(w);
        Custodian::load(dir.path().join(name), Unlock::master_key([7; 32]), o)
    };
    let (cold, cached) = (cased("cold", 0)?, cased("cached", 300)?);
    let actor = Actor::new("bench", "analyst", Jurisdiction::parse("NL")?, Classification::Secret)?;
    let local_kek = c.generate_key(&actor, KeyKind::Kek, "local kek")?;
    let data = Sensitive::new(vec![0x42u8; 1024], Category::FinancialRecords);
    let request = OpenRequest::new(actor.clone(), Purpose::parse("investigation")?);
    let row_signed = |name: &str,
                      c: &Custodian,
                      kek: KeyId,
                      signer: Option<KeyId>|
     -> Result<(Duration, Duration), Box<dyn std::error::Error>> {
        let mut o = SealOptions::new(PurposeSet::parse(&["investigation"])?, vec![kek]);
        o.signer = signer;
        let (mut seals, mut opens) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
        for _ in 0..rounds {
            let t = Instant::now();
            let env = c.seal(&actor, &data, &o)?.envelope;
            seals.push(t.elapsed());
            let t = Instant::now();
            let opened = c.open(&request, &env)?;
            opens.push(t.elapsed());
            assert_eq!(opened.data.expose_secret().len(), 1024);
        }
        let (s, o) = (median(seals), median(opens));
        println!("{name:<28} seal 1 KiB median {:>8.1} us   open 1 KiB median {:>8.1} us", us(s), us(o));
        Ok((s, o))
    };
    let row = |name: &str, c: &Custodian, kek: KeyId| row_signed(name, c, kek, None);
    let (ls, lo) = row("local keyring KEK", &c, local_kek)?;
    let (ts, to) = row("PKCS#11 (SoftHSM2) KEK", &c, token_kek)?;
    let case = CaseRef::parse("MLA-2026-0042")?;
    let cold_key = cold.case_key(&actor, &case, None)?;
    let (_, co) = row("case key via token, cold", &cold, cold_key)?;
    let cached_key = cached.case_key(&actor, &case, None)?;
    let (_, ko) = row("case key via token, cached", &cached, cached_key)?;
    println!(
        "ratio token/local: seal {:.2}x, open {:.2}x ({rounds} rounds each, audit OsBuffered)",
        ratio(ts, ls),
        ratio(to, lo)
    );
    println!(
        "ratio case key/local open: cold {:.2}x, cached {:.2}x (goal: cached <= 1.2x)",
        ratio(co, lo),
        ratio(ko, lo)
    );

    // Envelopes signed by an Ed25519 key in the keyring, and by one on the token.
    let token_signer = hsm.generate_signing_key("bench signer")?;
    let mut o = opts.clone();
    o.signers = vec![token_signer.clone()];
    let signing = Custodian::load(dir.path().join("signing"), Unlock::master_key([7; 32]), o)?;
    let signing_kek = signing.generate_key(&actor, KeyKind::Kek, "local kek")?;
    let own_signer = signing.generate_key(&actor, KeyKind::Ed25519, "local signer")?;
    let (ss, _) = row_signed("signed, keyring Ed25519", &signing, signing_kek, Some(own_signer))?;
    let (hs, _) = row_signed("signed, token Ed25519", &signing, signing_kek, Some(token_signer.verifying_key().id()))?;
    // The audit key on the token: every entry (one per seal, one per open) signed inside it.
    let mut o = opts.clone();
    o.audit_signer = Some(hsm.generate_signing_key("bench audit key")?);
    let audited = Custodian::load(dir.path().join("audited"), Unlock::master_key([7; 32]), o)?;
    let audited_kek = audited.generate_key(&actor, KeyKind::Kek, "local kek")?;
    let (as_, ao) = row("audit key on the token", &audited, audited_kek)?;
    println!(
        "ratio token/keyring: envelope signer seal {:.2}x; audit key seal {:.2}x, open {:.2}x",
        ratio(hs, ss),
        ratio(as_, ls),
        ratio(ao, lo)
    );
    Ok(())
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}
