//! Integration tests, in one binary: theory checks, invariants, determinism, the CLI, the
//! live mode (pacing, HTTP API, browser) and intraday forecasts.

mod browser;
mod cli;
mod combinations;
mod contract;
mod erlang;
mod fit;
mod http;
mod intraday;
mod invariants;
mod live;
mod pinned;
mod real_day;
mod routing;
mod staffing;
mod support;
mod sweep;
mod theory;
