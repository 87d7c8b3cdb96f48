"""Change between any two dates of a track: area gained, lost and kept.

``measures.scar_measures`` gives the change between consecutive dates; here the
analyst picks any two (say the first and the last survey) and gets the same
quantities over that span, a waterfall chart and a picture of where the scar
grew and shrank.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from tracking.core.grid import Grid
from tracking.core.track import Track
from tracking.core.units import Units, choose

GAIN_COLOR = (44, 160, 44)  # green: became scar
LOSS_COLOR = (214, 39, 40)  # red: no longer scar
KEPT_COLOR = (255, 215, 0)  # yellow: scar on both dates


@dataclass(frozen=True)
class Change:
    """Change of the scar (all objects, or one) from frame ``start`` to frame ``end``.

    Areas in m² on a projected grid, px² on a pixel grid (``units``).
    """

    start: int
    end: int
    start_date: dt.date
    end_date: dt.date
    area_start: float
    area_end: float
    gained: float
    lost: float
    units: str

    @property
    def net(self) -> float:
        return self.gained - self.lost

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days

    @property
    def rate_per_day(self) -> float:
        """Net change per day (NaN when both dates are the same)."""
        return self.net / self.days if self.days else math.nan

    @property
    def growth_pct(self) -> float:
        """Net change as a percentage of the first area (NaN when that was empty)."""
        return 100.0 * self.net / self.area_start if self.area_start else math.nan


def _mask(track: Track, frame: int, object_id: int | None) -> np.ndarray:
    return track.union(frame) if object_id is None else track.objects[object_id].masks[frame]


def change_between(track: Track, grid: Grid, dates: list[dt.date], start: int, end: int,
                   object_id: int | None = None) -> Change:
    """The change from frame ``start`` to frame ``end`` (either order is fine: earlier first)."""
    n = track.n_frames
    if not (0 <= start < n and 0 <= end < n):
        raise ValueError(f"frames {start} and {end} must lie in 0..{n - 1}")
    start, end = min(start, end), max(start, end)
    a, b = _mask(track, start, object_id), _mask(track, end, object_id)
    px = grid.pixel_area_m2
    return Change(start, end, dates[start], dates[end], float(a.sum()) * px, float(b.sum()) * px,
                  float((b & ~a).sum()) * px, float((a & ~b).sum()) * px, grid.units)


def change_chart(change: Change, units: Units | None = None) -> go.Figure:
    """Waterfall: area on the first date, + gained, − lost, = area on the second date.

    ``units``: the area unit shown (default: ha, or px² on a pixel grid).
    """
    units = units or choose(change.units)
    first, last = change.start_date.isoformat(), change.end_date.isoformat()
    bases = [change.area_start, change.gained, -change.lost if change.lost else 0.0, change.area_end]
    values = [units.area_value(v) for v in bases]
    text = [units.area_number(v, signed=0 < i < 3) for i, v in enumerate(bases)]
    fig = go.Figure(go.Waterfall(
        x=[f"area {first}", "gained", "lost", f"area {last}"],
        measure=["absolute", "relative", "relative", "total"],
        y=values[:3] + [0], text=text,
        increasing=dict(marker=dict(color="rgb(%d,%d,%d)" % GAIN_COLOR)),
        decreasing=dict(marker=dict(color="rgb(%d,%d,%d)" % LOSS_COLOR)),
        totals=dict(marker=dict(color="#555555")),
        connector=dict(line=dict(color="#999999", dash="dot")),
        textposition="outside"))
    fig.update_layout(title=f"Scar area from {first} to {last} ({change.days} days)",
                      template="plotly_white", height=360, margin=dict(l=60, r=20, t=50, b=40),
                      showlegend=False)
    fig.update_yaxes(title=units.area_title(), exponentformat="none", separatethousands=True)
    return fig


def change_image(image: np.ndarray, before: np.ndarray, after: np.ndarray, alpha: float = 0.6) -> np.ndarray:
    """(H, W, 3) uint8: ``image`` greyed, gained pixels green, lost red, kept yellow.

    image: (H, W, 3) uint8 (the later frame). before, after: (H, W) bool.
    """
    grey = image.astype(np.float32).mean(axis=-1, keepdims=True)
    out = np.repeat(grey * 0.8 + 25, 3, axis=-1)
    for sel, color in ((after & ~before, GAIN_COLOR), (before & ~after, LOSS_COLOR), (before & after, KEPT_COLOR)):
        out[sel] = (1 - alpha) * out[sel] + alpha * np.array(color, np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def change_masks(track: Track, change: Change, object_id: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The (before, after) masks of a Change, (H, W) bool each."""
    return _mask(track, change.start, object_id), _mask(track, change.end, object_id)
