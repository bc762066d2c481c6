//! Integration tests, in one binary: theory checks, invariants, determinism, the CLI, the
//! live mode (pacing, HTTP API, browser) and intraday forecasts.

mod browser;
mod cli;
mod http;
mod intraday;
mod invariants;
mod live;
mod support;
mod theory;
