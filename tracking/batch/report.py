"""The batch's ``report.html``: landslides ranked by growth, sudden changes flagged, area over time
for each in small multiples, and the failures. Self-contained and offline like the ``track``
report (``exports.report.html_page`` inlines plotly.js; ``write_page`` refuses network references).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

from tracking.batch.combine import SUDDEN_SHARE, Growth
from tracking.batch.task import DONE, FAILED, SKIPPED, LandslideResult
from tracking.exports.htmltable import defang, num, table

#: panels in the small-multiples chart (the fastest-growing landslides; the table lists all)
MAX_PANELS = 48
PANEL_COLUMNS = 4
HA = 10_000.0


def _sudden_text(g: Growth) -> str:
    return "; ".join(f"{a} → {b} (+{share:.0%})" for a, b, share in g.sudden)


def ranking_rows(growth: list[Growth]) -> list[dict]:
    """One table row per landslide in ranking order (areas in ha, rate in m² per day)."""
    rows = []
    for rank, g in enumerate(growth, start=1):
        h = g.head
        rows.append({"rank": str(rank), "id": g.id, "first": h.first_date.isoformat(),
                     "last": h.last_date.isoformat(), "area_first": h.area_first / HA,
                     "area_last": h.area_last / HA, "net": h.net / HA,
                     "growth": h.growth_pct, "rate": h.rate_per_day, "dates": float(h.n_dates),
                     "sudden": _sudden_text(g) or "–"})
    return rows


RANKING_COLUMNS = [("rank", "Rank", -1), ("id", "Landslide", -1), ("first", "First date", -1),
                   ("last", "Last date", -1), ("area_first", "Area first (ha)", 2),
                   ("area_last", "Area last (ha)", 2), ("net", "Net growth (ha)", 2), ("growth", "Growth %", 0),
                   ("rate", "Mean rate (m²/day)", 1), ("dates", "Dates", 0), ("sudden", "Sudden change", -1)]


def small_multiples(growth: list[Growth]):
    """Plotly figure: one panel of area (ha) over time per landslide, sudden intervals in red."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    shown = growth[:MAX_PANELS]
    cols = min(PANEL_COLUMNS, max(1, len(shown)))
    rows = max(1, math.ceil(len(shown) / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[g.id for g in shown], shared_xaxes=True,
                        vertical_spacing=min(0.12, 0.5 / rows), horizontal_spacing=0.06)
    for k, g in enumerate(shown):
        r, c = k // cols + 1, k % cols + 1
        fig.add_trace(go.Scatter(x=g.dates, y=[a / HA for a in g.areas], mode="lines+markers", name=g.id,
                                 line={"color": "#2c6e9b"}, marker={"size": 5}, showlegend=False,
                                 hovertemplate="%{x|%Y-%m-%d}: %{y:.2f} ha<extra>" + defang(g.id) + "</extra>"),
                      row=r, col=c)
        areas = dict(zip(g.dates, g.areas))
        for a, b, _ in g.sudden:
            fig.add_trace(go.Scatter(x=[a, b], y=[areas[a] / HA, areas[b] / HA], mode="lines",
                                     line={"color": "#c0392b", "width": 4}, showlegend=False, hoverinfo="skip"),
                          row=r, col=c)
    fig.update_yaxes(title_text="ha", title_standoff=2, rangemode="tozero")
    fig.update_layout(height=max(260, 210 * rows), margin={"l": 40, "r": 10, "t": 40, "b": 30},
                      template="plotly_white")
    return fig


def _cards(growth: list[Growth], results: list[LandslideResult], dates: list[dt.date]) -> str:
    def count(status: str) -> int:
        return sum(r.status == status for r in results)

    net = sum(g.head.net for g in growth)
    cards = [("Landslides", str(len(results))),
             ("Tracked", f"{count(DONE) + count(SKIPPED)} ({count(SKIPPED)} from an earlier run)"),
             ("Failed", str(count(FAILED))),
             ("Scene dates", f"{dates[0]} → {dates[-1]} ({len(dates)})" if dates else "–"),
             ("Area on the last date (ha)", num(sum(g.head.area_last for g in growth) / HA, 1)),
             ("Net growth (ha)", num(net / HA, 1)),
             ("Sudden change", f"{sum(bool(g.sudden) for g in growth)} landslides")]
    return '<div class="cards">' + "".join(f'<div class="card">{k}<b>{v}</b></div>' for k, v in cards) + "</div>"


def build_batch_report(growth: list[Growth], results: list[LandslideResult], failures: list[tuple[str, str]],
                       inventory, dates: list[dt.date]) -> str:
    """The page as a string (see ``write_batch_report``)."""
    from tracking.exports.report import chart_html, html_page

    more = (f" The chart shows the {MAX_PANELS} largest growths of {len(growth)}; the table lists all."
            if len(growth) > MAX_PANELS else "")
    parts = [
        "<h1>Landslide inventory report</h1>",
        f'<p class="muted">Written {dt.datetime.now().isoformat(timespec="seconds")} from '
        f"{defang(Path(inventory.path).name)}. Each landslide was tracked in its own window of the scenes "
        "from its mapped outline, forward and backward in time.</p>",
        "<h2>Summary</h2>", _cards(growth, results, dates),
        "<h2>Ranked by growth</h2>",
        f'<p class="muted">Net growth from each landslide\'s first tracked date to its last. A change is '
        f"<b>sudden</b> when the area grows by more than {SUDDEN_SHARE:.0%} of the area on the date before "
        "(marked red in the charts).</p>",
        table(ranking_rows(growth), RANKING_COLUMNS),
        "<h2>Area over time</h2>",
        f'<p class="muted">One panel per landslide, fastest-growing first.{more}</p>',
        chart_html(small_multiples(growth), "chart-small-multiples") if growth else "<p>No landslide was tracked.</p>",
    ]
    parts.append("<h2>Failures</h2>")
    if failures:
        rows = [{"id": lid or "(scenes)", "sentence": sentence} for lid, sentence in failures]
        parts.append(table(rows, [("id", "Landslide", -1), ("sentence", "What went wrong", -1)]))
    else:
        parts.append("<p>None: every landslide was tracked and every scene was read.</p>")
    return html_page("Landslide inventory report", parts)


def write_batch_report(path: Path, growth: list[Growth], results: list[LandslideResult],
                       failures: list[tuple[str, str]], inventory, dates: list[dt.date]) -> Path:
    """Write the page (see ``build_batch_report``); RuntimeError if it would refer to the network."""
    from tracking.exports.report import write_page

    return write_page(path, build_batch_report(growth, results, failures, inventory, dates))
