"""The Analysis map in a real Chromium: it survives reruns and shows the whole scene."""

from __future__ import annotations

from pathlib import Path

from tests.browser.flow_steps import tracked_sample_project
from tests.browser.server import goto_page, shot, wait_idle
from tracking.core.prompts import Prompt
from tracking.project import workflow
from tracking.project.folder import Project
from tracking.project.runs import run_tracking
from tracking.project.uploads import add_uploads
from tracking.sample.delivery import write_delivery

MAP = 'iframe[title="streamlit_folium.st_folium"]'


def delivery_project(dashboard, work: Path, name: str = "Delivery", width: int = 1300, height: int = 662,
                     georef=None):
    """A tracked project of plain PNG screenshots (no georeferencing, month names), made as the pages do;
    ``georef`` (a Georeference) places them on the ground."""
    import dataclasses

    delivery = write_delivery(work, width=width, height=height, n_images=4)
    project = Project.create(dashboard.projects_dir, name=name)
    saved, refused = add_uploads(project, [(p.name, p.read_bytes()) for p in delivery.paths])
    assert saved and not refused, refused
    workflow.rebuild_frames(project, dataclasses.replace(workflow.frame_options(project), georef=georef))
    workflow.set_prompts(project, [Prompt(0, 1, box=list(delivery.box))])
    assert run_tracking(project, engine_kind="baseline").completed
    return Project.open(dashboard.projects_dir, project.id)


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
    page.goto(f"{dashboard.url}/?project={project.id}")
    page.wait_for_selector('h1:has-text("Scenes")', timeout=120_000)
    wait_idle(page)
    goto_page(page, "Analysis")
    _map_alive(page)
    return errors


def test_map_survives_the_compare_slider_and_the_reference_buttons(page, dashboard, tmp_path):
    project = tracked_sample_project(dashboard, name="Map stays")
    errors = _open_analysis(page, dashboard, project)
    # move the compare slider's left thumb one date to the right (a rerun of the page)
    thumb = page.locator('[data-testid="stSlider"] input').first  # the left thumb (a range input)
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


def test_pixel_grid_map_shows_the_whole_scene_and_can_zoom_out(page, dashboard, tmp_path):
    project = delivery_project(dashboard, tmp_path, name="Map zoom")
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
    assert all(fits[:4]) and fits[4] > 300, fits  # the whole scene, and not as a postage stamp
    shot(page, "analysis-map-pixel-grid")


def test_utm_map_has_a_scale_bar(page, dashboard):
    project = tracked_sample_project(dashboard, name="Map scale")
    _open_analysis(page, dashboard, project)
    page.frame_locator(MAP).first.locator(".leaflet-control-scale").wait_for()


def test_a_ground_pixel_size_gives_the_pixel_grid_map_a_scale_bar(page, dashboard, tmp_path):
    from tracking.ingest.georef import Georeference

    project = delivery_project(dashboard, tmp_path, name="Map metres", width=650, height=331,
                               georef=Georeference(pixel_size_m=2.0))
    _open_analysis(page, dashboard, project)
    inner = page.frame_locator(MAP).first
    inner.locator(".leaflet-control-scale").wait_for()  # metres from the pixel size, no CRS needed
    assert "m" in inner.locator(".leaflet-control-scale-line").first.inner_text()
