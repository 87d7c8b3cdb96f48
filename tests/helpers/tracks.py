"""Tiny generated masks and tracks for the analytics, export and report tests (grids: helpers.frames)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from tracking.core.grid import Grid
from tracking.core.track import Provenance, Track

#: Four dates with uneven gaps (3 months, 10 months, almost 2 years).
DATES = [dt.date(2018, 6, 1), dt.date(2018, 9, 1), dt.date(2019, 7, 15), dt.date(2021, 5, 2)]


def disc(shape: tuple[int, int], cx: float, cy: float, r: float) -> np.ndarray:
    """(H, W) bool: pixel centres within ``r`` pixels of (cx, cy) (column, row)."""
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    return (xx + 0.5 - cx) ** 2 + (yy + 0.5 - cy) ** 2 <= r * r


def rect(shape: tuple[int, int], r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
    """(H, W) bool: True in rows r0:r1 and columns c0:c1."""
    m = np.zeros(shape, bool)
    m[r0:r1, c0:c1] = True
    return m


def growing_track(grid: Grid, dates: list[dt.date], radii: list[float], second_object: bool = False) -> Track:
    """A disc scar (object 1) of the given radii (pixels) per date; optionally a fixed square object 2."""
    track = Track.empty(len(dates), grid.shape)
    obj = track.obj(1)
    h, w = grid.shape
    for i, r in enumerate(radii):
        obj.masks[i] = disc(grid.shape, w / 3, h / 2, r)
        obj.provenance[i] = Provenance.PROMPTED if i == 0 else Provenance.PROPAGATED
        obj.confidence[i] = 0.9
    if second_object:
        two = track.obj(2)
        for i in range(len(dates)):
            two.masks[i] = rect(grid.shape, 2, 6, w - 8, w - 3)
            two.provenance[i] = Provenance.PROMPTED if i == 0 else Provenance.PROPAGATED
            two.confidence[i] = 0.8
    return track

