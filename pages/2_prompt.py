"""Step 2, Prompt: show the tracker the scar on one frame (clicks, a box, an outline or a file)."""

import streamlit as st

from tracking.project import frames_store
from tracking.project.objects import scar_objects
from tracking.ui import objects_ui, prompt_ui
from tracking.ui.canvas import TOOLS
from tracking.ui.shell import use_app_navigation
from tracking.ui.state import require_project

use_app_navigation()  # before anything is drawn: a direct page URL still gets app.py around it
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
names = {o.id: o.name for o in scar_objects(project)}
if saved:
    st.caption(objects_ui.describe_saved(saved, names, lambda p: prompt_ui.describe(p, frames)))

left, right = st.columns([3, 2], gap="large")
with left:
    scar = objects_ui.scar_picker(project, saved)
    mine = [p for p in saved if p.object_id == scar.id]  # this scar's saved prompt
    frame = prompt_ui.choose_frame(frames, mine)
    tool = st.radio("Tool", list(TOOLS), horizontal=True, key="prompt:tool")
    colors = {o.id: o.color for o in scar_objects(project)}
    others = [(p, colors.get(p.object_id, "#ffffff")) for p in saved if p.object_id != scar.id]
    drawn = prompt_ui.canvas_for(project, frames, frame, mine, tool, scar.id, others)
    st.caption(f"On the canvas: {drawn.summary.describe()}."
               + (" The outline wins: clicks and boxes drawn with it are left out." if drawn.summary.ignored else ""))
    if drawn.summary.boxes > 1 and not drawn.summary.ignored:
        st.warning(f"Only the last box counts: a scar has one box. To track another scar, press **Add a scar** "
                   f"and draw its box there; {scar.name} keeps the last box drawn here.")
current = drawn.prompt or next((p for p in mine if p.frame == frame), None)
with right:
    st.markdown(f"**Preview · {scar.name}**")
    prompt_ui.preview(project, frames, current, scar.color)
    prompt_ui.save_button(project, frames, current, mine)
    if saved:
        st.page_link("pages/3_track.py", label="Next: track the scar", icon=":material/arrow_forward:")
prompt_ui.outline_upload(project)
