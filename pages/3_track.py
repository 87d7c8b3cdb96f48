"""Step 3, Track: carry the prompt through every date with SAM2 or the baseline engine."""

import streamlit as st

from tracking.project import frames_store, runs
from tracking.project.folder import Project
from tracking.ui import track_ui
from tracking.ui.shell import use_app_navigation
from tracking.ui.state import require_project

use_app_navigation()  # before anything is drawn: a direct page URL still gets app.py around it
st.title("Track")
st.caption("Step 3 of 6 — the engine carries the prompt from its frame through all the dates.")

project = require_project()
frames = frames_store.load_frames(project)
prompts = project.load_prompts() if frames is not None else []
if frames is None or not prompts:
    missing = "scenes (Scenes page)" if frames is None else "a prompt (Prompt page)"
    st.info(f"Tracking needs {missing} first.")
    st.page_link("pages/1_scenes.py" if frames is None else "pages/2_prompt.py", label="Go there",
                 icon=":material/arrow_forward:")
    st.stop()

kind, model, device = track_ui.engine_settings(project)
track_ui.checkpoint_status(kind, model)

key = runs.run_key(project, frames, prompts, kind, model, device)
up_to_date = runs.cached_run(project, key) is not None
buttons = st.container(horizontal=True)
clicked = buttons.button("Track", type="primary", key="track:run",
                         help="Results are cached: with unchanged inputs this returns at once.")
cancel = buttons.button("Cancel", key="track:cancel", help="Stop the run; the frames done so far are kept.")
st.caption("Keep this page open while tracking runs: leaving it stops the run after the frame under way "
           "(the frames done are kept).")

result = None
if clicked or cancel:
    track_ui.stop_earlier_run(project)
    project = Project.open(project.root.parent, project.id)  # what the stopped run saved
if clicked:
    result = track_ui.run(project, frames, kind, model, device)

track = result.track if result is not None else project.load_track()
if track is not None and track.n_frames == len(frames):
    if not clicked and up_to_date:
        st.caption("These results match the current frames, prompt and engine settings.")
    track_ui.summary(project, frames, track, cached=bool(result and result.cached), cancelled=cancel)
    st.page_link("pages/4_review.py", label="Next: review and correct", icon=":material/arrow_forward:")
elif cancel:
    st.warning("Tracking was cancelled before the first frame was done.")
