//! The outputs of a fit: a commented scenario that `validate` accepts, and a text report.

use std::fmt::Write as _;

use crate::scenario::format_seconds;

use super::arrivals::Estimate;
use super::durations::{DurationFit, Family};
use super::patience::PatienceFit;
use super::{Fit, TypeFit};

/// Weekday names, Monday first (as [`super::log::weekday`] numbers them).
pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Seconds as a scenario duration: to 0.1 s from a second on, to the millisecond from 10 ms
/// on, to 3 significant digits below (a 0.02 s time written as 0.1 s would be five times
/// too long, a 0.22 ms one written as 0.001 s four times), and at least a microsecond.
pub(crate) fn secs(s: f64) -> String {
    let decimals = secs_decimals(s);
    format!("{:.decimals$}s", s.max(1e-6))
}

/// The decimals [`secs`] writes `s` seconds with.
fn secs_decimals(s: f64) -> usize {
    if s >= 0.95 {
        1
    } else if s >= 0.0095 {
        3
    } else {
        (2 - s.max(1e-6).log10().floor() as i32) as usize
    }
}

/// An estimate as `value [lo, hi]` with `digits` decimals.
pub fn interval_text(e: &Estimate, digits: usize) -> String {
    format!(
        "{:.*} [{:.*}, {:.*}]",
        digits, e.value, digits, e.lo, digits, e.hi
    )
}

/// A duration's estimate in seconds, as [`interval_text`] with the decimals [`secs`]
/// writes the value with: a sub-millisecond mean is not shown as 0.0.
fn seconds_interval_text(e: &Estimate) -> String {
    let digits = if e.value <= 0.0 {
        1
    } else {
        secs_decimals(e.value)
    };
    interval_text(e, digits)
}

/// Seconds since midnight as `HH:MM`.
pub fn clock(seconds: f64) -> String {
    let m = (seconds / 60.0).round() as u64;
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// The `{ distribution = ... }` table of a duration fit.
fn duration_table(fit: &DurationFit) -> String {
    if let Some(values) = &fit.empirical {
        let list: Vec<String> = values.iter().map(|&v| format!("\"{}\"", secs(v))).collect();
        return format!(
            "{{ distribution = \"empirical\", values = [{}] }}",
            list.join(", ")
        );
    }
    let c = fit.chosen();
    match c.family {
        Family::Exponential => format!(
            "{{ distribution = \"exponential\", mean = \"{}\" }}",
            secs(c.mean)
        ),
        Family::Constant => format!(
            "{{ distribution = \"constant\", value = \"{}\" }}",
            secs(c.mean)
        ),
        family => format!(
            "{{ distribution = \"{}\", mean = \"{}\", cv = {:.3} }}",
            family.name(),
            secs(c.mean),
            c.cv
        ),
    }
}

/// One comment line on a duration fit: sample, family, CIs, AIC of each family, KS.
fn duration_comment(what: &str, fit: &DurationFit, pooled: bool) -> String {
    let c = fit.chosen();
    let pooled = if pooled {
        " (too few calls of this type: all types pooled)"
    } else {
        ""
    };
    if c.family == Family::Constant {
        return format!(
            "# {what}{pooled}: constant, all n = {} the same, {} s (zeros left out: {})",
            fit.mean.n, c.mean, fit.zeros,
        );
    }
    let aics: Vec<String> = fit
        .families
        .iter()
        .map(|f| format!("{} {:.0}", f.family.name(), f.aic))
        .collect();
    let mut text = format!(
        "# {what}{pooled}: {} by AIC over n = {} (zeros left out: {}); mean {} s, cv {}; AIC {}; KS distance {:.3} (5 % critical {:.3})",
        c.family.name(),
        fit.mean.n,
        fit.zeros,
        seconds_interval_text(&fit.mean),
        interval_text(&fit.cv, 3),
        aics.join(", "),
        c.ks,
        fit.ks_critical,
    );
    if fit.empirical.is_some() {
        text += "\n#   no family fits (KS distance significant and above 0.05): the sample's 100 quantiles are written instead";
    }
    text
}

fn patience_comment(fit: &PatienceFit, pooled: bool) -> String {
    let c = fit.chosen();
    let empirical = if fit.empirical.is_some() {
        "\n#   the fit is more than 0.05 from Kaplan–Meier: the Kaplan–Meier quantiles are written instead (the fitted family's tail beyond the last wait with 100 callers at risk)"
    } else {
        ""
    };
    format!(
        "# patience{}: censored maximum likelihood over {} abandonments (observed patience) and {} answered waits (censored; {} answered at once left out); {}: mean {} s, cv {}; exponential {} (LR vs gamma {:.1}, 5 % critical 3.84){}; distance to Kaplan–Meier {:.3}{}",
        if pooled { " (too few abandonments of this type: all types pooled)" } else { "" },
        fit.events,
        fit.censored,
        fit.zero_waits,
        c.family.name(),
        seconds_interval_text(&c.mean),
        interval_text(&c.cv, 3),
        if fit.exponential_rejected { "rejected" } else { "not rejected" },
        fit.lr_statistic,
        fit.set_aside.map_or(String::new(), |k| {
            let f = &fit.fits[k];
            format!(
                "; {}, with cv {:.1}, set aside: beyond what a scenario takes",
                f.family.name(),
                f.cv.value
            )
        }),
        c.km_distance,
        empirical,
    )
}

fn patience_table(fit: &PatienceFit) -> String {
    if let Some(values) = &fit.empirical {
        let list: Vec<String> = values.iter().map(|&v| format!("\"{}\"", secs(v))).collect();
        return format!(
            "{{ distribution = \"empirical\", values = [{}] }}",
            list.join(", ")
        );
    }
    let c = fit.chosen();
    match c.family {
        Family::Exponential => format!(
            "{{ distribution = \"exponential\", mean = \"{}\" }}",
            secs(c.mean.value)
        ),
        family => format!(
            "{{ distribution = \"{}\", mean = \"{}\", cv = {:.3} }}",
            family.name(),
            secs(c.mean.value),
            c.cv.value
        ),
    }
}

impl Fit {
    fn days_text(&self) -> String {
        let mut text = format!(
            "{} day{}",
            self.days.len(),
            if self.days.len() == 1 { "" } else { "s" }
        );
        if let Some(w) = &self.options.weekdays {
            let names: Vec<&str> = w.iter().map(|&d| WEEKDAYS[d]).collect();
            text += &format!(" ({} only)", names.join(", "));
        }
        text
    }

    /// Agents given with `--agents`, one per fitted interval (a single value for all).
    pub fn given_agents(&self, given: &[f64]) -> Vec<f64> {
        if given.len() == 1 {
            vec![given[0]; self.intervals]
        } else {
            given.to_vec()
        }
    }

    /// The mean handle time of a type (talk + wrap-up), for the placeholder staffing.
    fn handle_mean(&self, t: &TypeFit) -> f64 {
        let talk = t
            .talk
            .as_ref()
            .or(self.pooled_talk.as_ref())
            .map_or(0.0, |f| f.mean.value);
        let wrap = t
            .wrap
            .as_ref()
            .or(self.pooled_wrap.as_ref())
            .map_or(0.0, |f| f.mean.value);
        talk + wrap
    }

    /// The fitted scenario, with comments that give each estimate's sample and interval.
    /// `origin` names the log.
    pub fn scenario_toml(&self, origin: &str) -> String {
        // The file's name, as the title and in a comment: what shows of it, on one line.
        let origin: String = origin
            .chars()
            .filter(|&c| !c.is_control() && !crate::scenario::is_invisible(c))
            .collect();
        let o = &self.options;
        let mut s = String::new();
        let total: u64 = self.types.iter().map(|t| t.calls).sum();
        let _ = writeln!(s, "# Fitted by `callsim fit` from {origin}: {total} calls over {}, intervals of {} from {}.", self.days_text(), format_seconds(o.interval_s), clock(self.first_interval as f64 * o.interval_s));
        let _ = writeln!(s, "# Every 95 % interval below is the estimate's uncertainty from this log; a rate's interval is the");
        let _ = writeln!(
            s,
            "# exact Poisson one widened for the day-to-day busyness."
        );
        let _ = writeln!(
            s,
            "name = {}",
            toml_string(&format!("Fitted from {origin}"))
        );
        let _ = writeln!(s, "\n[simulation]");
        let _ = writeln!(
            s,
            "duration = \"{}\"",
            format_seconds(self.intervals as f64 * o.interval_s)
        );
        let _ = writeln!(s, "interval = \"{}\"", format_seconds(o.interval_s));
        if self.first_interval > 0 {
            let _ = writeln!(
                s,
                "start_time = \"{}\"",
                clock(self.first_interval as f64 * o.interval_s)
            );
        }
        let _ = writeln!(s, "replications = 20\nseed = 1");
        match &self.dispersion {
            Some(d) => {
                let _ = writeln!(s, "# day-to-day variation: {} days, {:.1} calls a day (sd {:.1}); dispersion statistic {:.1} on {} degrees of freedom, p = {:.3}", d.days, d.mean, d.variance.sqrt(), d.statistic, d.days - 1, d.p_value);
                if d.p_value < 0.05 && d.busyness_cv.value > 0.0 {
                    let _ = writeln!(
                        s,
                        "# more than Poisson: a day's busyness factor has cv {}",
                        interval_text(&d.busyness_cv, 3)
                    );
                    let _ = writeln!(s, "busyness_cv = {:.4}", d.busyness_cv.value.min(2.0));
                } else {
                    let _ = writeln!(s, "# within Poisson: no busyness_cv");
                }
            }
            None => {
                let _ = writeln!(
                    s,
                    "# one day only: the day-to-day variation (busyness_cv) cannot be estimated"
                );
            }
        }
        let _ = writeln!(
            s,
            "\n[service_level]\nthreshold = \"{}\"",
            format_seconds(o.threshold_s)
        );
        for t in &self.types {
            let _ = writeln!(s, "\n[[call_types]]\nname = {}", toml_string(&t.name));
            let _ = writeln!(s, "# {} calls: {} answered, {} abandoned; calls per hour per interval, 95 % intervals:", t.calls, t.answered, t.abandoned);
            for (i, r) in t.rates.iter().enumerate() {
                let _ = writeln!(
                    s,
                    "#   {} {:>4} calls  {}",
                    clock((self.first_interval + i) as f64 * o.interval_s),
                    r.n,
                    interval_text(r, 1)
                );
            }
            let rates: Vec<String> = t.rates.iter().map(|r| format!("{:.2}", r.value)).collect();
            let _ = writeln!(s, "arrival_rates = [{}]", rates.join(", "));
            if !self.weekday_profiles.is_empty() {
                let k = self
                    .types
                    .iter()
                    .position(|x| x.name == t.name)
                    .expect("own type");
                let _ = writeln!(s, "# per weekday, calls per hour per interval (a scenario has one day profile, so arrival_rates above");
                let _ = writeln!(s, "# is the average of the days fitted; fit one weekday with --weekdays for a scenario of its own):");
                for w in &self.weekday_profiles {
                    let row: Vec<String> = w.rates[k]
                        .iter()
                        .map(|r| format!("{:.1}", r.value))
                        .collect();
                    let _ = writeln!(
                        s,
                        "#   {} ({} days): {}",
                        WEEKDAYS[w.weekday],
                        w.days,
                        row.join(" ")
                    );
                }
            }
            let talk = t
                .talk
                .as_ref()
                .map(|f| (f, false))
                .or(self.pooled_talk.as_ref().map(|f| (f, true)));
            let (talk, pooled) = talk.expect("fit() refuses a log without talk times");
            let _ = writeln!(s, "{}", duration_comment("talk time", talk, pooled));
            let _ = writeln!(s, "handle_time = {}", duration_table(talk));
            if let Some((wrap, pooled)) = t
                .wrap
                .as_ref()
                .map(|f| (f, false))
                .or(self.pooled_wrap.as_ref().map(|f| (f, true)))
            {
                let _ = writeln!(s, "{}", duration_comment("wrap-up", wrap, pooled));
                let _ = writeln!(s, "wrap_up = {}", duration_table(wrap));
            }
            if t.abandoned == 0 {
                let _ = writeln!(
                    s,
                    "# no caller of this type abandoned: callers never abandon (no patience)"
                );
            } else if let Some((p, pooled)) = t
                .patience
                .as_ref()
                .map(|f| (f, false))
                .or(self.pooled_patience.as_ref().map(|f| (f, true)))
            {
                let _ = writeln!(s, "{}", patience_comment(p, pooled));
                let _ = writeln!(s, "patience = {}", patience_table(p));
            } else {
                let _ = writeln!(s, "# {} abandonments in the whole log, too few to fit patience: callers never abandon here", t.abandoned);
            }
            if let Some(ivr) = &t.ivr {
                let _ = writeln!(s, "{}", duration_comment("IVR time", &ivr.time, false));
                let _ = writeln!(
                    s,
                    "# self-service: {} of {} calls ended in the IVR, share {}",
                    t.self_served,
                    ivr.self_service.n,
                    interval_text(&ivr.self_service, 4)
                );
                let _ = writeln!(
                    s,
                    "ivr = {{ time = {}, self_service = {:.4} }}",
                    duration_table(&ivr.time),
                    ivr.self_service.value
                );
            }
            if let (Some(r), true) = (&self.redial, t.abandoned > 0) {
                let _ = writeln!(s, "# redials (all types pooled): {} of {} first abandonments by known callers redialled the same type within {}; probability {}; at most {} attempts seen; the {} redials are left out of arrival_rates (the simulation makes them)", r.redialled, r.probability.n, format_seconds(r.window_s), interval_text(&r.probability, 4), r.max_attempts, self.redial_calls);
                let _ = writeln!(s, "{}", duration_comment("redial delay", &r.delay, false));
                let _ = writeln!(
                    s,
                    "retrial = {{ probability = {:.4}, delay = {}, max_attempts = {} }}",
                    r.probability.value,
                    duration_table(&r.delay),
                    r.max_attempts
                );
            }
        }
        let _ = writeln!(s, "\n[[agent_groups]]\nname = \"agents\"");
        let counts: Vec<String> = match (&self.options.agents, &self.floor) {
            (Some(given), _) => {
                let _ = writeln!(s, "# agents on the floor per interval: as given with --agents (not estimated from the log)");
                self.given_agents(given)
                    .iter()
                    .map(|a| a.to_string())
                    .collect()
            }
            (None, Some(floor)) => {
                let _ = writeln!(s, "# agents on the floor per interval: the mean over days of the distinct agents who served a call in it");
                let _ = writeln!(
                    s,
                    "# (agents busy with calls, talk summed: {}).",
                    floor
                        .iter()
                        .map(|f| format!("{:.1}", f.busy))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
                let _ = writeln!(s, "# Agents who also did other work make this an upper bound on the capacity that served these queues.");
                floor
                    .iter()
                    .map(|f| (f.serving.round() as u64).to_string())
                    .collect()
            }
            (None, None) => {
                let _ = writeln!(s, "# STAFFING IS NOT IN THE LOG: the planner must fill in agents_by_interval. The placeholder below is the");
                let _ = writeln!(s, "# offered load in Erlangs rounded up, plus one (it keeps the queue stable, nothing more); `callsim staff`");
                let _ = writeln!(s, "# finds the least staffing for a target.");
                (0..self.intervals)
                    .map(|i| {
                        let load: f64 = self
                            .types
                            .iter()
                            .map(|t| t.rates[i].value * self.handle_mean(t) / 3600.0)
                            .sum();
                        (load.ceil() as u64).saturating_add(1).to_string()
                    })
                    .collect()
            }
        };
        let _ = writeln!(s, "agents_by_interval = [{}]", counts.join(", "));
        let skills: Vec<String> = self.types.iter().map(|t| toml_string(&t.name)).collect();
        let _ = writeln!(s, "skills = [{}]", skills.join(", "));
        s
    }

    /// The text report: what was read, what was fitted, the warnings.
    pub fn report_text(&self, origin: &str) -> String {
        let mut s = String::new();
        let (rows, ignored, not_queued, jobs) = self.rows;
        let jobs = if jobs > 0 {
            format!(", {jobs} callback jobs (their callers' requests are the calls)")
        } else {
            String::new()
        };
        let _ = writeln!(s, "callsim fit {origin}: {rows} calls read ({ignored} rows ignored, {not_queued} hung up before the queue{jobs}), {} fitted", self.days_text());
        if let Some(d) = &self.dispersion {
            let _ = writeln!(s, "  calls a day: mean {:.1}, sd {:.1}; dispersion {:.1} on {} df, p = {:.4}; busyness cv {}", d.mean, d.variance.sqrt(), d.statistic, d.days - 1, d.p_value, interval_text(&d.busyness_cv, 3));
        }
        let _ = writeln!(
            s,
            "  {:<10} {:>7} {:>7} {:>6}  {:<34} {:<40}",
            "type",
            "calls",
            "answ",
            "aband",
            "talk (family, mean s, cv)",
            "patience (family, mean s, cv)"
        );
        for t in &self.types {
            let talk = t.talk.as_ref().map_or("pooled".to_owned(), |f| {
                let c = f.chosen();
                format!(
                    "{} {:.1} {:.2}{}",
                    c.family.name(),
                    c.mean,
                    c.cv,
                    if f.empirical.is_some() {
                        " → empirical"
                    } else {
                        ""
                    }
                )
            });
            let patience = t.patience.as_ref().map_or(
                if t.abandoned == 0 {
                    "none".to_owned()
                } else {
                    "pooled".to_owned()
                },
                |p| {
                    let c = p.chosen();
                    format!(
                        "{} {:.1} [{:.1}, {:.1}] {:.2}{}",
                        c.family.name(),
                        c.mean.value,
                        c.mean.lo,
                        c.mean.hi,
                        c.cv.value,
                        if p.empirical.is_some() { " → KM" } else { "" }
                    )
                },
            );
            let _ = writeln!(
                s,
                "  {:<10} {:>7} {:>7} {:>6}  {:<34} {:<40}",
                t.name, t.calls, t.answered, t.abandoned, talk, patience
            );
        }
        if let Some(given) = &self.options.agents {
            let agents = self.given_agents(given);
            let peak = agents.iter().copied().fold(0.0, f64::max);
            let _ = writeln!(s, "  agents on the floor given with --agents: peak {peak}");
        } else if let Some(floor) = &self.floor {
            let peak = floor.iter().map(|f| f.serving).fold(0.0, f64::max);
            let busy = floor.iter().map(|f| f.busy).fold(0.0, f64::max);
            let _ = writeln!(
                s,
                "  agents serving per interval: peak {peak:.1}; busy with calls at peak {busy:.1}"
            );
        } else {
            let _ = writeln!(s, "  no agent column: the scenario's staffing is a placeholder for the planner to fill in");
        }
        for t in &self.types {
            if let Some(ivr) = &t.ivr {
                let c = ivr.time.chosen();
                let _ = writeln!(
                    s,
                    "  IVR {}: {} {:.1} s (cv {:.2}) over {} calls; self-service {}",
                    t.name,
                    c.family.name(),
                    c.mean,
                    c.cv,
                    ivr.time.mean.n,
                    interval_text(&ivr.self_service, 4)
                );
            }
        }
        if let Some(r) = &self.redial {
            let d = r.delay.chosen();
            let _ = writeln!(s, "  redials: {} of {} first abandonments redialled within {}: probability {}; delay {} mean {:.1} s (cv {:.2}); up to {} attempts; {} redials left out of the rates", r.redialled, r.probability.n, format_seconds(r.window_s), interval_text(&r.probability, 4), d.family.name(), d.mean, d.cv, r.max_attempts, self.redial_calls);
        }
        if !self.weekday_profiles.is_empty() {
            let _ = writeln!(
                s,
                "  calls a day by weekday (first attempts, ± 95 % half-width over days):"
            );
            for w in &self.weekday_profiles {
                let _ = writeln!(
                    s,
                    "    {} {:>2} days  {:>8.1} ± {:.1}",
                    WEEKDAYS[w.weekday],
                    w.days,
                    w.calls_per_day.mean.unwrap_or(f64::NAN),
                    w.calls_per_day.ci95.unwrap_or(f64::NAN)
                );
            }
        }
        let _ = writeln!(
            s,
            "  what the log shows per interval (calls a day: mean over days; rates: all days' calls together; ± 95 % half-width):"
        );
        let _ = writeln!(
            s,
            "    {:<6} {:>8} {:>13} {:>13} {:>13}",
            "from", "calls/d", "SL", "abandon", "ASA s"
        );
        for (i, o) in self.observed.iter().enumerate() {
            let _ = writeln!(
                s,
                "    {:<6} {:>8.1} {:>13} {:>13} {:>13}",
                clock((self.first_interval + i) as f64 * self.options.interval_s),
                o.offered.mean.unwrap_or(0.0),
                stat_text(&o.service_level, 2),
                stat_text(&o.abandon_rate, 2),
                stat_text(&o.asa_s, 0)
            );
        }
        for w in &self.warnings {
            let _ = writeln!(s, "warning: {w}");
        }
        s
    }
}

/// A mean ± half-width, `-` when undefined.
pub fn stat_text(stat: &crate::stats::Stat, digits: usize) -> String {
    match (stat.mean, stat.ci95) {
        (Some(m), Some(h)) => format!("{m:.digits$} ± {h:.digits$}"),
        (Some(m), None) => format!("{m:.digits$}"),
        _ => "-".into(),
    }
}

/// `text` as a TOML string, quoted and escaped (by `toml_edit`): a name from the log reads
/// back as itself.
fn toml_string(text: &str) -> String {
    toml_edit::Value::from(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::secs;

    #[test]
    fn short_times_keep_their_milliseconds() {
        assert_eq!(secs(0.02), "0.020s");
        assert_eq!(secs(0.00022), "0.000220s");
        assert_eq!(secs(0.0012), "0.00120s");
        assert_eq!(secs(0.0), "0.00000100s");
        assert_eq!(secs(0.949), "0.949s");
        assert_eq!(secs(0.96), "1.0s");
        assert_eq!(secs(187.26), "187.3s");
    }

    #[test]
    fn a_comments_mean_keeps_the_digits_of_the_value_written() {
        use super::{seconds_interval_text, Estimate};
        let estimate = |value: f64, lo: f64, hi: f64| Estimate {
            value,
            lo,
            hi,
            n: 100,
        };
        assert_eq!(
            seconds_interval_text(&estimate(0.0004, 0.0003, 0.0005)),
            "0.000400 [0.000300, 0.000500]"
        );
        assert_eq!(
            seconds_interval_text(&estimate(0.25, 0.2, 0.3)),
            "0.250 [0.200, 0.300]"
        );
        assert_eq!(
            seconds_interval_text(&estimate(187.26, 180.0, 194.5)),
            "187.3 [180.0, 194.5]"
        );
    }
}
