//! `callsim fit`: the round trip (simulate known scenarios for many days, fit the call log,
//! recover every parameter within its confidence interval) and the command line on good and
//! bad logs. Synthetic logs only.

use callsim::engine::Outcome;
use callsim::fit::durations::Family;
use callsim::fit::log::{parse, Columns};
use callsim::fit::{fit, FitOptions};
use callsim::model::Model;

use crate::support::callsim;
use crate::support::model;

/// Two call types, a busy-day factor, lognormal and exponential talk times, exponential and
/// gamma patience, in 16 half-hour intervals.
const KNOWN: &str = r#"
name = "round trip"
[simulation]
duration = "8h"
interval = "30m"
replications = 1
seed = 7
busyness_cv = 0.15
[service_level]
threshold = "20s"
[[call_types]]
name = "sales"
arrival_rates = [60, 90, 120, 150, 150, 120, 120, 150, 150, 120, 90, 90, 120, 120, 90, 60]
handle_time = { distribution = "lognormal", mean = "4m", cv = 1.2 }
patience = { distribution = "exponential", mean = "2m" }
[[call_types]]
name = "service"
arrival_rate = 80
handle_time = { distribution = "exponential", mean = "3m" }
patience = { distribution = "gamma", mean = "3m", cv = 0.5 }
[[agent_groups]]
name = "agents"
agents = 13
skills = ["sales", "service"]
"#;

/// `days` replications of `model` as one call log in callsim's `--write-calls` columns,
/// day d's arrivals shifted by d × 24 h.
fn multi_day_log(model: &Model, days: u32) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "arrival_s",
        "call_type",
        "handle_time_s",
        "patience_s",
        "tier",
        "attempt",
        "outcome",
        "wait_s",
        "group",
    ])
    .unwrap();
    for day in 0..days {
        let mut records = callsim::call_log(model, day);
        records.sort_by_key(|r| r.arrival);
        for r in records {
            let outcome = match r.outcome {
                Outcome::Answered { .. } => "answered",
                Outcome::Abandoned => "abandoned",
                _ => "blocked",
            };
            w.write_record([
                (r.arrival.as_seconds() + f64::from(day) * 86_400.0).to_string(),
                model.call_types[r.call_type as usize].name.clone(),
                r.handle.as_seconds().to_string(),
                r.patience.as_seconds().to_string(),
                String::new(),
                r.attempt.to_string(),
                outcome.to_owned(),
                (r.end_of_wait - r.arrival).as_seconds().to_string(),
                "agents".to_owned(),
            ])
            .unwrap();
        }
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

#[test]
fn round_trip_recovers_every_parameter_within_its_interval() {
    let known = model(KNOWN);
    let text = multi_day_log(&known, 30);
    let log = parse("round-trip.csv", text.as_bytes(), &Columns::callsim()).unwrap();
    let fitted = fit(&log, &FitOptions::default()).unwrap();
    assert_eq!(
        (fitted.days.len(), fitted.first_interval, fitted.intervals),
        (30, 0, 16)
    );

    let d = fitted.dispersion.expect("25 days");
    assert!(d.p_value < 0.01, "busy days are over-dispersed: {d:?}");
    assert!(d.busyness_cv.covers(0.15), "{:?}", d.busyness_cv);

    // Every interval's rate: 32 intervals at 95 % should leave about 1.6 outside.
    // Types come in order of first appearance in the log; match them by name.
    let truth = |name: &str, i: usize| {
        let t = known.call_types.iter().find(|t| t.name == name).unwrap();
        t.calls_per_hour[i]
    };
    let mut covered = 0;
    for ty in &fitted.types {
        for (i, r) in ty.rates.iter().enumerate() {
            covered += usize::from(r.covers(truth(&ty.name, i)));
        }
    }
    assert!(
        covered >= 29,
        "only {covered} of 32 rate intervals cover the truth"
    );

    let by_name = |name: &str| fitted.types.iter().find(|t| t.name == name).unwrap();
    let (sales, service) = (by_name("sales"), by_name("service"));
    let talk = sales.talk.as_ref().unwrap();
    assert_eq!(talk.chosen().family, Family::Lognormal);
    assert!(
        talk.mean.covers(240.0) && talk.cv.covers(1.2),
        "{:?} {:?}",
        talk.mean,
        talk.cv
    );
    let talk = service.talk.as_ref().unwrap();
    assert!(talk.mean.covers(180.0), "{:?}", talk.mean);
    assert!(
        talk.cv.covers(1.0),
        "exponential (cv 1) talk: {:?} {:?}",
        talk.chosen(),
        talk.cv
    );

    let p = sales.patience.as_ref().unwrap();
    assert!(!p.exponential_rejected, "LR {}", p.lr_statistic);
    assert!(p.chosen().mean.covers(120.0), "{:?}", p.chosen().mean);
    assert!(p.zero_waits > 0 && p.censored > 0);
    let p = service.patience.as_ref().unwrap();
    assert!(
        p.exponential_rejected,
        "gamma cv 0.5 patience: LR {}",
        p.lr_statistic
    );
    let c = p.chosen();
    assert_eq!(c.family, Family::Gamma);
    assert!(c.mean.covers(180.0) && c.cv.covers(0.5), "{c:?}");

    // The written scenario is valid and has the fitted shape.
    let scenario = fitted.scenario_toml("round-trip.csv");
    let again = model(&scenario);
    assert_eq!(again.call_types.len(), 2);
    assert_eq!(again.intervals, 16);
    assert!(scenario.contains("STAFFING IS NOT IN THE LOG"));
    assert!(scenario.contains("busyness_cv = "));
}

/// Call types named with quotes and backslashes (which the call log quotes) are written as
/// TOML strings that read back as the same names; the title keeps what shows of the log's
/// file name; a type with a character that does not show is refused at its line.
#[test]
fn names_with_quotes_and_backslashes_read_back_as_themselves() {
    let odd = KNOWN
        .replace("name = \"sales\"", r#"name = "sales \"new\"""#)
        .replace("name = \"service\"", r#"name = "serv\\ice""#)
        .replace(
            r#"skills = ["sales", "service"]"#,
            r#"skills = ["sales \"new\"", "serv\\ice"]"#,
        );
    let known = model(&odd);
    let text = multi_day_log(&known, 3);
    let log = parse("odd.csv", text.as_bytes(), &Columns::callsim()).unwrap();
    let fitted = fit(&log, &FitOptions::default()).unwrap();
    let scenario = fitted.scenario_toml("odd\u{200B}\nname \"x\".csv");
    let again = model(&scenario);
    let mut names: Vec<&str> = again.call_types.iter().map(|t| t.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["sales \"new\"", "serv\\ice"]);
    assert_eq!(again.name, "Fitted from oddname \"x\".csv");
    let tabbed = text.replacen("serv\\ice", "serv\tice", 1);
    let error = parse("tab.csv", tabbed.as_bytes(), &Columns::callsim())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("U+0009") && error.contains("column `call_type`"),
        "{error}"
    );
}

#[test]
fn fit_on_the_command_line_writes_a_valid_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("calls.csv");
    let one_type = KNOWN.replace("busyness_cv = 0.15", "");
    std::fs::write(&log, multi_day_log(&model(&one_type), 6)).unwrap();
    let out_path = dir.path().join("fitted.toml");
    let out = callsim(&[
        "fit",
        log.to_str().unwrap(),
        "--interval",
        "1h",
        "-o",
        out_path.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("6 days fitted"), "{stderr}");
    let valid = callsim(&["validate", out_path.to_str().unwrap()]);
    assert!(
        valid.status.success(),
        "{}",
        String::from_utf8_lossy(&valid.stderr)
    );
    let text = std::fs::read_to_string(&out_path).unwrap();
    assert!(text.contains("interval = \"1h\"") && text.contains("# patience"));
    // Not overwritten without --force.
    let again = callsim(&[
        "fit",
        log.to_str().unwrap(),
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn a_log_beyond_what_a_scenario_holds_is_fitted_but_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calls.csv");
    let out_path = dir.path().join("fitted.toml");
    // Fits the log of `rows` (arrival, type, talk) and returns stderr, once it has checked
    // that the fit was refused (exit 2, no panic) and nothing written.
    let refused = |rows: Vec<(f64, String, String)>| {
        let mut log = String::from("arrival_s,call_type,handle_time_s,outcome,wait_s\n");
        for (arrival, call_type, talk) in rows {
            log += &format!("{arrival},{call_type},{talk},answered,0\n");
        }
        std::fs::write(&path, log).unwrap();
        let out = callsim(&[
            "fit",
            path.to_str().unwrap(),
            "-o",
            out_path.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!out_path.exists());
        stderr
    };
    // Talk times of years (a unit slip, milliseconds read as seconds): the fit needs a
    // headcount over the scenario limit, so the scenario would not load.
    let stderr = refused(
        (0..60u32)
            .map(|i| {
                let talk = 2e8 + f64::from(i) * 1e6;
                (f64::from(i * 100), "a".to_owned(), talk.to_string())
            })
            .collect(),
    );
    assert!(
        stderr.contains("does not load") && stderr.contains("time units"),
        "{stderr}"
    );
    // Eight thousand call types (a column of call ids read as types): the scenario would
    // be longer than a scenario file may be.
    let stderr = refused(
        (0..8000u32)
            .map(|i| (f64::from(i) * 10.75, format!("t{i}"), "100".to_owned()))
            .collect(),
    );
    assert!(
        stderr.contains("more than a scenario file may be (16 MiB)")
            && stderr.contains("8000 call types"),
        "{stderr}"
    );
    // One talk of 10³⁰⁰ seconds among ordinary ones (the placeholder headcount once
    // overflowed, and wrapped to zero agents in a release build): refused at its line.
    let stderr = refused(
        (0..60u32)
            .map(|i| {
                let talk = if i == 7 {
                    "1e300".to_owned()
                } else {
                    (100 + i).to_string()
                };
                (f64::from(i * 100), "a".to_owned(), talk)
            })
            .collect(),
    );
    assert!(
        stderr.contains("line 9, column `handle_time_s`: talk time `1e300` is more than ten years"),
        "{stderr}"
    );
}

/// A log with no line break is one header line: the message lists its first columns, each
/// cut short, not the whole file (a 300 MB such log wrote 314 MB to stderr and peaked at
/// 2.7 GB).
#[test]
fn a_log_without_line_breaks_is_not_repeated_in_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one-line.csv");
    let columns: Vec<String> = (0..5_000)
        .map(|i| format!("{}{i}", "x".repeat(200)))
        .collect();
    std::fs::write(&path, columns.join(",")).unwrap();
    let out = callsim(&["fit", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no column `arrival_s`"), "{stderr}");
    assert!(stderr.contains("… and 4960 more"), "{stderr}");
    assert!(stderr.len() < 4_000, "{} bytes of message", stderr.len());
}

#[test]
fn bad_logs_are_refused_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let header = "arrival_s,call_type,handle_time_s,patience_s,tier,attempt,outcome,wait_s,group\n";
    let cases: [(&str, String, &str); 8] = [
        ("empty", String::new(), "empty"),
        (
            "before the start",
            format!("{header}-100,a,60,,,1,answered,0,g\n"),
            "line 2, column `arrival_s`: `-100` is before the log's start",
        ),
        (
            "no type",
            format!("{header}10,,60,,,1,answered,0,g\n"),
            "--columns type=NAME",
        ),
        (
            "semicolons",
            "arrival_s;call_type;handle_time_s\n10;a;60\n".into(),
            "not comma-separated",
        ),
        (
            "columns",
            "time,queue\n1,a\n".into(),
            "no column `arrival_s`",
        ),
        (
            "time",
            format!("{header}10,a,60,,,1,answered,0,g\nnoon,a,60,,,1,answered,0,g\n"),
            "line 3, column `arrival_s`",
        ),
        (
            "negative",
            format!("{header}10,a,60,,,1,answered,-4,g\n"),
            "line 2, column `wait_s`: negative",
        ),
        (
            "few",
            format!("{header}10,a,60,,,1,answered,0,g\n"),
            "fewer than 30 answered calls",
        ),
    ];
    for (name, text, expected) in cases {
        let path = dir.path().join(format!("{name}.csv"));
        std::fs::write(&path, text).unwrap();
        let out = callsim(&["fit", path.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(out.stdout.is_empty());
    }
    let out = callsim(&["fit", "x.csv", "--columns", "start"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("KEY=NAME"));
}

/// A log whose fitting would not fit in memory is refused before it is parsed, with the
/// estimate, its largest part and a fix, and nothing is written; within the budget it fits.
#[test]
fn a_log_too_large_for_the_memory_budget_is_refused_before_it_is_read() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/sample-calls.csv");
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("fitted.toml");
    let out_arg = out_path.to_str().unwrap();
    let out = callsim(&["fit", sample, "-o", out_arg, "--memory-budget", "1MB"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for needle in ["--memory-budget", "the log's calls", "split the log"] {
        assert!(stderr.contains(needle), "{needle:?} not in {stderr}");
    }
    assert!(!out_path.exists());
    let out = callsim(&["fit", sample, "-o", out_arg, "--memory-budget", "1GB"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out_path.exists());
}

/// Refusals of options that only the log can contradict name the option and a fix that
/// exists (there is no `--date-column`: a date column is mapped with `--columns date=`).
#[test]
fn option_refusals_name_the_option_and_a_real_fix() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/sample-calls.csv");
    let cases: [(&[&str], &[&str]); 3] = [
        (
            &["--interval", "7m"],
            &["--interval", "use e.g. --interval 15m"],
        ),
        (&["--weekdays", "mon"], &["--weekdays", "--columns date="]),
        (&["--agents", "0"], &["--agents", "no agents"]),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["fit", sample];
        args.extend_from_slice(extra);
        let out = callsim(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        for needle in expected {
            assert!(stderr.contains(needle), "{extra:?}: {stderr}");
        }
        assert!(!stderr.contains("--date-column"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

/// The README's worked example: the shipped sample log and the figures quoted for it.
#[test]
fn the_shipped_sample_log_gives_the_readme_figures() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/sample-calls.csv");
    let log = callsim::fit::log::read(std::path::Path::new(path), &Columns::callsim()).unwrap();
    let fitted = fit(&log, &FitOptions::default()).unwrap();
    assert_eq!(fitted.days.len(), 7);
    let orders = fitted.types.iter().find(|t| t.name == "orders").unwrap();
    let talk = orders.talk.as_ref().unwrap();
    assert_eq!(talk.chosen().family, Family::Lognormal);
    assert_eq!(
        format!("{:.0} {:.2}", talk.mean.value, talk.cv.value),
        "237 0.99"
    );
    assert!(talk.mean.covers(240.0) && talk.cv.covers(1.0));
    let patience = orders.patience.as_ref().unwrap().chosen();
    assert_eq!(patience.family, Family::Exponential);
    assert_eq!(format!("{:.0}", patience.mean.value), "95");
    assert!(patience.mean.covers(90.0));
    let cv = fitted.dispersion.unwrap().busyness_cv;
    assert_eq!(format!("{:.3}", cv.value), "0.105");
    assert!(cv.covers(0.1));
}

/// Mean over days and Student-t 95 % half-width.
fn mean_and_half_width(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (
        mean,
        callsim::stats::student_t_975(values.len() - 1) * (var / n).sqrt(),
    )
}

#[test]
fn the_fitted_scenario_with_the_true_staffing_reproduces_the_log() {
    let known = model(KNOWN);
    let days = 30;
    let text = multi_day_log(&known, days);
    let log = parse("round-trip.csv", text.as_bytes(), &Columns::callsim()).unwrap();
    let fitted = fit(&log, &FitOptions::default()).unwrap();
    // The callsim log names no agents: put back the 13 the log was simulated with.
    let scenario: String = fitted
        .scenario_toml("round-trip.csv")
        .lines()
        .map(|l| {
            if l.starts_with("agents_by_interval") {
                format!("agents_by_interval = [{}]", ["13"; 16].join(", "))
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let refit = model(&scenario.replace("replications = 20", "replications = 30"));
    let report = callsim::run(
        &refit,
        &callsim::RunOptions {
            threads: Some(2),
            ..Default::default()
        },
    );

    // What happened, day by day, with the report's definitions.
    let (mut sl, mut abandon) = (Vec::new(), Vec::new());
    for day in 0..days {
        let records = callsim::call_log(&known, day);
        let answered: Vec<f64> = records
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Answered { .. }))
            .map(|r| (r.end_of_wait - r.arrival).as_seconds())
            .collect();
        let abandoned = records
            .iter()
            .filter(|r| r.outcome == Outcome::Abandoned)
            .count() as f64;
        let handled = answered.len() as f64 + abandoned;
        sl.push(answered.iter().filter(|&&w| w <= 20.0).count() as f64 / handled);
        abandon.push(abandoned / handled);
    }
    for (name, actual, simulated) in [
        (
            "service level",
            mean_and_half_width(&sl),
            &report.total.service_level,
        ),
        (
            "abandon rate",
            mean_and_half_width(&abandon),
            &report.total.abandon_rate,
        ),
    ] {
        let (mean, half) = actual;
        let (sim, sim_half) = (simulated.mean.unwrap(), simulated.ci95.unwrap());
        assert!(
            (sim - mean).abs() <= half + sim_half,
            "{name}: log {mean:.4} ± {half:.4}, fitted scenario {sim:.4} ± {sim_half:.4}"
        );
    }
}

#[test]
fn the_bank_preset_and_column_mapping_read_a_dated_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "vru+line,call_id,type,date,vru_exit,q_start,q_time,outcome,ser_time,server\n",
    );
    // Sunday 1, Monday 2 and Friday 6 August 1999: 40 calls each, every fifth abandoned.
    for date in ["1999-08-01", "1999-08-02", "1999-08-06"] {
        for i in 0..40 {
            let (outcome, server) = if i % 5 == 0 {
                ("HANG", "NO_SERVER")
            } else {
                ("AGENT", "DORIT")
            };
            text += &format!(
                "AA0101,{i},PS,{date},10:{:02}:00,10:{:02}:00,{},{outcome},{},{server}\n",
                i,
                i,
                5 + i,
                60 + 3 * i
            );
        }
    }
    let bank = dir.path().join("bank.csv");
    std::fs::write(&bank, &text).unwrap();
    let out_path = dir.path().join("bank.toml");
    let out = callsim(&[
        "fit",
        bank.to_str().unwrap(),
        "--preset",
        "bank",
        "--columns",
        "time=vru_exit,ivr=,caller=",
        "--weekdays",
        "sun,mon",
        "-o",
        out_path.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("2 days (Sun, Mon only)"), "{stderr}");
    assert!(
        stderr.contains("only 2 days"),
        "a warning about few days: {stderr}"
    );
    let scenario = std::fs::read_to_string(&out_path).unwrap();
    assert!(
        scenario.contains("start_time = \"10:00\"")
            && scenario.contains("agents_by_interval = [1, 1]"),
        "{scenario}"
    );
    assert!(callsim(&["validate", out_path.to_str().unwrap()])
        .status
        .success());

    // The same log under other names, mapped with --columns and outcome lists.
    let renamed = text
        .replacen("type,date,vru_exit", "queue,day,start", 1)
        .replace(",AGENT,", ",ok,")
        .replace(",HANG,", ",lost,");
    let other = dir.path().join("other.csv");
    std::fs::write(&other, renamed).unwrap();
    let out = callsim(&[
        "fit",
        other.to_str().unwrap(),
        "--preset",
        "bank",
        "--columns",
        "type=queue,date=day,time=start,ivr=,caller=",
        "--answered",
        "ok",
        "--abandoned",
        "lost",
        "--weekdays",
        "sun,mon",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mapped = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        mapped.lines().skip(1).collect::<Vec<_>>(),
        scenario
            .replace("bank.csv", "other.csv")
            .lines()
            .skip(1)
            .collect::<Vec<_>>()
    );
}

/// `days` days of `scenario` as callsim's own `run --write-calls` logs (seeds 1, 2, ...),
/// concatenated with day d's times shifted by d × 24 h.
fn written_calls(dir: &std::path::Path, scenario: &str, days: u32) -> String {
    let path = dir.join("known.toml");
    std::fs::write(&path, scenario).unwrap();
    let day_log = dir.join("day.csv");
    let mut all = String::new();
    for day in 0..days {
        let seed = (day + 1).to_string();
        let out = callsim(&[
            "run",
            path.to_str().unwrap(),
            "--seed",
            &seed,
            "-r",
            "1",
            "--write-calls",
            day_log.to_str().unwrap(),
            "--force",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(&day_log).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        if day == 0 {
            all += header;
            all.push('\n');
        }
        for line in lines {
            let (arrival, rest) = line.split_once(',').unwrap();
            let t: f64 = arrival.parse().unwrap();
            all += &format!("{},{rest}\n", t + f64::from(day) * 86_400.0);
        }
    }
    all
}

/// Redials, an IVR with self-service, and a known staffing: 20 days.
const REDIALS: &str = r#"
name = "redials and IVR"
[simulation]
duration = "6h"
interval = "1h"
replications = 1
seed = 1
[service_level]
threshold = "20s"
[[call_types]]
name = "help"
arrival_rates = [100, 140, 160, 160, 140, 100]
handle_time = { distribution = "exponential", mean = "3m" }
patience = { distribution = "exponential", mean = "1m" }
ivr = { time = { distribution = "lognormal", mean = "40s", cv = 0.5 }, self_service = 0.2 }
retrial = { probability = 0.5, delay = { distribution = "exponential", mean = "5m" }, max_attempts = 3 }
[[agent_groups]]
name = "desk"
agents = 6
skills = ["help"]
"#;

#[test]
fn round_trip_recovers_redials_ivr_and_self_service_and_the_check_reproduces_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let text = written_calls(dir.path(), REDIALS, 20);
    assert!(text.starts_with(
        "arrival_s,call_type,handle_time_s,patience_s,tier,attempt,outcome,wait_s,group,ivr_s,caller\n"
    ));
    let log = parse("redials.csv", text.as_bytes(), &Columns::callsim()).unwrap();
    assert!(log.has_callers && log.has_ivr);
    let fitted = fit(
        &log,
        &FitOptions {
            interval_s: 3600.0,
            agents: Some(vec![6.0]),
            ..FitOptions::default()
        },
    )
    .unwrap();
    let r = fitted.redial.as_ref().expect("thousands of redials");
    assert!(r.probability.covers(0.5), "{:?}", r.probability);
    assert!(r.delay.mean.covers(300.0), "{:?}", r.delay.mean);
    assert!(r.delay.cv.covers(1.0) || r.delay.chosen().family == Family::Exponential);
    assert_eq!(r.max_attempts, 3);
    let help = &fitted.types[0];
    let ivr = help.ivr.as_ref().expect("every caller passes the IVR");
    assert!(ivr.self_service.covers(0.2), "{:?}", ivr.self_service);
    assert_eq!(ivr.time.chosen().family, Family::Lognormal);
    assert!(
        ivr.time.mean.covers(40.0) && ivr.time.cv.covers(0.5),
        "{:?} {:?}",
        ivr.time.mean,
        ivr.time.cv
    );
    // The rates count first attempts only: the redials are the simulation's to make.
    let truth = [100.0, 140.0, 160.0, 160.0, 140.0, 100.0];
    let covered = help
        .rates
        .iter()
        .zip(truth)
        .filter(|(r, t)| r.covers(*t))
        .count();
    assert!(covered >= 5, "{:?}", help.rates);
    let p = help.patience.as_ref().unwrap();
    assert!(p.chosen().mean.covers(60.0), "{:?}", p.chosen().mean);

    // The scenario carries all of it, loads, and re-simulated with the true staffing
    // reproduces the log's service per interval.
    let scenario = fitted.scenario_toml("redials.csv");
    assert!(
        scenario.contains("retrial = { probability = 0.") && scenario.contains("max_attempts = 3")
    );
    assert!(scenario.contains("ivr = { time = { distribution = \"lognormal\""));
    assert!(scenario.contains("agents_by_interval = [6, 6, 6, 6, 6, 6]"));
    model(&scenario);
    let check = callsim::fit::check::check(
        &fitted,
        &scenario,
        callsim::fit::check::CheckStaffing::Given,
        Some(2),
    )
    .unwrap();
    assert_eq!(check.intervals.len(), 6);
    for (name, (covered, overlap, n)) in ["service level", "abandon rate", "ASA"]
        .iter()
        .zip(check.agreement())
    {
        assert_eq!(n, 6, "{name}");
        assert!(
            overlap >= 5 && covered >= 3,
            "{name}: {covered} covered, {overlap} overlap\n{}",
            check.text()
        );
    }
}

#[test]
fn weekday_profiles_recover_each_weekdays_rates() {
    // Three weeks from Monday 2 August 1999: weekdays at 120 calls an hour, weekends at 40.
    let weekday = |rate: u32| {
        format!(
            "name = \"w\"\n[simulation]\nduration = \"4h\"\ninterval = \"1h\"\nreplications = 1\nseed = 1\n\
             [[call_types]]\nname = \"a\"\narrival_rate = {rate}\nhandle_time = {{ distribution = \"exponential\", mean = \"2m\" }}\n\
             [[agent_groups]]\nname = \"g\"\nagents = 8\nskills = [\"a\"]\n"
        )
    };
    let (busy, quiet) = (model(&weekday(120)), model(&weekday(40)));
    let monday = callsim::fit::log::days_from_civil(1999, 8, 2);
    let mut text = String::from("time,call_type,handle_time_s,outcome,wait_s\n");
    for d in 0..21u32 {
        let day = monday + i64::from(d);
        let m = if d % 7 >= 5 { &quiet } else { &busy };
        let mut records = callsim::call_log(m, d);
        records.sort_by_key(|r| r.arrival);
        for r in records {
            let ms = (r.arrival.as_seconds() * 1000.0) as u64 + 8 * 3_600_000;
            let (y, mo, dd) = callsim::fit::log::civil_from_days(day);
            text += &format!(
                "{y}-{mo:02}-{dd:02} {:02}:{:02}:{:02}.{:03},a,{},answered,{}\n",
                ms / 3_600_000,
                ms / 60_000 % 60,
                ms / 1000 % 60,
                ms % 1000,
                r.handle.as_seconds(),
                (r.end_of_wait - r.arrival).as_seconds()
            );
        }
    }
    let columns = Columns {
        time: "time".into(),
        ..Columns::callsim()
    };
    let log = parse("weeks.csv", text.as_bytes(), &columns).unwrap();
    assert!(log.dated);
    let fitted = fit(
        &log,
        &FitOptions {
            interval_s: 3600.0,
            ..FitOptions::default()
        },
    )
    .unwrap();
    // Automatic over three weeks: seven profiles, three days each.
    assert_eq!(fitted.weekday_profiles.len(), 7);
    let mut covered = 0;
    for w in &fitted.weekday_profiles {
        assert_eq!(w.days, 3);
        let truth = if w.weekday >= 5 { 40.0 } else { 120.0 };
        covered += w.rates[0].iter().filter(|r| r.covers(truth)).count();
    }
    assert!(
        covered >= 25,
        "{covered} of 28 weekday intervals cover the truth"
    );
    let scenario = fitted.scenario_toml("weeks.csv");
    assert!(scenario.contains("#   Sat (3 days): "), "{scenario}");
    assert!(fitted
        .report_text("weeks.csv")
        .contains("calls a day by weekday"));
    // Asked for on a log without dates: refused.
    let e = fit(
        &parse(
            "s.csv",
            multi_day_log(&busy, 2).as_bytes(),
            &Columns::callsim(),
        )
        .unwrap(),
        &FitOptions {
            by_weekday: Some(true),
            ..FitOptions::default()
        },
    )
    .unwrap_err();
    assert!(e.message.contains("--by-weekday needs a log with dates"));
}

/// A minimal XML well-formedness check: every tag closed in order, attributes quoted.
fn well_formed(page: &str) -> Result<(), String> {
    let body = page.strip_prefix("<!DOCTYPE html>").ok_or("no doctype")?;
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        if text.contains('>') {
            return Err(format!(
                "a stray `>` before {:?}",
                &rest[open..open + 40.min(rest.len() - open)]
            ));
        }
        let close = rest[open..].find('>').ok_or("an unclosed tag")? + open;
        let tag = &rest[open + 1..close];
        if let Some(name) = tag.strip_prefix('/') {
            let top = stack.pop().ok_or(format!("`</{name}>` closes nothing"))?;
            if top != name {
                return Err(format!("`</{name}>` closes `<{top}>`"));
            }
        } else if !tag.ends_with('/') {
            let name = tag.split_whitespace().next().ok_or("an empty tag")?;
            stack.push(name);
        }
        if tag.matches('"').count() % 2 != 0 {
            return Err(format!("unbalanced quotes in <{tag}>"));
        }
        rest = &rest[close + 1..];
    }
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed: {stack:?}"))
    }
}

#[test]
fn the_html_report_is_one_well_formed_page_whose_charts_all_have_data() {
    let dir = tempfile::tempdir().unwrap();
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/sample-calls.csv");
    let page = dir.path().join("fit.html");
    let out = callsim(&[
        "fit",
        sample,
        "--agents",
        "6",
        "--check",
        "--report",
        page.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.is_empty(), "the report went to the file: {stderr}");
    let html = std::fs::read_to_string(&page).unwrap();
    well_formed(&html).unwrap();
    // Self-contained: nothing fetched, no script.
    for banned in ["<script", "http://", "https://", "@import", "<link", "url("] {
        let outside_namespaces = html
            .replace("http://www.w3.org/2000/svg", "")
            .replace("http://www.w3.org/1999/xhtml", "");
        assert!(!outside_namespaces.contains(banned), "{banned}");
    }
    // Two arrival profiles, three talk-time charts (two types and pooled), three patience
    // charts, three check charts: each with points.
    let charts: Vec<usize> = html
        .split("data-points=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
        .collect();
    assert_eq!(charts.len(), 11, "{charts:?}");
    assert!(charts.iter().all(|&n| n >= 12), "{charts:?}");
    for title in [
        "orders: calls per hour",
        "returns: talk time",
        "orders: patience",
        "Kaplan–Meier (205 abandoned",
        "service level",
        "the log&#39;s mean inside",
    ] {
        assert!(
            html.contains(title) || html.contains(&title.replace("&#39;", "'")),
            "{title}"
        );
    }
    // A text report file is still text.
    let text = dir.path().join("fit.txt");
    let out = callsim(&["fit", sample, "--report", text.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(std::fs::read_to_string(&text)
        .unwrap()
        .starts_with("callsim fit "));
}

#[test]
fn bad_logs_with_the_new_columns_are_refused_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let header = "arrival_s,call_type,handle_time_s,patience_s,tier,attempt,outcome,wait_s,group,ivr_s,caller\n";
    let cases: [(&str, String, &[&str], &str); 8] = [
        (
            "negative-ivr",
            format!("{header}10,a,60,,,1,answered,0,g,-2,ab\n"),
            &[],
            "line 2, column `ivr_s`: negative IVR time",
        ),
        (
            "unreadable-ivr",
            format!("{header}10,a,60,,,1,answered,0,g,later,ab\n"),
            &[],
            "line 2, column `ivr_s`: `later` is not an IVR time",
        ),
        (
            "named-caller-missing",
            format!("{header}10,a,60,,,1,answered,0,g,0,ab\n"),
            &["--columns", "caller=phone"],
            "column `phone`: no column `phone` in the header",
        ),
        (
            "check-without-staffing",
            std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/docs/sample-calls.csv"
            ))
            .unwrap(),
            &["--check"],
            "--check reads the staffing of the log's days from the agents who answered, and the log names no agents",
        ),
        (
            "outcome-twice",
            "arrival_s,call_type,handle_time_s,patience_s,tier,attempt,outcome,wait_s,outcome\n10,a,60,,,1,answered,0,desk\n".to_string(),
            &[],
            "the header names `outcome` twice (columns 7 and 9)",
        ),
        (
            "check-staffing-twice",
            std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/docs/sample-calls.csv"
            ))
            .unwrap(),
            &["--check", "--agents", "6", "--check-staffing", "serving"],
            "--agents and --check-staffing serving both say the staffing",
        ),
        (
            "type-is-time",
            format!("{header}10,a,60,,,1,answered,0,g,0,ab\n"),
            &["--columns", "type=arrival_s"],
            "the column `arrival_s` is read both as the time and as the type",
        ),
        (
            "wait-is-talk",
            format!("{header}10,a,60,,,1,answered,0,g,0,ab\n"),
            &["--columns", "wait=handle_time_s"],
            "the column `handle_time_s` is read both as the wait and as the talk",
        ),
    ];
    for (name, text, extra, expected) in cases {
        let path = dir.path().join(format!("{name}.csv"));
        std::fs::write(&path, text).unwrap();
        let mut args = vec!["fit", path.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = callsim(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
    }
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/sample-calls.csv");
    let out = callsim(&["fit", sample, "--agents", "4,5"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--agents gives 2 values"));
    // Flags that contradict one another, or drop what a fit needs, are refused up front.
    for (extra, expected) in [
        (
            &[
                "--answered",
                "answered,abandoned",
                "--abandoned",
                "abandoned",
            ][..],
            "`abandoned` is given both to --answered and to --abandoned",
        ),
        (&["--columns", "time=a,time=b"][..], "`time` is named twice"),
        (&["--columns", "talk="][..], "would drop the talk column"),
        (
            &["--redial-window", "25h"][..],
            "a window of a day or more follows none",
        ),
    ] {
        let mut args = vec!["fit", sample];
        args.extend_from_slice(extra);
        let out = callsim(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(expected), "{extra:?}: {stderr}");
    }
}

/// A value given to one outcome flag leaves the preset's other kinds; naming one optional
/// column keeps the other optional.
#[test]
fn an_outcome_flag_overrides_the_preset_and_named_columns_leave_the_others_optional() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/sample-calls.csv");
    let table = |extra: &[&str]| {
        let mut args = vec!["fit", sample];
        args.extend_from_slice(extra);
        let out = callsim(&args);
        // The summary table is on stderr (the scenario on stdout).
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{extra:?}: {stderr}");
        stderr
    };
    let plain = table(&[]);
    // Abandonments read as self-served (other endings, as the sample has no IVR column):
    // the preset's `abandoned` no longer abandons.
    let flipped = table(&["--self-served", "abandoned"]);
    let abandoned_column = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| {
                l.trim_start().starts_with("orders") || l.trim_start().starts_with("returns")
            })
            .filter_map(|l| l.split_whitespace().nth(3).map(str::to_owned))
            .take(2)
            .collect()
    };
    assert_ne!(abandoned_column(&plain), ["0", "0"], "{plain}");
    assert_eq!(abandoned_column(&flipped), ["0", "0"], "{flipped}");
    // The sample has no `ivr_s` column: naming the caller column alone keeps it optional.
    table(&["--columns", "caller=tier"]);
    table(&["--columns", "caller="]);
}

/// Virtual hold and a transfer: callsim's own log holds each callback job as a row of its
/// own (tier `callback`, with the job's long wait), and each transfer's next leg as a call
/// of the other type, the last ones after the centre has closed.
const DERIVED: &str = r#"
name = "callbacks and transfers"
[simulation]
duration = "2h"
interval = "30m"
replications = 1
[service_level]
threshold = "20s"
[[call_types]]
name = "front"
arrival_rate = 300
handle_time = { distribution = "exponential", mean = "4m" }
patience = { distribution = "exponential", mean = "2m" }
callback = { when_wait_exceeds = "30s", share = 0.8 }
transfer = { share = 0.2, to = "back" }
[[call_types]]
name = "back"
arrival_rate = 30
handle_time = { distribution = "exponential", mean = "6m" }
patience = { distribution = "exponential", mean = "3m" }
[[agent_groups]]
name = "front desk"
agents = 21
skills = ["front"]
[[agent_groups]]
name = "back office"
agents = 8
skills = ["back"]
"#;

#[test]
fn callback_jobs_and_late_transfer_legs_are_not_new_callers() {
    let dir = tempfile::tempdir().unwrap();
    let text = written_calls(dir.path(), DERIVED, 12);
    let log = parse("derived.csv", text.as_bytes(), &Columns::callsim()).unwrap();
    assert!(
        log.made_by_the_centre_rows > 100,
        "{}",
        log.made_by_the_centre_rows
    );
    let fitted = fit(&log, &FitOptions::default()).unwrap();
    // The day is the scenario's 2 hours, however late the last transfers were answered.
    assert_eq!((fitted.first_interval, fitted.intervals), (0, 4));
    assert!(fitted
        .warnings
        .iter()
        .any(|w| w.contains("outside the fitted day")));
    let front = fitted.types.iter().find(|t| t.name == "front").unwrap();
    // The callers' requests are the calls: a job is neither a new arrival nor a patience
    // censored at its wait of many minutes.
    let covered = front.rates.iter().filter(|r| r.covers(300.0)).count();
    assert!(covered >= 3, "{:?}", front.rates);
    let patience = front.patience.as_ref().unwrap().chosen();
    assert!(patience.mean.covers(120.0), "{:?}", patience.mean);
    model(&fitted.scenario_toml("derived.csv"));
}

/// A tier may be called `callback` on a type that offers no callback: its callers are
/// callers, counted as arrivals, while the jobs of a type that does offer callbacks are not.
const TIER_NAMED_CALLBACK: &str = r#"
name = "a tier named callback"
[simulation]
duration = "2h"
interval = "30m"
replications = 1
[[call_types]]
name = "sales"
arrival_rate = 200
handle_time = { distribution = "exponential", mean = "3m" }
patience = { distribution = "exponential", mean = "2m" }
tiers = [
  { name = "callback", share = 0.5 },
  { name = "new", share = 0.5 },
]
[[call_types]]
name = "care"
arrival_rate = 200
handle_time = { distribution = "exponential", mean = "3m" }
patience = { distribution = "exponential", mean = "2m" }
callback = { when_wait_exceeds = "20s", share = 0.8 }
[[agent_groups]]
name = "sales desk"
agents = 11
skills = ["sales"]
[[agent_groups]]
name = "care desk"
agents = 10
skills = ["care"]
"#;

#[test]
fn a_tier_named_callback_is_callers_where_the_type_offers_no_callback() {
    let dir = tempfile::tempdir().unwrap();
    let text = written_calls(dir.path(), TIER_NAMED_CALLBACK, 12);
    let log = parse("tiers.csv", text.as_bytes(), &Columns::callsim()).unwrap();
    let sales = log.types.iter().position(|t| t == "sales").unwrap();
    let care = log.types.iter().position(|t| t == "care").unwrap();
    let rows = |t: usize| log.calls.iter().filter(|c| c.call_type == t).count();
    // 12 days of 2 hours at 200 calls an hour: 4,800 callers of each type (sd 69).
    assert!((4_500..5_100).contains(&rows(sales)), "{}", rows(sales));
    assert!((4_500..5_100).contains(&rows(care)), "{}", rows(care));
    // The care desk's jobs, and only they, were skipped.
    let jobs = text
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
        .filter(|l| {
            let f: Vec<&str> = l.split(',').collect();
            f[1] == "care" && f[4] == "callback"
        })
        .count() as u64;
    assert!(jobs > 100, "{jobs}");
    assert_eq!(log.made_by_the_centre_rows, jobs);
    let fitted = fit(&log, &FitOptions::default()).unwrap();
    let rates = |name: &str| {
        let t = fitted.types.iter().find(|t| t.name == name).unwrap();
        t.rates.iter().filter(|r| r.covers(200.0)).count()
    };
    assert!(rates("sales") >= 3 && rates("care") >= 3, "{fitted:?}");
}

/// A day of the log with a handful of calls (an export that runs past midnight) would count
/// as a whole day and lower every rate: `fit` names it in a warning.
#[test]
fn a_partial_day_in_the_log_is_named_in_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/sample-calls.csv"
    ))
    .unwrap();
    // 00:05 on the day after the last.
    let days = sample
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next()?.parse::<f64>().ok())
        .fold(0.0f64, f64::max)
        .div_euclid(86_400.0) as i64
        + 1;
    let stray = format!(
        "{sample}{},orders,200,,,1,answered,0.0,desk\n",
        days * 86_400 + 300
    );
    let path = dir.path().join("stray.csv");
    std::fs::write(&path, stray).unwrap();
    let out = callsim(&[
        "fit",
        path.to_str().unwrap(),
        "-o",
        dir.path().join("s.toml").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("day {days} ")) && stderr.contains("partial day"),
        "{stderr}"
    );
    // The sample's own days are whole: no such warning.
    let whole = callsim(&[
        "fit",
        concat!(env!("CARGO_MANIFEST_DIR"), "/docs/sample-calls.csv"),
    ]);
    assert!(!String::from_utf8_lossy(&whole.stderr).contains("partial day"));

    // One whole day and the stray call after it: two days, the second held to the first.
    let first_day: String = sample
        .lines()
        .enumerate()
        .filter(|(i, l)| {
            *i == 0
                || l.split(',')
                    .next()
                    .and_then(|t| t.parse::<f64>().ok())
                    .is_some_and(|t| t < 86_400.0)
        })
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let path = dir.path().join("one-day-and-a-stray.csv");
    std::fs::write(
        &path,
        format!("{first_day}86700,orders,200,,,1,answered,0.0,desk\n"),
    )
    .unwrap();
    let out = callsim(&["fit", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("day 1 ") && stderr.contains("on the other day: a partial day"),
        "{stderr}"
    );
    // That day's 15 abandonments, pooled, fit a lognormal of cv 18.9 best, which no
    // scenario takes: the fit says so and uses the next family, and the scenario loads.
    assert!(
        stderr.contains("the patience of all types pooled: lognormal fits the waits best"),
        "{stderr}"
    );
}

/// A log exported (or appended) twice doubles every rate fitted from it: the copies are
/// warned of, with the first copy's line and the line it repeats. The sample log has no
/// such rows, and a few coincidences in a large log are not warned of.
#[test]
fn rows_repeated_field_for_field_are_warned_of() {
    let dir = tempfile::tempdir().unwrap();
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/sample-calls.csv"
    ))
    .unwrap();
    let mut lines = sample.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).collect();
    let fit_warnings = |name: &str, text: &str| {
        let log = dir.path().join(name);
        std::fs::write(&log, text).unwrap();
        let out = dir.path().join(format!("{name}.toml"));
        let run = callsim(&["fit", log.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        assert!(
            run.status.success(),
            "{}",
            crate::support::text(&run.stderr)
        );
        crate::support::text(&run.stderr)
    };
    assert!(!fit_warnings("once.csv", &sample).contains("repeat"));
    let twice = format!("{header}\n{}\n{}\n", rows.join("\n"), rows.join("\n"));
    let warned = fit_warnings("twice.csv", &twice);
    assert!(
        warned.contains(&format!("{} rows repeat an earlier row", rows.len()))
            && warned.contains(&format!(
                "the first at line {}, a copy of line 2",
                rows.len() + 2
            )),
        "{warned}"
    );
    let one_copy = format!("{header}\n{}\n{}\n", rows.join("\n"), rows[0]);
    assert!(!fit_warnings("one.csv", &one_copy).contains("repeat"));
}

/// One stuck call (a talk of 28 hours among four-minute calls) moves the AHT written, as
/// the fit keeps the sample's mean: `fit` names it, with its line and its share of the
/// mean, and says that no family follows such a sample.
#[test]
fn a_talk_time_far_beyond_the_rest_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/sample-calls.csv"
    ))
    .unwrap();
    let lines = sample.lines().count();
    let path = dir.path().join("stuck.csv");
    std::fs::write(
        &path,
        format!("{sample}600000,orders,100000,,,1,answered,0.0,desk\n"),
    )
    .unwrap();
    let out = callsim(&["fit", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("call type `orders`: 1 talk time over 100 times the median")
            && stderr.contains(&format!("(the largest 100000.0s, line {})", lines + 1)),
        "{stderr}"
    );
    // The sample alone has none.
    let plain = callsim(&[
        "fit",
        concat!(env!("CARGO_MANIFEST_DIR"), "/docs/sample-calls.csv"),
    ]);
    let plain = String::from_utf8_lossy(&plain.stderr);
    assert!(
        !plain.contains("times the median") && !plain.contains("no family follows"),
        "{plain}"
    );
}
