#!/usr/bin/env bash
# Set up (first run only, Chromium included) and run the whole test suite, browser tests too.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --browser
exec .venv/bin/python -m pytest "$@"
