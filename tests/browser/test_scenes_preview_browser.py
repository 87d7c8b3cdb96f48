"""The Scenes page in a real Chromium with real-size landscape screenshots: nothing overlaps."""

from __future__ import annotations

from tests.browser.server import shot, wait_idle
from tests.browser.test_analysis_map_browser import delivery_project


def test_a_landscape_preview_leaves_the_frame_text_readable(page, dashboard, tmp_path):
    project = delivery_project(dashboard, tmp_path, name="Preview", width=1300, height=662)
    page.goto(f"{dashboard.url}/?project={project.id}")
    page.wait_for_selector('h1:has-text("Scenes")', timeout=120_000)
    wait_idle(page)
    text = page.locator('[data-testid="stMarkdownContainer"]', has_text="Frame 1 of 4").first
    text.scroll_into_view_if_needed()
    image = page.locator('[data-testid="stImage"]', has_text="ortho.png").first
    image_box, text_box = image.locator("img").bounding_box(), text.bounding_box()
    shot(page, "scenes-real-size")
    assert image_box["x"] + image_box["width"] <= text_box["x"] + 1, (image_box, text_box)  # side by side
    assert image_box["width"] > 300  # and not shrunk to a stamp
