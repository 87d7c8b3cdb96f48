"""Accuracy of tracked masks against reference outlines.

Per date, with TP, FP, FN the pixel counts of true positives, false positives
and false negatives of the predicted mask against the reference:

- IoU = TP / (TP + FP + FN); precision = TP / (TP + FP); recall = TP / (TP + FN);
  F1 = 2 P R / (P + R) (equal to the Dice coefficient).
- Boundary F-score (Csurka et al., 2013, "What is a good evaluation measure for
  semantic segmentation?"): the boundary pixels of each mask (mask pixels with a
  4-neighbour outside the mask; the frame edge is not a boundary); boundary
  precision = share of predicted boundary pixels within ``tolerance_px`` (Euclidean)
  of a reference boundary pixel, boundary recall the converse; BF = their F1.

Empty cases: when prediction and reference are both empty every score is 1
(nothing to find, nothing claimed: perfect agreement). Otherwise a ratio whose
denominator is zero is 0: a prediction that misses a scar entirely, or claims
one where the reference has none, scores 0 on every measure. The same rule
holds for boundaries.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from scipy import ndimage

from tracking.core.errors import InputError
from tracking.core.track import Track

METRICS = ("iou", "precision", "recall", "f1", "bf")
_CROSS = ndimage.generate_binary_structure(2, 1)


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def boundary(mask: np.ndarray) -> np.ndarray:
    """(H, W) bool: mask pixels with at least one 4-neighbour outside the mask.

    Pixels on the frame edge are not boundary for that reason alone (the frame
    edge cuts the scene, not the scar).
    """
    mask = np.asarray(mask, bool)
    return mask & ~ndimage.binary_erosion(mask, _CROSS, border_value=1)


def boundary_f_score(pred: np.ndarray, ref: np.ndarray, tolerance_px: float = 2.0) -> float:
    """BF score of two (H, W) bool masks with a distance tolerance in pixels."""
    bp, br = boundary(pred), boundary(ref)
    if not bp.any() and not br.any():
        return 1.0
    if not bp.any() or not br.any():
        return 0.0
    # Distance of every pixel to the nearest boundary pixel of the other mask.
    dist_to_ref = ndimage.distance_transform_edt(~br)
    dist_to_pred = ndimage.distance_transform_edt(~bp)
    precision = float(np.mean(dist_to_ref[bp] <= tolerance_px))
    recall = float(np.mean(dist_to_pred[br] <= tolerance_px))
    return _f1(precision, recall)


def scores(pred: np.ndarray, ref: np.ndarray, tolerance_px: float = 2.0) -> dict[str, float]:
    """IoU, precision, recall, F1 and BF of one (H, W) bool prediction against the reference."""
    pred = np.asarray(pred, bool)
    ref = np.asarray(ref, bool)
    if pred.shape != ref.shape:
        raise ValueError(f"prediction {pred.shape} and reference {ref.shape} differ in shape")
    tp = float(np.count_nonzero(pred & ref))
    fp = float(np.count_nonzero(pred & ~ref))
    fn = float(np.count_nonzero(~pred & ref))
    if tp + fp + fn == 0:
        return {m: 1.0 for m in METRICS}
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    return {"iou": _ratio(tp, tp + fp + fn), "precision": precision, "recall": recall,
            "f1": _f1(precision, recall), "bf": boundary_f_score(pred, ref, tolerance_px)}


def evaluate(track: Track, reference: dict[dt.date, np.ndarray], dates: list[dt.date],
             tolerance_px: float = 2.0) -> list[dict]:
    """Score the track (all objects together) on every date that has a reference.

    Returns one dict per matched date, in date order: ``date``, the ``METRICS``,
    ``pred_px`` and ``ref_px`` (mask sizes in pixels). Raises InputError when no
    reference date is a tracked date.
    """
    index = {d: i for i, d in enumerate(dates)}
    matched = sorted(d for d in reference if d in index)
    if not matched:
        ref_dates = ", ".join(str(d) for d in sorted(reference)[:5]) or "none"
        raise InputError(f"None of the reference dates ({ref_dates}) is a date of the tracked series.")
    rows = []
    for d in matched:
        pred = track.union(index[d])
        ref = np.asarray(reference[d], bool)
        if ref.shape != pred.shape:
            raise InputError(f"The reference mask of {d} is {ref.shape[1]}x{ref.shape[0]} pixels, "
                             f"but the track is {pred.shape[1]}x{pred.shape[0]}.")
        rows.append({"date": d, **scores(pred, ref, tolerance_px),
                     "pred_px": int(pred.sum()), "ref_px": int(ref.sum())})
    return rows


def mean_scores(rows: list[dict]) -> dict[str, float]:
    """Mean of each metric over the rows (NaN when there are none)."""
    return {m: (float(np.mean([r[m] for r in rows])) if rows else math.nan) for m in METRICS}


def unmatched_dates(reference: dict[dt.date, np.ndarray], dates: list[dt.date]) -> list[dt.date]:
    """Reference dates that are not in the tracked series (left out of ``evaluate``)."""
    known = set(dates)
    return sorted(d for d in reference if d not in known)
