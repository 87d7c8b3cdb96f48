"""The prompt canvas: points, a box or a polygon drawn over a frame, read back as a Prompt.

A thin wrapper around streamlit-drawable-canvas 0.13 (imported only when drawn).
All geometry lives in :mod:`tracking.render.canvas_geometry`; this module only keeps the
canvas's state in ``st.session_state`` (its initial drawing and a version that
remounts it for "Undo last" and "Clear").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from tracking.core.prompts import Prompt
from tracking.render.canvas_geometry import (
    BOX_COLOR,
    NEGATIVE_COLOR,
    POLYGON_COLOR,
    POSITIVE_COLOR,
    PROMPT_COLUMN_PX,
    PROMPT_MAX_HEIGHT,
    CanvasScale,
    CanvasSummary,
    canvas_size,
    canvas_to_prompt,
    summarize,
)
from tracking.render.overlay import enlarge

#: label shown -> (canvas drawing mode, stroke colour, fill colour)
TOOLS: dict[str, tuple[str, str, str]] = {
    "Scar point (+)": ("point", POSITIVE_COLOR, POSITIVE_COLOR),
    "Not-scar point (−)": ("point", NEGATIVE_COLOR, NEGATIVE_COLOR),
    "Box": ("rect", BOX_COLOR, "rgba(255, 234, 0, 0.12)"),
    "Polygon": ("polygon", POLYGON_COLOR, "rgba(64, 196, 255, 0.30)"),
}
TOOL_HELP = {
    "Scar point (+)": "Click on the scar.",
    "Not-scar point (−)": "Click where the tracker should not go.",
    "Box": "Drag a box around the whole scar.",
    "Polygon": "Click around the scar outline; click the first point again to close it.",
}


@dataclass
class CanvasOutput:
    """What the analyst drew: the prompt in grid pixels (None when nothing), a summary, the raw JSON."""

    prompt: Prompt | None
    summary: CanvasSummary
    json_data: dict | None


def component_key(key: str) -> str:
    """``key`` as a drawing canvas's widget key. The canvas is a bidirectional Streamlit
    component, whose key may not hold "__", and keys hold project ids (random URL-safe
    tokens, which sometimes do): each "_" becomes "_.", so distinct keys stay distinct."""
    return key.replace("_", "_.")


def _state(key: str) -> dict:
    return st.session_state.setdefault(f"canvas:{key}", {"version": 0, "initial": None, "last": None})


def reset_canvas(key: str, initial: dict | None = None) -> None:
    """Show ``initial`` (or nothing) on the canvas ``key`` the next time it is drawn."""
    state = _state(key)
    state["initial"] = initial
    state["last"] = initial
    state["version"] += 1


def background(image: np.ndarray, size: tuple[int, int]):
    """The frame as a PIL image of the canvas size (nearest when enlarging, smooth when shrinking)."""
    from PIL import Image

    w, h = size
    if w >= image.shape[1]:
        return Image.fromarray(enlarge(image, (h, w)))
    return Image.fromarray(image).resize((w, h), Image.Resampling.LANCZOS)


def prompt_canvas(image: np.ndarray, frame: int, tool: str, key: str, initial: dict | None = None,
                  max_width: int = PROMPT_COLUMN_PX, max_height: int = PROMPT_MAX_HEIGHT, object_id: int = 1,
                  window: tuple[int, int, int, int] | None = None) -> CanvasOutput:
    """Draw the canvas over ``image`` ((H, W, 3) uint8) and return the prompt drawn on it.

    The canvas fits ``max_width`` x ``max_height`` (by default the Prompt page's column) with
    the image's aspect kept; ``window`` (col, row, width, height) shows only that part of the
    image, larger (zoom), and the prompt still comes back in whole-image pixels.
    ``initial`` is shown the first time this ``key`` is drawn (e.g. the saved prompt,
    from :func:`tracking.render.canvas_geometry.prompt_to_drawing`). "Undo last" and "Clear"
    buttons sit under the canvas; its own toolbar also has undo, redo and reset.
    """
    from streamlit_drawable_canvas import st_canvas

    state = _state(key)
    if state["version"] == 0 and state["initial"] is None and initial is not None:
        state["initial"] = state["last"] = initial
    shown = image
    if window is not None:
        col, row, w, h = window
        shown = image[row:row + h, col:col + w]
    size = canvas_size(shown.shape[:2], max_width, max_height)  # = prompt_canvas_size with the defaults
    mode, stroke, fill = TOOLS[tool]
    result = st_canvas(fill_color=fill, stroke_width=2 if mode == "point" else 3, stroke_color=stroke,
                       background_image=background(shown, size), update_streamlit=True,
                       width=size[0], height=size[1], drawing_mode=mode, initial_drawing=state["initial"],
                       point_display_radius=5, key=component_key(f"{key}:v{state['version']}"))
    json_data = result.json_data if result.json_data is not None else state["initial"]
    state["last"] = json_data
    row = st.container(horizontal=True)
    if row.button("Undo last", key=f"{key}:undo", help="Remove the last point or shape",
                       disabled=not summarize(json_data).total):
        objects = list((json_data or {}).get("objects", []))[:-1]
        reset_canvas(key, {"objects": objects})
        st.rerun()
    if row.button("Clear", key=f"{key}:clear", help="Remove every point and shape",
                        disabled=not summarize(json_data).total):
        reset_canvas(key, {"objects": []})
        st.rerun()
    scale = CanvasScale(canvas=size, image=image.shape[:2], window=window)
    return CanvasOutput(canvas_to_prompt(json_data, scale, frame, object_id), summarize(json_data), json_data)
