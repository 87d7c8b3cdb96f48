#!/usr/bin/env bash
# Set up (first run only, Chromium included), lint with ruff (ruff.toml), then run the whole
# test suite, browser tests too. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --browser
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
