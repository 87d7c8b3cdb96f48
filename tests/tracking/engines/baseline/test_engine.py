"""The weights-free baseline engine on small generated series (no files, no weights)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers.baseline_series import SOIL, blob, synthetic_series
from tests.helpers.frames import make_frames
from tracking.core.errors import InputError
from tracking.core.prompts import Prompt
from tracking.core.track import Provenance
from tracking.engines.baseline.appearance import AppearanceModel, frame_features
from tracking.engines.baseline.belief import FAR_PRIOR, hard_belief, predict
from tracking.engines.baseline.engine import BaselineEngine
from tracking.engines.baseline.graphcut import EdgeWeights, graph_cut
from tracking.engines.baseline.shapes import box_mask, fill_holes, iou, signed_distance
from tracking.run.session import TrackingSession


def bbox(mask: np.ndarray, pad: int = 0) -> tuple[float, float, float, float]:
    ys, xs = np.nonzero(mask)
    return (xs.min() - pad, ys.min() - pad, xs.max() + pad, ys.max() + pad)


def centre(mask: np.ndarray) -> list[float]:
    d = signed_distance(mask)
    y, x = np.unravel_index(int(np.argmin(d)), d.shape)
    return [float(x), float(y)]


@pytest.fixture(scope="module")
def growing():
    return synthetic_series(n_frames=8, size=96, seed=0)


# -- prompts ---------------------------------------------------------------------------

def test_mask_prompt_comes_back_exactly(growing):
    images, truth = growing
    odd = truth[2].copy()
    odd[5:9, 5:9] = True  # even a mask that ignores the image comes back unchanged
    engine = BaselineEngine()
    assert engine.name == "baseline"
    engine.load(images)
    step = engine.add_prompt(Prompt(2, mask=odd))
    assert step.frame == 2 and set(step.masks) == {1}
    assert np.array_equal(step.masks[1], odd)
    assert step.confidence[1] == 1.0


def test_box_prompt_stays_in_the_box_and_covers_the_blob(growing):
    images, truth = growing
    box = bbox(truth[0], pad=4)
    engine = BaselineEngine()
    engine.load(images)
    mask = engine.add_prompt(Prompt(0, box=box)).masks[1]
    assert not (mask & ~box_mask(mask.shape, box)).any()
    assert (mask & truth[0]).sum() >= 0.9 * truth[0].sum()
    assert iou(mask, truth[0]) > 0.85


def test_one_click_segments_the_blob_under_it(growing):
    images, truth = growing
    engine = BaselineEngine()
    engine.load(images)
    mask = engine.add_prompt(Prompt(0, points=[centre(truth[0])], labels=[1])).masks[1]
    assert iou(mask, truth[0]) > 0.85
    # the look-alike bare patch in the corner is not connected, so it is left out
    decoy = blob(truth.shape[1:], (0.82 * 96, 0.82 * 96), 0.08 * 96, 99)
    assert not (mask & decoy).any()


def test_negative_click_removes_the_part_it_sits_on():
    size = 96
    rng = np.random.default_rng(3)
    veg = np.array([70, 110, 55], np.float32)
    yy, xx = np.mgrid[:size, :size]
    main = (yy - 48) ** 2 + (xx - 36) ** 2 <= 16 ** 2
    lobe = (yy - 48) ** 2 + (xx - 66) ** 2 <= 10 ** 2
    neck = (np.abs(yy - 48) <= 2) & (xx > 36) & (xx < 66)
    img = np.where((main | lobe | neck)[..., None], SOIL, veg) + rng.normal(0, 6, (size, size, 3))
    images = np.clip(img, 0, 255).astype(np.uint8)[None]
    engine = BaselineEngine()
    engine.load(images)
    both = engine.add_prompt(Prompt(0, box=bbox(main | lobe, pad=3))).masks[1]
    assert (both & lobe).sum() > 0.8 * lobe.sum() and (both & main).sum() > 0.8 * main.sum()
    cut = engine.add_prompt(Prompt(0, points=[[66.0, 48.0]], labels=[0])).masks[1]
    assert (cut & lobe).sum() < 0.1 * lobe.sum()
    assert (cut & main).sum() > 0.8 * main.sum()


def test_positive_click_adds_a_region_to_a_tracked_mask(growing):
    images, truth = growing
    engine = BaselineEngine()
    engine.load(images)
    half = truth[0] & (np.arange(96)[None, :] < 40)
    engine.add_prompt(Prompt(0, mask=half))
    grown = engine.add_prompt(Prompt(0, points=[centre(truth[0] & ~half)], labels=[1])).masks[1]
    assert iou(grown, truth[0]) > iou(half, truth[0]) + 0.2


# -- propagation -----------------------------------------------------------------------

def test_propagation_follows_a_growing_blob_through_the_seasons(growing):
    images, truth = growing
    session = TrackingSession(BaselineEngine(), make_frames(images=images))
    session.add_prompt(Prompt(0, mask=truth[0]))
    track = session.run()
    ious = [iou(track.objects[1].masks[i], truth[i]) for i in range(1, len(truth))]
    assert min(ious) > 0.85 and np.mean(ious) > 0.9
    conf = track.objects[1].confidence
    assert np.all((conf >= 0) & (conf <= 1))
    assert track.objects[1].provenance[0] == Provenance.PROMPTED
    assert all(p == Provenance.PROPAGATED for p in track.objects[1].provenance[1:])


def test_sudden_failure_joins_and_the_look_alike_stays_out():
    images, truth = synthetic_series(n_frames=8, size=96, seed=1, failure_at=4)
    decoy = blob(truth.shape[1:], (0.82 * 96, 0.82 * 96), 0.08 * 96, 1 + 99)
    engine = BaselineEngine()
    engine.load(images)
    engine.add_prompt(Prompt(0, mask=truth[0]))
    steps = list(engine.propagate(0))
    assert [s.frame for s in steps] == list(range(8))
    assert all(iou(s.masks[1], truth[s.frame]) > 0.85 for s in steps[4:])
    assert not any((s.masks[1] & decoy).any() for s in steps)


def test_backward_propagation_from_a_late_prompt_shrinks_with_the_blob(growing):
    images, truth = growing
    engine = BaselineEngine()
    engine.load(images)
    engine.add_prompt(Prompt(7, mask=truth[7]))
    steps = list(engine.propagate(7, reverse=True))
    assert [s.frame for s in steps] == list(range(7, -1, -1))
    assert all(iou(s.masks[1], truth[s.frame]) > 0.85 for s in steps)


def test_correction_changes_its_frame_and_later_ones_only(growing):
    images, truth = growing
    session = TrackingSession(BaselineEngine(), make_frames(images=images))
    session.add_prompt(Prompt(0, mask=truth[0]))
    before = session.run().objects[1].masks.copy()
    k = 4
    wrong = truth[k] & (np.arange(96)[:, None] < 45)  # the analyst keeps only the upper part
    session.add_prompt(Prompt(k, mask=wrong))
    for _ in session.propagate(start=k, direction="forward"):
        pass
    after = session.track.objects[1].masks
    assert np.array_equal(after[:k], before[:k])
    assert np.array_equal(after[k], wrong)
    assert session.track.objects[1].provenance[k] == Provenance.CORRECTED
    assert any(not np.array_equal(after[i], before[i]) for i in range(k + 1, len(after)))


def test_two_objects_are_tracked_independently():
    a_images, a_truth = synthetic_series(n_frames=6, size=96, seed=4)
    # a second, smaller scar on the same slope, bottom left, away from the first
    b_truth = np.stack([blob((96, 96), (76, 18), 8 + t, 77) for t in range(6)])
    images = a_images.astype(np.float32)
    rng = np.random.default_rng(5)
    images[b_truth] = (SOIL * 0.92 + rng.normal(0, 5, (int(b_truth.sum()), 3)))
    images = np.clip(images, 0, 255).astype(np.uint8)
    engine = BaselineEngine()
    engine.load(images)
    engine.add_prompt(Prompt(0, 1, mask=a_truth[0]))
    step = engine.add_prompt(Prompt(0, 2, box=bbox(b_truth[0], pad=3)))
    assert set(step.masks) == {1, 2}
    steps = list(engine.propagate(0))
    for s in steps[1:]:
        assert iou(s.masks[1], a_truth[s.frame]) > 0.85
        assert iou(s.masks[2], b_truth[s.frame]) > 0.75
        assert not (s.masks[1] & s.masks[2]).any()


def test_closing_the_generator_cancels_and_keeps_what_was_done(growing):
    images, truth = growing
    session = TrackingSession(BaselineEngine(), make_frames(images=images))
    session.add_prompt(Prompt(0, mask=truth[0]))
    progress = session.propagate()
    done = [next(progress).frame for _ in range(3)]
    progress.close()
    obj = session.track.objects[1]
    assert done == [0, 1, 2]
    assert all(obj.provenance[i] != Provenance.NONE for i in done)
    assert all(obj.provenance[i] == Provenance.NONE for i in range(3, 8))
    assert iou(obj.masks[2], truth[2]) > 0.85
    session.run()  # the engine carries on cleanly after a cancel
    assert iou(obj.masks[7], truth[7]) > 0.85


def test_clear_frame_forgets_the_prompt(growing):
    images, truth = growing
    engine = BaselineEngine()
    engine.load(images)
    engine.add_prompt(Prompt(3, mask=truth[3]))
    engine.clear_frame(3)
    assert list(engine.propagate(0))[3].masks == {}


# -- the parts -------------------------------------------------------------------------

def test_appearance_model_separates_scar_from_vegetation(growing):
    images, truth = growing
    features = frame_features(images[0])
    model = AppearanceModel.learn(features, truth[0], ~truth[0])
    z = model.log_odds(features)
    assert np.mean(z[truth[0]] > 0) > 0.9 and np.mean(z[~truth[0]] < 0) > 0.9
    # a later season: the model still ranks the scar above the vegetation
    later = model.log_odds(frame_features(images[3]))
    assert np.median(later[truth[3]]) > np.median(later[~truth[3]])


def test_graph_cut_smooths_noise_but_keeps_a_clear_region():
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:40, :40]
    square = (np.abs(yy - 20) < 10) & (np.abs(xx - 20) < 10)
    z = np.where(square, 2.0, -2.0) + rng.normal(0, 1.5, square.shape)
    colour = np.where(square[..., None], 60.0, 30.0) + np.zeros((40, 40, 3))
    cut = graph_cut(z.astype(np.float32), EdgeWeights.from_features(colour.astype(np.float32)))
    assert iou(cut, square) > 0.97
    assert iou(cut, square) > iou(z > 0, square)


def test_belief_prior_is_free_at_the_outline_and_strict_far_away():
    mask = np.zeros((40, 40), bool)
    mask[10:30, 10:30] = True
    prior = predict(hard_belief(mask), signed_distance(mask), width=3.0)
    assert prior[20, 20] > 1.5  # deep inside: scar persists
    assert abs(prior[9, 20]) < 0.6  # just outside the outline: even odds
    assert prior[0, 0] == pytest.approx(FAR_PRIOR, abs=0.1)  # far away: scars seldom jump


def test_only_small_holes_are_filled():
    ring = np.zeros((60, 60), bool)
    ring[5:55, 5:55] = True
    ring[20:40, 20:40] = False  # a wide island stays
    ring[8, 8] = False  # a speck is filled
    out = fill_holes(ring, radius=3.0)
    assert out[8, 8] and not out[30, 30]


# -- vegetation guidance ---------------------------------------------------------------

def _track(images: np.ndarray, first: np.ndarray, guidance=None, keyword: bool = False) -> list[np.ndarray]:
    """The masks of every frame tracked from ``first`` on frame 0 (guidance passed by keyword when asked)."""
    engine = BaselineEngine()
    engine.load(images, guidance=guidance) if keyword else engine.load(images)
    engine.add_prompt(Prompt(0, mask=first))
    return [step.masks[1] for step in engine.propagate(0)]


def test_rgb_only_tracks_exactly_as_without_guidance(growing):
    images, truth = growing
    plain = _track(images, truth[0])
    unknown = np.full(images.shape[:3] + (1,), np.nan, np.float32)  # no frame carries NIR
    for masks in (_track(images, truth[0], None, keyword=True), _track(images, truth[0], unknown, keyword=True)):
        assert all(np.array_equal(a, b) for a, b in zip(plain, masks))
    engine = BaselineEngine()
    engine.load(images, unknown)
    assert engine.vegetation_guidance.startswith("none")


def _ndvi_of(truth: np.ndarray, seed: int = 0) -> np.ndarray:
    """(N, H, W, 1) float32 NDVI: vegetation 0.75, scar 0.12, with noise."""
    rng = np.random.default_rng(seed)
    ndvi = np.where(truth, 0.12, 0.75) + rng.normal(0, 0.03, truth.shape)
    return ndvi[..., None].astype(np.float32)


def test_ndvi_guidance_joins_superpixels_features_and_bareness(growing):
    images, truth = growing
    guidance = _ndvi_of(truth)
    guidance[3, :10, :10] = np.nan  # a little no data
    engine = BaselineEngine()
    engine.load(images, guidance)
    assert engine.vegetation_guidance == "NDVI from NIR on 8 of 8 frames (superpixels, bareness, outline, open water)"
    assert engine._superpixel_frame(3).features.shape[1] == 11  # ten colour features and NDVI
    rgb = BaselineEngine()
    rgb.load(images)
    assert rgb._superpixel_frame(3).features.shape[1] == 10
    assert not np.allclose(engine._bareness(3), rgb._bareness(3))
    assert np.array_equal(engine._features(3)[0], rgb._features(3)[0])  # see guidance.IN_FEATURES
    masks = _track(images, truth[0], guidance, keyword=True)
    assert np.mean([iou(m, t) for m, t in zip(masks[1:], truth[1:])]) > 0.85


def test_appearance_features_and_models_take_ndvi_as_an_extra_channel(growing):
    from tracking.engines.baseline import guidance as veg

    images, truth = growing
    guidance = _ndvi_of(truth)
    guidance[2, :10, :10] = np.nan
    channels = veg.feature_channels(guidance, use=True)
    assert channels == [0] and veg.feature_channels(guidance) == []  # the engine's default
    features = frame_features(images[2], veg.feature_extra(guidance, 2, channels))
    assert features.shape == images.shape[1:3] + (8,) and np.isfinite(features).all()
    assert np.array_equal(features[..., :7], frame_features(images[2]))
    model = AppearanceModel.learn(features, truth[2], ~truth[2])
    assert model.fg.means.shape[1] == 8
    odds = model.updated(features, truth[2], ~truth[2], rate=0.3).log_odds(features)
    assert (odds[truth[2]] > 0).mean() > 0.9 and (odds[~truth[2]] < 0).mean() > 0.9


def test_guidance_of_another_shape_is_refused():
    engine = BaselineEngine()
    with pytest.raises(InputError, match="vegetation guidance"):
        engine.load(np.zeros((2, 8, 8, 3), np.uint8), np.zeros((3, 8, 8, 1), np.float32))


def test_ndvi_reaches_the_outline_sharpening(growing):
    from scipy import ndimage as ndi

    from tracking.engines.baseline import guidance as veg
    from tracking.engines.baseline.window import Window

    images, truth = growing
    guidance = _ndvi_of(truth)
    engine = BaselineEngine()
    engine.load(images, guidance)
    win = Window(10, 60, 20, 80, images.shape[1:3])
    cue = engine._sharp_cues(2, win)
    assert cue.shape == (50, 60, 1)
    assert np.allclose(cue[..., 0], ndi.gaussian_filter(guidance[2, 10:60, 20:80, 0] * veg.FEATURE_SCALE, 0.7),
                       atol=1e-4)
    rgb = BaselineEngine()
    rgb.load(images)
    assert rgb._sharp_cues(2, win) is None
