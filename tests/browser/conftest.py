"""Fixtures of the browser tests: the served dashboard, Chromium, and a fresh tab per test.

Every test in this folder is marked ``browser`` (``-m "not browser"`` leaves them all out).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.server import Dashboard, chromium_browser, served_dashboard

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items) -> None:
    """Mark every test of tests/browser as a browser test."""
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory) -> Dashboard:
    """The dashboard served from this checkout, with its own projects and sample folders."""
    with served_dashboard(tmp_path_factory.mktemp("dashboard")) as served:
        yield served


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module (Playwright's sync API allows one driver at a time, and other
    modules may start their own)."""
    with chromium_browser() as chromium:
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
