//! A study split over machines: `run`, `compare` or `sweep` with `--shard K/N` simulates only
//! shard K's replications and writes a **part**; `merge` checks that parts belong together
//! and folds them into the output, byte-identical to the study run on one machine.
//!
//! A study is `runs` models (1 for `run`, one per alternative of `compare`, one per point of
//! `sweep`) of `replications` each; its **items** are numbered run-major
//! (`item = run × replications + replication`) and shard K of N holds a contiguous block of
//! them.
//!
//! Why it is exact: every replication draws from its own random streams, so its
//! [`ReplicationMeasures`] do not depend on which machine ran it; a part keeps them whole
//! (floats as shortest round-trip decimals, parsed back exactly); and merging folds them in
//! replication order through the same code as the verb run on one machine ([`ReportFold`]
//! for `run` and `sweep`, [`crate::compare::compare_measures`] for `compare`).
//!
//! A part file is two lines of JSON: a [`PartHeader`] (small, read first, so that a part of
//! a newer format is refused before its body is parsed), then the body: a copy of the header
//! (so that the checksum covers it too), the scenario's text, the study's settings (what
//! `compare` or `sweep` needs besides the scenario to rebuild its models and its output) and
//! the measures of the items held, whose SHA-256 the header records.
//!
//! A part also keeps the waits of its answered calls, per model, batch of replications
//! ([`crate::stats::wait_batch`]), reported interval and call class, pooled over the
//! replications it holds ([`WaitGrid`], as counts per histogram bucket): the reports' wait
//! percentiles pool every replication's calls (and each batch's for their intervals), and so
//! does the HTML report's waiting-time distribution, so `merge` adds the parts' waits up and
//! gives exactly what one machine gives.
//!
//! Format 4 is read. Earlier formats (1: `run` only; 2: every verb; 3: the waits of `run`
//! parts per class only) are refused with the advice to rerun the shards: they lack the
//! waits per interval that the percentiles now pool.

use std::ops::Range;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::Model;
use crate::report::{Report, ReportFold};
use crate::scenario::Source;
use crate::stats::{ReplicationMeasures, WaitGrid, Waits};
use crate::RunOptions;

/// What the first field of every part says.
pub const FORMAT_NAME: &str = "callsim-part";
/// The part format this callsim writes, and the only one it reads (see the module docs).
pub const FORMAT_VERSION: u32 = 5;
/// The callsim that writes the parts; parts of another version are not merged.
pub const CALLSIM_VERSION: &str = env!("CARGO_PKG_VERSION");

/// One of `count` shards of a study, numbered from 0 (as Slurm array tasks `--array=0-N-1`
/// and Kubernetes completion indexes are).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, `0..count`.
    pub index: u32,
    /// How many shards the study is split into.
    pub count: u32,
}

impl Shard {
    /// Parses `K/N` (0 ≤ K < N); the error says what to write.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let fix = "write the shard's number and the number of shards, counted from 0, e.g. \
                   --shard 0/4 … --shard 3/4 (with Slurm: --shard \"$SLURM_ARRAY_TASK_ID/4\")";
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("--shard: `{text}` has no `/`; {fix}"))?;
        let number = |s: &str| {
            s.trim()
                .parse::<u32>()
                .map_err(|_| format!("--shard: `{s}` is not a whole number; {fix}"))
        };
        let (index, count) = (number(k)?, number(n)?);
        if count == 0 || index >= count {
            return Err(format!(
                "--shard: {text} is not a shard: shards are numbered 0 to N-1; {fix}"
            ));
        }
        Ok(Shard { index, count })
    }

    /// The items this shard runs of `total`: a contiguous block, the blocks of all shards
    /// covering `0..total` once, their sizes differing by at most one.
    pub fn items(&self, total: u64) -> Range<u64> {
        let at = |k: u32| (k as u128 * total as u128 / self.count as u128) as u64;
        at(self.index)..at(self.index + 1)
    }
}

/// Which verb wrote a part, and so how `merge` turns its measures into output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PartKind {
    /// `callsim run`: one model.
    #[default]
    Run,
    /// `callsim compare`: one model per alternative.
    Compare,
    /// `callsim sweep`: one model per point.
    Sweep,
}

impl PartKind {
    /// The verb that writes parts of this kind.
    pub fn verb(self) -> &'static str {
        match self {
            PartKind::Run => "run",
            PartKind::Compare => "compare",
            PartKind::Sweep => "sweep",
        }
    }

    /// What one model of the study is called in messages.
    fn run_name(self) -> &'static str {
        match self {
            PartKind::Run => "run",
            PartKind::Compare => "alternative",
            PartKind::Sweep => "point",
        }
    }
}

/// The number of runs of a format-1 part, which has no `runs`.
fn one() -> u32 {
    1
}

/// The first line of a part: what it is, where it belongs, and the checksum of the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartHeader {
    /// Always [`FORMAT_NAME`].
    pub format: String,
    /// The part format, [`FORMAT_VERSION`] when written by this callsim.
    pub format_version: u32,
    /// The callsim that wrote it.
    pub callsim_version: String,
    /// The verb that wrote it (absent in format 1: `run`).
    #[serde(default)]
    pub kind: PartKind,
    /// Where the scenario came from (a file name, or `<default scenario>`), for messages.
    pub scenario_origin: String,
    /// SHA-256, in hex, of the study's inputs: the scenario's text, followed (for `compare`
    /// and `sweep`) by a zero byte and the settings' JSON.
    pub scenario_sha256: String,
    /// The seed of the whole study.
    pub seed: u64,
    /// The models of the study: 1 for `run`, one per alternative of `compare` or point of
    /// `sweep` (absent in format 1: 1).
    #[serde(default = "one")]
    pub runs: u32,
    /// The replications of each model.
    pub replications: u32,
    /// This part's shard, `0..shards`.
    pub shard: u32,
    /// How many shards the study was split into.
    pub shards: u32,
    /// The first item held, `run × replications + replication` (for `run`: the replication).
    #[serde(alias = "first_replication")]
    pub first_item: u64,
    /// The last item held (inclusive).
    #[serde(alias = "last_replication")]
    pub last_item: u64,
    /// The length in bytes of the body line (without its newline).
    pub body_bytes: u64,
    /// SHA-256 of the body line (without its newline), in hex.
    pub body_sha256: String,
}

impl PartHeader {
    /// Every item of the study: runs × replications.
    pub fn items(&self) -> u64 {
        u64::from(self.runs) * u64::from(self.replications)
    }

    /// One item in words: `replication 3` for `run`, `point 4, replication 5` for the others.
    fn describe_item(&self, item: u64) -> String {
        let per = u64::from(self.replications).max(1);
        if self.kind == PartKind::Run && self.runs == 1 {
            format!("replication {item}")
        } else {
            let name = self.kind.run_name();
            format!("{name} {}, replication {}", item / per, item % per)
        }
    }

    /// The items in `items` in words: `replications 2–3` for `run`, `point 4, replications
    /// 0–9` or `point 4 replication 5 to point 6 replication 2` for the others.
    fn describe(&self, items: Range<u64>) -> String {
        if items.is_empty() {
            return "none".to_owned();
        }
        let per = u64::from(self.replications).max(1);
        let (first, last) = (items.start, items.end - 1);
        let name = self.kind.run_name();
        if self.kind == PartKind::Run && self.runs == 1 {
            format!("replications {first}–{last}")
        } else if first / per == last / per {
            format!(
                "{name} {}, replications {}–{}",
                first / per,
                first % per,
                last % per
            )
        } else {
            format!(
                "{name} {} replication {} to {name} {} replication {}",
                first / per,
                first % per,
                last / per,
                last % per
            )
        }
    }
}

/// The second line of a part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PartBody {
    /// The header without its body fields (`body_bytes` 0, `body_sha256` empty): the body's
    /// checksum thus covers the header too, so an edited header is refused, not believed.
    header: PartHeader,
    /// The scenario's text, so that `merge` needs nothing but the parts.
    scenario: String,
    /// What `compare` or `sweep` needs besides the scenario to rebuild its models and its
    /// output (`null`, and left out, for `run`).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    settings: serde_json::Value,
    /// The measures of items `first_item..=last_item`, in order.
    measures: Vec<ReplicationMeasures>,
    /// Per model and batch of replications the part holds items of, in order: the waits of
    /// their answered calls.
    waits: Vec<BatchWaits>,
}

/// The waits of the answered calls of one model's replications of one batch held by a part,
/// per reported interval and call class, pooled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchWaits {
    /// The model's index in the study.
    pub run: u32,
    /// The batch of its replications ([`crate::stats::wait_batch`]).
    pub batch: u64,
    /// Their waits.
    pub waits: WaitGrid,
}

/// One shard's result, read back from its file.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The header.
    pub header: PartHeader,
    /// The scenario's text.
    pub scenario: String,
    /// The verb's settings (`null` for `run`).
    pub settings: serde_json::Value,
    /// The measures of the items held, in order.
    pub measures: Vec<ReplicationMeasures>,
    /// Per model and batch it holds items of: their waits, pooled.
    pub waits: Vec<BatchWaits>,
}

/// SHA-256 of `bytes` in lower-case hex.
fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// [`PartHeader::scenario_sha256`] of `scenario` and `settings`.
fn inputs_sha256(scenario: &str, settings: &serde_json::Value) -> String {
    if settings.is_null() {
        return sha256_hex(scenario.as_bytes());
    }
    let mut hash = Sha256::new();
    hash.update(scenario.as_bytes());
    hash.update([0]);
    hash.update(settings.to_string().as_bytes());
    hex(&hash.finalize())
}

/// What a shard of a study runs: which verb, the scenario and the settings that together
/// rebuild the models on any machine (they are recorded in the part), and the models
/// themselves, which all share one seed and number of replications.
pub struct Study<'a> {
    /// The verb.
    pub kind: PartKind,
    /// The scenario (for `compare`, the first one; the variants are in the settings).
    pub source: &'a Source,
    /// The verb's settings (`null` for `run`).
    pub settings: serde_json::Value,
    /// The models, in the order their measures are merged.
    pub models: &'a [Model],
}

impl<'a> Study<'a> {
    /// The study of `callsim run`: the scenario in `source`, loaded as `model` with the
    /// run's options applied.
    pub fn run(source: &'a Source, model: &'a Model) -> Study<'a> {
        Study {
            kind: PartKind::Run,
            source,
            settings: serde_json::Value::Null,
            models: std::slice::from_ref(model),
        }
    }

    /// Every item of the study: its models' replications.
    pub fn items(&self) -> u64 {
        self.models.iter().map(|m| u64::from(m.replications)).sum()
    }
}

/// What a shard tells its caller as it goes (for progress).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardStep {
    /// Model `run` of the study starts its replications.
    Starting {
        /// The model's index.
        run: usize,
    },
    /// `items` of the shard's items are finished (told after each).
    Finished {
        /// Items finished so far.
        items: u64,
    },
}

/// Runs `shard`'s items of `study` on `threads` and returns the part file's text; `step` is
/// told when each model starts and after each item (for progress). Refuses more shards than
/// items (a shard would hold none) and trace replays.
pub fn run_study_shard(
    study: &Study,
    threads: Option<usize>,
    shard: Shard,
    mut step: impl FnMut(ShardStep) + Send,
) -> Result<String, String> {
    let Some(first) = study.models.first() else {
        return Err(format!(
            "--shard: this {} has nothing to run",
            study.kind.verb()
        ));
    };
    let (seed, replications) = (first.seed, first.replications);
    assert!(
        study
            .models
            .iter()
            .all(|m| m.seed == seed && m.replications == replications),
        "the models of a study share seed and replications"
    );
    let header = PartHeader {
        format: FORMAT_NAME.to_owned(),
        format_version: FORMAT_VERSION,
        callsim_version: CALLSIM_VERSION.to_owned(),
        kind: study.kind,
        scenario_origin: study.source.origin.clone(),
        scenario_sha256: inputs_sha256(&study.source.text, &study.settings),
        seed,
        runs: u32::try_from(study.models.len()).map_err(|_| "--shard: too many models")?,
        replications,
        shard: shard.index,
        shards: shard.count,
        first_item: 0,
        last_item: 0,
        body_bytes: 0,
        body_sha256: String::new(),
    };
    let total = header.items();
    if u64::from(shard.count) > total {
        let items = if study.kind == PartKind::Run {
            format!("{replications} replications")
        } else {
            format!(
                "{} {}s × {replications} replications = {total} items",
                study.models.len(),
                study.kind.run_name()
            )
        };
        return Err(format!(
            "--shard {}/{}: {} shards for {items} would leave some shards empty\n  \
             help: use at most {total} shards, or more replications (--replications)",
            shard.index, shard.count, shard.count
        ));
    }
    if study.models.iter().any(|m| m.trace.is_some()) {
        // The part records the scenario's text, not the trace file's contents, so merge
        // could not tell shards that read different versions of the file apart.
        return Err(format!(
            "--shard: {} replays a trace (`simulation.trace`), and parts do not record the \
             trace's contents, so merging could not check that every shard read the same calls\n  \
             help: run a trace replay on one machine (`callsim {}` uses every core)",
            if study.kind == PartKind::Compare {
                "a scenario of this comparison".to_owned()
            } else {
                study.source.origin.clone()
            },
            study.kind.verb()
        ));
    }
    let range = shard.items(total);
    let per = u64::from(replications);
    let mut measures = Vec::with_capacity((range.end - range.start) as usize);
    let mut waits = Vec::new();
    for (run, model) in study.models.iter().enumerate() {
        let base = run as u64 * per;
        let (lo, hi) = (range.start.max(base), range.end.min(base + per));
        if lo < hi {
            step(ShardStep::Starting { run });
            let reps = (lo - base) as u32..(hi - base) as u32;
            let mut replication = u64::from(reps.start);
            crate::replicate_range_each(model, threads, reps, |mut m| {
                // The part keeps the waits pooled per batch, not per replication.
                let batch = crate::stats::wait_batch(replication, per);
                replication += 1;
                if waits
                    .last()
                    .is_none_or(|w: &BatchWaits| (w.run, w.batch) != (run as u32, batch))
                {
                    waits.push(BatchWaits {
                        run: run as u32,
                        batch,
                        waits: WaitGrid::default(),
                    });
                }
                let pooled = &mut waits.last_mut().expect("just pushed").waits;
                pooled
                    .add(&std::mem::take(&mut m.waits))
                    .expect("a model's replications have waits of one shape");
                measures.push(m);
                step(ShardStep::Finished {
                    items: measures.len() as u64,
                });
            });
        }
    }
    let mut header = PartHeader {
        first_item: range.start,
        last_item: range.end - 1,
        ..header
    };
    let body = serde_json::to_string(&PartBody {
        header: header.clone(),
        scenario: study.source.text.clone(),
        settings: study.settings.clone(),
        measures,
        waits,
    })
    .map_err(|e| format!("cannot encode the part: {e}"))?;
    header.body_bytes = body.len() as u64;
    header.body_sha256 = sha256_hex(body.as_bytes());
    let header =
        serde_json::to_string(&header).map_err(|e| format!("cannot encode the part: {e}"))?;
    Ok(format!("{header}\n{body}\n"))
}

/// The fix for a part that is damaged.
const RERUN: &str = "run this shard again (the same `callsim run|compare|sweep … --shard K/N \
                     --output FILE` as before, with --force)";

/// Reads a part from `bytes` (the contents of the file `name`): refuses anything but a
/// complete, intact part of a format this callsim reads, with what to do.
pub fn read_part(name: &str, bytes: &[u8]) -> Result<Part, String> {
    let not_part = |why: String| {
        format!(
            "{name}: {why}\n  help: give `merge` the files written by `callsim run|compare|sweep … --shard K/N --output FILE`"
        )
    };
    let (header_line, rest) = match bytes.iter().position(|&b| b == b'\n') {
        Some(at) => (&bytes[..at], &bytes[at + 1..]),
        None => (bytes, &[][..]),
    };
    // A part is two lines; a transfer in text mode may have ended each with CR LF. The
    // checksum below still proves the body intact once the CRs are dropped.
    let crlf = header_line.ends_with(b"\r");
    let header_line = header_line.strip_suffix(b"\r").unwrap_or(header_line);
    let header_value: serde_json::Value = serde_json::from_slice(header_line).map_err(|e| {
        not_part(format!(
            "line 1, column {}: not a callsim part (its first line is not a JSON header: {e})",
            e.column()
        ))
    })?;
    if header_value.get("format").and_then(|f| f.as_str()) != Some(FORMAT_NAME) {
        return Err(not_part(format!(
            "line 1: not a callsim part (its first line has no \"format\": \"{FORMAT_NAME}\")"
        )));
    }
    // The version first: a newer format may have other fields.
    match header_value.get("format_version").and_then(|v| v.as_u64()) {
        Some(v) if v > FORMAT_VERSION as u64 => {
            return Err(format!(
                "{name}: written in part format {v} by a newer callsim (this callsim {CALLSIM_VERSION} reads format {FORMAT_VERSION})\n  \
                 help: merge with the callsim that wrote the parts, or rerun every shard with this one"
            ))
        }
        Some(v) if v < FORMAT_VERSION as u64 => {
            let batches = crate::stats::WAIT_BATCHES;
            return Err(format!(
                "{name}: written in part format {v} by an earlier callsim, whose parts keep the waits of answered calls otherwise than this callsim's wait percentiles pool them (per interval, in {batches} batches of replications) (this callsim {CALLSIM_VERSION} reads format {FORMAT_VERSION})\n  \
                 help: rerun every shard with this callsim, or merge with the callsim that wrote the parts"
            ))
        }
        Some(_) => {}
        None => {
            return Err(not_part(
                "line 1: the header has no \"format_version\"".into(),
            ))
        }
    }
    let header: PartHeader = serde_json::from_value(header_value)
        .map_err(|e| not_part(format!("line 1: a damaged header: {e}")))?;
    let body = rest.strip_suffix(b"\n").unwrap_or(rest);
    let body = match body.strip_suffix(b"\r") {
        Some(shorter) if crlf => shorter,
        _ => body,
    };
    if body.len() as u64 != header.body_bytes || !rest.ends_with(b"\n") {
        return Err(format!(
            "{name}: truncated or damaged: its body is {} bytes{}, the header says {}\n  help: {RERUN}",
            body.len(),
            if rest.ends_with(b"\n") { "" } else { " without its final newline" },
            header.body_bytes
        ));
    }
    if sha256_hex(body) != header.body_sha256 {
        return Err(format!(
            "{name}: corrupted: the checksum of its body does not match its header\n  help: {RERUN}"
        ));
    }
    let body: PartBody = serde_json::from_slice(body).map_err(|e| {
        format!(
            "{name}: line 2, column {}: a damaged body: {e}\n  help: {RERUN}",
            e.column()
        )
    })?;
    let bare = PartHeader {
        body_bytes: 0,
        body_sha256: String::new(),
        ..header.clone()
    };
    if body.header != bare {
        return Err(format!(
            "{name}: corrupted: its header was changed after it was written (it no longer matches the copy in its checksummed body)\n  help: {RERUN}"
        ));
    }
    if inputs_sha256(&body.scenario, &body.settings) != header.scenario_sha256 {
        return Err(format!(
            "{name}: corrupted: its scenario and settings do not match its header's hash\n  help: {RERUN}"
        ));
    }
    let held = header.first_item..header.last_item.saturating_add(1);
    let expected = Shard {
        index: header.shard,
        count: header.shards,
    };
    // Every shard holds at least one item (`--shard` refuses more shards).
    let expected_range = (header.shard < header.shards
        && u64::from(header.shards) <= header.items())
    .then(|| expected.items(header.items()));
    if expected_range.as_ref() != Some(&held) || body.measures.len() as u64 != held.end - held.start
    {
        return Err(format!(
            "{name}: inconsistent: shard {}/{} of {} should hold {}, and it holds {} measures for {}\n  help: {RERUN}",
            header.shard,
            header.shards,
            if header.kind == PartKind::Run {
                format!("{} replications", header.replications)
            } else {
                format!("{} {}s × {} replications", header.runs, header.kind.run_name(), header.replications)
            },
            expected_range.map_or_else(|| "none".to_owned(), |r| header.describe(r)),
            body.measures.len(),
            header.describe(held),
        ));
    }
    for (item, measures) in held.clone().zip(&body.measures) {
        measures.check_plausible().map_err(|why| {
            format!(
                "{name}: not a run's numbers: {}: {why}\n  help: the part was edited after it was written; {RERUN}",
                header.describe_item(item)
            )
        })?;
    }
    check_waits(&header, &body).map_err(|why| {
        format!("{name}: inconsistent: its waits do not match the answered calls of its measures ({why})\n  help: {RERUN}")
    })?;
    Ok(Part {
        header,
        scenario: body.scenario,
        settings: body.settings,
        measures: body.measures,
        waits: body.waits,
    })
}

/// Whether a part's waits are one grid per model and batch of replications it holds items of,
/// in order, each holding exactly one wait per answered call of those items, per reported
/// interval and class.
fn check_waits(header: &PartHeader, body: &PartBody) -> Result<(), String> {
    let per = u64::from(header.replications.max(1));
    let held = header.first_item..header.last_item.saturating_add(1);
    // The (model, batch) of each item held, and the items of each, in order.
    let mut groups: Vec<((u32, u64), std::ops::Range<usize>)> = Vec::new();
    for (i, item) in held.clone().enumerate() {
        let key = (
            (item / per) as u32,
            crate::stats::wait_batch(item % per, per),
        );
        match groups.last_mut() {
            Some((k, items)) if *k == key => items.end = i + 1,
            _ => groups.push((key, i..i + 1)),
        }
    }
    if body.waits.len() != groups.len()
        || body
            .waits
            .iter()
            .zip(&groups)
            .any(|(w, (key, _))| (w.run, w.batch) != *key)
    {
        return Err(format!(
            "it holds items of {} batches of replications and waits of {}",
            groups.len(),
            body.waits.len()
        ));
    }
    for (w, ((run, batch), items)) in body.waits.iter().zip(groups) {
        let measures = &body.measures[items];
        let intervals = measures.first().map_or(0, |m| m.intervals.len());
        let classes = measures.first().map_or(0, |m| m.classes.len());
        let shape = if intervals == 0 { 0 } else { classes };
        if w.waits.intervals() != intervals || w.waits.classes() != shape {
            return Err(format!(
                "{} {run}, batch {batch}: waits of {} intervals, measures of {intervals}",
                header.kind.run_name(),
                w.waits.intervals(),
            ));
        }
        for i in 0..intervals {
            for c in 0..classes {
                // Each replication's measures of this interval and class, where it has them.
                let cells = || {
                    measures
                        .iter()
                        .filter_map(move |m| m.intervals.get(i).and_then(|k| k.classes.get(c)))
                };
                let answered: f64 = cells().map(|m| m.answered).sum();
                if w.waits.cell(i, c).len() as f64 != answered {
                    return Err(format!(
                        "{} {run}, batch {batch}, interval {i}, class {c}: {} waits for {answered} answered calls",
                        header.kind.run_name(),
                        w.waits.cell(i, c).len()
                    ));
                }
                // The longest wait recorded is the longest its replications report (both
                // in thousandths of a second, so exact to one unit).
                let reported = cells().filter_map(|m| m.longest_wait_s).fold(0.0, f64::max);
                let longest = w.waits.cell(i, c).longest().unwrap_or(0) as f64 / 1000.0;
                if longest > reported + 0.001 {
                    return Err(format!(
                        "{} {run}, batch {batch}, interval {i}, class {c}: a wait of {} s where its replications' longest is {} s",
                        header.kind.run_name(),
                        crate::scenario::shown(longest),
                        crate::scenario::shown(reported)
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Parts checked to be every shard of one study, once: the study's header (the first
/// part's), scenario and settings, and the measures of every item in order.
#[derive(Debug)]
pub struct Assembled<'a> {
    /// The name of the first part given, for messages.
    pub first_name: &'a str,
    /// The header of the first part given (all agree on the study).
    pub header: &'a PartHeader,
    /// The scenario, with the origin it had when the shards ran.
    pub source: Source,
    /// The verb's settings.
    pub settings: &'a serde_json::Value,
    /// Every item's measures, in item order.
    pub measures: Vec<&'a ReplicationMeasures>,
    /// Per model and batch of replications, the waits of its answered calls pooled over
    /// every part.
    pub waits: Vec<Vec<WaitGrid>>,
}

impl Assembled<'_> {
    /// The measures of model `run`'s replications, in order.
    pub fn run(&self, run: usize) -> &[&ReplicationMeasures] {
        let per = self.header.replications as usize;
        &self.measures[run * per..(run + 1) * per]
    }

    /// The waits of model `run`'s answered calls per batch of replications, in order.
    pub fn waits(&self, run: usize) -> &[WaitGrid] {
        &self.waits[run]
    }
}

/// Checks that `parts` (with their file names) are every shard of one study, once, and
/// returns their measures in item order.
pub fn assemble(parts: &[(String, Part)]) -> Result<Assembled<'_>, String> {
    let Some((first_name, first)) = parts.first() else {
        return Err(
            "merge: no parts given\n  help: name every part, e.g. `callsim merge part-*.json`"
                .into(),
        );
    };
    let h = &first.header;
    for (name, part) in &parts[1..] {
        let o = &part.header;
        let differs = |what: &str, a: String, b: String| {
            format!(
                "{name} and {first_name} are not parts of the same study: {what} {b} and {a}\n  \
                 help: merge only the parts of one `callsim run|compare|sweep … --shard` (same scenario files, \
                 settings, --seed, --replications and callsim); keep each study's parts in their own directory"
            )
        };
        let digest = |h: &PartHeader| {
            format!(
                "{} ({}…)",
                h.scenario_origin,
                &h.scenario_sha256[..12.min(h.scenario_sha256.len())]
            )
        };
        if o.format_version != h.format_version || o.callsim_version != h.callsim_version {
            return Err(differs(
                "written by callsim",
                format!("{} (format {})", h.callsim_version, h.format_version),
                format!("{} (format {})", o.callsim_version, o.format_version),
            ));
        }
        if o.kind != h.kind {
            return Err(differs(
                "written by different verbs:",
                format!("`callsim {}`", h.kind.verb()),
                format!("`callsim {}`", o.kind.verb()),
            ));
        }
        if o.scenario_sha256 != h.scenario_sha256 {
            let what = if h.kind == PartKind::Run {
                "different scenarios:"
            } else {
                "different scenarios or settings:"
            };
            return Err(differs(what, digest(h), digest(o)));
        }
        if o.seed != h.seed {
            return Err(differs("seeds", h.seed.to_string(), o.seed.to_string()));
        }
        if o.runs != h.runs {
            return Err(differs(
                &format!("numbers of {}s", h.kind.run_name()),
                h.runs.to_string(),
                o.runs.to_string(),
            ));
        }
        if o.replications != h.replications {
            return Err(differs(
                "replications",
                h.replications.to_string(),
                o.replications.to_string(),
            ));
        }
        if o.shards != h.shards {
            return Err(differs(
                "numbers of shards",
                h.shards.to_string(),
                o.shards.to_string(),
            ));
        }
    }
    let mut by_shard: Vec<Option<usize>> = vec![None; h.shards as usize];
    for (i, (name, part)) in parts.iter().enumerate() {
        let slot = &mut by_shard[part.header.shard as usize];
        if let Some(j) = *slot {
            return Err(format!(
                "shard {}/{} is given twice: {} and {name}\n  help: give each shard's part once",
                part.header.shard, h.shards, parts[j].0
            ));
        }
        *slot = Some(i);
    }
    let missing: Vec<String> = by_shard
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_none())
        .map(|(k, _)| {
            let items = Shard {
                index: k as u32,
                count: h.shards,
            }
            .items(h.items());
            format!("{k} ({})", h.describe(items))
        })
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} of {} shards missing: {}\n  help: run the missing shards (`callsim {} … --shard K/{} --output FILE`, as the others) and merge all {} parts",
            missing.len(),
            h.shards,
            missing.join(", "),
            h.kind.verb(),
            h.shards,
            h.shards
        ));
    }
    // Bucket counts add up whatever the order, so the parts' order does not matter.
    let batches = crate::stats::WAIT_BATCHES.min(u64::from(h.replications)) as usize;
    let mut waits = vec![vec![WaitGrid::default(); batches]; h.runs as usize];
    for (name, part) in parts {
        for w in &part.waits {
            waits[w.run as usize][w.batch as usize]
                .add(&w.waits)
                .map_err(|e| format!("{name}: inconsistent: {e}\n  help: {RERUN}"))?;
        }
    }
    Ok(Assembled {
        waits,
        first_name,
        header: h,
        source: Source {
            origin: h.scenario_origin.clone(),
            text: first.scenario.clone(),
        },
        settings: &first.settings,
        measures: by_shard
            .into_iter()
            .flatten()
            .flat_map(|i| &parts[i].1.measures)
            .collect(),
    })
}

/// A `run` merged from its parts.
#[derive(Debug)]
pub struct MergedRun {
    /// The run's model: the scenario with the seed and replications the shards ran.
    pub model: Model,
    /// The report [`crate::run`] gives for it.
    pub report: Report,
    /// The waits per call class pooled over every replication and reported interval, as
    /// [`crate::run_with_waits`] gives them.
    pub waits: Vec<Waits>,
}

/// Checks that `parts` (with their file names) are every shard of one `run`, once, and folds
/// their replications in order into the report [`crate::run`] gives for that run, and their
/// waits into those [`crate::run_with_waits`] pools.
pub fn merge(parts: &[(String, Part)]) -> Result<MergedRun, String> {
    let study = assemble(parts)?;
    let h = study.header;
    if h.kind != PartKind::Run {
        return Err(format!(
            "{}: a part of `callsim {}`, not of `callsim run`",
            study.first_name,
            h.kind.verb()
        ));
    }
    let model = study.source.load().map_err(|e| {
        format!(
            "{}: its scenario no longer loads: {e}\n  help: merge with the callsim that wrote the parts",
            study.first_name
        )
    })?;
    let model = RunOptions {
        replications: Some(h.replications),
        seed: Some(h.seed),
        threads: None,
    }
    .apply(&model);
    let (report, waits) = fold_report(&model, study.run(0), study.waits(0))?;
    let waits = class_waits(&model, &waits);
    Ok(MergedRun {
        model,
        report,
        waits,
    })
}

/// The report of `model` from its replications' `measures` (all of them, in order) and
/// their waits pooled per batch of replications (in order): what [`crate::run`] gives for
/// the model, and the waits pooled over every replication.
pub fn fold_report(
    model: &Model,
    measures: &[&ReplicationMeasures],
    batches: &[WaitGrid],
) -> Result<(Report, WaitGrid), String> {
    let mut fold = ReportFold::new(
        model,
        crate::kept_replications(model),
        model.replications as usize,
    );
    measures.iter().for_each(|m| fold.add(m));
    for batch in batches {
        fold.add_batch(batch)
            .map_err(|e| format!("the parts' waits do not fit the scenario: {e}"))?;
    }
    Ok(fold.finish_with_waits())
}

/// Per call class, the waits of `grid` over every interval: the HTML report's waiting-time
/// distributions.
pub fn class_waits(model: &Model, grid: &WaitGrid) -> Vec<Waits> {
    crate::report::SpanWaits::of(model, grid, 0..grid.intervals()).classes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_replication_once() {
        for total in [1u32, 2, 5, 10, 97] {
            for count in 1..=total.min(12) {
                let mut next = 0;
                for index in 0..count {
                    let r = Shard { index, count }.items(total as u64);
                    assert_eq!(r.start, next);
                    assert!(!r.is_empty());
                    next = r.end;
                }
                assert_eq!(next, u64::from(total));
            }
        }
    }

    #[test]
    fn items_are_named_by_model_and_replication() {
        let header = |kind, runs| PartHeader {
            format: FORMAT_NAME.into(),
            format_version: FORMAT_VERSION,
            callsim_version: CALLSIM_VERSION.into(),
            kind,
            scenario_origin: "day.toml".into(),
            scenario_sha256: String::new(),
            seed: 1,
            runs,
            replications: 10,
            shard: 0,
            shards: 1,
            first_item: 0,
            last_item: 0,
            body_bytes: 0,
            body_sha256: String::new(),
        };
        assert_eq!(header(PartKind::Run, 1).describe(2..4), "replications 2–3");
        let sweep = header(PartKind::Sweep, 5);
        assert_eq!(sweep.describe(40..50), "point 4, replications 0–9");
        assert_eq!(
            sweep.describe(15..33),
            "point 1 replication 5 to point 3 replication 2"
        );
        assert_eq!(
            header(PartKind::Compare, 2).describe(12..14),
            "alternative 1, replications 2–3"
        );
        // Items beyond u32: many alternatives of many replications.
        let many = Shard { index: 2, count: 3 }.items(3 * 5_000_000_000);
        assert_eq!(many, 10_000_000_000..15_000_000_000);
    }

    #[test]
    fn shard_syntax() {
        assert_eq!(Shard::parse("2/7"), Ok(Shard { index: 2, count: 7 }));
        for bad in ["7/7", "3", "a/2", "1/0", "-1/3"] {
            assert!(Shard::parse(bad).unwrap_err().contains("e.g."), "{bad}");
        }
    }

    #[test]
    fn floats_round_trip_exactly_through_json() {
        // The merged report is exact only if every f64 reads back as the same bits.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let f = f64::from_bits(x);
            if !f.is_finite() {
                continue;
            }
            let back: f64 = serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
            assert_eq!(back.to_bits(), f.to_bits(), "{f:e}");
            let g = (x % 1_000_000_007) as f64 / 7919.0;
            let back: f64 = serde_json::from_str(&serde_json::to_string(&g).unwrap()).unwrap();
            assert_eq!(back.to_bits(), g.to_bits(), "{g:e}");
        }
    }
}
