"""Plotly figures shared by the dashboard and the report, so both show the same thing.

Every builder takes the rows of ``measures.scar_measures`` (or of
``accuracy.evaluate``), as a list of dicts or a pandas DataFrame. The x axis is
always the real acquisition date, so uneven gaps between scenes show as such.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from tracking.core.units import Units, units_of_rows

PROVENANCE_COLORS = {
    "prompted": "#1f77b4",
    "propagated": "#7f7f7f",
    "corrected": "#d62728",
    "carried": "#ff7f0e",
    "none": "#c7c7c7",
}
METRIC_LABELS = {"iou": "IoU", "precision": "Precision", "recall": "Recall", "f1": "F1", "bf": "Boundary F"}


def records(rows) -> list[dict]:
    """Rows as a list of dicts, from a list or a pandas DataFrame."""
    if hasattr(rows, "to_dict"):
        return rows.to_dict("records")
    return list(rows)


def _finite(v) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def _by_object(rows: list[dict]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for r in rows:
        out.setdefault(int(r["object"]), []).append(r)
    return out


def scar_label(object_id: int, names: dict[int, str] | None = None) -> str:
    """The legend name of a scar: the analyst's name for it, else "Scar N"."""
    return (names or {}).get(int(object_id), f"Scar {object_id}")


def _layout(fig: go.Figure, title: str, ytitle: str) -> go.Figure:
    fig.update_layout(title=title, template="plotly_white", height=360, margin=dict(l=60, r=20, t=50, b=40),
                      legend=dict(orientation="h", y=-0.2), hovermode="x unified")
    fig.update_xaxes(type="date", title="Acquisition date")
    # Full numbers with separators: "200,000 m²", never plotly's SI "200k" that reads as a unit.
    fig.update_yaxes(title=ytitle, exponentformat="none", separatethousands=True)
    return fig


def area_chart(measures, units: Units | None = None, names: dict[int, str] | None = None) -> go.Figure:
    """Scar area over the real dates, one line per object, markers coloured by provenance.

    ``units``: the area unit shown (default: ha, or px² on a pixel grid).
    ``names``: {object id: the scar's name} for the legend and hover (default "Scar N").
    """
    rows = records(measures)
    units = units or units_of_rows(rows)
    area = units.area_value
    fig = go.Figure()
    for oid, obj_rows in _by_object(rows).items():
        fig.add_trace(go.Scatter(x=[r["date"] for r in obj_rows], y=[area(r["area_m2"]) for r in obj_rows],
                                 mode="lines", name=scar_label(oid, names), line=dict(width=2)))
    for prov, color in PROVENANCE_COLORS.items():
        sel = [r for r in rows if r["provenance"] == prov]
        if sel:
            fig.add_trace(go.Scatter(
                x=[r["date"] for r in sel], y=[area(r["area_m2"]) for r in sel], mode="markers", name=prov,
                marker=dict(color=color, size=9, line=dict(color="white", width=1)),
                customdata=[[scar_label(r["object"], names)] for r in sel],
                hovertemplate=f"%{{customdata[0]}}: %{{y:,.3~f}} {units.area_symbol} ({prov})<extra></extra>"))
    return _layout(fig, "Scar area", units.area_title())


def expansion_rate_chart(measures, units: Units | None = None, names: dict[int, str] | None = None) -> go.Figure:
    """Net expansion rate (area per day or per year over the real gap to the previous date), per object.

    ``names``: {object id: the scar's name} for the legend (default "Scar N").
    """
    rows = records(measures)
    units = units or units_of_rows(rows)
    fig = go.Figure()
    for oid, obj_rows in _by_object(rows).items():
        sel = [r for r in obj_rows if _finite(r["expansion_rate_m2_per_day"])]
        fig.add_trace(go.Scatter(x=[r["date"] for r in sel],
                                 y=[units.rate_value(r["expansion_rate_m2_per_day"]) for r in sel],
                                 mode="lines+markers", name=scar_label(oid, names),
                                 customdata=[[r["days"]] for r in sel],
                                 hovertemplate=f"%{{y:,.3~f}} {units.rate_symbol} over %{{customdata[0]:.0f}} days"))
    return _layout(fig, "Expansion rate since the previous date", units.rate_title())


def gain_loss_chart(measures, units: Units | None = None) -> go.Figure:
    """Area gained (up) and lost (down) since the previous date, all objects stacked."""
    rows = [r for r in records(measures) if _finite(r["gain_m2"])]
    units = units or units_of_rows(records(measures))
    area = units.area_value
    fig = go.Figure()
    fig.add_trace(go.Bar(x=[r["date"] for r in rows], y=[area(r["gain_m2"]) for r in rows], name="gained",
                         marker_color="#2ca02c"))
    fig.add_trace(go.Bar(x=[r["date"] for r in rows], y=[-area(r["loss_m2"]) for r in rows], name="lost",
                         marker_color="#d62728"))
    fig.add_trace(go.Scatter(x=[r["date"] for r in rows], y=[area(r["net_m2"]) for r in rows], name="net",
                             mode="markers", marker=dict(color="black", symbol="diamond", size=8)))
    fig.update_layout(barmode="relative")
    return _layout(fig, "Area gained and lost since the previous date", units.area_title())


def accuracy_chart(rows) -> go.Figure:
    """IoU, precision, recall, F1 and boundary F-score per reference date (0..1)."""
    rows = records(rows)
    fig = go.Figure()
    for metric, label in METRIC_LABELS.items():
        fig.add_trace(go.Scatter(x=[r["date"] for r in rows], y=[r[metric] for r in rows],
                                 mode="lines+markers", name=label))
    _layout(fig, "Accuracy against the reference outlines", "score")
    fig.update_yaxes(range=[0, 1.02])
    return fig
