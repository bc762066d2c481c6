//! `callsim live`: one replication paced to the wall clock, on a wallboard and/or as NDJSON.

use std::future::IntoFuture;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use callsim::live::state::{day_span, parse_clock, sim_time_of_clock, StateFile};
use callsim::live::{server, Live, Pacing, Speed};
use callsim::model::Model;
use callsim::report::{self, Report};
use callsim::time::SimTime;
use clap::ValueEnum;

use super::output::OutputFile;
use super::{load, print, Failure};

/// Arguments of `callsim live`.
#[derive(Debug, clap::Args)]
pub struct LiveArgs {
    /// The scenario file (TOML); without one, the built-in default centre.
    scenario: Option<PathBuf>,
    /// Simulated seconds per real second (60: an hour a minute), or `max` (unpaced).
    #[arg(long, default_value = "60", value_parser = Speed::parse)]
    speed: Speed,
    /// What goes to stdout: the day's report at the end (`table`, `json`), or every
    /// published snapshot as one JSON line (`ndjson`).
    #[arg(long, short = 'f', value_enum, default_value_t = LiveFormat::Table)]
    format: LiveFormat,
    /// Address the wallboard server listens on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    /// Port of the wallboard server (0: any free port; the URL is printed on stderr).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Run without the wallboard server (e.g. to stream `--format ndjson`).
    #[arg(long, conflicts_with_all = ["paused", "hold"])]
    no_server: bool,
    /// Start with the clock paused (resume from the wallboard or `POST /api/pause`).
    #[arg(long)]
    paused: bool,
    /// Stop at this clock time (`HH:MM`) instead of the end of the day.
    #[arg(long, value_name = "HH:MM")]
    stop_at: Option<String>,
    /// When the run stops (the day ends, `--stop-at`, or Ctrl-C), write the live state
    /// here, for `callsim intraday --state`.
    #[arg(long, value_name = "FILE")]
    save_state: Option<PathBuf>,
    /// Replace the --save-state file if it exists.
    #[arg(long, requires = "save_state")]
    force: bool,
    /// After the day ends, keep serving the final wallboard until interrupted.
    #[arg(long)]
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
    let mut model = load(args.scenario.as_ref())?;
    if let Some(seed) = args.seed {
        model.seed = seed;
    }
    model.replications = 1;
    let stop_at = match &args.stop_at {
        None => None,
        Some(text) => {
            let t = parse_clock(text)
                .and_then(|s| sim_time_of_clock(&model, s))
                .ok_or_else(|| {
                    Failure::Usage(format!(
                        "--stop-at {text}: give a clock time within the scenario's day ({}), e.g. --stop-at 10:30",
                        day_span(&model)
                    ))
                })?;
            Some(t)
        }
    };
    let model = Arc::new(model);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(format!("starting the runtime: {e}")))?;
    runtime.block_on(session(args, model, stop_at, save_state))
}

async fn session(
    args: LiveArgs,
    model: Arc<Model>,
    stop_at: Option<SimTime>,
    save_state: Option<OutputFile>,
) -> Result<(), Failure> {
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
        let app = server::router(live.api(model.clone()));
        tokio::spawn(axum::serve(listener, app).into_future());
        eprintln!("callsim live: wallboard at http://{bound}/ (API under /api; Ctrl-C to stop)");
    }
    let ndjson = args.format == LiveFormat::Ndjson;
    let mut stdout_open = true;
    let mut stdout_failure = None;
    // Without a server, a closed stdout (`| head`) means nobody is watching: stop.
    let reader_gone = tokio::sync::Notify::new();
    let interrupted = tokio::select! {
        () = live.run(|line| {
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
        }) => false,
        _ = tokio::signal::ctrl_c() => true,
        // Whoever read the stream has what they wanted: stop quietly.
        () = reader_gone.notified(), if args.no_server => true,
    };
    if let Some(e) = stdout_failure {
        return Err(Failure::Other(format!("writing the output: {e}")));
    }
    if let Some(target) = &save_state {
        let file = StateFile::from_state(&model, &live.state());
        target.write((file.to_json() + "\n").as_bytes())?;
        eprintln!(
            "callsim live: state at {} saved to {}",
            file.clock,
            target.path().display()
        );
    }
    if interrupted {
        if stdout_open {
            eprintln!("callsim live: interrupted");
        }
        return Ok(());
    }
    if args.hold && stop_at.is_none() {
        eprintln!("callsim live: the day is over; still serving the wallboard (Ctrl-C to stop)");
        let _ = tokio::signal::ctrl_c().await;
        return Ok(());
    }
    if stop_at.is_some() && live.now() < model.horizon || ndjson {
        // Stopped before the end of the day, or the snapshots were the output.
        return Ok(());
    }
    let report = Report::new(&model, &[live.finish().measures(&model)]);
    match args.format {
        LiveFormat::Table => print(&report::table::render(&report)),
        LiveFormat::Json => print(&(report.to_json() + "\n")),
        LiveFormat::Ndjson => Ok(()),
    }
}
