"""The harmonised image series: what the model sees and the analyst looks at."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from tracking.core.grid import Grid


@dataclass(frozen=True)
class FrameQuality:
    """Fractions (0..1) of the frame's pixels judged cloud, snow or nodata."""

    cloud: float
    snow: float
    nodata: float
    bad: bool
    reasons: tuple[str, ...] = ()  # e.g. ("cloud 41% > 30%",)

    def to_dict(self) -> dict:
        return {"cloud": self.cloud, "snow": self.snow, "nodata": self.nodata,
                "bad": self.bad, "reasons": list(self.reasons)}

    @classmethod
    def from_dict(cls, d: dict) -> "FrameQuality":
        return cls(float(d["cloud"]), float(d["snow"]), float(d["nodata"]), bool(d["bad"]),
                   tuple(d.get("reasons", ())))


@dataclass
class Frames:
    """N frames on one grid, ordered by date.

    images: (N, H, W, 3) uint8 harmonised RGB.
    valid:  (N, H, W) bool, False where the scene had no data.
    excluded: frame indices the analyst excluded by hand (treated as bad).
    """

    images: np.ndarray
    valid: np.ndarray
    dates: list[dt.date]
    sources: list[str]
    grid: Grid
    quality: list[FrameQuality]
    excluded: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        n = len(self.dates)
        if self.images.shape[0] != n or self.valid.shape[0] != n or len(self.quality) != n:
            raise ValueError("images, valid, dates and quality must have one entry per frame")
        if self.images.dtype != np.uint8 or self.images.ndim != 4 or self.images.shape[-1] != 3:
            raise ValueError("images must be (N, H, W, 3) uint8")

    def __len__(self) -> int:
        return len(self.dates)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.images.shape[1], self.images.shape[2])

    @property
    def bad(self) -> np.ndarray:
        """(N,) bool: frames the trackers must skip (flagged by quality or excluded)."""
        return np.array([q.bad or i in self.excluded for i, q in enumerate(self.quality)], bool)

    @property
    def good_indices(self) -> list[int]:
        return [i for i, b in enumerate(self.bad) if not b]
