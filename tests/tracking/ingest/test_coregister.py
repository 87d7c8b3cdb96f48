"""Sub-pixel co-registration: known shifts measured, unrelated ground refused, and the
generated series' known sensor jitter undone by build_frames."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import ndimage as ndi

from tests.helpers.landscape import landscape
from tracking.core.frames import FrameQuality
from tracking.ingest.build import FrameOptions, build_frames
from tracking.ingest.coregister import MIN_PEAK, Shift, edge_image, measure_shift, shift_band, shift_mask, window
from tracking.ingest.timeline import build_timeline
from tracking.sample.series import generate_sample


def _scene(seed: int = 0, shape=(160, 160)) -> np.ndarray:
    """(H, W) red band of a textured landscape with a scar and a road."""
    return landscape(shape, seed=seed)[0]


def _moved(band: np.ndarray, dy: float, dx: float, noise: float = 0.003, seed: int = 5) -> np.ndarray:
    """``band``'s content displaced by (dy, dx) px (exactly, in the Fourier domain), plus noise."""
    moved = np.fft.ifft2(ndi.fourier_shift(np.fft.fft2(band), (dy, dx))).real
    return moved + np.random.default_rng(seed).normal(0, noise, band.shape)


@pytest.mark.parametrize("dy, dx", [(0.3, -0.6), (1.7, 0.45), (-2.25, 1.1), (0.0, 0.0)])
def test_a_known_shift_is_measured_to_a_tenth_of_a_pixel(dy, dx):
    ref = _scene()
    usable = np.ones(ref.shape, bool)
    shift = measure_shift(edge_image(ref, usable), edge_image(_moved(ref, dy, dx), usable))
    assert shift.peak >= MIN_PEAK and shift.sure(ref.shape)
    assert abs(shift.dy + dy) <= 0.1 and abs(shift.dx + dx) <= 0.1, shift  # the shift undoes the move


def test_a_cloud_over_half_the_frame_is_left_out_of_the_measurement():
    ref = _scene(1)
    moved = _moved(ref, 0.6, -0.4)
    cloud = np.zeros(ref.shape, bool)
    cloud[:, 70:] = True
    moved[cloud] = 0.9 + 0.05 * np.random.default_rng(2).random(int(cloud.sum()))
    ones = np.ones(ref.shape, bool)
    shift = measure_shift(edge_image(ref, ones), edge_image(moved, ~cloud))
    assert shift.sure(ref.shape) and abs(shift.dy + 0.6) <= 0.15 and abs(shift.dx - 0.4) <= 0.15, shift


def test_unrelated_ground_is_not_trusted():
    a, b = _scene(3), landscape((160, 160), seed=4, scar=False, road=False)[0]
    ones = np.ones(a.shape, bool)
    shift = measure_shift(edge_image(a, ones), edge_image(b, ones))
    assert shift.peak < MIN_PEAK and not shift.sure(a.shape)
    # the same scar turned a quarter: a strong peak, but at a shift no scene is misplaced by
    turned = measure_shift(edge_image(a, ones), edge_image(np.rot90(a).copy(), ones))
    assert not turned.sure(a.shape)
    # a large shift must stand out twice as far as a small one
    assert Shift(0.5, 0.5, 1.5 * MIN_PEAK).sure(a.shape) and not Shift(3.0, 0.5, 1.5 * MIN_PEAK).sure(a.shape)
    assert Shift(3.0, 0.5, 2.5 * MIN_PEAK).sure(a.shape)
    nothing = measure_shift(edge_image(a, ones), edge_image(b, np.zeros(a.shape, bool)))
    assert not nothing.sure(a.shape)  # a frame with no usable ground is never moved


def test_shifting_a_band_with_nodata_does_not_ring_and_the_valid_mask_follows():
    band = np.full((40, 40), 0.3, np.float32)
    known = np.ones((40, 40), bool)
    known[:, :10] = False
    band[~known] = 0.0  # nodata fill, far from the image's values
    shift = Shift(0.4, 2.5, 100.0)
    moved = shift_band(band, shift, known)
    valid = shift_mask(known, shift)
    assert np.allclose(moved[valid], 0.3, atol=1e-4)
    assert valid[:, 13:].all() and not valid[:, :12].any()  # the frame's edge rows stay valid


def test_build_frames_undoes_the_generated_series_sensor_jitter(tmp_path):
    series = generate_sample(tmp_path / "s", seed=4, size=160, n_dates=12)
    manifest = json.loads((series.root / "sample.json").read_text())
    jitter = {s["file"]: s["jitter_px"] for s in manifest["scenes"]}
    timeline = build_timeline([series.scenes_dir], tmp_path / "tl")
    frames, _ = build_frames(timeline)
    errors, moved = [], 0
    for source, q in zip(frames.sources, frames.quality):
        jx, jy = jitter[source]
        if q.shift is None:  # not measured surely: only ever a frame the quality check flags
            assert q.bad
            continue
        errors.append(np.hypot(q.shift[0] + jx, q.shift[1] + jy))
        moved += q.shift != (0.0, 0.0)
    assert frames.quality[0].shift == (0.0, 0.0)  # the reference stays where it is
    assert moved >= 8 and len(errors) >= 10
    assert np.median(errors) <= 0.1 and max(errors) <= 0.3, errors
    plain, _ = build_frames(timeline, FrameOptions(coregister=False))
    assert all(q.shift is None for q in plain.quality)
    # the reference frame comes out the same (the stretch is taken before any frame moves)
    assert np.array_equal(plain.images[0], frames.images[0])
    assert not np.array_equal(plain.images[1:], frames.images[1:])


def test_the_shift_is_saved_with_the_quality_and_old_entries_read_without_it():
    q = FrameQuality(0.1, 0.0, 0.0, False, (), (0.25, -0.5))
    assert FrameQuality.from_dict(q.to_dict()) == q
    old = {"cloud": 0.1, "snow": 0.0, "nodata": 0.0, "bad": False, "reasons": []}
    assert FrameQuality.from_dict(old).shift is None


def test_projects_saved_before_co_registration_keep_their_frames_meaning():
    assert FrameOptions().coregister
    assert FrameOptions.from_dict(FrameOptions(coregister=True).to_dict()).coregister
    assert not FrameOptions.from_dict({"composite": None}).coregister


def test_large_frames_are_measured_on_their_centre():
    rows, cols = window((2048, 1500))
    assert (rows.start, rows.stop, cols.start, cols.stop) == (512, 1536, 238, 1262)
    assert window((300, 200)) == (slice(0, 300), slice(0, 200))  # a small frame is measured whole
