#!/usr/bin/env bash
# A sweep as a Slurm array: one `npx run benchmark --shard auto/N` task per GPU, then `npx run merge` once
# every task has succeeded. From the repository root, on the login node (paths must be on a shared filesystem):
#
#   SHARDS=8 CHECKPOINTS=/shared/series DATASET=/shared/items.jsonl RUN_DIR=/shared/runs/sweep \
#     bash docs/distributed/slurm-sweep.sh
#
# A task that died (node failure, preemption) leaves the merge waiting forever (afterok): rerun that index,
# which resumes from its own store, then merge by hand:
#   sbatch --array=3 --gres=gpu:1 docs/distributed/slurm-sweep.sh shard && npx run merge "$RUN_DIR"
#SBATCH --job-name=cpi-sweep
#SBATCH --cpus-per-task=8
#SBATCH --mem=64G
#SBATCH --time=08:00:00
#SBATCH --requeue
#SBATCH --output=slurm-%x-%A_%a.out
set -euo pipefail

SHARDS=${SHARDS:-4}
CHECKPOINTS=${CHECKPOINTS:?set CHECKPOINTS to the series folder}
DATASET=${DATASET:?set DATASET to the items (.jsonl file or folder)}
RUN_DIR=${RUN_DIR:?set RUN_DIR to the shared run folder}
export SHARDS CHECKPOINTS DATASET RUN_DIR

case "${1:-submit}" in
  submit)
    # The array of shards (SLURM_ARRAY_TASK_ID gives each its index; --shard auto/N counts from the array's minimum)...
    array=$(sbatch --parsable --export=ALL --array=0-$((SHARDS - 1)) --gres=gpu:1 "$0" shard)
    # ...and the merge, which runs only when every shard exited 0. It needs no GPU.
    sbatch --parsable --export=ALL --dependency=afterok:"${array%%;*}" --job-name=cpi-merge --cpus-per-task=2 "$0" merge
    ;;
  shard)
    exec npx run benchmark --checkpoints "$CHECKPOINTS" --dataset "$DATASET" --out "$RUN_DIR" \
      --shard "auto/$SHARDS" --device cuda --json
    ;;
  merge)
    # Exit 1 with the missing cells listed when a shard's work is not all there; else the report.
    exec npx run merge "$RUN_DIR"
    ;;
  *)
    echo "usage: $0 [submit|shard|merge]" >&2
    exit 2
    ;;
esac
