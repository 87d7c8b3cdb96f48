"""One step of the baseline tracker: the previous date's scar -> this date's scar.

1. The appearance model is moved to this date (each kind of ground by its own
   seasonal shift) and re-learnt from this frame where the previous outline and
   the moved model agree (the old scar's core, the background well outside).
2. The evidence is that appearance plus change unusual for its kind of ground.
3. The prior is the previous date's per-pixel belief pushed through the
   transition of ``belief``: the outline may move within a band; beyond it the
   ground seldom turns to scar, except for patches that a slope failure brings,
   judged region by region (``failed_ground``).
4. A graph cut of evidence + prior; the parts attached to the old scar are kept
   and holes filled. The model then learns from this frame's confident pixels,
   forgetting old dates exponentially.
5. The outline shown is decided again within a few pixels on the sharp colour alone
   (``sharpen_outline``); the next date is tracked from the cut's own outline.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import ndimage as ndi

from tracking.engines.baseline import belief as bel
from tracking.engines.baseline import shapes
from tracking.engines.baseline.appearance import AppearanceModel
from tracking.engines.baseline.bare_change import BareChange, change_gate
from tracking.engines.baseline.change import change_evidence, class_shift
from tracking.engines.baseline.graphcut import NARROW_BAND, EdgeWeights, graph_cut

# Share of the appearance samples renewed at each date (exponential forgetting).
UPDATE_RATE = 0.3
# Share of the samples taken from a frame itself, before segmenting it.
ADAPT_RATE = 0.5
# Share of the samples renewed when the analyst prompts or corrects a frame.
PROMPT_RATE = 0.7
# Ground gained beyond the band, as a share of the old scar, that marks a slope failure.
FAILURE_SHARE = 0.25
# Distance (px) from the outline within which pixels are not learnt from: neighbourhood
# features there mix the two sides.
MARGIN = 2.0
# Half-width (px) of the band around a tracked outline that is decided again on the sharp
# colour channels alone (``sharpen_outline``), and those channels (the lightly smoothed
# L*a*b* of ``appearance.frame_features``): the neighbourhood and texture channels blur
# over 2 px and round off every lobe and notch of a lobate scar.
OUTLINE_BAND = 3.0
SHARP_CHANNELS = slice(0, 3)


@dataclass
class ObjectState:
    """An object on one frame.

    mask: (H, W) bool. model: the appearance model after this frame. width: the band (px)
    the outline may move in by the next date. confidence: 0..1. belief: (H, W) float16
    log-odds that each pixel is scar (see ``belief``). carried: (H, W) bool, the tracker's own
    outline the next date is tracked from when ``mask`` (the result shown) was sharpened
    (``sharpen_outline``); None when it is ``mask`` itself.
    """

    mask: np.ndarray
    model: AppearanceModel
    width: float
    confidence: float
    frame: int
    belief: np.ndarray
    carried: np.ndarray | None = None

    def to_track_from(self) -> "ObjectState":
        """The state the next date is tracked from: with the tracker's own outline, so that a
        pixel the sharpening decided one way never becomes the next date's prior (its
        colour-only decisions would otherwise ratchet an outline along a road or into a shadow)."""
        return self if self.carried is None else replace(self, mask=self.carried, carried=None)


def context_ring(mask: np.ndarray, sd: np.ndarray | None = None, start: float = 0.0) -> np.ndarray:
    """(H, W) bool: the background around a scar, from ``start`` px out by ``shapes.ring_depth``.
    ``sd``: the mask's signed distance, if known."""
    return shapes.ring(mask, start, start + shapes.ring_depth(mask), sd)


def training_regions(mask: np.ndarray, sd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(scar, background) pixels to learn from, both ``MARGIN`` px off the outline
    (the whole mask when it is thinner than that)."""
    fg = sd <= -MARGIN
    if fg.sum() < 20:
        fg = mask
    return fg, context_ring(mask, sd, start=MARGIN)


def learn_state(features: np.ndarray, mask: np.ndarray, model: AppearanceModel | None, frame: int,
                seed: int = 0) -> ObjectState:
    """The state after a prompt: a model learnt from this frame's mask (anchored), or the
    old model re-learnt from it when the object was tracked before (a correction)."""
    fg, bg = training_regions(mask, shapes.signed_distance(mask))
    if fg.sum() < 2:  # a scar of a pixel or two: learn from its immediate neighbourhood too
        fg = ndi.binary_dilation(mask)
    if not bg.any():
        # The scar fills (nearly) the whole frame: what little lies outside, else the frame's rim.
        bg = ~mask if (~mask).sum() >= 2 else shapes.frame_rim(mask.shape, 2)  # a model needs two
    if model is None:
        new = AppearanceModel.learn(features, fg, bg, seed=seed)
    else:
        new = model.updated(features, fg, bg, rate=PROMPT_RATE, anchor=True, seed=seed)
    return ObjectState(mask.copy(), new, shapes.band_width(mask), 1.0, frame, bel.hard_belief(mask))


def move_model(features: np.ndarray, prev: ObjectState, before: np.ndarray, core: np.ndarray,
               usual: np.ndarray) -> tuple[AppearanceModel, np.ndarray]:
    """The previous model moved to this date, and the change evidence (H, W) float32.

    The seasonal shift of each kind of ground is measured on the old scar's ``core`` and on
    the background beyond twice the band (``usual``), where the old outline settles the class.
    """
    change = np.zeros(prev.mask.shape, np.float32)
    if not usual.any() or not core.any():
        return prev.model, change
    bg_shift = class_shift(prev.model.bg, before, features, usual)
    model = prev.model.shifted(class_shift(prev.model.fg, before, features, core), bg_shift)
    change = change_evidence(features, before, prev.model.bg, bg_shift, usual, where=~prev.mask)
    return model, change


def failed_ground(evidence: np.ndarray, later, sd_prev: np.ndarray, width: float) -> np.ndarray:
    """(H, W) bool: ground beyond the band that failed with the scar, judged patch by patch.

    evidence: (H, W) log-odds of scar on this date. later: a function giving the log-odds
    of scar on the next date at the pixels of a (H, W) bool mask (None on the last date).
    A patch of pixels the evidence calls scar, beyond the band but touching it, joins when
    most of it (its median) beats the far prior on its own and most of it still looks like
    scar on the next date. A slope failure brings a large coherent patch of bared ground
    that stays bare; creep and noise bring thin rims and doubtful specks; a cloud drifting
    over the scar's edge is gone by the next date.
    """
    beyond = sd_prev > width
    labels, n = ndi.label((evidence > 0) & beyond, np.ones((3, 3), bool))
    if n == 0:
        return np.zeros(evidence.shape, bool)
    ids = np.unique(labels[beyond & (sd_prev <= width + 1.5)])
    ids = ids[ids > 0]
    keep = shapes.label_medians(evidence, labels, ids) > -bel.FAR_PRIOR
    if later is not None and keep.any():
        keep[keep] = _patch_medians(later, labels, ids[keep]) > 0
    return np.isin(labels, ids[keep])


def _patch_medians(values, labels: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Median of ``values`` (a function of a (H, W) bool mask) over each labelled patch."""
    where = np.isin(labels, ids)
    field = np.zeros(labels.shape, np.float32)
    field[where] = values(where)
    return shapes.label_medians(field, labels, ids)


def segment_frame(evidence: np.ndarray, later, edges: EdgeWeights, prev: ObjectState,
                  sd_prev: np.ndarray, reverse: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Graph cut of the ``evidence`` (H, W) log-odds under the prior from ``prev``.

    later: the next date's log-odds at a mask's pixels (see ``failed_ground``).
    Failed ground counts as part of the old outline for the prior; only the parts of the cut
    that reach into the old scar's band are kept (failed ground the cut leaves apart goes).
    Returns the mask (H, W) bool and the posterior (H, W) float32 log-odds.
    """
    width = prev.width
    failed = failed_ground(evidence, later, sd_prev, width)
    sd_ref = shapes.signed_distance(prev.mask | failed) if failed.any() else sd_prev
    z = evidence + bel.predict(prev.belief, sd_ref, width, reverse)
    near = sd_ref <= width
    region = shapes.components_touching(z > 0, near) | prev.mask | failed
    cut = graph_cut(z, edges, region=shapes.grow_box(region, 2 * width + 2), band=NARROW_BAND)
    # a scar is one body: failed ground stays only where the cut joins it to the old scar's band
    attached = shapes.components_touching(cut, sd_prev <= width)
    return shapes.fill_holes(attached, shapes.band_width(prev.mask | failed)), z


def adapted_model(features: np.ndarray, prev: ObjectState, before: np.ndarray, sd_prev: np.ndarray,
                  seed: int) -> tuple[AppearanceModel, AppearanceModel, np.ndarray]:
    """(moved, adapted, change): the previous model moved to this date, then re-learnt from
    this frame where the moved model agrees with the old outline (the old scar's core, the
    background beyond twice the band); and the change evidence (H, W) float32."""
    core = sd_prev <= -prev.width
    if core.sum() < 20:
        core = prev.mask
    usual = context_ring(prev.mask, sd_prev, start=2.0 * prev.width)
    moved, change = move_model(features, prev, before, core, usual)
    seen = core | usual
    agree = np.zeros(seen.shape, np.float32)
    agree[seen] = moved.log_odds_at(features, seen)
    fg, bg = core & (agree > 0), usual & (agree < 0)
    if not fg.any() or not bg.any():
        return moved, moved, change
    return moved, moved.updated(features, fg, bg, rate=ADAPT_RATE, seed=seed), change


def track_step(features: np.ndarray, edges: EdgeWeights, prev: ObjectState, frame: int,
               before: np.ndarray, after: np.ndarray | None = None, reverse: bool = False,
               seed: int = 0, bare: BareChange | None = None, sharp_extra: np.ndarray | None = None,
               water: np.ndarray | None = None) -> ObjectState:
    """Segment one frame (features (H, W, D)) from the previous date's state.

    before: (H, W, D) features of the frame ``prev`` lies on; after: those of the next frame
    in the direction of travel (None at the end), to check that failed ground stays.
    reverse: travelling backward in time (scars shrink on the way).
    bare: the bareness of the three frames; forward in time, ground next to the scar that
    lost its cover for good joins it, and ground beyond the band bared for this date only
    leaves it (``bare_change``). sharp_extra: (H, W, B) float32 unclipped cues (NDVI) the
    outline sharpening reads beside the colour, or None. water: (H, W) bool open water on
    this frame (``guidance.open_water``), which never joins the scar as new ground; or None.
    """
    prev = prev.to_track_from()
    sd_prev = shapes.signed_distance(prev.mask)
    moved, model, change = adapted_model(features, prev, before, sd_prev, seed)
    appearance = model.log_odds(features)

    def later(where: np.ndarray) -> np.ndarray:
        return model.log_odds_at(after, where)

    later_fn = later if after is not None else None
    gate = bare is not None and not reverse and prev.mask.any()

    def gated(mask: np.ndarray, posterior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not gate:
            return mask, posterior
        mask, added = change_gate(mask, prev.mask, sd_prev, prev.width, bare)
        # Bared ground enters the belief as surely as ground beyond the band may turn to scar.
        return mask, np.where(added, np.maximum(posterior, -bel.FAR_PRIOR), posterior)

    mask, posterior = gated(*segment_frame(appearance + change, later_fn, edges, prev, sd_prev, reverse))
    if (mask & (sd_prev > prev.width)).sum() > FAILURE_SHARE * prev.mask.sum():
        # A slope failed: learn what its fresh ground looks like on this frame and look again
        # for more of it (the second look only adds, and its ground passes the same gate: a
        # model learnt from a fan that reached a road or a river otherwise runs along them).
        fg, bg = training_regions(mask, shapes.signed_distance(mask))
        bg &= appearance < 0
        if fg.any() and bg.any():
            second = moved.updated(features, fg, bg, rate=ADAPT_RATE, seed=seed).log_odds(features)
            more, post2 = gated(*segment_frame(second + change, later_fn, edges, prev, sd_prev, reverse))
            posterior = np.where(more & ~mask, post2, posterior)
            mask = mask | more
    new_water = None if water is None else water & ~prev.mask
    if new_water is not None and (mask & new_water).any():
        mask = shapes.components_touching(mask & ~new_water, sd_prev <= prev.width)
        posterior = np.where(new_water, np.minimum(posterior, -bel.FAR_PRIOR), posterior)
    if not mask.any():
        # Nothing left that looks like the scar: report it, but keep tracking from the old outline.
        return ObjectState(mask, prev.model, prev.width, 0.0, frame, prev.belief)
    sd = shapes.signed_distance(mask)
    state = _learnt(features, mask, sd, posterior, appearance, change, moved, frame, seed)
    shown = sharpen_outline(features, edges, mask, seed, sd, sharp_extra)
    if new_water is not None:
        shown &= ~new_water
    return replace(state, mask=shown, carried=mask) if shown.any() else state


def _learnt(features: np.ndarray, mask: np.ndarray, sd: np.ndarray, posterior: np.ndarray, appearance: np.ndarray,
            change: np.ndarray, moved: AppearanceModel, frame: int, seed: int) -> ObjectState:
    """The state after segmenting a frame (``sd``: the mask's signed distance): the model
    learns from its confident pixels."""
    fg, bg = training_regions(mask, sd)
    fg &= appearance + change > 0  # learn only from pixels the evidence agrees with
    bg &= appearance < 0
    model = moved.updated(features, fg, bg, rate=UPDATE_RATE, seed=seed) if fg.any() and bg.any() else moved
    confidence = _confidence(appearance, mask, context_ring(mask, sd))
    return ObjectState(mask, model, shapes.band_width(mask), confidence, frame, bel.settle(posterior, mask))


def sharpen_outline(features: np.ndarray, edges: EdgeWeights, mask: np.ndarray, seed: int = 0,
                    sd: np.ndarray | None = None, extra: np.ndarray | None = None) -> np.ndarray:
    """(H, W) bool: ``mask`` with the pixels within ``OUTLINE_BAND`` px of its outline decided
    again by a graph cut on a colour model of this frame alone, learnt on the sharp channels
    of ``features`` (H, W, D) from the mask's own core and surroundings; the rest is kept.

    The tracker's evidence (neighbourhood colour and texture, the prior from the last date)
    places an outline to within a pixel or two but smooths it; a lobe or a notch of a pixel
    or two is decided here by the pixel's own colour. sd: the mask's signed distance, if known.
    extra: (H, W, B) float32 cues read beside the colour (NDVI: a bright scar and the bright
    ground beside it are both clipped white in the display RGB, never in the reflectances).
    """
    sd = shapes.signed_distance(mask) if sd is None else sd
    fg, bg = training_regions(mask, sd)
    if (sd <= -MARGIN).sum() < 20 or bg.sum() < 20:
        return mask  # no core to learn the scar's colour from
    band = np.abs(sd) <= OUTLINE_BAND
    sharp = features[..., SHARP_CHANNELS]  # a view: the model reads its samples only
    if extra is not None:
        sharp = np.concatenate([sharp, extra], axis=-1)
    z = np.zeros(mask.shape, np.float32)
    z[band] = AppearanceModel.learn(sharp, fg, bg, seed=seed).log_odds_at(sharp, band)
    cut = graph_cut(z, edges, hard_fg=mask & ~band, hard_bg=~mask & ~band, region=mask | band, band=NARROW_BAND)
    kept = mask & ~band
    return shapes.fill_holes(shapes.components_touching(cut, kept if kept.any() else mask), OUTLINE_BAND)


def reference_mask(state: ObjectState, fallback: ObjectState | None) -> ObjectState:
    """The state to track the next frame from: an empty result hands on the last non-empty one."""
    if state.mask.any() or fallback is None:
        return state
    return ObjectState(fallback.mask, state.model, fallback.width, state.confidence, fallback.frame,
                       fallback.belief)


def _confidence(appearance: np.ndarray, mask: np.ndarray, ring: np.ndarray) -> float:
    """How surely the scar looks like scar and its surroundings like background (0..1)."""
    p = 1.0 / (1.0 + np.exp(-appearance))
    inside = float(p[mask].mean())
    outside = float(1.0 - p[ring].mean()) if ring.any() else 1.0
    return inside * outside
