//! A criterion measurement of the process's CPU time instead of wall time.
//!
//! On a shared machine a benchmark's wall time counts the time other processes held the CPU;
//! its CPU time (user + system, all threads, `CLOCK_PROCESS_CPUTIME_ID`) counts only its
//! own work, so figures taken under load stay close to those of an idle machine (caches
//! shared with other processes still cost a little). Criterion's measurement and warm-up
//! times are then CPU seconds too: on a loaded machine a run takes longer in wall time.

use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::Criterion;

/// CPU time of this process, all threads (criterion times one benchmark at a time).
pub struct CpuTime;

/// Criterion configured to measure CPU time.
pub fn criterion() -> Criterion<CpuTime> {
    Criterion::default().with_measurement(CpuTime)
}

fn process_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec and the clock id is a constant Linux and
    // macOS both define; the call writes only `now`.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// Formats values as durations, like criterion's wall-time measurement.
static DURATIONS: WallTime = WallTime;

impl Measurement for CpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        process_cpu_time()
    }
    fn end(&self, start: Duration) -> Duration {
        process_cpu_time().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        DURATIONS.formatter()
    }
}
