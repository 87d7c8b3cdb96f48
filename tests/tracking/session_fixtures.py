"""Small Frames and a transparent test engine for the session and project tests."""

from __future__ import annotations

import datetime as dt

import numpy as np
from affine import Affine
from rasterio.crs import CRS

from tracking.engines.base import PropagationStep
from tracking.core.frames import FrameQuality, Frames
from tracking.core.grid import Grid
from tracking.core.prompts import Prompt


def make_frames(n: int = 6, size: int = 32, bad: tuple[int, ...] = ()) -> Frames:
    """n frames of random RGB on a 10 m UTM grid; frames in ``bad`` are flagged cloudy."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, (n, size, size, 3), dtype=np.uint8)
    grid = Grid(CRS.from_epsg(32648), Affine(10, 0, 400000, 0, -10, 3400000), size, size)
    quality = [FrameQuality(0.9 if i in bad else 0.0, 0.0, 0.0, i in bad, ("cloud",) if i in bad else ())
               for i in range(n)]
    dates = [dt.date(2018, 1, 1) + dt.timedelta(days=90 * i) for i in range(n)]
    return Frames(images, np.ones((n, size, size), bool), dates, [f"s{i}.tif" for i in range(n)], grid, quality)


class GrowingEngine:
    """An engine whose behaviour the tests can predict.

    A prompt's mask (or its box, or a 3x3 square at each positive point) is the frame's
    mask; propagation grows the last mask by one pixel per frame in the direction of travel.
    ``seen`` records every engine frame index it was asked about.
    """

    name = "test"

    def load(self, images: np.ndarray) -> None:
        self.n, self.h, self.w = images.shape[:3]
        self.prompted: dict[tuple[int, int], np.ndarray] = {}
        self.seen: list[int] = []

    def _mask(self, p: Prompt) -> np.ndarray:
        if p.mask is not None:
            return p.mask.copy()
        m = np.zeros((self.h, self.w), bool)
        if p.box is not None:
            x0, y0, x1, y1 = (int(round(v)) for v in p.box)
            m[y0:y1, x0:x1] = True
        for (x, y), lab in zip(p.points, p.labels):
            m[max(0, int(y) - 1):int(y) + 2, max(0, int(x) - 1):int(x) + 2] = bool(lab)
        return m

    def add_prompt(self, prompt: Prompt) -> PropagationStep:
        self.prompted[(prompt.frame, prompt.object_id)] = self._mask(prompt)
        self.seen.append(prompt.frame)
        masks = {oid: m for (f, oid), m in self.prompted.items() if f == prompt.frame}
        return PropagationStep(prompt.frame, masks, {oid: 1.0 for oid in masks})

    def clear_frame(self, frame: int, object_id: int | None = None) -> None:
        for key in [k for k in self.prompted if k[0] == frame and object_id in (None, k[1])]:
            del self.prompted[key]

    def propagate(self, start: int, reverse: bool = False):
        from scipy.ndimage import binary_dilation

        objects = sorted({oid for _, oid in self.prompted})
        last = {oid: self.prompted.get((start, oid), np.zeros((self.h, self.w), bool)) for oid in objects}
        order = range(start, -1, -1) if reverse else range(start, self.n)
        for f in order:
            self.seen.append(f)
            for oid in objects:
                if (f, oid) in self.prompted:
                    last[oid] = self.prompted[(f, oid)]
                elif f != start:
                    last[oid] = binary_dilation(last[oid])
            yield PropagationStep(f, {oid: last[oid].copy() for oid in objects}, {oid: 0.5 for oid in objects})
