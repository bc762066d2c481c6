//! Waiting calls: a slab of slots, and one FIFO queue per call type threaded through it.
//!
//! The queues are intrusive doubly linked lists, so an abandoning caller leaves its queue in
//! O(1) wherever it stands, and the front of each queue is always a live call. Slots are
//! reused; each has a generation that changes on reuse, so a patience timer set for an
//! earlier occupant is recognised as stale.

use crate::time::SimTime;

/// "No slot": the end of a list.
const NIL: u32 = u32::MAX;

/// A caller in the queue.
#[derive(Debug, Clone, Copy)]
pub struct WaitingCall {
    /// Its call type.
    pub call_type: u32,
    /// When it arrived.
    pub arrival: SimTime,
    /// Its handle time, drawn when it arrived (common random numbers).
    pub handle: SimTime,
    /// Its statistics cell, or [`crate::stats::NOT_COUNTED`] for a warm-up call.
    pub cell: u32,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    call: WaitingCall,
    generation: u32,
    prev: u32,
    next: u32,
    waiting: bool,
}

#[derive(Debug, Clone, Copy)]
struct Queue {
    head: u32,
    tail: u32,
    len: u32,
}

/// All waiting calls, by call type, in arrival order.
#[derive(Debug)]
pub struct Queues {
    slots: Vec<Slot>,
    free: Vec<u32>,
    queues: Vec<Queue>,
    /// Calls waiting per type (mirrors `queues[t].len`, as a slice routers can read).
    waiting: Vec<u32>,
    /// Arrival of each type's front call, [`SimTime::NEVER`] if none.
    oldest: Vec<SimTime>,
}

impl Queues {
    /// Empty queues for `types` call types.
    pub fn new(types: usize) -> Queues {
        Queues {
            slots: Vec::with_capacity(1024),
            free: Vec::with_capacity(1024),
            queues: vec![
                Queue {
                    head: NIL,
                    tail: NIL,
                    len: 0
                };
                types
            ],
            waiting: vec![0; types],
            oldest: vec![SimTime::NEVER; types],
        }
    }

    /// Puts `call` at the back of its type's queue; returns its slot and generation.
    #[inline]
    pub fn push(&mut self, call: WaitingCall) -> (u32, u32) {
        let t = call.call_type as usize;
        let tail = self.queues[t].tail;
        let id = match self.free.pop() {
            Some(id) => {
                let slot = &mut self.slots[id as usize];
                slot.call = call;
                slot.prev = tail;
                slot.next = NIL;
                slot.waiting = true;
                id
            }
            None => {
                self.slots.push(Slot {
                    call,
                    generation: 0,
                    prev: tail,
                    next: NIL,
                    waiting: true,
                });
                (self.slots.len() - 1) as u32
            }
        };
        let queue = &mut self.queues[t];
        if tail == NIL {
            queue.head = id;
            self.oldest[t] = call.arrival;
        } else {
            self.slots[tail as usize].next = id;
        }
        queue.tail = id;
        queue.len += 1;
        self.waiting[t] += 1;
        (id, self.slots[id as usize].generation)
    }

    /// Removes and returns the longest-waiting call of `call_type`.
    #[inline]
    pub fn pop_front(&mut self, call_type: u32) -> Option<WaitingCall> {
        let head = self.queues[call_type as usize].head;
        (head != NIL).then(|| self.remove(head))
    }

    /// The waiting call in `slot` if the timer's `generation` is still current.
    #[inline]
    pub fn live(&self, slot: u32, generation: u32) -> bool {
        let s = &self.slots[slot as usize];
        s.waiting && s.generation == generation
    }

    /// Removes the call in `slot` from its queue (wherever it stands) and frees the slot.
    #[inline]
    pub fn remove(&mut self, slot: u32) -> WaitingCall {
        let s = self.slots[slot as usize];
        debug_assert!(s.waiting);
        let t = s.call.call_type as usize;
        if s.prev == NIL {
            self.queues[t].head = s.next;
        } else {
            self.slots[s.prev as usize].next = s.next;
        }
        if s.next == NIL {
            self.queues[t].tail = s.prev;
        } else {
            self.slots[s.next as usize].prev = s.prev;
        }
        let queue = &mut self.queues[t];
        queue.len -= 1;
        self.waiting[t] -= 1;
        self.oldest[t] = if queue.head == NIL {
            SimTime::NEVER
        } else {
            self.slots[queue.head as usize].call.arrival
        };
        let freed = &mut self.slots[slot as usize];
        freed.waiting = false;
        freed.generation = freed.generation.wrapping_add(1);
        self.free.push(slot);
        s.call
    }

    /// Calls waiting per type.
    #[inline]
    pub fn waiting(&self) -> &[u32] {
        &self.waiting
    }

    /// Arrival time of each type's longest-waiting call.
    #[inline]
    pub fn oldest_arrivals(&self) -> &[SimTime] {
        &self.oldest
    }

    /// The calls of `call_type` waiting now, longest-waiting first (for state queries).
    pub fn iter(&self, call_type: u32) -> impl Iterator<Item = &WaitingCall> + '_ {
        let mut slot = self.queues[call_type as usize].head;
        std::iter::from_fn(move || {
            (slot != NIL).then(|| {
                let s = &self.slots[slot as usize];
                slot = s.next;
                &s.call
            })
        })
    }

    /// Takes every call still waiting, type by type, in arrival order.
    pub fn drain(&mut self) -> Vec<WaitingCall> {
        let mut left = Vec::new();
        for t in 0..self.queues.len() as u32 {
            while let Some(call) = self.pop_front(t) {
                left.push(call);
            }
        }
        left
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(call_type: u32, arrival: u64) -> WaitingCall {
        WaitingCall {
            call_type,
            arrival: SimTime(arrival),
            handle: SimTime(1),
            cell: 0,
        }
    }

    #[test]
    fn fifo_per_type_with_removal_from_the_middle() {
        let mut q = Queues::new(2);
        let (a, _) = q.push(call(0, 1));
        let (b, gen_b) = q.push(call(0, 2));
        let (_c, _) = q.push(call(1, 3));
        let (_d, _) = q.push(call(0, 4));
        assert_eq!(q.waiting(), &[3, 1]);
        assert_eq!(q.oldest_arrivals()[0], SimTime(1));
        q.remove(b);
        assert!(!q.live(b, gen_b));
        assert_eq!(q.pop_front(0).unwrap().arrival, SimTime(1));
        assert_eq!(q.oldest_arrivals()[0], SimTime(4));
        // The freed slot is reused with a new generation: the old timer stays stale.
        let (e, gen_e) = q.push(call(0, 5));
        assert!(e == a || e == b);
        assert!(q.live(e, gen_e));
        assert_eq!(q.pop_front(0).unwrap().arrival, SimTime(4));
        assert_eq!(q.pop_front(0).unwrap().arrival, SimTime(5));
        assert!(q.pop_front(0).is_none());
        assert_eq!(q.oldest_arrivals()[0], SimTime::NEVER);
        assert_eq!(q.drain().len(), 1);
        assert_eq!(q.waiting(), &[0, 0]);
    }
}
