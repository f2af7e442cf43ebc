#!/usr/bin/env bash
# Runs the tests of tools/training; extra arguments go to pytest (e.g. --junitxml=tmp/pytest-results.xml).
#
#   RECSYS_TRAINING_PYTHON_BIN   a python with requirements.txt installed (default: the one setup-venv.sh prints)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${RECSYS_TRAINING_PYTHON_BIN:-$(bash "$here/setup-venv.sh" | tail -n 1)}"
exec "$python" -m pytest "$here" -q "$@"
