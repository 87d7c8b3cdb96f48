"""Steps of the dashboard flow in a real browser, shared by the browser tests."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from tests.browser.server import goto_page, shot, wait_idle


def project_id(page) -> str:
    """The project id in the page's URL."""
    return parse_qs(urlparse(page.url).query)["project"][0]


def open_sample(page, dashboard) -> str:
    """First visit: the app creates a project with the sample; returns its id."""
    page.goto(dashboard.url)
    page.wait_for_selector('h3:has-text("Timeline: 14 dates")', timeout=120_000)
    wait_idle(page)
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stDataFrame\"] canvas').length > 0")
    return project_id(page)


def canvas_box(page):
    """The bounding box of the drawing canvas (Fabric's upper canvas, which gets the mouse)."""
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(state="visible")
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # the background image loads asynchronously
    return canvas.bounding_box()


def draw_box(page, fx0: float, fy0: float, fx1: float, fy1: float) -> None:
    """Drag a box on the canvas between two points given as fractions of its width and height."""
    box = canvas_box(page)
    x0, y0 = box["x"] + fx0 * box["width"], box["y"] + fy0 * box["height"]
    x1, y1 = box["x"] + fx1 * box["width"], box["y"] + fy1 * box["height"]
    page.mouse.move(x0, y0)
    page.mouse.down()
    for k in range(1, 11):
        page.mouse.move(x0 + (x1 - x0) * k / 10, y0 + (y1 - y0) * k / 10)
    page.mouse.up()


def choose_radio(page, label: str) -> None:
    page.locator('[data-testid="stRadio"] label', has_text=label).first.click()
    wait_idle(page)


def draw_and_save_box(page, fractions=(0.27, 0.30, 0.44, 0.42), name: str | None = None) -> None:
    """On the Prompt page: pick the box tool, drag a box, save it."""
    goto_page(page, "Prompt")
    choose_radio(page, "Box")
    draw_box(page, *fractions)
    page.wait_for_selector('text="On the canvas: 1 box."', timeout=60_000)
    wait_idle(page)
    if name:
        shot(page, name)
    page.get_by_role("button", name="Save prompt").click()
    page.wait_for_selector("text=Saved: a box on", timeout=60_000)
    wait_idle(page)


def track_with_baseline(page, name: str | None = None) -> None:
    """On the Track page: choose the baseline engine and run it to the end."""
    goto_page(page, "Track")
    choose_radio(page, "Baseline (no weights)")
    page.get_by_role("button", name="Track", exact=True).click()
    page.wait_for_selector('[data-testid="stMetricLabel"]:has-text("Frames tracked")', timeout=180_000)
    wait_idle(page, timeout=180)
    if name:
        shot(page, name)
