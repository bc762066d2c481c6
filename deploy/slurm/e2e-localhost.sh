#!/bin/bash
# End-to-end check of the Slurm recipe on a one-node Slurm on this machine (Debian packages
# slurmctld, slurmd, slurm-client, munge; run as root): starts munged, slurmctld and slurmd
# with a throwaway configuration, submits deploy/slurm/submit.sh for a `run`, a `compare`
# and a `sweep` of SCENARIO, waits for each merge job and compares the merged report (JSON
# and table) with the same study run locally in one process. Stops the daemons it started.
#   apt-get install slurmctld slurmd slurm-client munge
#   deploy/slurm/e2e-localhost.sh CALLSIM SCENARIO SHARDS
set -euo pipefail
callsim=$(realpath "$1") scenario=$(realpath "$2") shards=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/callsim-slurm.XXXXXX)
host=$(hostname -s)
cpus=$(nproc)
mkdir -p "$work"/{state,spool,log}
cat > "$work/slurm.conf" <<CONF
ClusterName=callsim-e2e
SlurmctldHost=$host
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SchedulerParameters=kill_invalid_depend
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ReturnToService=2
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$work/slurm.conf CALLSIM=$callsim
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
mkdir -p /run/munge
munged --foreground --socket=/run/munge/munge.socket.2 --force &
pids+=($!)
sleep 1
slurmctld -D -f "$SLURM_CONF" &
pids+=($!)
sleep 2
slurmd -D -f "$SLURM_CONF" &
pids+=($!)
for _ in $(seq 60); do sinfo -h -o %T 2>/dev/null | grep -q idle && break; sleep 1; done
sinfo
cd "$work"

# study NAME VERB [FLAGS...]: submits it as $shards array tasks + a merge job, waits, and
# checks the merged JSON and table against the local run.
study() {
    local name=$1 verb=$2
    shift 2
    local out=$work/$name
    echo "== $name: callsim $verb $(basename "$scenario") $*"
    "$here/submit.sh" "$scenario" "$shards" "$out" "$verb" "$@" | tee "$work/$name.submitted"
    local merge_job
    merge_job=$(sed -n 's/.*merge: job \([0-9]*\).*/\1/p' "$work/$name.submitted")
    for _ in $(seq 1800); do
        [ -z "$(squeue -h -j "$merge_job" 2>/dev/null)" ] && break
        sleep 1
    done
    [ -f "$out/report.json" ] || {
        echo "$name: no merged report; the logs are in $work" >&2
        exit 1
    }
    "$callsim" "$verb" "$scenario" "$@" --format json > "$out/single.json"
    "$callsim" "$verb" "$scenario" "$@" --format table > "$out/single.txt"
    cmp "$out/single.json" "$out/report.json"
    cmp "$out/single.txt" "$out/report.txt"
    echo "$name: $shards array tasks + afterok merge: merged JSON and table == local run, byte for byte"
}

study run run
study compare compare --policy skill-priority --policy priority

study sweep sweep --scale 0.9..1.1 --step 0.1 --quiet
echo "slurm e2e: all studies passed ($(sinfo --version))"
