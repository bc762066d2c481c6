#!/bin/bash
# Submits SHARDS shard tasks as a job array and a merge job that runs after all succeed.
#   deploy/slurm/submit.sh SCENARIO SHARDS OUTDIR [VERB [FLAGS...]]
# VERB is run (the default), compare or sweep, with its flags, e.g.
#   deploy/slurm/submit.sh day.toml 16 /shared/runs/day sweep --group general --agents 20..40
# Paths in FLAGS (compare --variant) are read by the tasks: give them absolute, or relative
# to a directory every node sees and submit from it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scenario=$(realpath "$1")
export SHARDS=$2 OUTDIR=$(realpath -m "$3")
shift 3
verb=${1:-run}
shift $(($# > 0 ? 1 : 0))
array=$(sbatch --parsable --array=0-$((SHARDS - 1)) --export=ALL "$here/shards.sbatch" \
    "$verb" "$scenario" "$@")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" --export=ALL "$here/merge.sbatch")
echo "shards: job $array (array 0-$((SHARDS - 1))); merge: job ${merge%%;*} -> $OUTDIR/report.json"
