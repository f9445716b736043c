#!/usr/bin/env bash
# Set up a development environment in .venv (idempotent): Python deps, and the few system
# libraries Qt needs when they are missing (Debian/Ubuntu, as root).
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
# Qt's offscreen platform needs a few system libraries; the frozen build also bundles the X11 ones.
missing=()
known=$(ldconfig -p 2>/dev/null || true)
for lib in libEGL.so.1 libGL.so.1 libxkbcommon.so.0 libfontconfig.so.1 libdbus-1.so.3 \
           libxcb-icccm.so.4 libxcb-keysyms.so.1 libxcb-cursor.so.0; do
    [[ "$known" == *"$lib"* ]] || missing+=("$lib")
done
if [ ${#missing[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        echo "setup: installing system libraries for Qt (${missing[*]})" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 \
            libfontconfig1 libdbus-1-3 fonts-dejavu-core libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 >/dev/null
    else
        echo "setup: missing system libraries for Qt: ${missing[*]} (Debian: libegl1 libgl1 libxkbcommon0" \
             "libfontconfig1 libdbus-1-3 libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0)" >&2
    fi
fi
# The quality report's browser test renders the HTML in headless Chromium (skipped without it).
if ! command -v chromium >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "setup: installing chromium (headless, for the quality report's browser test)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
