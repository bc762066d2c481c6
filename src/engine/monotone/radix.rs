//! A radix heap: a min-priority queue for keys never pushed below the last key popped.
//!
//! A calendar only ever schedules at or after the present, so every key pushed is at least
//! the last key popped. A radix heap uses that: it keeps the entries in buckets by the
//! highest bit in which their key differs from the last key popped (bucket 0: equal to it,
//! bucket `b`: first differing in bit `b - 1`). Every key of a lower bucket is smaller than
//! every key of a higher one, so the smallest key is in the lowest non-empty bucket. A push
//! appends to its bucket (O(1), sequential memory); a pop takes the smallest entry of the
//! lowest bucket and moves the rest of that bucket down to buckets below it, relative to the
//! key just popped. An entry only ever moves down, so it moves at most 128 times and in
//! practice a few (8 on average with 100,000 random timers pending), always by appending.
//! A binary or 4-ary heap instead moves entries along a path of its array that spans the
//! whole heap: once that outgrows the caches, every pop pays a cache miss per level.
//!
//! With unique keys, the order in which entries pop is the one order of their keys: this
//! heap pops exactly the sequence any other heap pops.

use super::Keyed;

/// Buckets: 0 for a key equal to the last popped, then one per bit of a `u128` key.
const BUCKETS: usize = 129;

/// A min-heap of entries by their [`Keyed::key`], for keys pushed at or above the last key
/// popped.
///
/// Each bucket's smallest key is kept as entries arrive in it, so the smallest of all (that
/// of the lowest non-empty bucket) is known without looking through a bucket. Entries only
/// leave a bucket all at once (the popped one, then the rest moving down), so a bucket's
/// smallest never has to be found again.
#[derive(Debug)]
pub struct RadixHeap<T> {
    buckets: Vec<Vec<T>>,
    /// Per bucket, its smallest key (`u128::MAX` when empty) and that entry's index.
    smallest: Vec<(u128, usize)>,
    /// Bit `b` set when bucket `b` holds an entry.
    occupied: [u64; 3],
    /// The lowest non-empty bucket (`BUCKETS` when empty).
    lowest: usize,
    /// The last key popped (0 before any): no key below it may be pushed.
    last: u128,
    len: usize,
}

impl<T> Default for RadixHeap<T> {
    fn default() -> RadixHeap<T> {
        RadixHeap {
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            smallest: vec![(u128::MAX, 0); BUCKETS],
            occupied: [0; 3],
            lowest: BUCKETS,
            last: 0,
            len: 0,
        }
    }
}

impl<T: Keyed> RadixHeap<T> {
    /// The bucket of `key` relative to the last key popped, `last`.
    #[inline(always)]
    fn bucket_of(last: u128, key: u128) -> usize {
        (u128::BITS - (key ^ last).leading_zeros()) as usize
    }

    /// The smallest key, if any.
    #[inline(always)]
    pub fn min_key(&self) -> Option<u128> {
        (self.len > 0).then(|| self.smallest[self.lowest].0)
    }

    /// The entry with the smallest key, if any.
    #[inline(always)]
    pub fn first(&self) -> Option<&T> {
        (self.len > 0).then(|| &self.buckets[self.lowest][self.smallest[self.lowest].1])
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.buckets.iter().flatten()
    }

    /// Removes every entry, in no particular order, keeping the buckets' memory and the last
    /// key popped (no key below it may be pushed after).
    pub fn drain(&mut self) -> impl Iterator<Item = T> + '_ {
        self.len = 0;
        self.occupied = [0; 3];
        self.lowest = BUCKETS;
        self.smallest.fill((u128::MAX, 0));
        self.buckets.iter_mut().flat_map(|bucket| bucket.drain(..))
    }

    /// Appends `entry` to `bucket`, keeping the bucket's smallest key and the lowest bucket.
    #[inline(always)]
    fn place(&mut self, bucket: usize, entry: T) {
        let entries = &mut self.buckets[bucket];
        let index = entries.len();
        entries.push(entry);
        self.occupied[bucket / 64] |= 1 << (bucket % 64);
        let smallest = &mut self.smallest[bucket];
        if entry.key() < smallest.0 {
            *smallest = (entry.key(), index);
        }
        self.lowest = self.lowest.min(bucket);
    }

    /// Adds `entry`, whose key is at least the last key popped.
    #[inline(always)]
    pub fn push(&mut self, entry: T) {
        debug_assert!(entry.key() >= self.last, "a key below the last popped");
        debug_assert!(entry.key() < u128::MAX, "u128::MAX marks an empty bucket");
        self.place(Self::bucket_of(self.last, entry.key()), entry);
        self.len += 1;
    }

    /// Removes and returns the entry with the smallest key.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let bucket = self.lowest;
        let (key, index) = std::mem::replace(&mut self.smallest[bucket], (u128::MAX, 0));
        let top = self.buckets[bucket].swap_remove(index);
        self.len -= 1;
        self.last = key;
        if bucket == 0 && !self.buckets[0].is_empty() {
            // Bucket 0 holds keys equal to the last popped: the rest stay, any is smallest.
            self.smallest[0] = (key, 0);
            return Some(top);
        }
        self.occupied[bucket / 64] &= !(1 << (bucket % 64));
        if self.buckets[bucket].is_empty() {
            self.lowest = (bucket / 64..3)
                .find(|&w| self.occupied[w] != 0)
                .map_or(BUCKETS, |w| {
                    64 * w + self.occupied[w].trailing_zeros() as usize
                });
        } else {
            self.lowest = BUCKETS;
            self.move_down(bucket);
        }
        Some(top)
    }

    /// Moves the entries of `bucket`, which held the key just popped, to the buckets below it
    /// by their distance from that key (all empty until now, as `bucket` was the lowest).
    #[inline(never)]
    fn move_down(&mut self, bucket: usize) {
        // Taken out and put back empty, so its capacity is kept: nothing is allocated
        // once every bucket has reached its working size.
        let mut moving = std::mem::take(&mut self.buckets[bucket]);
        for entry in moving.drain(..) {
            self.place(Self::bucket_of(self.last, entry.key()), entry);
        }
        self.buckets[bucket] = moving;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngCore, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn entry(key: u128) -> u128 {
        key
    }

    #[test]
    fn pops_repeated_keys_as_often_as_they_were_pushed() {
        // Keys repeat (up to 5 times each, some equal to the last popped): every copy pops,
        // in order.
        let mut heap = RadixHeap::default();
        let mut expected = Vec::new();
        let mut last = 0u128;
        for round in 0..2_000u128 {
            for copy in 0..(round % 6) {
                let key = last + (round * 7919 + copy * 104_729) % 5;
                heap.push(key);
                expected.push(key);
            }
            expected.sort_unstable_by(|a, b| b.cmp(a));
            for _ in 0..(round % 4) {
                let Some(smallest) = expected.pop() else {
                    break;
                };
                assert_eq!(heap.min_key(), Some(smallest));
                assert_eq!(heap.pop(), Some(smallest), "round {round}");
                last = smallest;
            }
            assert_eq!(heap.len(), expected.len());
        }
        expected.sort_unstable();
        let popped: Vec<u128> = std::iter::from_fn(|| heap.pop()).collect();
        assert_eq!(popped, expected);
    }

    #[test]
    fn pops_every_key_in_order_when_keys_never_go_below_the_last_popped() {
        // Keys at random distances above the last popped (0, tiny, every power of two, the
        // whole range), interleaved with pops, against a sorted list.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(0x9e37_79b9_7f4a_7c15);
        let mut random = move || rng.next_u64();
        let mut heap = RadixHeap::default();
        let mut expected: Vec<u128> = Vec::new();
        let mut last = 0u128;
        for i in 0..50_000u32 {
            if random() % 3 < 2 || expected.is_empty() {
                let gap = match random() % 5 {
                    0 => 0,
                    1 => u128::from(random() % 8),
                    2 => u128::from(random()) << (random() % 64),
                    3 => 1 << (random() % 127),
                    _ => u128::from(random()),
                };
                let key = last.saturating_add(gap);
                if expected.contains(&key) {
                    continue;
                }
                heap.push(entry(key));
                expected.push(key);
            } else {
                expected.sort_unstable_by(|a, b| b.cmp(a));
                let smallest = expected.pop().unwrap();
                assert_eq!(heap.pop(), Some(smallest), "pop {i}");
                last = smallest;
            }
            assert_eq!(heap.len(), expected.len());
            assert_eq!(heap.min_key(), expected.iter().min().copied());
            assert_eq!(heap.first(), expected.iter().min());
            if i % 1024 == 0 {
                let mut held: Vec<u128> = heap.iter().copied().collect();
                held.sort_unstable();
                let mut sorted = expected.clone();
                sorted.sort_unstable();
                assert_eq!(held, sorted);
            }
        }
        expected.sort_unstable();
        let popped: Vec<u128> = std::iter::from_fn(|| heap.pop()).collect();
        assert_eq!(popped, expected);
        assert!(heap.len() == 0 && heap.pop().is_none() && heap.min_key().is_none());
    }
}
