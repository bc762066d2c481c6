#!/usr/bin/env bash
# Whole-process figures of the release `callsim run`: what a planner waits for.
#
#   benches/process.sh speed [N]        M/M/36+M (720 calls/h, AHT 3 min, patience 3 min),
#                                       10^7 calls, one replication, --threads 1: calls per
#                                       second of the whole process, best of N runs (default 3)
#   benches/process.sh memory 6 7 8 9   peak resident memory (and time) of one replication of
#                                       10^6, 10^7, ... calls of a stationary centre
#   benches/process.sh threads 1 2 4    wall time of replications of 10^6 calls each (8, or
#                                       4 per thread of the largest count) with --threads 1,
#                                       2, 4 (best of 3), and the speed-up over the first count
#
# Needs the release binary (`cargo build --release`, or `cargo bench --no-run`, which builds it
# too; CALLSIM=path to use another) and GNU
# time (/usr/bin/time). On a shared machine the wall times depend on the load: the script
# prints `uptime` first, and the user CPU time next to the wall time.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
callsim=${CALLSIM:-$root/target/release/callsim}
[[ -x $callsim ]] || { echo "error: no $callsim; build it with: cargo build --release" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "error: GNU time (/usr/bin/time) is needed: apt-get install time" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# centre NAME AGENTS RATE AHT PATIENCE HOURS REPLICATIONS: writes $work/NAME.toml, one interval.
centre() {
  cat > "$work/$1.toml" <<EOF
name = "$1"
[simulation]
duration = "$6h"
interval = "$6h"
replications = $7
[[call_types]]
name = "q"
arrival_rate = $3
handle_time = { distribution = "exponential", mean = "$4" }
patience = { distribution = "exponential", mean = "$5" }
[[agent_groups]]
name = "agents"
agents = $2
skills = ["q"]
EOF
}

# timed ARGS...: runs callsim with ARGS (and -f json), prints "wall_s user_s peak_rss_kB
# calls_offered".
timed() {
  /usr/bin/time -f '%e %U %M' -o "$work/time" "$callsim" run "$@" -f json > "$work/report.json"
  echo "$(cat "$work/time") $(awk '/"offered"/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$work/report.json")"
}

# best N ARGS...: the run with the least wall time of N, as "wall_s user_s peak_rss_kB".
best() {
  local n=$1; shift
  for _ in $(seq "$n"); do timed "$@"; done | sort -n | head -1
}

echo "# $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load:$(uptime | sed 's/.*load average://')"
mode=${1:-}
shift || true
case $mode in
  speed)
    n=${1:-3}
    # 10^7 calls at 720 calls/h: 13,889 hours.
    centre mm36 36 720 3m 3m 13889 1
    read -r wall user rss calls < <(best "$n" "$work/mm36.toml" --threads 1)
    awk -v c="$calls" -v w="$wall" -v u="$user" -v r="$rss" 'BEGIN {
      printf "M/M/36+M, %d calls, --threads 1, best of '"$n"': %.2f s wall, %.2f s user: %.2f M calls per wall second, %.2f M per CPU second, peak RSS %.1f MB\n",
        c, w, u, c / w / 1e6, c / u / 1e6, r / 1024 }'
    ;;
  memory)
    [[ $# -gt 0 ]] || set -- 6 7 8
    # 1,050 agents, 20,000 calls/h, AHT 3 min (1,000 Erlangs, occupancy 0.95), patience 3 min:
    # 10^n calls take 10^n / 20,000 hours (10^9: 50,000 hours, within the 10-year limit).
    echo "calls      hours    wall_s  user_s  M_calls/s(user)  peak_RSS_MB"
    # %U has two decimals: 10^6 calls take about 0.2 s, so their rate is rough.
    for e in "$@"; do
      hours=$(awk -v e="$e" 'BEGIN { printf "%d", 10^e / 20000 }')
      centre "big$e" 1050 20000 3m 3m "$hours" 1
      read -r wall user rss calls < <(timed "$work/big$e.toml" --threads 1)
      awk -v c="$calls" -v h="$hours" -v w="$wall" -v u="$user" -v r="$rss" 'BEGIN {
        printf "%-10d %-8d %-7.1f %-7.1f %-16.2f %.1f\n", c, h, w, u, c / u / 1e6, r / 1024 }'
    done
    ;;
  threads)
    [[ $# -gt 0 ]] || set -- 1 2
    # Replications of 10^6 calls of the M/M/36+M centre (1,389 hours each): 8, or 4 per
    # thread of the largest count, so that every thread has work to the end.
    most=$(printf '%s\n' "$@" | sort -n | tail -1)
    reps=$(( most * 4 > 8 ? most * 4 : 8 ))
    centre reps 36 720 3m 3m 1389 "$reps"
    echo "# $reps replications of 10^6 calls"
    first=""
    echo "threads  wall_s  user_s  speed-up"
    for t in "$@"; do
      read -r wall user _ < <(best 3 "$work/reps.toml" --threads "$t")
      first=${first:-$wall}
      awk -v t="$t" -v w="$wall" -v u="$user" -v f="$first" 'BEGIN {
        printf "%-8d %-7.2f %-7.2f %.2fx\n", t, w, u, f / w }'
    done
    ;;
  *)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
