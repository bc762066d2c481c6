//! `callsim intraday`: forecast the rest of the day from a live state.

use std::fmt::Write as _;
use std::path::PathBuf;

use callsim::engine::{InHand, StartState};
use callsim::live::intraday::{estimated_bytes, forecast, Band, Forecast, ForecastOptions};
use callsim::live::state::{clock_with_millis, day_span, StateFile};
use callsim::scenario::input;
use clap::ValueEnum;

use super::output::{refuse_misnamed, OutputFile};
use super::{emit, load, Failure};

/// Arguments of `callsim intraday`.
#[derive(Debug, clap::Args)]
pub struct IntradayArgs {
    /// The scenario file (TOML) the state belongs to.
    scenario: PathBuf,
    /// The live state (JSON), e.g. written by `callsim live --save-state`.
    #[arg(long, value_name = "STATE.json")]
    state: PathBuf,
    /// Forecast up to this clock time (`HH:MM`); default: the end of the scenario's day.
    #[arg(long, value_name = "HH:MM")]
    until: Option<String>,
    /// Replications (independent continuations of the state).
    #[arg(long, short = 'r', default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    replications: u32,
    /// Random seed (overrides the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: Option<u32>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = IntradayFormat::Table)]
    format: IntradayFormat,
    /// Write the report to FILE instead of stdout (complete or not at all).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Replace the --output file if it exists.
    #[arg(long)]
    force: bool,
    /// Refuse a forecast whose estimated memory exceeds this (e.g. 16GB, 512MB; default:
    /// half of the machine's memory).
    #[arg(long, value_name = "SIZE", value_parser = callsim::footprint::parse_bytes)]
    memory_budget: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum IntradayFormat {
    /// A table for people.
    Table,
    /// One JSON document.
    Json,
}

pub fn intraday(args: IntradayArgs) -> Result<(), Failure> {
    let output = OutputFile::check_optional("--output", args.output.as_ref(), args.force)?;
    OutputFile::not_an_input(&[output.as_ref()], &[&args.scenario, &args.state])?;
    let mut model = load(Some(&args.scenario))?;
    OutputFile::not_an_input(&[output.as_ref()], model.trace_file.as_slice())?;
    match args.format {
        IntradayFormat::Table => refuse_misnamed("--output", "tables", &["txt"], output.as_ref()),
        IntradayFormat::Json => refuse_misnamed("--output", "JSON", &["json"], output.as_ref()),
    }?;
    // The forecast's own replications (`-r`), not the scenario's: the memory check counts
    // the replications run at once.
    model.replications = args.replications;
    let origin = args.state.display().to_string();
    let bytes = input::read_regular(&args.state, input::MAX_STATE_BYTES)
        .map_err(|e| Failure::Usage(format!("{origin}: cannot read the state file: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Failure::Usage(format!(
            "{origin}: the state file is not UTF-8 text; it is the JSON that `live --save-state` writes"
        ))
    })?;
    let state = StateFile::parse(&origin, &text)
        .and_then(|file| file.resolve(&origin, &model))
        .map_err(|e| Failure::Usage(e.to_string()))?;
    let until = match &args.until {
        None => model.horizon,
        Some(text) => super::args::clock_in_day(&model, "--until", text)?,
    };
    let day_over = state.at >= model.horizon;
    if day_over && args.until.is_some() {
        return Err(Failure::Usage(format!(
            "--until {}: the state is at {}, after the scenario's day ({}) ended: there is nothing to forecast until then",
            args.until.as_deref().unwrap_or_default(),
            clock_with_millis(&model, state.at),
            day_span(&model)
        )));
    }
    if day_over {
        let callers = state
            .waiting
            .iter()
            .chain(&state.waiting_by_class)
            .chain(&state.callbacks)
            .map(Vec::len)
            .sum::<usize>()
            + state.in_ivr.len();
        let still = if callers > 0 {
            format!(" (its {callers} caller(s) still in the centre are served after closing, counted in the intervals they arrived in, which are past)")
        } else {
            String::new()
        };
        eprintln!(
            "callsim intraday: the state is at {}, when the scenario's day ({}) is over: nothing is left to forecast{still}",
            clock_with_millis(&model, state.at),
            day_span(&model)
        );
    } else if until <= state.at {
        return Err(Failure::Usage(format!(
            "--until {}: the forecast must end after the state's clock",
            args.until.as_deref().unwrap_or("(end of day)")
        )));
    }
    if !day_over {
        warn_of_what_the_state_leaves_out(&model, &state);
    }
    let options = ForecastOptions {
        replications: args.replications,
        seed: args.seed,
        threads: args.threads.map(|n| n as usize),
        until,
    };
    super::args::warn_of_threads_beyond_cores(args.threads);
    let at_once = super::run::thread_count(args.threads).min(args.replications as usize) as u64;
    super::run::check_memory_with(
        &model,
        args.threads,
        args.memory_budget,
        &[
            (
                "the replications' measures",
                estimated_bytes(&model, &state, &options),
                "use fewer replications (-r; 1,000 give the bands to a point or two)",
            ),
            (
                "the state's callers, restored in each replication run at once",
                callsim::footprint::restored_callers_bytes(state.callers(), at_once),
                "each replication run at once restores every caller the state holds: use fewer threads (--threads 1)",
            ),
        ],
    )?;
    let result = forecast(&model, &state, &options);
    match args.format {
        IntradayFormat::Json => emit(
            output.as_ref(),
            &(serde_json::to_string_pretty(&result).expect("a forecast serialises") + "\n"),
        ),
        IntradayFormat::Table => emit(output.as_ref(), &table(&result)),
    }
}

fn band(b: &Band, pct: bool) -> String {
    let f = |x: Option<f64>| match x {
        None => "–".to_owned(),
        Some(x) if pct => format!("{:.1}", 100.0 * x),
        Some(x) => format!("{x:.1}"),
    };
    let unit = if pct && b.mean.is_some() { " %" } else { "" };
    format!("{}{unit} ({}–{})", f(b.mean), f(b.p5), f(b.p95))
}

fn table(f: &Forecast) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Intraday forecast — {}", f.scenario);
    let _ = writeln!(
        out,
        "from {} to {}, {} replications, seed {}; in brackets: {}\n",
        f.from, f.until, f.replications, f.seed, f.band
    );
    let _ = writeln!(
        out,
        "{:<8} {:<16} {:>9} {:>26} {:>24} {:>22}",
        "interval", "call type", "offered", "service level", "abandon rate", "queue at end"
    );
    if f.intervals.is_empty() {
        let _ = writeln!(out, "nothing left to forecast: the day is over");
    }
    for i in &f.intervals {
        let mut row = |name: &str, b: &callsim::live::intraday::ForecastBlock| {
            let _ = writeln!(
                out,
                "{:<8} {:<16} {:>9.1} {:>26} {:>24} {:>22}",
                i.start,
                name,
                b.offered.mean.unwrap_or(0.0),
                band(&b.service_level, true),
                band(&b.abandon_rate, true),
                band(&b.queue_at_end, false)
            );
        };
        row("all", &i.total);
        if i.call_types.len() > 1 {
            for t in &i.call_types {
                row(&t.name, &t.block);
            }
        }
    }
    out
}

/// A state file holds every caller the centre has or still owes (waiting, in the IVR,
/// about to redial or call again, callback jobs) and every contact in progress; a chat
/// contact may leave out which agent holds it and the slowdown it got when it began (a
/// file from another system, or written before they existed). Says so, with what is
/// assumed instead, so that a planner knows the first intervals may read a little off.
fn warn_of_what_the_state_leaves_out(model: &callsim::model::Model, state: &StartState) {
    let unsaid = |list: &[Vec<Vec<InHand>>], g: usize, f: fn(&InHand) -> bool| -> usize {
        let lists = list.get(g).into_iter().flatten();
        lists.flatten().filter(|c| f(c)).count()
    };
    if let (Some(cv), None) = (model.busyness_cv, state.busyness) {
        eprintln!(
            "warning: the state does not say how busy the day is (`busyness`): each replication draws the day's factor afresh (busyness_cv {cv}), as if nothing were known of today; give \"busyness\": the calls so far ÷ the forecast so far (`live` writes it)"
        );
    }
    let (mut no_slowdown, mut no_agent) = (0, 0);
    for (g, spec) in model.groups.iter().enumerate() {
        if spec.slows_contacts() {
            no_slowdown += unsaid(&state.talking, g, |c| c.others.is_none());
        }
        if spec.max_concurrent > 1 {
            for list in [&state.talking, &state.wrapping_up] {
                no_agent += unsaid(list, g, |c| c.agent.is_none());
            }
        }
    }
    if no_slowdown > 0 {
        eprintln!(
            "warning: the state does not say the slowdown of {no_slowdown} chat contact(s) in progress (`others`): each is taken as slowed by the other contacts its agent holds now"
        );
    }
    if no_agent > 0 {
        eprintln!(
            "warning: the state does not say which agent holds {no_agent} chat contact(s) in progress (`agent`): they are spread over the agents, least loaded first"
        );
    }
    for (g, needed, headcount) in callsim::live::state::contacts_beyond_the_headcount(model, state)
    {
        eprintln!(
            "warning: the contacts in hand of `{}` need {needed} agents, but it has {headcount} on the floor from the state's clock on (the schedule less shrinkage, plus extra_agents): the other {} finish their contacts and leave, as after a cut (agents already marked as leaving are not counted); if more agents are working, say how many in extra_agents",
            model.groups[g].name,
            needed as i64 - headcount
        );
    }
}
