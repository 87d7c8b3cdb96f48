#!/usr/bin/env bash
# Set up (first run only) and start the dashboard on the built-in sample series.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/streamlit run app.py "$@"
