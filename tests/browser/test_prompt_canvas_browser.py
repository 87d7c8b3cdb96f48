"""The prompt canvas in a real Chromium: a wide real-size frame fits its column, zoomed or not."""

from __future__ import annotations

from tests.browser.server import goto_page, shot, wait_idle
from tests.browser.test_analysis_map_browser import delivery_project

_FIT_JS = """(canvas) => {
    let column = canvas;  // climb out of the component's shadow root to its page column
    while (column && !(column.dataset && column.dataset.testid === 'stColumn'))
        column = column.parentElement || (column.getRootNode() && column.getRootNode().host);
    const c = canvas.getBoundingClientRect(), col = column.getBoundingClientRect();
    return {canvas_right: c.right, column_right: col.right, canvas_width: c.width, column_width: col.width};
}"""


def _fit(page) -> dict:
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for()
    page.wait_for_timeout(500)
    return canvas.evaluate(_FIT_JS)


def test_wide_real_size_frame_fits_the_prompt_column(page, dashboard, tmp_path):
    project = delivery_project(dashboard, tmp_path, name="Canvas fit", width=1300, height=662)
    page.goto(f"{dashboard.url}/?project={project.id}")
    page.wait_for_selector('h1:has-text("Scenes")', timeout=120_000)
    wait_idle(page)
    goto_page(page, "Prompt")
    fit = _fit(page)
    shot(page, "prompt-real-size")
    # nothing of the image is cut off at the column's edge, and the canvas uses the column
    assert fit["canvas_right"] <= fit["column_right"] + 1, fit
    assert fit["canvas_width"] >= 0.85 * fit["column_width"], fit
    page.locator('[data-testid="stSelectbox"]', has_text="Zoom").click()
    page.get_by_role("option", name="2x").click()
    wait_idle(page)
    fit = _fit(page)
    assert fit["canvas_right"] <= fit["column_right"] + 1, fit
    shot(page, "prompt-real-size-zoomed")
