#!/bin/sh
# Runs a scenario as N shards at once on one machine (xargs -P), then merges them.
# The report equals `callsim run SCENARIO --format json` byte for byte.
#
#   deploy/workstation.sh SCENARIO SHARDS OUTDIR [CALLSIM]
#
# Each shard runs on one thread (--threads 1), so SHARDS processes use SHARDS cores.
set -eu
scenario=$1
shards=$2
outdir=$3
callsim=${4:-callsim}
mkdir -p "$outdir"
export scenario shards outdir callsim
seq 0 $((shards - 1)) | xargs -P "$shards" -I K sh -c \
    '"$callsim" run "$scenario" --shard K/"$shards" --threads 1 --output "$outdir/part-K.json" --force'
"$callsim" merge "$outdir"/part-*.json --format json --output "$outdir/report.json" --force
echo "merged $shards parts into $outdir/report.json"
