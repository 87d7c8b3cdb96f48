"""Where things are: the world grid and the valley's own coordinates.

The world grid is the reference grid (``size`` x ``size`` pixels of 10 m in
EPSG:32648, near Wenchuan, Sichuan) padded by ``pad`` pixels on every side, so
that co-registration jitter, cloud shadows and the scene on another grid never
run out of data. Valley coordinates, in world pixels:

- ``q`` along the valley (downstream, roughly north to south),
- ``p`` across it, positive towards the west bank, 0 on the river's centre line
  (the river meanders, so ``p`` already includes the meander).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from affine import Affine

PIXEL_M = 10.0
CRS = "EPSG:32648"
#: top-left corner of the reference grid (UTM 48N, the Min river valley near Wenchuan)
ORIGIN = (352_000.0, 3_436_000.0)
LONLAT = (103.46, 31.04)  # the reference grid's centre


@dataclass(frozen=True, eq=False)
class Layout:
    """The fixed geometry of one synthetic world (all lengths in world pixels)."""

    size: int
    pad: int
    rotation_deg: float  # valley direction, clockwise from south
    centre: tuple[float, float]  # (x, y) of a point on the river's centre line
    meander_amp: float
    meander_len: float
    meander_phase: float
    scar_q: float  # along-valley position of the landslide axis

    @property
    def world_size(self) -> int:
        return self.size + 2 * self.pad

    @property
    def world_shape(self) -> tuple[int, int]:
        return (self.world_size, self.world_size)

    @property
    def reference_transform(self) -> Affine:
        return Affine(PIXEL_M, 0.0, ORIGIN[0], 0.0, -PIXEL_M, ORIGIN[1])

    @property
    def world_transform(self) -> Affine:
        return Affine(PIXEL_M, 0.0, ORIGIN[0] - self.pad * PIXEL_M,
                      0.0, -PIXEL_M, ORIGIN[1] + self.pad * PIXEL_M)

    def crop(self, arr: np.ndarray) -> np.ndarray:
        """The reference-grid part of a world array (..., Hw, Ww) -> (..., size, size)."""
        a, b = self.pad, self.pad + self.size
        return arr[..., a:b, a:b]

    def s(self, fraction: float) -> float:
        """A length given as a fraction of the reference grid's size, in pixels."""
        return fraction * self.size

    @cached_property
    def _axes(self) -> tuple[np.ndarray, np.ndarray]:
        r = np.radians(self.rotation_deg)
        down = np.array([np.sin(r), np.cos(r)])  # image (x, y); y points south
        west = np.array([-np.cos(r), np.sin(r)])
        return down, west

    def meander(self, q: np.ndarray) -> np.ndarray:
        phase = 2 * np.pi * q / self.meander_len + self.meander_phase
        return self.meander_amp * (np.sin(phase) + 0.35 * np.sin(2.3 * phase + 1.0))

    @cached_property
    def coords(self) -> tuple[np.ndarray, np.ndarray]:
        """(p, q): (Hw, Ww) float32 valley coordinates of every world pixel centre."""
        down, west = self._axes
        yy, xx = np.mgrid[0:self.world_size, 0:self.world_size].astype(np.float32)
        dx, dy = xx - self.centre[0], yy - self.centre[1]
        q = dx * down[0] + dy * down[1]
        p = dx * west[0] + dy * west[1] - self.meander(q)
        return p.astype(np.float32), q.astype(np.float32)

    def to_xy(self, p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World pixel (x, y) of valley coordinates (inverse of :attr:`coords`)."""
        down, west = self._axes
        p = np.asarray(p, float) + self.meander(np.asarray(q, float))
        x = self.centre[0] + p * west[0] + q * down[0]
        y = self.centre[1] + p * west[1] + q * down[1]
        return x, y


def make_layout(size: int, rng: np.random.Generator) -> Layout:
    """Draw a layout: the river in the eastern third, the landslide on the west bank."""
    pad = 10
    c = pad + size / 2.0
    return Layout(
        size=size,
        pad=pad,
        rotation_deg=float(rng.uniform(-18.0, -8.0)),
        centre=(pad + size * float(rng.uniform(0.66, 0.70)), c),
        meander_amp=size * float(rng.uniform(0.035, 0.05)),
        meander_len=size * float(rng.uniform(0.7, 0.9)),
        meander_phase=float(rng.uniform(0, 2 * np.pi)),
        scar_q=size * float(rng.uniform(-0.10, 0.0)),
    )
