"""Accuracy scores against cases worked out by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tracking.analysis.accuracy import (
    METRICS,
    boundary,
    boundary_f_score,
    evaluate,
    mean_scores,
    scores,
    unmatched_dates,
)
from tracking.core.errors import InputError
from tracking.core.track import Provenance, Track


def _mask(shape, *slices) -> np.ndarray:
    m = np.zeros(shape, bool)
    for rs, cs in slices:
        m[rs, cs] = True
    return m


def test_pixel_scores_4x4_by_hand():
    # Reference: rows 0-1, columns 0-2 (6 px). Prediction: the 2x2 top-left block + (0, 2) (5 px).
    ref = _mask((4, 4), (slice(0, 2), slice(0, 3)))
    pred = _mask((4, 4), (slice(0, 2), slice(0, 2)), (slice(0, 1), slice(2, 3)))
    s = scores(pred, ref)
    # TP = 5, FP = 0, FN = 1.
    assert s["iou"] == pytest.approx(5 / 6)
    assert s["precision"] == pytest.approx(1.0)
    assert s["recall"] == pytest.approx(5 / 6)
    assert s["f1"] == pytest.approx(10 / 11)


def test_pixel_scores_with_false_positives_by_hand():
    ref = _mask((4, 4), (slice(0, 2), slice(0, 2)))  # 4 px
    pred = _mask((4, 4), (slice(1, 3), slice(1, 3)))  # 4 px, overlap only (1, 1)
    s = scores(pred, ref)
    # TP = 1, FP = 3, FN = 3.
    assert s["iou"] == pytest.approx(1 / 7)
    assert s["precision"] == pytest.approx(1 / 4)
    assert s["recall"] == pytest.approx(1 / 4)
    assert s["f1"] == pytest.approx(1 / 4)


def test_boundary_pixels_leave_out_the_interior_and_the_frame_edge():
    ref = _mask((5, 5), (slice(1, 4), slice(1, 4)))
    expected = ref.copy()
    expected[2, 2] = False  # the only interior pixel
    np.testing.assert_array_equal(boundary(ref), expected)
    full = np.ones((4, 4), bool)
    assert not boundary(full).any()  # the frame edge is not the scar's edge


def test_boundary_f_score_5x5_by_hand():
    ref = _mask((5, 5), (slice(1, 4), slice(1, 4)))  # 3x3: 8 boundary px, (2, 2) interior
    pred = _mask((5, 5), (slice(1, 4), slice(1, 3)))  # 3x2: all 6 px are boundary
    s = scores(pred, ref, tolerance_px=0.5)
    # Pixels: TP = 6, FP = 0, FN = 3.
    assert s["iou"] == pytest.approx(6 / 9)
    assert s["f1"] == pytest.approx(0.8)
    # Exact boundary match: 5 of 6 predicted boundary px lie on the reference boundary ((2, 2) does not),
    # 5 of 8 reference boundary px lie on the predicted one ((1..3, 3) do not): BF = 2PR/(P+R) = 5/7.
    assert s["bf"] == pytest.approx(5 / 7)
    # With a 1 px tolerance every boundary pixel has a partner one pixel away.
    assert boundary_f_score(pred, ref, tolerance_px=1.0) == pytest.approx(1.0)


def test_boundary_f_score_tolerance_counts_euclidean_distance():
    ref = _mask((12, 12), (slice(3, 9), slice(3, 9)))
    shifted = np.roll(ref, 2, axis=1)
    assert boundary_f_score(shifted, ref, tolerance_px=2.0) == pytest.approx(1.0)
    assert boundary_f_score(shifted, ref, tolerance_px=1.0) < 0.8


def test_empty_cases():
    empty = np.zeros((4, 4), bool)
    some = _mask((4, 4), (slice(1, 3), slice(1, 3)))
    assert scores(empty, empty) == {m: 1.0 for m in METRICS}
    assert scores(empty, some) == {m: 0.0 for m in METRICS}
    assert scores(some, empty) == {m: 0.0 for m in METRICS}


def test_identical_masks_score_one():
    some = _mask((6, 6), (slice(1, 4), slice(2, 5)))
    assert scores(some, some) == {m: 1.0 for m in METRICS}


def _track(masks_by_object: dict[int, list[np.ndarray]]) -> Track:
    first = next(iter(masks_by_object.values()))
    track = Track.empty(len(first), first[0].shape)
    for oid, masks in masks_by_object.items():
        obj = track.obj(oid)
        for i, m in enumerate(masks):
            obj.masks[i] = m
            obj.provenance[i] = Provenance.PROPAGATED
    return track


def test_evaluate_scores_union_of_objects_on_matching_dates():
    d0, d1, d2 = dt.date(2020, 1, 1), dt.date(2020, 6, 1), dt.date(2021, 1, 1)
    a = _mask((4, 4), (slice(0, 2), slice(0, 2)))
    b = _mask((4, 4), (slice(2, 4), slice(2, 4)))
    track = _track({1: [a, a], 2: [b, np.zeros((4, 4), bool)]})
    reference = {d0: a | b, d1: a | b, d2: a}  # d2 is not a tracked date
    rows = evaluate(track, reference, [d0, d1])
    assert [r["date"] for r in rows] == [d0, d1]
    assert rows[0]["iou"] == 1.0 and rows[0]["pred_px"] == 8 and rows[0]["ref_px"] == 8
    assert rows[1]["iou"] == pytest.approx(0.5) and rows[1]["recall"] == pytest.approx(0.5)
    assert rows[1]["precision"] == 1.0
    means = mean_scores(rows)
    assert means["iou"] == pytest.approx(0.75)
    assert means["precision"] == pytest.approx(1.0)
    assert unmatched_dates(reference, [d0, d1]) == [d2]


def test_evaluate_without_common_dates_or_with_wrong_shape_raises_input_error():
    a = _mask((4, 4), (slice(0, 2), slice(0, 2)))
    track = _track({1: [a]})
    with pytest.raises(InputError, match="reference dates"):
        evaluate(track, {dt.date(2000, 1, 1): a}, [dt.date(2020, 1, 1)])
    with pytest.raises(InputError, match="5x5"):
        evaluate(track, {dt.date(2020, 1, 1): np.zeros((5, 5), bool)}, [dt.date(2020, 1, 1)])
