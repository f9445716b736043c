#!/usr/bin/env bash
# Set up a development environment in .venv (idempotent): Python deps, and the few system
# libraries Qt needs to run offscreen when they are missing (Debian/Ubuntu, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
. .venv/bin/activate
stamp=.venv/.normdesk-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    python -m pip install --quiet --upgrade pip
    python -m pip install --quiet -e ".[dev]"
    touch "$stamp"
fi
if ! QT_QPA_PLATFORM=offscreen python -c "from PySide6.QtWidgets import QApplication; QApplication([])" >/dev/null 2>&1; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        echo "setup: installing the system libraries Qt needs" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 \
            libfontconfig1 libdbus-1-3 fonts-dejavu-core libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 >/dev/null
    else
        echo "setup: Qt cannot start offscreen; install libegl1 libgl1 libxkbcommon0 libfontconfig1" >&2
    fi
fi
