//! The event calendar: a priority queue of small `Copy` events in exact time order.

use std::collections::VecDeque;

use super::monotone::{Keyed, MinHeap, MonotoneQueue};

use crate::time::SimTime;

/// Something that happens at an instant. Ids only: no names, no heap data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The next caller of a call type arrives.
    Arrival {
        /// The call type.
        call_type: u32,
    },
    /// The next call of a replayed trace arrives.
    Replay {
        /// Its index in the trace.
        index: u32,
    },
    /// A caller redials (after a busy signal or hanging up) or calls again (unresolved).
    Redial {
        /// The caller's slot.
        call: u32,
        /// The slot's generation when the timer was set.
        generation: u32,
    },
    /// A caller leaves the IVR.
    IvrEnd {
        /// The caller's slot.
        call: u32,
        /// The slot's generation when the timer was set.
        generation: u32,
    },
    /// An agent finishes talking to one of its contacts.
    ServiceEnd {
        /// The contact in service (its entry in the engine's table of contacts).
        contact: u32,
    },
    /// An agent finishes the after-call work of one of its contacts.
    WrapUpEnd {
        /// The contact (its entry in the engine's table of contacts, kept until now).
        contact: u32,
    },
    /// A waiting caller's patience runs out. Stale (ignored) when the call was answered
    /// since: the generation no longer matches.
    PatienceExpires {
        /// The call's slot.
        call: u32,
        /// The slot's generation when the timer was set.
        generation: u32,
    },
    /// A waiting call has waited long enough to be offered to the groups of its class's
    /// overflow step `step`. Stale when the call has left the queue since.
    Overflow {
        /// The call's slot.
        call: u32,
        /// The slot's generation when the timer was set.
        generation: u32,
        /// Index into the class's overflow steps.
        step: u32,
    },
    /// A group's available headcount changes (an interval's boundary, in a group staffed
    /// by interval).
    StaffingChange {
        /// The group.
        group: u32,
        /// Index of the change point in the group's staffing.
        interval: u32,
    },
    /// A shift row of a group arrives, leaves, or goes on or comes back from a break.
    ShiftMove {
        /// The group.
        group: u32,
        /// Index of the move in the group's shift moves.
        index: u32,
    },
}

/// An event with its key: its time, its insertion sequence number, which breaks ties
/// (events at the same instant happen in the order they were scheduled), and its lane.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// `time << 64 | sequence << 16 | lane tag`: one comparison orders by time, then by
    /// sequence (unique, so the tag never decides). The tag is the lane's number plus one
    /// for a timer at the front of its lane, 0 otherwise.
    key: u128,
    event: Event,
}

/// Bits of the key below the sequence number: the lane tag.
const TAG_BITS: u32 = 16;
const TAG_MASK: u128 = (1 << TAG_BITS) - 1;

impl Keyed for Entry {
    #[inline(always)]
    fn key(&self) -> u128 {
        self.key
    }
}

impl Entry {
    /// The entry as the front of `lane`: its key tagged with the lane's number plus one.
    #[inline]
    fn front_of(mut self, lane: u16) -> Entry {
        self.key |= lane as u128 + 1;
        self
    }
}

/// A first-in first-out lane of the calendar, for timers that expire in the order they are
/// set (see [`super::timers::TimerLanes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lane(pub u16);

impl Lane {
    /// How many lanes a calendar has at most.
    pub const COUNT: usize = TAG_MASK as usize;
}

/// The timers of a lane behind its front (which waits in the calendar's heap of fronts).
#[derive(Debug, Default)]
struct LaneQueue {
    behind: VecDeque<Entry>,
    /// The key of the lane's last timer (its front when `behind` is empty), without its
    /// tag; `None` when the lane is empty.
    back: Option<u128>,
}

/// The future events, earliest first, ties in scheduling order.
///
/// Every event gets a key `time << 64 | sequence << 16 | tag` from one counter. Two queues
/// hold them: a small 4-ary heap of fronts (the next arrival of each call type, and the
/// earliest timer of each non-empty lane) and a [`MonotoneQueue`] of everything else
/// (service ends and timers: a 4-ary heap while it holds a few hundred, a radix heap beyond,
/// whose cost does not grow with the events pending). A lane holds, in order, the timers of
/// a source whose delay is constant, so their keys only grow: only its front is in a queue
/// (tagged with the lane), and its next timer takes its place when it is popped. Popping
/// takes the smaller of the two tops, so the order is exactly that of a single heap, while
/// the large queue sees a third fewer operations and a lane's timers cost O(1) however many
/// are pending.
///
/// **Invariant:** sequence numbers are unique and stay below 2⁴⁸ (no replication schedules
/// 2.8 × 10¹⁴ events), so the order is total and a run is a pure function of its inputs.
/// No event is scheduled before the last one popped (the monotone queue relies on it).
/// Keys increase along a lane: a timer that would break this goes to the large queue.
#[derive(Debug, Default)]
pub struct Calendar {
    fronts: MinHeap<Entry>,
    others: MonotoneQueue<Entry>,
    lanes: Vec<LaneQueue>,
    /// The next sequence number, shifted into place (`sequence << 16`).
    next_seq: u64,
}

impl Calendar {
    /// An empty calendar with room for `capacity` events before it allocates.
    pub fn with_capacity(capacity: usize) -> Calendar {
        Calendar {
            fronts: MinHeap::with_capacity(16),
            others: MonotoneQueue::with_capacity(capacity),
            lanes: Vec::new(),
            next_seq: 0,
        }
    }

    /// The entry of `event` at `time`, with the next sequence number and no tag.
    #[inline]
    fn entry(&mut self, time: SimTime, event: Event) -> Entry {
        debug_assert!(
            self.next_seq < u64::MAX - (1 << TAG_BITS),
            "2^48 events scheduled"
        );
        let key = ((time.0 as u128) << 64) | self.next_seq as u128;
        self.next_seq += 1 << TAG_BITS;
        Entry { key, event }
    }

    /// Schedules `event` at `time`.
    #[inline(always)]
    pub fn schedule(&mut self, time: SimTime, event: Event) {
        let entry = self.entry(time, event);
        match event {
            Event::Arrival { .. } | Event::Replay { .. } => self.fronts.push(entry),
            _ => self.others.push(entry),
        }
    }

    /// Schedules the timer `event` at `time`, in `lane` when it has one: the same order as
    /// [`Calendar::schedule`], at O(1) when the lane's timers are set in time order.
    #[inline]
    pub fn schedule_timer(&mut self, lane: Option<Lane>, time: SimTime, event: Event) {
        match lane {
            None => self.schedule(time, event),
            Some(lane) => self.schedule_in_lane(lane, time, event),
        }
    }

    #[inline(never)]
    fn schedule_in_lane(&mut self, Lane(lane): Lane, time: SimTime, event: Event) {
        let entry = self.entry(time, event);
        if lane as usize >= self.lanes.len() {
            self.lanes
                .resize_with(lane as usize + 1, LaneQueue::default);
        }
        let queue = &mut self.lanes[lane as usize];
        let key = entry.key;
        match queue.back {
            None => self.fronts.push(entry.front_of(lane)),
            Some(back) if back < key => queue.behind.push_back(entry),
            // Set out of order (a replayed or slowed-down time): the large queue keeps the order.
            Some(_) => return self.others.push(entry),
        }
        queue.back = Some(key);
    }

    /// The time of the earliest event, if any.
    #[inline(always)]
    pub fn next_time(&self) -> Option<SimTime> {
        let key = match (self.fronts.min_key(), self.others.min_key()) {
            (Some(f), Some(o)) => f.min(o),
            (Some(f), None) => f,
            (None, Some(o)) => o,
            (None, None) => return None,
        };
        Some(SimTime((key >> 64) as u64))
    }

    /// Removes and returns the earliest event.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(SimTime, Event)> {
        let front_first = match (self.fronts.min_key(), self.others.min_key()) {
            (Some(f), Some(o)) => f < o,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        let entry = if front_first {
            self.fronts.pop()
        } else {
            self.others.pop()
        }?;
        let tag = (entry.key & TAG_MASK) as u16;
        if tag != 0 {
            self.advance_lane(tag - 1);
        }
        Some((SimTime((entry.key >> 64) as u64), entry.event))
    }

    /// The front of `lane` was popped: its next timer, if any, becomes the front.
    #[inline(never)]
    fn advance_lane(&mut self, lane: u16) {
        let queue = &mut self.lanes[lane as usize];
        match queue.behind.pop_front() {
            Some(next) => self.fronts.push(next.front_of(lane)),
            None => queue.back = None,
        }
    }

    /// Number of scheduled events.
    pub fn len(&self) -> usize {
        let behind: usize = self.lanes.iter().map(|l| l.behind.len()).sum();
        self.fronts.len() + self.others.len() + behind
    }

    /// Whether no event is scheduled.
    pub fn is_empty(&self) -> bool {
        self.fronts.is_empty() && self.others.is_empty()
    }

    /// Every scheduled event with its time, in no particular order (for state queries).
    pub fn events(&self) -> impl Iterator<Item = (SimTime, Event)> + '_ {
        self.fronts
            .iter()
            .chain(self.others.iter())
            .chain(self.lanes.iter().flat_map(|l| l.behind.iter()))
            .map(|e| (SimTime((e.key >> 64) as u64), e.event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngCore, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn pops_in_time_order_and_ties_in_scheduling_order() {
        let mut c = Calendar::with_capacity(4);
        c.schedule(SimTime(20), Event::Arrival { call_type: 0 });
        c.schedule(SimTime(10), Event::ServiceEnd { contact: 1 });
        c.schedule(SimTime(20), Event::ServiceEnd { contact: 2 });
        c.schedule(SimTime(10), Event::ServiceEnd { contact: 3 });
        let order: Vec<_> = std::iter::from_fn(|| c.pop()).collect();
        assert_eq!(
            order,
            vec![
                (SimTime(10), Event::ServiceEnd { contact: 1 }),
                (SimTime(10), Event::ServiceEnd { contact: 3 }),
                (SimTime(20), Event::Arrival { call_type: 0 }),
                (SimTime(20), Event::ServiceEnd { contact: 2 }),
            ]
        );
    }

    #[test]
    fn pops_exactly_as_a_heap_keyed_by_time_and_sequence() {
        use std::collections::BTreeSet;
        // Pushes at random times from now on (many ties, gaps of every size), to the heap or
        // to lanes, interleaved with pops, against an ordered set of (time, sequence).
        let mut calendar = Calendar::with_capacity(4);
        let mut reference = BTreeSet::new();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(0x2545_f491_4f6c_dd1d);
        let mut random = move || rng.next_u64();
        let (mut now, mut seq) = (0u64, 0u32);
        // Enough pushes that the heap of timers grows past the switch to a radix heap, and
        // the final pops take it back.
        for _ in 0..60_000 {
            let r = random();
            if r % 5 < 3 || reference.is_empty() {
                let gap = match r % 7 {
                    0 => 0,
                    1 => random() % 4,
                    2 => random() >> (random() % 64),
                    _ => random() % 1_000_000,
                };
                // Every other timer goes to a lane: constant delays (0, 3, 500,000 ns,
                // "never"), or random ones, which the lane must hand to the heap when they
                // come out of order.
                let event = Event::ServiceEnd { contact: seq };
                let time = match random() % 10 {
                    lane @ 0..=3 => {
                        let delay = [0, 3, 500_000, u64::MAX][lane as usize];
                        let time = now.saturating_add(delay);
                        calendar.schedule_timer(Some(Lane(lane as u16 * 2)), SimTime(time), event);
                        time
                    }
                    4 => {
                        let time = now.saturating_add(gap);
                        calendar.schedule_timer(Some(Lane(1)), SimTime(time), event);
                        time
                    }
                    _ => {
                        let time = now.saturating_add(gap);
                        calendar.schedule_timer(None, SimTime(time), event);
                        time
                    }
                };
                reference.insert((time, seq));
                seq += 1;
            } else {
                let (time, contact) = reference.pop_first().unwrap();
                assert_eq!(calendar.next_time(), Some(SimTime(time)));
                assert_eq!(
                    calendar.pop(),
                    Some((SimTime(time), Event::ServiceEnd { contact }))
                );
                now = time;
            }
            assert_eq!(calendar.len(), reference.len());
            if seq % 512 == 0 {
                let mut events: Vec<(u64, u32)> = calendar
                    .events()
                    .map(|(time, event)| match event {
                        Event::ServiceEnd { contact } => (time.0, contact),
                        other => panic!("unexpected {other:?}"),
                    })
                    .collect();
                events.sort_unstable();
                assert!(events.iter().eq(reference.iter()));
            }
        }
        assert!(calendar.others.is_radix(), "{} pending", calendar.len());
        while let Some((time, contact)) = reference.pop_first() {
            assert_eq!(
                calendar.pop(),
                Some((SimTime(time), Event::ServiceEnd { contact }))
            );
        }
        assert!(!calendar.others.is_radix());
        assert!(calendar.is_empty() && calendar.pop().is_none());
    }
}
