"""``report.html``: one self-contained file for stakeholders that opens with no network.

plotly.js is inlined once in the head; the figures follow as JSON; the map
images are PNG data URIs; styles are inline. Nothing refers to a network
resource: ``external_urls`` checks the page outside the inlined plotly.js
library, and ``write_report`` refuses to write a page that fails it. (The
library's own text holds URL strings, e.g. SVG namespaces and the defaults of
map traces this report never draws; the browser test shows nothing is fetched.)
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import re
from pathlib import Path

from plotly.offline import get_plotlyjs

from tracking.analysis.accuracy import METRICS, mean_scores
from tracking.analysis.headline import headline
from tracking.analysis.measures import evolution_map
from tracking.core.atomic import write_bytes
from tracking.core.frames import Frames
from tracking.core.prompts import Prompt
from tracking.core.track import Track
from tracking.core.units import Units, units_for
from tracking.exports.htmltable import defang, num, table
from tracking.exports.report_provenance import provenance_section
from tracking.exports.vector import position_note
from tracking.render import charts
from tracking.render.map_images import evolution_png, outline_map_png

_URL = re.compile(r"\b(?:https?|ftp|wss?)://[^\s\"'<>)]*|(?:src|href|action)\s*=\s*[\"']?//[^\s\"'<>]*"
                  r"|url\(\s*[\"']?//[^)]*|@import", re.I)
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;
padding:1.5rem;color:#222}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.2rem;border-bottom:1px solid #ddd;margin-top:2rem}
table{border-collapse:collapse;font-size:.82rem;margin:.5rem 0} td,th{border:1px solid #ddd;padding:3px 7px;
text-align:right} th{background:#f4f4f4} td.l,th.l{text-align:left} .muted{color:#666;font-size:.85rem}
.cards{display:flex;flex-wrap:wrap;gap:.8rem} .card{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem}
.card b{display:block;font-size:1.25rem} img{max-width:100%}
"""


def external_urls(page: str) -> list[str]:
    """URLs (or protocol-relative references, CSS imports) in ``page`` outside the inlined plotly.js."""
    return _URL.findall(page.replace(get_plotlyjs(), ""))


def _png_img(png: bytes, alt: str) -> str:
    return f'<img alt="{defang(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def chart_html(fig, div_id: str) -> str:
    """A plotly figure as a div for a page made by ``html_page`` (which inlines plotly.js once)."""
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOTLY_CONFIG)


def html_page(title: str, parts: list[str]) -> str:
    """A self-contained page: the report's styles, plotly.js inlined once in the head, then ``parts``."""
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{defang(title)}</title><style>{CSS}</style>"
            f"<script type=\"text/javascript\">{get_plotlyjs()}</script></head><body>"
            + "\n".join(parts) + "</body></html>")


def write_page(path: str | Path, page: str) -> Path:
    """Write ``page`` atomically; raise RuntimeError if it would refer to the network."""
    found = external_urls(page)
    if found:
        raise RuntimeError(f"the report would refer to the network: {found[:3]}")
    write_bytes(path, page.encode("utf-8"))
    return Path(path)


def _summary(frames: Frames, measures: list[dict], engine_info: dict, accuracy, units: Units) -> str:
    """Cards with the headline figures (``headline.headline``, as on the dashboard) and the grid in words."""
    grid = frames.grid
    head = headline(measures)
    tracked = f"{head.first_date} → {head.last_date} ({head.n_dates} dates)" if head else "none"
    cards = [
        ("Dates tracked", tracked),
        ("Frames", f"{len(frames)} ({int(frames.bad.sum())} flagged)"),
        ("Objects", str(len(head.objects)) if head else "0"),
        (f"Area on the last date ({units.area_symbol})", units.area_number(head.area_last) if head else "–"),
        (f"Net change ({units.area_symbol})", units.area_number(head.net, signed=True) if head else "–"),
        ("Growth", "–" if head is None or math.isnan(head.growth_pct) else f"{head.growth_pct:+.0f} %"),
        (f"Mean rate ({units.rate_symbol})", units.rate_number(head.rate_per_day, signed=True) if head else "–"),
        ("Engine", defang(engine_info.get("engine", "–"))),
    ]
    if accuracy:
        cards.append(("Mean IoU", num(mean_scores(accuracy)["iou"], 3)))
    crs = grid.crs.to_string() if grid.crs is not None else "none"
    note = (f'<p class="muted">Grid CRS {defang(crs)}, pixel {grid.pixel_size[0]:g} × {grid.pixel_size[1]:g} '
            f'{grid.units}, {grid.width} × {grid.height} pixels. {units.caption} Each object is measured from '
            "its first tracked date to its last; growth is measured over the real gaps between "
            f"acquisition dates. {defang(position_note(grid))}</p>")
    return ('<div class="cards">' + "".join(f'<div class="card">{k}<b>{v}</b></div>' for k, v in cards)
            + "</div>" + note)


#: Per-date table: (measures key, header, kind); kind "area", "rate", "length" follow the units,
#: a number is the decimals of a plain number, -1 is text.
MEASURE_COLUMNS = [("date", "Date", -1), ("object", "Object", -1), ("area_m2", "Area", "area"),
                   ("perimeter_m", "Perimeter", "length"), ("gain_m2", "Gain", "area"), ("loss_m2", "Loss", "area"),
                   ("net_m2", "Net", "area"), ("days", "Days", 0), ("expansion_rate_m2_per_day", "Rate", "rate"),
                   ("displacement_m", "Shift", "length"), ("direction_deg", "Azimuth °", 0),
                   ("main_axis_m", "Main axis", "length"), ("cumulative_m2", "Footprint", "area"),
                   ("provenance", "Provenance", -1), ("confidence", "Confidence", 2)]


def _measures_table(measures: list[dict], units: Units) -> str:
    """The per-date table with areas, rates and lengths in ``units`` (numbers formatted here)."""
    fmt = {"area": units.area_number, "rate": units.rate_number, "length": lambda v: num(v, 1)}
    title = {"area": units.area_title, "rate": units.rate_title, "length": units.length_title}
    cols, rows = [], [dict(r) for r in measures]
    for key, header, kind in MEASURE_COLUMNS:
        if isinstance(kind, str):
            cols.append((key, title[kind](header), 1))
            for r in rows:
                r[key] = fmt[kind](r.get(key))  # a str: ``table`` shows it as is, right-aligned
        else:
            cols.append((key, header, kind))
    return table(rows, cols)


def _accuracy_section(accuracy: list[dict]) -> str:
    means = {"date": "mean", **mean_scores(accuracy)}
    cols = [("date", "Date", -1)] + [(m, charts.METRIC_LABELS[m], 3) for m in METRICS]
    return ("<h2>Accuracy against the reference</h2>" + chart_html(charts.accuracy_chart(accuracy), "chart-accuracy")
            + table(list(accuracy) + [means], cols)
            + '<p class="muted">Boundary F: share of boundary pixels within the tolerance of the other outline '
              "(Csurka et al., 2013). Both masks empty scores 1.</p>")


def build_report(frames: Frames, track: Track, measures: list[dict], engine_info: dict,
                 prompts: list[Prompt], accuracy: list[dict] | None = None,
                 evolution: bytes | None = None, units: Units | None = None,
                 names: dict[int, str] | None = None) -> str:
    """The report page as a string (see ``write_report``).

    ``evolution`` is the evolution map PNG when the caller has made it already
    (``mapimages.evolution_png`` of the last frame); by default it is drawn here.
    ``units``: areas and rates as the analyst chose (default ha and per year; px² on a pixel grid).
    ``names``: {object id: the scar's name} for the chart legends (default "Scar N").
    """
    measures = charts.records(measures)
    units = units or units_for(frames.grid)
    if evolution is None:
        evolution = evolution_png(evolution_map(track), frames.dates, frames.images[-1])
    parts = [
        "<h1>Landslide scar report</h1>",
        f'<p class="muted">Written {dt.datetime.now().isoformat(timespec="seconds")}.</p>',
        "<h2>Summary</h2>", _summary(frames, measures, engine_info, accuracy, units),
        "<h2>Growth</h2>", chart_html(charts.area_chart(measures, units, names), "chart-area"),
        chart_html(charts.expansion_rate_chart(measures, units, names), "chart-rate"),
        chart_html(charts.gain_loss_chart(measures, units), "chart-gain-loss"),
        "<h2>Map</h2>", _png_img(outline_map_png(frames.images[-1], track, frames.dates), "dated outlines"),
        _png_img(evolution, "evolution map"),
        "<h2>Per date</h2>", _measures_table(measures, units),
    ]
    if accuracy:
        parts.append(_accuracy_section(accuracy))
    parts.append(provenance_section(frames, track, engine_info, prompts))
    return html_page("Landslide scar report", parts)


def write_report(path: str | Path, frames: Frames, track: Track, measures: list[dict], engine_info: dict,
                 prompts: list[Prompt], accuracy: list[dict] | None = None,
                 evolution: bytes | None = None, units: Units | None = None,
                 names: dict[int, str] | None = None) -> Path:
    """Write the self-contained report (see ``build_report``); raise RuntimeError if it would
    refer to the network."""
    page = build_report(frames, track, measures, engine_info, prompts, accuracy, evolution, units, names)
    return write_page(path, page)
