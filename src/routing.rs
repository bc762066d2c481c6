//! Routing: which idle agent takes an arriving call, and which waiting call a freed agent
//! takes.
//!
//! Which policy do I pick? Set `policy` in the scenario's `[routing]` table:
//! - `skill-priority` (the default, [`SkillPriority`]): what every ACD does out of the box.
//!   Groups in the order of their preference for the call type, specialists first; a freed
//!   agent takes the first type in its skills with calls waiting. Good when skills have a
//!   clear order of importance.
//! - `longest-idle`: one FIFO across all types. The longest-waiting call an agent may take
//!   goes first; among eligible groups, the agent idle longest. Fair to callers and agents.
//! - `priority`: call types and tiers carry priorities; a freed agent takes the highest
//!   priority waiting, FIFO within it; with `aging`, priority grows with waiting so nobody
//!   starves. For VIP tiers and urgent queues.
//! - `weighted-wait`: a freed agent takes the call with the largest weight × wait: a smooth
//!   compromise between FIFO and strict priority.
//! - `overflow` and `reserve`: skill-priority with time-based skill expansion
//!   (`[[routing.overflow]]`: a call is offered to more groups once it has waited) or with
//!   agents kept back for some calls (`[[routing.reserve]]`). Either combines with any
//!   other policy by name: `priority+overflow`, `longest-idle+reserve`.
//!
//! All of them are [`Acd`], configured from the model; [`SkillPriority`] is the default's
//! lean twin. A researcher adds a policy by implementing [`Router`] (see
//! `examples/custom_router.rs`). The engine is generic over the router, so a built-in policy
//! costs no dynamic dispatch; `Box<dyn Router>` works too.
//!
//! Which router runs a model is decided in one place, [`ModelRouter::new`], and every entry
//! point goes through it: the batch runs (`run`, `compare`, `sweep`, `staff`, the call log,
//! the intraday forecast) with [`with_model_router`], which hands the chosen router to
//! generic code (static dispatch in the event loop); the live mode keeps a
//! [`ModelRouter`] itself, whose one `match` per decision is always predicted the same way.

mod acd;
mod skill_priority;

pub use acd::Acd;
pub use skill_priority::SkillPriority;

use crate::model::{ClassId, GroupId, Model};
use crate::time::SimTime;

/// What a router may look at when it decides: the state of queues and agent pools now.
#[derive(Debug, Clone, Copy)]
pub struct CentreView<'a> {
    /// The current simulated time.
    pub now: SimTime,
    /// Idle agents per group, by [`GroupId`] (on a chat desk, agents with a free slot).
    pub idle_agents: &'a [u32],
    /// Per group, whether the agent the engine would hand a call is still idle once it has
    /// taken it: a chat agent with a slot left (what a reservation must count).
    pub keeps_a_slot: &'a [bool],
    /// Since when the longest-idle agent of each group has been idle
    /// ([`SimTime::NEVER`] if none is idle).
    pub longest_idle_since: &'a [SimTime],
    /// Calls waiting per call class, by [`ClassId`].
    pub waiting_calls: &'a [u32],
    /// Arrival time of the longest-waiting call of each class ([`SimTime::NEVER`] if none).
    pub oldest_arrival: &'a [SimTime],
}

/// A routing policy: the two decisions of an automatic call distributor.
///
/// Within a group the engine always hands the call to the agent idle the longest, and within
/// a class it always takes the longest-waiting call: a router chooses groups and classes.
pub trait Router {
    /// A call of `class` that has waited `waited` (zero on arrival; an overflow delay when
    /// the call is offered to more groups) looks for an agent: the group (with an idle agent
    /// that has the skill) that takes it, or `None` to let it wait.
    fn group_for_call(
        &mut self,
        class: ClassId,
        waited: SimTime,
        centre: &CentreView<'_>,
    ) -> Option<GroupId>;

    /// An agent of `group` is free: the class (with calls waiting, served by the group) whose
    /// longest-waiting call it takes, or `None` to leave the agent idle.
    fn class_for_agent(&mut self, group: GroupId, centre: &CentreView<'_>) -> Option<ClassId>;

    /// Whether, in a centre that is a single queue ([`crate::engine::is_single_queue`]: one
    /// call type, whose tiers the model's policy serves in order of arrival, and one group
    /// of single-contact agents, with no delays or reservations), this router gives every
    /// arriving call to an idle agent and every freed agent the longest-waiting call: a
    /// work-conserving first-come-first-served queue, as the built-in policies do. The
    /// engine then may run such a centre by the queue's recursion instead of event by
    /// event, with the same result. A custom router keeps the default, `false`, and is
    /// asked every decision.
    fn is_work_conserving(&self) -> bool {
        false
    }
}

impl<R: Router + ?Sized> Router for Box<R> {
    fn group_for_call(
        &mut self,
        class: ClassId,
        waited: SimTime,
        centre: &CentreView<'_>,
    ) -> Option<GroupId> {
        (**self).group_for_call(class, waited, centre)
    }

    fn class_for_agent(&mut self, group: GroupId, centre: &CentreView<'_>) -> Option<ClassId> {
        (**self).class_for_agent(group, centre)
    }

    fn is_work_conserving(&self) -> bool {
        (**self).is_work_conserving()
    }
}

/// Router `R` with the engine told to ask it every decision, event by event, even where
/// `R` is work-conserving and the centre a single queue ([`Router::is_work_conserving`]):
/// for checks and benchmarks of the event loop itself. Same results, more time.
#[derive(Debug, Clone)]
pub struct EventByEvent<R>(pub R);

impl<R: Router> Router for EventByEvent<R> {
    #[inline]
    fn group_for_call(
        &mut self,
        class: ClassId,
        waited: SimTime,
        centre: &CentreView<'_>,
    ) -> Option<GroupId> {
        self.0.group_for_call(class, waited, centre)
    }

    #[inline]
    fn class_for_agent(&mut self, group: GroupId, centre: &CentreView<'_>) -> Option<ClassId> {
        self.0.class_for_agent(group, centre)
    }
}

/// The router of a model's own `[routing]` table: [`SkillPriority`] for the plain default,
/// [`Acd`] for everything else. The only place where that choice is made.
#[derive(Debug, Clone)]
pub enum ModelRouter {
    /// The plain default (skill-priority, no overflow, no reservations).
    SkillPriority(SkillPriority),
    /// Any other configuration of the built-in policies.
    Acd(Acd),
}

impl ModelRouter {
    /// The router `model`'s routing configuration calls for.
    pub fn new(model: &Model) -> ModelRouter {
        if model.routing.is_plain_skill_priority() {
            ModelRouter::SkillPriority(SkillPriority::new(model))
        } else {
            ModelRouter::Acd(Acd::new(model))
        }
    }
}

impl Router for ModelRouter {
    #[inline]
    fn group_for_call(
        &mut self,
        class: ClassId,
        waited: SimTime,
        centre: &CentreView<'_>,
    ) -> Option<GroupId> {
        match self {
            ModelRouter::SkillPriority(r) => r.group_for_call(class, waited, centre),
            ModelRouter::Acd(r) => r.group_for_call(class, waited, centre),
        }
    }

    #[inline]
    fn class_for_agent(&mut self, group: GroupId, centre: &CentreView<'_>) -> Option<ClassId> {
        match self {
            ModelRouter::SkillPriority(r) => r.class_for_agent(group, centre),
            ModelRouter::Acd(r) => r.class_for_agent(group, centre),
        }
    }

    fn is_work_conserving(&self) -> bool {
        match self {
            ModelRouter::SkillPriority(r) => r.is_work_conserving(),
            ModelRouter::Acd(r) => r.is_work_conserving(),
        }
    }
}

/// Generic code that runs with a router: what [`with_model_router`] hands the model's
/// router to (a closure cannot be generic over the router's type; a trait method can).
pub trait RouterUser {
    /// What the code gives back.
    type Output;
    /// Runs with `router`, a fresh router for the model (clone it for each replication).
    fn run<R: Router + Clone + Send + Sync>(self, router: R) -> Self::Output;
}

/// Runs `user` with the router of `model`'s routing configuration ([`ModelRouter::new`]),
/// as its concrete type: the event loop is monomorphised for it, no dispatch per decision.
pub fn with_model_router<U: RouterUser>(model: &Model, user: U) -> U::Output {
    match ModelRouter::new(model) {
        ModelRouter::SkillPriority(router) => user.run(router),
        ModelRouter::Acd(router) => user.run(router),
    }
}
