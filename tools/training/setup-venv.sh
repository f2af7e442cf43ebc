#!/usr/bin/env bash
# Creates (or reuses) the Python virtual environment of tools/training and prints its python's path as the last line.
#
#   RECSYS_TRAINING_VENV     where the venv lives (default: $HOME/.cache/recsys/training-venv)
#   RECSYS_TRAINING_PYTHON   the interpreter that creates it (default: python3.11, else python3)
#
# The venv is reused when its stamp file holds the sha256 of requirements.txt and of the interpreter's version;
# otherwise it is recreated and requirements.txt installed (quietly, through pip's cache). The stamp is written
# last, so an interrupted install is redone on the next run. A lock file serialises concurrent runs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${RECSYS_TRAINING_VENV:-$HOME/.cache/recsys/training-venv}"
base_python="${RECSYS_TRAINING_PYTHON:-$(command -v python3.11 || command -v python3)}"
requirements="$here/requirements.txt"
stamp="$venv/.recsys-requirements.sha256"

want="$({ sha256sum <"$requirements"; "$base_python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"

mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9

if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "$venv/bin/python"
  exit 0
fi

if [[ -e "$venv" ]]; then
  # Only ever delete something that is a virtual environment.
  if [[ ! -f "$venv/pyvenv.cfg" ]]; then
    echo "setup-venv: $venv exists and is not a virtual environment; set RECSYS_TRAINING_VENV elsewhere" >&2
    exit 1
  fi
  echo "setup-venv: $venv does not match requirements.txt (changed, or an earlier install did not finish); recreating it" >&2
  rm -rf "$venv"
fi

echo "setup-venv: creating $venv with $base_python and installing requirements.txt (the first run downloads torch)" >&2
"$base_python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
echo "$want" >"$stamp"
echo "$venv/bin/python"
