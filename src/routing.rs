//! Routing: which idle agent takes an arriving call, and which waiting call a freed agent
//! takes.
//!
//! Which policy do I pick? For now there is one, [`SkillPriority`], the contract's default and
//! what every ACD does out of the box: groups in the order of their preference for the call
//! type (specialists first), the longest-idle agent within a group, and for a freed agent the
//! first type in its skills with calls waiting, longest-waiting call first.
//!
//! A policy implements [`Router`]. The engine is generic over it, so a built-in policy costs
//! no dynamic dispatch; `Box<dyn Router>` works too for a researcher's own.

mod skill_priority;

pub use skill_priority::SkillPriority;

use crate::model::{GroupId, TypeId};
use crate::time::SimTime;

/// What a router may look at when it decides: the state of queues and agent pools now.
#[derive(Debug, Clone, Copy)]
pub struct CentreView<'a> {
    /// The current simulated time.
    pub now: SimTime,
    /// Idle agents per group, by [`GroupId`].
    pub idle_agents: &'a [u32],
    /// Calls waiting per call type, by [`TypeId`].
    pub waiting_calls: &'a [u32],
    /// Arrival time of the longest-waiting call of each type ([`SimTime::NEVER`] if none).
    pub oldest_arrival: &'a [SimTime],
}

/// A routing policy: the two decisions of an automatic call distributor.
///
/// Within a group the engine always hands the call to the agent idle the longest, and within
/// a call type it always takes the longest-waiting call: a router chooses groups and types.
pub trait Router {
    /// A call of `call_type` has arrived: the group (with an idle agent that has the skill)
    /// that takes it, or `None` to queue it.
    fn group_for_call(&mut self, call_type: TypeId, centre: &CentreView<'_>) -> Option<GroupId>;

    /// An agent of `group` is free: the call type (with calls waiting, in the group's skills)
    /// whose longest-waiting call it takes, or `None` to leave the agent idle.
    fn call_type_for_agent(&mut self, group: GroupId, centre: &CentreView<'_>) -> Option<TypeId>;
}

impl<R: Router + ?Sized> Router for Box<R> {
    fn group_for_call(&mut self, call_type: TypeId, centre: &CentreView<'_>) -> Option<GroupId> {
        (**self).group_for_call(call_type, centre)
    }

    fn call_type_for_agent(&mut self, group: GroupId, centre: &CentreView<'_>) -> Option<TypeId> {
        (**self).call_type_for_agent(group, centre)
    }
}
