"""The server's Streamlit configuration as Streamlit resolves it in this checkout."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _option(name: str, flags: tuple[str, ...] = ()) -> str:
    out = subprocess.run([sys.executable, "-m", "streamlit", "config", "show", *flags], cwd=REPO,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    return re.search(rf"^{name} = (.+)$", out, re.M).group(1).strip().strip('"')


def test_file_watcher_is_off_outside_development():
    # The watcher walks the whole checkout (.venv, projects/): half a core idle on a real series.
    assert _option("fileWatcherType") == "none"
    assert _option("runOnSave") == "false"


def test_development_turns_the_watcher_back_on():
    script = (REPO / "scripts" / "dashboard.sh").read_text()
    assert 'LANDSLIDE_DEV' in script and "--server.fileWatcherType auto" in script
    assert _option("fileWatcherType", ("--server.fileWatcherType", "auto")) == "auto"
