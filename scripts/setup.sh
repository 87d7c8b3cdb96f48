#!/usr/bin/env bash
# Idempotent set-up: a virtual environment with everything pinned in requirements*.txt,
# SAM2 without its optional CUDA extension, and (with --browser) Debian's Chromium for
# the browser tests. Re-running is quick: a stamp records what was installed.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=".venv/.installed-$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip setuptools wheel
  .venv/bin/pip install --quiet torch==2.14.1 torchvision==0.29.1
  # sam2 builds against the torch just installed (no isolated build env, no CUDA extension).
  SAM2_BUILD_CUDA=0 .venv/bin/pip install --quiet --no-build-isolation sam2==1.1.0
  .venv/bin/pip install --quiet -r requirements-dev.txt
  touch "$stamp"
fi

if [ "${1:-}" = "--browser" ] && [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq chromium >/dev/null
fi
