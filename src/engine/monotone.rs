//! A monotone priority queue: a min-priority queue whose keys are never pushed below the
//! last key popped, as a simulation's future is never before its present. The event
//! calendar keeps its timers and talks in one; the recursion of a single queue its callers
//! in an IVR of random length.
//!
//! It is a 4-ary heap while it is small and a radix heap once it is large. With unique keys
//! the two pop the same entries in the same order; they differ in what they cost. With a
//! few hundred entries pending, the 4-ary heap sits in the first-level
//! cache and takes fewest instructions; the radix heap's buckets cost more per entry. With
//! tens of thousands pending (a long queue, each caller's patience timer; ten thousand
//! agents' talks; timers of random length), every pop of the 4-ary heap walks a path
//! through an array larger than the caches, a miss per level, while the radix heap only
//! appends. So the queue starts as a heap, becomes a radix heap when it holds
//! [`RADIX_AT`] entries, and a heap again when it falls to [`HEAP_AT`]: the gap between the
//! two means a switch, which moves every entry once, is paid for by thousands of pops.

mod heap;
mod radix;

pub use heap::MinHeap;
use radix::RadixHeap;

/// Entries pending at which the heap becomes a radix heap.
const RADIX_AT: usize = 1024;
/// Entries pending at which the radix heap becomes a heap again.
const HEAP_AT: usize = 256;

/// What a queue orders its entries by: their key, below `u128::MAX`. Entries of equal keys
/// pop in no particular order, so a caller that needs one order (the calendar, the
/// recursion's IVR) makes its keys unique.
pub trait Keyed: Copy {
    /// The entry's key.
    fn key(&self) -> u128;
}

impl Keyed for u128 {
    #[inline(always)]
    fn key(&self) -> u128 {
        *self
    }
}

/// A min-priority queue of entries by their [`Keyed::key`], for keys pushed at or above the
/// last key popped.
///
/// Both stores are kept, the idle one empty, so that a switch moves entries into memory
/// already there: nothing is allocated once both have reached their working size.
#[derive(Debug)]
pub struct MonotoneQueue<T> {
    heap: MinHeap<T>,
    radix: RadixHeap<T>,
    /// Whether the entries are in `radix` (else in `heap`).
    large: bool,
    /// The last key popped, to check in tests that no key goes below it in either store.
    #[cfg(debug_assertions)]
    floor: u128,
}

impl<T: Keyed> Default for MonotoneQueue<T> {
    fn default() -> MonotoneQueue<T> {
        MonotoneQueue::with_capacity(0)
    }
}

impl<T: Keyed> MonotoneQueue<T> {
    /// An empty queue with room for `capacity` entries before its heap allocates.
    pub fn with_capacity(capacity: usize) -> MonotoneQueue<T> {
        MonotoneQueue {
            heap: MinHeap::with_capacity(capacity),
            radix: RadixHeap::default(),
            large: false,
            #[cfg(debug_assertions)]
            floor: 0,
        }
    }

    /// The smallest key, if any.
    #[inline(always)]
    pub fn min_key(&self) -> Option<u128> {
        if self.large {
            self.radix.min_key()
        } else {
            self.heap.min_key()
        }
    }

    /// The entry with the smallest key, if any.
    #[inline(always)]
    pub fn first(&self) -> Option<&T> {
        if self.large {
            self.radix.first()
        } else {
            self.heap.first()
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.heap.len() + self.radix.len()
    }

    /// Whether the queue is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.heap.iter().chain(self.radix.iter())
    }

    /// Whether the entries are in the radix heap.
    #[cfg(test)]
    pub fn is_radix(&self) -> bool {
        self.large
    }

    /// Adds `entry`, whose key is at least the last key popped.
    #[inline(always)]
    pub fn push(&mut self, entry: T) {
        #[cfg(debug_assertions)]
        assert!(entry.key() >= self.floor, "a key below the last popped");
        if self.large {
            self.radix.push(entry);
        } else {
            self.heap.push(entry);
            if self.heap.len() >= RADIX_AT {
                self.move_to_radix();
            }
        }
    }

    /// Removes and returns the entry with the smallest key.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<T> {
        let entry = if self.large {
            let entry = self.radix.pop();
            if self.radix.len() <= HEAP_AT {
                self.move_to_heap();
            }
            entry
        } else {
            self.heap.pop()
        };
        #[cfg(debug_assertions)]
        if let Some(entry) = &entry {
            self.floor = entry.key();
        }
        entry
    }

    /// Moves every entry from the heap to the radix heap, whose floor is still the last key
    /// it popped (0 before any): below every key pushed since, as keys never go down.
    #[inline(never)]
    fn move_to_radix(&mut self) {
        for entry in self.heap.drain() {
            self.radix.push(entry);
        }
        self.large = true;
    }

    /// Moves every entry from the radix heap to the heap.
    #[inline(never)]
    fn move_to_heap(&mut self) {
        for entry in self.radix.drain() {
            self.heap.push(entry);
        }
        self.large = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngCore, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn pops_in_key_order_through_switches_both_ways() {
        // Grows past the switch to a radix heap and shrinks below the switch back, several
        // times, pushing keys at random distances above the last popped, against a sorted
        // list.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(0x2545_f491_4f6c_dd1d);
        let mut random = move || rng.next_u64();
        let mut queue = MonotoneQueue::default();
        let mut expected = std::collections::BTreeSet::new();
        let mut last = 0u128;
        let mut switches = 0;
        for round in 0..6 {
            let target = if round % 2 == 0 {
                3 * RADIX_AT
            } else {
                HEAP_AT / 2
            };
            while expected.len() != target {
                let grow = expected.len() < target;
                if random() % 4 < if grow { 3 } else { 1 } {
                    let key = last + 1 + u128::from(random() % 1_000_000) * (1 << 64);
                    if expected.insert(key) {
                        queue.push(key);
                    }
                } else if let Some(smallest) = expected.pop_first() {
                    assert_eq!(queue.pop(), Some(smallest));
                    last = smallest;
                }
                assert_eq!(queue.min_key(), expected.first().copied());
                assert_eq!(queue.first(), expected.first());
                assert_eq!(queue.len(), expected.len());
            }
            switches += usize::from(queue.large != (round % 2 == 1));
            let mut held: Vec<u128> = queue.iter().copied().collect();
            held.sort_unstable();
            assert!(held.iter().eq(expected.iter()));
        }
        assert_eq!(
            switches, 6,
            "every round ends in the store its size calls for"
        );
        let popped: Vec<u128> = std::iter::from_fn(|| queue.pop()).collect();
        assert!(popped.iter().eq(expected.iter()));
        assert!(queue.is_empty() && queue.pop().is_none());
    }
}
