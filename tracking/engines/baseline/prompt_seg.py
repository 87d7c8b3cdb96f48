"""From an object's accumulated prompt on one frame to its mask there.

A mask comes back unchanged; a box is segmented on superpixels (``interactive``);
clicks refine whatever the frame holds (the mask, the box's result, or the tracked
mask), one local edit each (``click_edit``); the first positive click on an empty
frame segments the scar under it. Clicks are applied in order and the result after
each is kept by the engine, so a new click costs one edit, not a replay of all.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from tracking.core.work import checkpoint
from tracking.engines.baseline.click_edit import edit_click
from tracking.engines.baseline.interactive import segment_box, segment_click
from tracking.engines.baseline.refine import refine_outline
from tracking.engines.baseline.superpixels import SuperpixelFrame

# Clicks after a box may reach this share of the box's longer side beyond it (at least 2 px).
BOX_SLACK = 0.05
REFINE_EDITS = True


def segment_prompt(sp: SuperpixelFrame, mask: np.ndarray | None, box: tuple[float, float, float, float] | None,
                   points: np.ndarray, labels: np.ndarray, base: np.ndarray | None = None,
                   start: np.ndarray | None = None, done: int = 0, seed: int = 0) -> np.ndarray:
    """(H, W) bool mask of one object's prompt on a frame of superpixels ``sp``.

    mask: (H, W) bool or None; box: (x0, y0, x1, y1) or None; points: (K, 2) x, y and
    labels (K,) 1 = scar, 0 = not scar, in the order given. base: (H, W) bool, the frame's
    tracked mask, which clicks refine when there is neither mask nor box. start: the result
    after the first ``done`` points (from an earlier call), so only the rest are applied.
    """
    allowed = None if box is None else _box_neighbourhood(sp, box)
    if start is not None and 0 <= done <= len(points):
        current = start.copy()
    else:
        done = 0
        current = _initial(sp, mask, box, base, seed)
    nodes = [(sp.node_at(x, y), int(lb)) for (x, y), lb in zip(np.asarray(points, float), labels)]
    clicks = np.column_stack([np.asarray(points, float).reshape(-1, 2), np.asarray(labels, float)])
    given = mask is not None or box is not None or base is not None
    for k in range(done, len(nodes)):
        checkpoint()  # between clicks: a closed tab or a spent CPU budget stops a long preview
        current = apply_click(sp, current, nodes[:k + 1], allowed, seed + k, protect_core=given,
                              clicks=clicks[:k + 1])
    return np.zeros(sp.labels.shape, bool) if current is None else current


def apply_click(sp: SuperpixelFrame, current: np.ndarray | None, nodes: list[tuple[int, int]],
                allowed: np.ndarray | None, seed: int = 0, protect_core: bool = False,
                clicks: np.ndarray | None = None) -> np.ndarray | None:
    """(H, W) bool: ``current`` (or None: nothing yet) after the last click of ``nodes``
    [(node, label)]. Pixels away from the edited nodes keep their state exactly.
    protect_core: ``current`` came from a box, an outline or tracking (see ``edit_click``).
    clicks: (K, 3) x, y, label of the same clicks in pixels, held when the outline is redrawn."""
    node, label = nodes[-1]
    src = sp.to_pixels(np.arange(sp.n) == node)
    if current is None or not current.any():
        if label == 0:
            return None if current is None else current
        free = np.ones(sp.n, bool) if allowed is None else allowed.copy()
        free[[nd for nd, lb in nodes if lb == 0]] = False
        free[node] = True
        return refine_outline(sp, segment_click(sp, node, free, seed), seed, clicks)
    old = sp.from_pixels(current)
    new = edit_click(sp, old, nodes, allowed, seed, protect_core)
    out = (current | sp.to_pixels(new & ~old)) & ~sp.to_pixels(old & ~new)
    if REFINE_EDITS and (new ^ old).any():  # redraw the outline where the edit moved it
        near = ndi.binary_dilation(sp.to_pixels(new ^ old), iterations=2 * sp.factor)
        out[near] = refine_outline(sp, new, seed, clicks)[near]
    return out | src if label == 1 else out & ~src


def _initial(sp: SuperpixelFrame, mask: np.ndarray | None, box, base: np.ndarray | None,
             seed: int) -> np.ndarray | None:
    """The mask before any click: the mask prompt, the box's result, the tracked mask, or None."""
    if mask is not None:
        return mask.copy()
    if box is not None:
        return refine_outline(sp, segment_box(sp, box, seed), seed)
    return None if base is None else base.copy()


def _box_neighbourhood(sp: SuperpixelFrame, box: tuple[float, float, float, float]) -> np.ndarray:
    """(N,) bool: nodes mostly inside ``box`` grown by ``BOX_SLACK`` of its longer side."""
    x0, y0, x1, y1 = box
    m = max(2.0, BOX_SLACK * max(x1 - x0, y1 - y0))
    grown = sp.box_share((x0 - m, y0 - m, x1 + m, y1 + m))
    return (grown > 0.5) | (sp.box_share(box) > 0)
