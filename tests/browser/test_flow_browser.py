"""The whole dashboard flow in Debian's Chromium, and a cancelled run.

The flow test clicks through every step on the sample as an analyst would: the
sample loads, a box is drawn on the canvas with the mouse and saved, the baseline
tracks it, one date is corrected with a click on the Review canvas, the Analysis
page draws its Plotly charts and the offline map, and the GeoPackage comes down
through its button and opens with geopandas. Every request that would leave the
machine is refused, and none may be attempted. Screenshots of each step go to
test-results/screenshots/.
"""

from __future__ import annotations

import time

import pytest

from tests.browser.flow_steps import (
    check_analysis,
    choose_radio,
    correct_with_click,
    download_geopackage,
    draw_and_save_box,
    long_series_project,
    open_sample,
    outside_requests_message,
    refuse_outside_requests,
    track_with_baseline,
)
from tests.browser.server import goto_page, shot, wait_idle
from tracking.core.track import Provenance
from tracking.project import corrections
from tracking.project.folder import Project


def no_exception_shown(page) -> None:
    assert not page.locator('[data-testid="stException"]').count(), page.locator(
        '[data-testid="stException"]').first.inner_text()


def test_whole_flow_sample_box_track_correct_analyse_export(page, dashboard, tmp_path):
    import geopandas as gpd

    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    outside = refuse_outside_requests(page)

    # 1. Scenes: a first visit loads the sample into a new project
    pid = open_sample(page, dashboard)
    shot(page, "flow-1-scenes")
    frames = Project.open(dashboard.projects_dir, pid).load_frames()
    assert len(frames) == 14
    h, w = frames.shape

    # 2. Prompt: a box dragged on the canvas, saved
    draw_and_save_box(page, name="flow-2-prompt-drawn")
    shot(page, "flow-3-prompt-saved")
    prompts = Project.open(dashboard.projects_dir, pid).load_prompts()
    assert len(prompts) == 1 and prompts[0].kind == "box" and prompts[0].frame == 0
    x0, y0, x1, y1 = prompts[0].box
    # The box was dragged from 27 % to 44 % of the width and 30 % to 42 % of the height.
    assert abs(x0 - 0.27 * w) < 0.02 * w and abs(x1 - 0.44 * w) < 0.02 * w
    assert abs(y0 - 0.30 * h) < 0.02 * h and abs(y1 - 0.42 * h) < 0.02 * h

    # 3. Track with the baseline
    track_with_baseline(page, name="flow-4-tracked")
    project = Project.open(dashboard.projects_dir, pid)
    assert project.meta.run.completed and project.meta.run.engine == "baseline"
    track = project.load_track()
    prov = track.objects[1].provenance
    assert prov[0] == Provenance.PROMPTED and Provenance.NONE not in prov
    assert all(track.objects[1].masks[i].any() for i in range(len(frames)))
    assert page.locator("text=Track: up to date").count() == 1
    no_exception_shown(page)

    # 4. Review: one positive click inside the scar on the weakest date corrects it
    goto_page(page, "Review and correct")
    frame = corrections.review_order(track)[0]
    assert page.get_by_text(f"This date · {frames.dates[frame].isoformat()}").is_visible()
    shot(page, "flow-5-review")
    correct_with_click(page, frames, track, frame, name="flow-6-corrected")
    saved = Project.open(dashboard.projects_dir, pid)
    corrected = saved.load_track()
    assert corrected.objects[1].provenance[frame] == Provenance.CORRECTED
    prompts = saved.load_prompts()
    assert prompts[-1].frame == frame and prompts[-1].labels.tolist() == [1]
    assert sum(p.kind == "points" for p in prompts) == 1  # one click, applied once
    # the click refined the scar the analyst saw instead of starting over from one point
    before, after = track.union(frame), corrected.union(frame)
    assert (before & after).sum() / (before | after).sum() > 0.7
    assert page.locator("text=Track: corrected on Review").count() == 1
    no_exception_shown(page)

    # 5. Analysis: the area chart (Plotly draws SVG) and the map, offline
    check_analysis(page, name="flow-7-analysis")
    no_exception_shown(page)

    # 6. Export: the GeoPackage through its download button, opened with geopandas
    gpkg = download_geopackage(page, tmp_path / "scars.gpkg", name="flow-8-export")
    gdf = gpd.read_file(gpkg, layer="scars")
    assert len(gdf) == len(frames) and gdf["date"].nunique() == len(frames)  # one row per date
    assert sorted(str(d)[:10] for d in gdf["date"]) == [d.isoformat() for d in frames.dates]
    assert gdf.crs.to_epsg() == 32648
    assert (gdf["provenance"] == "corrected").sum() == 1
    no_exception_shown(page)

    assert outside == [], outside_requests_message(outside)
    assert not errors


@pytest.fixture(scope="module")
def long_project(dashboard, tmp_path_factory) -> Project:
    """40 dates of 384 px with a box prompt: a baseline run lasts several seconds, not a blink."""
    return long_series_project(dashboard.projects_dir, tmp_path_factory.mktemp("long"))


def test_cancel_keeps_the_frames_done(page, dashboard, long_project):
    pid, total = long_project.id, len(long_project.load_frames())
    page.goto(f"{dashboard.url}/?project={pid}")
    wait_idle(page)
    goto_page(page, "Track")
    choose_radio(page, "Baseline (no weights)")
    page.get_by_role("button", name="Track", exact=True).click()
    page.wait_for_selector('[data-testid="stProgress"]:has-text("Tracked ")', timeout=120_000)
    t0 = time.monotonic()
    shot(page, "cancel-1-progress", idle=False, full=False)  # the window only: a fraction of a second
    page.get_by_role("button", name="Cancel").click()  # the run still has seconds to go
    page.wait_for_selector("text=Tracking was cancelled after", timeout=60_000)
    stopped_after = time.monotonic() - t0
    shot(page, "cancel-2-cancelled")

    project = Project.open(dashboard.projects_dir, pid)
    assert not project.meta.run.completed
    prov = project.load_track().objects[1].provenance
    done = sum(p != Provenance.NONE for p in prov)
    assert 1 <= done < total, f"{done} of {total} frames done when the run stopped ({stopped_after:.1f} s)"
    assert prov[0] == Provenance.PROMPTED
    assert project.meta.run.frames_tracked == done
    assert page.locator("text=Track: stopped part-way").count() == 1
    assert page.locator(f"text=Tracking was cancelled after {done} frames").count() == 1
    assert page.locator(f"text={done} of {total}").count() == 1
    no_exception_shown(page)
