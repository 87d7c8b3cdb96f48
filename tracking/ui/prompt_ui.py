"""The parts of the Prompt page: frame choice, the canvas, outline files, preview and saving."""

from __future__ import annotations

import numpy as np
import streamlit as st

from tracking.core.frames import Frames
from tracking.core.prompts import Prompt
from tracking.project import uploads, workflow
from tracking.project.folder import Project
from tracking.project.objects import save_object_prompt
from tracking.project.runs import prompts_hash
from tracking.render.canvas_geometry import (
    POLYGON_COLOR,
    CanvasScale,
    canvas_size,
    prompt_canvas_size,
    prompt_to_drawing,
    same_prompt,
    zoom_window,
)
from tracking.render.overlay import draw, hex_to_rgb
from tracking.ui.canvas import TOOL_HELP, CanvasOutput, prompt_canvas
from tracking.ui.state import report, upload_limit_mb
from tracking.ui.work import heavy_work

SAMPLE_PROMPTS = {"outline": "prompt_path", "box": "prompt_box_path", "clicks": "prompt_points_path"}


def describe(prompt: Prompt, frames: Frames) -> str:
    """The prompt in words: "a box on 2019-06-14 (frame 1)" (a month known only: "on 2019-06")."""
    kind = {"mask": "an outline", "box": "a box", "points": f"{len(prompt.points)} click(s)",
            "box+points": f"a box and {len(prompt.points)} click(s)"}[prompt.kind]
    return f"{kind} on {frames.dates[prompt.frame]:%Y-%m-%d} (frame {prompt.frame + 1})"


def choose_frame(frames: Frames, saved: list[Prompt]) -> int:
    """The frame to draw on (default: the saved prompt's, else the first usable one)."""
    good = frames.good_indices
    default = saved[0].frame if saved else (good[0] if good else 0)
    labels = [f"{d:%Y-%m-%d} (frame {i + 1})" + ("  — left out of tracking" if frames.bad[i] else "")
              for i, d in enumerate(frames.dates)]
    return st.selectbox("Frame to draw on", range(len(frames)), index=default, format_func=lambda i: labels[i],
                        key="prompt:frame", help="Usually the first date; any frame works.")


def canvas_for(project: Project, frames: Frames, frame: int, saved: list[Prompt], tool: str,
               object_id: int = 1, others: list[tuple[Prompt, str]] = ()) -> CanvasOutput:
    """The canvas on ``frame`` for scar ``object_id`` (``saved``: its saved prompts); a saved outline
    shows in the image, saved clicks and box as shapes. ``others``: the other scars' saved
    prompts with their colours, outlined in the image so a new scar is drawn beside them."""
    on_frame = [p for p in saved if p.frame == frame]
    image = _with_others(frames.images[frame], [(p, c) for p, c in others if p.frame == frame])
    window = zoom_control(frames.shape)
    initial = None
    if on_frame and on_frame[0].mask is None:
        size = prompt_canvas_size(frames.shape, window)
        initial = prompt_to_drawing(on_frame[0], CanvasScale(size, frames.shape, window))
    elif on_frame:
        image = draw(image, [(on_frame[0].mask, hex_to_rgb(POLYGON_COLOR))], opacity=0.3)
    st.caption(TOOL_HELP[tool])
    view = "" if window is None else ":" + ",".join(map(str, window))  # a new canvas for each view
    scar = "" if object_id == 1 else f":o{object_id}"  # and for each scar
    return prompt_canvas(image, frame, tool, key=f"prompt:{project.id}:{frame}{scar}{view}", initial=initial,
                         window=window, object_id=object_id)


def _with_others(image, others: list[tuple[Prompt, str]]):
    """(H, W, 3) uint8 with the outline of each other scar's outline or box, in its colour."""
    shapes = []
    for prompt, color in others:
        region = prompt.mask
        if region is None and prompt.box is not None:
            x0, y0, x1, y1 = (int(round(v)) for v in prompt.box)
            region = np.zeros(image.shape[:2], bool)
            region[max(0, y0):y1, max(0, x0):x1] = True
        if region is not None:
            shapes.append((region, hex_to_rgb(color)))
    return draw(image, shapes, fill=False, edge=True) if shapes else image


ZOOMS = (1, 2, 4)


def zoom_control(shape: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """Zoom (1x, 2x, 4x) and, zoomed in, where to look; the window of the image to draw on, or None."""
    c1, c2, c3 = st.columns([1, 2, 2], vertical_alignment="bottom")
    zoom = c1.selectbox("Zoom", ZOOMS, key="prompt:zoom", format_func=lambda z: f"{z}x",
                        help="Draw on a part of the image, larger; the prompt keeps whole-image pixels. "
                             "Clicks and boxes not saved yet stay on the canvas of the view they were drawn in.")
    if zoom == 1:
        return None
    x = c2.slider("Look at, left to right", 0.0, 1.0, 0.5, 0.05, key="prompt:zoom-x")
    y = c3.slider("Look at, top to bottom", 0.0, 1.0, 0.5, 0.05, key="prompt:zoom-y")
    return zoom_window(shape, zoom, (x, y))


def preview(project: Project, frames: Frames, prompt: Prompt | None, color: str = POLYGON_COLOR) -> None:
    """The prompt's mask over the frame: an outline as drawn, clicks and boxes as the baseline reads them."""
    if prompt is None:
        st.info("Draw on the image: a box around the scar is the quickest start.")
        return
    key = f"prompt:preview:{prompts_hash([prompt])}"
    if key not in st.session_state:
        try:
            with heavy_work():  # stops with the tab; counts against a hosted visitor's CPU budget
                st.session_state[key] = workflow.preview_mask(project, prompt)
        except Exception as exc:
            report(exc)
            return
    mask = st.session_state[key]
    h, w = frames.shape
    size = canvas_size((h, w), 360, 360)
    shown = draw(frames.images[prompt.frame], [(mask, hex_to_rgb(color))], opacity=0.35, size=(size[1], size[0]))
    st.image(shown, caption=f"Prompt mask preview: {int(mask.sum())} pixels "
                            f"({100 * mask.mean():.1f} % of the frame)", width=size[0])


def save_button(project: Project, frames: Frames, prompt: Prompt | None, saved: list[Prompt]) -> None:
    """Save ``prompt`` as its scar's starting prompt (``saved``: that scar's saved one); said when saved."""
    same = len(saved) == 1 and same_prompt(saved[0], prompt)  # ``saved``: this scar's prompt
    if same:
        st.success(f"Saved: {describe(prompt, frames)}.")
    if st.button("Save prompt", type="primary", key="prompt:save", disabled=prompt is None or same,
                 help="Store this prompt in the project; tracking starts from it"):
        try:
            save_object_prompt(project, prompt)  # the other scars' prompts stay
            st.rerun()
        except Exception as exc:
            report(exc)


def outline_upload(project: Project) -> None:
    """Prompts from a GeoJSON, GeoPackage or zipped Shapefile (and the sample's own, when loaded)."""
    with st.expander("Or use an outline file (GeoJSON, GeoPackage, zipped Shapefile)"):
        st.caption("Polygons become an outline; a polygon with kind = box a box; points with label 1 or 0 "
                   "clicks. An optional date column puts each on its date.")
        with st.form("prompt:file", clear_on_submit=True, border=False):
            file = st.file_uploader("Outline file", type=["geojson", "json", "gpkg", "zip"], key="prompt:upload",
                                    max_upload_size=upload_limit_mb())
            sent = st.form_submit_button("Use this outline")
        if sent and file is not None:
            _use_file(project, lambda: uploads.save_prompt_file(project, file.name, file.getvalue()))
        sample = project.meta.sample
        if sample is not None:
            st.caption("The sample comes with prompts of its first date:")
            cols = st.columns(len(SAMPLE_PROMPTS))
            for col, (label, field) in zip(cols, SAMPLE_PROMPTS.items()):
                if getattr(sample, field) is not None and col.button(f"Sample {label}", key=f"prompt:sample:{label}"):
                    _use_file(project, lambda f=field: getattr(sample, f))


def _use_file(project: Project, path_fn) -> None:
    try:
        prompts = workflow.prompts_from_file(project, path_fn())
    except Exception as exc:
        report(exc)
        return
    st.session_state["prompt:loaded"] = f"Loaded {len(prompts)} prompt(s) from the file."
    st.rerun()

