//! Waiting calls: a slab of slots, and one FIFO queue per call class threaded through it.
//!
//! The queues are intrusive doubly linked lists, so an abandoning caller leaves its queue in
//! O(1) wherever it stands, and the front of each queue is always a live call. Slots are
//! reused; each has a generation that changes on reuse, so a patience timer set for an
//! earlier occupant is recognised as stale.

use crate::dist::CallerDraws;
use crate::time::SimTime;

/// "No slot": the end of a list.
const NIL: u32 = u32::MAX;

/// A caller in the queue.
#[derive(Debug, Clone, Copy)]
pub struct WaitingCall {
    /// Its call class (type, or tier of a type): the queue it waits in.
    pub class: u32,
    /// Its call type.
    pub call_type: u32,
    /// When it joined the queue (or arrived, before that): waits count from here.
    pub arrival: SimTime,
    /// When it reached the centre (before the IVR).
    pub entered: SimTime,
    /// Its handle time, drawn when it arrived (common random numbers).
    pub handle: SimTime,
    /// Its statistics cell, or [`crate::stats::NOT_COUNTED`] for a warm-up call.
    pub cell: u32,
    /// Its patience for this attempt, drawn on arrival ([`SimTime::NEVER`]: none).
    pub patience: SimTime,
    /// Which attempt of the caller this is (1 = first).
    pub attempt: u32,
    /// The call type whose line it holds, or [`NO_LINE`].
    pub line: u32,
    /// The caller's own random numbers for everything after its first arrival.
    pub draws: CallerDraws,
}

/// A call that holds no line (trunk).
pub const NO_LINE: u32 = u32::MAX;

/// Where a call in the slab is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The slot is free.
    Free,
    /// In its class's queue.
    Waiting,
    /// In the IVR.
    Ivr,
    /// Between attempts: about to redial or call again.
    Redialing,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    call: WaitingCall,
    generation: u32,
    prev: u32,
    next: u32,
    place: Place,
}

#[derive(Debug, Clone, Copy)]
struct Queue {
    head: u32,
    tail: u32,
    len: u32,
}

/// All waiting calls, by call class, in arrival order.
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
    /// Empty queues for `classes` call classes.
    pub fn new(classes: usize) -> Queues {
        Queues {
            slots: Vec::with_capacity(1024),
            free: Vec::with_capacity(1024),
            queues: vec![
                Queue {
                    head: NIL,
                    tail: NIL,
                    len: 0
                };
                classes
            ],
            waiting: vec![0; classes],
            oldest: vec![SimTime::NEVER; classes],
        }
    }

    /// Keeps `call` in a slot outside the queues (in the IVR, or between attempts); returns
    /// its slot and generation.
    #[inline]
    pub fn park(&mut self, call: WaitingCall, place: Place) -> (u32, u32) {
        debug_assert!(place != Place::Waiting && place != Place::Free);
        let id = self.allocate(call, place);
        (id, self.slots[id as usize].generation)
    }

    /// Whether `slot` still holds, at `place`, the call a timer with `generation` was set for.
    #[inline]
    pub fn parked(&self, slot: u32, generation: u32, place: Place) -> bool {
        let s = &self.slots[slot as usize];
        s.place == place && s.generation == generation
    }

    /// Takes a parked call out of its slot and frees the slot.
    #[inline]
    pub fn take(&mut self, slot: u32) -> WaitingCall {
        let s = &mut self.slots[slot as usize];
        debug_assert!(s.place != Place::Waiting && s.place != Place::Free);
        s.place = Place::Free;
        s.generation = s.generation.wrapping_add(1);
        self.free.push(slot);
        s.call
    }

    fn allocate(&mut self, call: WaitingCall, place: Place) -> u32 {
        match self.free.pop() {
            Some(id) => {
                let slot = &mut self.slots[id as usize];
                slot.call = call;
                slot.prev = NIL;
                slot.next = NIL;
                slot.place = place;
                id
            }
            None => {
                self.slots.push(Slot {
                    call,
                    generation: 0,
                    prev: NIL,
                    next: NIL,
                    place,
                });
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// Puts `call` at the back of its class's queue; returns its slot and generation.
    #[inline(always)]
    pub fn push(&mut self, call: WaitingCall) -> (u32, u32) {
        let t = call.class as usize;
        let tail = self.queues[t].tail;
        let id = self.allocate(call, Place::Waiting);
        self.slots[id as usize].prev = tail;
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

    /// Removes and returns the longest-waiting call of `class`.
    #[inline(always)]
    pub fn pop_front(&mut self, class: u32) -> Option<WaitingCall> {
        let head = self.queues[class as usize].head;
        (head != NIL).then(|| self.remove(head))
    }

    /// Whether `slot` still holds the waiting call a timer with `generation` was set for.
    #[inline]
    pub fn live(&self, slot: u32, generation: u32) -> bool {
        let s = &self.slots[slot as usize];
        s.place == Place::Waiting && s.generation == generation
    }

    /// Arrival time of the call in `slot`.
    #[inline]
    pub fn arrival(&self, slot: u32) -> SimTime {
        self.slots[slot as usize].call.arrival
    }

    /// The patience of the call in `slot` for this attempt, from its arrival
    /// ([`SimTime::NEVER`]: none, or not known, as for a caller restored from a state).
    #[inline]
    pub fn patience(&self, slot: u32) -> SimTime {
        self.slots[slot as usize].call.patience
    }

    /// Class of the call in `slot`.
    #[inline]
    pub fn class(&self, slot: u32) -> u32 {
        self.slots[slot as usize].call.class
    }

    /// Removes the call in `slot` from its queue (wherever it stands) and frees the slot.
    #[inline(always)]
    pub fn remove(&mut self, slot: u32) -> WaitingCall {
        let s = self.slots[slot as usize];
        debug_assert!(s.place == Place::Waiting);
        let t = s.call.class as usize;
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
        freed.place = Place::Free;
        freed.generation = freed.generation.wrapping_add(1);
        self.free.push(slot);
        s.call
    }

    /// Calls waiting per class.
    #[inline]
    pub fn waiting(&self) -> &[u32] {
        &self.waiting
    }

    /// Arrival time of each class's longest-waiting call.
    #[inline]
    pub fn oldest_arrivals(&self) -> &[SimTime] {
        &self.oldest
    }

    /// The calls of `class` waiting now, longest-waiting first (for state queries).
    pub fn iter(&self, class: u32) -> impl Iterator<Item = &WaitingCall> + '_ {
        let mut slot = self.queues[class as usize].head;
        std::iter::from_fn(move || {
            (slot != NIL).then(|| {
                let s = &self.slots[slot as usize];
                slot = s.next;
                &s.call
            })
        })
    }

    /// The calls parked outside the queues (in the IVR, between two calls), with where
    /// each is, in slot order (for state queries).
    pub fn parked_calls(&self) -> impl Iterator<Item = (Place, &WaitingCall)> + '_ {
        self.slots
            .iter()
            .filter(|s| matches!(s.place, Place::Ivr | Place::Redialing))
            .map(|s| (s.place, &s.call))
    }

    /// Takes every call still waiting, class by class, in arrival order.
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

    fn call(class: u32, arrival: u64) -> WaitingCall {
        WaitingCall {
            class,
            call_type: 0,
            arrival: SimTime(arrival),
            entered: SimTime(arrival),
            handle: SimTime(1),
            cell: 0,
            patience: SimTime::NEVER,
            attempt: 1,
            line: NO_LINE,
            draws: CallerDraws::new(0, 0, 0, arrival),
        }
    }

    #[test]
    fn fifo_per_class_with_removal_from_the_middle() {
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
        // Parked calls are outside the queues.
        let (p, gen_p) = q.park(call(1, 9), Place::Ivr);
        assert!(q.parked(p, gen_p, Place::Ivr) && !q.live(p, gen_p));
        assert_eq!(q.waiting(), &[0, 0]);
        assert_eq!(q.take(p).arrival, SimTime(9));
        assert!(!q.parked(p, gen_p, Place::Ivr));
        assert_eq!(q.waiting(), &[0, 0]);
    }
}
