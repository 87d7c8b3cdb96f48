"""Steps of the dashboard flow in a real browser, shared by the browser tests."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np

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


# -- the rest of the flow: Review, Analysis, Export ---------------------------------------
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def refuse_outside_requests(page) -> list[str]:
    """Refuse every request of ``page``'s context that would leave this machine.

    Returns the list the refused URLs are appended to (it should stay empty: maps
    and icons are served by the dashboard itself). Call before the first ``goto``.
    """
    attempted: list[str] = []

    def route(r):
        host = urlparse(r.request.url).hostname or ""
        if r.request.url.startswith(("data:", "blob:", "about:")) or host in LOCAL_HOSTS:
            r.continue_()
        else:
            attempted.append(r.request.url)
            r.abort()

    page.context.route("**/*", route)
    return attempted


def outside_requests_message(attempted: list[str]) -> str:
    """The assertion message for requests that tried to leave the machine (with the usual culprit)."""
    hint = (" (a ':material/…:' page_icon makes Streamlit fetch the favicon from fonts.gstatic.com; "
            "give set_page_config an emoji or an image file instead)") if any("fonts.gstatic" in u
                                                                             for u in attempted) else ""
    return f"requests tried to leave the machine: {sorted(set(attempted))[:5]}{hint}"


def canvas_point(frames, mask: np.ndarray, view: str = "medium") -> tuple[float, float]:
    """Position on the Review canvas (CSS pixels from its top left) of the point deepest inside ``mask``."""
    from scipy import ndimage

    from tracking.render.canvas_geometry import canvas_size
    from tracking.ui import review

    dist = ndimage.distance_transform_edt(mask)
    y, x = np.unravel_index(np.argmax(dist), dist.shape)
    w, h = canvas_size(frames.shape, *review.VIEW_SIZES[view])
    return (x + 0.5) * w / frames.shape[1], (y + 0.5) * h / frames.shape[0]


def correct_with_click(page, frames, track, frame: int, name: str | None = None) -> None:
    """On the Review page (open on ``frame``): one positive click deep inside the frame's mask,
    then wait for the frame to be marked corrected and the forward re-propagation to end."""
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for()
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # the background image loads asynchronously
    x, y = canvas_point(frames, track.union(frame))
    canvas.click(position={"x": x, "y": y})
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stMarkdownContainer\"]')]"
        ".some(e => e.innerText.includes('corrected'))", timeout=120_000)
    wait_idle(page, timeout=180)
    if name:
        shot(page, name)


def check_analysis(page, name: str | None = None) -> None:
    """On the Analysis page: the Plotly charts drew SVG and the offline map shows the dated outlines."""
    goto_page(page, "Analysis")
    page.locator(".js-plotly-plot svg.main-svg").first.wait_for()
    assert page.locator(".js-plotly-plot").count() >= 4
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() > 0  # data drawn, not just axes
    fmap = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
    fmap.locator(".leaflet-container").wait_for()
    fmap.locator("img.leaflet-image-layer").first.wait_for()
    fmap.locator("path.leaflet-interactive").first.wait_for()  # the dated outlines
    assert fmap.locator(".leaflet-control-layers").count() == 1
    if name:
        page.locator('iframe[title="streamlit_folium.st_folium"]').scroll_into_view_if_needed()
        shot(page, name)


def download_geopackage(page, path: Path, name: str | None = None) -> Path:
    """On the Export page: download the GeoPackage through its button into ``path``."""
    goto_page(page, "Export and report")
    button = page.get_by_role("button", name="GeoPackage")
    button.wait_for(timeout=120_000)
    wait_idle(page)
    if name:
        shot(page, name)
    with page.expect_download() as info:
        button.click()
    info.value.save_as(path)
    return path


def long_series_project(projects_dir: Path, work_dir: Path, n_dates: int = 40, size: int = 384):
    """A project (made through ``tracking.project.workflow``, as the pages do) holding a long generated
    series with its first-date box prompt, untracked: a baseline run over it lasts several
    seconds (about 8 s for 40 dates of 384 px on two cores), long enough to stop it part-way."""
    from tracking.project import uploads, workflow
    from tracking.project.folder import Project
    from tracking.sample.series import generate_sample

    sample = generate_sample(work_dir / "long-sample", size=size, n_dates=n_dates)
    project = Project.create(projects_dir, name="Long series")
    files = [(f.name, f.read_bytes()) for f in sorted(sample.scenes_dir.iterdir()) if f.is_file()]
    saved, problems = uploads.add_uploads(project, files)
    assert saved and not problems, problems
    frames, problems = workflow.rebuild_frames(project)
    assert len(frames) == n_dates, problems
    workflow.prompts_from_file(project, sample.prompt_box_path)
    return Project.open(projects_dir, project.id)


def tracked_sample_project(dashboard, name: str = "Tracked sample"):
    """A project in the dashboard's folder made through ``tracking.project.workflow`` as the pages do:
    the sample (from the server's sample folder), its first-date box prompt, a baseline track."""
    import os

    from tracking.project import runs, workflow
    from tracking.project.folder import Project
    from tracking.sample.series import ensure_sample

    sample = ensure_sample(dashboard.sample_dir)
    project = Project.create(dashboard.projects_dir, name=name)
    saved = os.environ.get("LANDSLIDE_SAMPLE_DIR")
    os.environ["LANDSLIDE_SAMPLE_DIR"] = str(dashboard.sample_dir)  # what load_sample reads, as the server
    try:
        workflow.load_sample(project)
    finally:
        if saved is None:
            os.environ.pop("LANDSLIDE_SAMPLE_DIR")
        else:
            os.environ["LANDSLIDE_SAMPLE_DIR"] = saved
    workflow.prompts_from_file(project, sample.prompt_box_path)
    result = runs.run_tracking(project, engine_kind="baseline")
    assert result.completed
    return Project.open(dashboard.projects_dir, project.id)
