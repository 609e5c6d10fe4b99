//! One authority's custodian for the exchange tests (grants, receipts, authority keys, the re-wrap gate): its own
//! directory, the shared fixed clock, test-only KDF costs; and the two parsers every such test uses.

use std::sync::Arc;

use custodia::{Custodian, CustodianOptions, FixedClock, Jurisdiction, KdfParams, Purpose, Unlock};

/// A custodian in its own temporary directory (created by custodia itself, mode 0700).
pub struct Authority {
    /// Its temporary directory (the custodian lives in `c` under it), removed when dropped.
    pub _dir: tempfile::TempDir,
    /// The custodian.
    pub c: Custodian,
}

/// A new authority reading time from `clock`.
pub fn authority(clock: &Arc<FixedClock>) -> Authority {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut opts = CustodianOptions::with_clock(clock.clone());
    opts.kdf = KdfParams::DANGER_TEST_ONLY;
    opts.create = true;
    let c = Custodian::load(dir.path().join("c"), Unlock::master_key([9; 32]), opts).expect("open");
    Authority { _dir: dir, c }
}

/// A jurisdiction, parsed.
pub fn j(s: &str) -> Jurisdiction {
    Jurisdiction::parse(s).expect("jurisdiction")
}

/// A purpose, parsed.
pub fn p(s: &str) -> Purpose {
    Purpose::parse(s).expect("purpose")
}
