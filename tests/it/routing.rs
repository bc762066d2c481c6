//! Routing policies do what they say, on small cases checked call by call; comparisons are
//! paired; pooling matches Erlang C.

use callsim::analytic::ErlangC;
use callsim::compare::{compare, Alternative};
use callsim::engine::{CallRecord, Outcome, Simulation};
use callsim::model::Model;
use callsim::routing::Acd;
use callsim::stats::student_t_975;
use callsim::time::SimTime;
use callsim::{replicate, RunOptions};

use crate::support::{assert_agrees, model};

fn trace(model: &Model, replication: u32) -> Vec<CallRecord> {
    Simulation::observed(model, Acd::new(model), Vec::new(), replication)
        .finish_observed()
        .1
}

/// The most of `calls` (answered ones) in service at the same instant: each talks from the
/// end of its wait for its handle time (a call ending as another starts is not counted
/// with it).
fn most_in_service_at_once<'a>(calls: impl IntoIterator<Item = &'a CallRecord>) -> i32 {
    let mut events: Vec<(SimTime, i32)> = calls
        .into_iter()
        .flat_map(|r| {
            [
                (r.end_of_wait, 1),
                (r.end_of_wait.saturating_add(r.handle), -1),
            ]
        })
        .collect();
    events.sort();
    let (mut in_service, mut most) = (0, 0);
    for (_, change) in events {
        in_service += change;
        most = most.max(in_service);
    }
    most
}

fn answered_by(r: &CallRecord) -> Option<u32> {
    match r.outcome {
        Outcome::Answered { group } => Some(group),
        _ => None,
    }
}

const TWO_PRIORITIES: &str = r#"
name = "priorities"
[simulation]
duration = "20h"
replications = 2
interval = "20h"
[routing]
policy = "priority"
[[call_types]]
name = "ordinary"
arrival_rate = 40
priority = 0
handle_time = { distribution = "exponential", mean = "1m" }
[[call_types]]
name = "urgent"
arrival_rate = 10
priority = 5
handle_time = { distribution = "exponential", mean = "1m" }
[[agent_groups]]
name = "desk"
agents = 1
skills = ["ordinary", "urgent"]
"#;

#[test]
fn a_priority_call_is_served_before_an_earlier_ordinary_one() {
    let model = model(TWO_PRIORITIES);
    let records = trace(&model, 0);
    let urgent: Vec<&CallRecord> = records.iter().filter(|r| r.call_type == 1).collect();
    let mut overtakes = 0;
    for ordinary in records
        .iter()
        .filter(|r| r.call_type == 0 && answered_by(r).is_some())
    {
        let taken_at = ordinary.end_of_wait;
        if taken_at == ordinary.arrival {
            continue; // answered at once: nobody was waiting
        }
        // When an ordinary call is taken from the queue, no urgent call may be waiting.
        let urgent_waiting = urgent
            .iter()
            .any(|u| u.arrival < taken_at && u.end_of_wait > taken_at);
        assert!(
            !urgent_waiting,
            "an ordinary call was taken at {taken_at} while an urgent one waited"
        );
        overtakes += urgent
            .iter()
            .filter(|u| u.arrival > ordinary.arrival && u.end_of_wait < taken_at)
            .count();
    }
    assert!(
        overtakes > 50,
        "urgent calls overtake earlier ordinary ones ({overtakes} times)"
    );
}

const OVERFLOW: &str = r#"
name = "overflow"
[simulation]
duration = "20h"
replications = 20
interval = "20h"
[routing]
policy = "overflow"
[[routing.overflow]]
call_type = "billing"
targets = [{ groups = ["billing team"], after = "0s" }, { groups = ["generalists"], after = "30s" }]
[[call_types]]
name = "billing"
arrival_rate = 120
handle_time = { distribution = "exponential", mean = "5m" }
patience = { distribution = "exponential", mean = "4m" }
[[call_types]]
name = "general"
arrival_rate = 200
handle_time = { distribution = "exponential", mean = "4m" }
patience = { distribution = "exponential", mean = "4m" }
[[agent_groups]]
name = "billing team"
agents = 9
skills = ["billing"]
[[agent_groups]]
name = "generalists"
agents = 16
skills = ["general", "billing"]
"#;

#[test]
fn overflow_happens_at_the_stated_delay_and_not_before() {
    let model = model(OVERFLOW);
    let records = trace(&model, 0);
    let thirty = SimTime::from_seconds(30.0);
    let mut overflowed = 0;
    let mut exactly_at_thirty = 0;
    for r in records.iter().filter(|r| r.call_type == 0) {
        if answered_by(r) == Some(1) {
            let waited = r.end_of_wait - r.arrival;
            assert!(
                waited >= thirty,
                "a billing call reached a generalist after {waited}"
            );
            overflowed += 1;
            exactly_at_thirty += (waited == thirty) as u32;
        }
    }
    assert!(overflowed > 100, "billing calls do overflow ({overflowed})");
    assert!(
        exactly_at_thirty > 10,
        "an idle generalist takes the call at 30 s sharp ({exactly_at_thirty})"
    );
}

#[test]
fn identical_alternatives_differ_by_exactly_zero() {
    let m = model(OVERFLOW);
    let alternatives = vec![
        Alternative {
            name: "a".into(),
            model: m.clone(),
        },
        Alternative {
            name: "b".into(),
            model: m,
        },
    ];
    let c = compare(&alternatives, Some(2));
    let d = &c.differences[0];
    for (key, stat) in d.total.stats() {
        assert_eq!(stat.mean, Some(0.0), "{key}");
        assert_eq!(stat.ci95, Some(0.0), "{key}");
    }
    assert!(d.significant.values().all(|s| !s));
}

#[test]
fn paired_differences_are_far_tighter_than_independent_runs() {
    let with_overflow = model(OVERFLOW);
    // The same centre without overflow: no policy, no overflow table (which a policy that
    // does not use it refuses).
    let overflow_table = "[routing]\npolicy = \"overflow\"\n[[routing.overflow]]\ncall_type = \"billing\"\ntargets = [{ groups = [\"billing team\"], after = \"0s\" }, { groups = [\"generalists\"], after = \"30s\" }]\n";
    assert!(OVERFLOW.contains(overflow_table));
    let without = model(&OVERFLOW.replace(overflow_table, ""));
    let n = with_overflow.replications as usize;
    let c = compare(
        &[
            Alternative {
                name: "immediate".into(),
                model: without.clone(),
            },
            Alternative {
                name: "30s overflow".into(),
                model: with_overflow.clone(),
            },
        ],
        Some(2),
    );
    let paired = c.differences[0].total.service_level.ci95.unwrap();
    // The same two alternatives on independent seeds.
    let sl = |m: &Model| -> Vec<f64> {
        replicate(m, Some(2))
            .iter()
            .map(|r| r.total.service_level.unwrap())
            .collect()
    };
    let mut other_seed = with_overflow.clone();
    other_seed.seed += 1000;
    let (a, b) = (sl(&without), sl(&other_seed));
    let var = |x: &[f64]| {
        let m = x.iter().sum::<f64>() / x.len() as f64;
        x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64
    };
    let independent = student_t_975(2 * n - 2) * ((var(&a) + var(&b)) / n as f64).sqrt();
    eprintln!(
        "service-level difference: paired ±{paired:.5}, independent ±{independent:.5} ({:.1}×)",
        independent / paired
    );
    assert!(
        independent >= 3.0 * paired,
        "paired ±{paired}, independent ±{independent}"
    );
}

const RESERVE: &str = r#"
name = "reserve"
[simulation]
duration = "20h"
replications = 2
interval = "20h"
[routing]
policy = "reserve"
[[routing.reserve]]
group = "desk"
agents = 2
for = ["vip"]
[[call_types]]
name = "basic"
arrival_rate = 100
handle_time = { distribution = "exponential", mean = "3m" }
patience = { distribution = "exponential", mean = "2m" }
[[call_types]]
name = "vip"
arrival_rate = 10
handle_time = { distribution = "exponential", mean = "3m" }
[[agent_groups]]
name = "desk"
agents = 3
skills = ["basic", "vip"]
"#;

#[test]
fn reserved_agents_stay_idle_for_other_calls() {
    let model = model(RESERVE);
    let records = trace(&model, 0);
    // Basic calls in service: never more than 3 − 2 = 1 at once.
    let basic = records
        .iter()
        .filter(|r| r.call_type == 0 && answered_by(r).is_some());
    assert_eq!(
        most_in_service_at_once(basic),
        1,
        "at most one agent takes basic calls"
    );
    // The reserve works for VIPs: they almost never wait.
    let vip: Vec<&CallRecord> = records.iter().filter(|r| r.call_type == 1).collect();
    let waited = vip.iter().filter(|r| r.end_of_wait > r.arrival).count();
    assert!(
        vip.len() > 100 && (waited as f64) < 0.05 * vip.len() as f64,
        "{waited} of {} VIPs waited",
        vip.len()
    );
}

const STARVATION: &str = r#"
name = "aging"
[simulation]
duration = "10h"
replications = 1
interval = "10h"
[routing]
policy = "priority"
aging = "1m"
[[call_types]]
name = "high"
arrival_rate = 600
priority = 2
handle_time = { distribution = "exponential", mean = "1m" }
patience = { distribution = "exponential", mean = "1m" }
[[call_types]]
name = "low"
arrival_rate = 10
priority = 0
handle_time = { distribution = "exponential", mean = "1m" }
[[agent_groups]]
name = "desk"
agents = 2
skills = ["high", "low"]
"#;

#[test]
fn aging_prevents_starvation() {
    // High-priority load exceeds the agents (kept stable by abandonment): without aging, a
    // low-priority caller waits until the day ends; with aging, a few minutes.
    let median_low_wait = |toml: &str| {
        let records = trace(&model(toml), 0);
        let mut waits: Vec<f64> = records
            .iter()
            .filter(|r| r.call_type == 1 && r.arrival < SimTime::from_seconds(9.0 * 3600.0))
            .map(|r| (r.end_of_wait - r.arrival).as_seconds())
            .collect();
        waits.sort_by(f64::total_cmp);
        (waits[waits.len() / 2], *waits.last().unwrap())
    };
    let (with_aging, worst_with) = median_low_wait(STARVATION);
    let (without, _) = median_low_wait(&STARVATION.replace("aging = \"1m\"\n", ""));
    eprintln!("median low-priority wait: {with_aging:.0}s with aging, {without:.0}s without");
    assert!(
        worst_with < 15.0 * 60.0,
        "with aging nobody waits more than 15 minutes ({worst_with:.0}s)"
    );
    assert!(
        without > 3600.0,
        "without aging low-priority callers starve ({without:.0}s)"
    );
}

#[test]
fn a_fully_flexible_pool_of_two_types_is_erlang_c_with_the_summed_load() {
    let (n, load_each, aht) = (20u32, 18.0, 240.0);
    let rate = load_each / aht * 3600.0;
    let toml = format!(
        r#"
name = "pooled"
[simulation]
duration = "400h"
warmup = "50h"
replications = 20
seed = 5
interval = "400h"
[routing]
policy = "longest-idle"
[[call_types]]
name = "a"
arrival_rate = {rate}
handle_time = {{ distribution = "exponential", mean = "{aht}s" }}
[[call_types]]
name = "b"
arrival_rate = {rate}
handle_time = {{ distribution = "exponential", mean = "{aht}s" }}
[[agent_groups]]
name = "pool"
agents = {agents}
skills = ["a", "b"]
"#,
        agents = 2 * n
    );
    let report = callsim::run(&model(&toml), &RunOptions::default());
    let theory = ErlangC {
        agents: 2 * n,
        calls_per_second: 2.0 * rate / 3600.0,
        aht_s: aht,
    };
    let t = &report.total;
    assert_agrees("pool P(wait)", &t.p_wait, 20, theory.p_wait(), 4.0, 0.0);
    assert_agrees(
        "pool service level",
        &t.service_level,
        20,
        theory.service_level(20.0),
        4.0,
        0.0,
    );
    assert_agrees("pool ASA", &t.asa_s, 20, theory.asa_s(), 4.0, 0.0);
    // FIFO across types: each type sees the pool's service level.
    for ct in &report.call_types {
        assert_agrees(
            &format!("pool SL of {}", ct.name),
            &ct.block.service_level,
            20,
            theory.service_level(20.0),
            4.0,
            0.0,
        );
    }
}

/// On a chat desk a reservation keeps agents free, not slots: a chat agent who takes one
/// more chat and still has a slot left is still free for the reserved calls. Two agents of
/// three chats each, two kept for `vip` (who hardly calls): web chats may fill two slots of
/// each agent, and no more (the third stays for a VIP), whether the chat comes to idle
/// agents or an agent frees a slot.
#[test]
fn a_chat_desks_reservation_keeps_agents_free_not_slots() {
    let model = model(
        r#"
name = "chat reserve"
[simulation]
duration = "8h"
interval = "1h"
replications = 1
seed = 3
[[call_types]]
name = "vip"
arrival_rates = [1, 0, 0, 0, 0, 0, 0, 0]
handle_time = { distribution = "exponential", mean = "5m" }
[[call_types]]
name = "web"
arrival_rate = 24
handle_time = { distribution = "exponential", mean = "5m" }
[[agent_groups]]
name = "chat"
agents = 2
skills = ["vip", "web"]
max_concurrent = 3
[routing]
policy = "reserve"
[[routing.reserve]]
group = "chat"
agents = 2
for = ["vip"]
"#,
    );
    let records = trace(&model, 0);
    let answered: Vec<&CallRecord> = records
        .iter()
        .filter(|r| r.call_type == 1 && answered_by(r).is_some())
        .collect();
    assert!(answered.len() > 100, "{} chats answered", answered.len());
    // At most four web chats at once: two slots of each agent.
    assert_eq!(
        most_in_service_at_once(answered.iter().copied()),
        4,
        "most chats at once"
    );
}

/// Agents who arrive keep the reservation as agents who become free do: each takes a call
/// only if the agents idle once it holds it are still the reserve. One agent from the start
/// and two more from the first hour, two kept for `vip` (who hardly calls): basic calls wait
/// until the others arrive, and then one agent, never two, takes them.
#[test]
fn arriving_agents_keep_the_reservation() {
    let model = model(
        r#"
name = "reserve at a shift start"
[simulation]
duration = "4h"
interval = "1h"
replications = 1
seed = 5
[[call_types]]
name = "basic"
arrival_rate = 60
handle_time = { distribution = "exponential", mean = "3m" }
[[call_types]]
name = "vip"
arrival_rate = 0.5
handle_time = { distribution = "exponential", mean = "3m" }
[[agent_groups]]
name = "desk"
skills = ["basic", "vip"]
shifts = [{ start = "0:00", end = "4:00", agents = 1 }, { start = "1:00", end = "4:00", agents = 2 }]
[routing]
policy = "reserve"
[[routing.reserve]]
group = "desk"
agents = 2
for = ["vip"]
"#,
    );
    let records = trace(&model, 0);
    let basic: Vec<&CallRecord> = records
        .iter()
        .filter(|r| r.call_type == 0 && answered_by(r).is_some())
        .collect();
    assert!(basic.len() > 20, "{} basic calls answered", basic.len());
    let hour = SimTime::from_seconds(3600.0);
    assert!(
        basic.iter().all(|r| r.end_of_wait >= hour),
        "a basic call answered while one agent was on"
    );
    assert_eq!(
        most_in_service_at_once(basic.iter().copied()),
        1,
        "basic calls in service at once"
    );
}

/// On a chat desk with a reservation, a chat that the least loaded agent may take does not
/// wait because the agent who freed a slot may not: no moment of the day leaves such a
/// chat waiting, so a restart from any moment starts nothing the run did not. Two agents of
/// three chats each, two kept for `vip`; web chats heavy enough to queue.
#[test]
fn a_chat_desks_free_slot_goes_to_the_agent_the_reservation_allows() {
    let model = model(
        r#"
name = "chat reserve, queued"
[simulation]
duration = "6h"
interval = "1h"
replications = 1
seed = 11
[[call_types]]
name = "vip"
arrival_rate = 24
handle_time = { distribution = "exponential", mean = "5m" }
[[call_types]]
name = "web"
arrival_rate = 60
handle_time = { distribution = "exponential", mean = "5m" }
patience = { distribution = "exponential", mean = "10m" }
[[agent_groups]]
name = "chat"
agents = 3
skills = ["vip", "web"]
max_concurrent = 3
[routing]
policy = "reserve"
[[routing.reserve]]
group = "chat"
agents = 2
for = ["vip"]
"#,
    );
    let mut sim = Simulation::new(&model, Acd::new(&model), 0);
    let mut checked_with_web_waiting = 0;
    for minute in 1..360 {
        sim.run_until(SimTime::from_seconds(60.0 * minute as f64));
        let state = sim.state();
        if !state.waiting[1].is_empty() {
            checked_with_web_waiting += 1;
        }
        let again = Simulation::from_state(&model, Acd::new(&model), 1, &state).state();
        assert_eq!(again.talking, state.talking, "at minute {minute}");
        assert_eq!(again.waiting, state.waiting, "at minute {minute}");
    }
    assert!(
        checked_with_web_waiting > 100,
        "web chats waited at {checked_with_web_waiting} moments"
    );
}
