"""How the weights-free tracker uses the vegetation guidance beside the RGB.

The guidance (``Engine.load``; built by ``Frames.guidance``) holds per-pixel indices
in -1..1, NDVI first, NaN where unknown. Vegetation loss is the strongest cue a
landslide leaves: the stripped ground's NIR drops while its colour may barely
change. The tracker reads the guidance as extra node features of a frame's superpixels
(the prompt's forest) and as the vegetation term of the bareness that marks ground
turned bare between dates (``bare_change``): the drop of NDVI from the date before
is the change cue that follows a growth. The outline sharpening of each tracked date
(``propagation``) reads NDVI beside the sharp colour, where the display RGB clips a
bright scar and its rim to one white. Open water (``WATER_NDVI``) never joins a tracked
scar as new ground: a fan that reaches a river must not run up and down it.

The per-pixel appearance features that propagation learns from can take the
indices too (``feature_channels``, ``feature_extra``), but the engine leaves them
out (``IN_FEATURES``). Measured on the stress benchmark (``benchmarks/stress.py
--ndvi-features``, seeds 1-25 at 192 and 256 px), they lifted most series but sank 4
to 6 of 50 below 0.8 (seed 12 at 256 px: 0.914 with RGB, 0.719): in the two looked at, a scar
that grew down to the river then swallowed it. The appearance model learns the
background from a ring around the scar, which seldom holds water, and in NDVI water
(-0.4) lies nearer bare ground (0.1) than forest (0.8): the model called the unseen
river scar, where colour alone calls it background.
"""

from __future__ import annotations

import numpy as np

#: Appearance features are in CIELAB-like units with a covariance floor of one unit: an index
#: is scaled so that one unit is 0.05, about the noise of NDVI over dark ground (sensor noise
#: of 0.005 in red reflectance near 0.03), so that noise does not split kinds of ground. At a
#: finer scale NDVI outweighs colour and texture, and ground no model has seen (a river beside
#: a scar that grew to it) looks more like the scar's low NDVI than like the forest's high one.
FEATURE_SCALE = 20.0
#: Whether the engine adds the indices to the appearance features (see the module's docstring).
IN_FEATURES = False
#: A frame's index counts as known when at least this share of its pixels hold a value.
MIN_KNOWN = 0.05
#: NDVI below this is open water (water absorbs NIR: -0.2 to -0.5 where bare ground, rock,
#: roads and snow read -0.1 to 0.3), which no scar grows into: ground that joins a scar is
#: bared, and a river the scar reaches stays water.
WATER_NDVI = -0.15


def known_on(cue: np.ndarray) -> bool:
    """True when (H, W) ``cue`` holds a value on at least ``MIN_KNOWN`` of its pixels."""
    return bool(np.isfinite(cue).mean() >= MIN_KNOWN)


def feature_channels(guidance: np.ndarray | None, use: bool | None = None) -> list[int]:
    """Channels of (M, H, W, C) ``guidance`` known on every frame, which can join the appearance
    features (one model carries them from frame to frame); [] unless ``use`` (default
    ``IN_FEATURES``)."""
    if guidance is None or not (IN_FEATURES if use is None else use):
        return []
    return [c for c in range(guidance.shape[-1]) if all(known_on(g) for g in guidance[..., c])]


def filled(cues: np.ndarray) -> np.ndarray:
    """(H, W, B) float32 with each channel's unknown pixels (no data, a scene without the
    band) set to that channel's median, so they look like the frame's usual ground."""
    out = np.array(cues, np.float32)
    for b in range(out.shape[-1]):
        band = out[..., b]
        known = np.isfinite(band)
        band[~known] = float(np.median(band[known])) if known.any() else 0.0
    return out


def frame_extra(guidance: np.ndarray | None, frame: int) -> np.ndarray | None:
    """(H, W, B) float32 filled cues of one frame known on it (for its superpixels), or None."""
    if guidance is None:
        return None
    keep = [c for c in range(guidance.shape[-1]) if known_on(guidance[frame, ..., c])]
    return filled(guidance[frame][..., keep]) if keep else None


def feature_extra(guidance: np.ndarray | None, frame: int, channels: list[int]) -> np.ndarray | None:
    """(H, W, len(channels)) float32 filled cues of one frame in appearance-feature units, or None."""
    if guidance is None or not channels:
        return None
    return filled(guidance[frame][..., channels]) * np.float32(FEATURE_SCALE)


def frame_ndvi(guidance: np.ndarray | None, frame: int) -> np.ndarray | None:
    """(H, W) float32 NDVI of one frame (NaN where unknown), or None when it has none."""
    if guidance is None or not known_on(guidance[frame, ..., 0]):
        return None
    return guidance[frame, ..., 0]


def open_water(ndvi: np.ndarray | None) -> np.ndarray | None:
    """(H, W) bool open water of a frame's NDVI (NaN: not water), or None without NDVI."""
    if ndvi is None:
        return None
    with np.errstate(invalid="ignore"):
        return np.asarray(ndvi) < WATER_NDVI


def describe(guidance: np.ndarray | None, channels: list[int]) -> str:
    """One line for the provenance: whether and where vegetation guidance was used."""
    if guidance is None:
        return "none (RGB only)"
    with_ndvi = sum(known_on(g) for g in guidance[..., 0])
    if with_ndvi == 0:
        return "none (no frame carries NIR)"
    used = "superpixels, bareness, outline, open water" + (", appearance features" if channels else "")
    return f"NDVI from NIR on {with_ndvi} of {len(guidance)} frames ({used})"
