"""The report opens offline in a real Chromium and its Plotly charts render; nothing leaves the machine."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.frames import make_frames, utm_grid
from tests.helpers.tracks import DATES, growing_track
from tracking.analysis.accuracy import evaluate
from tracking.analysis.measures import scar_measures
from tracking.core.prompts import Prompt
from tracking.exports.report import write_report

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CHARTS = ("chart-area", "chart-rate", "chart-gain-loss", "chart-accuracy")


def _report(tmp_path: Path) -> Path:
    grid = utm_grid(50, 40)
    frames = make_frames(grid=grid, dates=DATES, pattern="smooth", bad={2})
    track = growing_track(grid, DATES, [4, 7, 7, 10], second_object=True)
    measures = scar_measures(track, grid, DATES)
    accuracy = evaluate(track, {DATES[0]: track.union(0), DATES[3]: track.union(2)}, DATES)
    return write_report(tmp_path / "report.html", frames, track, measures, {"engine": "baseline"},
                        [Prompt(0, 1, points=[[16, 20]], labels=[1])], accuracy)


def test_report_renders_offline_in_chromium(tmp_path):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's Chromium is needed at /usr/bin/chromium"
    path = _report(tmp_path)
    seen, blocked, errors = [], [], []

    def only_local(route):
        url = route.request.url
        if url.startswith(("file://", "data:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            context.route("**/*", only_local)
            page = context.new_page()
            page.on("request", lambda req: seen.append(req.url))
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_function(
                f"document.querySelectorAll('.plotly-graph-div .main-svg').length >= {len(CHARTS)}",
                timeout=30_000)
            rendered = {c: page.locator(f"#{c} .main-svg").count() for c in CHARTS}
            traces = {c: page.locator(f"#{c} .scatterlayer .trace, #{c} .barlayer .trace").count()
                      for c in CHARTS}
            images = page.evaluate("Array.from(document.images).map(i => i.naturalWidth)")
        finally:
            browser.close()
    assert all(n > 0 for n in rendered.values()), rendered
    assert all(n > 0 for n in traces.values()), traces  # data drawn, not just empty axes
    assert len(images) == 2 and min(images) > 100  # the map PNGs decoded
    assert errors == []
    assert blocked == []
    assert all(u.startswith(("file://", "data:")) for u in seen), seen
