//! The default policy: static preference lists, specialists first.

use std::ops::Range;

use super::{CentreView, Router};
use crate::model::{ClassId, GroupId, Model};
use crate::time::SimTime;

/// Groups are tried in the order of their preference for the call type (the rank of the type
/// in their `skills`), specialists before generalists, then scenario order; a freed agent
/// takes the first type in its `skills` that has calls waiting, and of that type the
/// longest-waiting call (whatever its tier).
///
/// It ignores overflow delays and reservations: use [`super::Acd`] when the scenario has
/// them. Cost: O(groups serving the type) per arrival, O(classes of the group's skills) per
/// freed agent, whatever the queue lengths.
#[derive(Debug, Clone)]
pub struct SkillPriority {
    /// Per class, the groups that serve its type, best first.
    groups_for_class: Vec<Vec<GroupId>>,
    /// Per group, the class ranges of its skills, most preferred first.
    skills: Vec<Vec<Range<ClassId>>>,
}

impl SkillPriority {
    /// The policy for `model`'s skills.
    pub fn new(model: &Model) -> SkillPriority {
        SkillPriority {
            groups_for_class: model
                .classes
                .iter()
                .map(|c| {
                    model.call_types[c.call_type as usize]
                        .serving_groups
                        .clone()
                })
                .collect(),
            skills: model
                .groups
                .iter()
                .map(|g| {
                    g.skills
                        .iter()
                        .map(|&t| model.call_types[t as usize].classes.clone())
                        .collect()
                })
                .collect(),
        }
    }
}

/// The class in `range` whose longest-waiting call arrived first, if any is waiting.
#[inline]
fn oldest_in(range: Range<ClassId>, centre: &CentreView<'_>) -> Option<ClassId> {
    let mut best: Option<(SimTime, ClassId)> = None;
    for c in range {
        if centre.waiting_calls[c as usize] > 0 {
            let since = centre.oldest_arrival[c as usize];
            if best.is_none_or(|(b, _)| since < b) {
                best = Some((since, c));
            }
        }
    }
    best.map(|(_, c)| c)
}

impl Router for SkillPriority {
    #[inline]
    fn group_for_call(
        &mut self,
        class: ClassId,
        _waited: SimTime,
        centre: &CentreView<'_>,
    ) -> Option<GroupId> {
        self.groups_for_class[class as usize]
            .iter()
            .copied()
            .find(|&g| centre.idle_agents[g as usize] > 0)
    }

    fn is_work_conserving(&self) -> bool {
        true
    }

    #[inline]
    fn class_for_agent(&mut self, group: GroupId, centre: &CentreView<'_>) -> Option<ClassId> {
        self.skills[group as usize]
            .iter()
            .find_map(|range| oldest_in(range.clone(), centre))
    }
}
