"""A fresh server whose first request is a page's own URL (a refresh after a restart) still runs app.py."""

from __future__ import annotations

from tests.browser.server import served_dashboard, shot, wait_idle
from tests.browser.test_analysis_map_browser import delivery_project


def test_a_page_url_first_keeps_the_apps_navigation_and_sidebar(browser, tmp_path):
    with served_dashboard(tmp_path / "fresh") as fresh:  # its own server: no request has reached it yet
        project = delivery_project(fresh, tmp_path / "d", width=260, height=132)
        for attempt in range(2):  # the first session, and the next one on the same server
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            page.goto(f"{fresh.url}/analysis?project={project.id}")
            page.wait_for_selector('h1:has-text("Analysis")', timeout=120_000)
            wait_idle(page)
            nav = [t.split("\n")[-1] for t in page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()]
            if attempt == 0:
                shot(page, "page-url-first")
            assert nav == ["Scenes", "Prompt", "Track", "Review and correct", "Analysis", "Export and report"], nav
            assert page.locator('[data-testid="stSidebar"]', has_text="Scenes: 4 frames").count() == 1
            page.context.close()
