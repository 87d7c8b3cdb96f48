"""The propagation step (tracking.engines.baseline.propagation): outline sharpening, failed ground,
open water."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy import ndimage as ndi

from tests.helpers.baseline_series import SEASONS, SOIL
from tracking.engines.baseline.appearance import frame_features
from tracking.engines.baseline.graphcut import EdgeWeights
from tracking.engines.baseline.guidance import open_water
from tracking.engines.baseline.propagation import (
    OUTLINE_BAND,
    failed_ground,
    learn_state,
    segment_frame,
    sharpen_outline,
    track_step,
)
from tracking.engines.baseline.shapes import iou, signed_distance


def _scene(scar: np.ndarray, seed: int = 0) -> np.ndarray:
    """(H, W, 3) uint8: bare soil on ``scar`` over textured vegetation, with the
    scar's edge pixels a mix of the two, as a sensor sees them."""
    rng = np.random.default_rng(seed)
    shape = scar.shape
    tex = ndi.gaussian_filter(rng.normal(size=shape), 1.5)
    veg = SEASONS[1] * (1 + 0.25 * (tex / tex.std()))[..., None]
    soil = SOIL * (1 + 0.06 * rng.normal(size=shape))[..., None]
    cover = np.clip(ndi.gaussian_filter(scar.astype(np.float32), 0.5), 0, 1)
    cover = np.where(scar, np.maximum(cover, 0.6), np.minimum(cover, 0.3))[..., None]
    img = cover * soil + (1 - cover) * veg + rng.normal(0, 3, shape + (3,))
    return np.clip(img, 0, 255).astype(np.uint8)


def _lobate(shape: tuple[int, int], radius: float, seed: int = 5) -> np.ndarray:
    """(H, W) bool: a disc whose rim is cut into lobes and notches a few pixels across."""
    noise = ndi.gaussian_filter(np.random.default_rng(seed).normal(size=shape), 1.5)
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    d = np.hypot(yy - shape[0] / 2, xx - shape[1] / 2) / radius + 0.25 * noise / noise.std()
    return ndi.binary_fill_holes(ndi.binary_opening(d < 1.0))


def test_sharpening_gives_back_the_lobes_a_smooth_outline_rounds_off():
    truth = _lobate((96, 96), 22)
    smooth = ndi.gaussian_filter(truth.astype(np.float32), 2.5) > 0.5
    features = frame_features(_scene(truth))
    sharp = sharpen_outline(features, EdgeWeights.from_features(features[..., :3]), smooth)
    assert iou(smooth, truth) < 0.85
    assert iou(sharp, truth) > 0.9
    # Only the band around the given outline is decided again.
    far = np.abs(signed_distance(smooth)) > OUTLINE_BAND
    assert np.array_equal(sharp[far], smooth[far])


def test_sharpening_leaves_a_mask_too_small_to_learn_from():
    mask = np.zeros((40, 40), bool)
    mask[18:21, 18:21] = True
    features = frame_features(_scene(mask))
    assert np.array_equal(sharpen_outline(features, EdgeWeights.from_features(features[..., :3]), mask), mask)


def test_the_next_date_is_tracked_from_the_trackers_own_outline():
    # A sharpened outline is shown, never carried: its colour-only decisions would otherwise
    # become the next date's prior and ratchet the outline along a road or into a shadow.
    truth = _lobate((96, 96), 20)
    images = [frame_features(_scene(truth, seed=t)) for t in range(3)]
    start = learn_state(images[0], truth, None, 0)
    shown = replace(start, mask=np.roll(truth, 6, axis=1), carried=truth)
    edges = EdgeWeights.from_features(images[1][..., :3])
    ours = track_step(images[1], edges, shown, 1, images[0], images[2])
    plain = track_step(images[1], edges, start, 1, images[0], images[2])
    assert np.array_equal(ours.mask, plain.mask) and np.array_equal(ours.carried, plain.carried)
    assert iou(ours.mask, truth) > 0.9
    assert ours.carried is not None and not np.array_equal(ours.carried, ours.mask)


def test_sharpening_reads_ndvi_where_the_colours_do_not_tell():
    # Dry meadow as pale as the scar's soil on the west half: the display colours cannot tell
    # the scar's rim from it, the vegetation index can (on real frames, both clip to white).
    truth = _lobate((96, 96), 20)
    dry = np.zeros_like(truth)
    dry[:, :48] = True
    features = frame_features(_scene(truth | dry))
    edges = EdgeWeights.from_features(features[..., :3])
    ndvi = np.where(truth, 0.05, 0.6).astype(np.float32)
    ndvi += np.random.default_rng(1).normal(0, 0.03, ndvi.shape).astype(np.float32)
    extra = ndi.gaussian_filter(ndvi * 20.0, 0.7)[..., None]
    given = ndi.binary_dilation(truth)  # the tracker took a pixel of rim all round
    colour_only = sharpen_outline(features, edges, given)
    with_ndvi = sharpen_outline(features, edges, given, extra=extra)
    assert iou(colour_only, truth) < 0.83
    assert iou(with_ndvi, truth) > 0.86


def test_failed_ground_the_cut_leaves_apart_from_the_scar_is_dropped():
    # The evidence calls a far bare patch scar, joined to the old scar's band by a thread one
    # pixel wide: the failed-ground rule takes both, the cut drops the weak thread, and the
    # patch, now apart from the scar, must not stay (a scar is one body).
    shape = (72, 72)
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    old = np.hypot(yy - 20, xx - 20) < 9
    patch = np.hypot(yy - 52, xx - 52) < 7
    thread = (np.abs(yy - xx) < 0.6) & (yy > 20) & (yy < 50)
    image = _scene(old)
    features = frame_features(image)
    prev = learn_state(features, old, None, 0)
    sd_prev = signed_distance(old)
    evidence = np.full(shape, -3.0, np.float32)
    evidence[old | patch] = 4.0
    evidence[thread & ~old & ~patch] = 0.05
    assert failed_ground(evidence, None, sd_prev, prev.width)[52, 52]  # the patch counts as failed
    mask, _ = segment_frame(evidence, None, EdgeWeights.from_features(features[..., :3]), prev, sd_prev)
    assert mask[20, 20] and mask[old].mean() > 0.9
    assert not mask[patch].any()


def test_open_water_never_joins_the_scar_as_new_ground():
    # On this date a silt-laden river, as bright as the scar, runs past it where the last
    # date showed forest; only NIR tells it is water. Colour alone takes the river in; with
    # the water mask, none of it joins.
    shape = (80, 80)
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    old = np.hypot(yy - 30, xx - 30) < 10
    river = (np.abs(xx - 42) < 2.5) & ~old
    before = frame_features(_scene(old))
    now = frame_features(_scene(old | river, seed=1))
    prev = learn_state(before, old, None, 0)
    edges = EdgeWeights.from_features(now[..., :3])
    plain = track_step(now, edges, prev, 1, before)
    assert plain.mask[river].sum() > 40  # the premise: colour alone takes the river
    guided = track_step(now, edges, prev, 1, before, water=river)
    assert not guided.mask[river].any() and guided.mask[old].mean() > 0.9
    assert not guided.carried[river].any()  # nor is it tracked on from there


def test_open_water_is_ndvi_well_below_zero():
    ndvi = np.array([[-0.4, -0.2, -0.05], [0.1, 0.8, np.nan]], np.float32)
    assert open_water(ndvi).tolist() == [[True, True, False], [False, False, False]]
    assert open_water(None) is None
