"""When a prompt is acceptable: the one copy of the rules every layer applies.

The project (``set_prompts``), the tracking session, the corrections of the Review
page and both engines call :func:`validate_prompt`; each refusal is one
InputError sentence the analyst can act on. The rules:

- the frame index names a frame of the series;
- the object id is a whole number from 1 to ``MAX_OBJECT_ID`` (label rasters are uint8);
- points lie inside the frame and carry label 1 (scar) or 0 (not scar); one object has at
  most ``MAX_POINTS`` of them on one frame (:func:`check_point_totals` adds up its prompts);
- a box lies inside the frame and is at least ``MIN_BOX_PX`` pixels wide and high;
- a mask has the frame's (H, W) shape and is not empty;
- the prompt is not empty, and on a series with a validity mask it does not lie
  wholly where the scene has no data.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from tracking.core.errors import InputError
from tracking.core.frames import Frames, check_frame_index
from tracking.core.prompts import Prompt

#: Object ids are stored in uint8 label rasters (0 = background).
MAX_OBJECT_ID = 255
#: A box thinner than this is a slip of the mouse, not a scar outline.
MIN_BOX_PX = 2.0
#: Most clicks (points) one object may have on one frame. Each click costs the baseline
#: work over the whole frame, and a prompt file of thousands of points held a shared
#: server for minutes (issue 13); a scar that needs more is better outlined or boxed.
MAX_POINTS = 50


def validate_prompt(prompt: Prompt, frames: Frames | np.ndarray | tuple[int, ...]) -> None:
    """Raise InputError (one sentence) unless ``prompt`` fits ``frames``.

    frames: the series (:class:`Frames`, whose ``valid`` (N, H, W) bool mask adds
    the nodata rule), or the (N, H, W, 3) uint8 video an engine holds, or only that
    video's shape (N, H, W[, 3]); frame indices are then the engine's own.
    """
    if isinstance(frames, Frames):
        n, shape, valid = len(frames), frames.shape, frames.valid
    else:
        dims = frames if isinstance(frames, tuple) else np.shape(frames)
        n, shape, valid = int(dims[0]), (int(dims[1]), int(dims[2])), None
    frame = check_frame_index(prompt.frame, n, prompt=True)
    _check_object_id(prompt.object_id)
    if prompt.empty:
        raise InputError("The prompt is empty: add a point, a box or an outline.")
    _check_points(prompt, shape)
    _check_box(prompt.box, shape)
    _check_mask(prompt.mask, shape)
    if valid is not None and not _touches_data(prompt, valid[frame]):
        raise InputError(f"The prompt on frame {frame + 1} lies wholly where the scene has no data; "
                         "draw it on the imaged part of the frame.")


def points_inside(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(K,) bool: which (K, 2) x, y points lie on a pixel of an (H, W) frame."""
    h, w = shape
    pts = np.asarray(points, float).reshape(-1, 2)
    return (pts[:, 0] >= 0) & (pts[:, 0] < w) & (pts[:, 1] >= 0) & (pts[:, 1] < h)


def _check_object_id(object_id) -> None:
    try:
        oid = operator.index(object_id)
    except TypeError:
        oid = None
    if oid is None or isinstance(object_id, bool) or not 1 <= oid <= MAX_OBJECT_ID:
        raise InputError(f"The object id {object_id!r} is not a whole number from 1 to {MAX_OBJECT_ID}.")


def check_point_totals(prompts) -> None:
    """InputError when the prompts (an iterable of :class:`Prompt`) give one object more than
    MAX_POINTS clicks on one frame, all its prompts there counted together."""
    totals: dict[tuple[int, int], int] = {}
    for p in prompts:
        key = (int(p.frame), int(p.object_id))
        totals[key] = totals.get(key, 0) + len(p.points)
    for (frame, oid), n in sorted(totals.items()):
        if n > MAX_POINTS:
            raise InputError(f"Object {oid} has {n:,} clicks on frame {frame + 1}, more than the {MAX_POINTS} "
                             f"allowed per object and frame; outline or box the scar instead.")


def _check_points(prompt: Prompt, shape: tuple[int, int]) -> None:
    check_point_totals([prompt])  # before any per-point work
    if not points_inside(prompt.points, shape).all():
        raise InputError("A prompt point lies outside the frame; draw it on the image.")
    bad = [int(v) for v in prompt.labels if v not in (0, 1)]
    if bad:
        raise InputError(f"A prompt point has label {bad[0]}; use 1 for scar and 0 for not scar.")


def _check_box(box, shape: tuple[int, int]) -> None:
    """Box edges are pixel edges, so a box may reach (0, 0) and (W, H) but not beyond."""
    if box is None:
        return
    h, w = shape
    x0, y0, x1, y1 = box
    if not all(math.isfinite(v) for v in box) or x1 <= 0 or y1 <= 0 or x0 >= w or y0 >= h:
        raise InputError("The prompt box lies outside the frame; draw it on the image.")
    if x0 < 0 or y0 < 0 or x1 > w or y1 > h:
        raise InputError(f"The prompt box runs past the edge of the {w}x{h}-pixel frame; "
                         "draw it on the image.")
    if x1 - x0 < MIN_BOX_PX or y1 - y0 < MIN_BOX_PX:
        raise InputError(f"The prompt box is only {x1 - x0:g}x{y1 - y0:g} pixels; draw one at least "
                         f"{MIN_BOX_PX:g} pixels wide and high around the scar.")


def _check_mask(mask: np.ndarray | None, shape: tuple[int, int]) -> None:
    if mask is None:
        return
    h, w = shape
    if mask.shape != (h, w):
        got = f"{mask.shape[1]}x{mask.shape[0]}" if mask.ndim == 2 else "x".join(map(str, mask.shape[::-1]))
        raise InputError(f"The prompt outline is {got} pixels, but the frames are {w}x{h}; draw it again.")
    if not mask.any():
        raise InputError("The prompt outline is empty; draw it around the scar.")


def _touches_data(prompt: Prompt, valid: np.ndarray) -> bool:
    """True when a positive point, the box or the outline covers at least one pixel with data.

    valid: (H, W) bool. A prompt of negative clicks only marks no area, so it passes.
    """
    positive = prompt.points[prompt.labels == 1]
    if prompt.mask is None and prompt.box is None and not len(positive):
        return True
    if len(positive) and valid[positive[:, 1].astype(int), positive[:, 0].astype(int)].any():
        return True
    if prompt.box is not None:
        x0, y0, x1, y1 = prompt.box
        if valid[int(y0):max(int(y0) + 1, math.ceil(y1)), int(x0):max(int(x0) + 1, math.ceil(x1))].any():
            return True
    return prompt.mask is not None and bool((prompt.mask & valid).any())
