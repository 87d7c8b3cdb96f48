"""The weights-free tracking engine: appearance learnt from the prompt, carried frame to frame.

Each object keeps its accumulated prompt per frame and its state (mask, appearance
model, confidence) per frame. Propagation segments each next frame from the state
of the frame before it (see ``propagation``); a frame holding a prompt yields the
prompt's mask and re-learns the appearance from it, so a correction on frame k
changes what is tracked from k on and nothing before it.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np
from scipy import ndimage as ndi

from tracking.core.frames import check_frame_index, check_video
from tracking.core.prompt_rules import validate_prompt
from tracking.core.prompts import Prompt
from tracking.core.spectral import check_guidance
from tracking.engines.base import PropagationStep
from tracking.engines.baseline import guidance as veg
from tracking.engines.baseline.appearance import frame_features
from tracking.engines.baseline.bare_change import bareness
from tracking.engines.baseline.belief import hard_belief
from tracking.engines.baseline.graphcut import EdgeWeights
from tracking.engines.baseline.prompt_seg import segment_prompt
from tracking.engines.baseline.propagation import ObjectState, learn_state, reference_mask
from tracking.engines.baseline.superpixels import SuperpixelFrame, superpixel_frame
from tracking.engines.baseline.tiles import TiledFrame
from tracking.engines.baseline.window import StepSource, Window, windowed_step

# Frames whose superpixels are kept (about 5 MB each at 1024 px): prompts come in bursts
# on a few frames, so the frames being corrected stay cached.
SUPERPIXEL_FRAMES = 8


@dataclass
class _FramePrompt:
    """One object's prompt on one frame, accumulated: clicks add up, a box or a mask replaces.

    base: (H, W) bool, the mask the frame had before its first click (refined by clicks).
    result: (H, W) bool, the mask after the first ``done`` clicks (each new click edits it).
    """

    points: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))
    labels: np.ndarray = field(default_factory=lambda: np.zeros((0,), np.int32))
    box: tuple[float, float, float, float] | None = None
    mask: np.ndarray | None = None
    base: np.ndarray | None = None
    result: np.ndarray | None = None
    done: int = 0


@dataclass
class _Object:
    prompts: dict[int, _FramePrompt] = field(default_factory=dict)
    states: dict[int, ObjectState] = field(default_factory=dict)

    def nearest_state(self, frame: int, reverse: bool) -> ObjectState | None:
        """The state of the closest frame before ``frame`` in the direction of travel."""
        done = [f for f in self.states if (f > frame if reverse else f < frame)]
        if not done:
            return None
        return self.states[min(done) if reverse else max(done)]


class BaselineEngine:
    """Tracking without model weights (numpy + scipy), with SAM2's prompt semantics.

    cache_bytes: memory for the per-frame features (28 bytes a pixel, 4 more per guidance
    channel; edge weights are made per window); at least the three frames a step reads
    (before, this, after) are kept.
    """

    name = "baseline"

    def __init__(self, cache_bytes: int = 256 * 2**20, seed: int = 0) -> None:
        self.cache_bytes = cache_bytes
        self.seed = seed
        self.images = np.zeros((0, 1, 1, 3), np.uint8)
        self.guidance: np.ndarray | None = None
        self._feature_channels: list[int] = []
        self.vegetation_guidance = veg.describe(None, [])
        self._objects: dict[int, _Object] = {}
        self._cache: OrderedDict[int, tuple[np.ndarray, EdgeWeights]] = OrderedDict()
        self._superpixels: OrderedDict[int, SuperpixelFrame] = OrderedDict()
        self._bare: OrderedDict[int, np.ndarray] = OrderedDict()
        # Features of the frames a propagation run visits, tile by tile around the scars (``tiles``).
        self._tiles: OrderedDict[int, TiledFrame] = OrderedDict()

    # -- Engine protocol -----------------------------------------------------
    def load(self, images: np.ndarray, guidance: np.ndarray | None = None) -> None:
        """Start a new video. images: (M, H, W, 3) uint8. Drops all prompts and memory.

        guidance: optional (M, H, W, C) float32 vegetation cues, NDVI first, NaN unknown (see
        ``guidance``): they join the superpixel features and set the bareness (and join the
        appearance features when ``guidance.IN_FEATURES``).
        Without it the engine sees the RGB alone, exactly as before guidance existed.
        """
        self.images = check_video(images)
        self.guidance = check_guidance(guidance, self.images)
        self._feature_channels = veg.feature_channels(self.guidance)
        self.vegetation_guidance = veg.describe(self.guidance, self._feature_channels)
        self._objects = {}
        self._cache = OrderedDict()
        self._superpixels = OrderedDict()
        self._bare = OrderedDict()

    def add_prompt(self, prompt: Prompt) -> PropagationStep:
        """Add points/box/mask for one object on one frame; returns every object's mask there."""
        validate_prompt(prompt, self.images)
        f = int(prompt.frame)
        obj = self._objects.setdefault(prompt.object_id, _Object())
        fp = self._accumulate(obj, prompt)
        obj.prompts[f] = fp
        with _single_blas_thread():
            mask = segment_prompt(self._superpixel_frame(f), fp.mask, fp.box, fp.points, fp.labels, fp.base,
                                  fp.result, fp.done, seed=self.seed + f)
            fp.result, fp.done = mask.copy(), len(fp.points)
            features, _ = self._features(f)
            # A correction re-learns from this frame, starting from what the tracker knew before it.
            before = obj.nearest_state(f, reverse=False) or obj.nearest_state(f, reverse=True)
            if mask.any():
                obj.states[f] = learn_state(features, mask, before.model if before else None, f,
                                            seed=self.seed + f)
            elif before is not None:
                obj.states[f] = ObjectState(mask, before.model, before.width, 0.0, f, hard_belief(mask))
            else:
                obj.states.pop(f, None)
        return self._frame_step(f)

    def clear_frame(self, frame: int, object_id: int | None = None) -> None:
        """Forget the prompts on one frame (all objects when ``object_id`` is None)."""
        ids = list(self._objects) if object_id is None else [object_id]
        for oid in ids:
            obj = self._objects.get(oid)
            if obj is not None and obj.prompts.pop(frame, None) is not None:
                obj.states.pop(frame, None)

    def propagate(self, start: int, reverse: bool = False) -> Iterator[PropagationStep]:
        """Yield one step per frame from ``start`` forward (or backward when ``reverse``)."""
        start = self._check_frame(start)
        order = range(start, -1, -1) if reverse else range(start, len(self.images))
        carry: dict[int, ObjectState] = {}
        self._tiles = OrderedDict()  # each run starts its tiles afresh
        for f in order:
            with _single_blas_thread():
                step = self._track_frame(f, start, reverse, carry)
            yield step

    def _track_frame(self, f: int, start: int, reverse: bool, carry: dict[int, ObjectState]) -> PropagationStep:
        """Track every object onto frame ``f``; ``carry`` holds each object's state to go on from."""
        fresh: dict[int, ObjectState] = {}
        for oid, obj in self._objects.items():
            if f in obj.prompts or (f == start and f in obj.states):
                if f in obj.states:
                    carry[oid] = obj.states[f]
                continue
            prev = carry.get(oid) or obj.nearest_state(f, reverse)
            if prev is None:
                continue  # this object's first prompt lies further on
            nxt = f - 1 if reverse else f + 1
            source = StepSource(self._window_features, lambda frame, win: win.crop(self._bareness(frame)),
                                self._sharp_cues, self._water)
            fresh[oid] = windowed_step(source, prev, f, nxt if 0 <= nxt < len(self.images) else None,
                                       reverse=reverse, seed=self.seed + f)
            carry[oid] = reference_mask(fresh[oid], prev)
        _resolve_overlaps(fresh)
        for oid, st in fresh.items():
            self._objects[oid].states[f] = st
        return self._frame_step(f)

    def _sharp_cues(self, frame: int, win: Window) -> np.ndarray | None:
        """(h, w, 1) float32 NDVI of a window in feature units, smoothed like the sharp colour,
        for the outline sharpening; None for a frame without it."""
        ndvi = veg.frame_ndvi(self.guidance, frame)
        if ndvi is None:
            return None
        cue = veg.filled(win.crop(ndvi)[..., None]) * np.float32(veg.FEATURE_SCALE)
        return ndi.gaussian_filter(cue, (0.7, 0.7, 0))

    def _water(self, frame: int, win: Window) -> np.ndarray | None:
        """(h, w) bool open water of a window (``guidance.open_water``); None without NDVI."""
        ndvi = veg.frame_ndvi(self.guidance, frame)
        return None if ndvi is None else veg.open_water(win.crop(ndvi))

    # -- helpers -------------------------------------------------------------
    def _check_frame(self, frame: int) -> int:
        return check_frame_index(frame, len(self.images))

    def _accumulate(self, obj: _Object, prompt: Prompt) -> _FramePrompt:
        old = obj.prompts.get(prompt.frame)
        if prompt.mask is not None or prompt.box is not None or old is None:
            tracked = obj.states.get(prompt.frame)
            base = None
            if prompt.mask is None and prompt.box is None and tracked is not None:
                base = tracked.mask.copy()  # clicks on a tracked frame refine its mask
            return _FramePrompt(prompt.points.copy(), prompt.labels.copy(), prompt.box,
                                None if prompt.mask is None else prompt.mask.copy(), base)
        return _FramePrompt(np.concatenate([old.points, prompt.points]),
                            np.concatenate([old.labels, prompt.labels]), old.box, old.mask, old.base,
                            old.result, old.done)

    def _superpixel_frame(self, frame: int) -> SuperpixelFrame:
        """The superpixels of a frame, computed once (the least recently used frame goes)."""
        hit = self._superpixels.get(frame)
        if hit is None:
            hit = self._superpixels[frame] = superpixel_frame(self.images[frame],
                                                              veg.frame_extra(self.guidance, frame))
            while len(self._superpixels) > SUPERPIXEL_FRAMES:
                self._superpixels.popitem(last=False)
        self._superpixels.move_to_end(frame)
        return hit

    def _features(self, frame: int) -> tuple[np.ndarray, EdgeWeights]:
        """(H, W, 7 + B) features (B guidance channels known on every frame) and edge weights of
        a frame, cached (least recently used goes)."""
        hit = self._cache.get(frame)
        if hit is not None:
            self._cache.move_to_end(frame)
            return hit
        features = self._feature_maker(frame)(Window.whole(self.images.shape[1:3]))
        hit = (features, EdgeWeights.from_features(features[..., :3]))
        self._cache[frame] = hit
        per_frame = features.nbytes + hit[1].nbytes
        while len(self._cache) > max(3, self.cache_bytes // per_frame):
            self._cache.popitem(last=False)
        return hit

    def _feature_maker(self, frame: int) -> Callable[[Window], np.ndarray]:
        """The features of a frame over any window, (h, w, 7 + B) float32: the one rule that
        ``_features`` and the tiles of ``_window_features`` share."""
        image = self.images[frame]
        extra = veg.feature_extra(self.guidance, frame, self._feature_channels)
        return lambda win: frame_features(win.crop(image), None if extra is None else win.crop(extra))

    def _window_features(self, frame: int, win: Window) -> np.ndarray:
        """(h, w, D) features of a window of a frame: cut from the whole frame's when those are
        cached (a prompted frame), else computed tile by tile as propagation's windows ask."""
        hit = self._cache.get(frame)
        if hit is not None:
            return win.crop(hit[0])
        tiles = self._tiles.get(frame)
        if tiles is None:
            tiles = self._tiles[frame] = TiledFrame(self.images.shape[1:3], self._feature_maker(frame))
            while len(self._tiles) > 4:  # a step reads three frames: before, this, after
                self._tiles.popitem(last=False)
        self._tiles.move_to_end(frame)
        return tiles.window(win)

    def _bareness(self, frame: int) -> np.ndarray:
        """(H, W) float32 bareness of a frame (``bare_change``), cached for the last few frames."""
        hit = self._bare.get(frame)
        if hit is None:
            hit = self._bare[frame] = bareness(self.images[frame], veg.frame_ndvi(self.guidance, frame))
            while len(self._bare) > 4:
                self._bare.popitem(last=False)
        self._bare.move_to_end(frame)
        return hit

    def _frame_step(self, frame: int) -> PropagationStep:
        masks, conf = {}, {}
        for oid, obj in self._objects.items():
            st = obj.states.get(frame)
            if st is not None:
                masks[oid] = st.mask.copy()
                conf[oid] = float(st.confidence)
        return PropagationStep(frame, masks, conf)


def _single_blas_thread():
    """Run numpy's linear algebra on one thread: the matrices here are small, and threads
    that spin waiting for each other cost more than they give on a shared CPU (about
    twice the time per frame on two busy cores). Without threadpoolctl, nothing changes."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is in requirements.txt
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _resolve_overlaps(states: dict[int, ObjectState]) -> None:
    """Give a pixel claimed by several tracked objects to the one with the highest log-odds."""
    if len(states) < 2:
        return
    ids = list(states)
    score = np.stack([np.where(states[i].mask, states[i].belief.astype(np.float32), -np.inf) for i in ids])
    best = np.argmax(score, axis=0)
    for k, i in enumerate(ids):
        states[i].mask &= best == k
