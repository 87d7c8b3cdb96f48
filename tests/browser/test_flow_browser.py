"""The dashboard in Debian's Chromium: sample, a box drawn with the mouse, saved, tracked with the baseline."""

from __future__ import annotations

import pytest

from tests.browser.flow_steps import choose_radio, draw_and_save_box, open_sample, track_with_baseline
from tests.browser.server import browser, dashboard, goto_page, page, shot, wait_idle  # noqa: F401
from tracking.project import Project
from tracking.track import Provenance

pytestmark = pytest.mark.browser


def test_sample_box_track_flow(page, dashboard):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    pid = open_sample(page, dashboard)
    shot(page, "flow-1-scenes")
    project = Project.open(dashboard.projects_dir, pid)
    frames = project.load_frames()
    assert len(frames) == 14

    draw_and_save_box(page, name="flow-2-prompt-drawn")
    shot(page, "flow-3-prompt-saved")
    prompts = Project.open(dashboard.projects_dir, pid).load_prompts()
    assert len(prompts) == 1 and prompts[0].kind == "box" and prompts[0].frame == 0
    x0, y0, x1, y1 = prompts[0].box
    h, w = frames.shape
    # The box was dragged from 27 % to 44 % of the width and 30 % to 42 % of the height.
    assert abs(x0 - 0.27 * w) < 0.02 * w and abs(x1 - 0.44 * w) < 0.02 * w
    assert abs(y0 - 0.30 * h) < 0.02 * h and abs(y1 - 0.42 * h) < 0.02 * h

    track_with_baseline(page, name="flow-4-tracked")
    project = Project.open(dashboard.projects_dir, pid)
    assert project.meta["run"]["completed"] and project.meta["run"]["engine"] == "baseline"
    track = project.load_track()
    prov = track.objects[1].provenance
    assert prov[0] == Provenance.PROMPTED and Provenance.NONE not in prov
    assert all(track.objects[1].masks[i].any() for i in range(len(frames)))
    assert page.locator("text=Track: up to date").count() == 1
    assert not page.locator('[data-testid="stException"]').count()
    assert not errors


def test_cancel_keeps_the_frames_done(page, dashboard):
    pid = open_sample(page, dashboard)
    draw_and_save_box(page)
    goto_page(page, "Track")
    choose_radio(page, "Baseline (no weights)")
    page.get_by_role("button", name="Track", exact=True).click()
    page.wait_for_selector('[data-testid="stProgress"]:has-text("Tracked 3 of")', timeout=120_000)
    shot(page, "flow-5-tracking-progress")
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_selector("text=Tracking was cancelled after", timeout=60_000)
    wait_idle(page)
    shot(page, "flow-6-cancelled")
    project = Project.open(dashboard.projects_dir, pid)
    assert not project.meta["run"]["completed"]
    prov = project.load_track().objects[1].provenance
    done = sum(p != Provenance.NONE for p in prov)
    assert 3 <= done < len(prov)
    assert page.locator("text=Track: stopped part-way").count() == 1
    assert page.locator(f"text=Tracking was cancelled after {done} frames").count() == 1
    assert page.locator(f"text={done} of 14").count() == 1
