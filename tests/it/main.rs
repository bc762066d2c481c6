//! Integration tests, in one binary: theory checks, invariants, determinism, the CLI, the
//! live mode (pacing, HTTP API, browser) and intraday forecasts.

mod browser;
mod cli;
mod contract;
mod erlang;
mod http;
mod intraday;
mod invariants;
mod live;
mod memory;
mod real_day;
mod routing;
mod staffing;
mod support;
mod sweep;
mod theory;
