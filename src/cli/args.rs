//! Parsers for the planner-style arguments of `erlang`, `sweep` and `staff`: durations with
//! units, percentages, "80/20" service levels and ranges. Every error names the flag and
//! shows a correct example (exit 2).

use callsim::scenario::{format_seconds, parse_duration, seconds_as_duration};

use super::Failure;

/// Output of the staffing verbs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// Tables for people.
    Table,
    /// One JSON document for programs.
    Json,
    /// One self-contained HTML page with charts (no network needed to view or print it).
    Html,
}

/// Output of the calculators (`erlang`): tables or JSON, no page to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TextOutput {
    /// Tables for people.
    Table,
    /// One JSON document for programs.
    Json,
}

/// A usage failure (exit 2) about `flag`.
pub fn usage(message: impl Into<String>) -> Failure {
    Failure::Usage(message.into())
}

/// A flag naming a moment of `model`'s day (`--stop-at`, `--until`): a clock time, with its
/// day on a scenario longer than 24 hours. The error's example is the start of the day's
/// middle interval, written as the flag takes it.
pub fn clock_in_day(
    model: &callsim::model::Model,
    flag: &str,
    text: &str,
) -> Result<callsim::time::SimTime, Failure> {
    callsim::live::state::time_in_day(model, text).map_err(|why| {
        usage(format!(
            "{flag} {text}: {why}; give a clock time within the scenario's day ({}), e.g. {flag} {}",
            callsim::live::state::day_span(model),
            model.interval_label(model.intervals / 2)
        ))
    })
}

/// A duration with units, e.g. `--aht 4m30s`, in seconds.
pub fn duration(flag: &str, text: &str) -> Result<f64, Failure> {
    parse_duration(text)
        .map(|d| d.seconds())
        .map_err(|why| usage(format!("{flag}: {why}")))
}

/// A fraction written as a percentage (`5%`) or as a fraction (`0.05`), in [0, 1].
pub fn fraction(flag: &str, text: &str, example: &str) -> Result<f64, Failure> {
    let trimmed = text.trim();
    let (number, percent) = match trimmed.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (trimmed, false),
    };
    let value: f64 = number.parse().map_err(|_| {
        usage(format!(
            "{flag}: `{text}` is not a percentage; write e.g. {flag} {example}"
        ))
    })?;
    // A percentage reads as the fraction written out (`99.9%` is exactly what `0.999` is,
    // which dividing by 100 is not).
    let value = if percent {
        format!("{number}e-2").parse().unwrap_or(value / 100.0)
    } else {
        value
    };
    // A bare 1 is 100 % as a fraction and 1 % as a percentage: ambiguous too.
    if !percent && (1.0..=100.0).contains(&value) {
        let fix = if value == 1.0 {
            format!("{flag} 1% or {flag} 100%")
        } else {
            format!(
                "{flag} {text}% for a percentage, or a fraction such as {}",
                value / 100.0
            )
        };
        return Err(usage(format!("{flag}: `{text}` is ambiguous; write {fix}")));
    }
    if !(0.0..=1.0).contains(&value) {
        return Err(usage(format!(
            "{flag}: `{text}` is not between 0% and 100%; e.g. {flag} {example}"
        )));
    }
    Ok(value)
}

/// `--max-asa`: a duration above zero (an ASA of 0 s is met by no finite staffing).
pub fn max_asa(text: &str) -> Result<f64, Failure> {
    let asa = duration("--max-asa", text)?;
    if asa == 0.0 {
        return Err(usage(
            "--max-asa: an ASA of 0s is met by no finite number of agents (someone always waits); e.g. --max-asa 30s",
        ));
    }
    Ok(asa)
}

/// `--max-abandon`: a fraction above zero (0 % abandoned is met by no finite staffing).
pub fn max_abandon(text: &str) -> Result<f64, Failure> {
    let rate = fraction("--max-abandon", text, "5%")?;
    if rate == 0.0 {
        return Err(usage(
            "--max-abandon: an abandon rate of 0% is met by no finite number of agents (someone always waits); e.g. --max-abandon 5%",
        ));
    }
    Ok(rate)
}

/// A target's percentage as given, for echoing it: to 9 significant digits (rounding
/// 99.9999999 % to 100 % would state a target no staffing meets, and a cap of 10⁻³⁰⁰ to 0 %
/// one that is refused), in scientific notation below a millionth of a percent.
pub fn percent_as_given(fraction: f64) -> String {
    let percent = fraction * 100.0;
    let rounded: f64 = format!("{percent:.8e}").parse().unwrap_or(percent);
    if rounded != 0.0 && rounded.abs() < 1e-6 {
        format!("{rounded:e}")
    } else {
        format!("{rounded}")
    }
}

/// A service-level target `P/T`: `80/20` (80 % within 20 s), `80%/20s`, `0.9/1m`. The
/// fraction, and the threshold in seconds (a bare T is seconds, as planners say it).
pub fn service_level(flag: &str, text: &str) -> Result<(f64, f64), Failure> {
    let fix = format!("write the percentage and the threshold, e.g. {flag} 80/20 (80 % answered within 20 seconds) or {flag} 90/30s");
    let Some((p, t)) = text.split_once('/') else {
        return Err(usage(format!("{flag}: `{text}` has no `/`; {fix}")));
    };
    let p = p.trim();
    let fraction = match p.strip_suffix('%') {
        Some(n) => n.trim().parse::<f64>().map(|x| x / 100.0),
        None => p
            .parse::<f64>()
            .map(|x| if x > 1.0 { x / 100.0 } else { x }),
    }
    .map_err(|_| usage(format!("{flag}: `{p}` is not a percentage; {fix}")))?;
    // A bare number above 1 is a percentage and one below a fraction: exactly 1 is both.
    if !p.ends_with('%') && fraction == 1.0 {
        return Err(usage(format!(
            "{flag}: `{text}` is ambiguous (1 % or 100 %?); write the percent sign, e.g. {flag} 100%/{t} or {flag} 1%/{t}",
            t = t.trim()
        )));
    }
    if !(fraction > 0.0 && fraction <= 1.0) {
        return Err(usage(format!(
            "{flag}: a service level of `{p}` is not above 0 % and at most 100 %; {fix}"
        )));
    }
    let t = t.trim();
    // A bare number is seconds, within the clock's range as any duration.
    let threshold = match t.parse::<f64>() {
        Ok(seconds) => seconds_as_duration(t, seconds),
        Err(_) => parse_duration(t),
    }
    .map_err(|why| usage(format!("{flag}: the threshold: {why}; {fix}")))?
    .seconds();
    Ok((fraction, threshold))
}

/// `--service-level` as a target to staff to (`staff`, `sweep`): as [`service_level`], and
/// below 100 % (some caller always waits longer than any threshold, whatever the agents).
pub fn service_level_target(text: &str) -> Result<(f64, f64), Failure> {
    let (fraction, threshold) = service_level("--service-level", text)?;
    if fraction == 1.0 {
        return Err(usage(format!(
            "--service-level {text}: 100% is met by no finite number of agents (some caller \
             always waits longer than {}); e.g. --service-level 80/20",
            format_seconds(threshold)
        )));
    }
    Ok((fraction, threshold))
}

/// On stderr: a warning when the threshold of `--service-level TEXT` does not reach every
/// call, as tiers (or call types) with a `service_level` threshold of their own keep it.
pub fn warn_of_own_thresholds(model: &callsim::model::Model, text: &str) {
    let own: Vec<String> = model
        .classes
        .iter()
        .filter(|c| c.own_threshold)
        .map(|c| {
            let name = &model.call_types[c.call_type as usize].name;
            let name = c
                .tier
                .as_ref()
                .map_or(name.clone(), |t| format!("{name}/{t}"));
            format!("{name} {}", format_seconds(c.threshold.as_seconds()))
        })
        .collect();
    if own.is_empty() {
        return;
    }
    let none_left = if own.len() == model.classes.len() {
        ", so the flag's threshold applies to no call"
    } else {
        ""
    };
    eprintln!(
        "warning: --service-level {text}: these calls keep a threshold of their own: {}; the target is held against those thresholds for them{none_left}\n  help: to hold every call to the flag's threshold, remove their `service_level` threshold from the scenario",
        own.join(", ")
    );
}

/// An inclusive range `LO..HI` of numbers, with `LO <= HI`.
pub fn range(flag: &str, text: &str, example: &str) -> Result<(f64, f64), Failure> {
    let fix = format!("write the first and last value, e.g. {flag} {example}");
    let Some((lo, hi)) = text.split_once("..") else {
        return Err(usage(format!("{flag}: `{text}` is not a range; {fix}")));
    };
    let parse = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| usage(format!("{flag}: `{s}` is not a number ≥ 0; {fix}")))
    };
    let (lo, hi) = (parse(lo)?, parse(hi.trim_start_matches('='))?);
    if lo > hi {
        return Err(usage(format!(
            "{flag}: the range {text} runs backwards; {fix}"
        )));
    }
    Ok((lo, hi))
}

/// Warns when `--threads` asks for more threads than the machine has cores: the extra ones
/// take turns on the same cores and only add overhead (the results are the same for any
/// count).
pub fn warn_of_threads_beyond_cores(threads: Option<u32>) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if let Some(n) = threads.filter(|&n| n as usize > cores) {
        eprintln!(
            "warning: --threads {n} on a machine of {cores} core{}: threads beyond the cores take turns and only add overhead (the results are the same for any count)\n  help: leave out --threads to use every core",
            if cores == 1 { "" } else { "s" }
        );
    }
}

/// Refuses an `--output` whose extension names another format than `format` (tables, JSON
/// or a page): see [`super::output::refuse_other_extension`].
pub fn check_output_extension(
    format: Output,
    output: Option<&super::output::OutputFile>,
) -> Result<(), super::Failure> {
    let name = match format {
        Output::Table => "table",
        Output::Json => "json",
        Output::Html => "html",
    };
    super::output::refuse_other_extension(
        name,
        &[("json", "json"), ("html", "html"), ("htm", "html")],
        output,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_targets_percentage_is_echoed_as_given() {
        assert_eq!(percent_as_given(0.8), "80");
        assert_eq!(percent_as_given(0.05), "5");
        assert_eq!(percent_as_given(0.999999999), "99.9999999");
        assert_eq!(percent_as_given(0.000001), "0.0001");
        assert_eq!(percent_as_given(1e-300), "1e-298");
    }

    fn message(f: Failure) -> String {
        match f {
            Failure::Usage(m) => m,
            _ => panic!("not a usage failure"),
        }
    }

    #[test]
    fn percentages() {
        assert_eq!(fraction("--x", "5%", "5%").ok(), Some(0.05));
        assert_eq!(fraction("--x", "0.05", "5%").ok(), Some(0.05));
        assert_eq!(fraction("--x", "85 %", "5%").ok(), Some(0.85));
        // Not 99.9 / 100, which is a hair above 0.999.
        assert_eq!(fraction("--x", "99.9%", "5%").ok(), Some(0.999));
        assert_eq!(fraction("--x", "1e1%", "5%").ok(), Some(0.1));
        assert!(message(fraction("--x", "5", "5%").unwrap_err()).contains("5%"));
        // A bare 1 could be 1 % or 100 %: refused, naming both.
        let one = message(fraction("--x", "1", "5%").unwrap_err());
        assert!(one.contains("ambiguous") && one.contains("1%") && one.contains("100%"));
        assert_eq!(fraction("--x", "1.0%", "5%").ok(), Some(0.01));
        assert_eq!(fraction("--x", "100%", "5%").ok(), Some(1.0));
        assert!(message(fraction("--x", "150%", "5%").unwrap_err()).contains("--x"));
        assert!(fraction("--x", "five", "5%").is_err());
    }

    #[test]
    fn service_levels() {
        assert_eq!(service_level("--s", "80/20").ok(), Some((0.8, 20.0)));
        assert_eq!(service_level("--s", "80%/20s").ok(), Some((0.8, 20.0)));
        assert_eq!(service_level("--s", "0.9/1m").ok(), Some((0.9, 60.0)));
        assert_eq!(service_level("--s", "1.5/20").ok(), Some((0.015, 20.0)));
        assert_eq!(service_level("--s", "100%/20").ok(), Some((1.0, 20.0)));
        assert_eq!(service_level("--s", "1%/20").ok(), Some((0.01, 20.0)));
        for bad in [
            "80",
            "80/",
            "x/20",
            "0/20",
            "120/20",
            "80/-3",
            "80/20parsecs",
            "1/20",
            "1.0/20",
            // A bare threshold is seconds within the clock's range, as any duration: these
            // were taken and saturated (1e308 s became 18446744073.709553s), or rounded to 0.
            "80/316224001",
            "80/1e308",
            "80/inf",
            "80/NaN",
            "80/1e-12",
        ] {
            let m = message(service_level("--s", bad).unwrap_err());
            assert!(m.contains("--s") && m.contains("e.g."), "{bad}: {m}");
        }
        assert_eq!(service_level("--s", "80/0").ok(), Some((0.8, 0.0)));
        assert_eq!(service_level("--s", "80/0.5").ok(), Some((0.8, 0.5)));
    }

    #[test]
    fn ranges() {
        assert_eq!(range("--a", "20..40", "20..40").ok(), Some((20.0, 40.0)));
        assert_eq!(range("--a", "0.8..=1.2", "").ok(), Some((0.8, 1.2)));
        assert!(range("--a", "40..20", "20..40").is_err());
        assert!(range("--a", "20-40", "20..40").is_err());
    }
}
