"""The dashboard's own cost on the sample: Track button to results, and reruns when nothing changed.

    python benchmarks/dashboard.py [--repeat 5] [--browser]

Runs app.py under Streamlit's AppTest (the same script a server runs, in this
process) on the built-in sample (its default size), prompted with the sample's
first-date box, and prints:

- the time from the Track button to the results with the baseline engine, and the
  engine's own share of it (the rest is the dashboard: loading, saving, drawing);
- the time of the same click again (inputs unchanged: the cached results);
- the rerun time of pages 1-3 when nothing changed (median of --repeat runs).

With --real-size it also times each step on generated real-size deliveries (4 plain PNG
screenshots at 1300 x 662 px, and 4 at 2048 x 1134 px): page open, prompt preview, saving,
tracking per frame, the first Review open and a click correction.

With --browser it also serves the app and times the Track click to the results in
Debian's Chromium (what an analyst waits for, websocket and rendering included).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np

from tracking.project import workflow
from tracking.project.folder import Project

PAGES = {"Scenes": "pages/1_scenes.py", "Prompt": "pages/2_prompt.py", "Track": "pages/3_track.py"}


def _prepared(base: Path) -> Project:
    """A project holding the sample, its frames and the sample's box prompt."""
    from tracking.sample.series import ensure_sample

    sample = ensure_sample()
    project = Project.create(base / "projects")
    workflow.load_sample(project)
    workflow.prompts_from_file(project, sample.prompt_box_path)
    return project


def _app(project: Project, page: str):
    # AppTest forgets between runs that st.navigation replaced the pages/ folder mode; a server
    # does not. Run app.py itself each time, as a server does.
    import runpy

    import streamlit.runtime.scriptrunner.script_runner as script_runner
    from streamlit.testing.v1 import AppTest

    script_runner._mpa_v1 = lambda path: runpy.run_path(path, run_name="__main__")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.query_params["project"] = project.id
    at.run()
    at.switch_page(page)
    at.run()
    return at


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def apptest_figures(project: Project, repeat: int) -> None:
    """Time the Track button (a run, then the cached rerun) and each page load under AppTest."""
    at = _app(project, PAGES["Track"])
    at.radio(key="track:engine").set_value("baseline").run()
    seconds = _timed(lambda: at.button(key="track:run").click().run())
    run = Project.open(project.root.parent, project.id).meta.run
    assert run.completed, "the run did not complete"
    print(f"Track button to results (baseline, {run.frames_tracked} frames): {seconds:.2f} s, "
          f"of which tracking {run.seconds:.2f} s, dashboard {seconds - run.seconds:.2f} s")
    again = _timed(lambda: at.button(key="track:run").click().run())
    print(f"Track button again, nothing changed (cached): {again:.3f} s")
    for name, page in PAGES.items():
        at = _app(project, page)
        times = [_timed(at.run) for _ in range(repeat)]
        print(f"Rerun of {name} with nothing changed: median {statistics.median(times):.3f} s "
              f"(min {min(times):.3f}, max {max(times):.3f}, {repeat} runs)")


REAL_SIZES = ((1300, 662), (2048, 1134))  # the screenshots of issue 10, and a 2048 px set


def _real_project(base: Path, width: int, height: int):
    """A project of 4 plain PNG screenshots (month names, no georeferencing) and its box (image px)."""
    from tracking.project.uploads import add_uploads
    from tracking.sample.delivery import write_delivery

    delivery = write_delivery(base / f"delivery-{width}", width=width, height=height, n_images=4)
    project = Project.create(base / "projects", name=f"Screenshots {width} px")
    add_uploads(project, [(p.name, p.read_bytes()) for p in delivery.paths])
    seconds = _timed(lambda: workflow.rebuild_frames(project))
    return project, delivery, seconds


def _switch(at, page: str) -> float:
    at.switch_page(page)
    return _timed(at.run)


def realsize_figures(base: Path) -> None:
    """Step times on real-size plain screenshots: page open, prompt preview, track, Review, a click."""
    from tracking.render.canvas_geometry import canvas_size, prompt_canvas_size
    from tracking.ui import review

    for width, height in REAL_SIZES:
        project, delivery, build = _real_project(base, width, height)
        print(f"Real-size {width} x {height} px, 4 dates: frames built in {build:.2f} s")
        at = _app(project, PAGES["Scenes"])
        print(f"  open Scenes: {_switch(at, PAGES['Scenes']):.2f} s; open Prompt: {_switch(at, PAGES['Prompt']):.2f} s")
        cw, ch = prompt_canvas_size((height, width))
        x0, y0, x1, y1 = (v * cw / width if k % 2 == 0 else v * ch / height for k, v in enumerate(delivery.box))
        rect = {"type": "Rect", "left": x0, "top": y0, "width": x1 - x0, "height": y1 - y0, "originX": "left",
                "originY": "top", "strokeWidth": 3, "strokeUniform": True, "scaleX": 1, "scaleY": 1}
        at.session_state[f"canvas:prompt:{project.id}:0"] = {"version": 1, "initial": {"objects": [rect]},
                                                               "last": None}
        print(f"  prompt preview (box drawn to mask shown): {_timed(at.run):.2f} s")
        at.session_state[f"canvas:prompt:{project.id}:0"] = {
            "version": 2, "initial": {"objects": [{**rect, "width": rect["width"] * 1.1}]}, "last": None}
        print(f"  next prompt preview on the same frame (box redrawn): {_timed(at.run):.2f} s")
        print(f"  save prompt: {_timed(lambda: at.button(key='prompt:save').click().run()):.2f} s")
        _switch(at, PAGES["Track"])
        at.radio(key="track:engine").set_value("baseline").run()
        seconds = _timed(lambda: at.button(key="track:run").click().run())
        print(f"  track (baseline) 4 frames: {seconds:.2f} s, {seconds / 4:.2f} s per frame")
        print(f"  first Review open: {_switch(at, 'pages/4_review.py'):.2f} s; "
              f"Review rerun: {_timed(at.run):.2f} s")
        frame = at.session_state[review.FRAME_KEY]
        ys, xs = np.nonzero(delivery.truth[frame])
        vw, vh = canvas_size((height, width), *review.VIEW_SIZES["medium"])
        dot = {"type": "Circle", "left": xs.mean() * vw / width, "top": ys.mean() * vh / height, "originX": "center",
               "originY": "center", "radius": 5, "fill": "#00e676", "stroke": "#00e676", "strokeWidth": 2}
        key = f"review:canvas:{frame}:Scar click (+):{at.session_state['review:drawn']}"
        at.session_state[key] = {"drawing": {"raw": {"objects": [dot]}, "data": None}, "backgroundFit": None}
        print(f"  click correction on frame {frame + 1} (with auto forward): {_timed(at.run):.2f} s")


def browser_figures(base: Path) -> None:
    """Serve the app and time the Track click in Chromium, on a fresh sample project."""
    os.environ.setdefault("LANDSLIDE_SAMPLE_DIR", str(base / "sample"))
    from tests.browser import server
    from tests.browser.flow_steps import choose_radio, draw_and_save_box, open_sample
    from tests.browser.server import goto_page, wait_idle

    with server.served_dashboard(base / "served") as dash, server.chromium_browser() as chromium:
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        open_sample(page, dash)
        draw_and_save_box(page)
        goto_page(page, "Track")
        choose_radio(page, "Baseline (no weights)")
        t0 = time.perf_counter()
        page.get_by_role("button", name="Track", exact=True).click()
        page.wait_for_selector('[data-testid="stMetricLabel"]:has-text("Frames tracked")', timeout=600_000)
        wait_idle(page, timeout=600)
        print(f"Browser: Track click to results on screen (baseline): {time.perf_counter() - t0:.2f} s")
        t0 = time.perf_counter()
        page.get_by_role("button", name="Track", exact=True).click()
        page.wait_for_selector("text=Nothing changed since the last run", timeout=60_000)
        wait_idle(page)
        print(f"Browser: Track click again, cached results on screen: {time.perf_counter() - t0:.2f} s")


def main() -> None:
    """Prepare a sample project in a temporary folder and print the dashboard timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--browser", action="store_true", help="also time it in Chromium")
    parser.add_argument("--real-size", action="store_true",
                        help="also time each step on 4 plain screenshots at 1300 x 662 and at 2048 px")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        os.environ["LANDSLIDE_PROJECTS_DIR"] = str(base / "projects")
        os.environ["LANDSLIDE_SAM2_DIR"] = str(base / "no-weights")
        os.environ.pop("SAM2_CHECKPOINT", None)
        t0 = time.perf_counter()
        project = _prepared(base)
        frames = project.load_frames()
        print(f"Sample: {len(frames)} frames of {frames.shape[1]} x {frames.shape[0]} pixels "
              f"(prepared in {time.perf_counter() - t0:.1f} s)")
        apptest_figures(project, args.repeat)
        if args.real_size:
            realsize_figures(base)
        if args.browser:
            browser_figures(base)


if __name__ == "__main__":
    main()
