//! Integration tests, in one binary: theory checks, invariants, determinism, the CLI, the
//! live mode (pacing, HTTP API, browser) and intraday forecasts.

mod browser;
mod chat_lines;
mod cli;
mod combinations;
mod contract;
mod erlang;
mod fit;
mod fuzz;
mod html;
mod http;
mod intraday;
mod invariants;
mod live;
mod memory;
mod pinned;
mod properties;
mod real_day;
mod reference;
mod robustness;
mod routing;
mod shard;
mod slips;
mod staffing;
mod support;
mod sweep;
mod tables;
mod theory;
