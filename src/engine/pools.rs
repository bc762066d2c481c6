//! Agents, by group: who is idle (longest-idle first), who is busy, who is on the floor.
//!
//! Headcount changes are by count: when it drops, idle agents leave at once and busy ones
//! leave as they finish their call; when it rises, agents still due to leave stay, then new
//! agents arrive.

use std::collections::VecDeque;

use crate::time::SimTime;

/// One agent slot.
#[derive(Debug, Clone, Copy)]
pub struct Agent {
    /// The agent's group.
    pub group: u32,
    /// The call class being served (meaningful while busy).
    pub serving: u32,
    /// Since when the agent has been idle (meaningful while idle).
    pub idle_since: SimTime,
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
    /// Since when each group's longest-idle agent has been idle; NEVER if none is idle.
    longest_idle_since: Vec<SimTime>,
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
                    idle_since: SimTime::ZERO,
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
            longest_idle_since: vec![SimTime::NEVER; slots.len()],
        }
    }

    /// Idle agents per group.
    #[inline]
    pub fn idle_counts(&self) -> &[u32] {
        &self.idle_counts
    }

    /// Since when each group's longest-idle agent has been idle.
    #[inline]
    pub fn longest_idle_since(&self) -> &[SimTime] {
        &self.longest_idle_since
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

    /// The longest-idle agent of `group` starts serving `class`; `None` if none is idle.
    #[inline]
    pub fn take_idle(&mut self, group: u32, class: u32) -> Option<u32> {
        let g = group as usize;
        let agent = self.pools[g].idle.pop_front()?;
        self.idle_counts[g] -= 1;
        self.agents[agent as usize].serving = class;
        self.refresh_longest_idle(g);
        Some(agent)
    }

    #[inline]
    fn refresh_longest_idle(&mut self, g: usize) {
        self.longest_idle_since[g] = match self.pools[g].idle.front() {
            Some(&a) => self.agents[a as usize].idle_since,
            None => SimTime::NEVER,
        };
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

    /// A free agent goes straight on to a call of `class`.
    #[inline]
    pub fn keep_busy(&mut self, agent: u32, class: u32) {
        self.agents[agent as usize].serving = class;
    }

    /// A free agent becomes idle at `now` (the most recently idle of its group).
    #[inline]
    pub fn make_idle(&mut self, agent: u32, now: SimTime) {
        let group = self.agents[agent as usize].group as usize;
        self.agents[agent as usize].idle_since = now;
        self.pools[group].idle.push_back(agent);
        self.idle_counts[group] += 1;
        if self.idle_counts[group] == 1 {
            self.longest_idle_since[group] = now;
        }
    }

    /// Sets `group`'s headcount to `target` at `now`. Returns how many new agents arrived
    /// (idle).
    pub fn set_headcount(&mut self, group: u32, target: u32, now: SimTime) -> Arrived {
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
                self.agents[agent as usize].idle_since = now;
                pool.idle.push_back(agent);
            }
            pool.present += missing;
            self.idle_counts[g] += missing;
            self.refresh_longest_idle(g);
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
            self.refresh_longest_idle(g);
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
        assert_eq!(p.set_headcount(0, 2, SimTime::ZERO), Arrived(2));
        let a = p.take_idle(0, 0).unwrap();
        let b = p.take_idle(0, 0).unwrap();
        assert!(p.take_idle(0, 0).is_none());
        // Headcount drops to 1 while both are busy: the first to finish leaves.
        p.set_headcount(0, 1, SimTime::ZERO);
        assert_eq!(p.present(0), 2);
        assert!(!p.finish(b));
        assert_eq!(p.present(0), 1);
        assert!(p.finish(a));
        p.make_idle(a, SimTime(5));
        assert_eq!(p.longest_idle_since(), &[SimTime(5)]);
        assert_eq!(p.idle_counts(), &[1]);
        // Rising to 3: two new agents, idle behind `a`, who has waited longest.
        assert_eq!(p.set_headcount(0, 3, SimTime::ZERO), Arrived(2));
        assert_eq!(p.take_idle(0, 0), Some(a));
        // Dropping to 1 with `a` busy: two idle agents leave at once.
        p.set_headcount(0, 1, SimTime::ZERO);
        assert_eq!(p.idle_counts(), &[0]);
        assert_eq!(p.present(0), 1);
    }

    #[test]
    fn rising_headcount_cancels_pending_departures_first() {
        let mut p = Pools::new(&[2]);
        p.set_headcount(0, 2, SimTime::ZERO);
        let a = p.take_idle(0, 0).unwrap();
        let _b = p.take_idle(0, 0).unwrap();
        p.set_headcount(0, 0, SimTime::ZERO);
        assert_eq!(p.set_headcount(0, 1, SimTime::ZERO), Arrived(0));
        assert!(!p.finish(a), "one of the two still leaves");
        assert_eq!(p.present(0), 1);
    }
}
