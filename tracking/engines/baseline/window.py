"""A tracking step computed in a window around the previous scar instead of the whole frame.

A scar covers a small part of a large frame, and every part of a step looks only
near it: the band the outline may move in, the background ring that sets the
seasonal shift (out to twice the band plus at most ``shapes.RING_DEPTH``), the
ground that failed beside it. The step is therefore run on a window: the previous
mask's bounding box grown by that reach. When the result comes near the window's
edge (a sudden large growth, a slope that failed beyond it), the window is grown
around the result and the step done again, so the growth is still followed within
the same date; the last try is the whole frame. What the window leaves out is the
frame's background: its bareness statistics come from samples of the whole frame
(``BareChange.outside``), and its belief stays as it was until a window covers it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from tracking.engines.baseline import shapes
from tracking.engines.baseline.bare_change import STAT_SAMPLES, BareChange
from tracking.engines.baseline.graphcut import EdgeWeights
from tracking.engines.baseline.propagation import ObjectState, track_step

# Room (px) beyond the reach of the step's rings. Growth beyond it (a slope that failed)
# reaches the window's edge and the step is done again in a larger window.
SLACK = 8.0
# Windows tried for one step before the whole frame: each regrown around the last result.
TRIES = 3
# A window over more than this share of the frame costs about what the frame does.
WHOLE_SHARE = 0.65
# Frames of at most this many pixels (512 x 512) are stepped whole: a window saves little
# there, and the belief of the ground beyond it (which a window leaves as it was) keeps
# taking in each date's evidence, as it does without windows.
WHOLE_FRAME_PIXELS = 1 << 18


@dataclass(frozen=True)
class Window:
    """Rows y0:y1 and columns x0:x1 of a frame of ``shape`` (H, W)."""

    y0: int
    y1: int
    x0: int
    x1: int
    shape: tuple[int, int]

    @classmethod
    def whole(cls, shape: tuple[int, int]) -> "Window":
        return cls(0, shape[0], 0, shape[1], (int(shape[0]), int(shape[1])))

    @classmethod
    def around(cls, mask: np.ndarray, margin: float) -> "Window":
        """The bounding box of ``mask`` (H, W) bool grown by ``margin`` px, clipped to the frame
        (the whole frame when the mask is empty)."""
        bounds = shapes.box_bounds(mask, margin)
        if bounds is None:
            return cls.whole(mask.shape)
        return cls(*bounds, (int(mask.shape[0]), int(mask.shape[1])))

    @property
    def is_whole(self) -> bool:
        return (self.y0, self.x0) == (0, 0) and (self.y1, self.x1) == self.shape

    @property
    def size(self) -> tuple[int, int]:
        return self.y1 - self.y0, self.x1 - self.x0

    def crop(self, a: np.ndarray) -> np.ndarray:
        """The window of an array whose first two axes are the frame's (a view)."""
        return a[self.y0:self.y1, self.x0:self.x1]

    def paste(self, part: np.ndarray, fill: np.ndarray) -> np.ndarray:
        """``fill`` (H, W, ...) with the window replaced by ``part`` (a new array)."""
        out = fill.copy()
        out[self.y0:self.y1, self.x0:self.x1] = part
        return out

    def or_whole(self) -> "Window":
        """The window, or the whole frame when it would cover more than ``WHOLE_SHARE`` of it."""
        h, w = self.size
        return Window.whole(self.shape) if h * w > WHOLE_SHARE * self.shape[0] * self.shape[1] else self

    def union(self, other: "Window") -> "Window":
        return Window(min(self.y0, other.y0), max(self.y1, other.y1), min(self.x0, other.x0),
                      max(self.x1, other.x1), self.shape)


def reach(mask: np.ndarray, width: float) -> float:
    """Margin (px) around a scar's bounding box that a step looks at: the background ring
    from twice the band ``width`` out by ``shapes.ring_depth``, and a few pixels more."""
    return 2.0 * width + shapes.ring_depth(mask) + SLACK


def fits(win: Window, mask: np.ndarray) -> bool:
    """Whether a step's result ``mask`` (h, w) bool over ``win`` keeps off the window's open
    sides by the room its graph cut looked around it (twice the band plus 2 px): else the
    scar may go on beyond the window."""
    if not mask.any():
        return True
    room = int(np.ceil(2.0 * shapes.band_width(mask))) + 2
    ys, xs = np.nonzero(mask.any(1))[0], np.nonzero(mask.any(0))[0]
    h, w = win.size
    return not ((win.y0 > 0 and ys[0] < room) or (win.x0 > 0 and xs[0] < room)
                or (win.y1 < win.shape[0] and ys[-1] >= h - room)
                or (win.x1 < win.shape[1] and xs[-1] >= w - room))


def regrown(win: Window, mask: np.ndarray, prev_mask: np.ndarray, width: float) -> Window:
    """A larger window after a result (h, w) over ``win`` reached its edge: around the
    result and the previous scar (both full-frame), by twice the reach of the larger one;
    the whole frame once it would cover more than ``WHOLE_SHARE`` of it."""
    full = np.zeros(win.shape, bool)
    win.crop(full)[...] = mask
    union = full | prev_mask
    grown = Window.around(union, 2.0 * reach(union, width)).union(win)
    return grown.or_whole()


@dataclass
class StepSource:
    """What a step reads of the frames, for any window: ``features(frame, win)`` (h, w, D)
    float32, ``bareness(frame, win)`` (h, w) float32 (see ``bare_change``) and optionally
    ``sharp(frame, win)`` (h, w, B) float32 or None, the cues the outline sharpening reads
    beside the colour (``propagation.sharpen_outline``), and ``water(frame, win)`` (h, w)
    bool or None, the open water no scar grows into (``guidance.open_water``)."""

    features: Callable[[int, Window], np.ndarray]
    bareness: Callable[[int, Window], np.ndarray]
    sharp: Callable[[int, Window], np.ndarray | None] | None = None
    water: Callable[[int, Window], np.ndarray | None] | None = None


def windowed_step(source: StepSource, prev: ObjectState, frame: int, after: int | None = None,
                  reverse: bool = False, seed: int = 0, whole_below: int = WHOLE_FRAME_PIXELS) -> ObjectState:
    """``track_step`` onto ``frame`` run on a window around the previous mask, regrown while
    the result reaches its edge (on the whole frame when it has at most ``whole_below``
    pixels). after: the next frame in the direction of travel (None at the end). Returns
    the full-frame state: outside the window the mask is empty and the belief the previous
    one (nothing new was seen there)."""
    win = Window.around(prev.mask, reach(prev.mask, prev.width)).or_whole()
    if prev.mask.size <= whole_below:
        win = Window.whole(prev.mask.shape)
    for attempt in range(TRIES + 1):
        if attempt == TRIES:
            win = Window.whole(prev.mask.shape)
        state = _step_in(source, win, prev, frame, after, reverse, seed)
        if win.is_whole or fits(win, state.mask):
            break
        win = regrown(win, state.mask, prev.mask, prev.width)
    if win.is_whole:
        return state
    empty = np.zeros(prev.mask.shape, bool)
    carried = None if state.carried is None else win.paste(state.carried, empty)
    return replace(state, mask=win.paste(state.mask, empty), carried=carried,
                   belief=win.paste(state.belief, prev.belief.astype(state.belief.dtype)))


def _step_in(source: StepSource, win: Window, prev: ObjectState, frame: int, after: int | None,
             reverse: bool, seed: int) -> ObjectState:
    """``track_step`` on the window ``win`` (its state cut to the window; the bareness only
    forward in time, where ``track_step`` reads it)."""
    features = source.features(frame, win)
    frames = (frame, prev.frame, after)
    bare = None if reverse else BareChange(*(None if f is None else source.bareness(f, win) for f in frames))
    if bare is not None and not win.is_whole:
        bare.stride = max(1, -(-win.shape[0] * win.shape[1] // STAT_SAMPLES))
        beyond = _beyond(win, bare.stride)
        whole = Window.whole(win.shape)
        now, before, later = (None if f is None else source.bareness(f, whole).ravel()[beyond] for f in frames)
        bare.outside = (now, before, later)
    return track_step(features, EdgeWeights.from_features(features[..., :3]), _cropped(prev, win), frame,
                      source.features(prev.frame, win), None if after is None else source.features(after, win),
                      reverse=reverse, seed=seed, bare=bare,
                      sharp_extra=None if source.sharp is None else source.sharp(frame, win),
                      water=None if source.water is None else source.water(frame, win))


def _beyond(win: Window, stride: int) -> np.ndarray:
    """Flat indices of every ``stride``-th pixel of the frame that lies beyond the window."""
    idx = np.arange(0, win.shape[0] * win.shape[1], stride)
    ys, xs = np.divmod(idx, win.shape[1])
    return idx[(ys < win.y0) | (ys >= win.y1) | (xs < win.x0) | (xs >= win.x1)]


def _cropped(state: ObjectState, win: Window) -> ObjectState:
    """The state with its masks and belief cut to the window."""
    carried = None if state.carried is None else win.crop(state.carried)
    return replace(state, mask=win.crop(state.mask), belief=win.crop(state.belief), carried=carried)
