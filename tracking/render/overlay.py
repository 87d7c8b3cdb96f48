"""Masks drawn over frames for the screen: a translucent fill and a crisp outline.

The image is enlarged (nearest neighbour) to the display size first, so the
outline is one display pixel wide whatever the grid size, and small grids show
their pixels honestly instead of blurred.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

SCAR_COLOR = (255, 64, 160)  # magenta: stands out on vegetation, soil and rock alike
OBJECT_COLORS = [(255, 64, 160), (0, 200, 255), (255, 200, 0), (120, 255, 80), (190, 120, 255)]


def object_color(object_id: int) -> tuple[int, int, int]:
    """The (r, g, b) colour of an object id (the palette repeats)."""
    return OBJECT_COLORS[(object_id - 1) % len(OBJECT_COLORS)]


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """(r, g, b) of a "#rrggbb" colour."""
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def enlarge(array: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize of (H, W, ...) to ``shape`` = (h, w)."""
    h, w = array.shape[:2]
    rows = np.minimum((np.arange(shape[0]) + 0.5) * h / shape[0], h - 1).astype(int)
    cols = np.minimum((np.arange(shape[1]) + 0.5) * w / shape[1], w - 1).astype(int)
    return array[rows][:, cols]


def outline(mask: np.ndarray, width: int = 1) -> np.ndarray:
    """(H, W) bool: mask pixels within ``width`` pixels of its edge (the frame edge does not count)."""
    inner = ndimage.binary_erosion(mask, iterations=max(1, width), border_value=1)
    return mask & ~inner


def draw(image: np.ndarray, masks: list[tuple[np.ndarray, tuple[int, int, int]]], opacity: float = 0.35,
         fill: bool = True, edge: bool = True, size: tuple[int, int] | None = None,
         edge_width: int = 2) -> np.ndarray:
    """The frame with each mask drawn on it, as (h, w, 3) uint8.

    image:   (H, W, 3) uint8.
    masks:   [(mask (H, W) bool, (r, g, b))], drawn in order.
    opacity: fill opacity 0..1 (the outline is always opaque).
    size:    display (h, w); default the image size.
    """
    size = size or image.shape[:2]
    out = enlarge(image, size).astype(np.float32)
    for mask, color in masks:
        if mask is None or not mask.any():
            continue
        big = enlarge(np.asarray(mask, bool), size)
        col = np.array(color, np.float32)
        if fill and opacity > 0:
            out[big] = (1 - opacity) * out[big] + opacity * col
        if edge:
            out[outline(big, edge_width)] = col
    return np.clip(out, 0, 255).astype(np.uint8)
