"""Per-frame features computed tile by tile, as the windows of the tracking steps ask for them.

A step looks at a window around the scar (``window``), so computing a large frame's
features everywhere would cost more than the step itself. The features are local
(Gaussian filters at most ``HALO`` px wide), so those of a block of tiles computed
from the block plus a halo are exactly those of the whole frame there; each tile is
computed once, when a window first covers it.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from tracking.engines.baseline.window import Window

# Context (px) computed around a block: ``frame_features``' widest filter (sigma 2 px,
# truncated at 4 sigma) reaches 8 px; twice that leaves room for a wider channel.
HALO = 16
TILE = 64


class TiledFrame:
    """An (H, W, D) float32 per-frame array built tile by tile.

    compute: a function of a window of the frame giving the array over it, (h, w, D),
    with frame-wide rules (a filter's border) applied as over the whole frame.
    """

    def __init__(self, shape: tuple[int, int], compute: Callable[[Window], np.ndarray], tile: int = TILE) -> None:
        self.shape = (int(shape[0]), int(shape[1]))
        self.compute = compute
        self.tile = tile
        self.data: np.ndarray | None = None
        self.done = np.zeros((-(-self.shape[0] // tile), -(-self.shape[1] // tile)), bool)

    def window(self, win: Window) -> np.ndarray:
        """(h, w, D) the array over ``win`` (a view; tiles not yet computed are computed now)."""
        t = self.tile
        ty0, ty1, tx0, tx1 = win.y0 // t, -(-win.y1 // t), win.x0 // t, -(-win.x1 // t)
        for y0, y1, x0, x1 in _blocks(~self.done[ty0:ty1, tx0:tx1]):
            self._fill(ty0 + y0, ty0 + y1, tx0 + x0, tx0 + x1)
        return win.crop(self.data)

    def _fill(self, ty0: int, ty1: int, tx0: int, tx1: int) -> None:
        """Compute tiles rows ty0:ty1, columns tx0:tx1 from the block plus its halo."""
        h, w = self.shape
        t = self.tile
        block = Window(ty0 * t, min(h, ty1 * t), tx0 * t, min(w, tx1 * t), self.shape)
        padded = Window(max(0, block.y0 - HALO), min(h, block.y1 + HALO), max(0, block.x0 - HALO),
                        min(w, block.x1 + HALO), self.shape)
        values = self.compute(padded)
        if self.data is None:
            self.data = np.empty(self.shape + values.shape[2:], values.dtype)
        self.data[block.y0:block.y1, block.x0:block.x1] = values[block.y0 - padded.y0:block.y1 - padded.y0,
                                                                 block.x0 - padded.x0:block.x1 - padded.x0]
        self.done[ty0:ty1, tx0:tx1] = True


def _blocks(missing: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Rectangles (row0, row1, col0, col1) covering the True cells of ``missing`` (R, C):
    each row's runs, with runs equal on consecutive rows merged (a window's first request
    is one block; a window grown by a rim adds a strip on each side)."""
    out: list[tuple[int, int, int, int]] = []
    open_runs: dict[tuple[int, int], int] = {}
    for r in range(missing.shape[0] + 1):
        runs = set(_runs(missing[r])) if r < missing.shape[0] else set()
        for run in list(open_runs):
            if run not in runs:
                out.append((open_runs.pop(run), r) + run)
        for run in runs:
            open_runs.setdefault(run, r)
    return out


def _runs(row: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of True in a 1-D bool array."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], row.astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))
