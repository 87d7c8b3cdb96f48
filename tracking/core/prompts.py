"""Prompts: what the analyst tells the tracker, in grid pixels."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Prompt:
    """A prompt for one object on one frame.

    points: (K, 2) float32, x = column, y = row in grid pixels.
    labels: (K,) int32, 1 = scar (positive), 0 = not scar (negative).
    box:    (x0, y0, x1, y1) in grid pixels, or None.
    mask:   (H, W) bool on the grid, or None (polygons and brush strokes become masks).
    """

    frame: int
    object_id: int = 1
    points: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))
    labels: np.ndarray = field(default_factory=lambda: np.zeros((0,), np.int32))
    box: tuple[float, float, float, float] | None = None
    mask: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.points = np.asarray(self.points, np.float32).reshape(-1, 2)
        self.labels = np.asarray(self.labels, np.int32).reshape(-1)
        if len(self.points) != len(self.labels):
            raise ValueError("each point needs one label")
        if self.box is not None:
            x0, y0, x1, y1 = (float(v) for v in self.box)
            self.box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        if self.mask is not None:
            self.mask = np.asarray(self.mask, bool)

    @property
    def empty(self) -> bool:
        return len(self.points) == 0 and self.box is None and (self.mask is None or not self.mask.any())

    @property
    def kind(self) -> str:
        """"mask", "box", "points" or "box+points" (for manifests and badges)."""
        if self.mask is not None:
            return "mask"
        if self.box is not None:
            return "box+points" if len(self.points) else "box"
        return "points"

    def to_dict(self) -> dict:
        """JSON form of the prompt; a mask is only flagged (``has_mask``), its pixels are stored
        beside it (see ``tracking.project.serialize.save_prompts``)."""
        return {"frame": self.frame, "object_id": self.object_id, "points": self.points.tolist(),
                "labels": self.labels.tolist(), "box": list(self.box) if self.box else None,
                "has_mask": self.mask is not None}
