"""Single-frame segmentation on superpixels: box, first click, click edits (generated images only)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi

from tests.helpers.baseline_series import SOIL, blob
from tracking.core.errors import InputError
from tracking.core.prompts import Prompt
from tracking.engines.baseline import interactive
from tracking.engines.baseline.click_edit import edit_click
from tracking.engines.baseline.engine import BaselineEngine
from tracking.engines.baseline.interactive import segment_box, segment_click
from tracking.engines.baseline.node_evidence import bare_prior, forest_log_odds
from tracking.engines.baseline.node_graph import geodesic, largest, node_cut, touching
from tracking.engines.baseline.prompt_seg import segment_prompt
from tracking.engines.baseline.shapes import box_mask, iou
from tracking.engines.baseline.superpixels import FEATURE_NAMES, superpixel_frame

VEG = np.array([70, 110, 55], np.float32)
SIZE = 128


def scene(regions: list[np.ndarray], seed: int = 0) -> np.ndarray:
    """(SIZE, SIZE, 3) uint8: textured vegetation with textured bare soil on ``regions``."""
    rng = np.random.default_rng(seed)
    tex = sum(ndi.gaussian_filter(rng.normal(size=(SIZE, SIZE)), s) * s for s in (1.0, 3.0))
    tex = (tex - tex.mean()) / tex.std()
    soil = np.zeros((SIZE, SIZE), bool)
    for r in regions:
        soil |= r
    img = np.where(soil[..., None], SOIL * (1 + 0.08 * tex[..., None]), VEG * (1 + 0.15 * tex[..., None]))
    return np.clip(img + rng.normal(0, 4, img.shape), 0, 255).astype(np.uint8)


def disc(cy: float, cx: float, r: float) -> np.ndarray:
    yy, xx = np.mgrid[:SIZE, :SIZE]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r


def bbox(mask: np.ndarray, pad: int = 0) -> tuple[float, float, float, float]:
    ys, xs = np.nonzero(mask)
    return (float(xs.min() - pad), float(ys.min() - pad), float(xs.max() + pad), float(ys.max() + pad))


@pytest.fixture(scope="module")
def two_blobs():
    """A scar and an unconnected look-alike patch of bare ground."""
    scar = blob((SIZE, SIZE), (50, 48), 22, 1)
    decoy = blob((SIZE, SIZE), (104, 104), 12, 2)
    image = scene([scar, decoy])
    return image, scar, decoy, superpixel_frame(image)


# -- superpixels and graph ------------------------------------------------------------

def test_superpixels_cover_the_frame_and_round_trip(two_blobs):
    image, scar, _, sp = two_blobs
    assert sp.labels.shape == image.shape[:2] and sp.labels.dtype == np.int32
    assert sp.features.shape == (sp.n, len(FEATURE_NAMES)) and sp.features.dtype == np.float32
    assert sp.area.sum() == SIZE * SIZE and (sp.edges[:, 0] < sp.edges[:, 1]).all()
    assert iou(sp.to_pixels(sp.from_pixels(scar)), scar) > 0.85  # superpixels follow the outline
    assert sp.node_at(48, 50) == sp.labels[50, 48]


def test_large_frames_work_at_reduced_resolution_and_extra_bands_join_the_features():
    big = np.kron(scene([disc(64, 64, 30)]), np.ones((5, 5, 1), np.uint8))  # 640 px
    ndvi = np.zeros(big.shape[:2] + (1,), np.float32)
    sp = superpixel_frame(big, extra=ndvi)
    assert sp.labels.shape == (640, 640) and sp.factor == 2
    assert sp.features.shape[1] == len(FEATURE_NAMES) + 1
    assert abs(sp.area.sum() - 640 * 640) < 1


def test_node_cut_follows_unaries_and_hard_constraints():
    edges = np.array([[0, 1], [1, 2], [2, 3]], np.int32)
    weak = np.full(3, 0.1)
    assert node_cut(np.array([5.0, 5.0, -5.0, -5.0]), edges, weak).tolist() == [True, True, False, False]
    # a strong link pulls an undecided node along; a hard label wins over everything
    strong = np.array([0.1, 100.0, 0.1])
    assert node_cut(np.array([5.0, 0.5, -0.1, -5.0]), edges, strong).tolist() == [True, True, True, False]
    hard = np.array([False, False, False, True])
    assert node_cut(np.array([5.0, 5.0, 5.0, 5.0]), edges, weak, hard_bg=hard)[3] == np.False_


def test_components_and_geodesic_distance():
    edges = np.array([[0, 1], [1, 2], [2, 3], [3, 4]], np.int32)
    nodes = np.array([True, True, False, True, True])
    seeds = np.array([True, False, False, False, False])
    assert touching(nodes, seeds, edges).tolist() == [True, True, False, False, False]
    area = np.array([1.0, 1.0, 1.0, 5.0, 5.0])
    assert largest(nodes, edges, area, 0.5).tolist() == [False, False, False, True, True]
    d = geodesic(edges, np.array([1.0, 2.0, 0.0, 1.0]), 5, seeds)
    assert d.tolist() == pytest.approx([0, 1, 3, 3, 4], abs=1e-4)


def test_forest_and_prior_tell_bare_ground_from_vegetation(two_blobs):
    _, scar, decoy, sp = two_blobs
    fg = sp.from_pixels(scar)
    z = forest_log_odds(sp, fg, ~fg)
    assert np.median(z[fg]) > 1 and np.median(z[~fg & ~sp.from_pixels(decoy)]) < -1
    prior = bare_prior(sp, np.ones(sp.n, bool))
    assert (prior[fg] > 0).mean() > 0.9 and (prior[~fg & ~sp.from_pixels(decoy)] < 0).mean() > 0.9


# -- prompts --------------------------------------------------------------------------

def test_a_positive_click_returns_the_blob_under_it_not_the_frame(two_blobs):
    _, scar, decoy, sp = two_blobs
    mask = sp.to_pixels(segment_click(sp, sp.node_at(48, 50)))
    assert iou(mask, scar) > 0.8
    assert not (mask & decoy).any()  # the look-alike is not connected: left out
    assert mask.mean() < 0.5


def test_a_click_on_uniform_ground_never_takes_the_whole_frame():
    sp = superpixel_frame(scene([]))
    mask = sp.to_pixels(segment_click(sp, sp.node_at(64, 64)))
    assert 0 < mask.mean() <= 0.7


def test_a_box_result_stays_in_the_box_and_covers_the_blob(two_blobs):
    _, scar, decoy, sp = two_blobs
    box = bbox(scar, pad=6)
    mask = sp.to_pixels(segment_box(sp, box))
    inside = box_mask(mask.shape, box)
    assert (mask & ~inside).sum() < 0.02 * mask.sum()
    assert iou(mask, scar) > 0.8 and not (mask & decoy).any()


def test_a_loose_box_keeps_the_scar_at_its_centre_not_the_bare_ground_in_its_margin(monkeypatch):
    scar = disc(60, 64, 20)
    gravel = np.zeros((SIZE, SIZE), bool)
    gravel[80:96, 34:100] = True  # a grey river bar along the scar's foot, inside the box's margin
    gravel &= ~scar
    image = scene([scar]).astype(np.float32)
    image[gravel] = np.array([150, 152, 160]) * (1 + 0.05 * np.random.default_rng(0).normal(size=(gravel.sum(), 1)))
    sp = superpixel_frame(np.clip(image, 0, 255).astype(np.uint8))
    box = bbox(scar, pad=12)  # the analyst's box: 30 % wider than the scar
    mask = sp.to_pixels(segment_box(sp, box))
    assert iou(mask, scar) > 0.95 and (mask & gravel).sum() < 0.05 * gravel.sum()
    # premise: started from all the bare ground in the box, the bar joins the scar
    monkeypatch.setattr(interactive, "CENTRE_SHARE", 10.0)
    assert (sp.to_pixels(segment_box(sp, box)) & gravel).sum() > 0.5 * gravel.sum()


def test_a_box_filling_the_frame_still_finds_the_blob():
    scar = disc(60, 70, 25)
    sp = superpixel_frame(scene([scar]))
    mask = sp.to_pixels(segment_box(sp, (0, 0, SIZE, SIZE)))
    assert iou(mask, scar) > 0.7


def test_a_negative_click_removes_only_the_leak_it_sits_on():
    yy, xx = np.mgrid[:SIZE, :SIZE]
    main, leak_a, leak_b = disc(60, 40, 20), disc(60, 102, 13), disc(112, 40, 10)
    neck_a = (np.abs(yy - 60) <= 2) & (xx > 40) & (xx < 102)
    neck_b = (np.abs(xx - 40) <= 2) & (yy > 60) & (yy < 112)
    everything = main | leak_a | leak_b | neck_a | neck_b
    sp = superpixel_frame(scene([everything]))
    mask = sp.from_pixels(everything)
    out = sp.to_pixels(edit_click(sp, mask, [(sp.node_at(40, 60), 1), (sp.node_at(102, 60), 0)]))
    assert (out & leak_a).sum() < 0.2 * leak_a.sum()
    assert (out & main).sum() > 0.9 * main.sum() and (out & leak_b).sum() > 0.8 * leak_b.sum()


def test_a_positive_click_adds_only_the_connected_region_around_it():
    main, near, other = disc(64, 30, 18), disc(30, 95, 14), disc(100, 95, 14)
    sp = superpixel_frame(scene([main, near, other]))
    mask = sp.from_pixels(main)
    out = sp.to_pixels(edit_click(sp, mask, [(sp.node_at(95, 30), 1)]))
    assert (out & near).sum() > 0.8 * near.sum()
    assert (out & other).sum() < 0.1 * other.sum()
    assert (out & main).sum() >= (sp.to_pixels(mask) & main).sum()


def test_clicks_are_applied_one_at_a_time_from_the_last_result(two_blobs):
    _, scar, decoy, sp = two_blobs
    pts, labels = np.array([[48.0, 50.0], [104.0, 104.0]]), np.array([1, 1])
    once = segment_prompt(sp, None, None, pts[:1], labels[:1])
    both = segment_prompt(sp, None, None, pts, labels, start=once, done=1)
    assert np.array_equal(both, segment_prompt(sp, None, None, pts, labels))
    assert (both & decoy).sum() > 0.8 * decoy.sum()  # the second click added the other patch
    assert np.array_equal(both & ~decoy & ~ndi.binary_dilation(decoy, iterations=8), once & ~ndi.binary_dilation(
        decoy, iterations=8))


# -- through the engine ---------------------------------------------------------------

def test_engine_prompts_and_bad_input_keep_earlier_prompts(two_blobs):
    image, scar, _, _ = two_blobs
    engine = BaselineEngine()
    engine.load(image[None])
    first = engine.add_prompt(Prompt(0, box=bbox(scar, pad=4))).masks[1]
    assert iou(first, scar) > 0.8
    for bad in (Prompt(0, points=[[SIZE + 5.0, 3.0]], labels=[1]), Prompt(0, box=(10, 10, 10.5, 10.5))):
        with pytest.raises(InputError):
            engine.add_prompt(bad)
    again = engine.add_prompt(Prompt(0, points=[[48.0, 50.0]], labels=[1])).masks[1]
    assert iou(again, first) > 0.95  # a click inside the scar changes little
