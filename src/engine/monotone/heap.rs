//! A 4-ary min-heap by key.
//!
//! The same shape and algorithms as a textbook d-ary heap (a push sifts up; a pop moves the
//! hole left by the root down along the smallest children to a leaf, then sifts the last
//! entry up from there, which saves a comparison per level when, as in a calendar, the last
//! entry is usually late). What it does differently from a generic heap is where it keeps
//! the entry being placed: in registers, written once into its final slot. A generic heap
//! writes it into the array first and reads it straight back as a whole, and on x86 a wide
//! read of what was just written by narrower stores cannot be forwarded from the store
//! buffer: it stalls for a dozen cycles, twice per event (push and pop), which made those
//! two reads the hottest instructions of the whole event loop.
//!
//! With unique keys (as the calendar's are), the order in which entries pop is the one order
//! of their keys, whatever the heap's internal layout: any correct heap pops the same
//! sequence, and a run's results do not depend on this implementation.

use super::Keyed;

/// Children per node.
const ARITY: usize = 4;

/// A min-heap of entries by their [`Keyed::key`].
#[derive(Debug)]
pub struct MinHeap<T> {
    entries: Vec<T>,
}

impl<T> Default for MinHeap<T> {
    fn default() -> MinHeap<T> {
        MinHeap {
            entries: Vec::new(),
        }
    }
}

impl<T: Keyed> MinHeap<T> {
    /// An empty heap with room for `capacity` entries before it allocates.
    pub fn with_capacity(capacity: usize) -> MinHeap<T> {
        MinHeap {
            entries: Vec::with_capacity(capacity),
        }
    }

    /// The smallest key, if any.
    #[inline(always)]
    pub fn min_key(&self) -> Option<u128> {
        self.entries.first().map(Keyed::key)
    }

    /// The entry with the smallest key, if any.
    #[inline(always)]
    pub fn first(&self) -> Option<&T> {
        self.entries.first()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the heap is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.entries.iter()
    }

    /// Removes every entry, in no particular order, keeping the memory.
    pub fn drain(&mut self) -> impl Iterator<Item = T> + '_ {
        self.entries.drain(..)
    }

    /// Adds `entry`.
    #[inline(always)]
    pub fn push(&mut self, entry: T) {
        let mut hole = self.entries.len();
        // Grows the array by one (the value written here is overwritten below, or is the
        // final one when the entry stays at the bottom); `entry` itself is never read back.
        self.entries.push(entry);
        while hole > 0 {
            let parent = (hole - 1) / ARITY;
            if self.entries[parent].key() < entry.key() {
                break;
            }
            self.entries[hole] = self.entries[parent];
            hole = parent;
        }
        self.entries[hole] = entry;
    }

    /// Removes and returns the entry with the smallest key.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<T> {
        let last = self.entries.pop()?;
        let Some(&top) = self.entries.first() else {
            return Some(last);
        };
        let entries = &mut self.entries[..];
        // Down to a leaf, moving the smallest child up into the hole at each level.
        let mut hole = 0;
        loop {
            let first = ARITY * hole + 1;
            let Some(family) = entries.get(first..first + ARITY) else {
                // The last, partial family (if any): the smallest of its children.
                if let Some(family) = entries.get(first..).filter(|f| !f.is_empty()) {
                    let mut child = 0;
                    for (c, e) in family.iter().enumerate().skip(1) {
                        if e.key() < family[child].key() {
                            child = c;
                        }
                    }
                    entries[hole] = family[child];
                    hole = first + child;
                }
                break;
            };
            // Two pairs, then their winners: 3 comparisons, the first 2 independent.
            let family: &[T; ARITY] = family.try_into().expect("a full family");
            let a = (family[1].key() < family[0].key()) as usize;
            let b = 2 + (family[3].key() < family[2].key()) as usize;
            let child = if family[b].key() < family[a].key() {
                b
            } else {
                a
            };
            entries[hole] = family[child];
            hole = first + child;
        }
        // Then `last` up from the leaf to its place.
        while hole > 0 {
            let parent = (hole - 1) / ARITY;
            if entries[parent].key() < last.key() {
                break;
            }
            entries[hole] = entries[parent];
            hole = parent;
        }
        entries[hole] = last;
        Some(top)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: u128) -> u128 {
        key
    }

    #[test]
    fn pops_every_key_in_order_at_every_size() {
        // Every size from empty to a few full levels, pushed in a scrambled order and
        // interleaved with pops, against a sorted list.
        for n in 0..200u128 {
            let mut heap = MinHeap::with_capacity(0);
            let mut expected: Vec<u128> = Vec::new();
            for i in 0..n {
                let key = (i * 7919) % 1009;
                heap.push(entry(key));
                expected.push(key);
                if i % 5 == 4 {
                    expected.sort_unstable();
                    let smallest = expected.remove(0);
                    assert_eq!(heap.pop(), Some(smallest));
                }
                assert_eq!(heap.len(), expected.len());
                assert_eq!(heap.min_key(), expected.iter().min().copied());
            }
            expected.sort_unstable();
            let popped: Vec<u128> = std::iter::from_fn(|| heap.pop()).collect();
            assert_eq!(popped, expected);
            assert!(heap.is_empty() && heap.pop().is_none());
        }
    }
}
