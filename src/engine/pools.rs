//! Agents, by group: who is free (longest idle first), who is busy, who is on the floor.
//!
//! An agent handles up to its group's `capacity` contacts at once (1 for calls; more for
//! chat). Free agents wait in one FIFO per load level (contacts in hand), so the least
//! loaded, longest-waiting agent is taken first; for calls that is exactly longest-idle.
//!
//! Headcount changes are by count: when it drops, idle agents leave at once and busy ones
//! leave as they finish their work; when it rises, agents still due to leave stay, then new
//! agents arrive. A shift's break or end instead sends off agents drawn at random among
//! those on the floor ([`Pools::send_off`]): idle ones at once, busy ones marked to leave
//! as their own contacts end.

use std::collections::VecDeque;

use crate::time::SimTime;

/// One agent slot.
#[derive(Debug, Clone, Copy)]
pub struct Agent {
    /// The agent's group.
    pub group: u32,
    /// The call class last taken (meaningful while busy).
    pub serving: u32,
    /// Since when the agent has been idle (meaningful while idle).
    pub idle_since: SimTime,
    /// Contacts in hand, in `0..=capacity`.
    pub load: u32,
    /// Whether the agent leaves once its contacts are done (takes no more).
    pub leaving: bool,
    /// While leaving for a shift row's break: when the break ends ([`SimTime::NEVER`]
    /// otherwise). An agent still in its call then never left: it stays.
    pub back_at: SimTime,
}

/// Where an agent stands in the free lists: the stamp of its entry (entries with another
/// stamp are stale) and whether it is listed at all.
#[derive(Debug, Clone, Copy, Default)]
struct Listing {
    stamp: u32,
    listed: bool,
}

/// The free agents of one load level, first in first out. A chat agent leaves its level
/// from the middle whenever a contact starts or ends: rather than search the list (linear
/// in the agents), its entry goes stale ([`Listing`]) and is dropped when it reaches an
/// end, or when stale entries outnumber the live ones. The ends are always live, so the
/// order of the live agents, and every agent taken, is that of a plain list.
/// Agents who hold one contact at a time never leave a list from the middle: their lists
/// keep no stamps (`tracked` is false) and cost what a plain list costs.
#[derive(Debug, Default)]
struct FreeList {
    entries: VecDeque<(u32, u32)>,
    live: u32,
    /// Whether agents may leave from the middle (a chat desk's lists).
    tracked: bool,
}

impl FreeList {
    fn with_capacity(n: usize, tracked: bool) -> FreeList {
        FreeList {
            entries: VecDeque::with_capacity(n),
            live: 0,
            tracked,
        }
    }

    #[inline(always)]
    fn len(&self) -> u32 {
        self.live
    }

    #[inline(always)]
    fn is_empty(&self) -> bool {
        self.live == 0
    }

    #[inline(always)]
    fn front(&self) -> Option<u32> {
        self.entries.front().map(|e| e.0)
    }

    /// The entry of `agent`, listed now (stamped when the list is tracked).
    #[inline(always)]
    fn list(&self, listings: &mut [Listing], agent: u32) -> (u32, u32) {
        if !self.tracked {
            return (agent, 0);
        }
        let l = &mut listings[agent as usize];
        l.stamp = l.stamp.wrapping_add(1);
        l.listed = true;
        (agent, l.stamp)
    }

    /// `agent` is off the list (taken from an end).
    #[inline(always)]
    fn unstamp(&self, listings: &mut [Listing], agent: u32) {
        if self.tracked {
            listings[agent as usize].listed = false;
        }
    }

    #[inline(always)]
    fn push_back(&mut self, listings: &mut [Listing], agent: u32) {
        let entry = self.list(listings, agent);
        self.entries.push_back(entry);
        self.live += 1;
    }

    fn push_front(&mut self, listings: &mut [Listing], agent: u32) {
        let entry = self.list(listings, agent);
        self.entries.push_front(entry);
        self.live += 1;
    }

    #[inline(always)]
    fn pop_front(&mut self, listings: &mut [Listing]) -> Option<u32> {
        let (agent, _) = self.entries.pop_front()?;
        self.unstamp(listings, agent);
        self.live -= 1;
        self.trim(listings);
        Some(agent)
    }

    fn pop_back(&mut self, listings: &mut [Listing]) -> Option<u32> {
        let (agent, _) = self.entries.pop_back()?;
        self.unstamp(listings, agent);
        self.live -= 1;
        self.trim(listings);
        Some(agent)
    }

    /// Takes `agent` off the list, if it is on it. An untracked list is searched: its agents
    /// leave from the middle only when a restart places contacts (never per event).
    #[inline(always)]
    fn remove(&mut self, listings: &mut [Listing], agent: u32) {
        if !self.tracked {
            if let Some(i) = self.entries.iter().position(|&(a, _)| a == agent) {
                self.entries.remove(i);
                self.live -= 1;
            }
            return;
        }
        let l = &mut listings[agent as usize];
        if !l.listed {
            return;
        }
        l.listed = false;
        l.stamp = l.stamp.wrapping_add(1);
        self.live -= 1;
        self.trim(listings);
        if self.entries.len() > 2 * self.live as usize + 16 {
            let tracked = self.tracked;
            self.entries
                .retain(|&e| Self::is_live(tracked, listings, e));
        }
    }

    /// Takes every agent marked in `chosen` off the list, in one pass.
    fn remove_all(&mut self, listings: &mut [Listing], chosen: &[bool]) {
        let tracked = self.tracked;
        let mut live = 0;
        self.entries.retain(|&(agent, stamp)| {
            let is_live = Self::is_live(tracked, listings, (agent, stamp));
            if chosen[agent as usize] {
                if is_live && tracked {
                    listings[agent as usize].listed = false;
                }
                return false;
            }
            live += u32::from(is_live);
            true
        });
        self.live = live;
        self.trim(listings);
    }

    /// Whether `entry` still stands for its agent (every entry of an untracked list does).
    #[inline(always)]
    fn is_live(tracked: bool, listings: &[Listing], (agent, stamp): (u32, u32)) -> bool {
        !tracked || {
            let l = listings[agent as usize];
            l.listed && l.stamp == stamp
        }
    }

    /// Drops stale entries at both ends (there are none on a list of calls' agents).
    #[inline(always)]
    fn trim(&mut self, listings: &[Listing]) {
        if self.entries.len() == self.live as usize {
            return;
        }
        let stale = |e: &(u32, u32)| !Self::is_live(self.tracked, listings, *e);
        while self.entries.front().is_some_and(stale) {
            self.entries.pop_front();
        }
        while self.entries.back().is_some_and(stale) {
            self.entries.pop_back();
        }
    }

    /// The live agents, first to last.
    fn iter<'a>(&'a self, listings: &'a [Listing]) -> impl Iterator<Item = u32> + 'a {
        self.entries
            .iter()
            .filter(move |&&e| Self::is_live(self.tracked, listings, e))
            .map(|&(a, _)| a)
    }
}

/// One group's agents.
#[derive(Debug)]
struct Pool {
    /// Contacts an agent may hold at once (≥ 1).
    capacity: u32,
    /// `free[l]`: agents with `l` contacts (l < capacity) and not leaving, longest first.
    free: Vec<FreeList>,
    /// Agent slots of this group not on the floor.
    off: Vec<u32>,
    /// Agents on the floor: free + busy.
    present: u32,
    /// Departures still owed: the next agents to finish work leave.
    leaving: u32,
}

impl Pool {
    /// The load level of the agent that takes the next contact: the least loaded with a
    /// free slot (its list's first is the one taken); `None` if no agent has one.
    #[inline(always)]
    fn least_loaded_level(&self) -> Option<usize> {
        self.free.iter().position(|l| !l.is_empty())
    }

    /// Takes `agent`, with `load` contacts in hand, off the list of free agents it is on
    /// (none when it has no free slot).
    #[inline(always)]
    fn unlist(&mut self, listings: &mut [Listing], agent: u32, load: u32) {
        if load < self.capacity {
            self.free[load as usize].remove(listings, agent);
        }
    }
}

/// Every group's agents.
#[derive(Debug)]
pub struct Pools {
    agents: Vec<Agent>,
    /// Per agent, its entry in the free lists.
    listings: Vec<Listing>,
    pools: Vec<Pool>,
    /// Agents per group that can take a contact now (as a slice routers can read).
    available: Vec<u32>,
    /// Per group, whether the agent [`Pools::take_idle`] would take still has a free slot
    /// once it has taken one more contact (never, for calls).
    keeps_a_slot: Vec<bool>,
    /// Since when each group's longest-idle agent has been idle; NEVER if none is idle.
    longest_idle_since: Vec<SimTime>,
}

/// How a staffing change went: agents who became available for waiting calls (new agents,
/// idle, and chat agents who were winding down and stay).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrived(pub u32);

/// What an agent does when one of its contacts ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// It may take another contact (its slot is still counted until
    /// [`Pools::keep_busy`] or [`Pools::release`]).
    Free,
    /// It is due to leave and still has contacts: it takes no more.
    Leaving,
    /// It has left the floor.
    Left,
}

impl Pools {
    /// Pools with `slots[g]` agent slots for group `g` (its largest headcount), all off;
    /// each agent of group `g` holds up to `capacity[g]` contacts.
    pub fn new(slots: &[u32], capacity: &[u32]) -> Pools {
        let mut agents = Vec::new();
        let pools = slots
            .iter()
            .zip(capacity)
            .enumerate()
            .map(|(g, (&n, &capacity))| {
                let first = agents.len() as u32;
                agents.extend((0..n).map(|_| Agent {
                    group: g as u32,
                    serving: 0,
                    idle_since: SimTime::ZERO,
                    load: 0,
                    leaving: false,
                    back_at: SimTime::NEVER,
                }));
                Pool {
                    capacity: capacity.max(1),
                    free: (0..capacity.max(1))
                        .map(|_| FreeList::with_capacity(n as usize, capacity > 1))
                        .collect(),
                    // Reversed so that slots are handed out in ascending order.
                    off: (first..first + n).rev().collect(),
                    present: 0,
                    leaving: 0,
                }
            })
            .collect();
        Pools {
            listings: vec![Listing::default(); agents.len()],
            agents,
            pools,
            available: vec![0; slots.len()],
            keeps_a_slot: vec![false; slots.len()],
            longest_idle_since: vec![SimTime::NEVER; slots.len()],
        }
    }

    /// Agents per group that can take a contact now.
    #[inline]
    pub fn idle_counts(&self) -> &[u32] {
        &self.available
    }

    /// Per group, whether the agent that takes the next contact still has a free slot
    /// then (a chat agent short of its `max_concurrent`).
    #[inline]
    pub fn keeps_a_slot(&self) -> &[bool] {
        &self.keeps_a_slot
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

    #[inline(always)]
    fn refresh(&mut self, g: usize) {
        let pool = &self.pools[g];
        self.available[g] = match pool.free.as_slice() {
            [only] => only.len(), // calls: one contact per agent
            levels => {
                let least = pool.least_loaded_level();
                self.keeps_a_slot[g] = least.is_some_and(|l| l as u32 + 1 < pool.capacity);
                levels.iter().map(FreeList::len).sum()
            }
        };
        self.longest_idle_since[g] = match pool.free[0].front() {
            Some(a) => self.agents[a as usize].idle_since,
            None => SimTime::NEVER,
        };
    }

    /// The least-loaded, longest-waiting free agent of `group` takes a contact of `class`;
    /// `None` if none is free. Returns the agent; its load is then the contacts in hand.
    #[inline(always)]
    pub fn take_idle(&mut self, group: u32, class: u32) -> Option<u32> {
        let g = group as usize;
        let pool = &mut self.pools[g];
        let level = pool.least_loaded_level()?;
        let listings = &mut self.listings;
        let agent = pool.free[level]
            .pop_front(listings)
            .expect("a non-empty level");
        let a = &mut self.agents[agent as usize];
        a.load += 1;
        a.serving = class;
        if a.load < pool.capacity {
            pool.free[a.load as usize].push_back(listings, agent);
        }
        self.refresh(g);
        Some(agent)
    }

    /// One of an agent's contacts ended. A leaving agent takes no more work and leaves when
    /// its last contact ends.
    #[inline(always)]
    pub fn finish(&mut self, agent: u32) -> Finished {
        let g = self.agents[agent as usize].group as usize;
        let pool = &mut self.pools[g];
        let a = &mut self.agents[agent as usize];
        if !a.leaving && pool.leaving > 0 {
            pool.leaving -= 1;
            a.leaving = true;
            a.back_at = SimTime::NEVER;
            pool.unlist(&mut self.listings, agent, a.load);
        }
        if !a.leaving {
            return Finished::Free;
        }
        a.load -= 1;
        if a.load > 0 {
            self.refresh(g);
            return Finished::Leaving;
        }
        a.leaving = false;
        pool.present -= 1;
        pool.off.push(agent);
        self.refresh(g);
        Finished::Left
    }

    /// A free agent goes straight on to a contact of `class` in the slot just freed.
    #[inline]
    pub fn keep_busy(&mut self, agent: u32, class: u32) {
        self.agents[agent as usize].serving = class;
    }

    /// A free agent gives up the slot just freed (at `now`): it has one contact fewer, and
    /// if none, it is idle (the most recently idle of its group).
    #[inline(always)]
    pub fn release(&mut self, agent: u32, now: SimTime) {
        let g = self.agents[agent as usize].group as usize;
        let pool = &mut self.pools[g];
        let a = &mut self.agents[agent as usize];
        pool.unlist(&mut self.listings, agent, a.load);
        a.load -= 1;
        if a.load == 0 {
            a.idle_since = now;
        }
        pool.free[a.load as usize].push_back(&mut self.listings, agent);
        self.refresh(g);
    }

    /// The agents of `group` with no contact and not leaving, longest idle first (for a
    /// restart; never called per event).
    pub fn idle_agents(&self, group: u32) -> impl Iterator<Item = u32> + '_ {
        self.pools[group as usize].free[0].iter(&self.listings)
    }

    /// Agent `agent`, not leaving and with a free slot, takes one more contact of `class`:
    /// for a restart that puts contacts back on the agents holding them, and for asking the
    /// next taker with its contact in hand (never on the plain path of an event).
    pub fn take_on(&mut self, agent: u32, class: u32) {
        let g = self.agents[agent as usize].group as usize;
        let pool = &mut self.pools[g];
        let a = &mut self.agents[agent as usize];
        assert!(
            !a.leaving && a.load < pool.capacity,
            "an agent takes on a contact only in a free slot"
        );
        pool.unlist(&mut self.listings, agent, a.load);
        a.load += 1;
        a.serving = class;
        if a.load < pool.capacity {
            pool.free[a.load as usize].push_back(&mut self.listings, agent);
        }
        self.refresh(g);
    }

    /// The agent of `group` that [`Pools::take_idle`] would take, and the class it last
    /// took (never on the plain path of an event).
    pub fn first_free(&self, group: u32) -> Option<(u32, u32)> {
        let pool = &self.pools[group as usize];
        let agent = pool.free[pool.least_loaded_level()?]
            .front()
            .expect("a non-empty level");
        Some((agent, self.agents[agent as usize].serving))
    }

    /// Undoes [`Pools::take_on`] of the agent [`Pools::first_free`] gave: it has one
    /// contact fewer and is first of its level again, as it was, with `serving` (never on
    /// the plain path of an event).
    pub fn put_back(&mut self, agent: u32, serving: u32) {
        let g = self.agents[agent as usize].group as usize;
        let pool = &mut self.pools[g];
        let a = &mut self.agents[agent as usize];
        pool.unlist(&mut self.listings, agent, a.load);
        a.load -= 1;
        a.serving = serving;
        pool.free[a.load as usize].push_front(&mut self.listings, agent);
        self.refresh(g);
    }

    /// Agent `agent`, holding contacts, winds down: it takes no more and leaves when its
    /// last contact ends, as an agent sent off by a break or a drop in headcount does (for
    /// a restart; never called per event). Sent off by a break, it stays on if still busy
    /// when the break ends at `back_at` ([`SimTime::NEVER`]: it leaves for good).
    pub fn wind_down(&mut self, agent: u32, back_at: SimTime) {
        let g = self.agents[agent as usize].group as usize;
        let pool = &mut self.pools[g];
        let a = &mut self.agents[agent as usize];
        if a.leaving || a.load == 0 {
            return;
        }
        a.leaving = true;
        a.back_at = back_at;
        pool.unlist(&mut self.listings, agent, a.load);
        self.refresh(g);
    }

    /// Agent slots of `group`: on the floor or off (the largest headcount it can reach).
    pub fn slots(&self, group: u32) -> u32 {
        let pool = &self.pools[group as usize];
        pool.present + pool.off.len() as u32
    }

    /// Agents of `group` with no contact at all.
    pub fn idle(&self, group: u32) -> u32 {
        self.pools[group as usize].free[0].len()
    }

    /// Departures still owed in `group`: busy agents who leave when they finish.
    pub fn leaving(&self, group: u32) -> u32 {
        let g = group as usize;
        self.pools[g].leaving + self.agents_leaving(g)
    }

    /// Agents of `group` on the floor who are not due to leave: its headcount now.
    pub fn staying(&self, group: u32) -> u32 {
        self.present(group) - self.leaving(group)
    }

    /// Adds agent slots (off the floor) so that `group` has at least `slots`: for headcounts
    /// beyond the schedule's largest. Never called per event.
    pub fn grow(&mut self, group: u32, slots: u32) {
        let missing = slots.saturating_sub(self.slots(group));
        for _ in 0..missing {
            let id = self.agents.len() as u32;
            self.agents.push(Agent {
                group,
                serving: 0,
                idle_since: SimTime::ZERO,
                load: 0,
                leaving: false,
                back_at: SimTime::NEVER,
            });
            self.listings.push(Listing::default());
            self.pools[group as usize].off.insert(0, id);
        }
    }

    /// Sets `group`'s headcount to `target` at `now`. Returns how many new agents arrived
    /// (idle).
    pub fn set_headcount(&mut self, group: u32, target: u32, now: SimTime) -> Arrived {
        let g = group as usize;
        let effective = self.staying(group);
        let arrived = if target >= effective {
            let pool = &mut self.pools[g];
            let mut missing = target - effective;
            let stay = missing.min(pool.leaving);
            pool.leaving -= stay;
            missing -= stay;
            // Agents already marked to leave (contacts still in hand) stay too, before
            // anyone new arrives: a chat agent takes work again at once, a call agent when
            // its call ends.
            let (kept, returned) = self.keep_on(group, missing, |_| true);
            missing -= kept;
            self.bring_in(group, missing, now);
            Arrived(missing + returned)
        } else {
            let pool = &mut self.pools[g];
            let mut surplus = effective - target;
            while surplus > 0 {
                // The most recently idle leave first.
                let Some(agent) = pool.free[0].pop_back(&mut self.listings) else {
                    break;
                };
                pool.off.push(agent);
                pool.present -= 1;
                surplus -= 1;
            }
            pool.leaving += surplus;
            Arrived(0)
        };
        self.refresh(g);
        arrived
    }

    /// Up to `count` agents of `group` marked to leave, those `which` picks, in slot order,
    /// stay after all. Returns how many stay, and how many of them have a free slot (and are
    /// listed again: a chat agent takes work at once, a call agent when its call ends).
    fn keep_on(&mut self, group: u32, count: u32, which: impl Fn(&Agent) -> bool) -> (u32, u32) {
        let pool = &mut self.pools[group as usize];
        let (mut kept, mut listed) = (0, 0);
        for (id, a) in self.agents.iter_mut().enumerate() {
            if kept == count {
                break;
            }
            if a.group == group && a.leaving && which(a) {
                a.leaving = false;
                a.back_at = SimTime::NEVER;
                if a.load < pool.capacity {
                    pool.free[a.load as usize].push_back(&mut self.listings, id as u32);
                    listed += 1;
                }
                kept += 1;
            }
        }
        (kept, listed)
    }

    /// `count` agents of `group` arrive idle at `now`, from its slots off the floor.
    fn bring_in(&mut self, group: u32, count: u32, now: SimTime) {
        let pool = &mut self.pools[group as usize];
        for _ in 0..count {
            let agent = pool.off.pop().expect("agent slots cover every arrival");
            let a = &mut self.agents[agent as usize];
            a.idle_since = now;
            a.load = 0;
            a.leaving = false;
            pool.free[0].push_back(&mut self.listings, agent);
        }
        pool.present += count;
    }

    /// Agents of group `g` already marked as leaving (busy with their last contacts: chat
    /// agents winding down, and agents a shift's break or end took while busy).
    fn agents_leaving(&self, g: usize) -> u32 {
        self.agents
            .iter()
            .filter(|a| a.group as usize == g && a.leaving)
            .count() as u32
    }

    /// A shift's break or end: `count` agents of `group` on the floor (not already leaving),
    /// drawn uniformly by `rng`, go; the idle ones at once, the busy ones as each finishes
    /// its own contacts. Agents are not told apart by shift row, so the row's agents are any
    /// `count` of them, which is what they are in distribution: a busy agent of the row
    /// keeps its call, and an idle agent of another row stays on the floor. Never called per
    /// event.
    pub fn send_off<G: rand::Rng + ?Sized>(
        &mut self,
        group: u32,
        count: u32,
        back_at: SimTime,
        rng: &mut G,
    ) {
        let g = group as usize;
        let mut off = vec![false; self.agents.len()];
        for &a in &self.pools[g].off {
            off[a as usize] = true;
        }
        let mut candidates: Vec<u32> = (0..self.agents.len() as u32)
            .filter(|&a| {
                let agent = &self.agents[a as usize];
                agent.group == group && !off[a as usize] && !agent.leaving
            })
            .collect();
        let count = (count as usize).min(candidates.len());
        // The first `count` of a partial Fisher–Yates shuffle: one draw per agent sent.
        for i in 0..count {
            let j = rng.random_range(i..candidates.len());
            candidates.swap(i, j);
        }
        let mut chosen = vec![false; self.agents.len()];
        for &a in &candidates[..count] {
            chosen[a as usize] = true;
        }
        let pool = &mut self.pools[g];
        for list in &mut pool.free {
            list.remove_all(&mut self.listings, &chosen);
        }
        for &a in &candidates[..count] {
            let agent = &mut self.agents[a as usize];
            if agent.load == 0 {
                pool.off.push(a);
                pool.present -= 1;
            } else {
                agent.leaving = true;
                agent.back_at = back_at;
            }
        }
        self.refresh(g);
    }

    /// A shift row arrives (`returning` is `None`) or comes back from the break that ends
    /// now (`Some(now)`): `count` more agents of `group` on the floor. Of a returning row,
    /// those still in the call they had when the break started never left and simply stay;
    /// the others arrive idle, as a new row's agents all do, beside any agents of other rows
    /// still finishing their last calls (slots are added for them if needed). Never called
    /// per event.
    pub fn arrive(
        &mut self,
        group: u32,
        count: u32,
        returning: Option<SimTime>,
        now: SimTime,
    ) -> Arrived {
        let g = group as usize;
        let (kept, returned) = match returning {
            Some(back_at) => self.keep_on(group, count, |a| a.back_at == back_at),
            None => (0, 0),
        };
        let missing = count - kept;
        let spare = self.pools[g].off.len() as u32;
        if spare < missing {
            self.grow(group, self.slots(group) + missing - spare);
        }
        self.bring_in(group, missing, now);
        self.refresh(g);
        Arrived(missing + returned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tracked_free_list_keeps_the_order_of_a_plain_list() {
        // Random pushes at either end, pops at either end and removals from the middle,
        // against a plain list searched for each removal.
        let agents = 40u32;
        let mut listings = vec![Listing::default(); agents as usize];
        let mut list = FreeList::with_capacity(0, true);
        let mut plain: VecDeque<u32> = VecDeque::new();
        let mut state = 12345u64;
        let mut next = |n: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        for step in 0..20_000 {
            let agent = next(agents as u64) as u32;
            match next(5) {
                0 | 1 if !plain.contains(&agent) => {
                    if step % 7 == 0 {
                        list.push_front(&mut listings, agent);
                        plain.push_front(agent);
                    } else {
                        list.push_back(&mut listings, agent);
                        plain.push_back(agent);
                    }
                }
                2 => assert_eq!(list.pop_front(&mut listings), plain.pop_front()),
                3 => assert_eq!(list.pop_back(&mut listings), plain.pop_back()),
                _ => {
                    list.remove(&mut listings, agent);
                    plain.retain(|&a| a != agent);
                }
            }
            assert_eq!(list.len() as usize, plain.len());
            assert_eq!(list.front(), plain.front().copied());
            assert!(
                list.iter(&listings).eq(plain.iter().copied()),
                "step {step}"
            );
            assert!(
                list.entries.len() <= 2 * plain.len() + 17,
                "stale entries are dropped"
            );
        }
    }

    #[test]
    fn longest_idle_first_and_headcount_changes() {
        let mut p = Pools::new(&[3], &[1]);
        assert_eq!(p.set_headcount(0, 2, SimTime::ZERO), Arrived(2));
        let a = p.take_idle(0, 0).unwrap();
        let b = p.take_idle(0, 0).unwrap();
        assert!(p.take_idle(0, 0).is_none());
        // Headcount drops to 1 while both are busy: the first to finish leaves.
        p.set_headcount(0, 1, SimTime::ZERO);
        assert_eq!(p.present(0), 2);
        assert_eq!(p.finish(b), Finished::Left);
        assert_eq!(p.present(0), 1);
        assert_eq!(p.finish(a), Finished::Free);
        p.release(a, SimTime(5));
        assert_eq!(p.longest_idle_since(), &[SimTime(5)]);
        assert_eq!(p.idle_counts(), &[1]);
        // Rising to 3: two new agents, idle behind `a`, who has waited longest.
        assert_eq!(p.set_headcount(0, 3, SimTime(6)), Arrived(2));
        assert_eq!(p.take_idle(0, 0), Some(a));
        // Dropping to 1 with `a` busy: two idle agents leave at once.
        p.set_headcount(0, 1, SimTime(7));
        assert_eq!(p.idle_counts(), &[0]);
        assert_eq!(p.present(0), 1);
    }

    #[test]
    fn rising_headcount_cancels_pending_departures_first() {
        let mut p = Pools::new(&[2], &[1]);
        p.set_headcount(0, 2, SimTime::ZERO);
        let a = p.take_idle(0, 0).unwrap();
        let _b = p.take_idle(0, 0).unwrap();
        p.set_headcount(0, 0, SimTime::ZERO);
        assert_eq!(p.set_headcount(0, 1, SimTime::ZERO), Arrived(0));
        assert_eq!(p.finish(a), Finished::Left, "one of the two still leaves");
        assert_eq!(p.present(0), 1);
    }

    #[test]
    fn chat_agents_hold_several_contacts_least_loaded_first() {
        let mut p = Pools::new(&[2], &[3]);
        p.set_headcount(0, 2, SimTime::ZERO);
        let a = p.take_idle(0, 0).unwrap();
        let b = p.take_idle(0, 0).unwrap();
        assert_ne!(a, b, "the idle agent is taken before a loaded one");
        assert_eq!(p.take_idle(0, 0), Some(a));
        assert_eq!(p.take_idle(0, 0), Some(b));
        assert_eq!(p.take_idle(0, 0), Some(a));
        assert_eq!(p.agent(a).load, 3);
        assert_eq!(p.idle_counts(), &[1], "b has a free slot");
        assert_eq!(p.take_idle(0, 0), Some(b));
        assert!(p.take_idle(0, 0).is_none());
        assert_eq!(p.finish(a), Finished::Free);
        p.release(a, SimTime(1));
        assert_eq!(p.agent(a).load, 2);
        assert_eq!(p.idle_counts(), &[1]);
        // Headcount drops to 1: the next agent to finish a contact stops taking work and
        // leaves with its last one.
        p.set_headcount(0, 1, SimTime(2));
        assert_eq!(p.finish(b), Finished::Leaving);
        assert_eq!(p.finish(b), Finished::Leaving);
        assert_eq!(p.finish(b), Finished::Left);
        assert_eq!(p.present(0), 1);
    }

    #[test]
    fn chat_agents_winding_down_stay_when_headcount_rises_again() {
        // Regression: 3 → 1 → 3 on a chat desk used to panic ("agent slots cover the
        // largest headcount"): the agents winding down were counted as gone, so new ones
        // were sought in slots that were all still on the floor.
        let mut p = Pools::new(&[3], &[3]);
        p.set_headcount(0, 3, SimTime::ZERO);
        let agents: Vec<u32> = (0..6).map(|_| p.take_idle(0, 0).unwrap()).collect();
        p.set_headcount(0, 1, SimTime(1));
        // Two agents finish a contact each and start winding down.
        assert_eq!(p.finish(agents[0]), Finished::Leaving);
        assert_eq!(p.finish(agents[1]), Finished::Leaving);
        assert_eq!(p.leaving(0), 2);
        assert_eq!(p.set_headcount(0, 3, SimTime(2)), Arrived(2));
        assert_eq!(p.present(0), 3);
        assert_eq!(p.leaving(0), 0);
        // Each of the two has a free slot again; the third agent still has two contacts.
        assert_eq!(p.idle_counts(), &[3]);
    }
}
