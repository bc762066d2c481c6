//! The paced clock: advances a [`Simulation`] in step with tokio's clock, applies commands
//! between steps, and publishes its state a few times a second.
//!
//! At speed *f* the simulated clock reads `anchor + f × (real time since the anchor)`; the
//! anchor moves whenever the speed changes or the clock resumes after a pause, so a change
//! never makes simulated time jump. At [`Speed::Max`] the simulation runs unpaced, in
//! slices of [`MAX_SLICE`] of simulated time, yielding to the runtime between slices so that
//! the server (even on a single-threaded runtime) and commands are served. All waiting uses
//! `tokio::time`, so tests run it on tokio's paused clock, deterministically.
//!
//! The loop never waits for a client: it publishes with a callback (the live mode sends to
//! a `watch` channel, which keeps only the latest value) and polls its command queue.

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::engine::{Observer, Simulation, Snapshot, StaffingError, StartState};
use crate::routing::Router;
use crate::time::SimTime;

/// How often the state is published, in real time.
pub const PUBLISH_EVERY: Duration = Duration::from_millis(250);
/// Simulated time run between two looks at the real clock at [`Speed::Max`].
pub const MAX_SLICE: SimTime = SimTime(60 * 1_000_000_000);
/// The fastest paced speed accepted, simulated seconds per real second.
pub const MAX_SPEED: f64 = 1e6;
/// The slowest speed accepted: a simulated second every 100 real seconds. Slower would
/// leave the day standing still (5e-324 would never finish it).
pub const MIN_SPEED: f64 = 0.01;

/// How fast the simulated clock runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    /// As fast as the machine can (unpaced).
    Max,
    /// Simulated seconds per real second ([`MIN_SPEED`] to [`MAX_SPEED`]).
    Factor(f64),
}

impl Speed {
    /// `"max"` or a number of simulated seconds per real second in
    /// `[MIN_SPEED, MAX_SPEED]`.
    pub fn parse(text: &str) -> Result<Speed, String> {
        if text.trim().eq_ignore_ascii_case("max") {
            return Ok(Speed::Max);
        }
        match text.trim().parse::<f64>() {
            Ok(f) => Speed::factor(f),
            Err(_) => Err(format!(
                "`{text}` is not a speed: give simulated seconds per real second (e.g. 60) or `max`"
            )),
        }
    }

    /// A paced speed, checked: from [`MIN_SPEED`] to [`MAX_SPEED`].
    pub fn factor(f: f64) -> Result<Speed, String> {
        if (MIN_SPEED..=MAX_SPEED).contains(&f) {
            Ok(Speed::Factor(f))
        } else {
            Err(format!(
                "a speed of {} is out of range: give a number of simulated seconds per real second from {MIN_SPEED} to {MAX_SPEED}, or \"max\"",
                crate::scenario::shown(f)
            ))
        }
    }
}

/// The clock's settings, which commands change while it runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pacing {
    /// How fast.
    pub speed: Speed,
    /// Whether the simulated clock is stopped.
    pub paused: bool,
}

/// A request to the running simulation; each carries where to send the answer.
#[derive(Debug)]
pub enum Command {
    /// Add (or remove, if negative) agents of a group from now on; answers the new headcount.
    Staffing {
        /// The group id.
        group: u32,
        /// Agents to add (negative: to remove).
        change: i64,
        /// The new headcount, or why the change was refused (nothing changed).
        reply: oneshot::Sender<Result<u32, StaffingError>>,
    },
    /// Change the speed.
    Speed {
        /// The new speed.
        speed: Speed,
        /// Acknowledged once applied.
        reply: oneshot::Sender<()>,
    },
    /// Pause or resume.
    Pause {
        /// `true` to pause.
        paused: bool,
        /// Acknowledged once applied.
        reply: oneshot::Sender<()>,
    },
    /// Read the live state (for `GET /api/state` and `--save-state`).
    State {
        /// The state now.
        reply: oneshot::Sender<StartState>,
    },
}

/// Runs `sim` paced by `pacing` until nothing more can happen or the clock reaches
/// `stop_at`, applying `commands` as they come and calling `publish` with the state at the
/// start, every [`PUBLISH_EVERY`] of real time, after every command, and at the end (with
/// `finished` = true). Returns the pacing as it was at the end.
pub async fn drive<R: Router, O: Observer>(
    sim: &mut Simulation<'_, R, O>,
    mut pacing: Pacing,
    stop_at: Option<SimTime>,
    commands: &mut mpsc::Receiver<Command>,
    mut publish: impl FnMut(&Snapshot, &Pacing, bool),
) -> Pacing {
    let stop = stop_at.unwrap_or(SimTime::NEVER);
    let over = |sim: &Simulation<'_, R, O>| sim.is_done() || sim.now() >= stop;
    let mut anchor = (Instant::now(), sim.now());
    let mut next_publish = Instant::now() + PUBLISH_EVERY;
    let mut commands_open = true;
    publish(&sim.snapshot(), &pacing, over(sim));
    while !over(sim) {
        if pacing.paused {
            match commands.recv().await {
                Some(command) => apply(sim, &mut pacing, command),
                // Nobody can resume the clock: resume it.
                None => {
                    commands_open = false;
                    pacing.paused = false;
                }
            }
            anchor = (Instant::now(), sim.now());
            next_publish = Instant::now() + PUBLISH_EVERY;
            publish(&sim.snapshot(), &pacing, false);
            continue;
        }
        match pacing.speed {
            Speed::Max => {
                let target = sim.now().saturating_add(MAX_SLICE).min(stop);
                sim.run_until(target);
                let mut changed = false;
                while let Ok(command) = commands.try_recv() {
                    apply(sim, &mut pacing, command);
                    changed = true;
                }
                if changed {
                    anchor = (Instant::now(), sim.now());
                }
                let now = Instant::now();
                if changed || now >= next_publish {
                    next_publish = now + PUBLISH_EVERY;
                    publish(&sim.snapshot(), &pacing, false);
                }
                tokio::task::yield_now().await;
            }
            Speed::Factor(factor) => {
                tokio::select! {
                    biased;
                    command = commands.recv(), if commands_open => {
                        advance(sim, anchor, factor, stop);
                        match command {
                            Some(command) => apply(sim, &mut pacing, command),
                            None => commands_open = false,
                        }
                        anchor = (Instant::now(), sim.now());
                        next_publish = Instant::now() + PUBLISH_EVERY;
                        publish(&sim.snapshot(), &pacing, false);
                    }
                    () = tokio::time::sleep_until(next_publish) => {
                        // From now, not from the missed tick: a slow machine publishes less
                        // often rather than in bursts.
                        next_publish = Instant::now() + PUBLISH_EVERY;
                        advance(sim, anchor, factor, stop);
                        publish(&sim.snapshot(), &pacing, false);
                    }
                }
            }
        }
    }
    publish(&sim.snapshot(), &pacing, true);
    pacing
}

/// Runs `sim` to where the paced clock stands now (never backwards, never past `stop`).
fn advance<R: Router, O: Observer>(
    sim: &mut Simulation<'_, R, O>,
    (real, simulated): (Instant, SimTime),
    factor: f64,
    stop: SimTime,
) {
    let elapsed = Instant::now().duration_since(real).as_nanos() as f64;
    let target = SimTime(
        simulated
            .0
            .saturating_add((elapsed * factor).round() as u64),
    )
    .min(stop);
    if target > sim.now() {
        sim.run_until(target);
    }
}

/// Applies one command; the answer goes back on its channel (a client that has gone away
/// is no concern of the simulation's).
fn apply<R: Router, O: Observer>(
    sim: &mut Simulation<'_, R, O>,
    pacing: &mut Pacing,
    command: Command,
) {
    match command {
        Command::Staffing {
            group,
            change,
            reply,
        } => {
            let _ = reply.send(sim.change_staffing(group, change));
        }
        Command::Speed { speed, reply } => {
            pacing.speed = speed;
            let _ = reply.send(());
        }
        Command::Pause { paused, reply } => {
            pacing.paused = paused;
            let _ = reply.send(());
        }
        Command::State { reply } => {
            let _ = reply.send(sim.state());
        }
    }
}
