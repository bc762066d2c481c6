#!/usr/bin/env bash
# Regenerates every figure of the README's Performance table in one command (about 4
# minutes of CPU once the benches are built; more wall time under load):
#
#   benches/figures.sh             criterion benches (short measurement), whole-process speed,
#                                  thread scaling (1 vs 2 threads), peak memory at 10^6–10^8
#   benches/figures.sh --full      also peak memory at 10^9 calls (200 s of CPU) and the
#                                  callgrind instruction count per call (load-independent)
#
# Criterion's figures are calls simulated per second ("elem/s", the middle of its confidence
# interval); its full reports are in target/criterion/. baseline.rs and scaling.rs time CPU
# seconds of the process (benches/support/cpu_time.rs), so their figures hold on a loaded
# machine; engine.rs times wall seconds. The whole-process figures are best of 3, per wall
# and per CPU (user) second. Everything runs on one core except the thread-scaling line,
# which needs two idle cores to mean anything: the load is printed first.
set -euo pipefail
cd "$(dirname "$0")/.."

full=false
[[ ${1:-} == --full ]] && full=true
short=(--measurement-time 3 --warm-up-time 1)

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load:$(uptime | sed 's/.*load average://')"
# Builds the benches and, with them, target/release/callsim (with the benches' features, so
# a separate `cargo build --release` would rebuild every dependency).
cargo bench --quiet --no-run --bench baseline --bench scaling --bench engine

# criterion BENCH FILTER: runs one bench target, prints "name  M calls/s" per benchmark.
criterion() {
  cargo bench --quiet --bench "$1" -- "${short[@]}" "$2" 2>&1 | tee -a target/figures-criterion.log | awk '
    /^[a-z0-9_]+\/[^ ]*/ { name = $1 }
    /Erlang A SL/ { print "  check: " $0 }
    /thrpt:/ && /elem\/s/ {
      for (i = 1; i <= NF; i++) if ($i ~ /elem\/s/) { n++; if (n == 2) { v = $(i - 1); u = $i } }
      n = 0
      scale = (u ~ /^Gelem/) ? 1000 : (u ~ /^Melem/) ? 1 : (u ~ /^Kelem/) ? 0.001 : 1e-6
      printf "  %-58s %7.2f M calls/s\n", name, v * scale
    }'
}

: > target/figures-criterion.log
echo "== naive loop vs callsim, one core (criterion; SL/abandon checked against Erlang A first)"
criterion baseline baseline/
echo "== cost per call vs agents, queue length, pending timers (criterion)"
criterion scaling flat_
echo "== 20 call types x 50 groups (benches/engine.rs, criterion)"
criterion engine routing_20_types_50_groups
echo "== whole process, release callsim run --threads 1"
benches/process.sh speed 3 | tail -n +2
echo "== replications, --threads 1 vs 2 (best of 3)"
benches/process.sh threads 1 2 | tail -n +2
echo "== peak memory, one replication"
if $full; then
  benches/process.sh memory 6 7 8 9 | tail -n +2
else
  benches/process.sh memory 6 7 8 | tail -n +2
fi
if $full; then
  echo "== instructions per call (valgrind --tool=callgrind, load-independent)"
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
  for hours in 1 11; do
    cat > "$dir/cg.toml" <<EOF
name = "callgrind"
[simulation]
duration = "${hours}h"
interval = "${hours}h"
replications = 1
[[call_types]]
name = "q"
arrival_rate = 20000
handle_time = { distribution = "exponential", mean = "3m" }
patience = { distribution = "exponential", mean = "3m" }
[[agent_groups]]
name = "agents"
agents = 1050
skills = ["q"]
EOF
    valgrind --tool=callgrind --callgrind-out-file="$dir/out" target/release/callsim run "$dir/cg.toml" \
      --threads 1 -f json 2>&1 > "$dir/report.json" | awk '/Collected/ { print $NF }' > "$dir/ir$hours"
    awk '/"offered"/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$dir/report.json" > "$dir/calls$hours"
  done
  # The difference of a 1-hour and an 11-hour run: the cost of 200,000 calls without start-up.
  awk -v i1="$(cat "$dir/ir1")" -v i2="$(cat "$dir/ir11")" -v c1="$(cat "$dir/calls1")" -v c2="$(cat "$dir/calls11")" \
    'BEGIN { printf "  callsim run, M/M/1050+M: %.0f instructions per call (%d calls)\n", (i2 - i1) / (c2 - c1), c2 - c1 }'
fi
