//! Example: a researcher's own routing policy, "longest queue first", demonstrates the
//! `Router` trait.
//!
//! ```text
//!  arriving call ──▶ group_for_call ──▶ the serving group with the most idle agents
//!  freed agent   ──▶ class_for_agent ──▶ the class (among its skills) with the most calls waiting
//! ```
//!
//! It runs the built-in default centre under the default policy and under this one, on the
//! same callers, and prints the service level of each call type.
//!
//! ```text
//! cargo run --release --example custom_router
//! ```

use callsim::model::{ClassId, GroupId, Model};
use callsim::routing::{CentreView, Router, SkillPriority};
use callsim::scenario::Source;
use callsim::time::SimTime;
use callsim::{run_replications, stats::Stat};

/// Freed agents serve the longest queue; arriving calls go to the group with the most idle
/// agents (spreading work across groups).
struct LongestQueueFirst {
    /// Per class, the groups that may take it.
    groups_for_class: Vec<Vec<GroupId>>,
    /// Per group, the classes it may take.
    classes_for_group: Vec<Vec<ClassId>>,
}

impl LongestQueueFirst {
    fn new(model: &Model) -> Self {
        let groups_for_class = model
            .classes
            .iter()
            .map(|c| {
                model.call_types[c.call_type as usize]
                    .serving_groups
                    .clone()
            })
            .collect();
        let classes_for_group = model
            .groups
            .iter()
            .map(|g| {
                g.skills
                    .iter()
                    .flat_map(|&t| model.call_types[t as usize].classes.clone())
                    .collect()
            })
            .collect();
        LongestQueueFirst {
            groups_for_class,
            classes_for_group,
        }
    }
}

impl Router for LongestQueueFirst {
    fn group_for_call(
        &mut self,
        class: ClassId,
        _waited: SimTime,
        centre: &CentreView<'_>,
    ) -> Option<GroupId> {
        self.groups_for_class[class as usize]
            .iter()
            .copied()
            .filter(|&g| centre.idle_agents[g as usize] > 0)
            .max_by_key(|&g| centre.idle_agents[g as usize])
    }

    fn class_for_agent(&mut self, group: GroupId, centre: &CentreView<'_>) -> Option<ClassId> {
        self.classes_for_group[group as usize]
            .iter()
            .copied()
            .filter(|&c| centre.waiting_calls[c as usize] > 0)
            .max_by_key(|&c| centre.waiting_calls[c as usize])
    }
}

fn main() {
    let model = Source::default_scenario()
        .load()
        .expect("the default scenario is valid");
    let default = run_replications(&model, None, SkillPriority::new);
    let custom = run_replications(&model, None, LongestQueueFirst::new);
    println!(
        "{} — service level by call type, {} replications",
        model.name, model.replications
    );
    println!(
        "{:<12} {:>16} {:>20}",
        "call type", "skill-priority", "longest-queue-first"
    );
    for (t, call_type) in model.call_types.iter().enumerate() {
        let sl = |reps: &[callsim::stats::ReplicationMeasures]| {
            Stat::of(reps.iter().map(|r| r.call_types[t].service_level))
        };
        let (a, b) = (sl(&default), sl(&custom));
        println!(
            "{:<12} {:>9.1}% ±{:.1} {:>13.1}% ±{:.1}",
            call_type.name,
            a.value() * 100.0,
            a.half_width() * 100.0,
            b.value() * 100.0,
            b.half_width() * 100.0
        );
    }
}
