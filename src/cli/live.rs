//! `callsim live`: one replication paced to the wall clock, on a wallboard and/or as NDJSON.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;

use callsim::live::board::clock_label;
use callsim::live::state::StateFile;
use callsim::live::{server, Live, Pacing, Speed};
use callsim::model::Model;
use callsim::report::{self, Report};
use callsim::time::SimTime;
use clap::ValueEnum;
use futures_util::FutureExt;

use super::output::OutputFile;
use super::{load, print, Failure};

/// Arguments of `callsim live`.
#[derive(Debug, clap::Args)]
pub struct LiveArgs {
    /// The scenario file (TOML); without one, the built-in default centre.
    scenario: Option<PathBuf>,
    /// Simulated seconds per real second, from 0.01 to 1e6 (60: an hour a minute), or `max`
    /// (unpaced).
    #[arg(long, default_value = "60", value_parser = Speed::parse)]
    speed: Speed,
    /// What goes to stdout: the day's report at the end (`table`, `json`), or every
    /// published snapshot as one JSON line (`ndjson`).
    #[arg(long, short = 'f', value_enum, default_value_t = LiveFormat::Table)]
    format: LiveFormat,
    /// Address the wallboard server listens on. Anyone who can reach it can steer the day:
    /// keep it on loopback unless the network is yours.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    /// Port of the wallboard server (0: any free port; the URL is printed on stderr).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Run without the wallboard server (e.g. to stream `--format ndjson`).
    #[arg(long, conflicts_with_all = ["paused", "hold", "bind", "port"])]
    no_server: bool,
    /// Start with the clock paused (resume from the wallboard or `POST /api/pause`).
    #[arg(long)]
    paused: bool,
    /// Stop at this clock time (`HH:MM`) instead of the end of the day.
    #[arg(long, value_name = "HH:MM")]
    stop_at: Option<String>,
    /// When the run stops (the day ends, `--stop-at`, Ctrl-C or SIGTERM), write the live
    /// state here, for `callsim intraday --state`.
    #[arg(long, value_name = "FILE")]
    save_state: Option<PathBuf>,
    /// Replace the --save-state file if it exists.
    #[arg(long, requires = "save_state")]
    force: bool,
    /// Refuse a scenario whose estimated memory exceeds this (e.g. 4GB; default: half of
    /// this machine's memory).
    #[arg(long, value_name = "SIZE", value_parser = callsim::footprint::parse_bytes)]
    memory_budget: Option<u64>,
    /// After the day ends (and its report is printed), keep serving the final wallboard
    /// until Ctrl-C or SIGTERM (not with --stop-at, which ends the run at its clock).
    #[arg(long, conflicts_with = "stop_at")]
    hold: bool,
    /// Random seed (overrides the scenario's); the run is replication 0 of it.
    #[arg(long)]
    seed: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LiveFormat {
    /// The day's report for people, at the end.
    Table,
    /// The day's report as one JSON document, at the end.
    Json,
    /// Every snapshot as a line of JSON, as it is published.
    Ndjson,
}

pub fn live(args: LiveArgs) -> Result<(), Failure> {
    let save_state =
        OutputFile::check_optional("--save-state", args.save_state.as_ref(), args.force)?;
    OutputFile::not_an_input(&[save_state.as_ref()], args.scenario.as_slice())?;
    let mut model = load(args.scenario.as_ref())?;
    OutputFile::not_an_input(&[save_state.as_ref()], model.trace_file.as_slice())?;
    if let Some(seed) = args.seed {
        model.seed = seed;
    }
    model.replications = 1;
    super::run::check_memory(&model, Some(1), args.memory_budget)?;
    let stop_at = match &args.stop_at {
        None => None,
        Some(text) => Some(super::args::clock_in_day(&model, "--stop-at", text)?),
    };
    let model = Arc::new(model);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(format!("starting the runtime: {e}")))?;
    runtime.block_on(session(args, model, stop_at, save_state))
}

/// How the simulation loop ended.
enum Ended {
    /// The day is over, or `--stop-at` reached.
    Ran,
    /// Ctrl-C or SIGTERM, or the NDJSON reader went away.
    Interrupted,
    /// The simulation panicked (a bug): what it said.
    Crashed(String),
}

async fn session(
    args: LiveArgs,
    model: Arc<Model>,
    stop_at: Option<SimTime>,
    save_state: Option<OutputFile>,
) -> Result<(), Failure> {
    // Listen from the start: a signal that comes before would otherwise kill the process
    // without saving the state.
    let mut interrupts = Interrupts::listen()
        .map_err(|e| Failure::Other(format!("cannot listen for Ctrl-C and SIGTERM: {e}")))?;
    let pacing = Pacing {
        speed: args.speed,
        paused: args.paused,
    };
    let mut live = Live::new(&model, 0, pacing, stop_at);
    if !args.no_server {
        let address = SocketAddr::new(args.bind, args.port);
        let listener = tokio::net::TcpListener::bind(address).await.map_err(|e| {
            Failure::Other(format!(
                "cannot listen on {address}: {e} (--port 0 picks any free port)"
            ))
        })?;
        let bound = listener
            .local_addr()
            .map_err(|e| Failure::Other(format!("cannot listen on {address}: {e}")))?;
        if !bound.ip().is_loopback() {
            eprintln!(
                "callsim live: warning: listening on {bound}, not on loopback only: anyone who \
                 can reach this address can watch and steer the day (staffing, speed, pause); \
                 there is no login. Open the wallboard by address (http://ADDRESS:{}/): other \
                 host names are refused",
                bound.port()
            );
        }
        let api = live.api(model.clone());
        tokio::spawn(server::serve(listener, api, server::Limits::default()));
        // Listening on every address: this machine reaches it on loopback (and the server
        // answers a request by the address it reached, never 0.0.0.0).
        let url = match bound.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => {
                SocketAddr::new(Ipv4Addr::LOCALHOST.into(), bound.port())
            }
            IpAddr::V6(ip) if ip.is_unspecified() => {
                SocketAddr::new(std::net::Ipv6Addr::LOCALHOST.into(), bound.port())
            }
            _ => bound,
        };
        eprintln!("callsim live: wallboard at http://{url}/ (API under /api; Ctrl-C to stop)");
    }
    let ndjson = args.format == LiveFormat::Ndjson;
    let mut stdout_open = true;
    let mut stdout_failure = None;
    // Without a server, a closed stdout (`| head`) means nobody is watching: stop.
    let reader_gone = tokio::sync::Notify::new();
    let run = AssertUnwindSafe(live.run(|line| {
        if ndjson && stdout_open {
            let mut out = std::io::stdout().lock();
            if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
                // A closed pipe (`| head`) ends the stream, not the run.
                stdout_open = false;
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    stdout_failure = Some(e);
                }
                reader_gone.notify_one();
            }
        }
    }))
    .catch_unwind();
    let ended = tokio::select! {
        outcome = run => match outcome {
            Ok(()) => Ended::Ran,
            Err(panic) => Ended::Crashed(panic_message(panic.as_ref())),
        },
        () = interrupts.next() => Ended::Interrupted,
        // Whoever read the stream has what they wanted: stop quietly.
        () = reader_gone.notified(), if args.no_server => Ended::Interrupted,
    };
    if let Ended::Crashed(message) = ended {
        return Err(crashed(&model, live.now(), &message));
    }
    if let Some(e) = stdout_failure {
        return Err(Failure::Other(format!("writing the output: {e}")));
    }
    if let Some(target) = &save_state {
        let state = std::panic::catch_unwind(AssertUnwindSafe(|| live.state()))
            .map_err(|panic| crashed(&model, live.now(), &panic_message(panic.as_ref())))?;
        let file = StateFile::from_state(&model, &state);
        target.write_through_interrupts((file.to_json() + "\n").as_bytes())?;
        eprintln!(
            "callsim live: state at {} saved to {}",
            file.clock,
            target.path().display()
        );
    }
    if matches!(ended, Ended::Interrupted) {
        if stdout_open {
            let why = if live.now() >= model.horizon {
                "after closing, while the calls still in the centre were being served"
            } else {
                "the day is not over"
            };
            eprintln!(
                "callsim live: interrupted at {}: {why}, so there is no report",
                clock_label(&model, live.now())
            );
        }
        return Ok(());
    }
    // `--hold` serves the wallboard on after the end of the day (clap refuses it with
    // `--stop-at`).
    let holding = args.hold;
    // Stopped by `--stop-at` at the day's end, the day is over only once its calls are: the
    // report would count what happens after the stop, which the state saved does not hold.
    let unfinished = stop_at.is_some()
        && (live.now() < model.horizon || {
            let left = live.state().callers();
            if left > 0 && stdout_open {
                eprintln!(
                    "callsim live: stopped at {}, the end of the day, with {left} calls still \
                     in the centre, so there is no report (without --stop-at, the day's report \
                     counts them as they finish)",
                    clock_label(&model, live.now())
                );
            }
            left > 0
        });
    if unfinished || ndjson {
        // Stopped before the day was over, or the snapshots were the output.
        if holding {
            hold(&mut interrupts).await;
        }
        return Ok(());
    }
    let held = holding.then(|| live.hold());
    let now = live.now();
    let tally = std::panic::catch_unwind(AssertUnwindSafe(|| live.finish()))
        .map_err(|panic| crashed(&model, now, &panic_message(panic.as_ref())))?;
    let report = Report::new(&model, &[tally.measures(&model)]);
    match args.format {
        LiveFormat::Table => print(&report::table::render(&report))?,
        LiveFormat::Json => print(&(report.to_json() + "\n"))?,
        LiveFormat::Ndjson => {}
    }
    if held.is_some() {
        hold(&mut interrupts).await;
    }
    Ok(())
}

/// After the day: serve the final wallboard until Ctrl-C or SIGTERM.
async fn hold(interrupts: &mut Interrupts) {
    eprintln!("callsim live: the day is over; still serving the wallboard (Ctrl-C to stop)");
    interrupts.next().await;
}

/// The exit for a panic in the simulation: a bug in callsim, said as such, with the clock.
fn crashed(model: &Model, at: SimTime, message: &str) -> Failure {
    Failure::Other(format!(
        "the simulation failed at {} (a bug in callsim; please report it with the scenario \
         and the steps that led here): {message}. The wallboard has stopped; no report or \
         state was written",
        clock_label(model, at)
    ))
}

/// What a panic said, if it said it as text.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "an internal error".to_owned())
}

/// Ctrl-C (SIGINT) and SIGTERM, both meaning "stop": listened for from when it is made.
struct Interrupts {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl Interrupts {
    fn listen() -> std::io::Result<Interrupts> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Interrupts {
                int: signal(SignalKind::interrupt())?,
                term: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Interrupts {})
    }

    /// Waits for the next Ctrl-C or SIGTERM.
    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
