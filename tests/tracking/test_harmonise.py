"""One shared stretch for all frames; histogram matching to a reference frame."""

from __future__ import annotations

import numpy as np
import pytest

from tracking.errors import InputError
from tracking.harmonise import match_histograms, shared_percentiles, shared_stretch


def _scene(seed: int, gain: float = 1.0, shape=(40, 50)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = np.stack([rng.uniform(300, 3000, shape) for _ in range(3)]).astype(np.float32)
    return base * gain


def test_uniformly_darker_frame_stays_darker():
    bright, dark = _scene(0), _scene(1, gain=0.5)
    stack = np.stack([bright, dark])
    valid = np.ones((2, 40, 50), bool)
    out = shared_stretch(stack, valid)
    assert out.shape == (2, 40, 50, 3) and out.dtype == np.uint8
    assert out[1].mean() < 0.7 * out[0].mean()
    # A per-frame min/max stretch would erase the difference; the shared one keeps it.
    per_frame = [(f - f.min()) / (f.max() - f.min()) * 255 for f in (bright, dark)]
    assert abs(per_frame[0].mean() - per_frame[1].mean()) < 10
    # the same value maps to the same grey in both frames
    ys, xs = np.nonzero(np.abs(dark[0] - 1200) < 15)
    yb, xb = np.nonzero(np.abs(bright[0] - 1200) < 15)
    assert abs(int(out[1, ys, xs, 0].mean()) - int(out[0, yb, xb, 0].mean())) <= 2


def test_percentiles_are_over_all_valid_pixels_and_nodata_is_black():
    stack = np.zeros((2, 3, 10, 10), np.float32)
    stack[0] = np.linspace(0, 99, 100).reshape(10, 10)
    stack[1] = np.linspace(100, 199, 100).reshape(10, 10)
    valid = np.ones((2, 10, 10), bool)
    valid[1, :5] = False
    stack[1, :, :5] = 1e6  # huge values under the nodata mask must not move the stretch
    limits = shared_percentiles(stack, valid, 2, 98)
    expected = np.percentile(np.concatenate([stack[0, 0].ravel(), stack[1, 0, 5:].ravel()]), [2, 98])
    assert np.allclose(limits[0], expected)
    out = shared_stretch(stack, valid, 2, 98)
    assert (out[1, :5] == 0).all()
    assert out[0, 0, 0, 0] == 0 and out[1, 9, 9, 0] == 255


def test_stretch_can_leave_clouds_out_of_the_percentiles():
    land = _scene(4)
    cloudy = land.copy()
    cloudy[:, :20] = 9000.0  # a bright cloud over 40 % of the second frame
    stack = np.stack([land, cloudy])
    valid = np.ones((2, 40, 50), bool)
    sample = valid.copy()
    sample[1, :20] = False
    plain = shared_stretch(stack, valid)
    clear = shared_stretch(stack, valid, sample=sample)
    assert clear[0].mean() > plain[0].mean() + 30  # land is no longer squeezed into the dark end
    assert (clear[1, :20] == 255).all()  # the cloud itself still shows, saturated


def test_constant_and_nan_input_do_not_break():
    stack = np.full((1, 3, 4, 4), 7.0, np.float32)
    stack[0, :, 0, 0] = np.nan
    valid = np.isfinite(stack).all(axis=1)
    out = shared_stretch(stack, valid)
    assert out[0, 0, 0].tolist() == [0, 0, 0] and np.isin(out, [0]).all()


def test_histogram_matching_moves_a_frame_to_the_reference():
    rng = np.random.default_rng(3)
    ref = rng.normal(150, 30, (60, 60, 3)).clip(0, 255).astype(np.uint8)
    other = rng.normal(80, 12, (60, 60, 3)).clip(0, 255).astype(np.uint8)
    frames = np.stack([ref, other])
    valid = np.ones((2, 60, 60), bool)
    valid[1, :10] = False
    frames[1, :10] = 0
    out = match_histograms(frames, valid, reference=0)
    assert np.array_equal(out[0], ref)
    matched = out[1][valid[1]]
    for b in range(3):
        assert abs(matched[:, b].mean() - ref[..., b].mean()) < 3
        assert abs(matched[:, b].std() - ref[..., b].std()) < 4
    assert (out[1, :10] == 0).all()
    # the mapping is monotone: pixel order is kept
    a, b = other[30:, :, 0].ravel(), out[1, 30:, :, 0].ravel()
    order = np.argsort(a, kind="stable")
    assert (np.diff(b[order].astype(int)) >= 0).all()


def test_histogram_reference_must_exist_and_have_data():
    frames = np.zeros((2, 4, 4, 3), np.uint8)
    with pytest.raises(InputError):
        match_histograms(frames, np.ones((2, 4, 4), bool), reference=5)
    with pytest.raises(InputError):
        match_histograms(frames, np.zeros((2, 4, 4), bool), reference=0)
