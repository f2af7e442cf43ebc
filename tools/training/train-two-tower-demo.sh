#!/usr/bin/env bash
# Trains the committed demo two-tower model (`npm run train:two-tower`): exports the demo world's two-tower training
# set with the CLI (positive pairs with the tower inputs as of each impression, the feature code the services run),
# then trains the two-tower model on it in the cached Python environment and publishes it into the model store
# (default: models/, what `npm start` pre-ranks and recalls with). Seeded throughout: the same command gives the same
# files, and an identical existing version is left alone.
#
#   bash tools/training/train-two-tower-demo.sh [STORE]      STORE: model store directory (default: models)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
store="$(cd "$root" && mkdir -p "${1:-models}" && cd "${1:-models}" && pwd)"
python="$(bash "$root/tools/training/setup-venv.sh" | tail -n 1)"
set="$root/tmp/training-sets/two-tower"

cd "$root"
[ -f dist/tools/cli/main.js ] || node tools/build/build.mjs tools/cli
node dist/tools/cli/main.js export-training-set --two-tower --out "$set" --force
cd tools/training
# The demo model: towers of one 64-unit hidden layer, 32-d unit embeddings, temperature 0.05, batches of 256 pairs
# (the in-batch negatives), early stopping on the validation block AUC (docs/benchmarks.md, "Two-tower").
"$python" -m recsys_training.train_two_tower --data "$set" --out "$store" --name recall/two-tower --seed 7
