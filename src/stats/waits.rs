//! The waits of one block's answered calls, in memory proportional to how many there were.
//!
//! A day of one-second intervals, or thousands of call types, has millions of blocks, most
//! with a handful of calls or none. A wait histogram (3 significant figures) costs 16 kB or
//! more even when empty, so [`Waits`] keeps a block's first [`FEW`] waits as a plain list and
//! only then moves them into a histogram. Zero waits (most answered calls in a well-staffed
//! centre) are only counted, and added to the histogram when it is read. Every measure is
//! read from a histogram holding exactly the recorded values, so the percentiles are the
//! same whichever form a block had.

use hdrhistogram::Histogram;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Significant figures of the wait histograms (relative error ≤ 0.1 %).
const HISTOGRAM_SIGFIGS: u8 = 3;

/// Waits kept as a list before they move into a histogram: 8 kB, half the smallest histogram.
pub const FEW: usize = 1024;

/// Wait values (in histogram units) of a block: a short list, or a histogram.
#[derive(Debug, Clone, Default)]
pub struct Waits {
    /// Zero values recorded (kept out of `repr`: a count is all a zero needs).
    zeros: u64,
    /// The other values.
    repr: Repr,
}

#[derive(Debug, Clone)]
enum Repr {
    /// Fewer than [`FEW`] non-zero values, as recorded (no allocation while empty).
    Few(Vec<u64>),
    /// Many values.
    Many(Box<Histogram<u64>>),
}

impl Default for Repr {
    fn default() -> Repr {
        Repr::Few(Vec::new())
    }
}

/// An empty auto-resizing histogram of the waits' precision.
fn histogram() -> Histogram<u64> {
    Histogram::new(HISTOGRAM_SIGFIGS).expect("3 significant figures is valid")
}

/// An empty histogram of the waits' precision, made once: its buckets' bounds are those of
/// every wait histogram.
fn empty_histogram() -> &'static Histogram<u64> {
    static EMPTY: std::sync::OnceLock<Histogram<u64>> = std::sync::OnceLock::new();
    EMPTY.get_or_init(histogram)
}

/// Records one value; `record` only fails beyond the histogram's range (about 2⁶² units),
/// where the value is kept as the largest trackable one.
fn record_into(h: &mut Histogram<u64>, value: u64) {
    if h.record(value).is_err() {
        h.saturating_record(value);
    }
}

impl Waits {
    /// Records one wait.
    #[inline(always)]
    pub fn record(&mut self, value: u64) {
        if value == 0 {
            self.zeros = self.zeros.saturating_add(1);
            return;
        }
        match &mut self.repr {
            Repr::Few(values) if values.len() + 1 < FEW => values.push(value),
            Repr::Few(_) => {
                self.histogram_mut();
                self.record(value);
            }
            Repr::Many(h) => record_into(h, value),
        }
    }

    /// Records `count` waits of `value`.
    pub fn record_n(&mut self, value: u64, count: u64) {
        if value == 0 {
            self.zeros = self.zeros.saturating_add(count);
            return;
        }
        match &mut self.repr {
            Repr::Few(values) if (values.len() as u64).saturating_add(count) < FEW as u64 => {
                values.extend(std::iter::repeat_n(value, count as usize));
            }
            _ => {
                let h = self.histogram_mut();
                if h.record_n(value, count).is_err() {
                    h.saturating_record_n(value, count);
                }
            }
        }
    }

    /// Adds every wait of `other`.
    pub fn add(&mut self, other: &Waits) {
        self.zeros = self.zeros.saturating_add(other.zeros);
        match &other.repr {
            Repr::Few(values) => values.iter().for_each(|&v| self.record(v)),
            Repr::Many(theirs) => {
                let mine = self.histogram_mut();
                // Both histograms auto-resize, so adding cannot fail.
                let _ = mine.add(&**theirs);
            }
        }
    }

    /// The longest wait recorded, as a histogram of the waits reads it (the highest value of
    /// its bucket), without building one; `None` when none was recorded.
    pub fn longest(&self) -> Option<u64> {
        match &self.repr {
            Repr::Few(values) => match values.iter().max() {
                Some(&v) => Some(empty_histogram().highest_equivalent(v)),
                None => (self.zeros > 0).then_some(0),
            },
            Repr::Many(h) => Some(h.max()),
        }
    }

    /// How many waits were recorded.
    pub fn len(&self) -> u64 {
        let others = match &self.repr {
            Repr::Few(values) => values.len() as u64,
            Repr::Many(h) => h.len(),
        };
        self.zeros.saturating_add(others)
    }

    /// Whether no wait was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes held (the list's capacity or the histogram's counts; zeros cost nothing).
    pub fn heap_bytes(&self) -> usize {
        match &self.repr {
            Repr::Few(values) => values.capacity() * std::mem::size_of::<u64>(),
            Repr::Many(h) => {
                std::mem::size_of::<Histogram<u64>>()
                    + h.distinct_values() * std::mem::size_of::<u64>()
            }
        }
    }

    /// `f` applied to a histogram of every wait recorded (built for the occasion from a list).
    /// Zeros are counted in last: a histogram's counts do not depend on the order of the
    /// values, and zero never widens its range.
    pub fn with_histogram<R>(&self, f: impl FnOnce(&Histogram<u64>) -> R) -> R {
        let with_zeros = |mut h: Histogram<u64>| {
            if self.zeros > 0 {
                h.record_n(0, self.zeros)
                    .expect("zero is inside every histogram's range");
            }
            h
        };
        match &self.repr {
            Repr::Few(values) => {
                let mut h = histogram();
                values.iter().for_each(|&v| record_into(&mut h, v));
                f(&with_zeros(h))
            }
            Repr::Many(h) if self.zeros == 0 => f(h),
            Repr::Many(h) => f(&with_zeros((**h).clone())),
        }
    }

    /// Moves the values into a histogram (once) and returns it.
    fn histogram_mut(&mut self) -> &mut Histogram<u64> {
        if let Repr::Few(values) = &self.repr {
            let mut h = histogram();
            values.iter().for_each(|&v| record_into(&mut h, v));
            self.repr = Repr::Many(Box::new(h));
        }
        match &mut self.repr {
            Repr::Many(h) => h,
            Repr::Few(_) => unreachable!("just moved into a histogram"),
        }
    }
}

/// Batches of replications a report's wait percentiles are judged on: each batch's calls
/// pooled give one estimate of a percentile, and the spread of the batches' estimates about
/// the estimate of all calls pooled gives its confidence interval (sectioning). A single
/// replication's percentile is no such estimate: a half hour's calls wait alike, so one
/// replication's tail says little of the tail of all calls, and intervals built on
/// replications alone came out about three times too narrow for a half hour's p99.
///
/// Five, not more: a batch's tail percentile is skewed and biased low when the batch holds
/// few days, and more batches of fewer days made the intervals too narrow where the tail is
/// heavy. On an Erlang C half hour at 89 % occupancy, 10 batches held the exact p90 in 76 %
/// of cases with 10 replications and the p99 in 90 % with 200; 5 batches in 87 % and 95 %
/// (README, "Per call, not per day"). Where the tail is light (Erlang A, 15-minute
/// intervals) both held 91–95 %, 5 batches with intervals about a fifth wider.
pub const WAIT_BATCHES: u64 = 5;

/// The batch of `replication` among `replications`: [`WAIT_BATCHES`] contiguous batches of
/// (nearly) equal size, or one per replication when there are fewer. Replications past the
/// expected count go to the last batch.
pub fn wait_batch(replication: u64, replications: u64) -> u64 {
    let replications = replications.max(1);
    let batches = WAIT_BATCHES.min(replications);
    (replication.min(replications - 1) as u128 * batches as u128 / replications as u128) as u64
}

/// The waits of answered calls per reported interval and call class (interval-major), of one
/// replication or pooled over many: what a report reads every block's pooled percentiles
/// from (a block's waits are the sum of its cells').
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WaitGrid {
    /// Call classes per interval.
    classes: usize,
    /// One cell per reported interval and class.
    cells: Vec<Waits>,
}

impl WaitGrid {
    /// A grid of `cells`, `classes` per interval.
    pub fn from_cells(classes: usize, cells: Vec<Waits>) -> WaitGrid {
        debug_assert!(classes == 0 || cells.len() % classes == 0);
        WaitGrid { classes, cells }
    }

    /// Adds every wait of `other`, cell by cell; an empty grid takes `other`'s shape, and
    /// adding an empty grid changes nothing.
    /// Bucket counts add up whatever the order, so a pooled grid depends only on which
    /// replications went in. Grids of different shapes are refused.
    pub fn add(&mut self, other: &WaitGrid) -> Result<(), String> {
        if other.cells.is_empty() {
            return Ok(());
        }
        if self.cells.is_empty() {
            self.classes = other.classes;
            self.cells = vec![Waits::default(); other.cells.len()];
        }
        if (self.classes, self.cells.len()) != (other.classes, other.cells.len()) {
            return Err(format!(
                "waits of {} cells ({} classes) cannot pool with {} cells ({} classes)",
                other.cells.len(),
                other.classes,
                self.cells.len(),
                self.classes
            ));
        }
        self.cells
            .iter_mut()
            .zip(&other.cells)
            .for_each(|(a, b)| a.add(b));
        Ok(())
    }

    /// Reported intervals held (0 for an empty grid).
    pub fn intervals(&self) -> usize {
        self.cells.len().checked_div(self.classes).unwrap_or(0)
    }

    /// The waits of class `c` in reported interval `i` (counted from the first reported).
    pub fn cell(&self, i: usize, c: usize) -> &Waits {
        &self.cells[i * self.classes + c]
    }

    /// Call classes per interval (0 for an empty grid).
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Whether the grid holds no cells (no replication added).
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.cells.capacity() * std::mem::size_of::<Waits>()
            + self.cells.iter().map(Waits::heap_bytes).sum::<usize>()
    }
}

/// Equal when every measure read from them is: the same histogram counts.
impl PartialEq for Waits {
    fn eq(&self, other: &Waits) -> bool {
        self.with_histogram(|mine| other.with_histogram(|theirs| mine == theirs))
    }
}

/// The waits as a part file keeps them: the zeros counted, the other values with their
/// counts — a list's values as recorded, a histogram's buckets by their highest equivalent
/// value, which records back into the same bucket. Read back, they give the same histogram
/// counts, so every measure read from them is the same.
#[derive(Serialize, Deserialize)]
struct Recorded {
    zeros: u64,
    values: Vec<(u64, u64)>,
}

impl Serialize for Waits {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let values = match &self.repr {
            Repr::Few(values) => values.iter().map(|&v| (v, 1)).collect(),
            Repr::Many(h) => h
                .iter_recorded()
                .map(|v| (v.value_iterated_to(), v.count_at_value()))
                .collect(),
        };
        Recorded {
            zeros: self.zeros,
            values,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Waits {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Waits, D::Error> {
        let recorded = Recorded::deserialize(deserializer)?;
        let mut waits = Waits::default();
        waits.record_n(0, recorded.zeros);
        for (value, count) in recorded.values {
            waits.record_n(value, count);
        }
        Ok(waits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The measures read from a histogram: quantiles, their median equivalents, max, count.
    fn readout(w: &Waits) -> (Vec<u64>, u64, u64) {
        w.with_histogram(|h| {
            let q = h
                .value_at_quantiles([0.5, 0.8, 0.9, 0.95, 0.99])
                .map(|v| h.median_equivalent(v))
                .collect();
            (q, h.max(), h.len())
        })
    }

    #[test]
    fn list_and_histogram_read_the_same() {
        // Values spread over many orders of magnitude, enough to cross into a histogram.
        let values: Vec<u64> = (0..3 * FEW as u64)
            .map(|i| (i * 7919) % 5_000_000)
            .collect();
        for n in [1, 10, FEW - 1, FEW, FEW + 1, 3 * FEW] {
            let mut compact = Waits::default();
            let mut plain = histogram();
            for &v in &values[..n] {
                compact.record(v);
                record_into(&mut plain, v);
            }
            let expected = Waits {
                zeros: 0,
                repr: Repr::Many(Box::new(plain)),
            };
            assert_eq!(readout(&compact), readout(&expected), "{n} values");
            assert_eq!(compact.longest(), Some(readout(&expected).1), "{n} values");
        }
    }

    #[test]
    fn counted_zeros_read_as_recorded_ones() {
        // Mostly zeros, in every form and after adding: the same histogram as recording
        // every value into one.
        let values: Vec<u64> = (0..3 * FEW as u64)
            .map(|i| if i % 5 < 3 { 0 } else { (i * 7919) % 5_000_000 })
            .collect();
        for n in [1, 3, 10, FEW, 2 * FEW, 3 * FEW] {
            let mut compact = Waits::default();
            let mut plain = histogram();
            for &v in &values[..n] {
                compact.record(v);
                record_into(&mut plain, v);
            }
            compact.with_histogram(|h| assert!(*h == plain, "{n} values"));
            let mut sum = Waits::default();
            sum.add(&compact);
            sum.add(&compact);
            let mut doubled = plain.clone();
            doubled.add(&plain).unwrap();
            sum.with_histogram(|h| assert!(*h == doubled, "{n} values twice"));
        }
    }

    #[test]
    fn written_and_read_back_in_parts_they_are_the_waits_pooled_at_once() {
        // Parts of every form (a few values, many, zeros only), written as JSON, read back
        // and added: the histogram of all the values recorded into one.
        let values: Vec<u64> = (0..5 * FEW as u64)
            .map(|i| {
                if i % 4 == 0 {
                    0
                } else {
                    (i * 7919) % 50_000_000
                }
            })
            .collect();
        for cuts in [
            &[0, 5, 5 * FEW][..],
            &[0, 2 * FEW, 2 * FEW + 3, 5 * FEW],
            &[0, 1, 5 * FEW],
        ] {
            let mut plain = histogram();
            let mut merged = Waits::default();
            for range in cuts.windows(2) {
                let mut part = Waits::default();
                for &v in &values[range[0]..range[1]] {
                    part.record(v);
                    record_into(&mut plain, v);
                }
                let json = serde_json::to_string(&part).unwrap();
                merged.add(&serde_json::from_str::<Waits>(&json).unwrap());
            }
            merged.with_histogram(|h| assert!(*h == plain, "parts {cuts:?}"));
            let zeros_only: Waits = serde_json::from_str(r#"{"zeros":7,"values":[]}"#).unwrap();
            zeros_only.with_histogram(|h| assert_eq!((h.len(), h.max()), (7, 0)));
        }
    }

    #[test]
    fn batches_are_contiguous_and_nearly_equal() {
        for replications in [1u64, 3, 10, 11, 29, 1000] {
            let batches: Vec<u64> = (0..replications)
                .map(|r| wait_batch(r, replications))
                .collect();
            assert!(batches.windows(2).all(|w| w[1] == w[0] || w[1] == w[0] + 1));
            assert_eq!(batches[0], 0);
            let count = WAIT_BATCHES.min(replications);
            assert_eq!(*batches.last().unwrap(), count - 1);
            let sizes: Vec<usize> = (0..count)
                .map(|b| batches.iter().filter(|&&x| x == b).count())
                .collect();
            let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(hi - lo <= 1, "{replications}: {sizes:?}");
        }
        assert_eq!(
            wait_batch(50, 10),
            WAIT_BATCHES - 1,
            "past the expected: the last batch"
        );
    }

    #[test]
    fn adding_mixes_forms_without_losing_a_value() {
        let mut few = Waits::default();
        let mut many = Waits::default();
        for v in 0..5u64 {
            few.record(v * 1000);
        }
        for v in 0..2 * FEW as u64 {
            many.record(v);
        }
        let mut a = few.clone();
        a.add(&many);
        let mut b = many.clone();
        b.add(&few);
        assert_eq!(readout(&a), readout(&b));
        assert_eq!(readout(&a).2, 5 + 2 * FEW as u64);
        assert!(readout(&a).1 >= 4000, "the largest wait survives");
        assert_eq!(
            Waits::default().heap_bytes(),
            0,
            "an empty block allocates nothing"
        );
    }
}
