//! `callsim erlang b|c|a`: the classic calculators, both ways — the measures for a number of
//! agents, or the least agents for targets — before and after shrinkage. No scenario needed.

use std::fmt::Write;
use std::path::PathBuf;

use callsim::analytic::{
    agents_for_blocking, erlang_b, scheduled_agents, ErlangA, ErlangC, ServiceLevelTarget, Targets,
};
use callsim::scenario::{format_seconds, shown};
use serde::Serialize;

use super::args::{self, usage, TextOutput as Output};
use super::output::{refuse_misnamed, OutputFile};
use super::{emit, Failure};

/// The largest offered load accepted, Erlangs.
const MAX_LOAD: f64 = 1e6;

/// The most shrinkage `--shrinkage` takes: a hundred agents scheduled for each on the phones.
const MAX_SHRINKAGE: f64 = 0.99;

/// Which formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Formula {
    /// Erlang B: no queue; a call that finds every agent (trunk) busy is lost.
    B,
    /// Erlang C: callers queue and never hang up.
    C,
    /// Erlang A: callers queue and hang up after an exponential patience (--patience).
    A,
}

/// Arguments of `callsim erlang`.
#[derive(Debug, clap::Args)]
pub struct ErlangArgs {
    /// b (blocking, no queue), c (queue, nobody hangs up) or a (queue with abandonment).
    #[arg(value_enum)]
    formula: Formula,
    /// Calls offered per hour (fractional allowed).
    #[arg(long, value_name = "R", allow_negative_numbers = true)]
    calls_per_hour: f64,
    /// Average handle time, with units: 180s, 3m, 4m30s.
    #[arg(long, value_name = "D")]
    aht: String,
    /// Mean patience of waiting callers (exponential), with units; Erlang A only.
    #[arg(long, value_name = "D")]
    patience: Option<String>,
    /// Agents on the phones: print their measures.
    #[arg(long, value_name = "N")]
    agents: Option<u32>,
    /// The service-level threshold ("answered within T"), default 20s.
    #[arg(long, value_name = "D")]
    threshold: Option<String>,
    /// Solve: at least P % answered within T seconds, e.g. 80/20.
    #[arg(long, value_name = "P/T")]
    service_level: Option<String>,
    /// Solve: ASA at most D, e.g. 30s.
    #[arg(long, value_name = "D")]
    max_asa: Option<String>,
    /// Solve: abandon rate at most P, e.g. 5% (Erlang A).
    #[arg(long, value_name = "P")]
    max_abandon: Option<String>,
    /// Solve: occupancy at most P, e.g. 85%.
    #[arg(long, value_name = "P")]
    max_occupancy: Option<String>,
    /// Solve: blocking at most P, e.g. 1% (Erlang B).
    #[arg(long, value_name = "P")]
    max_blocking: Option<String>,
    /// Shrinkage (breaks, training, absence), e.g. 30%: also print the agents to schedule.
    #[arg(long, value_name = "P")]
    shrinkage: Option<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Output::Table)]
    format: Output,
    /// Write the report to FILE instead of stdout (complete or not at all).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Replace the --output file if it exists.
    #[arg(long)]
    force: bool,
}

/// What `erlang c` and `erlang a` print: the contract's keys first, then additions.
#[derive(Debug, Serialize)]
struct QueueResult {
    agents: u32,
    p_wait: f64,
    service_level: f64,
    asa_s: Option<f64>,
    occupancy: f64,
    abandon_rate: f64,
    formula: &'static str,
    calls_per_hour: f64,
    aht_s: f64,
    patience_s: Option<f64>,
    load_erlangs: f64,
    threshold_s: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    wait_s: Option<WaitQuantiles>,
    shrinkage: f64,
    agents_scheduled: u32,
}

/// Erlang C wait percentiles over all calls, seconds.
#[derive(Debug, Serialize)]
struct WaitQuantiles {
    p50: f64,
    p80: f64,
    p90: f64,
    p95: f64,
    p99: f64,
}

/// What `erlang b` prints.
#[derive(Debug, Serialize)]
struct LossResult {
    agents: u32,
    blocking: f64,
    formula: &'static str,
    calls_per_hour: f64,
    aht_s: f64,
    load_erlangs: f64,
    occupancy: f64,
    shrinkage: f64,
    agents_scheduled: u32,
}

/// The inputs, checked.
struct Inputs {
    calls_per_hour: f64,
    aht_s: f64,
    patience_s: Option<f64>,
    threshold_s: f64,
    targets: Targets,
    max_blocking: Option<f64>,
    shrinkage: f64,
}

impl Inputs {
    fn load(&self) -> f64 {
        self.calls_per_hour / 3600.0 * self.aht_s
    }

    fn describe_load(&self) -> String {
        format!(
            "{} Erlangs ({} calls per hour × AHT {})",
            round(self.load(), 3),
            round(self.calls_per_hour, 3),
            format_seconds(self.aht_s)
        )
    }
}

fn round(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

fn inputs(args: &ErlangArgs) -> Result<Inputs, Failure> {
    let rate = args.calls_per_hour;
    if !(rate.is_finite() && rate > 0.0) {
        return Err(usage(format!(
            "--calls-per-hour: {} is not a number of calls per hour above 0; e.g. --calls-per-hour 200",
            shown(rate)
        )));
    }
    let aht_s = args::duration("--aht", &args.aht)?;
    if aht_s <= 0.0 {
        return Err(usage(
            "--aht: a handle time of zero is not a call; e.g. --aht 3m",
        ));
    }
    // Far beyond any contact centre; a typo in the units (per day, AHT in hours) otherwise
    // sends the searches through billions of agents.
    let load = rate / 3600.0 * aht_s;
    if load > MAX_LOAD {
        return Err(usage(format!(
            "--calls-per-hour {rate:e} × --aht {} is {load:.3e} Erlangs, beyond any contact centre (limit {MAX_LOAD:e}); check the units: calls per hour, and the handle time of one call",
            args.aht
        )));
    }
    let patience_s = args
        .patience
        .as_deref()
        .map(|p| args::duration("--patience", p))
        .transpose()?;
    match (args.formula, patience_s) {
        (Formula::A, None) => {
            return Err(usage(
                "erlang a needs --patience: the mean time callers wait before hanging up, e.g. --patience 2m",
            ))
        }
        (Formula::C, Some(_)) => {
            return Err(usage(
                "--patience does not apply to erlang c, whose callers never hang up; drop it, or use `callsim erlang a --patience ...` for callers who do",
            ))
        }
        (Formula::B, Some(_)) => {
            return Err(usage(
                "--patience does not apply to erlang b, which has no queue; drop it, or use `callsim erlang a --patience ...`",
            ))
        }
        _ => {}
    }
    let threshold = args
        .threshold
        .as_deref()
        .map(|t| args::duration("--threshold", t))
        .transpose()?;
    let service_level = args
        .service_level
        .as_deref()
        .map(|s| args::service_level("--service-level", s))
        .transpose()?;
    if let Some((1.0, t)) = service_level {
        let missed = match args.formula {
            Formula::B => "some call always finds every agent busy".to_owned(),
            Formula::C | Formula::A => {
                format!("some caller always waits longer than {}", format_seconds(t))
            }
        };
        return Err(usage(format!(
            "--service-level {}: 100% is met by no finite number of agents ({missed}); e.g. --service-level 80/20",
            args.service_level.as_deref().unwrap_or_default()
        )));
    }
    if let (Some(t), Some((_, sl_t))) = (threshold, service_level) {
        if (t - sl_t).abs() > 1e-9 {
            return Err(usage(format!(
                "--threshold {} contradicts the {} of --service-level {}; give the threshold once (in --service-level P/T)",
                format_seconds(t),
                format_seconds(sl_t),
                args.service_level.as_deref().unwrap_or_default()
            )));
        }
    }
    let threshold_s = service_level.map(|(_, t)| t).or(threshold).unwrap_or(20.0);
    let max_asa_s = args.max_asa.as_deref().map(args::max_asa).transpose()?;
    let max_abandon_rate = args
        .max_abandon
        .as_deref()
        .map(args::max_abandon)
        .transpose()?;
    let max_occupancy = args
        .max_occupancy
        .as_deref()
        .map(|a| args::fraction("--max-occupancy", a, "85%"))
        .transpose()?;
    if max_occupancy == Some(0.0) {
        return Err(usage(
            "--max-occupancy: 0% leaves agents nothing to do; e.g. --max-occupancy 85%",
        ));
    }
    let max_blocking = args
        .max_blocking
        .as_deref()
        .map(|a| args::fraction("--max-blocking", a, "1%"))
        .transpose()?;
    if max_blocking == Some(0.0) {
        return Err(usage(
            "--max-blocking: 0% is met by no finite number of agents (all of them are busy at times); e.g. --max-blocking 1%",
        ));
    }
    let shrinkage = args
        .shrinkage
        .as_deref()
        .map(|a| args::fraction("--shrinkage", a, "30%"))
        .transpose()?
        .unwrap_or(0.0);
    if shrinkage >= 1.0 {
        return Err(usage(
            "--shrinkage: 100% leaves nobody on the phones; e.g. --shrinkage 30%",
        ));
    }
    if shrinkage > MAX_SHRINKAGE {
        return Err(usage(format!(
            "--shrinkage {} would schedule more than a hundred agents for each on the phones; give at most {}, e.g. --shrinkage 30%",
            args.shrinkage.as_deref().unwrap_or_default(),
            pct(MAX_SHRINKAGE)
        )));
    }
    match args.formula {
        Formula::B if max_asa_s.is_some() || max_abandon_rate.is_some() => {
            return Err(usage(
                "erlang b has no queue, so no ASA or abandonment: use --max-blocking (e.g. 1%), or `erlang c` / `erlang a` for a queue",
            ))
        }
        Formula::C if max_abandon_rate.is_some() => {
            return Err(usage(
                "--max-abandon does not apply to erlang c, whose callers never hang up; use `callsim erlang a --patience ...`",
            ))
        }
        Formula::C | Formula::A if max_blocking.is_some() => {
            return Err(usage(
                "--max-blocking is for erlang b (calls lost when all agents are busy); for a queue use --service-level, --max-asa or --max-abandon",
            ))
        }
        _ => {}
    }
    Ok(Inputs {
        calls_per_hour: rate,
        aht_s,
        patience_s,
        threshold_s,
        targets: Targets {
            service_level: service_level.map(|(fraction, threshold_s)| ServiceLevelTarget {
                fraction,
                threshold_s,
            }),
            max_asa_s,
            max_abandon_rate,
            max_occupancy,
        },
        max_blocking,
        shrinkage,
    })
}

/// Runs `callsim erlang`.
pub fn run(args: ErlangArgs) -> Result<(), Failure> {
    let output = OutputFile::check_optional("--output", args.output.as_ref(), args.force)?;
    match args.format {
        Output::Table => refuse_misnamed("--output", "tables", &["txt"], output.as_ref()),
        Output::Json => refuse_misnamed("--output", "JSON", &["json"], output.as_ref()),
    }?;
    let inputs = inputs(&args)?;
    let solving = !inputs.targets.is_empty() || inputs.max_blocking.is_some();
    let agents = match (args.agents, solving) {
        (Some(_), true) => {
            return Err(usage(
                "give either --agents N (to see their measures) or targets (--service-level, --max-asa, --max-abandon, --max-occupancy, --max-blocking: to find the least agents), not both",
            ))
        }
        (None, false) => {
            return Err(usage(
                "say how many agents (e.g. --agents 14) or what to reach (e.g. --service-level 80/20, --max-asa 30s, --max-abandon 5%, --max-occupancy 85%)",
            ))
        }
        (Some(n), false) => n,
        (None, true) => solve(args.formula, &inputs)?,
    };
    let text = match args.formula {
        Formula::B => loss(&inputs, agents, solving, args.format),
        Formula::C | Formula::A => queue(args.formula, &inputs, agents, solving, args.format)?,
    };
    emit(output.as_ref(), &text)
}

fn solve(formula: Formula, inputs: &Inputs) -> Result<u32, Failure> {
    let lambda = inputs.calls_per_hour / 3600.0;
    let solved = match formula {
        Formula::B => {
            // A call is answered at once or lost: the service level is 1 − blocking (to 12
            // decimals, so that 80 % allows the 20 % blocking it reads as, not 19.99…%).
            let from_sl = inputs
                .targets
                .service_level
                .map(|sl| round(1.0 - sl.fraction, 12));
            let max_blocking = match (inputs.max_blocking, from_sl) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            agents_for_blocking(inputs.load(), max_blocking, inputs.targets.max_occupancy)
        }
        Formula::C => ErlangC::agents_for(lambda, inputs.aht_s, &inputs.targets),
        Formula::A => ErlangA::agents_for(
            lambda,
            inputs.aht_s,
            inputs.patience_s.unwrap_or(f64::INFINITY),
            &inputs.targets,
        ),
    };
    solved.map_err(|e| {
        if e.is_beyond_evaluation() {
            return usage(e.to_string());
        }
        let t = &inputs.targets;
        let given: Vec<&str> = [
            (t.service_level.is_some(), "--service-level"),
            (t.max_asa_s.is_some(), "--max-asa"),
            (t.max_abandon_rate.is_some(), "--max-abandon"),
            (t.max_occupancy.is_some(), "--max-occupancy"),
            (inputs.max_blocking.is_some(), "--max-blocking"),
        ]
        .into_iter()
        .filter_map(|(on, flag)| on.then_some(flag))
        .collect();
        let occupancy = if t.max_occupancy.is_some() {
            " (an occupancy cap of c needs at least load ÷ c agents)"
        } else {
            ""
        };
        usage(format!("{e}; relax {}{occupancy}", given.join(", ")))
    })
}

fn targets_text(inputs: &Inputs) -> String {
    let t = &inputs.targets;
    let mut parts = Vec::new();
    if let Some(sl) = t.service_level {
        parts.push(format!(
            "{}% within {}",
            args::percent_as_given(sl.fraction),
            format_seconds(sl.threshold_s)
        ));
    }
    if let Some(a) = t.max_asa_s {
        parts.push(format!("ASA ≤ {}", format_seconds(a)));
    }
    if let Some(a) = t.max_abandon_rate {
        parts.push(format!("abandon ≤ {}%", args::percent_as_given(a)));
    }
    if let Some(o) = t.max_occupancy {
        parts.push(format!("occupancy ≤ {}%", args::percent_as_given(o)));
    }
    if let Some(b) = inputs.max_blocking {
        parts.push(format!("blocking ≤ {}%", args::percent_as_given(b)));
    }
    parts.join(", ")
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn secs(x: Option<f64>) -> String {
    x.map_or_else(|| "– (no call answered)".into(), |s| format!("{s:.1}s"))
}

fn head(out: &mut String, title: &str, inputs: &Inputs, agents: u32, solving: bool) {
    let _ = writeln!(out, "{title}");
    let _ = writeln!(out, "  offered load    {}", inputs.describe_load());
    if solving {
        let _ = writeln!(
            out,
            "  agents          {agents}  (the least meeting {})",
            targets_text(inputs)
        );
    } else {
        let _ = writeln!(out, "  agents          {agents}");
    }
    if inputs.shrinkage > 0.0 {
        let _ = writeln!(
            out,
            "  to schedule     {}  ({} shrinkage)",
            scheduled_agents(agents, inputs.shrinkage),
            pct(inputs.shrinkage)
        );
    }
}

fn loss(inputs: &Inputs, agents: u32, solving: bool, format: Output) -> String {
    let load = inputs.load();
    let blocking = erlang_b(agents, load);
    let occupancy = if agents == 0 {
        0.0
    } else {
        ((1.0 - blocking) * load / f64::from(agents)).min(1.0)
    };
    match format {
        Output::Json => {
            let result = LossResult {
                agents,
                blocking,
                formula: "b",
                calls_per_hour: inputs.calls_per_hour,
                aht_s: inputs.aht_s,
                load_erlangs: load,
                occupancy,
                shrinkage: inputs.shrinkage,
                agents_scheduled: scheduled_agents(agents, inputs.shrinkage),
            };
            serde_json::to_string_pretty(&result).expect("plain numbers serialise") + "\n"
        }
        Output::Table => {
            let mut out = String::new();
            head(
                &mut out,
                "Erlang B (M/M/N/N: a call that finds every agent busy is lost)",
                inputs,
                agents,
                solving,
            );
            let _ = writeln!(out, "  blocking        {:.3}%", blocking * 100.0);
            let _ = writeln!(out, "  occupancy       {}", pct(occupancy));
            out
        }
    }
}

fn queue(
    formula: Formula,
    inputs: &Inputs,
    agents: u32,
    solving: bool,
    format: Output,
) -> Result<String, Failure> {
    let lambda = inputs.calls_per_hour / 3600.0;
    let t = inputs.threshold_s;
    let result = match formula {
        Formula::C => {
            let q = ErlangC {
                agents,
                calls_per_second: lambda,
                aht_s: inputs.aht_s,
            };
            if !q.is_stable() {
                return Err(usage(format!(
                    "the offered load of {} needs more than {} agent{} in Erlang C: with {agents}, callers never hang up and the queue grows without bound (no finite wait). Use --agents {} or more, or `callsim erlang a --patience ...` for callers who hang up",
                    inputs.describe_load(),
                    round(inputs.load().floor(), 0),
                    if inputs.load().floor() == 1.0 { "" } else { "s" },
                    inputs.load().floor() as u64 + 1
                )));
            }
            QueueResult {
                agents,
                p_wait: q.p_wait(),
                service_level: q.service_level(t),
                asa_s: Some(q.asa_s()),
                occupancy: q.occupancy(),
                abandon_rate: 0.0,
                formula: "c",
                calls_per_hour: inputs.calls_per_hour,
                aht_s: inputs.aht_s,
                patience_s: None,
                load_erlangs: q.load(),
                threshold_s: t,
                wait_s: Some(WaitQuantiles {
                    p50: q.wait_quantile_s(0.5),
                    p80: q.wait_quantile_s(0.8),
                    p90: q.wait_quantile_s(0.9),
                    p95: q.wait_quantile_s(0.95),
                    p99: q.wait_quantile_s(0.99),
                }),
                shrinkage: inputs.shrinkage,
                agents_scheduled: scheduled_agents(agents, inputs.shrinkage),
            }
        }
        _ => {
            let patience_s = inputs.patience_s.unwrap_or(f64::INFINITY);
            let q = ErlangA {
                agents,
                calls_per_second: lambda,
                aht_s: inputs.aht_s,
                patience_s,
            };
            let p_wait = q.p_wait();
            if p_wait.is_nan() {
                return Err(usage(format!(
                    "Erlang A cannot evaluate {agents} agents for {} with a patience of {}: the queue would hold millions of callers. Shorten --patience or add agents",
                    inputs.describe_load(),
                    format_seconds(patience_s)
                )));
            }
            let asa = q.asa_s();
            QueueResult {
                agents,
                p_wait,
                service_level: q.service_level(t),
                asa_s: asa.is_finite().then_some(asa),
                occupancy: q.occupancy(),
                abandon_rate: q.abandon_rate(),
                formula: "a",
                calls_per_hour: inputs.calls_per_hour,
                aht_s: inputs.aht_s,
                patience_s: Some(patience_s),
                load_erlangs: q.load(),
                threshold_s: t,
                wait_s: None,
                shrinkage: inputs.shrinkage,
                agents_scheduled: scheduled_agents(agents, inputs.shrinkage),
            }
        }
    };
    Ok(match format {
        Output::Json => {
            serde_json::to_string_pretty(&result).expect("plain numbers serialise") + "\n"
        }
        Output::Table => {
            let mut out = String::new();
            let title = match formula {
                Formula::C => "Erlang C (M/M/N: callers queue and never hang up)".to_owned(),
                _ => format!(
                    "Erlang A (M/M/N+M: callers hang up after {} on average)",
                    format_seconds(inputs.patience_s.unwrap_or(0.0))
                ),
            };
            head(&mut out, &title, inputs, agents, solving);
            let _ = writeln!(out, "  P(wait)         {}", pct(result.p_wait));
            let _ = writeln!(
                out,
                "  service level   {}  answered within {}{}",
                pct(result.service_level),
                format_seconds(t),
                if formula == Formula::A {
                    " (abandoned calls count as missed)"
                } else {
                    ""
                }
            );
            let _ = writeln!(out, "  ASA             {}", secs(result.asa_s));
            if let Some(w) = &result.wait_s {
                let _ = writeln!(
                    out,
                    "  wait p50 p80 p90 p95 p99   {:.1}s  {:.1}s  {:.1}s  {:.1}s  {:.1}s",
                    w.p50, w.p80, w.p90, w.p95, w.p99
                );
            }
            if formula == Formula::A {
                let _ = writeln!(out, "  abandon rate    {}", pct(result.abandon_rate));
            }
            let _ = writeln!(out, "  occupancy       {}", pct(result.occupancy));
            out
        }
    })
}
