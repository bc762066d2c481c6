//! The default policy: static preference lists, specialists first.

use super::{CentreView, Router};
use crate::model::{GroupId, Model, TypeId};

/// Groups are tried in the order of their preference for the call type (the rank of the type
/// in their `skills`), specialists before generalists, then scenario order; a freed agent
/// takes the first type in its `skills` that has calls waiting.
///
/// Cost: O(groups serving the type) per arrival, O(skills of the group) per freed agent,
/// whatever the queue lengths.
#[derive(Debug, Clone)]
pub struct SkillPriority {
    /// Per call type, the groups that serve it, best first.
    groups_for_type: Vec<Vec<GroupId>>,
    /// Per group, its skills, most preferred first.
    types_for_group: Vec<Vec<TypeId>>,
}

impl SkillPriority {
    /// The policy for `model`'s skills.
    pub fn new(model: &Model) -> SkillPriority {
        SkillPriority {
            groups_for_type: model
                .call_types
                .iter()
                .map(|t| t.serving_groups.clone())
                .collect(),
            types_for_group: model.groups.iter().map(|g| g.skills.clone()).collect(),
        }
    }
}

impl Router for SkillPriority {
    #[inline]
    fn group_for_call(&mut self, call_type: TypeId, centre: &CentreView<'_>) -> Option<GroupId> {
        self.groups_for_type[call_type as usize]
            .iter()
            .copied()
            .find(|&g| centre.idle_agents[g as usize] > 0)
    }

    #[inline]
    fn call_type_for_agent(&mut self, group: GroupId, centre: &CentreView<'_>) -> Option<TypeId> {
        self.types_for_group[group as usize]
            .iter()
            .copied()
            .find(|&t| centre.waiting_calls[t as usize] > 0)
    }
}
