//! `callsim fit`: from a call log to a calibrated scenario. Reading the log ([`log`]),
//! arrival rates and day-to-day dispersion ([`arrivals`]), talk-time families
//! ([`durations`]), patience from censored waits ([`patience`]), agents on the floor, and the
//! commented scenario and text report ([`write`]).

pub mod arrivals;
pub mod durations;
pub mod log;
pub mod patience;
