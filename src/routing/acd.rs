//! Every built-in policy, configured from the model's `[routing]` table.

use super::{CentreView, Router};
use crate::model::{ClassId, GroupId, Model, Policy, Reserve};
use crate::time::SimTime;

/// A configurable automatic call distributor: the model's policy, overflow delays and
/// reservations. See the [module docs](super) for what each policy does.
///
/// Cost: O(groups serving the class) per arriving call, O(classes the group serves) per
/// freed agent, whatever the number of calls waiting.
#[derive(Debug, Clone)]
pub struct Acd {
    policy: Policy,
    /// Per class, (group, delay) for every group that may ever take it, best first.
    groups_for_class: Vec<Vec<(GroupId, SimTime)>>,
    /// Per group, its skills in preference order, each as the (class, delay) of its classes.
    skills: Vec<Vec<Vec<(ClassId, SimTime)>>>,
    /// Per class, the priority (`priority`) or weight (`weighted-wait`).
    priority: Vec<f64>,
    weight: Vec<f64>,
    /// Seconds of waiting per priority level gained, under `priority`.
    aging_s: Option<f64>,
    reserves: Vec<Option<Reserve>>,
}

impl Acd {
    /// The router for `model`'s routing configuration.
    pub fn new(model: &Model) -> Acd {
        let n_groups = model.groups.len();
        let routing = &model.routing;
        let groups_for_class = (0..model.classes.len() as ClassId)
            .map(|c| {
                let t = model.classes[c as usize].call_type as usize;
                model.call_types[t]
                    .serving_groups
                    .iter()
                    .map(|&g| (g, routing.delay(c, g, n_groups)))
                    .filter(|&(_, d)| d != SimTime::NEVER)
                    .collect()
            })
            .collect();
        let skills = (0..n_groups as GroupId)
            .map(|g| {
                model.groups[g as usize]
                    .skills
                    .iter()
                    .map(|&t| {
                        model.call_types[t as usize]
                            .classes
                            .clone()
                            .map(|c| (c, routing.delay(c, g, n_groups)))
                            .filter(|&(_, d)| d != SimTime::NEVER)
                            .collect()
                    })
                    .collect()
            })
            .collect();
        Acd {
            policy: routing.policy,
            groups_for_class,
            skills,
            priority: model.classes.iter().map(|c| c.priority).collect(),
            weight: model.classes.iter().map(|c| c.weight).collect(),
            aging_s: routing.aging.map(SimTime::as_seconds),
            reserves: routing.reserves.clone(),
        }
    }

    /// Whether the group's reservation lets a call of `class` take one of `idle` agents.
    #[inline]
    fn reserve_allows(&self, group: GroupId, class: ClassId, idle_after: u32) -> bool {
        match &self.reserves[group as usize] {
            Some(r) => r.for_classes[class as usize] || idle_after >= r.agents,
            None => true,
        }
    }
}

impl Router for Acd {
    fn group_for_call(
        &mut self,
        class: ClassId,
        waited: SimTime,
        centre: &CentreView<'_>,
    ) -> Option<GroupId> {
        let mut best: Option<(SimTime, GroupId)> = None;
        for &(g, delay) in &self.groups_for_class[class as usize] {
            let idle = centre.idle_agents[g as usize];
            if delay > waited || idle == 0 {
                continue;
            }
            // The agents still idle once the call is taken: a chat agent with a slot left
            // still is.
            let idle_after = idle - u32::from(!centre.keeps_a_slot[g as usize]);
            if !self.reserve_allows(g, class, idle_after) {
                continue;
            }
            if self.policy != Policy::LongestIdle {
                return Some(g);
            }
            let since = centre.longest_idle_since[g as usize];
            if best.is_none_or(|(b, _)| since < b) {
                best = Some((since, g));
            }
        }
        best.map(|(_, g)| g)
    }

    fn is_work_conserving(&self) -> bool {
        true
    }

    fn class_for_agent(&mut self, group: GroupId, centre: &CentreView<'_>) -> Option<ClassId> {
        let idle_after = centre.idle_agents[group as usize];
        let now = centre.now;
        let eligible = |c: ClassId, delay: SimTime| {
            centre.waiting_calls[c as usize] > 0
                && now.0 - centre.oldest_arrival[c as usize].0 >= delay.0
                && self.reserve_allows(group, c, idle_after)
        };
        let skills = &self.skills[group as usize];
        if self.policy == Policy::SkillPriority {
            // The first skill with an eligible call; within it, the oldest call.
            return skills.iter().find_map(|classes| {
                let mut best: Option<(SimTime, ClassId)> = None;
                for &(c, delay) in classes {
                    let since = centre.oldest_arrival[c as usize];
                    if eligible(c, delay) && best.is_none_or(|(b, _)| since < b) {
                        best = Some((since, c));
                    }
                }
                best.map(|(_, c)| c)
            });
        }
        // Otherwise: the best score over every eligible class, older first on ties.
        let mut best: Option<(f64, SimTime, ClassId)> = None;
        for &(c, delay) in skills.iter().flatten() {
            if !eligible(c, delay) {
                continue;
            }
            let since = centre.oldest_arrival[c as usize];
            let waited_s = (now - since).as_seconds();
            let score = match self.policy {
                Policy::Priority => {
                    self.priority[c as usize] + self.aging_s.map_or(0.0, |a| waited_s / a)
                }
                Policy::WeightedWait => self.weight[c as usize] * waited_s,
                _ => 0.0,
            };
            let better = match best {
                None => true,
                Some((s, b, _)) => score > s || (score == s && since < b),
            };
            if better {
                best = Some((score, since, c));
            }
        }
        best.map(|(_, _, c)| c)
    }
}
