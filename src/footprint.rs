//! What a run will cost in memory, known before it starts, and whether its queue grows
//! without bound.
//!
//! [`estimate`] adds up what a run holds at its peak: the tallies of the replications being
//! simulated, the measures waiting to be folded in order, the report's running summary, the
//! report and its rendered text, the agents of the replications being simulated, and the
//! callers waiting in the queues, the IVR or to call again ([`peak_waiting`]).
//! Each part is a bound from the model's sizes, not a measurement: `callsim run` refuses a
//! run whose estimate exceeds its memory budget ([`default_budget`], or `--memory-budget`)
//! instead of letting the machine abort it.

use crate::model::Model;
use crate::offered::OfferedLoad;
use crate::report::{CallBlock, GroupBlock, Named, ReportFold};
use crate::stats::{CallCell, CallMeasures, GroupCell, GroupMeasures};

/// Bytes of the report's text per statistic (pretty JSON: key, mean, half-width, indent).
const TEXT_BYTES_PER_STAT: u64 = 120;
/// Bytes per call waiting in a queue: its slot in the slab, its abandonment timer in the
/// calendar, and the headroom of a growing vector (×2).
const BYTES_PER_WAITING_CALL: u64 = 256;
/// Bytes per timer pending in the calendar without a call in the queue (an overflow step
/// of a call gone): its entry, ×2 for the growth of its heap or lane.
const BYTES_PER_TIMER: u64 = 64;
/// Bytes per recorded wait while a block keeps them as a list (8, ×2 for growth).
const BYTES_PER_LISTED_WAIT: u64 = 16;
/// Bytes per agent of a replication: its record and its place in the group's lists.
const BYTES_PER_AGENT: u64 = 48;
/// Bytes per contact an agent can hold at once (`max_concurrent`, 1 for a voice agent): its
/// place in the group's free lists, its talk's entry in the calendar and its contact record.
const BYTES_PER_CONTACT_SLOT: u64 = 128;
/// Bytes of the program itself and the allocator's slack, before any run.
const BASELINE_BYTES: u64 = 32 << 20;

/// A run's memory, estimated part by part, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footprint {
    /// Tallies of the replications simulated at once (one per thread).
    pub tallies: u64,
    /// Measures of replications waiting to be folded in order (a few per thread).
    pub measures: u64,
    /// The report's running summary, with the values it keeps.
    pub summary: u64,
    /// The finished report and its rendered text.
    pub report: u64,
    /// Calls waiting in the queues at the busiest moment, and the overflow timers of calls
    /// gone, one replication per thread.
    pub queues: u64,
    /// The agents (and the contacts each can hold) of the replications simulated at once.
    pub agents: u64,
    /// The replayed trace's calls, read once and shared by every replication.
    pub trace: u64,
}

impl Footprint {
    /// The whole estimate.
    pub fn total(&self) -> u64 {
        [
            self.tallies,
            self.measures,
            self.summary,
            self.report,
            self.queues,
            self.agents,
            self.trace,
        ]
        .into_iter()
        .fold(BASELINE_BYTES, u64::saturating_add)
    }

    /// The largest part, by name (what to cut first).
    pub fn largest(&self) -> (&'static str, u64) {
        [
            (
                "interval × call type statistics of each replication",
                self.tallies,
            ),
            ("per-replication measures in flight", self.measures),
            ("the summary over replications", self.summary),
            ("the report and its text", self.report),
            (
                "callers waiting in the queues, the IVR or to call again, and their timers",
                self.queues,
            ),
            ("the agents and the contacts they can hold", self.agents),
            ("the replayed trace's calls", self.trace),
        ]
        .into_iter()
        .max_by_key(|p| p.1)
        .expect("seven parts")
    }
}

/// A queue that grows faster than the agents can serve it.
#[derive(Debug, Clone, PartialEq)]
pub struct Overload {
    /// The first interval in which it grows.
    pub from_interval: u32,
    /// How fast it grows there at the most, calls per hour beyond what the agents can answer.
    pub calls_per_hour: f64,
    /// Calls waiting at the busiest moment (estimated from the rates).
    pub peak_waiting: f64,
    /// Calls still waiting at the end of the day (estimated).
    pub waiting_at_end: f64,
    /// The call types whose queue grows (callers who never hang up, or callback jobs).
    pub call_types: Vec<u32>,
    /// Whether callback jobs (which never hang up) are in that queue.
    pub callbacks: bool,
}

/// A backlog this large is worth a warning even if it drains before the end of the day.
const HUGE_BACKLOG: f64 = 10_000.0;

/// Average agents (contact slots, after shrinkage) of each group in each interval.
fn capacity(model: &Model) -> Vec<Vec<f64>> {
    model
        .groups
        .iter()
        .map(|g| {
            let slots = g.max_concurrent as f64;
            g.available_per_interval(model.interval, model.intervals)
                .into_iter()
                .map(|agents| agents * slots)
                .collect()
        })
        .collect()
}

/// The growth of the queue of callers who never hang up, if the agents who can serve them
/// cannot keep up: checked for each such call type against its own groups, and for all of
/// them together against every group serving any. Callback jobs never hang up either: a
/// type offering callbacks counts its share of the calls reaching the agents as such
/// callers (all of them, as when the wait is long). `None` for a replayed trace (its rates
/// are not the scenario's) and for centres whose queues stay bounded.
pub fn overload(model: &Model) -> Option<Overload> {
    if model.trace.is_some() {
        return None;
    }
    overload_of(model, &reaching_per_hour(model))
}

/// The calls per hour that reach each type's agents, per interval: those the IVR serves
/// itself never queue, and transfers in do.
fn reaching_per_hour(model: &Model) -> Vec<Vec<f64>> {
    OfferedLoad::of(model).reaching_per_hour
}

/// [`overload`], given the calls reaching the agents ([`reaching_per_hour`]).
fn overload_of(model: &Model, reaching: &[Vec<f64>]) -> Option<Overload> {
    let capacity = capacity(model);
    let line_limits = model.line_limits();
    // Per type: the share of its calls that wait until answered.
    let staying = |t: usize| {
        if model.never_abandons(t) {
            1.0
        } else {
            model.call_types[t]
                .callback
                .as_ref()
                .map_or(0.0, |c| c.share)
        }
    };
    let patient_free: Vec<usize> = (0..model.call_types.len())
        .filter(|&t| staying(t) > 0.0)
        .collect();
    // Each set of types that must share its groups: each type alone, and all together.
    let mut sets: Vec<Vec<usize>> = patient_free.iter().map(|&t| vec![t]).collect();
    if patient_free.len() > 1 {
        sets.push(patient_free.clone());
    }
    let mut worst: Option<Overload> = None;
    for set in sets {
        let mut serving = vec![false; model.groups.len()];
        for &t in &set {
            for &g in &model.call_types[t].serving_groups {
                serving[g as usize] = true;
            }
        }
        // Lines bound the callers who can wait: a queue behind few of them cannot grow,
        // the calls beyond them are blocked.
        let lines = line_limits.bounding(&set).map(f64::from);
        if lines.is_some_and(|n| n < HUGE_BACKLOG) {
            continue;
        }
        let (mut backlog, mut peak, mut first, mut fastest) = (0.0f64, 0.0f64, None, 0.0f64);
        for k in 0..model.intervals {
            let rate: f64 = set
                .iter()
                .map(|&t| reaching[t][k as usize] * staying(t))
                .sum();
            let load: f64 = set
                .iter()
                .map(|&t| {
                    reaching[t][k as usize]
                        * staying(t)
                        * (model.call_types[t].mean_work_s() / 3600.0)
                })
                .sum();
            let agents: f64 = (0..model.groups.len())
                .filter(|&g| serving[g])
                .map(|g| capacity[g][k as usize])
                .sum();
            if load <= 0.0 {
                // Nothing arrives: the agents drain the backlog at their own pace.
                let hours = set
                    .iter()
                    .map(|&t| model.call_types[t].mean_work_s() / 3600.0)
                    .fold(0.0, f64::max);
                if hours > 0.0 {
                    backlog = (backlog - agents / hours * model.interval_hours(k)).max(0.0);
                }
                continue;
            }
            // Calls per hour beyond what the agents answer, at this mix's mean work.
            let growth = (load - agents) * rate / load;
            if growth > 0.0 {
                first.get_or_insert(k);
                fastest = fastest.max(growth);
            }
            backlog = (backlog + growth * model.interval_hours(k))
                .max(0.0)
                .min(lines.unwrap_or(f64::INFINITY));
            peak = peak.max(backlog);
        }
        let Some(from_interval) = first else { continue };
        if backlog <= 0.5 && peak < HUGE_BACKLOG {
            continue;
        }
        let found = Overload {
            from_interval,
            calls_per_hour: fastest,
            peak_waiting: peak,
            waiting_at_end: backlog,
            call_types: set.iter().map(|&t| t as u32).collect(),
            callbacks: set.iter().any(|&t| !model.never_abandons(t)),
        };
        if worst
            .as_ref()
            .is_none_or(|w| found.peak_waiting > w.peak_waiting)
        {
            worst = Some(found);
        }
    }
    worst
}

/// Calls offered in one replication, at most (every attempt, transfer and repeat call the
/// scenario allows, on average).
pub fn calls_per_replication(model: &Model) -> f64 {
    if let Some(trace) = &model.trace {
        return trace.len() as f64;
    }
    let busyness = 1.0 + 3.0 * model.busyness_cv.unwrap_or(0.0);
    model
        .call_types
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let first = model.calls_per_day(i);
            let attempts = t.retrial.as_ref().map_or(1.0, |r| {
                let p = r.probability.clamp(0.0, 1.0);
                (0..r.max_attempts.min(1000))
                    .map(|i| p.powi(i as i32))
                    .sum()
            });
            // A repeat call may go unresolved again: share / (1 − share) repeats per call.
            let repeats = t
                .unresolved
                .as_ref()
                .map_or(0.0, |x| x.share / (1.0 - x.share).max(1e-3));
            let more = 1.0
                + t.transfer.as_ref().map_or(0.0, |x| x.share)
                + repeats
                + t.callback.as_ref().map_or(0.0, |x| x.share);
            first * attempts * more * busyness
        })
        .sum()
}

/// Calls held at the busiest moment of one replication: the backlog of callers who never
/// hang up ([`overload`]); for the others, the calls reaching the agents × mean patience
/// (Little's law with every caller waiting until they hang up); and the callers in the IVR
/// (arrivals × mean IVR time); and the callers between two calls (redials and repeat
/// calls pending × their mean delay). Each term at most the type's calls. A replayed trace
/// counts by its own arrivals.
pub fn peak_waiting(model: &Model) -> f64 {
    waiting_at_peak(model, &OfferedLoad::of(model))
}

/// The highest of `rates`.
fn peak(rates: &[f64]) -> f64 {
    rates.iter().copied().fold(0.0, f64::max)
}

/// [`peak_waiting`] from the model's `offered` load.
fn waiting_at_peak(model: &Model, offered: &OfferedLoad) -> f64 {
    let (reaching, calls_per_day) = (&offered.reaching_per_hour, &offered.calls_per_day);
    let backlog = overload_of(model, reaching).map_or(0.0, |o| o.peak_waiting);
    let patient: f64 = (0..model.call_types.len())
        .filter(|&t| !model.never_abandons(t))
        .map(|t| {
            let ct = &model.call_types[t];
            let patience_h = ct
                .classes
                .clone()
                .filter_map(|c| model.classes[c as usize].patience.as_ref())
                .map(|p| p.mean_seconds() / 3600.0)
                .fold(0.0, f64::max);
            (peak(&reaching[t]) * patience_h).min(calls_per_day[t])
        })
        .sum();
    let in_ivr: f64 = (0..model.call_types.len())
        .filter_map(|t| {
            let ct = &model.call_types[t];
            let ivr_h = ct.ivr.as_ref()?.time.mean_seconds() / 3600.0;
            Some((peak(&ct.calls_per_hour) * ivr_h).min(calls_per_day[t]))
        })
        .sum();
    // Callers between two calls, parked until they call again: a blocked or abandoning
    // caller until its redial, an unresolved one until its repeat call.
    let between_calls: f64 = (0..model.call_types.len())
        .map(|t| {
            let ct = &model.call_types[t];
            let calls = calls_per_day[t];
            let redialing = ct.retrial.as_ref().map_or(0.0, |r| {
                let delay_h = r.delay.mean_seconds() / 3600.0;
                (peak(&reaching[t]) * r.probability * delay_h).min(calls * r.probability)
            });
            let calling_again = ct.unresolved.as_ref().map_or(0.0, |u| {
                let delay_h = u.delay.mean_seconds() / 3600.0;
                (peak(&reaching[t]) * u.share * delay_h).min(calls * u.share / (1.0 - u.share))
            });
            redialing + calling_again
        })
        .sum();
    backlog + patient + in_ivr + between_calls
}

/// Overflow timers pending at the busiest moment of one replication. A call that waited
/// keeps its next overflow step's timer until the step's time, also once answered (unless
/// its patience ran out first: then none is set): at most the calls reaching the agents ×
/// the last step's delay, or × the mean patience if shorter, and the type's calls
/// (`offered`: the model's load).
fn overflow_timers(model: &Model, offered: &OfferedLoad) -> f64 {
    let (reaching, calls_per_day) = (&offered.reaching_per_hour, &offered.calls_per_day);
    (0..model.call_types.len())
        .map(|t| {
            model.call_types[t]
                .classes
                .clone()
                .map(|c| {
                    let last_step_h = model.routing.overflow_steps[c as usize]
                        .last()
                        .map_or(0.0, |d| d.as_seconds() / 3600.0);
                    let patience_h = model.classes[c as usize]
                        .patience
                        .as_ref()
                        .map_or(f64::INFINITY, |p| p.mean_seconds() / 3600.0);
                    (peak(&reaching[t]) * last_step_h.min(patience_h)).min(calls_per_day[t])
                })
                .fold(0.0, f64::max)
        })
        .sum()
}

/// Heap bytes of the wait histogram of a block whose waits reach the whole day.
fn histogram_bytes(model: &Model) -> u64 {
    // 2048 counts of 8 bytes cover waits up to ~2 s; each doubling of the range adds 1024.
    let longest_ms = (model.horizon.0 / 1_000_000).max(2048) as f64 * 2.0;
    let doublings = (longest_ms / 2048.0).log2().ceil().max(0.0) as u64;
    (2048 + 1024 * doublings) * 8 + 128
}

/// The memory of a run of `model` (replications, seed and the like already applied) on
/// `threads` worker threads.
pub fn estimate(model: &Model, threads: usize) -> Footprint {
    let threads = threads.max(1) as u64;
    let replications = model.replications.max(1) as u64;
    let at_once = threads.min(replications);
    let in_flight = (threads * 2).min(replications);
    let intervals = model.intervals as u64;
    let classes = model.classes.len() as u64;
    let types = model.call_types.len() as u64;
    let groups = model.groups.len() as u64;
    let spans = 1 + (model.intervals - model.first_reported_interval()) as u64;
    let size = |n: usize| n as u64;

    let cells = intervals * classes;
    let calls = calls_per_replication(model).ceil() as u64;
    let histograms = cells.min(calls / crate::stats::FEW_WAITS as u64);
    let listed = calls.saturating_mul(BYTES_PER_LISTED_WAIT);
    let waits = listed.min(cells * crate::stats::FEW_WAITS as u64 * BYTES_PER_LISTED_WAIT)
        + histograms * histogram_bytes(model);
    // The day's sums in `measures`: one cell per class and the total, a histogram for those
    // with many calls.
    let day_sums = (classes + 1) * size(std::mem::size_of::<CallCell>())
        + (classes + 1).min(calls / crate::stats::FEW_WAITS as u64 + 1) * histogram_bytes(model)
        + listed.min(cells * crate::stats::FEW_WAITS as u64 * BYTES_PER_LISTED_WAIT);
    let tally = cells * size(std::mem::size_of::<CallCell>())
        + intervals * groups * size(std::mem::size_of::<GroupCell>())
        + waits
        + day_sums;

    // Each replication's measures carry a copy of its waits, for the report to pool.
    let per_measures = measures_without_waits_bytes(model) + waits;

    // Per block, its fold (~64 bytes), and per statistic and kept replication 8 bytes and
    // a bit; past the kept replications, 32 bytes per statistic.
    let values = ReportFold::values_per_replication(model) as u64;
    let kept = (crate::kept_replications(model) as u64).min(replications);
    // The waits pooled over every replication, and over the batch being added: a list per
    // cell up to a few waits, a histogram beyond.
    let pooled_calls = calls.saturating_mul(replications);
    let pooled_waits = pooled_calls
        .saturating_mul(BYTES_PER_LISTED_WAIT)
        .min(cells * crate::stats::FEW_WAITS as u64 * BYTES_PER_LISTED_WAIT)
        + cells.min(pooled_calls / crate::stats::FEW_WAITS as u64) * histogram_bytes(model);
    let summary = values * 8 + (values * 32).max(kept * values * 9) + 2 * pooled_waits;

    let named_classes = model.classes.iter().filter(|c| c.tier.is_some()).count() as u64;
    let blocks = spans * (1 + types + named_classes);
    let report = blocks * size(std::mem::size_of::<CallBlock>() + 64)
        + spans * groups * size(std::mem::size_of::<Named<GroupBlock>>() + 32)
        + ReportFold::statistics(model) as u64 * TEXT_BYTES_PER_STAT;

    let offered = OfferedLoad::of(model);
    let queues = (waiting_at_peak(model, &offered).ceil() as u64)
        .saturating_mul(BYTES_PER_WAITING_CALL)
        .saturating_add(
            (overflow_timers(model, &offered).ceil() as u64).saturating_mul(BYTES_PER_TIMER),
        );

    let agents = (0..model.groups.len())
        .map(|g| {
            let slots = u64::from(model.groups[g].max_concurrent.max(1));
            u64::from(model.max_agents(g as crate::model::GroupId))
                .saturating_mul(BYTES_PER_AGENT + slots * BYTES_PER_CONTACT_SLOT)
        })
        .fold(0, u64::saturating_add);

    Footprint {
        tallies: at_once * tally,
        measures: in_flight * per_measures,
        summary,
        report,
        queues: at_once.saturating_mul(queues),
        agents: at_once.saturating_mul(agents),
        trace: model
            .trace
            .as_deref()
            .map_or(0, |t| size(std::mem::size_of_val(t.as_slice()))),
    }
}

/// Bytes that `callers` restored from a saved state take in each of `at_once` replications
/// run together (a forecast from the state): as many calls waiting.
pub fn restored_callers_bytes(callers: u64, at_once: u64) -> u64 {
    callers
        .saturating_mul(BYTES_PER_WAITING_CALL)
        .saturating_mul(at_once)
}

/// Bytes of one replication's measures without its waits (what `staff` keeps per
/// replication): per reported interval and the day, a block per call type and class and
/// one per group.
pub fn measures_without_waits_bytes(model: &Model) -> u64 {
    let spans = 1 + u64::from(model.intervals - model.first_reported_interval());
    let blocks = 1 + model.call_types.len() as u64 + model.classes.len() as u64;
    spans
        * (blocks * std::mem::size_of::<CallMeasures>() as u64
            + model.groups.len() as u64 * std::mem::size_of::<GroupMeasures>() as u64
            + 128)
}

/// What writing `model`'s report as a workbook holds: every cell of its Data sheet until
/// the file is written (the writer keeps the whole sheet). 1.24 and 1.43 kB a row measured
/// (a day of 1- and 5-minute intervals, 10 call types, 5 groups: 632 MB for 425,000 rows);
/// 1.5 kB is counted.
pub fn workbook_bytes(model: &Model) -> u64 {
    const PER_ROW: u64 = 1536;
    (crate::report::xlsx::rows_needed(model) as u64).saturating_mul(PER_ROW)
}

/// Bytes `compare` keeps per replication of an alternative: the day's measures of the
/// total, each call type and each tier, with their names.
pub fn compared_bytes_per_replication(model: &Model) -> u64 {
    let named_classes = model.classes.iter().filter(|c| c.tier.is_some()).count();
    let blocks = (1 + model.call_types.len() + named_classes) as u64;
    blocks * (std::mem::size_of::<(String, CallMeasures)>() as u64 + 32) + 24
}

/// What `fit` holds at its peak for a log of `bytes` bytes in `rows` rows, the longest of
/// `longest_row` bytes: the text and the row being read, which costs about six times its
/// length at the peak (the CSV reader's buffer grown by doubling, the record as text and
/// the header's copy; a 300 MB log with no line break, one row, peaked at 2.1 GB), and the
/// calls parsed from it with their share of the fitting's tables. A call costs 170 bytes
/// measured on short rows (time, type, outcome, wait, talk) and 290 with agents and caller
/// ids; 400 is counted, an upper bound.
pub fn fit_bytes(bytes: u64, rows: u64, longest_row: u64) -> (u64, u64) {
    const PER_CALL: u64 = 400;
    const PER_BYTE_OF_THE_LONGEST_ROW: u64 = 6;
    (
        bytes.saturating_add(longest_row.saturating_mul(PER_BYTE_OF_THE_LONGEST_ROW)),
        rows.saturating_mul(PER_CALL),
    )
}

/// The memory budget when none is given: half of the machine's memory (or of the
/// container's limit, when lower), or 4 GB when neither can be read.
pub fn default_budget() -> u64 {
    let total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|rest| {
                    rest.trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<u64>()
                        .ok()
                })
                .map(|kb| kb * 1024)
        });
    let limit = [
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ]
    .iter()
    .find_map(|p| std::fs::read_to_string(p).ok()?.trim().parse::<u64>().ok());
    match (total, limit) {
        (Some(t), Some(l)) => t.min(l) / 2,
        (Some(m), None) | (None, Some(m)) => m / 2,
        (None, None) => 4_000_000_000,
    }
}

/// Parses a size such as `16GB`, `512MB`, `2GiB` or `1000000` (bytes).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    if number.is_empty() {
        return Err(format!(
            "`{text}` is not a size: write a positive number and a unit, e.g. 16GB or 512MB"
        ));
    }
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024f64.powi(4),
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`: use B, KB, MB, GB, TB (or KiB, MiB, GiB, TiB), e.g. 16GB"
            ))
        }
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size: write e.g. 16GB or 512MB"))?;
    let bytes = value * factor;
    if !(1.0..=1.8e19).contains(&bytes) {
        return Err(format!(
            "`{text}` is out of range: between 1 byte and 18 EB"
        ));
    }
    Ok(bytes as u64)
}

/// A size for people: `1.5 GB`, `820 MB`, `12 kB`, `16 bytes`.
pub fn format_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e12 {
        format!("{:.1} TB", b / 1e12)
    } else if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.0} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.0} kB", b / 1e3)
    } else if bytes == 1 {
        "1 byte".into()
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_print() {
        assert_eq!(parse_bytes("16GB"), Ok(16_000_000_000));
        assert_eq!(parse_bytes("2GiB"), Ok(2 << 30));
        assert_eq!(parse_bytes("512 mb"), Ok(512_000_000));
        assert_eq!(parse_bytes("1000"), Ok(1000));
        assert_eq!(parse_bytes("1.5G"), Ok(1_500_000_000));
        assert!(parse_bytes("16 parsecs")
            .unwrap_err()
            .contains("unknown unit"));
        assert!(parse_bytes("GB").is_err());
        // A sign is not a unit: the message says what a size looks like.
        assert!(parse_bytes("-5GB").unwrap_err().contains("is not a size"));
        assert!(parse_bytes("0").is_err());
        assert_eq!(format_bytes(1_500_000_000), "1.5 GB");
        assert_eq!(format_bytes(820_000_000), "820 MB");
        assert_eq!(format_bytes(12_000), "12 kB");
        // A tiny --memory-budget is printed as what it is, not as "0 kB".
        assert_eq!(format_bytes(16), "16 bytes");
    }
}
