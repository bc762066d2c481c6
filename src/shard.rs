//! A run split over machines: `run --shard K/N` simulates only shard K's replications and
//! writes a **part**; `merge` checks that parts belong together and folds them into the
//! report, byte-identical to the run on one machine.
//!
//! Why it is exact: every replication draws from its own random streams, so its
//! [`ReplicationMeasures`] do not depend on which machine ran it; a part keeps them whole
//! (floats as shortest round-trip decimals, parsed back exactly); and [`merge`] folds them in
//! replication order through the same [`ReportFold`] as [`crate::run`].
//!
//! A part file is two lines of JSON: a [`PartHeader`] (small, read first, so that a part of
//! a newer format is refused before its body is parsed), then the body: a copy of the header
//! (so that the checksum covers it too), the scenario's text and the measures of the
//! replications held, whose SHA-256 the header records.

use std::ops::Range;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::Model;
use crate::report::{Report, ReportFold};
use crate::scenario::Source;
use crate::stats::ReplicationMeasures;
use crate::RunOptions;

/// What the first field of every part says.
pub const FORMAT_NAME: &str = "callsim-part";
/// The part format this callsim writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;
/// The callsim that writes the parts; parts of another version are not merged.
pub const CALLSIM_VERSION: &str = env!("CARGO_PKG_VERSION");

/// One of `count` shards of a run, numbered from 0 (as Slurm array tasks `--array=0-N-1`
/// and Kubernetes completion indexes are).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, `0..count`.
    pub index: u32,
    /// How many shards the run is split into.
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

    /// The replications this shard runs of `total`: a contiguous block, the blocks of all
    /// shards covering `0..total` once, their sizes differing by at most one.
    pub fn replications(&self, total: u32) -> Range<u32> {
        let at = |k: u32| (k as u64 * total as u64 / self.count as u64) as u32;
        at(self.index)..at(self.index + 1)
    }
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
    /// Where the scenario came from (a file name, or `<default scenario>`), for messages.
    pub scenario_origin: String,
    /// SHA-256 of the scenario's text, in hex.
    pub scenario_sha256: String,
    /// The seed of the whole run.
    pub seed: u64,
    /// The replications of the whole run.
    pub replications: u32,
    /// This part's shard, `0..shards`.
    pub shard: u32,
    /// How many shards the run was split into.
    pub shards: u32,
    /// The first replication held.
    pub first_replication: u32,
    /// The last replication held (inclusive).
    pub last_replication: u32,
    /// The length in bytes of the body line (without its newline).
    pub body_bytes: u64,
    /// SHA-256 of the body line (without its newline), in hex.
    pub body_sha256: String,
}

/// The second line of a part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PartBody {
    /// The header without its body fields (`body_bytes` 0, `body_sha256` empty): the body's
    /// checksum thus covers the header too, so an edited header is refused, not believed.
    header: PartHeader,
    /// The scenario's text, so that `merge` needs nothing but the parts.
    scenario: String,
    /// The measures of replications `first_replication..=last_replication`, in order.
    measures: Vec<ReplicationMeasures>,
}

/// One shard's result, read back from its file.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The header.
    pub header: PartHeader,
    /// The scenario's text.
    pub scenario: String,
    /// The measures of the replications held, in order.
    pub measures: Vec<ReplicationMeasures>,
}

/// SHA-256 of `bytes` in lower-case hex.
fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs `shard`'s replications of the scenario in `source` (loaded as `model`, with
/// `options` applied) and returns the part file's text. Refuses more shards than
/// replications (a shard would hold none).
pub fn run_shard(
    source: &Source,
    model: &Model,
    options: &RunOptions,
    shard: Shard,
) -> Result<String, String> {
    let model = options.apply(model);
    if shard.count > model.replications {
        return Err(format!(
            "--shard {}/{}: {} shards for {} replications would leave some shards empty\n  \
             help: use at most {} shards, or more replications (--replications)",
            shard.index, shard.count, shard.count, model.replications, model.replications
        ));
    }
    if model.trace.is_some() {
        // The part records the scenario's text, not the trace file's contents, so merge
        // could not tell shards that read different versions of the file apart.
        return Err(format!(
            "--shard: {} replays a trace (`simulation.trace`), and parts do not record the \
             trace's contents, so merging could not check that every shard read the same calls\n  \
             help: run a trace replay on one machine (`callsim run` uses every core)",
            source.origin
        ));
    }
    let range = shard.replications(model.replications);
    let mut measures = Vec::with_capacity(range.len());
    crate::replicate_range_each(&model, options.threads, range.clone(), |m| measures.push(m));
    let mut header = PartHeader {
        format: FORMAT_NAME.to_owned(),
        format_version: FORMAT_VERSION,
        callsim_version: CALLSIM_VERSION.to_owned(),
        scenario_origin: source.origin.clone(),
        scenario_sha256: sha256_hex(source.text.as_bytes()),
        seed: model.seed,
        replications: model.replications,
        shard: shard.index,
        shards: shard.count,
        first_replication: range.start,
        last_replication: range.end - 1,
        body_bytes: 0,
        body_sha256: String::new(),
    };
    let body = serde_json::to_string(&PartBody {
        header: header.clone(),
        scenario: source.text.clone(),
        measures,
    })
    .map_err(|e| format!("cannot encode the part: {e}"))?;
    header.body_bytes = body.len() as u64;
    header.body_sha256 = sha256_hex(body.as_bytes());
    let header =
        serde_json::to_string(&header).map_err(|e| format!("cannot encode the part: {e}"))?;
    Ok(format!("{header}\n{body}\n"))
}

/// The fix for a part that is damaged.
const RERUN: &str =
    "run this shard again (`callsim run SCENARIO --shard K/N --output FILE --force`)";

/// Reads a part from `bytes` (the contents of the file `name`): refuses anything but a
/// complete, intact part of a format this callsim reads, with what to do.
pub fn read_part(name: &str, bytes: &[u8]) -> Result<Part, String> {
    let not_part = |why: String| {
        format!(
            "{name}: {why}\n  help: give `merge` the files written by `callsim run --shard K/N --output FILE`"
        )
    };
    let (header_line, rest) = match bytes.iter().position(|&b| b == b'\n') {
        Some(at) => (&bytes[..at], &bytes[at + 1..]),
        None => (bytes, &[][..]),
    };
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
                "{name}: written in part format {v} by a newer callsim (this callsim {CALLSIM_VERSION} reads format {FORMAT_VERSION} and older)\n  \
                 help: merge with the callsim that wrote the parts, or rerun every shard with this one"
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
    if sha256_hex(body.scenario.as_bytes()) != header.scenario_sha256 {
        return Err(format!(
            "{name}: corrupted: its scenario does not match its header's hash\n  help: {RERUN}"
        ));
    }
    let held = header.first_replication as u64..header.last_replication as u64 + 1;
    let expected = Shard {
        index: header.shard,
        count: header.shards,
    };
    // Every shard holds at least one replication (`run --shard` refuses more shards).
    let expected_range = (header.shard < header.shards && header.shards <= header.replications)
        .then(|| expected.replications(header.replications));
    if expected_range.clone().map(|r| r.start as u64..r.end as u64) != Some(held.clone())
        || body.measures.len() as u64 != held.end - held.start
    {
        return Err(format!(
            "{name}: inconsistent: shard {}/{} of {} replications should hold replications {}, and it holds {} measures for {}–{}\n  help: {RERUN}",
            header.shard,
            header.shards,
            header.replications,
            expected_range.map_or_else(|| "none".to_owned(), |r| format!("{}–{}", r.start, r.end.saturating_sub(1))),
            body.measures.len(),
            header.first_replication,
            header.last_replication
        ));
    }
    Ok(Part {
        header,
        scenario: body.scenario,
        measures: body.measures,
    })
}

/// Checks that `parts` (with their file names) are every shard of one run, once, and folds
/// their replications in order into the report [`crate::run`] gives for that run.
pub fn merge(parts: &[(String, Part)]) -> Result<Report, String> {
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
                "{name} and {first_name} are not parts of the same run: {what} {b} and {a}\n  \
                 help: merge only the parts of one `callsim run --shard` (same scenario file, --seed, --replications and callsim); \
                 keep each run's parts in their own directory"
            )
        };
        if o.format_version != h.format_version || o.callsim_version != h.callsim_version {
            return Err(differs(
                "written by callsim",
                format!("{} (format {})", h.callsim_version, h.format_version),
                format!("{} (format {})", o.callsim_version, o.format_version),
            ));
        }
        if o.scenario_sha256 != h.scenario_sha256 {
            return Err(differs(
                "different scenarios:",
                format!(
                    "{} ({}…)",
                    h.scenario_origin,
                    &h.scenario_sha256[..12.min(h.scenario_sha256.len())]
                ),
                format!(
                    "{} ({}…)",
                    o.scenario_origin,
                    &o.scenario_sha256[..12.min(o.scenario_sha256.len())]
                ),
            ));
        }
        if o.seed != h.seed {
            return Err(differs("seeds", h.seed.to_string(), o.seed.to_string()));
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
            let r = Shard {
                index: k as u32,
                count: h.shards,
            }
            .replications(h.replications);
            format!("{k} (replications {}–{})", r.start, r.end.saturating_sub(1))
        })
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} of {} shards missing: {}\n  help: run the missing shards (`callsim run SCENARIO --shard K/{} --output FILE`) and merge all {} parts",
            missing.len(),
            h.shards,
            missing.join(", "),
            h.shards,
            h.shards
        ));
    }
    let source = Source {
        origin: h.scenario_origin.clone(),
        text: first.scenario.clone(),
    };
    let model = source.load().map_err(|e| {
        format!("{first_name}: its scenario no longer loads: {e}\n  help: merge with the callsim that wrote the parts")
    })?;
    let model = RunOptions {
        replications: Some(h.replications),
        seed: Some(h.seed),
        threads: None,
    }
    .apply(&model);
    let mut fold = ReportFold::new(
        &model,
        crate::kept_replications(&model),
        model.replications as usize,
    );
    for i in by_shard.into_iter().flatten() {
        parts[i].1.measures.iter().for_each(|m| fold.add(m));
    }
    Ok(fold.finish())
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
                    let r = Shard { index, count }.replications(total);
                    assert_eq!(r.start, next);
                    assert!(!r.is_empty());
                    next = r.end;
                }
                assert_eq!(next, total);
            }
        }
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
