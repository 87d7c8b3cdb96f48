"""A frame as superpixels: computed once per frame, then every prompt works on them.

A frame is cut into SLIC superpixels (Achanta et al., 2012) at a working
resolution of at most ``WORK_SIDE`` px. Each superpixel (a node) carries a
feature vector (colour, colour spread, edge and texture strength, a vegetation
index, any extra bands), and adjacent superpixels are linked with their shared
boundary length and colour difference. Segmenting a 1024 px frame then means
labelling a few thousand nodes instead of a million pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

from tracking.engines.baseline.appearance import rgb_to_lab

WORK_SIDE = 512
# Superpixels on a frame of WORK_SIDE px or more (about 10 x 10 working pixels each); a
# smaller frame gets more in inverse proportion to its side (its scars span fewer pixels:
# about 5200 of 3 x 3 px on a 256 px frame) ...
SUPERPIXELS = 2600
# ... down to superpixels of this many pixels.
MIN_AREA = 12
# Columns of ``SuperpixelFrame.features``.
FEATURE_NAMES = ("L", "a", "b", "sd_L", "sd_a", "sd_b", "grad1", "grad3", "texture3", "exg")
EXG = FEATURE_NAMES.index("exg")


@dataclass
class SuperpixelFrame:
    """A frame as N superpixels (nodes) and E adjacencies.

    labels: (H, W) int32 node of each full-resolution pixel, 0..N-1.
    features: (N, D) float32 per-node features (``FEATURE_NAMES``, then extra bands).
    area: (N,) float32 pixels of each node at full resolution.
    centroid: (N, 2) float32 (row, col) at full resolution.
    edges: (E, 2) int32 pairs i < j of adjacent nodes.
    edge_len: (E,) float32 shared boundary length in full-resolution pixels.
    edge_diff: (E,) float32 difference of the pair's mean L*a*b* colour.
    work_labels: (h, w) int32 node of each working-resolution pixel.
    work_lab: (h, w, 3) float32 L*a*b* of the frame at the working resolution.
    factor: full-resolution pixels per working pixel along a side.
    scale: the frame's longer side over ``WORK_SIDE`` (energies are balanced as on a 512 px frame).
    """

    labels: np.ndarray
    features: np.ndarray
    area: np.ndarray
    centroid: np.ndarray
    edges: np.ndarray
    edge_len: np.ndarray
    edge_diff: np.ndarray
    work_labels: np.ndarray
    work_lab: np.ndarray
    factor: int = 1
    scale: float = 1.0

    @property
    def n(self) -> int:
        return len(self.area)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.labels, self.features, self.area, self.centroid, self.edges,
                                      self.edge_len, self.edge_diff, self.work_labels, self.work_lab))

    def to_pixels(self, nodes: np.ndarray) -> np.ndarray:
        """(N,) bool per node -> (H, W) bool at full resolution."""
        return np.asarray(nodes, bool)[self.labels]

    def share(self, mask: np.ndarray) -> np.ndarray:
        """(H, W) bool -> (N,) float32 share of each node's pixels inside ``mask``."""
        s = np.bincount(self.labels.ravel(), np.asarray(mask, bool).ravel(), self.n)
        return (s / np.maximum(self.area, 1)).astype(np.float32)

    def from_pixels(self, mask: np.ndarray) -> np.ndarray:
        """(H, W) bool -> (N,) bool: the nodes mostly inside ``mask``."""
        return self.share(mask) > 0.5

    def node_at(self, x: float, y: float) -> int:
        """The node under the point (x = column, y = row), clipped to the frame."""
        h, w = self.labels.shape
        return int(self.labels[int(np.clip(round(float(y)), 0, h - 1)), int(np.clip(round(float(x)), 0, w - 1))])

    def box_share(self, box: tuple[float, float, float, float]) -> np.ndarray:
        """(N,) float32 share of each node inside ``box`` (x0, y0, x1, y1) in pixel edges."""
        h, w = self.labels.shape
        x0, y0, x1, y1 = box
        ys, xs = np.arange(h), np.arange(w)
        inside = ((ys + 1 > y0) & (ys <= y1))[:, None] & ((xs + 1 > x0) & (xs <= x1))[None, :]
        return self.share(inside)


def superpixel_frame(image: np.ndarray, extra: np.ndarray | None = None) -> SuperpixelFrame:
    """Superpixels, node features and adjacency of one frame.

    image: (H, W, 3) uint8 RGB. extra: optional (H, W, B) float further bands on the same
    grid, scaled to about -1..1 (e.g. NDVI from a NIR band); they join the node features.
    """
    from skimage.segmentation import slic

    h, w = image.shape[:2]
    factor = max(1, int(np.ceil(max(h, w) / WORK_SIDE)))
    rgb = _downsample(image, factor)
    rgb8 = np.clip(rgb + 0.5, 0, 255).astype(np.uint8)
    hw = rgb.shape[0] * rgb.shape[1]
    side = max(rgb.shape[:2])
    n_seg = max(min(int(SUPERPIXELS * WORK_SIDE / side), hw // MIN_AREA), 1)
    work = slic(rgb8, n_segments=n_seg, compactness=10, start_label=0, enforce_connectivity=True,
                channel_axis=-1).astype(np.int32)
    n = int(work.max()) + 1
    ex = None if extra is None else _downsample(np.asarray(extra, np.float32).reshape(h, w, -1), factor)
    lab = rgb_to_lab(rgb8)
    means = _node_means(work, _pixel_features(rgb / 255.0, lab, ex), n)
    spread = np.sqrt(np.maximum(means[:, 3:6] - means[:, :3] ** 2, 0))
    feats = np.concatenate([means[:, :3], spread, means[:, 6:]], 1).astype(np.float32)
    edges, blen = _adjacency(work, n)
    full = _upsample_labels(work, factor, (h, w))
    area = np.bincount(full.ravel(), minlength=n).astype(np.float64)
    rows, cols = np.indices((h, w))
    cen = np.stack([np.bincount(full.ravel(), rows.ravel(), n), np.bincount(full.ravel(), cols.ravel(), n)], -1)
    diff = np.linalg.norm(feats[edges[:, 0], :3] - feats[edges[:, 1], :3], axis=1)
    return SuperpixelFrame(full, feats, area.astype(np.float32),
                           (cen / np.maximum(area, 1)[:, None]).astype(np.float32), edges,
                           (blen * factor).astype(np.float32), diff.astype(np.float32), work, lab,
                           factor, max(h, w) / WORK_SIDE)


def _downsample(image: np.ndarray, factor: int) -> np.ndarray:
    """(H, W, C) -> (ceil(H / f), ceil(W / f), C) float32 block means (area averaging)."""
    x = np.asarray(image, np.float32)
    if factor == 1:
        return x
    h, w = x.shape[:2]
    ph, pw = -h % factor, -w % factor
    x = np.pad(x, ((0, ph), (0, pw), (0, 0)), mode="edge")
    return x.reshape(x.shape[0] // factor, factor, x.shape[1] // factor, factor, -1).mean((1, 3))


def _upsample_labels(work: np.ndarray, factor: int, shape: tuple[int, int]) -> np.ndarray:
    """(h, w) labels -> (H, W) int32 by repetition (the padded edge cut off)."""
    if factor == 1:
        return np.ascontiguousarray(work)
    up = np.repeat(np.repeat(work, factor, 0), factor, 1)
    return np.ascontiguousarray(up[:shape[0], :shape[1]])


def _pixel_features(rgb: np.ndarray, lab: np.ndarray, extra: np.ndarray | None) -> np.ndarray:
    """(h, w, 3) RGB in 0..1 and L*a*b* -> (h, w, F) float32 per-pixel responses to average.

    L*a*b*, their squares (for the spread within a node), gradient magnitude of L* at 1
    and 3 px, the local spread of L* over 3 px, excess green 2g - r - b over r + g + b
    (vegetation), then any extra bands.
    """
    L = lab[..., 0]
    exg = (2 * rgb[..., 1] - rgb[..., 0] - rgb[..., 2]) / (rgb.sum(-1) + 1e-3)
    m3 = ndi.gaussian_filter(L, 3.0)
    sd3 = np.sqrt(np.maximum(ndi.gaussian_filter(L * L, 3.0) - m3 * m3, 0))
    chans = [lab[..., 0], lab[..., 1], lab[..., 2], lab[..., 0] ** 2, lab[..., 1] ** 2, lab[..., 2] ** 2,
             ndi.gaussian_gradient_magnitude(L, 1.0), ndi.gaussian_gradient_magnitude(L, 3.0), sd3, exg]
    if extra is not None:
        chans += [extra[..., k] for k in range(extra.shape[-1])]
    return np.stack(chans, -1).astype(np.float32)


def _node_means(labels: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """(h, w) labels 0..n-1 and (h, w, F) values -> (n, F) float64 per-label means."""
    flat = labels.ravel()
    cnt = np.maximum(np.bincount(flat, minlength=n), 1).astype(np.float64)
    return np.stack([np.bincount(flat, values[..., k].ravel(), n) / cnt for k in range(values.shape[-1])], -1)


def _adjacency(labels: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(E, 2) int32 pairs i < j of 4-adjacent labels, and (E,) their shared boundary length."""
    a = np.concatenate([labels[:, :-1].ravel(), labels[:-1, :].ravel()])
    b = np.concatenate([labels[:, 1:].ravel(), labels[1:, :].ravel()])
    keep = a != b
    lo, hi = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
    uniq, count = np.unique(lo.astype(np.int64) * n + hi, return_counts=True)
    return np.stack([uniq // n, uniq % n], -1).astype(np.int32), count.astype(np.float32)
