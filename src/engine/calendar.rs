//! The event calendar: a priority queue of small `Copy` events in exact time order.

use dary_heap::QuaternaryHeap;
use std::cmp::Ordering;

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
    /// A group's available headcount changes (interval, shift or break boundary).
    StaffingChange {
        /// The group.
        group: u32,
        /// Index of the change point in the group's staffing.
        interval: u32,
    },
}

/// An event with its time and its insertion sequence number, which breaks ties: events at
/// the same instant happen in the order they were scheduled.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// `time << 64 | seq`: one comparison orders by time, then by sequence.
    key: u128,
    event: Event,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    /// Reversed, so that the max-heap pops the earliest entry.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// The future events, earliest first, ties in scheduling order.
///
/// Two heaps share one sequence counter: one for arrivals (at most one pending per call
/// type, so it stays tiny) and one for everything else (service ends and timers). Popping
/// takes the smaller of the two tops, so the order is exactly that of a single heap, while
/// the large heap sees a third fewer operations.
///
/// **Invariant:** keys are unique (the sequence number only grows), so the order is total
/// and a run is a pure function of its inputs.
#[derive(Debug, Default)]
pub struct Calendar {
    arrivals: QuaternaryHeap<Entry>,
    others: QuaternaryHeap<Entry>,
    next_seq: u64,
}

impl Calendar {
    /// An empty calendar with room for `capacity` events before it allocates.
    pub fn with_capacity(capacity: usize) -> Calendar {
        Calendar {
            arrivals: QuaternaryHeap::with_capacity(16),
            others: QuaternaryHeap::with_capacity(capacity),
            next_seq: 0,
        }
    }

    /// Schedules `event` at `time`.
    #[inline]
    pub fn schedule(&mut self, time: SimTime, event: Event) {
        let key = ((time.0 as u128) << 64) | self.next_seq as u128;
        self.next_seq += 1;
        let entry = Entry { key, event };
        match event {
            Event::Arrival { .. } | Event::Replay { .. } => self.arrivals.push(entry),
            _ => self.others.push(entry),
        }
    }

    /// The time of the earliest event, if any.
    #[inline]
    pub fn next_time(&self) -> Option<SimTime> {
        let key = match (self.arrivals.peek(), self.others.peek()) {
            (Some(a), Some(o)) => a.key.min(o.key),
            (Some(a), None) => a.key,
            (None, Some(o)) => o.key,
            (None, None) => return None,
        };
        Some(SimTime((key >> 64) as u64))
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, Event)> {
        let arrival_first = match (self.arrivals.peek(), self.others.peek()) {
            (Some(a), Some(o)) => a.key < o.key,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        let entry = if arrival_first {
            self.arrivals.pop()
        } else {
            self.others.pop()
        }?;
        Some((SimTime((entry.key >> 64) as u64), entry.event))
    }

    /// Number of scheduled events.
    pub fn len(&self) -> usize {
        self.arrivals.len() + self.others.len()
    }

    /// Whether no event is scheduled.
    pub fn is_empty(&self) -> bool {
        self.arrivals.is_empty() && self.others.is_empty()
    }

    /// Every scheduled event with its time, in no particular order (for state queries).
    pub fn events(&self) -> impl Iterator<Item = (SimTime, Event)> + '_ {
        self.arrivals
            .iter()
            .chain(self.others.iter())
            .map(|e| (SimTime((e.key >> 64) as u64), e.event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // Pushes at random times from now on (many ties, gaps of every size), interleaved
        // with pops, against an ordered set of (time, sequence).
        let mut calendar = Calendar::with_capacity(4);
        let mut reference = BTreeSet::new();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut random = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let (mut now, mut seq) = (0u64, 0u32);
        for _ in 0..20_000 {
            let r = random();
            if r % 5 < 3 || reference.is_empty() {
                let gap = match r % 7 {
                    0 => 0,
                    1 => random() % 4,
                    2 => random() >> (random() % 64),
                    _ => random() % 1_000_000,
                };
                let time = now.saturating_add(gap);
                calendar.schedule(SimTime(time), Event::ServiceEnd { contact: seq });
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
        }
        while let Some((time, contact)) = reference.pop_first() {
            assert_eq!(
                calendar.pop(),
                Some((SimTime(time), Event::ServiceEnd { contact }))
            );
        }
        assert!(calendar.is_empty() && calendar.pop().is_none());
    }
}
