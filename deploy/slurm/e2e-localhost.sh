#!/bin/bash
# End-to-end check of the Slurm recipe on a one-node Slurm on this machine (Debian packages
# slurmctld, slurmd, slurm-client, munge; run as root): starts munged, slurmctld and slurmd
# with a throwaway configuration, submits deploy/slurm/submit.sh, waits for the merge job and
# compares the merged report with a local `callsim run`. Stops the daemons it started.
#   deploy/slurm/e2e-localhost.sh CALLSIM SCENARIO SHARDS
set -euo pipefail
callsim=$(realpath "$1") scenario=$(realpath "$2") shards=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/callsim-slurm.XXXXXX)
host=$(hostname -s)
cpus=$(nproc)
mkdir -p "$work"/{state,spool,log,out}
cat > "$work/slurm.conf" <<CONF
ClusterName=callsim-e2e
SlurmctldHost=$host
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
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
export SLURM_CONF=$work/slurm.conf
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
CALLSIM=$callsim "$here/submit.sh" "$scenario" "$shards" "$work/out"
for _ in $(seq 300); do [ -z "$(squeue -h)" ] && break; sleep 1; done
squeue
"$callsim" run "$scenario" --format json > "$work/single.json"
cmp "$work/single.json" "$work/out/report.json"
echo "slurm e2e: $shards array tasks + afterok merge: merged report == local run, byte for byte"
ls "$work/out"
