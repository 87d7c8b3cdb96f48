"""The baseline engine on degenerate masks: the whole frame, (nearly) nothing, one pixel, the border.

A mask that covers the whole frame has an infinite distance to its outline (there is none);
clicks and propagation from such a frame must still work, as must every other extreme an
analyst can draw or a correction can leave behind.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers.baseline_series import synthetic_series
from tracking.core.prompts import Prompt
from tracking.engines.baseline import shapes
from tracking.engines.baseline.engine import BaselineEngine

N, SIZE = 4, 40


@pytest.fixture(scope="module")
def series():
    return synthetic_series(n_frames=N, size=SIZE, seed=1)


def engine_on(images: np.ndarray) -> BaselineEngine:
    engine = BaselineEngine()
    engine.load(images)
    return engine


def masks_of(steps) -> dict[int, np.ndarray]:
    """frame -> object 1's mask (absent when the step holds none)."""
    return {s.frame: s.masks[1] for s in steps if 1 in s.masks}


def test_infinite_sizes_cover_the_frame_instead_of_overflowing():
    mask = np.zeros((6, 9), bool)
    mask[2, 3] = True
    assert shapes.grow_box(mask, np.inf).all()
    assert shapes.discs(mask.shape, np.array([[3.0, 2.0]]), np.inf).all()
    assert not shapes.grow_box(np.zeros((6, 9), bool), np.inf).any()


def test_full_frame_mask_propagates_and_takes_clicks(series):
    images, _ = series
    full = np.ones((SIZE, SIZE), bool)
    engine = engine_on(images)
    assert engine.add_prompt(Prompt(1, mask=full)).masks[1].all()  # a mask prompt comes back as is
    forward = masks_of(engine.propagate(1))
    backward = masks_of(engine.propagate(1, reverse=True))
    assert sorted(forward) == [1, 2, 3] and sorted(backward) == [0, 1]
    for mask in (*forward.values(), *backward.values()):
        assert mask.shape == (SIZE, SIZE) and mask.dtype == bool
    assert forward[2].mean() > 0.9  # nothing says the scar shrank away from the frame's edges
    # clicks on a frame whose mask covers everything, then propagation goes on from there
    frame = 2 if forward[2].all() else 1
    step = engine.add_prompt(Prompt(frame, points=[[20.0, 20.0]], labels=[0]))
    assert not step.masks[1][20, 20]
    engine.add_prompt(Prompt(frame, points=[[5.0, 5.0]], labels=[1]))
    after = masks_of(engine.propagate(frame))
    assert sorted(after) == list(range(frame, N))


def test_mask_of_all_but_one_pixel_is_a_valid_prompt(series):
    images, _ = series
    nearly = np.ones((SIZE, SIZE), bool)
    nearly[0, 0] = False
    engine = engine_on(images)
    assert np.array_equal(engine.add_prompt(Prompt(0, mask=nearly)).masks[1], nearly)
    assert sorted(masks_of(engine.propagate(0))) == list(range(N))


def test_negative_click_that_empties_the_mask_then_propagation(series):
    images, truth = series
    engine = engine_on(images)
    engine.add_prompt(Prompt(0, mask=truth[0]))
    tracked = masks_of(engine.propagate(0))
    assert tracked[2].any()
    small = np.zeros((SIZE, SIZE), bool)
    small[18:21, 18:21] = True  # a 3 x 3 correction, then one negative click on it
    engine.add_prompt(Prompt(2, mask=small))
    step = engine.add_prompt(Prompt(2, points=[[19.0, 19.0]], labels=[0]))
    assert not step.masks[1].any()  # the object is still there, with an empty mask
    forward = masks_of(engine.propagate(2))
    assert sorted(forward) == [2, 3] and not forward[3].any()  # nothing to carry on
    backward = masks_of(engine.propagate(2, reverse=True))
    assert sorted(backward) == [0, 1, 2]
    assert np.array_equal(backward[0], truth[0])  # the first prompt is kept


def test_negative_click_alone_gives_no_mask_and_propagation_has_nothing_to_do(series):
    images, _ = series
    engine = engine_on(images)
    assert 1 not in engine.add_prompt(Prompt(0, points=[[5.0, 5.0]], labels=[0])).masks
    assert masks_of(engine.propagate(0)) == {}


@pytest.mark.parametrize("where", [(20, 20), (0, 0), (SIZE - 1, 0), (SIZE - 1, SIZE - 1)])
def test_one_pixel_mask_stays_small(series, where):
    images, _ = series
    one = np.zeros((SIZE, SIZE), bool)
    one[where] = True
    engine = engine_on(images)
    assert np.array_equal(engine.add_prompt(Prompt(0, mask=one)).masks[1], one)
    tracked = masks_of(engine.propagate(0))
    assert sorted(tracked) == list(range(N))
    for mask in tracked.values():  # one pixel of evidence never grows into a landslide
        assert mask.sum() <= 0.05 * mask.size


def test_mask_touching_the_border_is_tracked(series):
    images, truth = series
    ys, xs = np.nonzero(truth[0])
    shift = -int(ys.min())  # slide the true scar up until it touches the top edge
    border = np.zeros_like(truth[0])
    border[ys + shift, xs] = True
    engine = engine_on(np.stack([np.roll(im, shift, axis=0) for im in images]))
    engine.add_prompt(Prompt(0, mask=border))
    tracked = masks_of(engine.propagate(0))
    assert sorted(tracked) == list(range(N))
    for f, mask in tracked.items():
        assert mask[0].any(), f  # still on the edge
        assert 0.5 * border.sum() <= mask.sum() <= 0.5 * mask.size, (f, int(mask.sum()))
