"""Step 2, Prompt: show the tracker the scar on one frame (clicks, a box, an outline or a file)."""

import streamlit as st

from tracking.project import frames_store
from tracking.ui import prompt_ui
from tracking.ui.canvas import TOOLS
from tracking.ui.state import require_project

st.title("Prompt")
st.caption("Step 2 of 6 — mark the scar on one frame; the tracker carries it through the other dates.")

project = require_project()
frames = frames_store.load_frames(project)
if frames is None:
    st.info("This project has no frames yet: add scenes or load the sample on the Scenes page.")
    st.page_link("pages/1_scenes.py", label="Go to Scenes", icon=":material/arrow_back:")
    st.stop()

saved = project.load_prompts()
if "prompt:loaded" in st.session_state:
    st.success(st.session_state.pop("prompt:loaded"))
if saved:
    st.caption(f"Saved prompt: {prompt_ui.describe(saved[0], frames)}"
               + (f" and {len(saved) - 1} more" if len(saved) > 1 else "") + ".")

left, right = st.columns([3, 2], gap="large")
with left:
    frame = prompt_ui.choose_frame(frames, saved)
    tool = st.radio("Tool", list(TOOLS), horizontal=True, key="prompt:tool")
    drawn = prompt_ui.canvas_for(project, frames, frame, saved, tool)
    st.caption(f"On the canvas: {drawn.summary.describe()}."
               + (" The outline wins: clicks and boxes drawn with it are left out." if drawn.summary.ignored else ""))
current = drawn.prompt or next((p for p in saved if p.frame == frame), None)
with right:
    st.markdown("**Preview**")
    prompt_ui.preview(project, frames, current)
    prompt_ui.save_button(project, frames, current, saved)
    if saved:
        st.page_link("pages/3_track.py", label="Next: track the scar", icon=":material/arrow_forward:")
prompt_ui.outline_upload(project)
