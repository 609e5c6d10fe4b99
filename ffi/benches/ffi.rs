//! What the C ABI costs: 1 KiB seal + open through the exported C functions (called from Rust, exactly as a C host
//! calls them) against the same through the Rust facade, in one process; and `inspect`, which does no I/O, as a
//! probe of the boundary's own overhead (handle lookups, argument checks, panic guard, buffer table).
//!
//! ```text
//! cargo bench --bench ffi
//! ```
//!
//! Criterion measures each contender in turn; the round-robin section first times them alternately, many rounds,
//! and reports the median of the per-round ratios, which drifts less with machine noise.

// The point of this benchmark is to call the `unsafe extern "C"` functions as C would.
#![allow(unsafe_code)]

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};
use custodia_core::Actor;
use custodia_core::OpenRequest;
use custodia_core::Unlock;
use custodia_core::{
    Category, Classification, Custodian, CustodianOptions, Jurisdiction, KeyKind, Purpose, PurposeSet, SealOptions,
    Sensitive,
};
use custodia_ffi::{
    custodia_actor, custodia_actor_free, custodia_actor_new, custodia_buffer, custodia_buffer_free, custodia_category,
    custodia_custodian, custodia_custodian_free, custodia_custodian_open_master_key, custodia_custodian_options,
    custodia_custodian_options_free, custodia_custodian_options_new, custodia_custodian_options_set_create,
    custodia_envelope_info, custodia_envelope_inspect, custodia_exception_ground, custodia_key_generate,
    custodia_key_id, custodia_open, custodia_seal, custodia_seal_options, custodia_seal_options_add_recipient,
    custodia_seal_options_free, custodia_seal_options_new, custodia_status,
};

const DATA: [u8; 1024] = [0x5a; 1024];

/// The C side: a custodian, actor and options made through the C API.
struct CSide {
    custodian: custodia_custodian,
    actor: custodia_actor,
    options: custodia_seal_options,
}

fn ok(status: custodia_status) {
    assert_eq!(status, custodia_status::CUSTODIA_OK);
}

impl CSide {
    fn new(dir: &Path) -> Self {
        let dir = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).expect("no NUL in a temp path");
        let key = [9_u8; 32];
        let mut c = custodia_custodian { id: 0 };
        let mut a = custodia_actor { id: 0 };
        let mut o = custodia_seal_options { id: 0 };
        let mut kek = custodia_key_id { bytes: [0; 16] };
        let purposes = [c"investigation".as_ptr()];
        // SAFETY: every pointer is valid for the call; outputs are local variables.
        unsafe {
            let mut create = custodia_custodian_options { id: 0 };
            ok(custodia_custodian_options_new(&raw mut create));
            ok(custodia_custodian_options_set_create(create, true));
            ok(custodia_custodian_open_master_key(dir.as_ptr(), key.as_ptr(), key.len(), create, &raw mut c));
            ok(custodia_custodian_options_free(create));
            ok(custodia_actor_new(c"anna".as_ptr(), c"prosecutor".as_ptr(), c"DE".as_ptr(), 3, &raw mut a));
            ok(custodia_key_generate(c, a, 1, c"bench".as_ptr(), &raw mut kek));
            ok(custodia_seal_options_new(
                custodia_category::CUSTODIA_CATEGORY_FINANCIAL_RECORDS as u32,
                purposes.as_ptr(),
                1,
                &raw mut o,
            ));
            ok(custodia_seal_options_add_recipient(o, &raw const kek));
        }
        Self { custodian: c, actor: a, options: o }
    }

    fn seal(&self) -> custodia_buffer {
        let mut env = custodia_buffer { data: core::ptr::null_mut(), len: 0, id: 0 };
        // SAFETY: `DATA` is readable for its length; `env` is writable.
        ok(unsafe { custodia_seal(self.custodian, self.actor, DATA.as_ptr(), DATA.len(), self.options, &raw mut env) });
        env
    }

    fn seal_open(&self) {
        let mut env = self.seal();
        let mut pt = custodia_buffer { data: core::ptr::null_mut(), len: 0, id: 0 };
        let none = custodia_exception_ground { id: 0 };
        // SAFETY: `env` is a live buffer from `seal`; the outputs are writable; NULL signer and info are allowed.
        unsafe {
            ok(custodia_open(
                self.custodian,
                self.actor,
                c"investigation".as_ptr(),
                none,
                env.data,
                env.len,
                core::ptr::null(),
                &raw mut pt,
                core::ptr::null_mut(),
            ));
            assert_eq!(pt.len, DATA.len());
            ok(custodia_buffer_free(&raw mut pt));
            ok(custodia_buffer_free(&raw mut env));
        }
    }

    fn inspect(&self, env: &custodia_buffer) {
        let mut info = core::mem::MaybeUninit::<custodia_envelope_info>::uninit();
        // SAFETY: `env` is live; `info` is writable.
        ok(unsafe { custodia_envelope_inspect(self.custodian, env.data, env.len, info.as_mut_ptr()) });
        black_box(info);
    }
}

impl Drop for CSide {
    fn drop(&mut self) {
        // SAFETY: handles made in `new`, freed once.
        unsafe {
            ok(custodia_seal_options_free(self.options));
            ok(custodia_actor_free(self.actor));
            ok(custodia_custodian_free(self.custodian));
        }
    }
}

/// The Rust side: the same through the facade.
struct RustSide {
    custodian: Custodian,
    actor: Actor,
    options: SealOptions,
}

impl RustSide {
    fn new(dir: &Path) -> Self {
        let custodian = Custodian::load(
            dir,
            Unlock::master_key([9; 32]),
            CustodianOptions { create: true, ..CustodianOptions::default() },
        )
        .expect("opens");
        let actor = Actor::new("anna", "prosecutor", Jurisdiction::parse("DE").expect("DE"), Classification::Secret)
            .expect("valid");
        let kek = custodian.generate_key(&actor, KeyKind::Kek, "bench").expect("generates");
        let options = SealOptions::new(PurposeSet::parse(&["investigation"]).expect("valid"), vec![kek]);
        Self { custodian, actor, options }
    }

    fn seal(&self) -> Vec<u8> {
        let data = Sensitive::new(DATA.to_vec(), Category::FinancialRecords);
        self.custodian.seal(&self.actor, &data, &self.options).expect("seals").envelope
    }

    fn seal_open(&self) {
        let env = self.seal();
        let req = OpenRequest::new(self.actor.clone(), Purpose::parse("investigation").expect("valid"));
        let opened = self.custodian.open(&req, &env).expect("opens");
        assert_eq!(opened.data.expose_secret().len(), DATA.len());
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

/// Alternate the contenders, `rounds` times, and report medians and the median per-round ratio.
fn round_robin() {
    let (dc, dr) = (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
    let (c, r) = (CSide::new(dc.path()), RustSide::new(dr.path()));
    let rounds = 200;
    let (mut tc, mut tr, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let a = time(|| c.seal_open()).as_secs_f64();
        let b = time(|| r.seal_open()).as_secs_f64();
        tc.push(a);
        tr.push(b);
        ratio.push(a / b);
    }
    println!(
        "round robin, 1 KiB seal+open, {rounds} rounds: C ABI {:.1} us, Rust {:.1} us, median ratio C/Rust {:.3}",
        median(tc) * 1e6,
        median(tr) * 1e6,
        median(ratio)
    );
    let env_c = c.seal();
    let env_r = r.seal();
    let (mut ic, mut ir, mut iratio) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..2000 {
        let a = time(|| c.inspect(&env_c)).as_secs_f64();
        let b = time(|| {
            black_box(r.custodian.inspect(&env_r).expect("inspects"));
        })
        .as_secs_f64();
        ic.push(a);
        ir.push(b);
        iratio.push(a / b);
    }
    println!(
        "round robin, inspect (no I/O), 2000 rounds: C ABI {:.2} us, Rust {:.2} us, median ratio C/Rust {:.3}",
        median(ic) * 1e6,
        median(ir) * 1e6,
        median(iratio)
    );
    let mut env_c = env_c;
    // SAFETY: a live buffer from `seal`.
    ok(unsafe { custodia_buffer_free(&raw mut env_c) });
}

fn bench_seal_open(cr: &mut Criterion) {
    let (dc, dr) = (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
    let (c, r) = (CSide::new(dc.path()), RustSide::new(dr.path()));
    let mut g = cr.benchmark_group("seal_open_1KiB");
    g.sample_size(30).measurement_time(Duration::from_secs(4)).throughput(Throughput::Bytes(DATA.len() as u64));
    g.bench_function("c_abi", |b| b.iter(|| c.seal_open()));
    g.bench_function("rust", |b| b.iter(|| r.seal_open()));
    g.finish();

    let env_c = c.seal();
    let env_r = r.seal();
    let mut g = cr.benchmark_group("inspect");
    g.bench_function("c_abi", |b| b.iter(|| c.inspect(&env_c)));
    g.bench_function("rust", |b| b.iter(|| black_box(r.custodian.inspect(&env_r).expect("inspects"))));
    g.finish();
    let mut env_c = env_c;
    // SAFETY: a live buffer from `seal`.
    ok(unsafe { custodia_buffer_free(&raw mut env_c) });
}

criterion_group!(benches, bench_seal_open);

fn main() {
    round_robin();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
