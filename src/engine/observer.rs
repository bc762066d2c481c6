//! Watching a run call by call: for traces, tests and research, at no cost when unused.

use crate::time::SimTime;

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An agent of `group` answered it.
    Answered {
        /// The group that answered.
        group: u32,
    },
    /// The caller hung up while waiting.
    Abandoned,
    /// Every line was busy.
    Blocked,
    /// The caller completed in self-service in the IVR.
    Deflected,
    /// The caller took a callback instead of waiting (the callback is a new call of the
    /// type's callback class).
    CallbackRequested,
    /// Still waiting when nothing more could happen.
    Unserved,
}

/// One call's story, reported when its outcome is known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CallRecord {
    /// The call type.
    pub call_type: u32,
    /// The call class (the tier, for types with tiers).
    pub class: u32,
    /// When it reached the centre.
    pub arrival: SimTime,
    /// When its wait ended: answered, abandoned, blocked, deflected (the IVR's end) or
    /// given up as unserved. For a call through the IVR, its wait for an agent is measured
    /// from leaving the IVR.
    pub end_of_wait: SimTime,
    /// When its wait for an agent began: on arrival, or on leaving the IVR for a call
    /// through one; `end_of_wait` for a call that never waited (blocked, or deflected in the
    /// IVR). Its wait is `end_of_wait - queued`.
    pub queued: SimTime,
    /// Its handle time (drawn on arrival, whether or not it was answered).
    pub handle: SimTime,
    /// Its patience for this attempt ([`SimTime::NEVER`]: none).
    pub patience: SimTime,
    /// Which attempt of the caller this was (1 = first).
    pub attempt: u32,
    /// The caller (the same for all of its attempts, transfers and repeat calls).
    pub caller: u64,
    /// Whether it arrived after the warm-up and before the end of the day (and so is counted
    /// in the report; a transfer's leg after closing is served but not counted).
    pub counted: bool,
    /// How it ended.
    pub outcome: Outcome,
}

/// Receives every call's outcome. The engine is generic over it, so the no-op `()` costs
/// nothing.
pub trait Observer {
    /// A call's outcome is known.
    fn call_ended(&mut self, record: &CallRecord);
}

impl Observer for () {
    #[inline(always)]
    fn call_ended(&mut self, _record: &CallRecord) {}
}

impl Observer for Vec<CallRecord> {
    fn call_ended(&mut self, record: &CallRecord) {
        self.push(*record);
    }
}
