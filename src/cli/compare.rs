//! `callsim compare`: alternatives on the same callers, with paired differences.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

use clap::ValueEnum;

use callsim::compare::{all_on_the_same_callers, compare_with_progress, Alternative, Comparison};
use callsim::model::Model;
use callsim::report::CallBlock;
use callsim::scenario::Source;
use callsim::shard::{Assembled, PartKind, Study};
use serde::{Deserialize, Serialize};

use super::output::{refuse_misnamed, OutputFile};
use super::progress::Progress;
use super::{emit, Failure};
use callsim::report::table::{
    count, count_change, grid, percent, points, precision_note, seconds, seconds_change,
    service_level_definition, Within,
};

/// What `compare` was asked.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// A routing policy to run the scenario under (repeat: the first is the baseline), e.g.
    /// `skill-priority`, `priority`, `overflow`, `priority+overflow`.
    #[arg(long = "policy", value_name = "NAME")]
    policies: Vec<String>,
    /// Another scenario file to compare (e.g. other staffing); runs with the first
    /// alternative's seed and replications.
    #[arg(long = "variant", value_name = "FILE")]
    variants: Vec<PathBuf>,
    /// Number of replications (overrides the scenario's).
    #[arg(long, short = 'r', value_parser = clap::value_parser!(u32).range(2..=1_000_000))]
    replications: Option<u32>,
    /// Random seed (overrides the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = CompareFormat::Table)]
    format: CompareFormat,
    /// Write the report to FILE instead of stdout (complete or not at all).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Replace the --output file if it exists.
    #[arg(long)]
    force: bool,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: Option<u32>,
    /// Refuse a comparison whose estimated memory exceeds this (e.g. 16GB; default: half of
    /// the machine's memory).
    #[arg(long, value_name = "SIZE", value_parser = callsim::footprint::parse_bytes)]
    memory_budget: Option<u64>,
    /// Run only shard K of N (numbered from 0) of the alternatives' replications and write a
    /// part to --output, for `callsim merge` (see "Running on a cluster").
    #[arg(
        long,
        value_name = "K/N",
        requires = "output",
        conflicts_with = "format"
    )]
    shard: Option<String>,
    /// No progress on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
}

/// What the parts of a sharded comparison record besides the first scenario and the seed
/// and replications, so that `merge` rebuilds the very same alternatives.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct CompareSettings {
    /// The first scenario's name as an alternative (when no --policy is given).
    scenario_name: String,
    /// The --policy names, in order.
    policies: Vec<String>,
    /// The --variant scenarios, in order.
    variants: Vec<Variant>,
}

/// A --variant scenario: its name as an alternative, and its text.
#[derive(Debug, Serialize, Deserialize)]
struct Variant {
    name: String,
    /// Where it was read from; a part keeps the file's name alone, so that shards run with
    /// the file named by another path (absolute, from another directory) merge.
    #[serde(serialize_with = "file_name_only")]
    origin: String,
    text: String,
}

/// The last component of the path `origin`.
fn file_name_only<S: serde::Serializer>(origin: &str, serializer: S) -> Result<S::Ok, S::Error> {
    let path = std::path::Path::new(origin);
    let name = path
        .file_name()
        .map_or_else(|| origin.into(), |n| n.to_string_lossy());
    serializer.serialize_str(&name)
}

impl Variant {
    fn source(&self) -> Source {
        Source {
            origin: self.origin.clone(),
            text: self.text.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    /// Tables for people.
    Table,
    /// One JSON document.
    Json,
    /// One self-contained HTML page: side by side and paired differences, with intervals.
    Html,
}

/// Refuses (exit 2) a comparison whose memory would exceed the budget: each alternative
/// runs like `run`, and keeps its day's measures for every replication (for the paired
/// differences).
fn check_memory(
    alternatives: &[Alternative],
    threads: Option<u32>,
    budget: Option<u64>,
) -> Result<(), Failure> {
    let threads = super::run::thread_count(threads);
    let kept: u64 = alternatives
        .iter()
        .map(|a| {
            u64::from(a.model.replications)
                * callsim::footprint::compared_bytes_per_replication(&a.model)
        })
        .sum();
    let runs = alternatives
        .iter()
        .map(|a| callsim::footprint::estimate(&a.model, threads).total())
        .max()
        .unwrap_or(0);
    let (largest, fix) = if 2 * kept >= runs {
        (
            (
                "the per-replication measures kept for the paired differences",
                2 * kept,
            ),
            "use fewer replications (`-r`)",
        )
    } else {
        (
            ("the run of one alternative", runs),
            "use longer intervals (`simulation.interval`) or fewer call types",
        )
    };
    super::run::refuse_over_budget(runs + 2 * kept, largest, fix, budget)
}

/// Builds the alternatives, runs them on common random numbers, prints the comparison.
pub fn run(args: CompareArgs) -> Result<(), Failure> {
    let output = OutputFile::check_optional("--output", args.output.as_ref(), args.force)?;
    let inputs: Vec<&PathBuf> = std::iter::once(&args.scenario)
        .chain(&args.variants)
        .collect();
    OutputFile::not_an_input(&[output.as_ref()], &inputs)?;
    if args.policies.len() + args.variants.len() < 1 {
        return Err(Failure::Usage(
            "nothing to compare: give at least one `--policy NAME` or `--variant FILE` (two alternatives or more, counting the scenario itself when no --policy is given)".into(),
        ));
    }
    let shard = super::shard(args.shard.as_deref())?;
    if shard.is_some() {
        refuse_misnamed("--output", "a part (JSON)", &["json"], output.as_ref())?;
    }
    let source = Source::read(&args.scenario).map_err(Failure::Scenario)?;
    let labels = alternative_labels(&args.scenario, &args.policies, &args.variants)?;
    let mut variants = Vec::with_capacity(args.variants.len());
    for (path, name) in args.variants.iter().zip(&labels[1..]) {
        let variant = Source::read(path).map_err(Failure::Scenario)?;
        variants.push(Variant {
            name: name.clone(),
            origin: variant.origin,
            text: variant.text,
        });
    }
    let settings = CompareSettings {
        scenario_name: labels[0].clone(),
        policies: args.policies.clone(),
        variants,
    };
    let alternatives = alternatives(&source, &settings, args.replications, args.seed)?;
    let traces: Vec<&PathBuf> = alternatives
        .iter()
        .filter_map(|a| a.model.trace_file.as_ref())
        .collect();
    OutputFile::not_an_input(&[output.as_ref()], &traces)?;
    if shard.is_none() {
        let format = match args.format {
            CompareFormat::Table => super::args::Output::Table,
            CompareFormat::Json => super::args::Output::Json,
            CompareFormat::Html => super::args::Output::Html,
        };
        super::args::check_output_extension(format, output.as_ref())?;
    }
    check_memory(&alternatives, args.threads, args.memory_budget)?;
    super::args::warn_of_threads_beyond_cores(args.threads);
    let threads = args.threads.map(|n| n as usize);
    if let Some(shard) = shard {
        let models: Vec<_> = alternatives.iter().map(|a| a.model.clone()).collect();
        let study = Study {
            kind: PartKind::Compare,
            source: &source,
            settings: serde_json::to_value(&settings).map_err(|e| Failure::Other(e.to_string()))?,
            models: &models,
        };
        let part = super::study_shard(
            "compare",
            &study,
            threads,
            shard,
            args.quiet,
            |_| None,
            args.memory_budget,
        )?;
        return emit(output.as_ref(), &part);
    }
    let total: u64 = alternatives
        .iter()
        .map(|a| u64::from(a.model.replications))
        .sum();
    let mut progress = Progress::new("compare", Some(total), args.quiet);
    let comparison = compare_with_progress(&alternatives, threads, |n| progress.set(n.into()));
    progress.finish();
    write(&alternatives, &comparison, args.format, output.as_ref())
}

/// The alternatives: the scenario in `source` under each policy (or as it is, without
/// policies), then each variant, all with `replications` and `seed` (default: the first
/// alternative's).
fn alternatives(
    source: &Source,
    settings: &CompareSettings,
    replications: Option<u32>,
    seed: Option<u64>,
) -> Result<Vec<Alternative>, Failure> {
    let mut alternatives = Vec::new();
    if settings.policies.is_empty() {
        alternatives.push(Alternative {
            name: settings.scenario_name.clone(),
            model: super::load_source(source)?,
        });
    }
    for policy in &settings.policies {
        let names = |part: &str| policy.split('+').any(|p| p.trim() == part);
        let mut unused = Vec::new();
        // A policy that would use what this one drops: priority for `aging`, with the
        // modifiers of the dropped overflow and reservations.
        let mut base = policy
            .split('+')
            .map(str::trim)
            .filter(|p| !["overflow", "reserve"].contains(p))
            .collect::<Vec<_>>()
            .join("+");
        let mut modifiers = String::new();
        let model = source
            .load_modified(|scenario| {
                let routing = scenario.routing.get_or_insert_with(Default::default);
                if routing.aging.is_some() && !names("priority") {
                    routing.aging = None;
                    unused.push("its `aging` (it applies to the priority policy)");
                    base = "priority".into();
                }
                if !routing.overflow.is_empty() && !names("overflow") {
                    routing.overflow.clear();
                    unused.push("its [[routing.overflow]] entries (they apply under a policy with `+overflow`)");
                    modifiers.push_str("+overflow");
                }
                if !routing.reserve.is_empty() && !names("reserve") {
                    routing.reserve.clear();
                    unused.push("its [[routing.reserve]] entries (they apply under a policy with `+reserve`)");
                    modifiers.push_str("+reserve");
                }
                routing.policy = Some(policy.clone());
            })
            .map_err(|e| match e.field.as_deref() {
                // The flag's own name is at fault, not the file (whose policy it replaced).
                Some("routing.policy") => Failure::Usage(format!(
                    "--policy {policy}: {}{}",
                    e.message,
                    e.help
                        .as_deref()
                        .map_or(String::new(), |h| format!("\n  help: {h}"))
                )),
                _ => Failure::Scenario(e),
            })?;
        if let Some((last, rest)) = unused.split_last() {
            let what = if rest.is_empty() {
                last.to_string()
            } else {
                format!("{} and {last}", rest.join(", "))
            };
            if base.is_empty() {
                base = "skill-priority".into();
            }
            eprintln!(
                "warning: `--policy {policy}` runs the scenario without {what}\n  help: to compare them too, name a policy that uses them, e.g. `--policy {base}{modifiers}`"
            );
        }
        alternatives.push(Alternative {
            name: policy.clone(),
            model,
        });
    }
    for variant in &settings.variants {
        alternatives.push(Alternative {
            name: variant.name.clone(),
            model: super::load_source(&variant.source())?,
        });
    }
    if alternatives.len() < 2 {
        return Err(Failure::Usage(
            "one alternative only: give a second `--policy` or a `--variant FILE`".into(),
        ));
    }
    warn_if_callers_differ(&alternatives);
    // Paired comparison: every alternative runs the same replications with the same seed.
    let (chosen_replications, chosen_seed) = (replications, seed);
    let replications = replications.unwrap_or(alternatives[0].model.replications);
    let seed = seed.unwrap_or(alternatives[0].model.seed);
    for a in &mut alternatives {
        // A variant's own seed or replications give way to the first alternative's: said,
        // not silently lost (the flags, when given, say it for every alternative).
        let mut own = Vec::new();
        if chosen_seed.is_none() && a.model.seed != seed {
            own.push(format!("seed {} (runs {seed})", a.model.seed));
        }
        if chosen_replications.is_none() && a.model.replications != replications {
            own.push(format!(
                "{} replications (runs {replications})",
                a.model.replications
            ));
        }
        if !own.is_empty() {
            eprintln!(
                "warning: `{}` sets {}: every alternative runs the first one's, so that they \
                 see the same callers\n  help: choose them with --seed and --replications",
                a.name,
                own.join(" and ")
            );
        }
        a.model.replications = replications;
        a.model.seed = seed;
    }
    Ok(alternatives)
}

/// On stderr: a warning for each alternative whose call types are not the first one's, in
/// the same order. Callers are drawn per call type by its position, so such alternatives do
/// not see the same callers and their differences are not paired.
fn warn_if_callers_differ(alternatives: &[Alternative]) {
    let types = |a: &Alternative| -> Vec<String> {
        a.model.call_types.iter().map(|t| t.name.clone()).collect()
    };
    let first = types(&alternatives[0]);
    for other in &alternatives[1..] {
        if !alternatives[0].same_callers(other) {
            let theirs = types(other);
            eprintln!(
                "warning: `{}` has the call types [{}], `{}` has [{}]: callers are drawn per call \
                 type in scenario order, so these two do not see the same callers and their \
                 differences are not paired\n  help: compare variants with the same call types, \
                 in the same order",
                alternatives[0].name,
                first.join(", "),
                other.name,
                theirs.join(", "),
            );
        }
    }
}

/// The comparison of the shards' parts in `study` (checked to belong together), as the
/// comparison run on one machine prints it.
pub(super) fn merged(
    study: &Assembled,
    format: CompareFormat,
    output: Option<&OutputFile>,
) -> Result<(), Failure> {
    let fail = |why: String| super::merge::unusable(study, why);
    let settings: CompareSettings = serde_json::from_value(study.settings.clone())
        .map_err(|e| fail(format!("its comparison settings do not read: {e}")))?;
    let h = study.header;
    let alternatives = alternatives(&study.source, &settings, Some(h.replications), Some(h.seed))
        .map_err(|e| match e {
        Failure::Scenario(e) => fail(format!("a scenario no longer loads: {e}")),
        other => other,
    })?;
    if alternatives.len() != h.runs as usize {
        return Err(fail(format!(
            "its settings name {} alternatives and its header {}",
            alternatives.len(),
            h.runs
        )));
    }
    let comparison =
        callsim::compare::compare_measures(&alternatives, |i| study.run(i), |i| study.waits(i));
    write(&alternatives, &comparison, format, output)
}

/// Prints the comparison of `alternatives` in `format`.
fn write(
    alternatives: &[Alternative],
    comparison: &Comparison,
    format: CompareFormat,
    output: Option<&OutputFile>,
) -> Result<(), Failure> {
    match format {
        CompareFormat::Json => {
            let json = serde_json::to_string_pretty(comparison)
                .map_err(|e| Failure::Other(e.to_string()))?;
            emit(output, &(json + "\n"))
        }
        CompareFormat::Html => emit(
            output,
            &callsim::report::html::compare_page(alternatives, comparison),
        ),
        CompareFormat::Table => emit(output, &render(comparison, alternatives)),
    }
}

/// The labels of the scenario and of each `--variant` file, in order: the file's name
/// without its extension, unless another alternative (a file or a `--policy`) has that
/// label; then the path as given without the extension, or else with it. The same file or
/// policy given twice is refused.
fn alternative_labels(
    scenario: &std::path::Path,
    policies: &[String],
    variants: &[PathBuf],
) -> Result<Vec<String>, Failure> {
    let files: Vec<&std::path::Path> = std::iter::once(scenario)
        .chain(variants.iter().map(PathBuf::as_path))
        .collect();
    let ways: [fn(&std::path::Path) -> String; 3] = [
        file_label,
        |p| p.with_extension("").display().to_string(),
        |p| p.display().to_string(),
    ];
    // A policy and its modifiers in any order are one policy (`reserve+priority`).
    let parts = |policy: &str| {
        let mut parts: Vec<String> = policy.split('+').map(|p| p.trim().to_owned()).collect();
        parts.sort();
        parts
    };
    if let Some((first, twice)) = policies.iter().enumerate().find_map(|(i, p)| {
        policies[..i]
            .iter()
            .find(|q| parts(q) == parts(p))
            .map(|q| (q, p))
    }) {
        return Err(Failure::Usage(format!(
            "`--policy {twice}` is given twice (`--policy {first}` is the same policy): each alternative of a comparison needs a name of its own"
        )));
    }
    // The scenario is an alternative of its own only when no policy is given.
    let shown = |i: usize| i > 0 || policies.is_empty();
    let clashes = |labels: &[String], i: usize| {
        shown(i)
            && (policies.contains(&labels[i])
                || (0..labels.len()).any(|j| j != i && shown(j) && labels[j] == labels[i]))
    };
    // The same file by two spellings (`s.toml`, `./../dir/s.toml`, a link) is one file.
    let canonical: Vec<Option<PathBuf>> = files.iter().map(|p| p.canonicalize().ok()).collect();
    for j in (0..files.len()).filter(|&j| shown(j)) {
        if let Some(i) =
            (0..j).find(|&i| shown(i) && canonical[i].is_some() && canonical[i] == canonical[j])
        {
            return Err(Failure::Usage(format!(
                "`{}` and `{}` are the same file, given twice as an alternative: each alternative of a comparison needs a file of its own",
                files[i].display(),
                files[j].display()
            )));
        }
    }
    let mut labels: Vec<String> = files.iter().map(|p| file_label(p)).collect();
    for way in &ways[1..] {
        let clashing: Vec<usize> = (0..files.len()).filter(|&i| clashes(&labels, i)).collect();
        for i in clashing {
            labels[i] = way(files[i]);
        }
    }
    if let Some(i) = (0..files.len()).find(|&i| clashes(&labels, i)) {
        return Err(Failure::Usage(format!(
            "`{}` is given twice as an alternative: each alternative of a comparison needs a name of its own",
            labels[i]
        )));
    }
    Ok(labels)
}

fn file_label(path: &std::path::Path) -> String {
    path.file_stem().map_or_else(
        || path.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    )
}

/// Per block of a comparison (`total`, `type`, `type/tier`): the thresholds its calls are
/// held to in `model`.
fn thresholds(model: &Model) -> BTreeMap<String, Within> {
    let mut all = BTreeMap::new();
    all.insert(
        "total".to_owned(),
        Within::of(model.classes.iter().map(|c| c.threshold.as_seconds())),
    );
    for (t, call_type) in model.call_types.iter().enumerate() {
        let classes = call_type.classes.clone();
        all.insert(
            call_type.name.clone(),
            Within::of(
                classes
                    .clone()
                    .map(|c| model.classes[c as usize].threshold.as_seconds()),
            ),
        );
        for c in classes {
            if model.classes[c as usize].tier.is_some() {
                let class = &model.classes[c as usize];
                debug_assert_eq!(class.call_type as usize, t, "a type's classes are its own");
                all.insert(
                    model.class_name(c),
                    Within::of([class.threshold.as_seconds()]),
                );
            }
        }
    }
    all
}

/// The columns of the comparison tables; `SL` is followed by `within` when `within_column`.
fn header(first: &str, sl: &str, within_column: bool) -> Vec<String> {
    let mut row: Vec<String> = [first, "offered", "answered", "abandoned", sl]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if within_column {
        row.push("within".into());
    }
    row.extend(
        ["abandon", "ASA", "p90 wait", "occupancy"]
            .iter()
            .map(|s| s.to_string()),
    );
    row
}

/// One alternative's block as cells.
fn figures(label: String, t: &CallBlock, within: Option<String>) -> Vec<String> {
    let mut row = vec![
        label,
        count(&t.offered),
        count(&t.answered),
        count(&t.abandoned),
        percent(&t.service_level),
    ];
    row.extend(within);
    row.extend([
        percent(&t.abandon_rate),
        seconds(&t.asa_s),
        seconds(&t.wait_s.p90),
        percent(&t.occupancy),
    ]);
    row
}

/// One paired difference as cells: signed, rates in percentage points, `*` where the 95 %
/// interval excludes zero.
fn differences(label: String, t: &CallBlock, within: Option<String>) -> Vec<String> {
    let significant = t.significance();
    let mark = |key: &str, text: String| {
        if significant.get(key).copied().unwrap_or(false) {
            format!("{text} *")
        } else {
            format!("{text}  ")
        }
    };
    let mut row = vec![
        label,
        mark("offered", count_change(&t.offered)),
        mark("answered", count_change(&t.answered)),
        mark("abandoned", count_change(&t.abandoned)),
        mark("service_level", points(&t.service_level)),
    ];
    row.extend(within);
    row.extend([
        mark("abandon_rate", points(&t.abandon_rate)),
        mark("asa_s", seconds_change(&t.asa_s)),
        mark("wait_s.p90", seconds_change(&t.wait_s.p90)),
        mark("occupancy", points(&t.occupancy)),
    ]);
    row
}

/// The threshold label of a difference: the alternatives' one threshold, or both.
fn within_both(alternative: &Within, baseline: &Within) -> String {
    if alternative == baseline {
        alternative.label()
    } else {
        format!("{} vs {}", alternative.label(), baseline.label())
    }
}

/// The comparison as text: the alternatives and their paired differences over the day,
/// then per call type and tier. Each service level says its threshold (`within`, or the
/// column header when every call everywhere has the same).
fn render(c: &Comparison, alternatives: &[Alternative]) -> String {
    let within: Vec<BTreeMap<String, Within>> =
        alternatives.iter().map(|a| thresholds(&a.model)).collect();
    let of = |i: usize, name: &str| -> Within {
        within[i]
            .get(name)
            .cloned()
            .unwrap_or_else(|| Within::of([]))
    };
    // Every call of every alternative: what one header can say for all of them.
    let everything = Within::of((0..within.len()).flat_map(|i| of(i, "total").seconds().to_vec()));
    let mixed = everything.single().is_none();
    let sl = if mixed {
        "SL".to_owned()
    } else {
        everything.header()
    };
    let paired = all_on_the_same_callers(alternatives);
    let differences_title = if paired {
        "Paired differences"
    } else {
        "Differences (not paired)"
    };
    let mut out = format!(
        "{} alternatives {} — {} replications, seed {}; {}\n{}\n\n",
        c.alternatives.len(),
        if paired {
            "on the same callers"
        } else {
            "not on the same callers (their call types differ, so differences are not paired)"
        },
        c.replications,
        c.seed,
        precision_note(c.replications),
        service_level_definition(&everything)
    );
    let mut rows = vec![header("Alternative", &sl, mixed)];
    for (i, a) in c.alternatives.iter().enumerate() {
        rows.push(figures(
            a.name.clone(),
            &a.total,
            mixed.then(|| of(i, "total").label()),
        ));
    }
    grid(&mut out, &rows);
    let baseline = c.alternatives.first().map_or("", |a| a.name.as_str());
    let legend = "* = the 95% interval excludes 0; pp = percentage points";
    if !c.differences.is_empty() {
        let _ = write!(out, "\n{differences_title} against {baseline} ({legend})\n");
        let mut rows = vec![header("Difference", &sl, mixed)];
        for (i, d) in c.differences.iter().enumerate() {
            rows.push(differences(
                d.name.clone(),
                &d.total,
                mixed.then(|| within_both(&of(i + 1, "total"), &of(0, "total"))),
            ));
        }
        grid(&mut out, &rows);
    }

    // Per call type and tier, when there is more than the total to show.
    let names: Vec<&str> = c.alternatives[0]
        .call_types
        .iter()
        .map(|b| b.name.as_str())
        .collect();
    if names.len() < 2 {
        return out;
    }
    out += "\nPer call type and tier\n";
    let mut rows = vec![header("Call type", &sl, mixed)];
    for name in &names {
        rows.push(vec![(*name).to_owned()]);
        for (i, a) in c.alternatives.iter().enumerate() {
            if let Some(b) = a.call_types.iter().find(|b| b.name == *name) {
                rows.push(figures(
                    format!("  {}", a.name),
                    &b.block,
                    mixed.then(|| of(i, name).label()),
                ));
            }
        }
    }
    grid(&mut out, &rows);
    if c.differences.is_empty() {
        return out;
    }
    let _ = write!(
        out,
        "\n{differences_title} per call type and tier, against {baseline} ({legend})\n"
    );
    let mut rows = vec![header("Call type", &sl, mixed)];
    for name in &names {
        rows.push(vec![(*name).to_owned()]);
        for (i, d) in c.differences.iter().enumerate() {
            if let Some(b) = d.call_types.iter().find(|b| b.name == *name) {
                rows.push(differences(
                    format!("  {}", d.name),
                    &b.block,
                    mixed.then(|| within_both(&of(i + 1, name), &of(0, name))),
                ));
            }
        }
    }
    grid(&mut out, &rows);
    out
}
