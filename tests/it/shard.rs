//! `run --shard K/N` and `merge`: the parts of any split, merged in any order, give the
//! single-machine report byte for byte; parts that do not belong together are refused.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn callsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_callsim"))
        .args(args)
        .output()
        .expect("the binary runs")
}

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
fn resigned(part: &Path, from: &str, to: &str) -> String {
    use sha2::{Digest, Sha256};
    let text = std::fs::read_to_string(part).unwrap().replace(from, to);
    let (header, body) = text.trim_end().split_once('\n').unwrap();
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
    let (json, table, csv) = (
        study.single("json"),
        study.single("table"),
        study.single("csv"),
    );
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
            ok(merge(&order, &["--format", "csv"])),
            csv,
            "{n} shards, CSV"
        );
    }
}

#[test]
fn merge_writes_its_output_file_atomically_and_only_with_force() {
    let study = Study::new();
    let parts = [
        study.part(0, 2, "a.json", &[]),
        study.part(1, 2, "b.json", &[]),
    ];
    let parts: Vec<&Path> = parts.iter().map(PathBuf::as_path).collect();
    let out = study.path("report.json");
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
    let body_start = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut corrupted = bytes.clone();
    let at = body_start
        + corrupted[body_start..]
            .windows(10)
            .position(|w| w == b"\"offered\":")
            .unwrap()
        + 10;
    corrupted[at] = if corrupted[at] == b'9' { b'8' } else { b'9' };
    let corrupted = write("corrupted.json", &corrupted);
    let m = refused(merge(&[&corrupted], &[]));
    assert!(m.contains("checksum"), "{m}");

    let text = String::from_utf8(bytes.clone()).unwrap();
    let newer = write(
        "newer.json",
        text.replacen("\"format_version\":1", "\"format_version\":2", 1)
            .as_bytes(),
    );
    let m = refused(merge(&[&newer], &[]));
    assert!(m.contains("newer callsim") && m.contains("format 2"), "{m}");

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
}
