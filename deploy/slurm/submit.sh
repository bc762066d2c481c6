#!/bin/bash
# Submits SHARDS shard tasks as a job array and a merge job that runs after all succeed.
#   deploy/slurm/submit.sh SCENARIO SHARDS OUTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export SCENARIO=$(realpath "$1") SHARDS=$2 OUTDIR=$(realpath -m "$3")
array=$(sbatch --parsable --array=0-$((SHARDS - 1)) --export=ALL "$here/shards.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" --export=ALL "$here/merge.sbatch")
echo "shards: job $array (array 0-$((SHARDS - 1))); merge: job ${merge%%;*} -> $OUTDIR/report.json"
