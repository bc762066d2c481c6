//! Real time: watch a simulated day on a wallboard, steer it live, and forecast the rest of
//! the day from its state. The only part of callsim that uses tokio.
//!
//! The life of a live run:
//! 1. [`Live::new`] sets up one replication on the same engine as `run` (so with
//!    [`Speed::Max`] and no commands it ends with exactly `run`'s numbers for that
//!    replication);
//! 2. [`Live::api`] hands out the server's side — the latest [`Board`] on a `watch`
//!    channel and a command queue — for [`server::serve`];
//! 3. [`Live::run`] paces the simulation ([`clock::drive`]), publishing the board a few times
//!    a second and applying staffing, speed and pause commands between steps;
//! 4. [`Live::state`] reads the live state (for `--save-state` and [`intraday`]),
//!    [`Live::finish`] runs whatever is left and returns the replication's tally
//!    ([`Live::hold`] first, to keep serving the final board after that).
//!
//! Which part do I use? `board` for the wallboard document, `clock` to pace a simulation
//! yourself, `server` for the HTTP API, `state` for the state file, `intraday` to forecast
//! from a state.

pub mod board;
pub mod clock;
pub mod intraday;
pub mod server;
pub mod state;

use std::sync::Arc;

use tokio::sync::{mpsc, watch};

pub use board::Board;
pub use clock::{Command, Pacing, Speed};

use crate::engine::{Simulation, StartState};
use crate::model::Model;
use crate::routing::ModelRouter;
use crate::stats::Tally;
use crate::time::SimTime;

/// Commands queued before the simulation picks them up; senders wait beyond this (the
/// simulation never does).
const COMMAND_QUEUE: usize = 64;
/// Samples of the queue kept for `GET /api/history`: one per this fraction of the day.
const HISTORY_POINTS: u64 = 720;

/// The queue over the day so far, sampled, as the JSON of `GET /api/history`:
/// `{"elapsed_s": [...], "waiting": [[per call type], ...]}`.
#[derive(Debug, Default, serde::Serialize)]
struct History {
    elapsed_s: Vec<f64>,
    waiting: Vec<Vec<u32>>,
    #[serde(skip)]
    next: SimTime,
}

/// One replication of a model, run live.
pub struct Live<'m> {
    model: &'m Model,
    sim: Simulation<'m, ModelRouter>,
    pacing: Pacing,
    stop_at: Option<SimTime>,
    board: watch::Sender<Arc<str>>,
    history: watch::Sender<Arc<str>>,
    commands_tx: mpsc::Sender<Command>,
    commands: mpsc::Receiver<Command>,
    /// The state file's JSON once [`Live::run`] has returned, for `GET /api/state` then.
    final_state: watch::Sender<Option<Arc<str>>>,
}

impl<'m> Live<'m> {
    /// Replication `replication` of `model` (with the model's seed and its own routing,
    /// [`ModelRouter`]), paced by `pacing`, stopping at `stop_at` if given (else when the day
    /// is over).
    pub fn new(
        model: &'m Model,
        replication: u32,
        pacing: Pacing,
        stop_at: Option<SimTime>,
    ) -> Live<'m> {
        Live::starting_from(
            model,
            Simulation::new(model, ModelRouter::new(model), replication),
            pacing,
            stop_at,
        )
    }

    /// As [`Live::new`], from a simulation already set up (e.g. from a state).
    pub fn starting_from(
        model: &'m Model,
        sim: Simulation<'m, ModelRouter>,
        pacing: Pacing,
        stop_at: Option<SimTime>,
    ) -> Live<'m> {
        let first = Board::new(model, &sim.snapshot(), &pacing, false).to_json();
        let (board, _) = watch::channel(Arc::from(first));
        let (history, _) = watch::channel(Arc::from("{\"elapsed_s\":[],\"waiting\":[]}"));
        let (commands_tx, commands) = mpsc::channel(COMMAND_QUEUE);
        Live {
            model,
            sim,
            pacing,
            stop_at,
            board,
            history,
            commands_tx,
            commands,
            final_state: watch::channel(None).0,
        }
    }

    /// The server's side of this run, for [`server::serve`]; `model` is this run's model.
    pub fn api(&self, model: Arc<Model>) -> server::Api {
        server::Api::new(
            self.board.subscribe(),
            self.history.subscribe(),
            self.commands_tx.clone(),
            model,
        )
        .with_final_state(self.final_state.subscribe())
    }

    /// A receiver of the board as published (JSON, one line).
    pub fn subscribe(&self) -> watch::Receiver<Arc<str>> {
        self.board.subscribe()
    }

    /// Runs the day paced to the clock until it is over (or stopped), publishing each board
    /// on the channel and to `on_board` (as one line of JSON). Commands sent after it
    /// returns are refused.
    pub async fn run(&mut self, mut on_board: impl FnMut(&str)) {
        let (model, board, history_tx) = (self.model, &self.board, &self.history);
        let step = SimTime((model.horizon.0 / HISTORY_POINTS).max(1));
        let mut history = History::default();
        self.pacing = clock::drive(
            &mut self.sim,
            self.pacing,
            self.stop_at,
            &mut self.commands,
            |snapshot, pacing, finished| {
                let json = Board::new(model, snapshot, pacing, finished).to_json();
                on_board(&json);
                board.send_replace(Arc::from(json));
                if snapshot.now >= history.next || finished {
                    history.next = snapshot.now.saturating_add(step);
                    history.elapsed_s.push(snapshot.now.as_seconds());
                    history
                        .waiting
                        .push(snapshot.call_types.iter().map(|t| t.waiting).collect());
                    let json = serde_json::to_string(&history).expect("history serialises");
                    history_tx.send_replace(Arc::from(json));
                }
            },
        )
        .await;
        // Kept before the queue closes, so a state asked for after then gets this one.
        let state = state::StateFile::from_state(model, &self.sim.state()).to_json();
        self.final_state.send_replace(Some(Arc::from(state)));
        self.commands.close();
        // Pending commands are dropped: their senders learn that the day has ended.
        while self.commands.try_recv().is_ok() {}
    }

    /// The live state now.
    pub fn state(&self) -> StartState {
        self.sim.state()
    }

    /// The simulated clock.
    pub fn now(&self) -> SimTime {
        self.sim.now()
    }

    /// Runs whatever is left of the day unpaced and returns what the replication counted.
    /// The server's event streams end then, unless a [`HeldBoard`] lives on.
    pub fn finish(self) -> Tally {
        self.sim.finish()
    }

    /// Keeps the board and its history published as they are for as long as the returned
    /// value lives, also after [`Live::finish`]: the server goes on serving the final
    /// wallboard, and its event streams stay open.
    pub fn hold(&self) -> HeldBoard {
        HeldBoard {
            _board: self.board.clone(),
            _history: self.history.clone(),
            _final_state: self.final_state.clone(),
        }
    }
}

/// The final board, held published (see [`Live::hold`]).
pub struct HeldBoard {
    _board: watch::Sender<Arc<str>>,
    _history: watch::Sender<Arc<str>>,
    _final_state: watch::Sender<Option<Arc<str>>>,
}
