"""The harmonised image series: what the model sees and the analyst looks at."""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass, field

import numpy as np

from tracking.core.errors import InputError
from tracking.core.grid import Grid
from tracking.core.spectral import Spectral


def check_video(images, min_frames: int = 1) -> np.ndarray:
    """``images`` as an (N, H, W, 3) uint8 array, or InputError naming what it is instead.

    The one check of the video every engine and the Frames type take; ``min_frames``
    is 1 for an engine (an empty video cannot be tracked).
    """
    arr = np.asarray(images)
    if arr.ndim != 4 or arr.shape[-1] != 3 or arr.dtype != np.uint8 or len(arr) < min_frames:
        raise InputError(f"The frames must be a non-empty (N, H, W, 3) uint8 video, not a {arr.shape} "
                         f"{arr.dtype} array." if min_frames else
                         f"The frames must be an (N, H, W, 3) uint8 video, not a {arr.shape} {arr.dtype} array.")
    return arr


def check_frame_index(frame, n: int, prompt: bool = False) -> int:
    """``frame`` as an int in 0..n-1, or InputError (worded for a prompt when ``prompt``).

    The one frame-index check of the series, the session and both engines.
    """
    try:
        k = operator.index(frame)
    except TypeError:
        raise InputError(f"The frame number {frame!r} is not a whole number.") from None
    if not 0 <= k < n:
        if prompt:
            raise InputError(f"The prompt names frame {k + 1}, but the series has {n} frames.")
        raise InputError(f"There is no frame {k + 1}; the series has {n} frames.")
    return int(k)


@dataclass(frozen=True)
class FrameQuality:
    """Fractions (0..1) of the frame's pixels judged cloud, snow or nodata, and how the frame
    was lined up with the reference frame.

    shift: (dx, dy) grid pixels the frame was moved by co-registration ((0, 0): it lay on the
    reference already); None when its offset was not measured, or not surely (cloud, snow).
    """

    cloud: float
    snow: float
    nodata: float
    bad: bool
    reasons: tuple[str, ...] = ()  # e.g. ("cloud 41% > 30%",)
    shift: tuple[float, float] | None = None

    def to_dict(self) -> dict:
        return {"cloud": self.cloud, "snow": self.snow, "nodata": self.nodata,
                "bad": self.bad, "reasons": list(self.reasons),
                "shift": list(self.shift) if self.shift is not None else None}

    def shift_text(self) -> str:
        """How far co-registration moved the frame, in pixels (dx, dy): "+0.25, -0.18"; "0"
        when it lay on the reference already; "-" when not measured (cloud, snow)."""
        if self.shift is None:
            return "-"
        dx, dy = self.shift
        return "0" if dx == dy == 0 else f"{dx:+.2f}, {dy:+.2f}"

    @classmethod
    def from_dict(cls, d: dict) -> "FrameQuality":
        shift = d.get("shift")
        return cls(float(d["cloud"]), float(d["snow"]), float(d["nodata"]), bool(d["bad"]),
                   tuple(d.get("reasons", ())), tuple(float(v) for v in shift) if shift is not None else None)


@dataclass
class Frames:
    """N frames on one grid, ordered by date.

    images: (N, H, W, 3) uint8 harmonised RGB.
    valid:  (N, H, W) bool, False where the scene had no data.
    excluded: frame indices the analyst excluded by hand (treated as bad).
    spectral: the red, NIR and SWIR bands on a reflectance-like scale (see
        :mod:`tracking.core.spectral`), None for a series without NIR or SWIR.
    """

    images: np.ndarray
    valid: np.ndarray
    dates: list[dt.date]
    sources: list[str]
    grid: Grid
    quality: list[FrameQuality]
    excluded: set[int] = field(default_factory=set)
    spectral: Spectral | None = None

    def __post_init__(self) -> None:
        n = len(self.dates)
        if self.images.shape[0] != n or self.valid.shape[0] != n or len(self.quality) != n:
            raise ValueError("images, valid, dates and quality must have one entry per frame")
        check_video(self.images, min_frames=0)
        if self.spectral is not None and (len(self.spectral), self.spectral.shape) != (n, self.images.shape[1:3]):
            raise ValueError("the spectral bands must have one (H, W) image per frame")

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

    def guidance(self, indices: list[int] | None = None) -> np.ndarray | None:
        """(M, H, W, C) float32 vegetation cues (NDVI first, NaN unknown) of frames ``indices``
        (default all) for an engine's ``load``; None for a series without NIR or SWIR."""
        return None if self.spectral is None else self.spectral.guidance(indices, self.valid)
