#!/bin/sh
# Runs a study as N shards at once on one machine (xargs -P), then merges them. The report
# equals the study run in one process (`callsim VERB SCENARIO FLAGS... --format json`) byte
# for byte.
#
#   deploy/workstation.sh SCENARIO SHARDS OUTDIR [CALLSIM [VERB [FLAGS...]]]
#
# VERB is run (the default), compare or sweep, with its flags, e.g.
#   deploy/workstation.sh day.toml 2 out callsim compare --policy skill-priority --policy priority
# Each shard runs on one thread (--threads 1), so SHARDS processes use SHARDS cores.
set -eu
scenario=$1
shards=$2
outdir=$3
callsim=${4:-callsim}
verb=${5:-run}
shift $(($# < 5 ? $# : 5))
mkdir -p "$outdir"
export scenario shards outdir callsim verb
# xargs appends the shard's number to the study's FLAGS: split it off (it is the last).
seq 0 $((shards - 1)) | xargs -P "$shards" -n 1 sh -c '
    for k; do :; done
    n=$#; i=1
    for a; do [ $i -lt $n ] && set -- "$@" "$a"; i=$((i + 1)); done
    shift $n
    exec "$callsim" "$verb" "$scenario" "$@" --shard "$k/$shards" --threads 1 \
        --output "$outdir/part-$k.json" --force' sh "$@"
"$callsim" merge "$outdir"/part-*.json --format json --output "$outdir/report.json" --force
echo "merged $shards parts into $outdir/report.json"
