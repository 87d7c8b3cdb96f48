"""A real-size plain delivery (2,048 px screenshots, month-only dates) tracked through its
failure date by the baseline engine, end to end from the files."""

from __future__ import annotations

import numpy as np

from tracking.core.prompts import Prompt
from tracking.engines.baseline.engine import BaselineEngine
from tracking.engines.baseline.shapes import iou
from tracking.ingest.build import build_frames
from tracking.ingest.timeline import build_timeline
from tracking.sample.delivery import write_delivery


def test_a_real_size_delivery_is_tracked_through_its_failure_without_flooding(tmp_path):
    # Found by benchmarks/dashboard.py --real-size: on the failure date the second look of the
    # step (a model learnt from the fresh fan) ran along the road and river into the far bank
    # and took half the frame (IoU 0.23); its ground now passes the bareness gate as well.
    delivery = write_delivery(tmp_path / "delivery", width=2048, height=1134, n_images=4)
    frames, problems = build_frames(build_timeline([tmp_path / "delivery"], tmp_path / "work"))
    assert problems == [] and frames.shape == (1134, 2048)
    engine = BaselineEngine()
    engine.load(frames.images, frames.guidance())
    engine.add_prompt(Prompt(0, 1, box=delivery.box))
    masks = [step.masks[1] for step in engine.propagate(0)]
    scores = [iou(m, t) for m, t in zip(masks, delivery.truth)]
    assert min(scores) > 0.8, scores
    assert all(m.sum() < 1.5 * t.sum() for m, t in zip(masks, delivery.truth))
    assert np.diff([t.sum() for t in delivery.truth])[1] > 3 * delivery.truth[1].sum()  # a failure date
