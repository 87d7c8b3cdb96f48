"""Step 1, Scenes: the project, the scenes, their timeline and how they become frames."""

import streamlit as st

from tracking.core.errors import InputError
from tracking.project import frames_store, uploads, workflow
from tracking.project.folder import Project
from tracking.ui import georef_ui, scenes_ui
from tracking.ui.shell import my_projects, new_project, open_project, use_app_navigation
from tracking.ui.state import current_project, projects_base, report
from tracking.ui.widgets import problems

use_app_navigation()  # before anything is drawn: a direct page URL still gets app.py around it
st.title("Scenes")
st.caption("Step 1 of 6 — bring in the scenes of one landslide; they are ordered by date and "
           "harmonised into frames on one grid.")

project = current_project()


def project_switcher() -> None:
    """An expander to start a new project (empty or with the sample) or open another one."""
    with st.expander("Projects: new, open, switch"):
        c1, c2 = st.columns(2)
        if c1.button("New empty project", key="scenes:new"):
            new_project()
            st.rerun()
        if c2.button("New project with the sample", key="scenes:new-sample"):
            new_project(with_sample=True)
            st.rerun()
        with st.form("open-by-id", clear_on_submit=True, border=False):
            pid = st.text_input("Open a project by its id (from its link)", placeholder="e.g. 3q2x…",
                                help="Projects are never listed for others; keep each project's link.")
            if st.form_submit_button("Open") and pid.strip():
                try:
                    open_project(Project.open(projects_base(), pid.strip()))
                    st.rerun()
                except InputError as exc:
                    report(exc)
        mine = {k: v for k, v in my_projects().items() if project is None or k != project.id}
        if mine:
            st.markdown("Your other projects in this browser session:")
            for pid, name in mine.items():
                st.page_link("pages/1_scenes.py", label=f"{name} ({pid[:8]}…)", query_params={"project": pid})


if project is None:
    st.info("No project is open. Start one, with or without the sample series.")
    project_switcher()
    st.stop()

head, side = st.columns([3, 2], vertical_alignment="bottom")
name = head.text_input("Project name", value=project.meta.name, key=f"scenes:name:{project.id}")
workflow.rename(project, name)
if side.button("Load the sample series", key="scenes:sample",
               help="Replace this project's scenes by the built-in synthetic landslide "
                    f"({workflow.sample_date_count()} dates)."):
    scenes_ui.rebuild(project, sample=True)
project_switcher()

frames = frames_store.load_frames(project)
scenes_ui.upload_form(project, expanded=frames is None)
frames = frames_store.load_frames(project)
if frames is None:
    if uploads.uploaded_files(project):
        st.warning("The uploaded files did not give any usable frame yet; see the problems above, "
                   "fix dates below, or upload more scenes.")
        scenes_ui.undated_dates(project)
    else:
        st.info("Upload scene files above, or load the sample series, to start.")
    st.stop()

scenes_ui.timeline_editor(project, frames)
scenes_ui.undated_dates(project)
problems(project.meta.problems)
georef_ui.ground_position(project, frames)
scenes_ui.frame_settings(project, frames)
scenes_ui.preview(frames)
st.page_link("pages/2_prompt.py", label="Next: draw the prompt", icon=":material/arrow_forward:")
