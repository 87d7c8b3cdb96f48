"""The graph cut: a narrow band around the evidence's changes of sign gives the exact cut."""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from tests.helpers.baseline_series import blob
from tracking.engines.baseline.graphcut import NARROW_BAND, EdgeWeights, graph_cut


def noisy_scene(seed: int, size: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(log-odds, colour, truth) of an irregular blob under heavy noise."""
    rng = np.random.default_rng(seed)
    truth = blob((size, size), (size / 2, size / 2), size / 4, seed)
    z = np.where(truth, 1.5, -1.5) + rng.normal(0, 2.0, truth.shape)
    colour = np.where(truth[..., None], 60.0, 30.0) + rng.normal(0, 6.0, truth.shape + (3,))
    return ndi.gaussian_filter(z, 0.7).astype(np.float32), colour.astype(np.float32), truth


def test_narrow_band_cut_equals_the_exact_cut():
    for seed in range(3):
        z, colour, truth = noisy_scene(seed)
        edges = EdgeWeights.from_features(colour)
        exact = graph_cut(z, edges)
        banded = graph_cut(z, edges, band=NARROW_BAND)
        assert np.array_equal(banded, exact)
        assert (exact != (z > 0)).sum() > 50  # the smoothness did change the labels


def test_edge_weights_of_a_window_are_the_frames_there():
    rng = np.random.default_rng(1)
    colour = rng.normal(50, 10, (40, 50, 3)).astype(np.float32)
    edges = EdgeWeights.from_features(colour)
    part = edges.crop(5, 30, 10, 45)
    ys, xs = np.mgrid[0:24, 1:34]
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        w_part = part.links(dy, dx, ys.ravel(), xs.ravel())
        w_frame = edges.links(dy, dx, ys.ravel() + 5, xs.ravel() + 10)
        assert np.array_equal(w_part, w_frame)
    assert edges.nbytes == 0


def test_contrast_of_a_large_frame_is_measured_on_a_subset_of_rows():
    rng = np.random.default_rng(2)
    colour = ndi.gaussian_filter(rng.normal(0, 20, (600, 600, 3)), (1, 1, 0)).astype(np.float32)
    sub = EdgeWeights.from_features(colour).beta
    diffs = [((colour[:, 1:] - colour[:, :-1]) ** 2).sum(-1).mean(), ((colour[1:] - colour[:-1]) ** 2).sum(-1).mean()]
    rough = 1.0 / (2.0 * float(np.mean(diffs)))
    assert abs(sub - rough) / rough < 0.3
