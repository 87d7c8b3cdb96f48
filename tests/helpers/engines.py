"""A transparent tracking engine whose every answer a test can predict (no model, no weights)."""

from __future__ import annotations

import numpy as np

from tracking.core.prompts import Prompt
from tracking.engines.base import PropagationStep


class GrowingEngine:
    """An engine whose behaviour the tests can predict.

    A prompt's mask (or its box, or a 3x3 square at each positive point) is the frame's
    mask; propagation grows the last mask by one pixel per frame in the direction of travel.
    ``seen`` records every engine frame index it was asked about.
    """

    name = "test"

    def load(self, images: np.ndarray, guidance: np.ndarray | None = None) -> None:
        self.n, self.h, self.w = images.shape[:3]
        self.guidance = guidance
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
