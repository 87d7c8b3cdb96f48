#!/usr/bin/env bash
# Set up (first run only) and start the dashboard on the built-in sample series.
# Hosted demo: LANDSLIDE_HOSTED=1 scripts/dashboard.sh (see landslide.example.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# Streamlit's own upload cap (server.maxUploadSize) follows the project's upload limit:
# its upload endpoint checks nothing else (tracking/core/settings.py, streamlit_flags).
flags=$(.venv/bin/python -m tracking.core.settings)
read -r -a server_flags <<< "$flags"
# Development: LANDSLIDE_DEV=1 watches the source files and reruns on save (.streamlit/config.toml
# turns the watcher off, since it walks .venv and projects/ too).
if [[ "${LANDSLIDE_DEV:-}" == "1" ]]; then
  server_flags+=(--server.fileWatcherType auto --server.runOnSave true)
fi
exec .venv/bin/streamlit run app.py "${server_flags[@]}" "$@"
