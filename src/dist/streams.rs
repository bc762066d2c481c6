//! Independent random streams, one per (seed, replication, call type, purpose).
//!
//! Each random quantity has its own stream, so that changing how one is used (a different
//! routing policy, more agents) never shifts the numbers another one sees: two runs that
//! differ only in routing or staffing see the very same callers (common random numbers).
//! The generator is pinned by name (xoshiro256++), so outputs stay the same across versions
//! of `rand`.

use rand::{Rng, RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator behind every stream.
pub type Stream = Xoshiro256PlusPlus;

/// What a stream is used for. The discriminant is part of the stream's identity: never
/// reorder, only append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Time between arrivals of a call type.
    Arrivals = 1,
    /// Handle times of a call type's callers.
    HandleTime = 2,
    /// Patience of a call type's callers.
    Patience = 3,
    /// The customer tier of a call type's callers.
    Tier = 4,
    /// Redial decisions and delays.
    Retrial = 5,
    /// IVR times and self-service outcomes.
    Ivr = 6,
    /// Transfer and resolution decisions, repeat delays, wrap-up times.
    AfterCall = 7,
    /// The day's busyness factor (one per replication).
    Busyness = 8,
    /// Whether a caller takes an offered callback.
    Callback = 9,
    /// A caller's own numbers (see [`CallerDraws`]).
    Caller = 10,
    /// Which agents of a group working in shifts go at a break or a shift's end.
    Shifts = 11,
}

/// SplitMix64's finaliser: a bijective mix of 64 bits.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream for one purpose of one call type in one replication.
pub fn stream(seed: u64, replication: u32, call_type: u32, purpose: Purpose) -> Stream {
    let key = mix(mix(mix(mix(seed) ^ replication as u64) ^ call_type as u64) ^ purpose as u64);
    Stream::seed_from_u64(key)
}

/// A caller's own random numbers: everything drawn for a caller after it first arrives
/// (IVR, redials, callbacks, after-call work, the legs of a transfer and its repeat calls)
/// comes from here, so it depends only on the caller and never on when other callers are
/// served. Counter-based: the caller's `n`-th decision gets a stream of its own, derived
/// from (seed, replication, source, serial, n); the state is 12 bytes, copied with the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallerDraws {
    key: u64,
    decisions: u32,
}

impl CallerDraws {
    /// The numbers of the `serial`-th caller from `source` (a call type, or a replayed
    /// trace or start state with the top bits set) in one replication.
    pub fn new(seed: u64, replication: u32, source: u32, serial: u64) -> CallerDraws {
        CallerDraws::of(CallerDraws::source_key(seed, replication, source), serial)
    }

    /// The key shared by every caller from `source` in one replication, so that
    /// [`CallerDraws::of`] costs one mix per caller.
    pub fn source_key(seed: u64, replication: u32, source: u32) -> u64 {
        mix(mix(mix(mix(seed) ^ replication as u64) ^ source as u64) ^ Purpose::Caller as u64)
    }

    /// The numbers of the `serial`-th caller from the source whose key is `source_key`: the
    /// same as [`CallerDraws::new`].
    #[inline]
    pub fn of(source_key: u64, serial: u64) -> CallerDraws {
        CallerDraws {
            key: mix(source_key ^ serial),
            decisions: 0,
        }
    }

    /// The caller's identity: the same for all of its attempts, transfers and repeat calls,
    /// distinct between callers (a 64-bit hash). `--write-calls` logs it as the caller id.
    #[inline]
    pub fn caller_id(&self) -> u64 {
        self.key
    }

    /// A fresh stream for the caller's next decision. It is seeded on its first draw, so a
    /// decision that needs no random number (a constant time, a share of 0) costs no
    /// seeding, and the decision after it still gets its own stream.
    #[inline]
    pub fn next_stream(&mut self) -> DecisionStream {
        let stream = DecisionStream {
            key: self.key,
            decision: self.decisions,
            rng: None,
        };
        self.decisions += 1;
        stream
    }

    /// The stream of a decision the caller meets only when other callers make it wait (a
    /// callback offer, made when the expected wait is long), the `n`-th of its kind: keyed
    /// apart from [`CallerDraws::next_stream`]'s, so that meeting it or not leaves the
    /// caller's other decisions where they were.
    #[inline]
    pub fn stream_when_waiting(&self, n: u32) -> DecisionStream {
        DecisionStream {
            key: mix(self.key ^ WHEN_WAITING),
            decision: n,
            rng: None,
        }
    }
}

/// The salt of [`CallerDraws::stream_when_waiting`]'s keys.
const WHEN_WAITING: u64 = 0x5741_4954_494e_4721;

/// The stream of one of a caller's decisions (from [`CallerDraws::next_stream`]): the
/// numbers of `Stream::seed_from_u64(mix(key ^ mix(decision)))`, seeded when first drawn.
#[derive(Debug, Clone)]
pub struct DecisionStream {
    key: u64,
    decision: u32,
    rng: Option<Stream>,
}

impl DecisionStream {
    #[inline]
    fn rng(&mut self) -> &mut Stream {
        let (key, decision) = (self.key, self.decision);
        self.rng
            .get_or_insert_with(|| Stream::seed_from_u64(mix(key ^ mix(decision as u64))))
    }
}

impl RngCore for DecisionStream {
    #[inline]
    fn next_u32(&mut self) -> u32 {
        self.rng().next_u32()
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.rng().next_u64()
    }

    #[inline]
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        self.rng().fill_bytes(dst)
    }
}

/// Whether an event of probability `p` happens, by one draw of `rng` (`u < p`, u uniform on
/// [0, 1)); a `p` of 0 or 1 decides without drawing, with the same answer.
#[inline]
pub fn chance<R: Rng + ?Sized>(rng: &mut R, p: f64) -> bool {
    if p <= 0.0 {
        false
    } else if p >= 1.0 {
        true
    } else {
        rng.random::<f64>() < p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let draw = |s: &mut Stream| s.random::<u64>();
        assert_eq!(
            draw(&mut stream(42, 3, 1, Purpose::Arrivals)),
            draw(&mut stream(42, 3, 1, Purpose::Arrivals))
        );
        let firsts = [
            draw(&mut stream(42, 3, 1, Purpose::Arrivals)),
            draw(&mut stream(42, 3, 1, Purpose::HandleTime)),
            draw(&mut stream(42, 3, 2, Purpose::Arrivals)),
            draw(&mut stream(42, 4, 1, Purpose::Arrivals)),
            draw(&mut stream(43, 3, 1, Purpose::Arrivals)),
        ];
        for i in 0..firsts.len() {
            for j in i + 1..firsts.len() {
                assert_ne!(firsts[i], firsts[j]);
            }
        }
    }

    #[test]
    fn a_callers_decisions_are_reproducible_and_distinct() {
        let draw = |d: &mut CallerDraws| d.next_stream().random::<u64>();
        let mut a = CallerDraws::new(42, 3, 1, 17);
        let mut again = CallerDraws::new(42, 3, 1, 17);
        let first = draw(&mut a);
        assert_eq!(first, draw(&mut again));
        let second = draw(&mut a);
        assert_ne!(first, second, "each decision has its own stream");
        let others = [
            draw(&mut CallerDraws::new(42, 3, 1, 18)),
            draw(&mut CallerDraws::new(42, 3, 2, 17)),
            draw(&mut CallerDraws::new(42, 4, 1, 17)),
            draw(&mut CallerDraws::new(43, 3, 1, 17)),
        ];
        for x in others {
            assert!(x != first && x != second);
        }
    }

    #[test]
    fn a_decision_stream_draws_the_numbers_of_its_eager_seeding() {
        let mut draws = CallerDraws::new(42, 3, 1, 17);
        let key = draws.caller_id();
        draws.next_stream(); // a decision that draws nothing still takes its number
        let mut lazy = draws.next_stream();
        let mut eager = Stream::seed_from_u64(mix(key ^ mix(1)));
        for _ in 0..4 {
            assert_eq!(lazy.next_u64(), eager.next_u64());
        }
        assert_eq!(lazy.random::<f64>(), eager.random::<f64>());
    }

    #[test]
    fn chance_decides_shares_of_0_and_1_as_a_draw_would() {
        for seed in 0..1_000 {
            let draw: f64 = Stream::seed_from_u64(seed).random();
            for p in [0.0, 1.0, -0.5, 2.0] {
                let mut rng = Stream::seed_from_u64(seed);
                assert_eq!(chance(&mut rng, p), draw < p);
            }
            let mut rng = Stream::seed_from_u64(seed);
            assert_eq!(chance(&mut rng, 0.3), draw < 0.3);
        }
    }
}
