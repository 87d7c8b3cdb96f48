"""A real dashboard server and a real Chromium for the browser tests (import these fixtures).

``dashboard`` starts ``streamlit run app.py`` on a free port with its projects and
sample folders in a temporary directory (the sample is generated before the server
starts, and no SAM2 checkpoint is visible, so the baseline engine runs), waits for
``/_stcore/health`` and stops the server at the end of the session. ``browser`` is
Debian's Chromium driven by Playwright (one per test module); ``page`` a fresh tab per test.

Use in a test module::

    from tests.browser.server import browser, dashboard, page, shot, wait_idle  # noqa: F401
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
from typing import Callable

import pytest

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


# Test modules import these fixtures, so pytest may set up a session fixture once per module:
# the server and the browser are made once per process and shared, and stopped after the last user.
_SHARED: dict[str, list] = {}


@contextmanager
def _shared(name: str, make: Callable[[], tuple[object, Callable[[], None]]]):
    if name not in _SHARED:
        value, close = make()
        _SHARED[name] = [value, 0, close]
    entry = _SHARED[name]
    entry[1] += 1
    try:
        yield entry[0]
    finally:
        entry[1] -= 1
        if entry[1] == 0:
            del _SHARED[name]
            entry[2]()


def _start_dashboard(base: Path) -> tuple[Dashboard, Callable[[], None]]:
    from tracking.sample.series import ensure_sample

    projects, sample, weights = base / "projects", base / "sample", base / "no-weights"
    weights.mkdir()
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

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
    except BaseException:
        stop()
        raise
    return Dashboard(url, projects, sample, log), stop


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory) -> Dashboard:
    """The dashboard served from this checkout, with its own projects and sample folders."""
    with _shared("dashboard", lambda: _start_dashboard(tmp_path_factory.mktemp("dashboard"))) as served:
        yield served


def _start_browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's Chromium is needed at /usr/bin/chromium"
    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    except BaseException:
        pw.stop()
        raise

    def close() -> None:
        chromium.close()
        pw.stop()

    return chromium, close


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module (Playwright's sync API allows one driver at a time, and other
    modules may start their own)."""
    with _shared("browser", _start_browser) as chromium:
        yield chromium


@pytest.fixture
def page(browser):
    """A new tab (own cookies and storage) 1400 x 1000 pixels; closed after the test."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


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
