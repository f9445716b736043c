#!/usr/bin/env bash
# Set up, then run the layering contracts and the test suite (soak and benchmark runs excluded:
# `python -m pytest -m soak` and `python -m pytest -m bench` start those).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
export QT_QPA_PLATFORM=offscreen
lint-imports
python -m pytest "$@"
