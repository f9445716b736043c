#!/usr/bin/env bash
# Set up, then run normdesk's main job on the bundled sample: detect the columns, normalize the file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
mkdir -p out
normdesk detect resources/sample_contacts.csv
normdesk run resources/sample_contacts.csv -o out/sample_contacts.normalized.csv --save-plan out/sample_plan.json
echo
echo "First rows of out/sample_contacts.normalized.csv:"
head -n 4 out/sample_contacts.normalized.csv
