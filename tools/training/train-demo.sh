#!/usr/bin/env bash
# Trains the committed demo ranking model (`npm run train:ranker`): exports the demo world's training set with the
# CLI (the feature code the services run, point in time), then trains the demo's multi-task model on it in the
# cached Python environment and publishes it into the model store (default: models/, what `npm start` serves).
# The same command gives the same files: the world, the export, the split and the training are seeded, and the
# version is named by the data's last row, the seed and a hash of the data and options (an identical version is
# left alone).
#
#   bash tools/training/train-demo.sh [STORE]      STORE: model store directory (default: models)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
store="$(cd "$root" && mkdir -p "${1:-models}" && cd "${1:-models}" && pwd)"
python="$(bash "$root/tools/training/setup-venv.sh" | tail -n 1)"
set="$root/tmp/training-sets/demo"

cd "$root"
[ -f dist/tools/cli/main.js ] || node tools/build/build.mjs tools/cli
node dist/tools/cli/main.js export-training-set --out "$set" --force
cd tools/training
# The demo model: MMoE, 8 experts of 64 units (docs/benchmarks.md, "On the demo world": the architectures on one
# split), on 13 of the set's 20 inputs: the 6 item features the logistic model reads and the user's features — the 7
# other item features score the same AUC and cost every Recommend their columns for ~1,500 candidates.
inputs=item_ctr_smoothed,item_save_rate_smoothed,item_log1p_impressions,user_topic_affinity,creator_ctr_smoothed
inputs+=,item_log1p_age_hours,item_quality,user_ctr_smoothed,user_save_rate_smoothed,user_ctr_24h_smoothed
inputs+=,user_dwell_ms_mean,user_hours_since_engaged,user_account_age_days
"$python" -m recsys_training.train_ranker --data "$set" --out "$store" --model mmoe --experts 8 --expert 64 --epochs 12 --seed 7 \
  --features "$inputs"
