//! Time as custodia sees it: whole seconds since the Unix epoch, read through an injectable [`Clock`].
//!
//! Every decision that depends on time (expiry, retention, audit timestamps) takes its time from a `Clock`, so tests
//! use a [`FixedClock`] and never sleep.

use core::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// A point in time: whole seconds since 1970-01-01T00:00:00Z (UTC), displayed as RFC 3339.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Timestamp(u64);

impl Timestamp {
    /// The timestamp `secs` seconds after the Unix epoch.
    #[must_use]
    pub const fn from_unix(secs: u64) -> Self {
        Self(secs)
    }

    /// Seconds since the Unix epoch.
    #[must_use]
    pub const fn as_unix(self) -> u64 {
        self.0
    }

    /// This time plus `secs` seconds, saturating.
    #[must_use]
    pub const fn plus_secs(self, secs: u64) -> Self {
        Self(self.0.saturating_add(secs))
    }

    /// This time plus `days` days, saturating.
    #[must_use]
    pub const fn plus_days(self, days: u64) -> Self {
        self.plus_secs(days.saturating_mul(86_400))
    }

    /// Midnight UTC on the given civil date.
    ///
    /// # Errors
    /// [`crate::Error::InvalidArgument`] for a date before 1970 or an impossible month or day.
    pub fn from_date(year: u32, month: u32, day: u32) -> crate::Result<Self> {
        if year < 1970 || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(crate::Error::InvalidArgument(format!("no such date {year:04}-{month:02}-{day:02}")));
        }
        let days = days_from_civil(i64::from(year), month, day);
        Ok(Self(u64::try_from(days).unwrap_or(0) * 86_400))
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC, e.g. `2026-11-23T12:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = i64::try_from(self.0 / 86_400).unwrap_or(i64::MAX);
        let rem = self.0 % 86_400;
        let (y, m, d) = civil_from_days(days);
        write!(f, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, (rem / 60) % 60, rem % 60)
    }
}

/// A source of the current time. Implementations must be cheap and thread-safe.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The operating system's clock.
#[derive(Clone, Copy, Debug, Default)]
#[allow(
    clippy::exhaustive_structs,
    reason = "a unit value with nothing to add: hosts write `SystemClock` to name the clock"
)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Timestamp(secs)
    }
}

/// A clock that reads whatever it was last set to: for tests and for replaying decisions.
#[derive(Debug, Default)]
pub struct FixedClock(AtomicU64);

impl FixedClock {
    /// A clock stopped at `at`.
    #[must_use]
    pub fn new(at: Timestamp) -> Self {
        Self(AtomicU64::new(at.0))
    }

    /// Move the clock to `at`.
    pub fn set(&self, at: Timestamp) {
        self.0.store(at.0, Ordering::SeqCst);
    }

    /// Move the clock forward by `secs` seconds.
    pub fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}

fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's civil-calendar algorithms (public domain), proleptic Gregorian.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_rfc3339() {
        assert_eq!(Timestamp::from_unix(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp::from_unix(1_795_435_200).to_string(), "2026-11-23T12:00:00Z");
        assert_eq!(Timestamp::from_unix(951_782_400).to_string(), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn dates_round_trip() {
        let t = Timestamp::from_date(2026, 11, 23).expect("valid date");
        assert_eq!(t.to_string(), "2026-11-23T00:00:00Z");
        assert!(Timestamp::from_date(2026, 2, 29).is_err());
        assert!(Timestamp::from_date(2028, 2, 29).is_ok());
        assert!(Timestamp::from_date(1969, 1, 1).is_err());
    }

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let c = FixedClock::new(Timestamp::from_unix(10));
        assert_eq!(c.now(), Timestamp::from_unix(10));
        c.advance(5);
        assert_eq!(c.now(), Timestamp::from_unix(15));
    }
}
