"""Vegetation loss between dates corrects a propagated mask (tracking/engines/baseline/bare_change.py)."""

import numpy as np

from tracking.engines.baseline import shapes
from tracking.engines.baseline.bare_change import BareChange, bareness, change_gate

SIZE = 96
FOREST = (40, 90, 40)
SCAR = (200, 180, 160)


def _scene(seed: int, patches: list[tuple[np.ndarray, tuple[int, int, int]]], tint: int = 0) -> np.ndarray:
    """(SIZE, SIZE, 3) uint8 forest with noise, the given (mask, colour) patches painted on,
    every pixel lightened by ``tint`` (a season)."""
    rng = np.random.default_rng(seed)
    img = np.empty((SIZE, SIZE, 3), np.float32)
    img[:] = FOREST
    for mask, colour in patches:
        img[mask] = colour
    img += rng.normal(0, 6, img.shape) + tint
    return np.clip(img, 0, 255).astype(np.uint8)


def _disc(cy: int, cx: int, r: int) -> np.ndarray:
    yy, xx = np.mgrid[:SIZE, :SIZE]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r


def _rect(y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
    m = np.zeros((SIZE, SIZE), bool)
    m[y0:y1, x0:x1] = True
    return m


def _gate(mask, prev, images):
    bare = BareChange(*(bareness(im) for im in images))
    return change_gate(mask, prev, shapes.signed_distance(prev), shapes.band_width(prev), bare)


def test_a_sudden_growth_next_to_the_scar_joins_within_the_date():
    old = _disc(48, 30, 10)
    growth = _rect(36, 62, 38, 75) & ~old
    before = _scene(1, [(old, SCAR)])
    now, after = (_scene(s, [(old, SCAR), (growth, (175, 150, 125))], tint=8) for s in (2, 3))
    out, added = _gate(old.copy(), old, (now, before, after))
    assert (out & growth).sum() > 0.8 * growth.sum()
    assert (out & ~(old | growth)).sum() < 0.05 * growth.sum()
    assert added.sum() > 0.5 * growth.sum()


def test_a_cloud_over_the_scars_edge_leaves_the_mask():
    old = _disc(48, 30, 10)
    cloud = _rect(34, 62, 42, 70)
    before, after = _scene(1, [(old, SCAR)]), _scene(3, [(old, SCAR)])
    now = _scene(2, [(old, SCAR), (cloud, (250, 250, 250))])
    out, _ = _gate(old | cloud, old, (now, before, after))
    far = cloud & (shapes.signed_distance(old) > shapes.band_width(old))
    assert (out & far).sum() < 0.1 * far.sum()
    assert (out & old).sum() > 0.95 * old.sum()


def test_bare_ground_that_was_bare_before_does_not_join():
    old = _disc(48, 30, 10)
    road = _rect(0, SIZE, 44, 49)
    images = [_scene(s, [(old, SCAR), (road, (170, 165, 150))], tint=t) for s, t in ((1, 0), (2, 10), (3, 5))]
    now, before, after = images[1], images[0], images[2]
    out, added = _gate(old.copy(), old, (now, before, after))
    assert not added.any()
    assert (out & road).sum() == 0


def test_a_lost_end_of_the_scar_stays_unless_it_turned_green():
    old = _disc(48, 40, 14)
    end = old & _rect(0, SIZE, 0, 36)
    before = _scene(1, [(old, SCAR)])
    # The look lost the end (a shade, a haze) though its ground did not change.
    same = [_scene(s, [(old, SCAR)]) for s in (2, 3)]
    out, _ = _gate(old & ~end, old, (same[0], before, same[1]))
    assert (out & end).sum() > 0.9 * end.sum()
    green = [_scene(s, [(old & ~end, SCAR)]) for s in (2, 3)]
    out, _ = _gate(old & ~end, old, (green[0], before, green[1]))
    assert (out & end).sum() < 0.1 * end.sum()


def _ndvi(seed: int, patches: list[tuple[np.ndarray, float]]) -> np.ndarray:
    """(SIZE, SIZE) float32 NDVI of forest (0.8) with noise and the given (mask, value) patches."""
    rng = np.random.default_rng(100 + seed)
    ndvi = np.full((SIZE, SIZE), 0.8, np.float32)
    for mask, value in patches:
        ndvi[mask] = value
    return (ndvi + rng.normal(0, 0.03, ndvi.shape)).astype(np.float32)


def test_ndvi_marks_a_vegetation_loss_that_the_colours_hide():
    old = _disc(48, 30, 10)
    growth = _rect(36, 62, 38, 75) & ~old
    # Dark damp debris under haze: the slide keeps the forest's colour but loses its NIR.
    images = [_scene(s, []) for s in (1, 2, 3)]
    ndvi = [_ndvi(1, [(old, 0.15)])] + [_ndvi(s, [(old, 0.15), (growth, 0.2)]) for s in (2, 3)]
    now, before, after = images[1], images[0], images[2]
    rgb_out, rgb_added = _gate(old.copy(), old, (now, before, after))
    assert not (rgb_added & growth).any()  # the colours alone see nothing
    bare = BareChange(bareness(now, ndvi[1]), bareness(before, ndvi[0]), bareness(after, ndvi[2]))
    out, added = change_gate(old.copy(), old, shapes.signed_distance(old), shapes.band_width(old), bare)
    assert (added & growth).sum() > 0.8 * growth.sum()
    assert (out & ~(old | growth)).sum() < 0.05 * growth.sum()


def test_bareness_falls_back_to_the_colours_where_ndvi_is_unknown():
    old = _disc(48, 30, 10)
    image = _scene(1, [(old, SCAR)])
    unknown = np.full((SIZE, SIZE), np.nan, np.float32)
    assert np.array_equal(bareness(image, unknown), bareness(image))
    half = _ndvi(1, [(old, 0.15)])
    half[:, 48:] = np.nan
    mixed = bareness(image, half)
    assert np.isfinite(mixed).all()
    far_right = np.s_[:, 60:]  # beyond the smoothing of the known half, the colours rule
    assert np.allclose(mixed[far_right], bareness(image)[far_right], atol=0.5)
    assert mixed[old].mean() > mixed[~old].mean() + 1.0  # the scar is the barest ground either way


def test_a_window_with_the_frames_background_outside_it_gates_as_the_whole_frame():
    # A growth that fills the window around the old scar: within the window alone nearly all
    # background rose, so the rise would look usual; the frame's ground outside it sets it.
    old = _disc(48, 48, 8)
    growth = _disc(48, 48, 26) & ~old
    before = _scene(1, [(old, SCAR)])
    now, after = (_scene(s, [(old, SCAR), (growth, (175, 150, 125))], tint=8) for s in (2, 3))
    bare = [bareness(im) for im in (now, before, after)]
    sd, width = shapes.signed_distance(old), shapes.band_width(old)
    whole, _ = change_gate(old.copy(), old, sd, width, BareChange(*bare))
    y0, y1, x0, x1 = 20, 77, 20, 77
    inside = np.zeros((SIZE, SIZE), bool)
    inside[y0:y1, x0:x1] = True
    outside = tuple(b[~inside] for b in bare)
    win = (slice(y0, y1), slice(x0, x1))
    alone, _ = change_gate(old[win].copy(), old[win], sd[win], width, BareChange(*(b[win] for b in bare)))
    seen, _ = change_gate(old[win].copy(), old[win], sd[win], width,
                          BareChange(*(b[win] for b in bare), outside=outside, stride=1))
    assert (whole & growth).sum() > 0.8 * growth.sum()
    assert np.array_equal(seen, whole[win])
    assert (alone & growth[win]).sum() < 0.5 * growth.sum()


def _reference_bareness(image: np.ndarray, ndvi: np.ndarray | None) -> np.ndarray:
    """The bareness as first written: float32 colour mean and excess green over the colour
    axis, each term in units of its median and MAD over every k-th pixel it holds (at most
    STAT_SAMPLES of them), then the Gaussian of SMOOTH px over the whole frame."""
    from scipy import ndimage as ndi

    from tracking.engines.baseline.bare_change import SMOOTH, STAT_SAMPLES

    def robust(x, where):
        idx = np.flatnonzero(where)
        ref = x.ravel()[idx[::max(1, -(-len(idx) // STAT_SAMPLES))]]
        med = np.median(ref)
        return (x - med) / (1.4826 * np.median(np.abs(ref - med)) + 1e-6)

    rgb = image.astype(np.float32) / 255.0
    everywhere = np.ones(image.shape[:2], bool)
    green = robust((2 * rgb[..., 1] - rgb[..., 0] - rgb[..., 2]) / (rgb.sum(-1) + 1e-3), everywhere)
    if ndvi is not None and np.isfinite(ndvi).any():
        known = np.isfinite(ndvi)
        green = np.where(known, robust(np.where(known, ndvi, 0.0), known), green)
    return ndi.gaussian_filter(robust(rgb.mean(-1), everywhere) - green, SMOOTH).astype(np.float32)


def test_bareness_keeps_the_frame_wide_statistics_of_its_subsample():
    # More pixels than STAT_SAMPLES (so the statistics come from a subsample), odd sizes, and
    # NDVI unknown in a block and at scattered pixels: the map is the one first written, to
    # float32 rounding, with NDVI nowhere, partly, everywhere and not at all.
    rng = np.random.default_rng(5)
    h, w = 301, 283
    image = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
    image[100:180, 40:200] = (170, 150, 120)  # a scar: the medians sit off the noise's centre
    ndvi = rng.uniform(-0.2, 0.9, (h, w)).astype(np.float32)
    partly = ndvi.copy()
    partly[:60, :90] = np.nan
    partly[rng.random((h, w)) < 0.2] = np.nan
    for guide in (None, partly, ndvi, np.full((h, w), np.nan, np.float32)):
        got = bareness(image, guide)
        assert got.dtype == np.float32 and got.shape == (h, w)
        np.testing.assert_allclose(got, _reference_bareness(image, guide), rtol=0, atol=1e-5)
