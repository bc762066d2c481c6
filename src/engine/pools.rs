//! Agents, by group: who is idle (longest-idle first), who is busy, who is on the floor.
//!
//! Headcount changes are by count: when it drops, idle agents leave at once and busy ones
//! leave as they finish their call; when it rises, agents still due to leave stay, then new
//! agents arrive.

use std::collections::VecDeque;

/// One agent slot.
#[derive(Debug, Clone, Copy)]
pub struct Agent {
    /// The agent's group.
    pub group: u32,
    /// The call type being served (meaningful while busy).
    pub serving: u32,
}

/// One group's agents.
#[derive(Debug)]
struct Pool {
    /// Idle agents, longest idle at the front.
    idle: VecDeque<u32>,
    /// Agent slots of this group not on the floor.
    off: Vec<u32>,
    /// Agents on the floor: idle + busy.
    present: u32,
    /// Busy agents who leave when they finish (the headcount dropped under them).
    leaving: u32,
}

/// Every group's agents.
#[derive(Debug)]
pub struct Pools {
    agents: Vec<Agent>,
    pools: Vec<Pool>,
    /// Idle agents per group (mirrors `pools[g].idle.len()`, as a slice routers can read).
    idle_counts: Vec<u32>,
}

/// How a staffing change went: agents who arrived (and are idle, ready for waiting calls).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrived(pub u32);

impl Pools {
    /// Pools with `slots[g]` agent slots for group `g` (its largest headcount), all off.
    pub fn new(slots: &[u32]) -> Pools {
        let mut agents = Vec::new();
        let pools = slots
            .iter()
            .enumerate()
            .map(|(g, &n)| {
                let first = agents.len() as u32;
                agents.extend((0..n).map(|_| Agent {
                    group: g as u32,
                    serving: 0,
                }));
                Pool {
                    idle: VecDeque::with_capacity(n as usize),
                    // Reversed so that slots are handed out in ascending order.
                    off: (first..first + n).rev().collect(),
                    present: 0,
                    leaving: 0,
                }
            })
            .collect();
        Pools {
            agents,
            pools,
            idle_counts: vec![0; slots.len()],
        }
    }

    /// Idle agents per group.
    #[inline]
    pub fn idle_counts(&self) -> &[u32] {
        &self.idle_counts
    }

    /// Agents on the floor in `group` (idle or busy, including those due to leave).
    #[inline]
    pub fn present(&self, group: u32) -> u32 {
        self.pools[group as usize].present
    }

    /// The agent in slot `agent`.
    #[inline]
    pub fn agent(&self, agent: u32) -> Agent {
        self.agents[agent as usize]
    }

    /// The longest-idle agent of `group` starts serving `call_type`; `None` if none is idle.
    #[inline]
    pub fn take_idle(&mut self, group: u32, call_type: u32) -> Option<u32> {
        let agent = self.pools[group as usize].idle.pop_front()?;
        self.idle_counts[group as usize] -= 1;
        self.agents[agent as usize].serving = call_type;
        Some(agent)
    }

    /// A busy agent finished a call. Returns `false` if the agent left (its group is over
    /// headcount); otherwise the agent is free, but not yet idle: the caller either gives
    /// it a call ([`Pools::keep_busy`]) or makes it idle ([`Pools::make_idle`]).
    #[inline]
    pub fn finish(&mut self, agent: u32) -> bool {
        let group = self.agents[agent as usize].group as usize;
        let pool = &mut self.pools[group];
        if pool.leaving > 0 {
            pool.leaving -= 1;
            pool.present -= 1;
            pool.off.push(agent);
            false
        } else {
            true
        }
    }

    /// A free agent goes straight on to a call of `call_type`.
    #[inline]
    pub fn keep_busy(&mut self, agent: u32, call_type: u32) {
        self.agents[agent as usize].serving = call_type;
    }

    /// A free agent becomes idle (the most recently idle of its group).
    #[inline]
    pub fn make_idle(&mut self, agent: u32) {
        let group = self.agents[agent as usize].group as usize;
        self.pools[group].idle.push_back(agent);
        self.idle_counts[group] += 1;
    }

    /// Agent slots of `group`: on the floor or off (the largest headcount it can reach).
    pub fn slots(&self, group: u32) -> u32 {
        let pool = &self.pools[group as usize];
        pool.present + pool.off.len() as u32
    }

    /// Busy agents of `group` who leave when they finish their call.
    pub fn leaving(&self, group: u32) -> u32 {
        self.pools[group as usize].leaving
    }

    /// Adds agent slots (off the floor) so that `group` has at least `slots`: for headcounts
    /// beyond the schedule's largest. Never called per event.
    pub fn grow(&mut self, group: u32, slots: u32) {
        let missing = slots.saturating_sub(self.slots(group));
        for _ in 0..missing {
            let id = self.agents.len() as u32;
            self.agents.push(Agent { group, serving: 0 });
            self.pools[group as usize].off.insert(0, id);
        }
    }

    /// Sets `group`'s headcount to `target`. Returns how many new agents arrived (idle).
    pub fn set_headcount(&mut self, group: u32, target: u32) -> Arrived {
        let g = group as usize;
        let pool = &mut self.pools[g];
        let effective = pool.present - pool.leaving;
        if target >= effective {
            let mut missing = target - effective;
            let stay = missing.min(pool.leaving);
            pool.leaving -= stay;
            missing -= stay;
            for _ in 0..missing {
                let agent = pool
                    .off
                    .pop()
                    .expect("agent slots cover the largest headcount");
                pool.idle.push_back(agent);
            }
            pool.present += missing;
            self.idle_counts[g] += missing;
            Arrived(missing)
        } else {
            let mut surplus = effective - target;
            while surplus > 0 {
                // The most recently idle leave first.
                let Some(agent) = pool.idle.pop_back() else {
                    break;
                };
                pool.off.push(agent);
                pool.present -= 1;
                self.idle_counts[g] -= 1;
                surplus -= 1;
            }
            pool.leaving += surplus;
            Arrived(0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_idle_first_and_headcount_changes() {
        let mut p = Pools::new(&[3]);
        assert_eq!(p.set_headcount(0, 2), Arrived(2));
        let a = p.take_idle(0, 0).unwrap();
        let b = p.take_idle(0, 0).unwrap();
        assert!(p.take_idle(0, 0).is_none());
        // Headcount drops to 1 while both are busy: the first to finish leaves.
        p.set_headcount(0, 1);
        assert_eq!(p.present(0), 2);
        assert!(!p.finish(b));
        assert_eq!(p.present(0), 1);
        assert!(p.finish(a));
        p.make_idle(a);
        assert_eq!(p.idle_counts(), &[1]);
        // Rising to 3: two new agents, idle behind `a`, who has waited longest.
        assert_eq!(p.set_headcount(0, 3), Arrived(2));
        assert_eq!(p.take_idle(0, 0), Some(a));
        // Dropping to 1 with `a` busy: two idle agents leave at once.
        p.set_headcount(0, 1);
        assert_eq!(p.idle_counts(), &[0]);
        assert_eq!(p.present(0), 1);
    }

    #[test]
    fn rising_headcount_cancels_pending_departures_first() {
        let mut p = Pools::new(&[2]);
        p.set_headcount(0, 2);
        let a = p.take_idle(0, 0).unwrap();
        let _b = p.take_idle(0, 0).unwrap();
        p.set_headcount(0, 0);
        assert_eq!(p.set_headcount(0, 1), Arrived(0));
        assert!(!p.finish(a), "one of the two still leaves");
        assert_eq!(p.present(0), 1);
    }
}
