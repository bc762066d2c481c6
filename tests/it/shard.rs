//! `run`, `compare` and `sweep` with `--shard K/N`, and `merge`: the parts of any split,
//! merged in any order, give the single-machine output byte for byte; parts that do not
//! belong together are refused.

use crate::support::callsim;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ok(out: Output) -> Vec<u8> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The refusal's message, after checking it is a usage refusal (exit 2).
fn refused(out: Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        ["help:", "e.g.", "--force"]
            .iter()
            .any(|fix| stderr.contains(fix)),
        "no fix in: {stderr}"
    );
    stderr
}

const SCENARIO: &str = r#"
name = "Shards"
[simulation]
duration = "2h"
warmup = "15m"
replications = 7
seed = 11
interval = "30m"
[service_level]
threshold = "20s"
[[call_types]]
name = "general"
arrival_rate = 150
handle_time = { distribution = "lognormal", mean = "4m", cv = 0.8 }
patience = { distribution = "exponential", mean = "3m" }
[[call_types]]
name = "billing"
arrival_rate = 60
handle_time = { distribution = "exponential", mean = "5m" }
[[agent_groups]]
name = "agents"
agents = 16
skills = ["general", "billing"]
"#;

struct Study {
    dir: tempfile::TempDir,
    scenario: PathBuf,
}

impl Study {
    fn new() -> Study {
        let dir = tempfile::tempdir().unwrap();
        let scenario = dir.path().join("scenario.toml");
        std::fs::write(&scenario, SCENARIO).unwrap();
        Study { dir, scenario }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs shard `k` of `n` (with `extra` flags) into `name`, returning its path.
    fn part(&self, k: u32, n: u32, name: &str, extra: &[&str]) -> PathBuf {
        let path = self.path(name);
        let shard = format!("{k}/{n}");
        let mut args = vec![
            "run",
            self.scenario.to_str().unwrap(),
            "--shard",
            &shard,
            "--output",
            path.to_str().unwrap(),
            "--threads",
            "1",
        ];
        args.extend_from_slice(extra);
        ok(callsim(&args));
        path
    }

    fn single(&self, format: &str) -> Vec<u8> {
        ok(callsim(&[
            "run",
            self.scenario.to_str().unwrap(),
            "--format",
            format,
        ]))
    }
}

fn text_of(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn merge(parts: &[&Path], extra: &[&str]) -> Output {
    let mut args: Vec<&str> = vec!["merge"];
    args.extend(parts.iter().map(|p| p.to_str().unwrap()));
    args.extend_from_slice(extra);
    callsim(&args)
}

/// `part`'s text with `from` replaced by `to` everywhere (the header and its copy in the
/// body) and the body's length and checksum made right again: a part as another callsim,
/// or a deliberate forger, would write it.
/// `part`'s bytes with the first digit of its first `"offered":` after the header line
/// changed: the same length, another checksum.
fn one_digit_changed(part: &[u8]) -> Vec<u8> {
    let body_start = part.iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut corrupted = part.to_vec();
    let at = body_start
        + corrupted[body_start..]
            .windows(10)
            .position(|w| w == b"\"offered\":")
            .unwrap()
        + 10;
    corrupted[at] = if corrupted[at] == b'9' { b'8' } else { b'9' };
    corrupted
}

fn resigned(part: &Path, from: &str, to: &str) -> String {
    resigned_all(part, &[(from, to)])
}

/// [`resigned`] with several replacements, in order.
fn resigned_all(part: &Path, replacements: &[(&str, &str)]) -> String {
    let mut text = std::fs::read_to_string(part).unwrap();
    for (from, to) in replacements {
        assert!(text.contains(from), "{from}");
        text = text.replace(from, to);
    }
    let (header, body) = text.trim_end().split_once('\n').unwrap();
    signed(header, body)
}

/// A part of `header` and `body` whose header has the body's length and checksum.
fn signed(header: &str, body: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut header: serde_json::Value = serde_json::from_str(header).unwrap();
    let hex: String = Sha256::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    header["body_bytes"] = body.len().into();
    header["body_sha256"] = hex.into();
    format!("{header}\n{body}\n")
}

#[test]
fn merged_shards_equal_the_single_run_byte_for_byte() {
    let study = Study::new();
    let (json, table, csv, html) = (
        study.single("json"),
        study.single("table"),
        study.single("csv"),
        study.single("html"),
    );
    let by_type = ok(callsim(&[
        "run",
        study.scenario.to_str().unwrap(),
        "--intervals-by-type",
    ]));
    for n in [1u32, 2, 3, 7] {
        let paths: Vec<PathBuf> = (0..n)
            .map(|k| study.part(k, n, &format!("n{n}-part-{k}.json"), &[]))
            .collect();
        // Not in shard order: reversed, then rotated.
        let mut order: Vec<&Path> = paths.iter().map(PathBuf::as_path).rev().collect();
        order.rotate_left((n / 2) as usize);
        assert_eq!(
            ok(merge(&order, &["--format", "json"])),
            json,
            "{n} shards, JSON"
        );
        assert_eq!(ok(merge(&order, &[])), table, "{n} shards, table");
        assert_eq!(
            ok(merge(&order, &["--intervals-by-type"])),
            by_type,
            "{n} shards, tables with every interval of each type"
        );
        assert_eq!(
            ok(merge(&order, &["--format", "csv"])),
            csv,
            "{n} shards, CSV"
        );
        // The page's waiting-time distributions too: one part holds more waits than a
        // short list (a histogram), seven hold a few each.
        assert_eq!(
            String::from_utf8(ok(merge(&order, &["--format", "html"]))).unwrap(),
            String::from_utf8(html.clone()).unwrap(),
            "{n} shards, HTML"
        );
    }
}

#[test]
fn parts_of_earlier_formats_are_refused_and_forged_waits_too() {
    let study = Study::new();
    let parts: Vec<PathBuf> = (0..2)
        .map(|k| study.part(k, 2, &format!("w{k}.json"), &[]))
        .collect();
    // Formats 1 to 3 kept no waits per interval and batch, format 4 kept them in 10 batches:
    // the percentiles cannot pool.
    for format in 1..=4 {
        let older = study.path(&format!("w0-format-{format}.json"));
        std::fs::write(
            &older,
            resigned(
                &parts[0],
                "\"format_version\":5",
                &format!("\"format_version\":{format}"),
            ),
        )
        .unwrap();
        let m = refused(merge(&[&older, &parts[1]], &["--format", "json"]));
        assert!(
            m.contains("earlier callsim") && m.contains("rerun every shard"),
            "{m}"
        );
    }
    // Waits that do not add up to the answered calls are refused, even when signed.
    let forged = study.path("w0-forged.json");
    std::fs::write(
        &forged,
        resigned(
            &parts[0],
            "\"cells\":[{\"zeros\":",
            "\"cells\":[{\"zeros\":1",
        ),
    )
    .unwrap();
    let m = refused(merge(&[&forged, &parts[1]], &["--format", "json"]));
    assert!(m.contains("waits do not match the answered calls"), "{m}");
    // So is a wait longer than every replication's longest (2^62 thousandths of a second:
    // 146 million years), even when signed.
    let text = std::fs::read_to_string(&parts[0]).unwrap();
    let at = text.find("\"values\":[[").unwrap() + "\"values\":[[".len();
    let digits = text[at..].find(',').unwrap();
    let from = format!("\"values\":[[{},", &text[at..at + digits]);
    let forged_long = study.path("w0-forged-long.json");
    std::fs::write(
        &forged_long,
        resigned(&parts[0], &from, "\"values\":[[4611686018427387904,"),
    )
    .unwrap();
    let m = refused(merge(&[&forged_long, &parts[1]], &["--format", "json"]));
    assert!(
        m.contains("waits do not match") && m.contains("where its replications' longest is"),
        "{m}"
    );
    // The parts as written merge into what one machine gives.
    let order = [parts[0].as_path(), parts[1].as_path()];
    assert_eq!(
        ok(merge(&order, &["--format", "json"])),
        study.single("json")
    );
}

#[test]
fn merge_writes_its_output_file_atomically_and_only_with_force() {
    let study = Study::new();
    let parts = [
        study.part(0, 2, "a.json", &[]),
        study.part(1, 2, "b.json", &[]),
    ];
    let parts: Vec<&Path> = parts.iter().map(PathBuf::as_path).collect();
    // Named for neither format: the same file holds the JSON, then the tables.
    let out = study.path("report.out");
    let out_s = out.to_str().unwrap();
    ok(merge(&parts, &["--format", "json", "--output", out_s]));
    assert_eq!(std::fs::read(&out).unwrap(), study.single("json"));
    assert!(refused(merge(&parts, &["--output", out_s])).contains("--force"));
    ok(merge(&parts, &["--output", out_s, "--force"]));
    assert_eq!(std::fs::read(&out).unwrap(), study.single("table"));
    // A part is not overwritten without --force either.
    let again = callsim(&[
        "run",
        study.scenario.to_str().unwrap(),
        "--shard",
        "0/2",
        "--output",
        parts[0].to_str().unwrap(),
    ]);
    assert!(refused(again).contains("--force"));
}

/// A part holds every replication's measures until it is written, and `merge` reads every
/// part whole: both count them against the memory budget and refuse, with the fix, what
/// would not fit (a budget far too small for this study, just as for a bigger study on a
/// real machine).
#[test]
fn shards_and_merges_count_their_parts_in_the_memory_budget() {
    let study = Study::new();
    let scenario = study.scenario.to_str().unwrap();
    let out = study.path("over.json");
    // A shard of a million replications keeps a million days' measures (gigabytes), where
    // the run alone folds them as they finish.
    let big = refused(callsim(&[
        "run",
        scenario,
        "-r",
        "1000000",
        "--shard",
        "0/1",
        "-o",
        out.to_str().unwrap(),
        "--memory-budget",
        "1GB",
    ]));
    assert!(
        big.contains("the part: every replication") && big.contains("--shard"),
        "{big}"
    );
    assert!(!out.exists());
    let part = study.part(0, 1, "whole.json", &[]);
    let size = std::fs::metadata(&part).unwrap().len();
    let tight = format!("{}", size); // bytes: far below the part read and parsed
    let merged = refused(merge(&[&part], &["--memory-budget", &tight]));
    assert!(merged.contains("the parts, read and parsed"), "{merged}");
    ok(merge(&[&part], &["--memory-budget", "1GB"]));
    // A workbook holds every cell until it is written: counted on top of the parts.
    let parts_only = format!("{}", 4 * size);
    let book = study.path("merged.xlsx");
    let book = book.to_str().unwrap();
    let merged = refused(merge(
        &[&part],
        &["-f", "xlsx", "-o", book, "--memory-budget", &parts_only],
    ));
    assert!(merged.contains("the workbook, every cell held"), "{merged}");
    ok(merge(
        &[&part],
        &["-f", "xlsx", "-o", book, "--memory-budget", "1GB"],
    ));
}

#[test]
fn parts_of_different_runs_are_refused() {
    let study = Study::new();
    let first = study.part(0, 2, "first.json", &[]);
    let second = study.part(1, 2, "second.json", &[]);
    let other_seed = study.part(1, 2, "seed.json", &["--seed", "12"]);
    let other_count = study.part(1, 2, "count.json", &["--replications", "8"]);
    let m = refused(merge(&[&first, &other_seed], &[]));
    assert!(
        m.contains("seeds") && m.contains("12") && m.contains("11"),
        "{m}"
    );
    let m = refused(merge(&[&first, &other_count], &[]));
    assert!(m.contains("replications"), "{m}");
    let other_shards = study.part(1, 3, "three.json", &[]);
    let m = refused(merge(&[&first, &other_shards], &[]));
    assert!(m.contains("numbers of shards"), "{m}");

    let changed = study.path("changed.toml");
    std::fs::write(&changed, SCENARIO.replace("agents = 16", "agents = 17")).unwrap();
    let other_scenario = study.path("scenario-part.json");
    ok(callsim(&[
        "run",
        changed.to_str().unwrap(),
        "--shard",
        "1/2",
        "--output",
        other_scenario.to_str().unwrap(),
    ]));
    let m = refused(merge(&[&first, &other_scenario], &[]));
    assert!(m.contains("different scenarios"), "{m}");

    // A part of another callsim version.
    let older = study.path("older.json");
    std::fs::write(
        &older,
        resigned(
            &second,
            &format!("\"callsim_version\":\"{}\"", env!("CARGO_PKG_VERSION")),
            "\"callsim_version\":\"0.0.1\"",
        ),
    )
    .unwrap();
    let m = refused(merge(&[&first, &older], &[]));
    assert!(
        m.contains("written by callsim") && m.contains("0.0.1"),
        "{m}"
    );
}

#[test]
fn missing_and_duplicated_shards_are_refused() {
    let study = Study::new();
    let parts: Vec<PathBuf> = (0..3)
        .map(|k| study.part(k, 3, &format!("p{k}.json"), &[]))
        .collect();
    let m = refused(merge(&[&parts[0], &parts[2]], &[]));
    assert!(m.contains("missing: 1 (replications 2–3)"), "{m}");
    let m = refused(merge(&[&parts[0], &parts[1], &parts[1], &parts[2]], &[]));
    assert!(m.contains("shard 1/3 is given twice"), "{m}");
    // The same shard under another name is still a duplicate.
    let copy = study.path("copy.json");
    std::fs::copy(&parts[2], &copy).unwrap();
    let m = refused(merge(&[&parts[0], &parts[1], &parts[2], &copy], &[]));
    assert!(m.contains("given twice"), "{m}");
}

/// A part whose two lines were given CR LF endings (a transfer in text mode) is the same
/// part: its checksum proves the body intact, and it merges to the same report.
#[test]
fn a_part_with_crlf_line_endings_merges_as_itself() {
    let study = Study::new();
    let json = study.single("json");
    let p0 = study.part(0, 2, "p0.json", &[]);
    let p1 = study.part(1, 2, "p1.json", &[]);
    let original = std::fs::read(&p1).unwrap();
    let mut crlf = Vec::new();
    for &b in &original {
        if b == b'\n' {
            crlf.push(b'\r');
        }
        crlf.push(b);
    }
    assert_eq!(crlf.len(), original.len() + 2);
    let p1_crlf = study.path("p1-crlf.json");
    std::fs::write(&p1_crlf, &crlf).unwrap();
    assert_eq!(ok(merge(&[&p0, &p1_crlf], &["--format", "json"])), json);
    // A CR inside the body is damage, not a line ending: the checksum refuses it.
    let mut inside = original.clone();
    let at = inside.len() / 2;
    inside.insert(at, b'\r');
    let damaged = study.path("p1-cr-inside.json");
    std::fs::write(&damaged, &inside).unwrap();
    let m = refused(merge(&[&p0, &damaged], &[]));
    assert!(m.contains("p1-cr-inside.json"), "{m}");
}

#[test]
fn damaged_parts_are_refused() {
    let study = Study::new();
    let part = study.part(0, 1, "whole.json", &[]);
    let bytes = std::fs::read(&part).unwrap();
    let write = |name: &str, contents: &[u8]| {
        let path = study.path(name);
        std::fs::write(&path, contents).unwrap();
        path
    };

    let truncated = write("truncated.json", &bytes[..bytes.len() * 2 / 3]);
    let m = refused(merge(&[&truncated], &[]));
    assert!(m.contains("truncated"), "{m}");

    // One digit of one measure changed: the same length, another checksum.
    let corrupted = write("corrupted.json", &one_digit_changed(&bytes));
    let m = refused(merge(&[&corrupted], &[]));
    assert!(m.contains("checksum"), "{m}");

    let text = String::from_utf8(bytes.clone()).unwrap();
    let newer = write(
        "newer.json",
        text.replacen("\"format_version\":5", "\"format_version\":6", 1)
            .as_bytes(),
    );
    let m = refused(merge(&[&newer], &[]));
    assert!(m.contains("newer callsim") && m.contains("format 6"), "{m}");

    // A header edited to claim more shards than replications: a one-replication part
    // passed off as shard 1 of 3 over 2 replications (which would hold replication 0, and
    // leave shard 0 none) is inconsistent, not merged.
    let one = study.part(0, 1, "one.json", &["--replications", "1"]);
    let two = study.path("two.json");
    std::fs::write(
        &two,
        resigned(&one, "\"replications\":1,", "\"replications\":2,"),
    )
    .unwrap();
    let forged = write(
        "forged.json",
        resigned(&two, "\"shard\":0,\"shards\":1", "\"shard\":1,\"shards\":3").as_bytes(),
    );
    let m = refused(merge(&[&forged], &[]));
    assert!(m.contains("inconsistent"), "{m}");

    // A header edited by hand (another seed) no longer matches its copy in the body.
    let edited = write(
        "edited.json",
        text_of(&part)
            .replacen("\"seed\":11,", "\"seed\":12,", 1)
            .as_bytes(),
    );
    let m = refused(merge(&[&edited], &[]));
    assert!(m.contains("header was changed"), "{m}");

    let not_json = write("bad.json", b"{\"format\": \"callsim-part\",\n");
    let m = refused(merge(&[&not_json], &[]));
    assert!(m.contains("bad.json: line 1, column"), "{m}");

    let report = write("report.json", &study.single("json"));
    let m = refused(merge(&[&report], &[]));
    assert!(m.contains("not a callsim part"), "{m}");

    // Over the size cap: refused from its size, before it is read.
    let huge = study.path("huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len((4 << 30) + 1)
        .unwrap();
    let m = refused(merge(&[&huge], &[]));
    assert!(m.contains("cannot read the part"), "{m}");
}

#[test]
fn bad_shard_requests_are_refused() {
    let study = Study::new();
    let scenario = study.scenario.to_str().unwrap();
    let out = study.path("p.json");
    let out = out.to_str().unwrap();
    for bad in ["7/7", "1", "x/3", "0/0"] {
        let m = refused(callsim(&["run", scenario, "--shard", bad, "--output", out]));
        assert!(m.contains("--shard") && m.contains("e.g."), "{bad}: {m}");
    }
    let m = refused(callsim(&[
        "run", scenario, "--shard", "0/8", "--output", out,
    ]));
    assert!(m.contains("at most 7 shards"), "{m}");
    // A trace replay is not sharded: the part could not vouch for the trace's contents.
    std::fs::write(
        study.path("calls.csv"),
        "arrival_s,call_type,handle_time_s\n10,general,200\n",
    )
    .unwrap();
    let replay = study.path("replay.toml");
    std::fs::write(
        &replay,
        SCENARIO.replace("seed = 11", "seed = 11\ntrace = \"calls.csv\""),
    )
    .unwrap();
    let m = refused(callsim(&[
        "run",
        replay.to_str().unwrap(),
        "--shard",
        "0/2",
        "--output",
        out,
    ]));
    assert!(m.contains("trace"), "{m}");
    // A part goes to a file, never to the terminal.
    let out = callsim(&["run", scenario, "--shard", "0/2"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_workstation_recipe_merges_to_the_single_run() {
    let study = Study::new();
    let outdir = study.path("out");
    let out = Command::new("sh")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/deploy/workstation.sh"
        ))
        .args([study.scenario.as_os_str(), "3".as_ref(), outdir.as_os_str()])
        .arg(env!("CARGO_BIN_EXE_callsim"))
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(outdir.join("report.json")).unwrap(),
        study.single("json")
    );
    // A comparison, its flags passed through to every shard.
    let compared = study.path("compared");
    let mut args = vec![
        study.scenario.as_os_str(),
        "2".as_ref(),
        compared.as_os_str(),
        env!("CARGO_BIN_EXE_callsim").as_ref(),
    ];
    let variant = study.variant();
    args.extend([
        "compare".as_ref(),
        "--variant".as_ref(),
        variant.as_os_str(),
    ]);
    let out = Command::new("sh")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/deploy/workstation.sh"
        ))
        .args(&args)
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(compared.join("report.json")).unwrap(),
        study.whole(&study.compare_args(), &["--format", "json"])
    );
}

/// A variant of [`SCENARIO`] with one agent more, for `compare --variant`.
const VARIANT: &str = "agents = 17";

impl Study {
    /// Writes the variant scenario beside the scenario, returning its path.
    fn variant(&self) -> PathBuf {
        let path = self.path("more.toml");
        if !path.exists() {
            std::fs::write(&path, SCENARIO.replace("agents = 16", VARIANT)).unwrap();
        }
        path
    }

    /// The `compare` arguments of this study: the scenario, a policy and a variant.
    fn compare_args(&self) -> Vec<String> {
        vec![
            "compare".into(),
            self.scenario.to_str().unwrap().into(),
            "--variant".into(),
            self.variant().to_str().unwrap().into(),
        ]
    }

    /// The `sweep` arguments of this study: three headcounts, targets drawn.
    fn sweep_args(&self) -> Vec<String> {
        [
            "sweep",
            self.scenario.to_str().unwrap(),
            "--group",
            "agents",
            "--agents",
            "15..17",
            "--service-level",
            "80/30",
            "--max-abandon",
            "5%",
            "--quiet",
        ]
        .map(String::from)
        .to_vec()
    }

    /// Runs `verb_args` (as [`Study::compare_args`] gives) as shard `k` of `n` into `name`.
    fn part_of(&self, verb_args: &[String], k: u32, n: u32, name: &str, extra: &[&str]) -> PathBuf {
        let path = self.path(name);
        let shard = format!("{k}/{n}");
        let mut args: Vec<&str> = verb_args.iter().map(String::as_str).collect();
        args.extend([
            "--shard",
            &shard,
            "--output",
            path.to_str().unwrap(),
            "--threads",
            "1",
        ]);
        args.extend_from_slice(extra);
        ok(callsim(&args));
        path
    }

    /// The output of `verb_args` on one machine, with `extra` flags.
    fn whole(&self, verb_args: &[String], extra: &[&str]) -> Vec<u8> {
        let mut args: Vec<&str> = verb_args.iter().map(String::as_str).collect();
        args.extend_from_slice(extra);
        ok(callsim(&args))
    }
}

/// For `compare` and `sweep`: shard processes (N = 1, 2, 3, 7) merged in shuffled order give
/// the single run's table and JSON byte for byte.
fn merged_equal_single(study: &Study, verb_args: &[String], label: &str) {
    let (json, table) = (
        study.whole(verb_args, &["--format", "json"]),
        study.whole(verb_args, &[]),
    );
    for n in [1u32, 2, 3, 7] {
        let paths: Vec<PathBuf> = (0..n)
            .map(|k| study.part_of(verb_args, k, n, &format!("{label}-n{n}-{k}.json"), &[]))
            .collect();
        let mut order: Vec<&Path> = paths.iter().map(PathBuf::as_path).rev().collect();
        order.rotate_left((n / 2) as usize);
        assert_eq!(
            String::from_utf8(ok(merge(&order, &["--format", "json"]))).unwrap(),
            String::from_utf8(json.clone()).unwrap(),
            "{label}: {n} shards, JSON"
        );
        assert_eq!(ok(merge(&order, &[])), table, "{label}: {n} shards, table");
    }
}

/// The HTML page of `compare` or `sweep` merged from 3 shards equals the single run's page.
fn merged_page_equals_single(study: &Study, verb_args: &[String], label: &str) {
    let page = study.whole(verb_args, &["--format", "html"]);
    let paths: Vec<PathBuf> = (0..3)
        .map(|k| study.part_of(verb_args, k, 3, &format!("{label}-page-{k}.json"), &[]))
        .collect();
    let order: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    assert_eq!(
        String::from_utf8(ok(merge(&order, &["--format", "html"]))).unwrap(),
        String::from_utf8(page).unwrap(),
        "{label}: 3 shards, HTML"
    );
}

#[test]
fn merged_compare_shards_equal_the_single_comparison_byte_for_byte() {
    let study = Study::new();
    let args = study.compare_args();
    merged_equal_single(&study, &args, "compare");
    merged_page_equals_single(&study, &args, "compare");
    // Policies too: the alternatives are rebuilt from the recorded settings.
    let mut policies = args[..2].to_vec();
    policies.extend(["--policy", "skill-priority", "--policy", "priority"].map(String::from));
    merged_equal_single(&study, &policies, "policies");
    // A shard run with the variant named by another path (a copy in another directory, as a
    // rerun from elsewhere names it) merges with the others: the parts keep its file name.
    let elsewhere = study.path("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let copy = elsewhere.join("more.toml");
    std::fs::copy(study.variant(), &copy).unwrap();
    let mut moved = args.clone();
    moved[3] = copy.to_str().unwrap().into();
    let first = study.part_of(&moved, 0, 2, "moved-0.json", &[]);
    let second = study.part_of(&args, 1, 2, "moved-1.json", &[]);
    assert_eq!(
        ok(merge(&[&first, &second], &["--format", "json"])),
        study.whole(&args, &["--format", "json"]),
        "shards naming the variant by two paths"
    );
}

#[test]
fn merged_sweep_shards_equal_the_single_sweep_byte_for_byte() {
    let study = Study::new();
    let args = study.sweep_args();
    merged_equal_single(&study, &args, "sweep");
    merged_page_equals_single(&study, &args, "sweep");
    // The chart too, from the merged points.
    let whole_chart = study.path("whole.svg");
    study.whole(&args, &["--chart", whole_chart.to_str().unwrap()]);
    let parts: Vec<PathBuf> = (0..2)
        .map(|k| study.part_of(&args, k, 2, &format!("chart-{k}.json"), &[]))
        .collect();
    let parts: Vec<&Path> = parts.iter().map(PathBuf::as_path).collect();
    let merged_chart = study.path("merged.svg");
    ok(merge(&parts, &["--chart", merged_chart.to_str().unwrap()]));
    assert_eq!(
        std::fs::read(&merged_chart).unwrap(),
        std::fs::read(&whole_chart).unwrap()
    );
    // By load, on another seed and replication count: recorded in the parts.
    let arrivals = [
        "sweep",
        study.scenario.to_str().unwrap(),
        "--arrivals",
        "0.9..1.1",
        "--step",
        "0.1",
        "--seed",
        "5",
        "-r",
        "3",
        "-q",
    ]
    .map(String::from);
    let parts: Vec<PathBuf> = (0..4)
        .map(|k| study.part_of(&arrivals, k, 4, &format!("load-{k}.json"), &[]))
        .collect();
    let parts: Vec<&Path> = parts.iter().map(PathBuf::as_path).collect();
    assert_eq!(
        ok(merge(&parts, &["--format", "json"])),
        study.whole(&arrivals, &["--format", "json"])
    );
}

/// Every refusal, for the parts of `verb_args`: other scenario or settings (`changed`), seed,
/// callsim version, kind; a missing or duplicated shard; a truncated, corrupted or newer part.
fn refusals(study: &Study, verb_args: &[String], changed: &[String], label: &str) {
    let part = |k: u32, n: u32, name: &str, extra: &[&str]| {
        study.part_of(verb_args, k, n, &format!("{label}-{name}"), extra)
    };
    let parts: Vec<PathBuf> = (0..3)
        .map(|k| part(k, 3, &format!("p{k}.json"), &[]))
        .collect();
    let [p0, p1, p2] = [&parts[0], &parts[1], &parts[2]];

    let m = refused(merge(&[p0, p2], &[]));
    assert!(m.contains("1 of 3 shards missing: 1 ("), "{m}");
    let m = refused(merge(&[p0, p1, p1, p2], &[]));
    assert!(m.contains("shard 1/3 is given twice"), "{m}");

    let other_seed = part(1, 3, "seed.json", &["--seed", "12"]);
    let m = refused(merge(&[p0, &other_seed, p2], &[]));
    assert!(m.contains("seeds") && m.contains("12"), "{m}");

    let other_settings = study.part_of(changed, 1, 3, &format!("{label}-settings.json"), &[]);
    let m = refused(merge(&[p0, &other_settings, p2], &[]));
    assert!(m.contains("different scenarios or settings"), "{m}");

    let run_part = study.part(1, 3, &format!("{label}-run.json"), &[]);
    let m = refused(merge(&[p0, &run_part, p2], &[]));
    assert!(m.contains("different verbs"), "{m}");

    let older = study.path(&format!("{label}-older.json"));
    std::fs::write(
        &older,
        resigned(
            p1,
            &format!("\"callsim_version\":\"{}\"", env!("CARGO_PKG_VERSION")),
            "\"callsim_version\":\"0.0.1\"",
        ),
    )
    .unwrap();
    let m = refused(merge(&[p0, &older, p2], &[]));
    assert!(
        m.contains("written by callsim") && m.contains("0.0.1"),
        "{m}"
    );

    let bytes = std::fs::read(p1).unwrap();
    let write = |name: &str, contents: &[u8]| {
        let path = study.path(&format!("{label}-{name}"));
        std::fs::write(&path, contents).unwrap();
        path
    };
    let truncated = write("truncated.json", &bytes[..bytes.len() - 100]);
    let m = refused(merge(&[p0, &truncated, p2], &[]));
    assert!(m.contains("truncated"), "{m}");
    let corrupted = write("corrupted.json", &one_digit_changed(&bytes));
    let m = refused(merge(&[p0, &corrupted, p2], &[]));
    assert!(m.contains("checksum"), "{m}");
    // Edited and checksummed again: the checksum holds, the numbers cannot be a run's.
    let forged = write(
        "forged.json",
        resigned(p1, "\"answered\":", "\"answered\":-").as_bytes(),
    );
    let m = refused(merge(&[p0, &forged, p2], &[]));
    assert!(
        m.contains("not a run's numbers") && m.contains("not a count of calls"),
        "{m}"
    );
    let text = String::from_utf8(bytes).unwrap();
    let newer = write(
        "newer.json",
        text.replacen("\"format_version\":5", "\"format_version\":6", 1)
            .as_bytes(),
    );
    let m = refused(merge(&[p0, &newer, p2], &[]));
    assert!(m.contains("newer callsim") && m.contains("format 6"), "{m}");

    // Their output is a table or JSON, and a chart is a sweep's.
    let m = refused(merge(&[p0, p1, p2], &["--format", "csv"]));
    assert!(m.contains("--format csv"), "{m}");
    if !label.starts_with("sweep") {
        let chart = study.path(&format!("{label}.svg"));
        let m = refused(merge(&[p0, p1, p2], &["--chart", chart.to_str().unwrap()]));
        assert!(m.contains("only a sweep has a chart"), "{m}");
    }
}

#[test]
fn compare_parts_that_do_not_belong_together_are_refused() {
    let study = Study::new();
    let args = study.compare_args();
    // Another variant's text: the same file name, other contents.
    let other = study.path("other");
    std::fs::create_dir(&other).unwrap();
    let other_variant = other.join("more.toml");
    std::fs::write(
        &other_variant,
        SCENARIO.replace("agents = 16", "agents = 18"),
    )
    .unwrap();
    let mut changed = args.clone();
    changed[3] = other_variant.to_str().unwrap().into();
    refusals(&study, &args, &changed, "compare");
    // Items are alternatives × replications: 2 × 7 = 14 shards at most.
    let out = study.path("too-many.json");
    let mut too_many: Vec<&str> = args.iter().map(String::as_str).collect();
    too_many.extend(["--shard", "0/15", "--output", out.to_str().unwrap()]);
    let m = refused(callsim(&too_many));
    assert!(m.contains("at most 14 shards"), "{m}");
}

#[test]
fn sweep_parts_that_do_not_belong_together_are_refused() {
    let study = Study::new();
    let args = study.sweep_args();
    let mut changed = args.clone();
    changed[5] = "15..18".into();
    refusals(&study, &args, &changed, "sweep");
    let mut target = args.clone();
    target[7] = "90/30".into();
    refusals(&study, &args, &target, "sweep-target");
    // A sharded sweep writes a part, not a chart or a table.
    let out = study.path("chart-part.json");
    let mut with_chart: Vec<&str> = args.iter().map(String::as_str).collect();
    with_chart.extend([
        "--shard",
        "0/2",
        "--output",
        out.to_str().unwrap(),
        "--chart",
        "x.svg",
    ]);
    assert_eq!(callsim(&with_chart).status.code(), Some(2));
}

#[test]
fn intervals_by_type_are_asked_of_the_merge_not_of_a_shard() {
    let study = Study::new();
    let out = study.path("part.json");
    let message = refused(callsim(&[
        "run",
        study.scenario.to_str().unwrap(),
        "--shard",
        "0/2",
        "--output",
        out.to_str().unwrap(),
        "--intervals-by-type",
    ]));
    assert!(message.contains("callsim merge"), "{message}");
    assert!(!out.exists());
    let part = study.part(0, 1, "whole.json", &[]);
    let message = refused(merge(&[&part], &["--intervals-by-type", "-f", "json"]));
    assert!(message.contains("--format table"), "{message}");
}
