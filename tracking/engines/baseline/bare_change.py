"""Vegetation loss between dates: new scar is ground that turned bare, and stays bare.

A slope failure strips the cover: the ground turns paler and less green than it
was, and it stays so on the next date. A road, an outcrop or a river bar beside
the scar was bare already, so it shows no such change; a cloud or a snow patch
changes the ground only for a date. The bareness of each pixel (lightness above
the frame's usual minus excess green above the frame's usual, in robust units)
is compared between the previous date, this one and the next one; its rise is
judged against the rise of the background around the scar (seasons and sensors
move the whole frame).

Forward in time the mask is then corrected in three ways: ground beyond the band
the outline may move in that turned bare, looks as bare as the scar and stays
bare on the next date joins the scar when it touches it (a sudden large growth is
followed within one date; a road or river bar that was bare already shows no
rise and stays out), and ground beyond the band that turned bare for this date
only (a cloud, a snow patch over the scar's edge) leaves it; ground of the old
scar that still looks bare and did not turn green again stays, though the look lost it
(a shaded or hazy end: scars seldom heal within a date).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

from tracking.engines.baseline import shapes

# Spatial smoothing (px) of the bareness: a change is judged over a few pixels, not one.
SMOOTH = 1.5
# Rise, in robust standard deviations of the background's own, that marks a pixel turned
# bare for sure (about 1 pixel in 700 of unchanged background goes beyond 3): a cloud.
Z_GROW = 3.0
# A patch of bared ground joins when its typical (median) lasting rise exceeds this; a patch
# of a few dozen pixels of unchanged background hardly ever does.
PATCH_RISE = 2.0
# Pixels whose lasting rise exceeds this may belong to such a patch.
Z_KEEP = 1.5
# Ground whose rise, averaged over a patch of about PATCH px, falls this far below the usual
# rise of its kind stayed as it was.
Z_STAYED = 1.0
PATCH = 2.0
# Ground whose rise fell back below this by the next date changed only for a date.
TRANSIENT = 0.5
# A patch of new bare ground joins only when it holds at least this share of the old scar's
# area (and this many pixels): specks of noise do not.
MIN_SHARE = 0.05
MIN_PIXELS = 12
# A patch of new bare ground joins only when its mean width is at least this share of the
# old scar's equivalent radius (not a strip along a road or a river).
MIN_WIDTH = 0.35
# Pixels that set a median (a regular subsample of larger sets).
STAT_SAMPLES = 65536
# Classes of earlier bareness within which the usual rise is measured.
BINS = 8


def bareness(image: np.ndarray, ndvi: np.ndarray | None = None) -> np.ndarray:
    """(H, W, 3) uint8 RGB -> (H, W) float32 bareness: lightness minus greenness, each in
    robust units over the frame (median 0, spread from the median absolute deviation).

    Greenness is NDVI where ``ndvi`` (H, W) float, NaN where unknown, holds a value (low
    NDVI is bare: stripped ground loses its NIR even where its colour barely changes), and
    the RGB excess green elsewhere.
    """
    # Channel by channel, in place: the same float32 sums as ``mean``/``sum`` over the colour
    # axis (bit for bit), at half the cost of reducing a length-3 axis.
    img = np.asarray(image)
    r, g, b = (img[..., k].astype(np.float32) / np.float32(255.0) for k in range(3))
    total = r + g
    total += b
    known = None if ndvi is None else np.isfinite(ndvi)
    if known is not None and known.all():
        green = _robust(ndvi)  # NDVI everywhere: the excess green would not be read
    else:
        exg = 2 * g
        exg -= r
        exg -= b
        exg /= total + np.float32(1e-3)
        green = _robust(exg)
        if known is not None and known.any():
            green = np.where(known, _robust(np.where(known, ndvi, 0.0), known), green)
    total /= np.float32(3)
    return ndi.gaussian_filter(_robust(total) - green, SMOOTH).astype(np.float32, copy=False)


def _robust(x: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    """x in units of its robust spread about its median (over ``where``, default all)."""
    ref = x.ravel()[_sampled(x.size if where is None else where)]
    if ref.size == 0:
        return np.zeros_like(x)
    med = np.median(ref)
    mad = 1.4826 * np.median(np.abs(ref - med)) + 1e-6
    return (x - med) / mad


def _sampled(where: np.ndarray | int) -> np.ndarray:
    """Flat indices of the pixels of ``where`` (H, W) bool (or of all ``where`` pixels), every
    k-th one so that at most STAT_SAMPLES remain: medians of a million pixels cost more than
    the rest of a step, and a regular subsample of 65,536 pins them down to a few hundredths."""
    idx = np.arange(where) if isinstance(where, int) else np.flatnonzero(where)
    return idx[::max(1, -(-len(idx) // STAT_SAMPLES))]


@dataclass
class BareChange:
    """Bareness (H, W) float32 of this frame, of the frame the previous state lies on, and
    of the next frame in the direction of travel (None at the end).

    outside: when the arrays are a window of the frames (a step around the scar, see
    ``window``), the (now, before, after) bareness (N,) float32 of the frame's ground beyond
    the window (after None at the end), taken every ``stride``-th pixel. It is background
    and joins the window's: the usual rise is the whole frame's, as without a window (a
    window that a large failure fills holds little ground whose cover did not change).
    """

    now: np.ndarray
    before: np.ndarray
    after: np.ndarray | None = None
    outside: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None = None
    stride: int = 1


def rise(later: np.ndarray, earlier: np.ndarray, reference: np.ndarray,
         outside: tuple[np.ndarray, np.ndarray] | None = None, stride: int = 1) -> np.ndarray:
    """(H, W) float32 rise of bareness from ``earlier`` to ``later``, in robust units of the
    rise over ``reference`` (H, W) bool (background whose cover did not change) among pixels
    that were about as bare before (meadows brown in a dry season while forest stays green).
    outside: (later, earlier) background samples beyond the window (see ``BareChange``)."""
    d = later - earlier
    e_ref = _reference_values(earlier, reference, None if outside is None else outside[1], stride)
    d_ref = _reference_values(d, reference, None if outside is None else outside[0] - outside[1], stride)
    if len(d_ref) < 30 * BINS:
        return _robust(d, reference if reference.sum() >= 30 else None).astype(np.float32)
    edges = np.quantile(e_ref, np.linspace(0, 1, BINS + 1)[1:-1])
    cls_ref = np.digitize(e_ref, edges)
    med, mad = np.zeros(BINS, np.float32), np.ones(BINS, np.float32)
    for k in range(BINS):
        ref = d_ref[cls_ref == k]
        if len(ref):
            med[k] = np.median(ref)
            mad[k] = 1.4826 * np.median(np.abs(ref - med[k])) + 1e-6
    cls = np.digitize(earlier, edges)
    return ((d - med[cls]) / mad[cls]).astype(np.float32)


def _reference_values(values: np.ndarray, reference: np.ndarray, outside: np.ndarray | None,
                      stride: int) -> np.ndarray:
    """(N,) ``values`` (H, W) over the ``reference`` pixels, at most STAT_SAMPLES of them;
    with ``outside`` samples (taken every ``stride``-th pixel beyond the window), those and
    the reference thinned alike."""
    if outside is None:
        return values.ravel()[_sampled(reference)]
    both = np.concatenate([values.ravel()[np.flatnonzero(reference)[::stride]], outside])
    return both[::max(1, -(-len(both) // STAT_SAMPLES))]


def _split(values: np.ndarray, scar: np.ndarray, background: np.ndarray, outside: np.ndarray | None = None,
           stride: int = 1) -> float:
    """Halfway between the median of ``values`` over the scar and over the background
    (with its ``outside`` samples, see ``BareChange``)."""
    if not scar.any() or not (background.any() or outside is not None and len(outside)):
        return float("inf")
    bg = values[background] if outside is None else _reference_values(values, background, outside, stride)
    return 0.5 * float(np.median(values[scar]) + np.median(bg))


def _mean_width(labels: np.ndarray, ids: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """(len(ids),) mean width (px) of each labelled patch: its area over half its outline."""
    if len(ids) == 0:
        return np.zeros(0)
    edge = (labels > 0) & ~ndi.binary_erosion(labels > 0)
    outline = np.bincount(labels[edge], minlength=labels.max() + 1)[ids]
    return sizes / np.maximum(outline / 2.0, 1.0)


def change_gate(mask: np.ndarray, prev_mask: np.ndarray, sd_prev: np.ndarray, width: float,
                bare: BareChange) -> tuple[np.ndarray, np.ndarray]:
    """The mask (H, W) bool corrected by vegetation loss, and the pixels (H, W) bool it added.

    prev_mask: the previous date's mask; sd_prev its signed distance; width the band (px)
    the outline may move in without any change. Forward in time only.
    """
    beyond = sd_prev > width
    reference = beyond & ~mask
    out = bare.outside
    z = rise(bare.now, bare.before, reference, None if out is None else out[:2], bare.stride)
    z_after = z if bare.after is None else rise(bare.after, bare.before, reference,
                                                None if out is None else (out[2], out[1]), bare.stride)
    lasting = np.minimum(z, z_after)
    # A cloud or snow patch changes the ground for one date; a failure keeps it bare.
    transient = (z > Z_GROW) & (z_after < TRANSIENT)
    # Ground that lost less cover than the usual ground of its kind (a road or a bar that was
    # bare already, while meadows around pale with the season) did not fail.
    stayed = ndi.gaussian_filter(lasting, PATCH) < -Z_STAYED
    kept = mask & ~(beyond & (transient | stayed))
    kept = shapes.components_touching(kept, prev_mask | (sd_prev <= width)) if kept.any() else kept
    # Scar seldom heals within a date: ground of the old scar that did not turn green again
    # (a shaded or hazy end the look lost) stays.
    healed = ndi.gaussian_filter(np.maximum(z, z_after), PATCH) < -Z_STAYED
    bare_now = bare.now >= _split(bare.now, prev_mask, reference, None if out is None else out[0], bare.stride)
    kept |= prev_mask & ~healed & ~mask & bare_now
    # New scar looks bare now (as bare as the scar, not merely less green than before: a
    # river that turns grey with the season rises too).
    grown = (lasting > Z_KEEP) & bare_now
    # Ground that lost its cover and touches the scar joins it.
    cand = grown & ~kept
    labels, n = ndi.label(cand, np.ones((3, 3), bool))
    if n == 0:
        return kept, np.zeros_like(mask)
    touch = ndi.binary_dilation(kept if kept.any() else prev_mask, np.ones((3, 3), bool))
    ids = np.unique(labels[touch & cand])
    ids = ids[ids > 0]
    sizes = np.bincount(labels.ravel())[ids] if len(ids) else np.zeros(0, int)
    floor = max(MIN_PIXELS, MIN_SHARE * prev_mask.sum())
    typical = shapes.label_medians(lasting, labels, ids)
    # A failure bares a broad patch; a road or a river's margin that pales with the season is a
    # strip (its mean width, area over half its outline, is a fraction of the scar's radius).
    wide = _mean_width(labels, ids, sizes) >= MIN_WIDTH * shapes.equivalent_radius(prev_mask)
    added = np.isin(labels, ids[(sizes >= floor) & (typical > PATCH_RISE) & wide])
    out = shapes.fill_holes(kept | added, shapes.band_width(kept | added))
    return out, out & ~kept
