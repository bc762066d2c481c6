//! The report's tables and files as planners read them: every service level labelled with
//! its threshold, compare's per-type differences, one replication without "±", the long
//! CSV and the workbook read back and held to the JSON figures.

use std::collections::HashMap;
use std::path::Path;

use crate::support::callsim;
use calamine::{open_workbook, Data, Reader, Xlsx};
use serde_json::Value;

/// Runs callsim, expecting success; its stdout.
fn ok(args: &[&str]) -> String {
    let out = callsim(args);
    assert!(
        out.status.success(),
        "callsim {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("text output is UTF-8")
}

/// Three call types held to different thresholds: `general` the scenario's 20 s, `billing`
/// its own 1 min, `mobile` with a gold tier at 10 s (target 90 %) and a basic tier at the
/// scenario's 20 s; every type held to the scenario's target of 80 %; two agent groups, one
/// with a headcount that changes.
const LABELS: &str = r#"
name = "Labels"
[simulation]
duration = "2h"
warmup = "30m"
replications = 3
seed = 7
interval = "30m"
[service_level]
threshold = "20s"
target = 0.8
[[call_types]]
name = "general"
arrival_rate = 100
handle_time = { distribution = "exponential", mean = "4m" }
patience = { distribution = "exponential", mean = "2m" }
[[call_types]]
name = "billing"
arrival_rate = 40
handle_time = { distribution = "exponential", mean = "5m" }
patience = { distribution = "exponential", mean = "3m" }
service_level = { threshold = "1m" }
[[call_types]]
name = "mobile"
arrival_rate = 60
handle_time = { distribution = "exponential", mean = "3m" }
patience = { distribution = "exponential", mean = "2m" }
tiers = [
  { name = "gold", share = 0.3, service_level = { threshold = "10s", target = 0.9 } },
  { name = "basic", share = 0.7 },
]
[[agent_groups]]
name = "front"
agents = 10
skills = ["general", "mobile"]
[[agent_groups]]
name = "back"
agents_by_interval = [3, 4, 4, 3]
skills = ["billing", "general"]
"#;

fn scenario(dir: &Path) -> String {
    let path = dir.join("labels.toml");
    std::fs::write(&path, LABELS).unwrap();
    path.to_str().unwrap().to_owned()
}

/// The cells of the table row whose first cell is `label` (cells are separated by two or
/// more spaces; a cell such as `81.2% ±1.1` keeps its single spaces).
fn row<'t>(table: &'t str, label: &str) -> Vec<&'t str> {
    table
        .lines()
        .map(|line| {
            line.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect::<Vec<_>>()
        })
        .find(|cells| cells.first() == Some(&label))
        .unwrap_or_else(|| panic!("no row `{label}` in\n{table}"))
}

/// The cell of `row` under `column` of the table's `header` row.
fn cell<'t>(header: &[&str], row: &[&'t str], column: &str) -> &'t str {
    let at = header
        .iter()
        .position(|h| *h == column)
        .unwrap_or_else(|| panic!("no column `{column}` in {header:?}"));
    row[at]
}

#[test]
fn every_service_level_in_the_run_table_says_its_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario(dir.path());
    let table = ok(&["run", &path]);
    assert!(
        !table.contains("SL 20s"),
        "no column may claim one threshold for all:\n{table}"
    );
    let header = row(&table, "Call type");
    for (label, within) in [
        ("general", "20s"),
        ("billing", "1m"),
        ("mobile", "mixed"),
        ("gold", "10s"),
        ("basic", "20s"),
        ("Total", "mixed"),
    ] {
        assert_eq!(
            cell(&header, &row(&table, label), "within"),
            within,
            "{label}"
        );
    }
    assert!(table.contains("\"mixed\" (a type with tiers, a total) holds each call to its own type's or tier's threshold"));
    // The intervals are totals over every type: their service level is mixed too.
    assert!(row(&table, "Interval").contains(&"SL mixed"));

    // One threshold for every call: the header says it, and no `within` column is needed.
    let uniform = ok(&["run", "-r", "2"]);
    assert!(uniform.contains("Service level (SL) = answered within 20s ÷"));
    let header = row(&uniform, "Call type");
    assert!(header.contains(&"SL 20s") && !header.contains(&"within"));
}

#[test]
fn intervals_by_type_heads_each_type_and_tier_with_its_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario(dir.path());
    let text = ok(&["run", &path, "--intervals-by-type"]);
    let json: Value = serde_json::from_str(&ok(&["run", &path, "-f", "json"])).unwrap();
    for (title, sl) in [
        ("general by interval — service level within 20s", "SL 20s"),
        ("billing by interval — service level within 1m", "SL 1m"),
        (
            "mobile by interval — service level within each tier's own threshold (mixed)",
            "SL mixed",
        ),
        (
            "mobile/gold by interval — service level within 10s",
            "SL 10s",
        ),
        (
            "mobile/basic by interval — service level within 20s",
            "SL 20s",
        ),
    ] {
        let section = text
            .split(&format!("\n{title}\n"))
            .nth(1)
            .unwrap_or_else(|| panic!("no section `{title}` in\n{text}"));
        let section = section.split("\n\n").next().unwrap();
        let lines: Vec<&str> = section.lines().collect();
        assert!(
            lines[0].starts_with("Interval") && lines[0].contains(sl),
            "{title}: {}",
            lines[0]
        );
        assert_eq!(
            lines.len() - 1,
            json["intervals"].as_array().unwrap().len(),
            "{title}"
        );
    }
    // billing's offered calls in the first interval, as the JSON has them.
    let section = text.split("billing by interval").nth(1).unwrap();
    let offered = json["intervals"][0]["call_types"][1]["offered"]["mean"]
        .as_f64()
        .unwrap();
    let first = row(section, "00:30");
    assert!(
        first[1].starts_with(&format!("{offered:.0}")),
        "{first:?} vs {offered}"
    );

    let refused = callsim(&["run", &path, "--intervals-by-type", "-f", "json"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--intervals-by-type"));
}

#[test]
fn one_replication_prints_no_plus_minus_and_says_so_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario(dir.path());
    for args in [
        vec!["run", path.as_str(), "-r", "1"],
        vec!["run", path.as_str(), "-r", "1", "--intervals-by-type"],
        vec![
            "sweep",
            path.as_str(),
            "--scale",
            "0.9..1.0",
            "--step",
            "0.1",
            "-r",
            "1",
            "-q",
        ],
    ] {
        let text = ok(&args);
        assert!(!text.contains('±'), "{args:?}:\n{text}");
        assert_eq!(
            text.matches("one replication: no confidence interval")
                .count(),
            1,
            "{args:?}:\n{text}"
        );
    }
    // With replications, the half-widths are there and said to be.
    let text = ok(&["run", &path, "-r", "3"]);
    assert!(text.contains('±') && text.contains("±95% CI half-width; rates and percentiles"));
}

/// Calls that end without waiting are in neither the service level nor the abandon rate,
/// so the table gives their share of the offered calls beside their count: a planner sees
/// that a fine service level leaves out the callers who got a busy signal.
#[test]
fn blocked_calls_show_their_share_of_the_offered() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lines.toml");
    std::fs::write(
        &path,
        r#"name = "Lines"
[simulation]
duration = "4h"
replications = 3
trunks = 12
[[call_types]]
name = "general"
arrival_rate = 200
handle_time = { distribution = "exponential", mean = "3m" }
patience = { distribution = "exponential", mean = "2m" }
[[agent_groups]]
name = "agents"
agents = 10
skills = ["general"]
"#,
    )
    .unwrap();
    let path = path.to_str().unwrap();
    let json: Value = serde_json::from_str(&ok(&["run", path, "-f", "json"])).unwrap();
    let mean = |key: &str| json["total"][key]["mean"].as_f64().unwrap();
    let share = mean("blocked") / mean("offered") * 100.0;
    assert!(share > 1.0, "{share}% blocked");
    let text = ok(&["run", path]);
    let row = row(&text, "general").join(" ");
    assert!(
        row.contains(&format!("blocked ({share:.1}% of offered)")),
        "{share:.1}% in {row}"
    );
}

#[test]
fn compare_shows_the_paired_differences_per_type_and_tier_in_points() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario(dir.path());
    let args = [
        "compare",
        path.as_str(),
        "--policy",
        "skill-priority",
        "--policy",
        "longest-idle",
        "-r",
        "4",
    ];
    let table = ok(&args);
    let mut json_args = args.to_vec();
    json_args.extend(["-f", "json"]);
    let json: Value = serde_json::from_str(&ok(&json_args)).unwrap();
    let differences = table
        .split("Paired differences per call type and tier")
        .nth(1)
        .unwrap_or_else(|| panic!("no per-type differences in\n{table}"));
    let header = row(differences, "Call type");
    let blocks = json["differences"][0]["call_types"].as_array().unwrap();
    let names: Vec<&str> = blocks.iter().map(|b| b["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "general",
            "billing",
            "mobile",
            "mobile/gold",
            "mobile/basic"
        ]
    );
    let name = "longest-idle - skill-priority";
    // Each type's and tier's rows follow its name: the difference row is the first after.
    let mut rest = differences;
    for (block, within) in blocks.iter().zip(["20s", "1m", "mixed", "10s", "20s"]) {
        let title = format!("\n{}\n", block["name"].as_str().unwrap());
        rest = rest
            .split(&title)
            .nth(1)
            .unwrap_or_else(|| panic!("{title}"));
        let cells = row(rest, name);
        let sl = &block["service_level"];
        let expected = sl["mean"].as_f64().unwrap() * 100.0;
        let shown = cell(&header, &cells, "SL");
        assert!(shown.contains(" pp"), "in percentage points: {shown}");
        let number: f64 = shown.split(" pp").next().unwrap().parse().unwrap();
        assert!(
            (number - expected).abs() <= 0.05 + 1e-9,
            "{shown} vs {expected}"
        );
        let significant = sl["mean"].as_f64().unwrap().abs() > sl["ci95"].as_f64().unwrap();
        assert_eq!(shown.ends_with('*'), significant, "{shown}");
        assert_eq!(cell(&header, &cells, "within"), within);
        let answered = block["answered"]["mean"].as_f64().unwrap();
        let shown = cell(&header, &cells, "answered");
        let number: f64 = shown.split(' ').next().unwrap().parse().unwrap();
        assert!(
            (number - answered).abs() <= 0.5 + 1e-9,
            "{shown} vs {answered}"
        );
    }
    // The day's difference of rates is in points too.
    let day = row(
        table.split("Paired differences against").nth(1).unwrap(),
        name,
    );
    assert!(
        day.iter().filter(|c| c.contains(" pp")).count() >= 3,
        "{day:?}"
    );
}

/// The JSON block a long CSV row is about.
fn block<'j>(json: &'j Value, period: &str, level: &str, names: [&str; 3]) -> &'j Value {
    let span = if period == "day" {
        json
    } else {
        json["intervals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["start"] == period)
            .unwrap_or_else(|| panic!("no interval {period}"))
    };
    let named = |list: &'j Value, name: &str| -> &'j Value {
        list.as_array()
            .unwrap()
            .iter()
            .find(|b| b["name"] == name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let [call_type, tier, group] = names;
    match level {
        "total" => &span["total"],
        "call_type" => named(&span["call_types"], call_type),
        "tier" => named(&named(&span["call_types"], call_type)["tiers"], tier),
        "agent_group" => named(&span["agent_groups"], group),
        other => panic!("unknown level {other}"),
    }
}

/// The statistic of a JSON block under its long-form name (`wait_p90_s` is
/// `wait_s.p90`).
fn statistic<'j>(block: &'j Value, name: &str) -> &'j Value {
    match name
        .strip_prefix("wait_")
        .and_then(|p| p.strip_suffix("_s"))
    {
        Some(p) if p.starts_with('p') || p == "max" => &block["wait_s"][p],
        _ => &block[name],
    }
}

fn number(text: &str) -> Option<f64> {
    (!text.is_empty()).then(|| text.parse().expect("a number"))
}

#[test]
fn the_long_csv_reads_back_as_the_json_figures() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario(dir.path());
    let json: Value = serde_json::from_str(&ok(&["run", &path, "-f", "json"])).unwrap();
    let csv_text = ok(&["run", &path, "--format", "csv-long"]);
    assert_eq!(
        ok(&["run", &path, "--format", "tidy"]),
        csv_text,
        "tidy is csv-long"
    );
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "period",
            "interval_start_s",
            "level",
            "call_type",
            "tier",
            "agent_group",
            "statistic",
            "unit",
            "threshold_s",
            "target",
            "mean",
            "ci95"
        ]
    );
    let mut rows = 0;
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for record in reader.records() {
        let r = record.unwrap();
        rows += 1;
        let (period, level, stat) = (&r[0], &r[2], &r[6]);
        *seen.entry((level.to_owned(), stat.to_owned())).or_default() += 1;
        let b = block(&json, period, level, [&r[3], &r[4], &r[5]]);
        let s = statistic(b, stat);
        // The same figures, to the bit (both are shortest round-trip decimals).
        assert_eq!(number(&r[10]), s["mean"].as_f64(), "{r:?}");
        assert_eq!(number(&r[11]), s["ci95"].as_f64(), "{r:?}");
        if period != "day" {
            let start = json["intervals"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["start"] == period)
                .unwrap()["start_s"]
                .as_f64();
            assert_eq!(number(&r[1]), start);
        } else {
            assert_eq!(&r[1], "");
        }
        let unit = &r[7];
        match stat {
            "service_level" | "abandon_rate" | "p_wait" | "occupancy" => {
                assert_eq!(unit, "fraction")
            }
            "scheduled_agents" | "staffed_agents" => assert_eq!(unit, "agents"),
            s if s.ends_with("_s") => assert_eq!(unit, "seconds"),
            _ => assert_eq!(unit, "calls"),
        }
        // Service levels say what they are measured against; nothing else does.
        let threshold = number(&r[8]);
        let target = number(&r[9]);
        if stat == "service_level" {
            let expected = match (level, &r[3], &r[4]) {
                ("call_type", "general", _) => Some(20.0),
                ("call_type", "billing", _) => Some(60.0),
                ("tier", _, "gold") => Some(10.0),
                ("tier", _, "basic") => Some(20.0),
                _ => None, // mobile and the totals mix thresholds
            };
            assert_eq!(threshold, expected, "{r:?}");
            // The target each row is held to: a type the scenario's (as `staff` applies
            // it), a tier only its own.
            let expected = match (level, &r[4]) {
                ("call_type", _) => Some(0.8),
                ("tier", "gold") => Some(0.9),
                _ => None,
            };
            assert_eq!(target, expected, "{r:?}");
        } else {
            assert_eq!((threshold, target), (None, None), "{r:?}");
        }
    }
    // Every period × block × statistic once: 25 call statistics for all calls, 3 types and
    // 2 tiers, 4 for each of the 2 groups; the day and 3 intervals.
    assert_eq!(rows, 4 * (6 * 25 + 2 * 4));
    assert_eq!(
        seen[&("agent_group".into(), "staffed_agents".into())],
        4 * 2
    );
    assert_eq!(
        seen[&("agent_group".into(), "scheduled_agents".into())],
        4 * 2
    );
    assert_eq!(seen[&("agent_group".into(), "occupancy".into())], 4 * 2);
    assert_eq!(seen[&("tier".into(), "service_level".into())], 4 * 2);

    // One replication: no half-widths.
    let single = ok(&["run", &path, "-r", "1", "--format", "csv-long"]);
    let mut reader = csv::Reader::from_reader(single.as_bytes());
    for record in reader.records() {
        assert_eq!(&record.unwrap()[11], "", "one replication has no interval");
    }
}

/// A workbook sheet's rows as cells.
fn sheet(book: &mut Xlsx<std::io::BufReader<std::fs::File>>, name: &str) -> Vec<Vec<Data>> {
    let range = book
        .worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"));
    range.rows().map(<[Data]>::to_vec).collect()
}

fn float(cell: &Data) -> Option<f64> {
    match cell {
        Data::Float(x) => Some(*x),
        Data::Int(n) => Some(*n as f64),
        Data::Empty => None,
        other => panic!("a number as a number, not {other:?}"),
    }
}

fn string(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("text, not {other:?}"),
    }
}

/// The column of `name` in a header row.
fn column(header: &[Data], name: &str) -> usize {
    header
        .iter()
        .position(|c| *c == Data::String(name.into()))
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

#[test]
fn the_workbook_reads_back_as_the_json_figures() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario(dir.path());
    let file = dir.path().join("day.xlsx");
    let file_name = file.to_str().unwrap();
    ok(&["run", &path, "-f", "xlsx", "-o", file_name]);
    let json: Value = serde_json::from_str(&ok(&["run", &path, "-f", "json"])).unwrap();
    let mut book: Xlsx<_> = open_workbook(&file).expect("a workbook calamine reads");
    assert_eq!(
        book.sheet_names(),
        ["Summary", "Intervals", "Call types", "Groups", "Data"]
    );

    // Summary: the day per call type and tier, with thresholds and targets.
    let summary = sheet(&mut book, "Summary");
    assert_eq!(string(&summary[0][0]), "Labels");
    assert_eq!(float(&summary[1][1]), Some(3.0), "replications");
    let at = summary
        .iter()
        .position(|r| r[0] == Data::String("Call type".into()))
        .expect("the table's header");
    let header = &summary[at];
    let (sl, sl_ci, within, target) = (
        column(header, "service level"),
        column(header, "service level ±95%"),
        column(header, "SL within (s)"),
        column(header, "SL target"),
    );
    let rows = &summary[at + 1..];
    let find = |t: &str, tier: &str| {
        rows.iter()
            .find(|r| string(&r[0]) == t && string(&r[1]) == tier)
            .unwrap_or_else(|| panic!("no row {t}/{tier}"))
    };
    let billing = find("billing", "");
    assert_eq!(float(&billing[within]), Some(60.0));
    assert_eq!(float(&billing[target]), Some(0.8));
    assert_eq!(
        float(&billing[sl]),
        json["call_types"][1]["service_level"]["mean"].as_f64()
    );
    assert_eq!(
        float(&billing[sl_ci]),
        json["call_types"][1]["service_level"]["ci95"].as_f64()
    );
    let gold = find("mobile", "gold");
    assert_eq!(float(&gold[within]), Some(10.0));
    assert_eq!(float(&gold[target]), Some(0.9));
    assert_eq!(
        float(&gold[sl]),
        json["call_types"][2]["tiers"][0]["service_level"]["mean"].as_f64()
    );
    let total = find("Total", "");
    assert_eq!(string(&total[within]), "mixed");
    assert_eq!(
        float(&total[column(header, "offered")]),
        json["total"]["offered"]["mean"].as_f64()
    );

    // Intervals: one row per interval, all calls, and the agents.
    let intervals = sheet(&mut book, "Intervals");
    let header = &intervals[0];
    assert_eq!(intervals.len() - 1, 3);
    for (r, i) in intervals[1..]
        .iter()
        .zip(json["intervals"].as_array().unwrap())
    {
        assert_eq!(string(&r[0]), i["start"].as_str().unwrap());
        assert_eq!(float(&r[1]), i["start_s"].as_f64());
        assert_eq!(
            float(&r[column(header, "service level (mixed)")]),
            i["total"]["service_level"]["mean"].as_f64()
        );
        assert_eq!(
            float(&r[column(header, "abandon rate ±95%")]),
            i["total"]["abandon_rate"]["ci95"].as_f64()
        );
        let scheduled: f64 = i["agent_groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["scheduled_agents"]["mean"].as_f64().unwrap())
            .sum();
        assert_eq!(
            float(&r[column(header, "scheduled agents")]),
            Some(scheduled)
        );
    }

    // Call types: every interval × type and tier.
    let types = sheet(&mut book, "Call types");
    assert_eq!(types.len() - 1, 3 * 5);
    let header = &types[0];
    let r = &types[1 + 5 + 1]; // the second interval's billing
    assert_eq!(string(&r[2]), "billing");
    assert_eq!(
        float(&r[column(header, "ASA (s)")]),
        json["intervals"][1]["call_types"][1]["asa_s"]["mean"].as_f64()
    );

    // Groups: the day and each interval, per group.
    let groups = sheet(&mut book, "Groups");
    assert_eq!(groups.len() - 1, 4 * 2);
    let header = &groups[0];
    let back = &groups[2];
    assert_eq!(
        (string(&back[0]), string(&back[2])),
        ("day".into(), "back".into())
    );
    assert_eq!(
        float(&back[column(header, "agents on the floor")]),
        json["agent_groups"][1]["staffed_agents"]["mean"].as_f64()
    );
    assert_eq!(
        float(&back[column(header, "occupancy ±95%")]),
        json["agent_groups"][1]["occupancy"]["ci95"].as_f64()
    );

    // Data: the long CSV, cell for cell.
    let data = sheet(&mut book, "Data");
    let csv_text = ok(&["run", &path, "--format", "csv-long"]);
    let records: Vec<csv::StringRecord> = csv::Reader::from_reader(csv_text.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(data.len() - 1, records.len());
    for (cells, record) in data[1..].iter().zip(&records) {
        for (c, (cell, text)) in cells.iter().zip(record.iter()).enumerate() {
            match c {
                1 | 8..=11 => assert_eq!(float(cell), number(text), "{record:?}"),
                _ => assert_eq!(string(cell), text, "{record:?}"),
            }
        }
    }
}

#[test]
fn a_one_replication_workbook_has_no_half_width_columns_and_xlsx_goes_to_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario(dir.path());
    // Not a terminal: the bytes go to the pipe (as to a redirect).
    let out = callsim(&["run", &path, "-r", "1", "-f", "xlsx"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.starts_with(b"PK\x03\x04"), "a zip archive");
    // The same report gives the same bytes, a second later too (no clock in the file).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let again = callsim(&["run", &path, "-r", "1", "-f", "xlsx"]);
    assert!(
        again.stdout == out.stdout,
        "the workbook changed with the clock"
    );
    let file = dir.path().join("one.xlsx");
    std::fs::write(&file, &out.stdout).unwrap();
    let mut book: Xlsx<_> = open_workbook(&file).unwrap();
    for name in ["Summary", "Intervals", "Call types", "Groups"] {
        let rows = sheet(&mut book, name);
        let headers = rows
            .iter()
            .find(|r| {
                r.iter().any(|c| {
                    *c == Data::String("offered".into()) || *c == Data::String("answered".into())
                })
            })
            .unwrap_or_else(|| panic!("{name} has a header"));
        assert!(
            !headers.iter().any(|c| string_or_empty(c).contains('±')),
            "{name}: {headers:?}"
        );
    }
    let summary = sheet(&mut book, "Summary");
    assert_eq!(
        string(&summary[3][1]),
        "one replication: no confidence interval"
    );
}

fn string_or_empty(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        _ => String::new(),
    }
}

#[test]
fn a_workbook_too_long_for_a_worksheet_is_refused_before_the_run() {
    // 30 call types over 1,440 one-minute intervals: 1,441 periods × (31 call blocks × 25
    // statistics + 4 for the group) = 1,122,539 rows and a header, beyond Excel's 1,048,576.
    let mut toml = String::from(
        "name = \"Long\"\n[simulation]\nduration = \"24h\"\nreplications = 2\nseed = 1\ninterval = \"1m\"\n[service_level]\nthreshold = \"20s\"\n",
    );
    let names: Vec<String> = (0..30).map(|k| format!("t{k}")).collect();
    for name in &names {
        toml += &format!(
            "[[call_types]]\nname = \"{name}\"\narrival_rate = 10\nhandle_time = {{ distribution = \"exponential\", mean = \"3m\" }}\n"
        );
    }
    toml += &format!(
        "[[agent_groups]]\nname = \"all\"\nagents = 20\nskills = [{}]\n",
        names
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.toml");
    std::fs::write(&path, toml).unwrap();
    let file = dir.path().join("long.xlsx");
    let out = callsim(&[
        "run",
        path.to_str().unwrap(),
        "-f",
        "xlsx",
        "-o",
        file.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("1122540 rows") && stderr.contains("--format csv-long"),
        "{stderr}"
    );
    assert!(!file.exists(), "nothing is written");
}
