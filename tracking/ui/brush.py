"""The correction canvas of the Review page: clicks, a box, or a brush that paints or erases.

``tracking.ui.canvas`` draws the first prompt (and keeps a drawing to edit);
here every stroke is a correction of its own: the page applies it at once and
remounts an empty canvas (a new key) over the updated frame. The geometry
(canvas pixels to grid pixels, strokes to masks) is in
``tracking.render.canvas_geometry`` and ``tracking.project.corrections.correction_prompt``.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from tracking.core.prompts import Prompt
from tracking.project.corrections import correction_prompt
from tracking.render.canvas_geometry import BOX_COLOR, NEGATIVE_COLOR, POSITIVE_COLOR, CanvasScale
from tracking.ui.canvas import background, component_key

#: label shown -> (tool name of corrections.TOOLS, canvas mode, stroke colour, fill colour)
TOOLS: dict[str, tuple[str, str, str, str]] = {
    "Scar click (+)": ("scar", "point", POSITIVE_COLOR, POSITIVE_COLOR),
    "Not-scar click (−)": ("not_scar", "point", NEGATIVE_COLOR, NEGATIVE_COLOR),
    "Box": ("box", "rect", BOX_COLOR, "rgba(255, 234, 0, 0.12)"),
    "Brush: paint scar": ("paint", "freedraw", "rgba(0, 230, 118, 0.75)", "rgba(0,0,0,0)"),
    "Brush: erase scar": ("erase", "freedraw", "rgba(255, 23, 68, 0.75)", "rgba(0,0,0,0)"),
}
TOOL_HELP = {
    "Scar click (+)": "Click on scar the mask missed. Each click corrects the frame at once.",
    "Not-scar click (−)": "Click where the mask went too far. Each click corrects the frame at once.",
    "Box": "Drag a box around the whole scar on this date: it replaces the frame's mask.",
    "Brush: paint scar": "Paint over scar the mask missed; the stroke is added when you release the mouse.",
    "Brush: erase scar": "Paint over wrongly included ground; the stroke is removed when you release.",
}


def correction_canvas(display: np.ndarray, grid_shape: tuple[int, int], tool: str, frame: int,
                      current: np.ndarray, key: str, brush_px: int = 12, object_id: int = 1) -> Prompt | None:
    """Draw the canvas over ``display`` and return the correction drawn on it, or None.

    display:    (h, w, 3) uint8, the frame with its overlay at canvas size.
    grid_shape: (H, W) of the frames; the canvas maps back to it.
    current:    (H, W) bool mask of the object on this frame (the brush edits it).
    key:        changes after each applied correction, so the canvas starts empty.
    """
    from streamlit_drawable_canvas import st_canvas

    name, mode, stroke, fill = TOOLS[tool]
    h, w = display.shape[:2]
    result = st_canvas(fill_color=fill, stroke_width=brush_px if mode == "freedraw" else 2,
                       stroke_color=stroke, background_image=background(display, (w, h)),
                       update_streamlit=True, width=w, height=h, drawing_mode=mode,
                       point_display_radius=5, key=component_key(key))
    scale = CanvasScale(canvas=(w, h), image=tuple(grid_shape))
    return correction_prompt(result.json_data, scale, name, frame, current, object_id)


def tool_picker(key: str) -> str:
    """A horizontal choice of correction tool; returns its label (a key of ``TOOLS``)."""
    labels = list(TOOLS)
    tool = st.radio("Correction tool", labels, horizontal=True, key=key)
    st.caption(TOOL_HELP[tool])
    return tool
