//! The state file: what `live --save-state` writes and `intraday --state` reads.
//!
//! ```json
//! {
//!   "scenario": "Mobile operator hotline, weekday",
//!   "clock": "10:30:00",
//!   "call_types": [
//!     { "name": "general", "waiting_s": [95.5, 40.0, 3.2] },
//!     { "name": "billing", "waiting_s": [] }
//!   ],
//!   "agent_groups": [
//!     { "name": "generalists", "talking": { "general": [412.5, 180.0, 3.1], "billing": 4 },
//!       "wrapping_up": { "general": [12.0] }, "extra_agents": 2 }
//!   ]
//! }
//! ```
//! - `scenario` (optional): the scenario's name; if given it must match.
//! - `clock`: the time of day, `HH:MM`, `HH:MM:SS` or `HH:MM:SS.mmm`, inside the scenario's
//!   day (from its `start_time`, for its `duration`; its end included), or after its end
//!   when `day_over` is true.
//! - `day_over` (optional, default false): the state was taken after the end of the day
//!   (`live` writes it after the last call has finished); the clock then counts past the
//!   end (across midnight if need be). Nothing is left to forecast from such a state.
//! - `call_types` (optional, default none): per call type, how long each waiting call has
//!   waited, seconds (each at most the time since the start of the day): in `waiting_s`, or,
//!   for a type with tiers, per tier in `tiers` (`{"gold": [12.0], "basic": [30.5, 2.0]}`).
//!   Callers of a tiered type listed in `waiting_s` get a tier drawn by the tiers' shares
//!   (what files written before `tiers` existed mean). Optional, per call type, the callers
//!   the centre still owes: `in_ivr_s` (how long each has been in the IVR), `redialing_s`
//!   (how long since each abandoned or was blocked), `calling_again_s` (how long since each
//!   one's unresolved call ended), each entry seconds or `{"s": 40.0, "tier": "vip",
//!   "attempt": 3}`; and `callbacks_s` (how long each callback job has waited). Left out:
//!   none (what files written before they existed mean).
//! - `agent_groups` (optional, default none): per group,
//!   - `talking`: the calls in progress (chat contacts in hand) by call type (types the group
//!     serves): a list of how long each has been in service, seconds, or just a count. A
//!     count says nothing of how long the calls have lasted: they are taken as just started
//!     (a full handle time each: exact for exponential handle times; for others it overstates
//!     the time left, which is why `live` writes the list). Files written before the list
//!     existed hold counts and keep this meaning.
//!   - `wrapping_up` (optional): contacts in after-call work by call type (types with a
//!     `wrap_up`), likewise a list of how long each has been in it, or a count (just
//!     started). Without it, nobody is in wrap-up.
//!   - An entry of either list may be `{"s": 412.5, "agent": 0, "others": 1}`: the agent
//!     holding it, by a number within the group (at most `max_concurrent` contacts to a
//!     number), and, for a contact in `talking`, how many other contacts that agent held
//!     when its talk began (its slowdown). `live` writes both on chat desks. `"tier"` gives
//!     its tier (left out: drawn by the tiers' shares), and `"callback": true` marks a
//!     callback job (the agent calling back a caller who took one): it holds no line and is
//!     in the type's callback class. `live` writes both. On call agents, `"leaving": true`
//!     marks a call whose agent leaves when it ends, and `"back_in_s": 300.0` with it one
//!     sent off by a break that ends that many seconds on (still in the call then, the
//!     agent stays on with its row).
//!   - `leaving_agents` (optional, chat desks): the agent numbers of agents winding down,
//!     who take no new contacts and leave with their last; `{"agent": 3, "back_in_s": 300.0}`
//!     for one sent off by a break, as `back_in_s` of a call.
//!   - `extra_agents` (default 0): agents added to (negative: removed from) the headcount on
//!     the floor (the schedule less shrinkage and breaks) from now on, as `POST
//!     /api/staffing` does. Contacts in hand beyond the headcount are taken (their agents
//!     leave as they end, as after a cut); `intraday` warns of them.
//!
//! Call types and groups left out have nobody waiting, talking or wrapping up and no extra
//! agents. Elapsed times are at most the time since the start of the day. The callers on the
//! line (waiting, in the IVR or talking) fit the scenario's `trunks`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::engine::{InHand, ParkedCaller, StartState, STATE_RESOLUTION};
use crate::model::{Model, MoveKind};
use crate::scenario::shown;
use crate::time::{clock_hhmm, SimTime, NANOS_PER_SECOND};

/// Most calls a state may hold waiting, all types together.
pub const MAX_WAITING: usize = 10_000_000;
/// Most agents a group may have, talking or in all (the engine's runtime limit).
pub const MAX_AGENTS: i64 = crate::engine::MAX_HEADCOUNT as i64;

/// The largest busyness factor a state may give: ten times the forecast.
const MAX_BUSYNESS: f64 = 10.0;

/// The state file, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateFile {
    /// The scenario's name (optional; checked when given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// Time of day, `HH:MM[:SS[.mmm]]`.
    pub clock: String,
    /// Whether the state was taken after the end of the day (the clock is then past it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub day_over: bool,
    /// The day's busyness factor: the rest of the day's calls come at the forecast rates
    /// times it (absent: each replication of a forecast draws it from the scenario's
    /// `busyness_cv`, as a day from the start does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busyness: Option<f64>,
    /// Calls waiting, per call type.
    #[serde(default)]
    pub call_types: Vec<TypeEntry>,
    /// Agents talking and staffing, per group.
    #[serde(default)]
    pub agent_groups: Vec<GroupEntry>,
}

/// One call type's queue in a state file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeEntry {
    /// The call type.
    pub name: String,
    /// How long each waiting call has waited, seconds: all of them for a type without tiers;
    /// for a type with tiers, those whose tier is not known (one is drawn by the shares).
    #[serde(default)]
    pub waiting_s: Vec<f64>,
    /// Per tier, how long each of its waiting callers has waited, seconds.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "unique_keys"
    )]
    pub tiers: BTreeMap<String, Vec<f64>>,
    /// Callers in the IVR: how long each has been in it, seconds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub in_ivr_s: Vec<Parked>,
    /// Callers who will redial: how long since each abandoned or was blocked, seconds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redialing_s: Vec<Parked>,
    /// Callers who will call again (`unresolved`): how long since each one's call ended,
    /// seconds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calling_again_s: Vec<Parked>,
    /// Callback jobs: how long each has waited since the caller asked for it, seconds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub callbacks_s: Vec<f64>,
}

/// One entry of a list of times spent so far: seconds alone, or an object `{"s": …, …}` with
/// what else is known (`D`).
#[derive(Debug, Clone, PartialEq)]
pub enum Timed<D> {
    /// How long, seconds; the rest is what such an entry usually is.
    Seconds(f64),
    /// How long, and what else is known.
    Detailed(D),
}

/// What an entry's object form holds besides its seconds.
pub trait Details {
    /// An example of the object form, for the message of an entry that is neither form.
    const EXAMPLE: &'static str;
    /// How long, seconds.
    fn s(&self) -> f64;
}

impl<D: Details> Timed<D> {
    /// How long, seconds.
    pub fn seconds(&self) -> f64 {
        match self {
            Timed::Seconds(s) => *s,
            Timed::Detailed(d) => d.s(),
        }
    }

    /// Where its seconds stand, for an error, when the entry stands at `place` (`place`
    /// itself, or its `.s`), and its object form, if given.
    pub fn located(&self, place: &str) -> (String, Option<&D>) {
        match self {
            Timed::Seconds(_) => (place.to_owned(), None),
            Timed::Detailed(d) => (format!("{place}.s"), Some(d)),
        }
    }
}

impl<D: Serialize> Serialize for Timed<D> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Timed::Seconds(s) => serializer.serialize_f64(*s),
            Timed::Detailed(d) => d.serialize(serializer),
        }
    }
}

impl<'de, D: Details + Deserialize<'de>> Deserialize<'de> for Timed<D> {
    fn deserialize<De: serde::Deserializer<'de>>(deserializer: De) -> Result<Self, De::Error> {
        struct Visitor<D>(std::marker::PhantomData<D>);
        impl<'de, D: Details + Deserialize<'de>> serde::de::Visitor<'de> for Visitor<D> {
            type Value = Timed<D>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(
                    f,
                    "how long, in seconds (e.g. 40.5), or an object such as {}",
                    D::EXAMPLE
                )
            }
            fn visit_f64<E: serde::de::Error>(self, x: f64) -> Result<Timed<D>, E> {
                Ok(Timed::Seconds(x))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Timed<D>, E> {
                Ok(Timed::Seconds(n as f64))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Timed<D>, E> {
                Ok(Timed::Seconds(n as f64))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Timed<D>, A::Error> {
                D::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Timed::Detailed)
            }
        }
        deserializer.deserialize_any(Visitor(std::marker::PhantomData))
    }
}

/// One caller outside the queues in a state file (in the IVR, about to redial or to call
/// again): seconds alone (its tier drawn by the shares, the kind's usual attempt), or with
/// its tier and attempt.
pub type Parked = Timed<CallerDetails>;

/// A caller outside the queues with its tier and attempt (`{"s": 40.5, "tier": "vip",
/// "attempt": 3}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallerDetails {
    /// How long, seconds.
    pub s: f64,
    /// Its tier, for a call type with tiers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// Its attempt: the one it is on (in the IVR), or will make next (redialing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
}

impl Details for CallerDetails {
    const EXAMPLE: &'static str = "{\"s\": 40.5, \"tier\": \"vip\", \"attempt\": 2}";
    fn s(&self) -> f64 {
        self.s
    }
}

/// One contact in progress in a state file: seconds alone (on any agent with a free slot),
/// or with the agent holding it and, in service on a chat desk, its slowdown.
pub type Contact = Timed<ContactDetails>;

/// A contact in progress with its agent (`{"s": 412.5, "agent": 3, "others": 1}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactDetails {
    /// How long it has lasted so far, seconds.
    pub s: f64,
    /// The agent holding it, by a number within the group: contacts with the same number
    /// are on the same agent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "agent_number"
    )]
    pub agent: Option<u32>,
    /// In service on a chat desk: how many other contacts the agent held when this one's
    /// talk began.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub others: Option<u32>,
    /// Its tier, for a call type with tiers (left out: drawn by the tiers' shares).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// A callback job (the agent calling back a caller who took a callback): it holds no
    /// line. Left out: a call of the type, holding a line while in talk.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub callback: bool,
    /// On a group of call agents: its agent leaves when it ends (sent off by a break, a
    /// shift's end or a cut while in the call). Chat desks list such agents in
    /// `leaving_agents`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub leaving: bool,
    /// Of a `leaving` call agent sent off by a break: the seconds until the break ends.
    /// Still in this call then, the agent stays on with its row. Left out: it leaves for
    /// good.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_in_s: Option<f64>,
}

/// An optional agent number as read (see [`whole_agent_number`]).
fn agent_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u32>, D::Error> {
    whole_agent_number(deserializer).map(Some)
}

/// An agent number as read: a whole number from 0 to `u32::MAX`, said so when it is not.
fn whole_agent_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    number
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{number}` is not an agent number: give a whole number from 0 to {}",
                u32::MAX
            ))
        })
}

impl Details for ContactDetails {
    const EXAMPLE: &'static str = "{\"s\": 412.5, \"agent\": 3, \"others\": 1}";
    fn s(&self) -> f64 {
        self.s
    }
}

/// A map of names read from JSON, refusing a name given twice (serde's maps keep the last,
/// which would drop the first list without a word).
fn unique_keys<'de, D, V>(deserializer: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Unique<V>(std::marker::PhantomData<V>);
    impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Unique<V> {
        type Value = BTreeMap<String, V>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of names, each given once")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(key) = map.next_key::<String>()? {
                if out.contains_key(&key) {
                    return Err(serde::de::Error::custom(format!(
                        "`{key}` is given twice: give each once, with all its entries"
                    )));
                }
                let value = map.next_value()?;
                out.insert(key, value);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_map(Unique(std::marker::PhantomData))
}

/// One agent group in a state file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupEntry {
    /// The group.
    pub name: String,
    /// Calls in progress, by the call type they are of.
    #[serde(default, deserialize_with = "unique_keys")]
    pub talking: BTreeMap<String, InProgress>,
    /// Contacts in after-call work, by call type.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "unique_keys"
    )]
    pub wrapping_up: BTreeMap<String, InProgress>,
    /// Agents added to (negative: removed from) the schedule from now on.
    #[serde(default)]
    pub extra_agents: i64,
    /// Chat agents winding down (by the `agent` numbers of their contacts): they leave once
    /// their contacts end and take no new ones.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "leaving_agents_written",
        deserialize_with = "leaving_agents_read"
    )]
    pub leaving_agents: Vec<LeavingAgent>,
}

/// A chat agent winding down in a state file: its number (`3`), or, sent off by a break,
/// its number and the seconds until the break ends (`{"agent": 3, "back_in_s": 300.0}`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeavingAgent {
    /// The agent, by the `agent` number of its contacts.
    #[serde(deserialize_with = "whole_agent_number")]
    pub agent: u32,
    /// Sent off by a break: the seconds until it ends. Still holding a contact then, the
    /// agent stays on with its row. Left out: it leaves for good.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_in_s: Option<f64>,
}

/// `leaving_agents` as written: a number where there is no break to come back from.
fn leaving_agents_written<S: serde::Serializer>(
    list: &[LeavingAgent],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = serializer.serialize_seq(Some(list.len()))?;
    for a in list {
        match a.back_in_s {
            None => seq.serialize_element(&a.agent)?,
            Some(_) => seq.serialize_element(a)?,
        }
    }
    seq.end()
}

/// `leaving_agents` as read: each entry a number or an object.
fn leaving_agents_read<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<LeavingAgent>, D::Error> {
    struct Entry(LeavingAgent);
    impl<'de> Deserialize<'de> for Entry {
        fn deserialize<De: serde::Deserializer<'de>>(deserializer: De) -> Result<Self, De::Error> {
            struct Visitor;
            impl<'de> serde::de::Visitor<'de> for Visitor {
                type Value = Entry;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str(
                        "an agent number (e.g. 3), or {\"agent\": 3, \"back_in_s\": 300.0} for \
                         one sent off by a break",
                    )
                }
                fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Entry, E> {
                    let agent = u32::try_from(n)
                        .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(n), &self))?;
                    Ok(Entry(LeavingAgent {
                        agent,
                        back_in_s: None,
                    }))
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    map: A,
                ) -> Result<Entry, A::Error> {
                    LeavingAgent::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                        .map(Entry)
                }
            }
            deserializer.deserialize_any(Visitor)
        }
    }
    let entries = Vec::<Entry>::deserialize(deserializer)?;
    Ok(entries.into_iter().map(|e| e.0).collect())
}

/// The contacts of one call type in progress in a group (talking, or in wrap-up).
#[derive(Debug, Clone, PartialEq)]
pub enum InProgress {
    /// How many, for how long unknown: taken as just started.
    Count(u32),
    /// How long each has lasted so far, seconds (with its agent, when known).
    Elapsed(Vec<Contact>),
}

impl InProgress {
    /// How many contacts.
    pub fn len(&self) -> u64 {
        match self {
            InProgress::Count(n) => *n as u64,
            InProgress::Elapsed(list) => list.len() as u64,
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Serialize for InProgress {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            InProgress::Count(n) => serializer.serialize_u32(*n),
            InProgress::Elapsed(list) => list.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for InProgress {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = InProgress;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a list of how long each has lasted, in seconds (e.g. [12.5, 300]) or as \
                     {\"s\": 12.5, \"agent\": 3, \"others\": 1}, or a count",
                )
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<InProgress, E> {
                u32::try_from(n)
                    .map(InProgress::Count)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(n), &self))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<InProgress, E> {
                u32::try_from(n)
                    .map(InProgress::Count)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(n), &self))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<InProgress, A::Error> {
                let mut list = Vec::new();
                while let Some(x) = seq.next_element::<Contact>()? {
                    list.push(x);
                }
                Ok(InProgress::Elapsed(list))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// How the errors about one list of times spent so far speak of them.
struct Spent {
    /// What one time is: "… is not a wait", "a wait of 99999 s is longer than …".
    noun: &'static str,
    /// What to give instead, for the help line.
    what: &'static str,
    /// Where such times count from, for the help line of one longer than the day so far.
    since: &'static str,
}

impl Spent {
    /// The waits of the calls waiting.
    const WAIT: Spent = Spent {
        noun: "a wait",
        what: "how long the call has waited",
        since: "waits count from the start of the scenario's day at the latest",
    };
    /// The time in service (or in wrap-up) of the contacts in progress.
    const CONTACT: Spent = Spent {
        noun: "a duration",
        what: "how long the contact has lasted so far",
        since: "contacts start after the start of the scenario's day",
    };
    /// The waits of the callback jobs.
    const CALLBACK_WAIT: Spent = Spent {
        noun: "a duration",
        what: "how long the callback job has waited",
        since: "times count from the start of the scenario's day at the latest",
    };
}

/// The kinds of callers outside the queues that a state file lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ParkedKind {
    /// In the IVR (`in_ivr_s`).
    Ivr,
    /// About to redial (`redialing_s`).
    Redialing,
    /// About to call again (`calling_again_s`).
    CallingAgain,
}

impl ParkedKind {
    /// The key of the list in a call type's entry.
    fn key(self) -> &'static str {
        match self {
            ParkedKind::Ivr => "in_ivr_s",
            ParkedKind::Redialing => "redialing_s",
            ParkedKind::CallingAgain => "calling_again_s",
        }
    }

    /// The scenario key of a call type without which there are no such callers.
    fn feature(self) -> &'static str {
        match self {
            ParkedKind::Ivr => "ivr",
            ParkedKind::Redialing => "retrial",
            ParkedKind::CallingAgain => "unresolved",
        }
    }

    /// Whether a call type of the scenario can have such callers.
    fn applies_to(self, spec: &crate::model::CallType) -> bool {
        match self {
            ParkedKind::Ivr => spec.ivr.is_some(),
            ParkedKind::Redialing => spec.retrial.is_some(),
            ParkedKind::CallingAgain => spec.unresolved.is_some(),
        }
    }

    /// How errors speak of the seconds.
    fn spent(self) -> Spent {
        Spent {
            what: match self {
                ParkedKind::Ivr => "how long the caller has been in the IVR",
                ParkedKind::Redialing => "how long since the caller abandoned or was blocked",
                ParkedKind::CallingAgain => "how long since the caller's call ended",
            },
            ..Spent::CALLBACK_WAIT
        }
    }

    /// The attempt a caller listed by seconds alone is on (IVR) or will make next.
    fn usual_attempt(self) -> u32 {
        match self {
            ParkedKind::Redialing => 2,
            ParkedKind::Ivr | ParkedKind::CallingAgain => 1,
        }
    }
}

/// A state file that cannot be used: where, what, and how to fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct StateError {
    /// The file.
    pub origin: String,
    /// The field at fault (`agent_groups[1].talking.billing`), when there is one.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What would be right.
    pub help: Option<String>,
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.origin)?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for StateError {}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.mmm` as seconds after midnight (fractions to the ms).
/// Minutes and seconds take two digits: `10:3` could mean 10:03 or 10:30.
pub fn parse_clock(text: &str) -> Option<f64> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts[1].len() != 2
        || parts
            .get(2)
            .is_some_and(|s| s.split('.').next().is_none_or(|int| int.len() != 2))
    {
        return None;
    }
    let whole = |s: &str, max: u32| -> Option<u32> {
        (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
            .filter(|&n| n <= max)
    };
    let hours = whole(parts[0], 23)?;
    let minutes = whole(parts[1], 59)?;
    let seconds = match parts.get(2) {
        None => 0.0,
        Some(s) => {
            let (int, frac) = s.split_once('.').unwrap_or((s, ""));
            let int = whole(int, 59)? as f64;
            if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let frac = if frac.is_empty() {
                0.0
            } else {
                frac.parse::<f64>().ok()? / 10f64.powi(frac.len() as i32)
            };
            int + frac
        }
    };
    Some(hours as f64 * 3600.0 + minutes as f64 * 60.0 + seconds)
}

/// Simulated time `t` of `model`'s day as `HH:MM:SS.mmm`; in a simulation longer than 24
/// hours `day N HH:MM:SS.mmm`, the day counted from the first midnight as the reports
/// label intervals.
pub fn clock_with_millis(model: &Model, t: SimTime) -> String {
    let ms = model.start_of_day_s as u64 * 1000 + t.0 / 1_000_000;
    let s = ms / 1000;
    let clock = format!(
        "{:02}:{:02}:{:02}.{:03}",
        (s / 3600) % 24,
        (s / 60) % 60,
        s % 60,
        ms % 1000
    );
    model.with_day(s, clock)
}

/// The simulated time of `seconds` after midnight on day `day` (1 is the day the simulation
/// starts on), if it is not before the start (it may be after the end).
fn time_of_day_clock(model: &Model, day: u32, seconds: f64) -> Option<SimTime> {
    let offset = f64::from(day - 1) * 86_400.0 + seconds - model.start_of_day_s as f64;
    (offset >= 0.0).then(|| SimTime((offset * 1000.0).round() as u64 * 1_000_000))
}

/// `day N HH:MM[:SS[.mmm]]` or a bare clock time: the day (1 is the day the simulation
/// starts on), if given, and the seconds after that day's midnight.
pub fn parse_day_clock(text: &str) -> Option<(Option<u32>, f64)> {
    let text = text.trim();
    match text.strip_prefix("day ") {
        Some(rest) => {
            let (day, clock) = rest.trim_start().split_once(' ')?;
            let day: u32 = day.parse().ok().filter(|&d| d >= 1)?;
            Some((Some(day), parse_clock(clock)?))
        }
        None => Some((None, parse_clock(text)?)),
    }
}

/// The simulated time `text` names in `model`'s day: a clock time, or in a simulation longer
/// than 24 hours `day N HH:MM…` (a bare clock time that comes on more than one of its days
/// is refused as ambiguous). The error says why, for the caller's message.
pub fn time_in_day(model: &Model, text: &str) -> Result<SimTime, String> {
    let outside = || format!("{text} is outside the scenario's day ({})", day_span(model));
    let Some((day, seconds)) = parse_day_clock(text) else {
        return Err(format!(
            "`{text}` is not a clock time: write HH:MM or HH:MM:SS{}",
            if model.spans_days() {
                ", with its day on a scenario longer than 24 hours (day 2 14:30)"
            } else {
                ""
            }
        ));
    };
    let t = match day {
        Some(day) => time_of_day_clock(model, day, seconds).ok_or_else(outside)?,
        None => {
            let first = sim_time_of_clock(model, seconds).ok_or_else(outside)?;
            let again = first.saturating_add(SimTime(86_400 * NANOS_PER_SECOND));
            if model.spans_days() && again <= model.horizon {
                let s = model.start_of_day_s as u64 + again.0 / NANOS_PER_SECOND;
                return Err(format!(
                    "{text} comes on more than one day of the scenario ({}): say which, e.g. `{}`",
                    day_span(model),
                    model.with_day(s, clock_hhmm(s))
                ));
            }
            first
        }
    };
    if t > model.horizon {
        return Err(outside());
    }
    Ok(t)
}

/// The simulated time of clock time `seconds_of_day` in `model`'s day, if the day has it.
pub fn sim_time_of_clock(model: &Model, seconds_of_day: f64) -> Option<SimTime> {
    let offset = (seconds_of_day - model.start_of_day_s as f64).rem_euclid(86400.0);
    let t = SimTime((offset * 1000.0).round() as u64 * 1_000_000);
    (t <= model.horizon).then_some(t)
}

/// The simulated time of clock time `seconds_of_day` after the end of `model`'s day: the
/// first such time at or after the end (a clock past midnight is the next day's).
pub fn time_after_the_end(model: &Model, seconds_of_day: f64) -> SimTime {
    let end_s = model.start_of_day_s as f64 + model.horizon.as_seconds();
    let past_the_end = (seconds_of_day - end_s).rem_euclid(86400.0);
    let ms = (past_the_end * 1000.0).round() as u64;
    model.horizon.saturating_add(SimTime(ms * 1_000_000))
}

/// `HH:MM` of the start and end of `model`'s day (`day N HH:MM` when it spans days).
pub fn day_span(model: &Model) -> String {
    let start = model.start_of_day_s as u64;
    let end = start + model.horizon.0 / NANOS_PER_SECOND;
    let label = |s: u64| model.with_day(s, clock_hhmm(s));
    format!("{} to {}", label(start), label(end))
}

/// The times after `at` at which a shift row of group `g` comes back from a break.
fn break_ends(model: &Model, g: usize, at: SimTime) -> Vec<SimTime> {
    model.groups[g]
        .shift_moves()
        .iter()
        .filter(|m| m.kind == MoveKind::Return && m.time > at)
        .map(|m| m.time)
        .collect()
}

/// When the break ends that an agent of group `g` winding down at `at` was sent off for,
/// `back_in_s` seconds on: the one of the group's break `ends` ([`break_ends`]) at or within
/// a millisecond or two of it (the file's rounding).
fn break_end(
    model: &Model,
    g: usize,
    at: SimTime,
    ends: &[SimTime],
    back_in_s: f64,
) -> Result<SimTime, (String, String)> {
    let name = &model.groups[g].name;
    let help = || {
        let clock = |t: SimTime| clock_hhmm(model.start_of_day_s as u64 + t.0 / NANOS_PER_SECOND);
        if ends.is_empty() {
            return format!(
                "no break of `{name}`'s shifts ends after {}: leave `back_in_s` out (the agent \
                 leaves for good)",
                clock(at)
            );
        }
        let listed: Vec<String> = ends
            .iter()
            .take(5)
            .map(|&t| format!("{} ({})", seconds(t - at), clock(t)))
            .collect();
        format!(
            "give the seconds until one of `{name}`'s breaks ends: {}",
            listed.join(", ")
        )
    };
    if !(back_in_s.is_finite() && back_in_s > 0.0) {
        return Err((
            format!("{} s is not a time left of a break", shown(back_in_s)),
            help(),
        ));
    }
    let wanted = at.saturating_add(SimTime::from_seconds(back_in_s.min(1e9)));
    ends.iter()
        .copied()
        .min_by_key(|t| t.0.abs_diff(wanted.0))
        .filter(|t| t.0.abs_diff(wanted.0) <= 2 * STATE_RESOLUTION.0)
        .ok_or_else(|| {
            (
                format!(
                    "no shift row of `{name}` comes back from a break {} s after the \
                     state's clock",
                    shown(back_in_s)
                ),
                help(),
            )
        })
}

/// `t` in seconds, to the [`STATE_RESOLUTION`] the file keeps (a millisecond).
fn seconds(t: SimTime) -> f64 {
    (t.0 / STATE_RESOLUTION.0) as f64 / 1000.0
}

impl StateFile {
    /// Reads a state file; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<StateFile, StateError> {
        let err = |field: Option<String>, message: String| StateError {
            origin: origin.to_owned(),
            field,
            message,
            help: Some(
                "a state file is a JSON object with `clock`, `call_types` and `agent_groups`; \
                 see the README (\"The state file\") or write one with `callsim live --save-state`"
                    .into(),
            ),
        };
        // A byte-order mark, as some Windows editors save, is not part of the JSON.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if text.trim().is_empty() {
            return Err(err(None, "is empty".into()));
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let file: StateFile = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let field = (path != ".").then_some(path);
            err(field, e.into_inner().to_string())
        })?;
        de.end()
            .map_err(|e| err(None, format!("trailing text after the JSON object: {e}")))?;
        Ok(file)
    }

    /// The state of `model`'s run described by `state`, with names; times to the ms.
    pub fn from_state(model: &Model, state: &StartState) -> StateFile {
        // The clock as the file gives it, to the millisecond, from which a break's time
        // left counts (so that the file reads back into the same break).
        let at_as_written = SimTime(state.at.0 / STATE_RESOLUTION.0 * STATE_RESOLUTION.0);
        // Seconds alone for a contact on any agent.
        let contact = |t: usize, c: &InHand| {
            let callback = c.class.is_some()
                && model.call_types[t].callback.as_ref().map(|b| b.class) == c.class;
            let tier = match c.class {
                Some(class) if !callback => model.classes[class as usize].tier.clone(),
                _ => None,
            };
            match (c.agent, c.others, &tier, callback, c.leaving) {
                (None, None, None, false, false) => Contact::Seconds(seconds(c.elapsed)),
                (agent, others, _, _, leaving) => Contact::Detailed(ContactDetails {
                    s: seconds(c.elapsed),
                    agent,
                    others,
                    tier,
                    callback,
                    leaving,
                    back_in_s: c.back_at.map(|b| seconds(b - at_as_written)),
                }),
            }
        };
        let by_type = |lists: &[Vec<Vec<InHand>>], g: usize, skills: &[u32]| {
            skills
                .iter()
                .filter_map(|&t| {
                    let list = lists.get(g)?.get(t as usize)?;
                    (!list.is_empty()).then(|| {
                        (
                            model.call_types[t as usize].name.clone(),
                            InProgress::Elapsed(
                                list.iter().map(|c| contact(t as usize, c)).collect(),
                            ),
                        )
                    })
                })
                .collect()
        };
        let waits = |list: Option<&Vec<SimTime>>| -> Vec<f64> {
            list.map(|waits| waits.iter().map(|&w| seconds(w)).collect())
                .unwrap_or_default()
        };
        // Seconds alone when that says it all: no tier to keep, the usual attempt.
        let parked = |list: &[ParkedCaller], t: usize, usual: u32| -> Vec<Parked> {
            list.iter()
                .filter(|p| p.call_type as usize == t)
                .map(|p| {
                    let s = seconds(p.elapsed);
                    let tier = p.class.and_then(|c| model.classes[c as usize].tier.clone());
                    if tier.is_none() && p.attempt == usual {
                        Parked::Seconds(s)
                    } else {
                        Parked::Detailed(CallerDetails {
                            s,
                            tier,
                            attempt: (p.attempt != usual).then_some(p.attempt),
                        })
                    }
                })
                .collect()
        };
        StateFile {
            scenario: Some(model.name.clone()),
            clock: clock_with_millis(model, state.at),
            day_over: state.at >= model.horizon,
            busyness: state.busyness,
            call_types: model
                .call_types
                .iter()
                .enumerate()
                .map(|(t, spec)| TypeEntry {
                    name: spec.name.clone(),
                    waiting_s: waits(state.waiting.get(t)),
                    tiers: spec
                        .classes
                        .clone()
                        .filter_map(|c| {
                            let list = state.waiting_by_class.get(c as usize)?;
                            let tier = model.classes[c as usize].tier.clone()?;
                            (!list.is_empty()).then(|| (tier, waits(Some(list))))
                        })
                        .collect(),
                    in_ivr_s: parked(&state.in_ivr, t, ParkedKind::Ivr.usual_attempt()),
                    redialing_s: parked(&state.redialing, t, ParkedKind::Redialing.usual_attempt()),
                    calling_again_s: parked(
                        &state.calling_again,
                        t,
                        ParkedKind::CallingAgain.usual_attempt(),
                    ),
                    callbacks_s: waits(state.callbacks.get(t)),
                })
                .collect(),
            agent_groups: model
                .groups
                .iter()
                .enumerate()
                .map(|(g, spec)| GroupEntry {
                    name: spec.name.clone(),
                    talking: by_type(&state.talking, g, &spec.skills),
                    wrapping_up: by_type(&state.wrapping_up, g, &spec.skills),
                    extra_agents: state.staffing_delta.get(g).copied().unwrap_or(0),
                    leaving_agents: state
                        .leaving_agents
                        .get(g)
                        .into_iter()
                        .flatten()
                        .map(|&agent| LeavingAgent {
                            agent,
                            back_in_s: state
                                .leaving_for_break
                                .get(g)
                                .and_then(|b| b.get(&agent))
                                .map(|&b| seconds(b - at_as_written)),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// The file as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a state file always serialises")
    }

    /// Checks the file against `model` and resolves it into a [`StartState`]; every error
    /// names the field and says what would be right.
    pub fn resolve(&self, origin: &str, model: &Model) -> Result<StartState, StateError> {
        let err = |field: String, message: String, help: String| StateError {
            origin: origin.to_owned(),
            field: Some(field),
            message,
            help: Some(help),
        };
        if let Some(name) = &self.scenario {
            if name != &model.name {
                return Err(err(
                    "scenario".into(),
                    format!(
                        "the state is of the scenario \"{name}\", not of \"{}\"",
                        model.name
                    ),
                    "give the scenario the state was saved from, or remove the `scenario` key"
                        .into(),
                ));
            }
        }
        let at = if self.day_over {
            let after_the_end = parse_day_clock(&self.clock).and_then(|(day, s)| match day {
                None => Some(time_after_the_end(model, s)),
                Some(day) => time_of_day_clock(model, day, s).filter(|&t| t >= model.horizon),
            });
            after_the_end.ok_or_else(|| {
                err(
                    "clock".into(),
                    format!(
                        "`{}` is not a clock time at or after the end of the scenario's day ({})",
                        self.clock,
                        day_span(model)
                    ),
                    "write the time of day as HH:MM or HH:MM:SS, e.g. \"clock\": \"20:00\"".into(),
                )
            })?
        } else {
            time_in_day(model, &self.clock).map_err(|why| {
                err(
                    "clock".into(),
                    why,
                    "give a time of day within the scenario's day, e.g. \"clock\": \"10:30\"; a \
                     state taken after the day ended says so with \"day_over\": true"
                        .into(),
                )
            })?
        };

        let type_names: Vec<&str> = model.call_types.iter().map(|t| t.name.as_str()).collect();
        let group_names: Vec<&str> = model.groups.iter().map(|g| g.name.as_str()).collect();
        let listing = |names: &[&str]| {
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let types = type_names.len();
        let groups = group_names.len();
        let mut state = StartState {
            at,
            waiting: vec![Vec::new(); types],
            waiting_by_class: vec![Vec::new(); model.classes.len()],
            talking: vec![vec![Vec::new(); types]; groups],
            wrapping_up: vec![vec![Vec::new(); types]; groups],
            leaving_agents: vec![Vec::new(); groups],
            leaving_for_break: vec![BTreeMap::new(); groups],
            staffing_delta: vec![0; groups],
            in_ivr: Vec::new(),
            redialing: Vec::new(),
            calling_again: Vec::new(),
            callbacks: vec![Vec::new(); types],
            busyness: match self.busyness {
                Some(b) if !(b.is_finite() && b > 0.0 && b <= MAX_BUSYNESS) => {
                    return Err(err(
                        "busyness".into(),
                        format!("{} is not a day's busyness factor", shown(b)),
                        format!(
                            "give the day's calls as a multiple of the forecast, above 0 and at \
                             most {MAX_BUSYNESS}: e.g. \"busyness\": 1.1 for a day running 10 % \
                             over it (the calls so far ÷ the forecast so far), or leave it out"
                        ),
                    ))
                }
                b => b,
            },
        };
        // A time spent so far (a wait, a contact's time in service, ...): a number of
        // seconds within the day so far, kept to the millisecond.
        let elapsed = |x: f64, place: &str, texts: &Spent| -> Result<SimTime, StateError> {
            if !x.is_finite() || x < 0.0 {
                return Err(err(
                    place.to_owned(),
                    format!("{} is not {}", shown(x), texts.noun),
                    format!("give {}, in seconds (≥ 0)", texts.what),
                ));
            }
            let e = SimTime(((x * 1000.0).round() as u64).saturating_mul(STATE_RESOLUTION.0));
            if e > at {
                return Err(err(
                    place.to_owned(),
                    format!(
                        "{} of {} s is longer than the day had run at {} ({} s)",
                        texts.noun,
                        // The number as written when the clock cannot hold it.
                        if e == SimTime::NEVER {
                            crate::scenario::shown(x)
                        } else {
                            seconds(e).to_string()
                        },
                        self.clock,
                        at.0 / NANOS_PER_SECOND
                    ),
                    texts.since.into(),
                ));
            }
            Ok(e)
        };
        let mut seen = vec![false; types];
        let mut entry_of: Vec<Option<usize>> = vec![None; types];
        let mut total_waiting = 0usize;
        for (i, entry) in self.call_types.iter().enumerate() {
            let field = format!("call_types[{i}]");
            let t = type_names
                .iter()
                .position(|&n| n == entry.name)
                .ok_or_else(|| {
                    err(
                        format!("{field}.name"),
                        format!("the scenario has no call type `{}`", entry.name),
                        format!("its call types are {}", listing(&type_names)),
                    )
                })?;
            entry_of[t] = Some(i);
            if std::mem::replace(&mut seen[t], true) {
                return Err(err(
                    format!("{field}.name"),
                    format!("the call type `{}` is listed twice", entry.name),
                    "list each call type once, with all its waiting calls".into(),
                ));
            }
            let spec = &model.call_types[t];
            // The class of the tier named `tier`, else an error at `place` (`untiered`: the
            // help when the type has no tiers).
            let tier_class = |place: String, tier: &str, untiered: &str| {
                tier_class(model, t, tier, untiered)
                    .map_err(|(message, help)| err(place, message, help))
            };
            let mut lists = vec![(format!("{field}.waiting_s"), None, &entry.waiting_s)];
            for (tier, waits) in &entry.tiers {
                let place = format!("{field}.tiers.{tier}");
                let class = tier_class(
                    place.clone(),
                    tier,
                    "it has no tiers: give its waiting callers in `waiting_s`",
                )?;
                lists.push((place, Some(class), waits));
            }
            for (place, class, waits) in lists {
                total_waiting += waits.len();
                if total_waiting > MAX_WAITING {
                    return Err(err(
                        place,
                        format!("more than {MAX_WAITING} calls waiting"),
                        "a state holds the calls waiting at one instant; check the file".into(),
                    ));
                }
                for (j, &w) in waits.iter().enumerate() {
                    let waited = elapsed(w, &format!("{place}[{j}]"), &Spent::WAIT)?;
                    match class {
                        None => state.waiting[t].push(waited),
                        Some(c) => state.waiting_by_class[c as usize].push(waited),
                    }
                }
            }
            for kind in [
                ParkedKind::Ivr,
                ParkedKind::Redialing,
                ParkedKind::CallingAgain,
            ] {
                let list = match kind {
                    ParkedKind::Ivr => &entry.in_ivr_s,
                    ParkedKind::Redialing => &entry.redialing_s,
                    ParkedKind::CallingAgain => &entry.calling_again_s,
                };
                let key = kind.key();
                if list.is_empty() {
                    continue;
                }
                if !kind.applies_to(spec) {
                    return Err(err(
                        format!("{field}.{key}"),
                        format!(
                            "the call type `{}` has no {} in the scenario",
                            entry.name,
                            kind.feature()
                        ),
                        format!(
                            "leave `{key}` out, or give the call type `{}`",
                            kind.feature()
                        ),
                    ));
                }
                total_waiting += list.len();
                if total_waiting > MAX_WAITING {
                    return Err(err(
                        format!("{field}.{key}"),
                        format!("more than {MAX_WAITING} callers in the state"),
                        "a state holds the callers of one instant; check the file".into(),
                    ));
                }
                let most = spec.retrial.as_ref().map_or(1, |r| r.max_attempts);
                for (j, item) in list.iter().enumerate() {
                    let place = format!("{field}.{key}[{j}]");
                    let (at_s, details) = item.located(&place);
                    let e = elapsed(item.seconds(), &at_s, &kind.spent())?;
                    let mut class = None;
                    let mut attempt = kind.usual_attempt();
                    if let Some(c) = details {
                        if let Some(tier) = &c.tier {
                            class = Some(tier_class(
                                format!("{place}.tier"),
                                tier,
                                "it has no tiers: leave `tier` out",
                            )?);
                        }
                        if let Some(n) = c.attempt {
                            let (low, high) = match kind {
                                ParkedKind::Ivr => (1, most),
                                ParkedKind::Redialing => (2, most),
                                ParkedKind::CallingAgain => (1, 1),
                            };
                            if !(low..=high).contains(&n) {
                                return Err(err(
                                    format!("{place}.attempt"),
                                    format!("attempt {n} is not one this caller can be on"),
                                    match kind {
                                        ParkedKind::CallingAgain => "a repeat call is its \
                                            caller's first attempt: leave `attempt` out"
                                            .into(),
                                        _ => format!(
                                            "give a whole number from {low} to {high} (the \
                                             call type's retrial.max_attempts)"
                                        ),
                                    },
                                ));
                            }
                            attempt = n;
                        }
                    }
                    let caller = ParkedCaller {
                        call_type: t as u32,
                        class,
                        elapsed: e,
                        attempt,
                    };
                    match kind {
                        ParkedKind::Ivr => state.in_ivr.push(caller),
                        ParkedKind::Redialing => state.redialing.push(caller),
                        ParkedKind::CallingAgain => state.calling_again.push(caller),
                    }
                }
            }
            if !entry.callbacks_s.is_empty() {
                let place = format!("{field}.callbacks_s");
                if spec.callback.is_none() {
                    return Err(err(
                        place,
                        format!(
                            "the call type `{}` has no callback in the scenario",
                            entry.name
                        ),
                        "leave `callbacks_s` out, or give the call type a `callback`".into(),
                    ));
                }
                total_waiting += entry.callbacks_s.len();
                if total_waiting > MAX_WAITING {
                    return Err(err(
                        place,
                        format!("more than {MAX_WAITING} callers in the state"),
                        "a state holds the callers of one instant; check the file".into(),
                    ));
                }
                for (j, &x) in entry.callbacks_s.iter().enumerate() {
                    let e = elapsed(x, &format!("{place}[{j}]"), &Spent::CALLBACK_WAIT)?;
                    state.callbacks[t].push(e);
                }
            }
        }
        let mut seen = vec![false; groups];
        for (i, entry) in self.agent_groups.iter().enumerate() {
            let field = format!("agent_groups[{i}]");
            let g = group_names
                .iter()
                .position(|&n| n == entry.name)
                .ok_or_else(|| {
                    err(
                        format!("{field}.name"),
                        format!("the scenario has no agent group `{}`", entry.name),
                        format!("its agent groups are {}", listing(&group_names)),
                    )
                })?;
            if std::mem::replace(&mut seen[g], true) {
                return Err(err(
                    format!("{field}.name"),
                    format!("the agent group `{}` is listed twice", entry.name),
                    "list each group once".into(),
                ));
            }
            let spec = &model.groups[g];
            let ends = break_ends(model, g, at);
            let back_from_break = |back_in_s: f64, place: String| {
                break_end(model, g, at, &ends, back_in_s)
                    .map_err(|(message, help)| err(place, message, help))
            };
            let mut busy = 0u64;
            // Contacts per agent number, and those on any agent.
            let mut held_by: BTreeMap<u32, u32> = BTreeMap::new();
            for (what, entries) in [
                ("talking", &entry.talking),
                ("wrapping_up", &entry.wrapping_up),
            ] {
                for (name, contacts) in entries {
                    let place = format!("{field}.{what}.{name}");
                    let t = type_names.iter().position(|&x| x == name).ok_or_else(|| {
                        err(
                            place.clone(),
                            format!("the scenario has no call type `{name}`"),
                            format!("its call types are {}", listing(&type_names)),
                        )
                    })?;
                    if !spec.skills.contains(&(t as u32)) {
                        let skills: Vec<&str> = spec
                            .skills
                            .iter()
                            .map(|&s| type_names[s as usize])
                            .collect();
                        return Err(err(
                            place,
                            format!("the group `{}` does not serve `{name}`", spec.name),
                            format!("its skills are {}", listing(&skills)),
                        ));
                    }
                    if what == "wrapping_up" && model.call_types[t].wrap_up.is_none() {
                        return Err(err(
                            place,
                            format!("the call type `{name}` has no wrap-up in the scenario"),
                            "leave it out of `wrapping_up`, or give the call type a `wrap_up`"
                                .into(),
                        ));
                    }
                    busy += contacts.len();
                    if busy > MAX_AGENTS as u64 * spec.max_concurrent as u64 {
                        return Err(err(
                            place,
                            format!("more than {MAX_AGENTS} agents busy in one group"),
                            "give the contacts in progress now".into(),
                        ));
                    }
                    let spent = match contacts {
                        InProgress::Count(n) => {
                            vec![InHand::lasted(SimTime::ZERO); *n as usize]
                        }
                        InProgress::Elapsed(list) => {
                            let mut spent = Vec::with_capacity(list.len());
                            for (j, c) in list.iter().enumerate() {
                                let place = format!("{place}[{j}]");
                                let (at_s, d) = c.located(&place);
                                let e = elapsed(c.seconds(), &at_s, &Spent::CONTACT)?;
                                let agent = d.and_then(|d| d.agent);
                                let others = d.and_then(|d| d.others);
                                let class = match d {
                                    Some(d) => contact_class(model, t, d, &place).map_err(
                                        |(field, message, help)| err(field, message, help),
                                    )?,
                                    None => None,
                                };
                                if let Some(n) = agent {
                                    let held = held_by.entry(n).or_default();
                                    *held += 1;
                                    if *held > spec.max_concurrent {
                                        return Err(err(
                                            format!("{place}.agent"),
                                            format!(
                                                "agent {n} holds more than {} contact{} (the \
                                                 group's max_concurrent)",
                                                spec.max_concurrent,
                                                if spec.max_concurrent == 1 { "" } else { "s" }
                                            ),
                                            "give each agent's own number to its contacts".into(),
                                        ));
                                    }
                                }
                                if let Some(o) = others {
                                    if what == "wrapping_up" {
                                        return Err(err(
                                            format!("{place}.others"),
                                            "a contact in wrap-up has no slowdown".into(),
                                            "leave `others` out of `wrapping_up`".into(),
                                        ));
                                    }
                                    if o >= spec.max_concurrent {
                                        return Err(err(
                                            format!("{place}.others"),
                                            format!(
                                                "{o} other contacts, but an agent of `{}` holds \
                                                 at most {} at once",
                                                spec.name, spec.max_concurrent
                                            ),
                                            format!(
                                                "give how many other contacts its agent held \
                                                 when its talk began: 0 to {}",
                                                spec.max_concurrent - 1
                                            ),
                                        ));
                                    }
                                }
                                let leaving = d.is_some_and(|d| d.leaving);
                                if leaving && spec.max_concurrent > 1 {
                                    return Err(err(
                                        format!("{place}.leaving"),
                                        format!(
                                            "`{}` is a chat desk: its agents winding down are \
                                             listed by number in `leaving_agents`",
                                            spec.name
                                        ),
                                        "leave `leaving` out and list the contact's `agent` in \
                                         the group's `leaving_agents`"
                                            .into(),
                                    ));
                                }
                                let back_at = match d.and_then(|d| d.back_in_s) {
                                    Some(_) if !leaving => {
                                        return Err(err(
                                            format!("{place}.back_in_s"),
                                            "`back_in_s` is for a call whose agent is \
                                             leaving for a break"
                                                .into(),
                                            "leave `back_in_s` out, or mark the call \
                                             `\"leaving\": true`"
                                                .into(),
                                        ))
                                    }
                                    Some(b) => {
                                        Some(back_from_break(b, format!("{place}.back_in_s"))?)
                                    }
                                    None => None,
                                };
                                spent.push(InHand {
                                    elapsed: e,
                                    agent,
                                    others,
                                    class,
                                    leaving,
                                    back_at,
                                });
                            }
                            spent
                        }
                    };
                    let lists = if what == "talking" {
                        &mut state.talking
                    } else {
                        &mut state.wrapping_up
                    };
                    lists[g][t] = spent;
                }
            }
            // The headcount from now on is the schedule (less shrinkage and breaks) plus
            // `extra_agents`, at least 0, as in `live`, whose changes last across the
            // schedule's: a cut of 10 at 10 scheduled leaves none when the schedule drops to
            // 2 (not -8), and 99,999 added at 10 are 100,009 when it rises to 20. So the state
            // holds any extra_agents a `live` change can leave: a headcount of 0 to
            // MAX_AGENTS less a schedule of up to the scenario's largest headcount.
            let least = -(crate::scenario::MAX_SCHEDULED_AGENTS as i64);
            if !(least..=MAX_AGENTS).contains(&entry.extra_agents) {
                let on_floor = spec.available_at(model.interval, at);
                return Err(err(
                    format!("{field}.extra_agents"),
                    format!(
                        "{} extra agents (on {on_floor} on the floor at {}) is beyond what a \
                         staffing change can leave",
                        entry.extra_agents, self.clock
                    ),
                    format!(
                        "give the agents added (negative: removed) from now on, between \
                         {least} and {MAX_AGENTS}; the headcount is never below 0"
                    ),
                ));
            }
            for (j, &LeavingAgent { agent: n, .. }) in entry.leaving_agents.iter().enumerate() {
                let place = format!("{field}.leaving_agents[{j}]");
                if spec.max_concurrent == 1 {
                    return Err(err(
                        place,
                        format!(
                            "`{}` takes one call per agent: an agent leaves as its call ends",
                            spec.name
                        ),
                        "leave `leaving_agents` out; extra_agents says the headcount".into(),
                    ));
                }
                if entry.leaving_agents[..j].iter().any(|a| a.agent == n) {
                    return Err(err(
                        place,
                        format!("agent {n} is listed twice"),
                        "list each agent winding down once".into(),
                    ));
                }
                if !held_by.contains_key(&n) {
                    return Err(err(
                        place,
                        format!("no contact in hand is on agent {n}"),
                        "list the `agent` numbers of contacts whose agents are winding down".into(),
                    ));
                }
            }
            for (j, a) in entry.leaving_agents.iter().enumerate() {
                if let Some(b) = a.back_in_s {
                    let place = format!("{field}.leaving_agents[{j}].back_in_s");
                    state.leaving_for_break[g].insert(a.agent, back_from_break(b, place)?);
                }
            }
            state.leaving_agents[g] = entry.leaving_agents.iter().map(|a| a.agent).collect();
            state.staffing_delta[g] = entry.extra_agents;
        }
        lines_within_trunks(model, &state, &entry_of)
            .map_err(|(field, message, help)| err(field, message, help))?;
        if self.day_over {
            day_over_clock(model, &self.clock)
                .map_err(|(message, help)| err("day_over".into(), message, help))?;
        }
        Ok(state)
    }
}

/// Checks a state that says the day is over (`day_over`): its clock is not inside a day
/// shorter than 24 hours (a mid-day clock with `day_over` is a contradiction, not the next
/// day's). Returns the message and help of the error.
fn day_over_clock(model: &Model, clock: &str) -> Result<(), (String, String)> {
    let inside_the_day = parse_clock(clock)
        .and_then(|s| sim_time_of_clock(model, s))
        .is_some_and(|t| t < model.horizon);
    if inside_the_day && model.horizon.0 < 86_400 * NANOS_PER_SECOND {
        return Err((
            format!(
                "the clock {clock} is inside the scenario's day ({}), which `day_over` says is over",
                day_span(model)
            ),
            "for a state taken during the day, leave `day_over` out; live writes it only for a \
             state taken at or after the end of the day"
                .to_owned(),
        ));
    }
    Ok(())
}

/// Per group, when the contacts in hand of `state` need more agents than `model`'s group
/// has on the floor from the state's clock on (the schedule less shrinkage, plus the extra
/// agents; at a drop, the crew just before it): the group, the agents the contacts need and
/// the headcount. Those beyond the headcount finish their contacts and leave, as after a
/// cut; a state `live` saves just after one shows them, but so does a miscounted state,
/// which is worth a warning.
pub fn contacts_beyond_the_headcount(model: &Model, state: &StartState) -> Vec<(usize, u64, i64)> {
    let mut beyond = Vec::new();
    for (g, spec) in model.groups.iter().enumerate() {
        // Agents winding down leave as their contacts end: they are not in the headcount.
        let needed = u64::from(
            state
                .agents_holding(g, spec.max_concurrent)
                .saturating_sub(state.agents_winding_down(g, spec.max_concurrent)),
        );
        // At the moment the schedule drops (an interval's boundary, a shift's end), a state
        // may be taken before the drop is applied, as `live --stop-at` takes it: the crew
        // just before counts too.
        let just_before = state
            .at
            .0
            .checked_sub(1)
            .map_or(0, |t| spec.available_at(model.interval, SimTime(t)));
        let on_floor = i64::from(spec.available_at(model.interval, state.at).max(just_before));
        let headcount = (on_floor + state.staffing_delta.get(g).copied().unwrap_or(0)).max(0);
        if needed as i64 > headcount {
            beyond.push((g, needed, headcount));
        }
    }
    beyond
}

/// The class a contact in hand of call type `t` says it is in (`None`: it does not say),
/// else the field, message and help of the error at `place`.
fn contact_class(
    model: &Model,
    t: usize,
    details: &ContactDetails,
    place: &str,
) -> Result<Option<u32>, (String, String, String)> {
    let spec = &model.call_types[t];
    match (&details.tier, details.callback) {
        (Some(_), true) => Err((
            format!("{place}.tier"),
            "a callback job has no tier: it is in the type's callback class".into(),
            "give either `tier` or `\"callback\": true`".into(),
        )),
        (Some(tier), false) => tier_class(model, t, tier, "it has no tiers: leave `tier` out")
            .map(Some)
            .map_err(|(message, help)| (format!("{place}.tier"), message, help)),
        (None, true) => match &spec.callback {
            Some(callback) => Ok(Some(callback.class)),
            None => Err((
                format!("{place}.callback"),
                format!(
                    "the call type `{}` offers no callbacks in the scenario, so no callback \
                     job is in hand",
                    spec.name
                ),
                "leave `callback` out, or give the call type a `callback`".into(),
            )),
        },
        (None, false) => Ok(None),
    }
}

/// The class of the tier named `tier` of call type `t`, else the message and help of the
/// error (`untiered`: the help when the type has no tiers).
fn tier_class(
    model: &Model,
    t: usize,
    tier: &str,
    untiered: &str,
) -> Result<u32, (String, String)> {
    let spec = &model.call_types[t];
    let callback = spec.callback.as_ref().map(|c| c.class);
    let tiers: Vec<(u32, &str)> = spec
        .classes
        .clone()
        .filter(|&c| Some(c) != callback)
        .filter_map(|c| Some((c, model.classes[c as usize].tier.as_deref()?)))
        .collect();
    match tiers.iter().find(|(_, name)| *name == tier) {
        Some(&(class, _)) => Ok(class),
        None => {
            let names: Vec<String> = tiers.iter().map(|&(_, name)| format!("`{name}`")).collect();
            Err((
                format!("the call type `{}` has no tier `{tier}`", spec.name),
                if names.is_empty() {
                    untiered.into()
                } else {
                    format!("its tiers are {}", names.join(", "))
                },
            ))
        }
    }
}

/// Checks that the callers of a state fit the scenario's lines (`trunks`). A caller in the
/// IVR always holds a line; one waiting or in talk counts only where it surely holds one,
/// and a type's own limit only where it holds every caller of the type ([`crate::model::LineLimits`]):
/// what is refused here could never have been seen, whatever the callers' history. `entry_of[t]` is the index of type `t`'s entry in the
/// file's `call_types`, if it has one. Returns the field, the message and the help of the
/// error.
fn lines_within_trunks(
    model: &Model,
    state: &StartState,
    entry_of: &[Option<usize>],
) -> Result<(), (String, String, String)> {
    let types = model.call_types.len();
    let limits = model.line_limits();
    let mut held = vec![0u64; types];
    for (t, spec) in model.call_types.iter().enumerate() {
        if limits.lineless[t] {
            continue;
        }
        let by_class: usize = spec
            .classes
            .clone()
            .map(|c| state.waiting_by_class[c as usize].len())
            .sum();
        let talking: usize = state.talking.iter().map(|by_type| by_type[t].len()).sum();
        held[t] = (state.waiting[t].len() + by_class + talking) as u64;
    }
    for caller in &state.in_ivr {
        held[caller.call_type as usize] += 1;
    }
    let place = |t: usize| match entry_of[t] {
        Some(i) => format!("call_types[{i}]"),
        None => "agent_groups".to_owned(),
    };
    let help = "a caller waiting, in the IVR or talking holds a line: give the callers the \
                ACD showed, or the scenario's real number of lines in `trunks`";
    if let Some(lines) = limits.centre {
        let total: u64 = held.iter().sum();
        if total > lines as u64 {
            return Err((
                "call_types".into(),
                format!(
                    "the state holds {total} callers on the line (waiting, in the IVR or \
                     talking), but the centre has {lines} lines (`trunks`)"
                ),
                help.into(),
            ));
        }
    }
    for (t, spec) in model.call_types.iter().enumerate() {
        match limits.own[t] {
            Some(lines) if held[t] > lines as u64 => {
                return Err((
                    place(t),
                    format!(
                        "the state holds {} callers of `{}` on the line (waiting, in the \
                         IVR or talking), but the call type has {lines} lines (`trunks`)",
                        held[t], spec.name
                    ),
                    help.into(),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_parse_to_the_millisecond() {
        assert_eq!(parse_clock("10:30"), Some(37800.0));
        assert_eq!(parse_clock("00:00:01.5"), Some(1.5));
        assert_eq!(parse_clock("23:59:59.999"), Some(86399.999));
        for bad in [
            "24:00",
            "10",
            "10:60",
            "1:2:3:4",
            "ab:cd",
            "10:30:00.1234",
            "-1:00",
            "10:3",
            "10:30:5",
            "10:30:5.5",
        ] {
            assert_eq!(parse_clock(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_byte_order_mark_is_not_json() {
        let text = r#"{"clock": "10:30", "call_types": [], "agent_groups": []}"#;
        let plain = StateFile::parse("s.json", text).expect("plain");
        let marked = StateFile::parse("s.json", &format!("\u{feff}{text}")).expect("with a BOM");
        assert_eq!(plain.clock, marked.clock);
    }

    #[test]
    fn a_leaving_agent_with_a_negative_number_is_said_to_be_no_agent_number() {
        let text = r#"{"clock": "10:30", "agent_groups": [{"name": "g", "leaving_agents": [{"agent": -1}]}]}"#;
        let message = StateFile::parse("s.json", text).unwrap_err().to_string();
        assert!(
            message.contains("leaving_agents[0].agent")
                && message.contains("`-1` is not an agent number")
                && !message.contains("u32"),
            "{message}"
        );
    }
}
