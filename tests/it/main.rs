//! Integration tests, in one binary: theory checks, invariants, determinism, the CLI, the
//! live mode (pacing, HTTP API, browser) and intraday forecasts.

mod browser;
mod chat_lines;
mod cli;
mod contract;
mod erlang;
mod fuzz;
mod http;
mod intraday;
mod invariants;
mod live;
mod properties;
mod real_day;
mod routing;
mod staffing;
mod support;
mod sweep;
mod theory;
