//! Simulated time: an exact integer clock.
//!
//! `SimTime` counts nanoseconds since the start of the simulated day. Integer time makes
//! event order exact and reproducible on every machine (no float comparisons in the
//! calendar); 64 bits of nanoseconds cover 584 years.

use std::fmt;
use std::ops::{Add, Sub};

/// A point in (or a span of) simulated time, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub u64);

/// Nanoseconds in one second.
pub const NANOS_PER_SECOND: u64 = 1_000_000_000;

impl SimTime {
    /// Time zero: the start of the simulation.
    pub const ZERO: SimTime = SimTime(0);
    /// A time later than any event: "never".
    pub const NEVER: SimTime = SimTime(u64::MAX);

    /// The time `s` seconds after zero, rounded to the nearest nanosecond; negative and NaN
    /// inputs give zero, too large ones saturate at [`SimTime::NEVER`].
    #[inline]
    pub fn from_seconds(s: f64) -> SimTime {
        // Rounds half up. `as` does the rest without a branch: it maps NaN to 0, anything
        // below 1 (every s ≤ 0 lands there after the + 0.5) to 0, and saturates beyond
        // u64::MAX. (Not `f64::round`, a library call on the hot path.)
        SimTime((s * NANOS_PER_SECOND as f64 + 0.5) as u64)
    }

    /// This time in seconds.
    pub fn as_seconds(self) -> f64 {
        self.0 as f64 / NANOS_PER_SECOND as f64
    }

    /// `self + other`, saturating at [`SimTime::NEVER`].
    pub fn saturating_add(self, other: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(other.0))
    }
}

impl Add for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimTime) -> SimTime {
        SimTime(self.0 + rhs.0)
    }
}

impl Sub for SimTime {
    type Output = SimTime;
    fn sub(self, rhs: SimTime) -> SimTime {
        SimTime(self.0 - rhs.0)
    }
}

impl fmt::Display for SimTime {
    /// Formats as a clock offset, `h:mm:ss` (fractions of a second dropped).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0 / NANOS_PER_SECOND;
        write!(f, "{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    }
}

/// `HH:MM` of the clock `seconds` after midnight (on a 24-hour clock: past midnight it
/// wraps), the seconds dropped.
pub fn clock_hhmm(seconds: u64) -> String {
    format!("{:02}:{:02}", (seconds / 3600) % 24, (seconds / 60) % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_trip_to_the_nanosecond() {
        assert_eq!(SimTime::from_seconds(1.5), SimTime(1_500_000_000));
        assert_eq!(SimTime::from_seconds(-3.0), SimTime::ZERO);
        assert_eq!(SimTime::from_seconds(f64::NAN), SimTime::ZERO);
        assert_eq!(SimTime::from_seconds(1e30), SimTime::NEVER);
        assert_eq!(SimTime::from_seconds(f64::INFINITY), SimTime::NEVER);
        assert_eq!(SimTime::from_seconds(f64::NEG_INFINITY), SimTime::ZERO);
        assert_eq!(SimTime::from_seconds(-0.0), SimTime::ZERO);
        assert_eq!(SimTime::from_seconds(-4e-10), SimTime::ZERO);
        assert_eq!(SimTime::from_seconds(4e-10), SimTime::ZERO);
        assert_eq!(SimTime::from_seconds(5e-10), SimTime(1));
        assert_eq!(SimTime(2_250_000_000).as_seconds(), 2.25);
        assert_eq!(SimTime::from_seconds(3723.0).to_string(), "1:02:03");
    }
}
