//! Progress of long work (`run`, `compare`, `sweep`, `staff`) on stderr, never on stdout:
//! on a terminal, a bar with the time left (indicatif), or a spinner when the amount of work
//! is not known in advance; elsewhere (a log, a pipe), a plain line at most every few
//! seconds; nothing with `-q`. Work is counted in replications, and within a replication
//! in slices of its day ([`callsim::Ticker`]) where the verb runs through
//! [`watching`], so that one long replication shows its progress too. Watching costs the
//! simulation nothing and changes none of its output.

use std::fmt;
use std::io::{IsTerminal, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use callsim::Ticker;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// How often [`watching`] reads the ticker.
const WATCH_EVERY: Duration = Duration::from_millis(100);

/// Runs `work` with a fresh ticker, showing on `progress` the replications done before it
/// (`before`) plus what the ticker counts; returns what `work` returns.
pub fn watching<T>(progress: &mut Progress, before: u64, work: impl FnOnce(&Ticker) -> T) -> T {
    let ticker = Ticker::default();
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::scope(|scope| {
        let ticker = &ticker;
        let watcher = scope.spawn(move || loop {
            let over = !matches!(
                stopped.recv_timeout(WATCH_EVERY),
                Err(mpsc::RecvTimeoutError::Timeout)
            );
            progress.set_slices(before * Ticker::SLICES + ticker.slices());
            if over {
                return;
            }
        });
        let result = work(ticker);
        let _ = stop.send(());
        watcher.join().expect("the progress watcher does not panic");
        result
    })
}

/// Seconds between two plain progress lines, unless `CALLSIM_PROGRESS_SECONDS` says
/// otherwise; work shorter than this prints no line at all.
const DEFAULT_LINE_SECONDS: f64 = 2.0;

/// The longest a plain progress line waits when no new tenth of the work has been reached.
const LONGEST_SILENCE: f64 = 5.0;

/// Where the progress of one piece of long work goes.
pub struct Progress {
    verb: &'static str,
    /// Replications in all, if known.
    total: Option<u64>,
    shown: Shown,
}

enum Shown {
    /// `-q`: nothing.
    Quiet,
    /// A terminal: indicatif draws (at most 20 times a second).
    Bar(ProgressBar),
    /// Not a terminal: plain lines, rate-limited.
    Lines(Lines),
}

struct Lines {
    started: Instant,
    last_line: Option<Instant>,
    /// The tenth of the work reached when the last line was printed.
    last_tenth: u64,
    /// The least time between two lines.
    every: Duration,
}

impl Progress {
    /// Progress of `verb` over `total` replications (`None`: not known in advance, e.g. the
    /// staffing search), silent when `quiet`.
    pub fn new(verb: &'static str, total: Option<u64>, quiet: bool) -> Progress {
        let shown = if quiet {
            Shown::Quiet
        } else if std::io::stderr().is_terminal() {
            Shown::Bar(bar(verb, total))
        } else {
            let seconds = match std::env::var("CALLSIM_PROGRESS_SECONDS") {
                Err(_) => DEFAULT_LINE_SECONDS,
                Ok(text) => match text.trim().parse::<f64>() {
                    Ok(s) if s.is_finite() && s >= 0.0 => s,
                    _ => {
                        static WARNED: std::sync::Once = std::sync::Once::new();
                        WARNED.call_once(|| {
                            eprintln!(
                                "warning: CALLSIM_PROGRESS_SECONDS={text} is not a number of seconds (0 or more); progress every {DEFAULT_LINE_SECONDS} s"
                            );
                        });
                        DEFAULT_LINE_SECONDS
                    }
                },
            };
            Shown::Lines(Lines {
                started: Instant::now(),
                last_line: None,
                last_tenth: 0,
                // Beyond what a Duration holds: never, as good as.
                every: Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX),
            })
        };
        Progress { verb, total, shown }
    }

    /// `done` replications of the total are finished.
    pub fn set(&mut self, done: u64) {
        self.set_slices(done * Ticker::SLICES);
    }

    /// `slices` of the replications' days are done ([`Ticker::SLICES`] per replication).
    pub fn set_slices(&mut self, slices: u64) {
        match &mut self.shown {
            Shown::Quiet => {}
            Shown::Bar(bar) => bar.set_position(slices),
            Shown::Lines(lines) => {
                let Some(total) = self.total.filter(|&t| t > 0) else {
                    return;
                };
                let (done, all) = (slices, total * Ticker::SLICES);
                let tenth = done * 10 / all;
                let now = Instant::now();
                let since = now - lines.last_line.unwrap_or(lines.started);
                let due = since >= lines.every
                    && (tenth > lines.last_tenth || since.as_secs_f64() >= LONGEST_SILENCE);
                if !due {
                    return;
                }
                lines.last_line = Some(now);
                lines.last_tenth = tenth;
                let elapsed = (now - lines.started).as_secs_f64();
                let left = if done > 0 && done < all {
                    format!(
                        ", about {} left",
                        duration_text(elapsed * (all - done) as f64 / done as f64)
                    )
                } else {
                    String::new()
                };
                line(&format!(
                    "{}: {}/{total} replications ({}%), {} elapsed{left}",
                    self.verb,
                    done / Ticker::SLICES,
                    done * 100 / all,
                    duration_text(elapsed),
                ));
            }
        }
    }

    /// Says where the work is (e.g. `point 2/5 (scale 1.1)`): beside the bar on a terminal;
    /// elsewhere as a line of its own, the first at once and later ones rate-limited.
    pub fn note(&mut self, message: String) {
        match &mut self.shown {
            Shown::Quiet => {}
            Shown::Bar(bar) => bar.set_message(message),
            Shown::Lines(lines) => {
                let now = Instant::now();
                if lines.last_line.is_some_and(|last| now - last < lines.every) {
                    return;
                }
                lines.last_line = Some(now);
                line(&format!("{}: {message}", self.verb));
            }
        }
    }

    /// The work is over: the bar is cleared (what the verb prints next stands alone).
    pub fn finish(self) {
        if let Shown::Bar(bar) = self.shown {
            bar.finish_and_clear();
        }
    }
}

/// A bar over `total` replications with the time left, or a spinner when there is no total.
fn bar(verb: &'static str, total: Option<u64>) -> ProgressBar {
    let target = ProgressDrawTarget::stderr();
    match total {
        Some(total) => {
            // Counted in slices, shown in whole replications.
            let bar = ProgressBar::with_draw_target(Some(total * Ticker::SLICES), target);
            let style = ProgressStyle::with_template(
                "{prefix}: {done}/{all} replications [{wide_bar}] {elapsed} elapsed, about {eta} left {msg}",
            )
            .expect("a valid template")
            .with_key("done", |state: &ProgressState, w: &mut dyn fmt::Write| {
                let _ = write!(w, "{}", state.pos() / Ticker::SLICES);
            })
            .with_key("all", |state: &ProgressState, w: &mut dyn fmt::Write| {
                let _ = write!(w, "{}", state.len().unwrap_or(0) / Ticker::SLICES);
            })
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(verb);
            bar
        }
        None => {
            let bar = ProgressBar::with_draw_target(None, target);
            let style = ProgressStyle::with_template("{prefix}: {spinner} {elapsed} {msg}")
                .expect("a valid template");
            bar.set_style(style);
            bar.set_prefix(verb);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        }
    }
}

/// One line on stderr; a closed stderr is not an error.
fn line(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// `seconds` as people read a wait: `42s`, `3m05s`, `1h02m`.
fn duration_text(seconds: f64) -> String {
    let s = seconds.round().max(0.0) as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_waits() {
        assert_eq!(duration_text(0.4), "0s");
        assert_eq!(duration_text(42.0), "42s");
        assert_eq!(duration_text(185.0), "3m05s");
        assert_eq!(duration_text(3720.0), "1h02m");
    }
}
