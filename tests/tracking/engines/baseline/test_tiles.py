"""Features computed tile by tile for the windows that ask are the whole frame's, each tile once."""

from __future__ import annotations

import numpy as np

from tests.helpers.baseline_series import synthetic_series
from tracking.engines.baseline.appearance import frame_features
from tracking.engines.baseline.tiles import HALO, TiledFrame
from tracking.engines.baseline.window import Window


def test_tiled_features_equal_the_whole_frames_and_each_tile_is_computed_once():
    images, _ = synthetic_series(n_frames=1, size=200, seed=4)
    image = images[0]
    whole = frame_features(image)
    blocks = []

    def compute(win: Window) -> np.ndarray:
        blocks.append(win)
        return frame_features(win.crop(image))

    tiles = TiledFrame(image.shape[:2], compute, tile=32)
    shape = image.shape[:2]
    # A window, the same again, one grown on every side, one across the frame's corner.
    for win in (Window(50, 110, 60, 130, shape), Window(50, 110, 60, 130, shape), Window(30, 140, 40, 150, shape),
                Window(120, 200, 150, 200, shape)):
        assert np.array_equal(tiles.window(win), win.crop(whole))
    assert len(blocks) >= 2
    covered = np.zeros(shape, int)
    for b in blocks:
        inner = Window(b.y0 + HALO if b.y0 else 0, b.y1 - HALO if b.y1 < 200 else 200,
                       b.x0 + HALO if b.x0 else 0, b.x1 - HALO if b.x1 < 200 else 200, shape)
        inner.crop(covered)[...] += 1
    assert covered.max() == 1  # no tile computed twice
    assert not tiles.done[0, 0]  # nothing asked for the top-left corner


def test_tiles_keep_extra_channels():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (70, 90, 3), dtype=np.uint8)
    extra = rng.normal(size=(70, 90, 1)).astype(np.float32)
    tiles = TiledFrame(image.shape[:2], lambda w: frame_features(w.crop(image), w.crop(extra)), tile=16)
    win = Window(10, 60, 5, 80, image.shape[:2])
    assert np.array_equal(tiles.window(win), win.crop(frame_features(image, extra)))
