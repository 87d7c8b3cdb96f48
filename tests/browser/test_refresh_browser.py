"""A browser refresh, or the same link opened in a new window, brings back the same project and work.

The work (sample, box prompt, baseline track) is made through ``tracking.project.workflow``
here; that the pages save what an analyst does in the browser is shown by the
whole-flow test in test_flow_browser.py.
"""

from __future__ import annotations

from tests.browser.flow_steps import project_id, tracked_sample_project
from tests.browser.server import goto_page, shot, wait_idle


def _projects(dashboard) -> set[str]:
    return {p.name for p in dashboard.projects_dir.iterdir() if p.is_dir() and not p.name.startswith(".")}


def test_refresh_keeps_the_project_prompt_and_track(page, browser, dashboard):
    pid = tracked_sample_project(dashboard, name="Refresh").id
    page.goto(f"{dashboard.url}/?project={pid}")
    wait_idle(page)
    goto_page(page, "Track")
    page.wait_for_selector('[data-testid="stMetricLabel"]:has-text("Frames tracked")', timeout=60_000)
    before = _projects(dashboard)
    url = page.url
    assert "/track" in url and project_id(page) == pid

    page.reload()
    page.wait_for_selector('[data-testid="stMetricLabel"]:has-text("Frames tracked")', timeout=60_000)
    wait_idle(page)
    shot(page, "refresh-1-track-after-reload")
    assert project_id(page) == pid and _projects(dashboard) == before  # no new project was made
    assert page.locator("text=Track: up to date").count() == 1
    assert page.locator("text=14 of 14").count() == 1

    goto_page(page, "Prompt")
    assert project_id(page) == pid
    page.wait_for_selector("text=Saved: a box on", timeout=60_000)
    shot(page, "refresh-2-prompt-after-reload")

    # The same link in a fresh window (no browser session at all) opens the same work.
    other = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        tab = other.new_page()
        tab.goto(url)
        tab.wait_for_selector('[data-testid="stMetricLabel"]:has-text("Frames tracked")', timeout=60_000)
        wait_idle(tab)
        assert project_id(tab) == pid and _projects(dashboard) == before
        assert tab.locator("text=Prompt: saved").count() == 1
        assert tab.locator("text=Track: up to date").count() == 1
    finally:
        other.close()
