"""A real dashboard server and a real Chromium for the browser tests, and the waits they need.

``served_dashboard`` runs ``streamlit run app.py`` on a free port with its projects and
sample folders in a temporary directory (the sample is generated before the server
starts, and no SAM2 checkpoint is visible, so the baseline engine runs), waits for
``/_stcore/health`` and stops the server on leaving. ``chromium_browser`` is Debian's
Chromium driven by Playwright. The fixtures built on them (``dashboard`` once per session,
``browser`` per test module, ``page`` a fresh tab per test) are in tests/browser/conftest.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "test-results" / "screenshots"


@dataclass
class Dashboard:
    url: str
    projects_dir: Path
    sample_dir: Path
    log: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"streamlit did not become healthy in {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@contextmanager
def served_dashboard(base: Path) -> Iterator[Dashboard]:
    """The dashboard served from this checkout with its folders under ``base``; stopped on leaving."""
    from tracking.sample.series import ensure_sample

    projects, sample, weights = base / "projects", base / "sample", base / "no-weights"
    weights.mkdir(parents=True, exist_ok=True)
    ensure_sample(sample)  # generated once here, so the first page load only copies it
    port = _free_port()
    env = {**os.environ, "LANDSLIDE_PROJECTS_DIR": str(projects), "LANDSLIDE_SAMPLE_DIR": str(sample),
           "LANDSLIDE_SAM2_DIR": str(weights), "LANDSLIDE_OFFLINE": "1"}
    env.pop("SAM2_CHECKPOINT", None)
    log = base / "streamlit.log"
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, proc, log)
        yield Dashboard(url, projects, sample, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@contextmanager
def chromium_browser():
    """Debian's Chromium under Playwright's sync API (one driver at a time); closed on leaving."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's Chromium is needed at /usr/bin/chromium"
    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        pw.stop()


# The app is idle when no script runs (the app's own flag, the "Running..." status widget, no
# spinner) and no element is left over from the previous run (Streamlit keeps the last run's
# elements on screen, marked stale, until the new run has replaced or dropped them).
_IDLE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const idle = !!app && app.dataset.testScriptState === 'notRunning'
        && !document.querySelector('[data-testid="stStatusWidgetRunningIcon"], [data-testid="stSpinner"], '
                                   + '[data-stale="true"]');
    const now = performance.now();
    if (!idle) { window.__idleSince = null; return false; }
    if (window.__idleSince == null) window.__idleSince = now;
    return now - window.__idleSince >= %d;
}"""


def wait_idle(page, timeout: float = 120.0, quiet_ms: int = 600) -> None:
    """Wait until the app has been idle for ``quiet_ms`` in a row.

    Idle: no script run, no "Running…" status, no spinner and no stale element.
    The quiet spell covers the rerun that an action (or a freshly mounted
    component sending its first value) starts a moment later.
    """
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout * 1000)
    page.evaluate("() => { window.__idleSince = null; }")
    page.wait_for_function(_IDLE_JS % quiet_ms, timeout=timeout * 1000, polling=100)


def shot(page, name: str, idle: bool = True, full: bool = True) -> Path:
    """A screenshot of the whole app under test-results/screenshots/.

    By default the app is first left to become idle (no run going, no stale
    elements of the previous run), so the picture shows what the analyst ends
    up with; ``idle=False`` takes it at once (e.g. of a progress bar).
    Streamlit scrolls inside its main area, so for a ``full`` picture the window
    is made as tall as the content (at most 4000 px) and restored afterwards;
    ``full=False`` takes only the window, quickly.
    """
    if idle:
        wait_idle(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.mouse.move(1, 1)  # no tooltip left hovering in the picture
    if not full:
        page.screenshot(path=str(path))
        return path
    size = page.viewport_size
    height = page.evaluate("() => Math.max(0, ...Array.from(document.querySelectorAll("
                           "'[data-testid=\"stMain\"], [data-testid=\"stMain\"] > div')).map(e => e.scrollHeight))")
    page.set_viewport_size({"width": size["width"], "height": int(min(max(height, size["height"]), 4000))})
    page.wait_for_timeout(400)
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
    return path


def goto_page(page, title: str) -> None:
    """Open a page through the sidebar navigation (the project stays in the URL)."""
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    page.wait_for_selector(f'h1:has-text("{title}")')
    wait_idle(page)
