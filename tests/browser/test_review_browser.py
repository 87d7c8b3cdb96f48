"""Review, Analysis and Export in a real Chromium, on the sample with a tracked project.

Correct one frame with a click on the canvas, see the area chart and the map
(with every request that would leave the machine refused, and none attempted),
and download the GeoPackage through its button. Screenshots go to
test-results/screenshots/.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

import numpy as np
import pytest

from tests.browser.server import browser, dashboard, goto_page, page, shot, wait_idle  # noqa: F401
from tracking import corrections, workflow
from tracking.canvas_geometry import canvas_size
from tracking.project import Project
from tracking.track import Provenance
from tracking.ui import review

pytestmark = pytest.mark.browser
LOCAL = ("127.0.0.1", "localhost")


@pytest.fixture(scope="module")
def tracked(dashboard):
    """A project in the dashboard's folder: the sample, its first-date box prompt, a baseline track."""
    from tracking.sample import ensure_sample

    os.environ["LANDSLIDE_SAMPLE_DIR"] = str(dashboard.sample_dir)  # what the server uses too
    sample = ensure_sample(dashboard.sample_dir)
    project = Project.create(dashboard.projects_dir, name="Browser review")
    workflow.load_sample(project)
    workflow.prompts_from_file(project, sample.prompt_box_path)
    result = workflow.run_tracking(project, engine_kind="baseline")
    assert result.completed
    return Project.open(dashboard.projects_dir, project.id)


@pytest.fixture
def offline(page):
    """Refuse every request that would leave this machine; the list of those attempted."""
    attempted: list[str] = []

    def route(r):
        host = urlparse(r.request.url).hostname or ""
        if r.request.url.startswith(("data:", "blob:", "about:")) or host in LOCAL:
            r.continue_()
        else:
            attempted.append(r.request.url)
            r.abort()

    page.context.route("**/*", route)
    return attempted


def canvas_point(frames, mask: np.ndarray) -> tuple[float, float]:
    """Canvas pixel of a point well inside ``mask`` (the pixel farthest from its edge)."""
    from scipy import ndimage

    dist = ndimage.distance_transform_edt(mask)
    y, x = np.unravel_index(np.argmax(dist), dist.shape)
    w, h = canvas_size(frames.shape, *review.VIEW_SIZES["medium"])
    return (x + 0.5) * w / frames.shape[1], (y + 0.5) * h / frames.shape[0]


def test_correct_then_analyse_then_download(dashboard, tracked, page, offline, tmp_path):
    import geopandas as gpd

    page.goto(f"{dashboard.url}/?project={tracked.id}")
    wait_idle(page)
    goto_page(page, "Review and correct")
    frames, track = tracked.load_frames(), tracked.load_track()
    frame = corrections.review_order(track)[0]
    assert page.get_by_text(f"This date · {frames.dates[frame].isoformat()}").is_visible()
    shot(page, "review-1-before")

    # one positive click inside the scar on the canvas corrects that date
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for()
    x, y = canvas_point(frames, track.union(frame))
    canvas.click(position={"x": x, "y": y})
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stMarkdownContainer\"]')]"
        ".some(e => e.innerText.includes('corrected'))", timeout=120_000)
    wait_idle(page)
    shot(page, "review-2-corrected")
    saved = Project.open(dashboard.projects_dir, tracked.id)
    assert saved.load_track().objects[1].provenance[frame] == Provenance.CORRECTED
    prompts = saved.load_prompts()
    assert prompts[-1].frame == frame and prompts[-1].labels.tolist() == [1]
    # the click refined the scar the analyst saw instead of starting over from one point
    before, after = track.union(frame), saved.load_track().union(frame)
    assert (before & after).sum() / (before | after).sum() > 0.7

    # the area chart (Plotly draws SVG) and the offline map
    goto_page(page, "Analysis")
    page.locator(".js-plotly-plot svg.main-svg").first.wait_for()
    assert page.locator(".js-plotly-plot").count() >= 4
    fmap = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
    fmap.locator(".leaflet-container").wait_for()
    fmap.locator("img.leaflet-image-layer").first.wait_for()
    fmap.locator("path.leaflet-interactive").first.wait_for()  # the dated outlines
    assert fmap.locator(".leaflet-control-layers").count() == 1
    page.locator('iframe[title="streamlit_folium.st_folium"]').scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    shot(page, "analysis")

    # the GeoPackage through its download button
    goto_page(page, "Export and report")
    button = page.get_by_role("button", name="GeoPackage")
    button.wait_for(timeout=120_000)
    shot(page, "export")
    with page.expect_download() as info:
        button.click()
    path = tmp_path / "scars.gpkg"
    info.value.save_as(path)
    gdf = gpd.read_file(path, layer="scars")
    assert len(gdf) == len(frames) and gdf["date"].nunique() == len(frames)
    assert gdf.crs.to_epsg() == 32648
    assert (gdf.sort_values("date")["provenance"] == "corrected").sum() == 1

    hint = (" (a ':material/…:' page_icon makes Streamlit fetch the favicon from fonts.gstatic.com; "
            "give set_page_config an emoji or an image file instead)") if any("fonts.gstatic" in u for u in offline) else ""
    assert offline == [], f"requests tried to leave the machine: {sorted(set(offline))[:5]}{hint}"
