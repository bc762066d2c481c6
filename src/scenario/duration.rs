//! Durations as planners write them: `"20s"`, `"4m30s"`, `"1h"`, `"250ms"`, `"1.5h"`.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

use crate::time::SimTime;

/// A non-negative duration written with units. A bare number is refused (is `20` seconds or
/// minutes?), so a scenario always says what it means.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Duration {
    seconds: f64,
}

impl Duration {
    /// A duration of `seconds` seconds.
    pub fn from_seconds(seconds: f64) -> Duration {
        Duration { seconds }
    }

    /// The length in seconds.
    pub fn seconds(self) -> f64 {
        self.seconds
    }

    /// The length as exact simulated time (rounded to the nanosecond).
    pub fn sim_time(self) -> SimTime {
        SimTime::from_seconds(self.seconds)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", format_seconds(self.seconds))
    }
}

/// Formats seconds the way a scenario writes them: `"1h30m"`, `"20s"`, `"0.5s"`.
pub fn format_seconds(seconds: f64) -> String {
    if !(1.0..1e15).contains(&seconds) || seconds.fract() != 0.0 {
        if seconds >= 1e15 {
            return format!("{seconds:e}s");
        }
        return format!("{seconds}s");
    }
    let total = seconds as u64;
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    let mut out = String::new();
    if h > 0 {
        out += &format!("{h}h");
    }
    if m > 0 {
        out += &format!("{m}m");
    }
    if s > 0 || out.is_empty() {
        out += &format!("{s}s");
    }
    out
}

/// `text`, cut to its first 40 characters (with `…`) for quoting in a message.
fn shortened(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Longest duration accepted anywhere: ten (366-day) years.
pub const MAX_SECONDS: f64 = 10.0 * 366.0 * 86400.0;

/// The units a duration may use, longest suffix first so that `ms` is not read as `m`.
const UNITS: [(&str, f64); 4] = [("ms", 0.001), ("h", 3600.0), ("m", 60.0), ("s", 1.0)];

/// Parses `"4m30s"`-style text. The error says what was wrong and what would be right.
pub fn parse_duration(full_text: &str) -> Result<Duration, String> {
    // Messages quote at most the start of the text (a 70 kB string is not repeated).
    let text = &shortened(full_text);
    let help = "write a number followed by a unit (ms, s, m, h), e.g. \"20s\", \"4m30s\", \"1.5h\"";
    let trimmed = full_text.trim();
    if trimmed.is_empty() {
        return Err(format!("an empty duration; {help}"));
    }
    let mut rest = trimmed;
    let mut seconds = 0.0;
    // The scale of the unit before: units come largest first, each once ("1h30m").
    let mut previous: Option<(&str, f64)> = None;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_len);
        if number.is_empty() {
            return Err(format!("`{text}` is not a duration; {help}"));
        }
        let value: f64 = number.parse().map_err(|_| {
            format!(
                "`{}` in `{text}` is not a number; {help}",
                shortened(number)
            )
        })?;
        let after = after.trim_start();
        let Some((unit, scale)) = UNITS.iter().find(|(u, _)| after.starts_with(u)) else {
            let unit = shortened(
                &after
                    .chars()
                    .take_while(|c| c.is_alphabetic())
                    .collect::<String>(),
            );
            return Err(if unit.is_empty() {
                format!("`{text}` has a number without a unit; {help}")
            } else {
                not_a_unit(&unit, full_text, help)
            });
        };
        let after_unit = &after[unit.len()..];
        if after_unit.starts_with(|c: char| c.is_alphabetic()) {
            let unit = shortened(
                &after
                    .chars()
                    .take_while(|c| c.is_alphabetic())
                    .collect::<String>(),
            );
            return Err(not_a_unit(&unit, full_text, help));
        }
        if let Some((before, larger)) = previous.filter(|&(_, larger)| *scale >= larger) {
            return Err(if *scale == larger {
                format!(
                    "`{text}` gives `{unit}` twice; add them up, e.g. \"1h30m\", not \"1h0.5h\""
                )
            } else {
                format!("`{text}` gives `{unit}` after `{before}`; write the larger unit first, e.g. \"4m30s\"")
            });
        }
        previous = Some((*unit, *scale));
        seconds += value * scale;
        rest = after_unit.trim_start();
    }
    seconds_as_duration(full_text, seconds)
}

/// `seconds` (read from `full_text`, which the messages quote) as a [`Duration`], within the
/// clock's range: 0, or from a nanosecond (its tick) to 10 years ([`MAX_SECONDS`]).
pub fn seconds_as_duration(full_text: &str, seconds: f64) -> Result<Duration, String> {
    let text = &shortened(full_text);
    if seconds.is_nan() {
        return Err(format!("`{text}` is not a number of seconds"));
    }
    if seconds < 0.0 {
        return Err(format!("`{text}` is negative; a duration is 0 or more"));
    }
    if seconds > 0.0 && seconds < 1e-9 {
        return Err(format!(
            "`{text}` is shorter than a nanosecond, the clock's tick; write \"0s\" for none, or at least \"0.000001ms\""
        ));
    }
    if seconds > MAX_SECONDS {
        return Err(format!(
            "`{text}` is longer than the limit of 10 years (87840h): simulated time counts nanoseconds in 64 bits, which end at 584 years"
        ));
    }
    Ok(Duration { seconds })
}

/// Unit words planners write, and the unit that means the same.
const UNIT_WORDS: [(&str, &str); 16] = [
    ("milliseconds", "ms"),
    ("millisecond", "ms"),
    ("msec", "ms"),
    ("seconds", "s"),
    ("second", "s"),
    ("secs", "s"),
    ("sec", "s"),
    ("minutes", "m"),
    ("minute", "m"),
    ("mins", "m"),
    ("min", "m"),
    ("hours", "h"),
    ("hour", "h"),
    ("hrs", "h"),
    ("hr", "h"),
    ("ms", "ms"),
];

/// The error for a word that is not a unit, with the text rewritten in units when every
/// word in it is one planners use (`"2 min"` → `"2m"`).
fn not_a_unit(unit: &str, full_text: &str, help: &str) -> String {
    let text = shortened(full_text);
    match with_units(full_text) {
        Some(fixed) => format!("`{unit}` in `{text}` is not a unit; write \"{fixed}\""),
        None => format!("`{unit}` in `{text}` is not a unit; {help}"),
    }
}

/// `text` with its unit words (`min`, `hours`, ...) replaced by units, if that makes it a
/// duration.
fn with_units(text: &str) -> Option<String> {
    let mut fixed = String::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_len);
        let after = after.trim_start();
        let word_len = after
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(after.len());
        let (word, after) = after.split_at(word_len);
        let word = word.to_ascii_lowercase();
        let unit = UNIT_WORDS
            .iter()
            .find(|(w, _)| *w == word)
            .map(|(_, u)| *u)
            .or_else(|| UNITS.iter().find(|(u, _)| *u == word).map(|(u, _)| *u))?;
        fixed += number;
        fixed += unit;
        rest = after.trim_start();
    }
    parse_duration(&fixed).ok().map(|_| fixed)
}

impl schemars::JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A duration with units: ms, s, m, h, combinable (\"20s\", \"4m30s\", \"1.5h\"). A bare number is an error.",
            "pattern": "^\\s*([0-9]+(\\.[0-9]*)?\\s*(ms|s|m|h)\\s*)+$",
            "examples": ["20s", "4m30s", "1h", "250ms"]
        })
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DurationVisitor)
    }
}

struct DurationVisitor;

impl Visitor<'_> for DurationVisitor {
    type Value = Duration;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration with a unit, such as \"20s\" or \"4m30s\"")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
        parse_duration(v).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
        Err(E::custom(format!(
            "a bare number ({v}) is not a duration: say the unit, e.g. \"{v}s\" or \"{v}m\""
        )))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
        self.visit_i64(v as i64)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Duration, E> {
        Err(E::custom(format!(
            "a bare number ({v}) is not a duration: say the unit, e.g. \"{v}s\" or \"{v}m\""
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_combinations() {
        let cases = [
            ("20s", 20.0),
            ("4m30s", 270.0),
            ("1h", 3600.0),
            ("250ms", 0.25),
            ("1.5h", 5400.0),
            ("1h 30m", 5400.0),
            ("0s", 0.0),
            ("2m500ms", 120.5),
        ];
        for (text, seconds) in cases {
            assert_eq!(parse_duration(text).unwrap().seconds(), seconds, "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_duration() {
        for text in ["", "20", "s", "4x", "-5s", "1..2s", "5 fortnights"] {
            let err = parse_duration(text).unwrap_err();
            assert!(err.contains("e.g."), "{text}: {err}");
        }
    }

    #[test]
    fn units_come_largest_first_once_and_no_shorter_than_a_nanosecond() {
        for (text, says) in [
            ("1h1h", "twice"),
            ("90m30m", "twice"),
            ("30s2m", "larger unit first"),
            ("500ms1s", "larger unit first"),
            ("0.0000000001ms", "shorter than a nanosecond"),
        ] {
            let err = parse_duration(text).unwrap_err();
            assert!(err.contains(says), "{text}: {err}");
        }
        assert_eq!(parse_duration("0.000001ms").unwrap().sim_time().0, 1);
        assert_eq!(parse_duration("0ms").unwrap().seconds(), 0.0);
    }

    #[test]
    fn unit_words_get_the_unit_to_write() {
        for (text, fixed) in [
            ("2 min", "\"2m\""),
            ("90 seconds", "\"90s\""),
            ("1 hour 30 mins", "\"1h30m\""),
            ("4m 30 sec", "\"4m30s\""),
            ("20 sec", "\"20s\""),
            ("5mins", "\"5m\""),
        ] {
            let err = parse_duration(text).unwrap_err();
            assert!(err.contains(fixed), "{text}: {err}");
        }
    }

    #[test]
    fn formats_back_as_written() {
        assert_eq!(format_seconds(5400.0), "1h30m");
        assert_eq!(format_seconds(20.0), "20s");
        assert_eq!(format_seconds(0.5), "0.5s");
        assert_eq!(format_seconds(0.0), "0s");
    }
}
