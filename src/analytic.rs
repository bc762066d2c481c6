//! Exact queueing formulas: the oracle the simulator is tested against, and the engine of the
//! `erlang` verb and staffing searches.
//!
//! Times are seconds, rates per second, loads in Erlangs (calls per second × mean handle
//! time, fractional allowed). Every model here assumes Poisson arrivals at a constant rate,
//! exponential handle times, N identical agents, first-come-first-served, and reports
//! steady-state (long-run) averages.
//!
//! # Which formula do I use when
//!
//! | Callers who find every agent busy…                    | Model     | Use                                   |
//! |-------------------------------------------------------|-----------|---------------------------------------|
//! | are lost (busy tone, overflow, no queue)              | M/M/N/N   | [`erlang_b`]                          |
//! | queue and never hang up                               | M/M/N     | [`ErlangC`] ([`erlang_c()`] for P(wait)) |
//! | queue, and hang up after an exponential patience      | M/M/N+M   | [`ErlangA`]                           |
//! | queue for a single agent                              | M/M/1     | [`mm1_mean_wait_s`], [`ErlangC`] with N = 1 |
//!
//! * **Erlang C** is the textbook and workforce-management standard. It ignores abandonment,
//!   so when real callers hang up it overstates waits and staff, and once load ≥ agents it
//!   has no steady state at all (waits are reported as `f64::INFINITY`). Use it to compare
//!   with traditional tools and as the oracle for simulations with infinite patience.
//! * **Erlang A** adds one input, the mean patience; estimate it from data as total time in
//!   queue of all callers (answered or not) ÷ number of abandons. It is always stable, so it
//!   gives sensible numbers in overload. Patience `f64::INFINITY` is exactly Erlang C and
//!   patience 0 exactly Erlang B. Its service level counts abandoned calls as missed
//!   (answered within t ÷ all calls) and its ASA averages answered calls only; note that in
//!   large overloaded centres the answered calls' waits concentrate near
//!   patience·ln(load/N), so a service-level target can be met with heavy abandonment:
//!   look at [`ErlangA::abandon_rate`] too.
//! * **Erlang B** is also the building block of the other two.
//! * **Staffing**: [`ErlangC::agents_for_service_level`] and
//!   [`ErlangA::agents_for_service_level`] return the least number of agents meeting a
//!   service-level target; [`ErlangC::agents_for`] and [`ErlangA::agents_for`] the least
//!   number meeting several [`Targets`] at once (service level, ASA, abandon rate,
//!   occupancy), [`agents_for_blocking`] Erlang B's; [`scheduled_agents`] adds shrinkage.
//! * **As the simulator's oracle**: use exponential handle times (and, for Erlang A,
//!   exponential patience), a constant arrival rate and FIFO routing, and compare long-run
//!   averages after a warm-up.
//!
//! # Guarantees
//! Probabilities are in [0, 1] and waits are never negative. Unstable Erlang C queues give
//! the limiting values documented on [`ErlangC`]. Negative or NaN inputs give NaN (the
//! staffing searches panic instead, since they could not terminate).
//!
//! # Numerics
//! Erlang B uses its recursion B(n) = A·B(n−1)/(n + A·B(n−1)): no factorials, no overflow,
//! accurate for thousands of agents. Erlang C is computed from B. Erlang A uses B for the
//! states with a free agent and sums the waiting states in log space; the service level uses
//! the fact that a conditionally answered wait is hypoexponential with rates
//! Nμ + θ, Nμ + 2θ, …, which is a Beta law whose CDF is a negative-binomial tail, so it is
//! evaluated with positive terms only (details in `analytic/erlang_a.rs`).

mod erlang_a;
mod erlang_c;
mod formulas;
mod targets;

pub use erlang_a::ErlangA;
pub use erlang_c::ErlangC;
pub use formulas::{erlang_b, erlang_c, mm1_mean_wait_s, offered_load};
pub use targets::{
    agents_for_blocking, scheduled_agents, ServiceLevelTarget, Targets, Unreachable,
};
