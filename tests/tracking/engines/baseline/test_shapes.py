"""Mask operations: signed distances over the scar's surroundings, and holes filled by size."""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from tests.helpers.baseline_series import blob
from tracking.engines.baseline.shapes import box_bounds, fill_holes, reach, signed_distance


def test_signed_distance_is_exact_within_its_reach_and_a_lower_bound_beyond():
    mask = blob((300, 320), (140, 150), 40, 3)
    sd = signed_distance(mask)
    exact = np.where(mask, 0.5 - ndi.distance_transform_edt(mask), ndi.distance_transform_edt(~mask) - 0.5)
    near = exact <= reach(mask)
    assert np.allclose(sd[near], exact[near])
    assert (sd[~near] <= exact[~near] + 1e-4).all() and (sd[~near] >= reach(mask) - 1).all()


def test_signed_distance_of_a_mask_on_the_frame_edge():
    mask = np.zeros((60, 80), bool)
    mask[0:20, 70:80] = True
    sd = signed_distance(mask)
    exact = np.where(mask, 0.5 - ndi.distance_transform_edt(mask), ndi.distance_transform_edt(~mask) - 0.5)
    assert np.allclose(sd[exact <= reach(mask)], exact[exact <= reach(mask)])


def test_fill_holes_fills_small_holes_and_keeps_a_large_one():
    mask = np.zeros((100, 100), bool)
    mask[10:90, 10:90] = True
    mask[20:23, 20:23] = False  # a boulder
    mask[40:70, 40:70] = False  # an island the scar encloses
    out = fill_holes(mask, 3.0)
    assert out[20:23, 20:23].all() and not out[40:70, 40:70].any()
    assert fill_holes(mask)[40:70, 40:70].all()  # without a radius every hole is filled


def test_box_bounds_grow_the_bounding_box_and_clip_it_to_the_frame():
    mask = np.zeros((10, 12), bool)
    mask[2:4, 5:9] = True
    assert box_bounds(mask) == (2, 4, 5, 9)
    assert box_bounds(mask, 3) == (0, 7, 2, 12)
    assert box_bounds(mask, np.inf) == (0, 10, 0, 12)
    assert box_bounds(np.zeros((4, 4), bool), 2) is None
