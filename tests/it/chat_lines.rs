//! Chat desks with per-type lines against an exact reference: a multi-class loss network.
//!
//! Two call types (a: 60/h, exponential 6 min; b: 60/h, exponential 12 min, so a offers
//! ρa = 6 and b ρb = 12 Erlangs) share one group of agents; type a has `trunks` Ka = 10 lines,
//! type b Kb = 12. Callers have no patience at all (constant 0): whoever finds no free contact
//! slot leaves at once. With no slowdown, an agent's contacts each end at rate 1/AHT whatever
//! else it holds, so N agents × k contacts are exactly C = N·k independent servers: the state
//! is (na, nb), the contacts in hand per type, and the process is a truncation of two
//! independent M/M/∞ queues to {na ≤ Ka, nb ≤ Kb, na + nb ≤ C}. That set is coordinate-convex,
//! so the stationary law keeps the product form (Kelly, *Reversibility and Stochastic
//! Networks*, ch. 1):
//!
//! π(na, nb) ∝ ρa^na / na! · ρb^nb / nb!,
//!
//! and by PASTA a type-a caller is blocked (its lines are all in use) with probability
//! Σ π(Ka, ·), and finds lines but no slot (abandons at once) with Σ_{na < Ka, na+nb = C} π.
//! The same holds for b. The test checks 6 agents × 3 contacts and 18 agents × 1 contact (the
//! same C = 18): both must match the exact figures.

use callsim::stats::student_t_975;

use crate::support::model;

const RHO: [f64; 2] = [6.0, 12.0];
const LINES: [usize; 2] = [10, 12];
const SLOTS: usize = 18;

/// Per type: (blocked, abandoned) probabilities of the loss network above.
fn exact() -> [(f64, f64); 2] {
    let mut total = 0.0;
    let mut blocked = [0.0; 2];
    let mut no_slot = [0.0; 2];
    let factorial = |n: usize| (1..=n).map(|i| i as f64).product::<f64>();
    for na in 0..=LINES[0] {
        for nb in 0..=LINES[1] {
            if na + nb > SLOTS {
                continue;
            }
            let p = RHO[0].powi(na as i32) / factorial(na) * RHO[1].powi(nb as i32) / factorial(nb);
            total += p;
            for (t, n) in [na, nb].into_iter().enumerate() {
                if n == LINES[t] {
                    blocked[t] += p;
                } else if na + nb == SLOTS {
                    no_slot[t] += p;
                }
            }
        }
    }
    [0, 1].map(|t| (blocked[t] / total, no_slot[t] / total))
}

fn scenario(agents: u32, contacts: u32) -> String {
    format!(
        r#"
name = "chat with lines"
[simulation]
duration = "100h"
warmup = "2h"
interval = "100h"
replications = 10
seed = 2024
[[call_types]]
name = "a"
arrival_rate = 60
handle_time = {{ distribution = "exponential", mean = "6m" }}
patience = {{ distribution = "constant", value = "0s" }}
trunks = {la}
[[call_types]]
name = "b"
arrival_rate = 60
handle_time = {{ distribution = "exponential", mean = "12m" }}
patience = {{ distribution = "constant", value = "0s" }}
trunks = {lb}
[[agent_groups]]
name = "chat"
agents = {agents}
max_concurrent = {contacts}
skills = ["a", "b"]
"#,
        la = LINES[0],
        lb = LINES[1],
    )
}

/// Mean and standard error over replications.
fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

#[test]
fn chat_desks_with_per_type_lines_match_the_loss_network() {
    let reference = exact();
    // The reference itself: loss somewhere in the ranges that make the test sharp.
    assert!(
        reference[0].0 > 0.005 && reference[1].0 > 0.02,
        "{reference:?}"
    );
    assert!(
        reference[0].1 > 0.02 && reference[1].1 > 0.02,
        "{reference:?}"
    );
    for (agents, contacts) in [(18, 1), (6, 3)] {
        let m = model(&scenario(agents, contacts));
        let reps = callsim::replicate(&m, None);
        for (t, &(blocked, abandoned)) in reference.iter().enumerate() {
            for (what, theory, pick) in [
                (
                    "blocked",
                    blocked,
                    (|c: &callsim::stats::CallMeasures| c.blocked) as fn(&_) -> f64,
                ),
                ("abandoned", abandoned, |c| c.abandoned),
            ] {
                let fractions: Vec<f64> = reps
                    .iter()
                    .map(|r| pick(&r.call_types[t]) / r.call_types[t].offered)
                    .collect();
                let (mean, se) = mean_se(&fractions);
                let t975 = student_t_975(fractions.len() - 1);
                eprintln!(
                    "{agents} × {contacts}, type {t}: {what} {mean:.4} ± {:.4}, exact {theory:.4}",
                    t975 * se
                );
                assert!(
                    (mean - theory).abs() <= 4.0 * se + 0.002,
                    "{agents} agents × {contacts} contacts, type {}: {what} {mean:.4} ± {:.4} (95 %), exact {theory:.4}",
                    ["a", "b"][t],
                    t975 * se
                );
            }
        }
    }
}
