"""The tracking step in a window around the scar gives the whole-frame step's result."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers.baseline_series import jump_series, synthetic_series
from tracking.engines.baseline import window as win_mod
from tracking.engines.baseline.appearance import frame_features
from tracking.engines.baseline.bare_change import BareChange, bareness
from tracking.engines.baseline.graphcut import EdgeWeights
from tracking.engines.baseline.propagation import learn_state, track_step
from tracking.engines.baseline.shapes import iou
from tracking.engines.baseline.window import StepSource, Window, windowed_step


class Scene:
    """Features and bareness of a series, with the steps a windowed step ran (window sizes)."""

    def __init__(self, images: np.ndarray, truth: np.ndarray) -> None:
        self.truth = truth
        self.features = [frame_features(im) for im in images]
        self.bare = [bareness(im) for im in images]
        self.source = StepSource(lambda f, w: w.crop(self.features[f]), lambda f, w: w.crop(self.bare[f]))

    def both(self, frame: int, monkeypatch) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
        """(windowed mask, whole-frame mask, window sizes tried) for a step from the truth of
        the frame before."""
        prev = learn_state(self.features[frame - 1], self.truth[frame - 1], None, frame - 1)
        after = frame + 1 if frame + 1 < len(self.features) else None
        tried = []

        def spy(features, *args, **kwargs):
            tried.append(features.shape[:2])
            return track_step(features, *args, **kwargs)

        monkeypatch.setattr(win_mod, "track_step", spy)
        windowed = windowed_step(self.source, prev, frame, after, seed=frame, whole_below=0)
        nxt = None if after is None else self.bare[after]
        whole = track_step(self.features[frame], EdgeWeights.from_features(self.features[frame][..., :3]), prev,
                           frame, self.features[frame - 1], None if after is None else self.features[after],
                           seed=frame, bare=BareChange(self.bare[frame], self.bare[frame - 1], nxt))
        return windowed.mask, whole.mask, tried


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_windowed_step_gives_the_whole_frame_mask(seed, monkeypatch):
    images, truth = synthetic_series(n_frames=4, size=160, seed=seed)
    windowed, whole, tried = Scene(images, truth).both(1, monkeypatch)
    assert tried and tried[0][0] * tried[0][1] < 0.6 * 160 * 160  # a window, not the frame
    assert np.array_equal(windowed, whole)
    assert iou(windowed, truth[1]) > 0.9


def test_windowed_step_matches_the_whole_frame_closely_through_a_series(monkeypatch):
    # The edge weights' contrast is measured over the window, not the frame: a pixel or two
    # of outline may differ, nothing more.
    images, truth = synthetic_series(n_frames=4, size=160, seed=0)
    scene = Scene(images, truth)
    for frame in (1, 2):
        windowed, whole, _ = scene.both(frame, monkeypatch)
        assert abs(int(windowed.sum()) - int(whole.sum())) <= 5 and iou(windowed, whole) > 0.995


@pytest.mark.parametrize("seed", [0, 1])
def test_a_scar_that_grows_far_beyond_the_window_is_followed_within_the_date(seed, monkeypatch):
    images, truth = jump_series(size=192, seed=seed, radii=(8.0, 40.0))
    windowed, whole, tried = Scene(images, truth).both(1, monkeypatch)
    first = tried[0]
    ys, xs = np.nonzero(truth[1])
    assert first[0] < ys.max() - ys.min() and first[1] < xs.max() - xs.min()  # the growth left it
    assert len(tried) >= 2  # the window grew and the step was done again
    assert iou(windowed, truth[1]) > 0.95
    assert np.array_equal(windowed, whole)


@pytest.mark.parametrize("centre", [(0.5, 0.03), (0.97, 0.97), (0.02, 0.5)])
def test_a_scar_on_the_frame_edge_needs_no_larger_window(centre, monkeypatch):
    images, truth = jump_series(size=192, seed=2, radii=(14.0, 16.0), centre=centre)
    windowed, whole, tried = Scene(images, truth).both(1, monkeypatch)
    assert len(tried) == 1  # touching the frame's edge is not touching the window's
    assert iou(windowed, whole) > 0.99
    assert iou(windowed, truth[1]) > 0.9


def test_window_around_a_mask_is_clipped_to_the_frame_and_pastes_back():
    mask = np.zeros((50, 60), bool)
    mask[2:6, 50:58] = True
    win = Window.around(mask, 5)
    assert (win.y0, win.y1, win.x0, win.x1) == (0, 11, 45, 60)
    part = win.crop(mask)
    assert part.sum() == mask.sum()
    assert np.array_equal(win.paste(part, np.zeros_like(mask)), mask)
    assert Window.around(np.zeros((50, 60), bool), 5).is_whole


def test_small_frames_are_stepped_whole(monkeypatch):
    images, truth = synthetic_series(n_frames=3, size=96, seed=0)
    scene = Scene(images, truth)
    tried = []
    monkeypatch.setattr(win_mod, "track_step", lambda features, *a, **k: tried.append(features.shape[:2])
                        or track_step(features, *a, **k))
    prev = learn_state(scene.features[0], truth[0], None, 0)
    windowed_step(scene.source, prev, 1, 2, seed=1)
    assert tried == [(96, 96)]


def test_fits_looks_only_at_the_open_sides_of_the_window():
    shape = (100, 100)
    inner = Window(20, 80, 20, 80, shape)
    mask = np.zeros(inner.size, bool)
    mask[25:35, 25:35] = True
    assert win_mod.fits(inner, mask)
    mask[0:10, 25:35] = True  # reaches the window's top side, which is open
    assert not win_mod.fits(inner, mask)
    edge = Window(0, 60, 20, 80, shape)  # its top side is the frame's edge
    assert win_mod.fits(edge, mask)


def test_a_window_over_most_of_the_frame_is_the_whole_frame():
    shape = (100, 100)
    assert not Window(10, 90, 10, 90, shape).or_whole().is_whole  # 64% of the frame
    assert Window(0, 90, 0, 90, shape).or_whole().is_whole
    small = Window(10, 60, 10, 60, shape)
    assert small.or_whole() == small


def test_the_sharpening_cues_of_the_window_reach_the_step(monkeypatch):
    images, truth = synthetic_series(n_frames=3, size=96, seed=0)
    scene = Scene(images, truth)
    cues = np.random.default_rng(0).normal(size=(96, 96, 1)).astype(np.float32)
    source = StepSource(scene.source.features, scene.source.bareness, lambda f, w: w.crop(cues) + f)
    seen = []
    monkeypatch.setattr(win_mod, "track_step", lambda *a, **k: seen.append(k["sharp_extra"]) or track_step(*a, **k))
    windowed_step(source, learn_state(scene.features[0], truth[0], None, 0), 1, 2, seed=1)
    assert len(seen) == 1 and np.array_equal(seen[0], cues + 1)
