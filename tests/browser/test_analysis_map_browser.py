"""The Analysis map in a real Chromium: it survives reruns and shows the whole scene."""

from __future__ import annotations

from tests.browser.flow_steps import tracked_sample_project
from tests.browser.server import shot, wait_idle

MAP = 'iframe[title="streamlit_folium.st_folium"]'


def _map_alive(page) -> None:
    """The map's iframe has a height and its Leaflet map shows the scene overlay and outlines."""
    frame = page.locator(MAP).first
    frame.wait_for()
    page.wait_for_function(
        f"() => {{ const f = document.querySelector('{MAP}'); return f && f.getBoundingClientRect().height > 100; }}",
        timeout=30_000)
    inner = page.frame_locator(MAP).first
    inner.locator("img.leaflet-image-layer").first.wait_for(state="visible", timeout=30_000)
    inner.locator("path.leaflet-interactive").first.wait_for(timeout=30_000)


def _open_analysis(page, dashboard, project) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{dashboard.url}/analysis?project={project.id}")
    page.wait_for_selector('h1:has-text("Analysis")', timeout=120_000)
    wait_idle(page)
    _map_alive(page)
    return errors


def test_map_survives_the_compare_slider_and_the_reference_buttons(page, dashboard):
    project = tracked_sample_project(dashboard, name="Map stays")
    errors = _open_analysis(page, dashboard, project)
    # move the compare slider's left thumb one date to the right (a rerun of the page)
    thumb = page.locator('[data-testid="stSlider"] [role="slider"]').first
    thumb.focus()
    thumb.press("ArrowRight")
    wait_idle(page)
    _map_alive(page)
    page.get_by_role("button", name="Use the sample's true masks").click()
    wait_idle(page)
    page.get_by_role("button", name="Remove the reference").wait_for()
    _map_alive(page)
    page.locator(MAP).scroll_into_view_if_needed()
    shot(page, "analysis-map-after-reruns")
    assert not [e for e in errors if "is not defined" in e], errors


def test_pixel_grid_map_shows_the_whole_scene_and_can_zoom_out(page, dashboard):
    project = tracked_sample_project(dashboard, name="Map zoom")
    _open_analysis(page, dashboard, project)
    inner = page.frame_locator(MAP).first
    zoom_out = inner.locator("a.leaflet-control-zoom-out")
    assert "leaflet-disabled" not in (zoom_out.get_attribute("class") or "")  # not locked at its limit
    # the whole image fits in the map view
    fits = page.evaluate(f"""() => {{
        const doc = document.querySelector('{MAP}').contentDocument;
        const map = doc.querySelector('.leaflet-container').getBoundingClientRect();
        const img = doc.querySelector('img.leaflet-image-layer').getBoundingClientRect();
        return [img.left >= map.left - 1, img.right <= map.right + 1, img.top >= map.top - 1,
                img.bottom <= map.bottom + 1, img.width, img.height];
    }}""")
    assert all(fits[:4]) and fits[4] > 100, fits
    inner.locator(".leaflet-control-scale").wait_for()  # the sample is a UTM grid: a scale bar
