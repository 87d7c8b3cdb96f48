"""Landslide Scar Tracker: the dashboard's entry point (``streamlit run app.py``).

Navigation over the six steps, and a sidebar with the project and engine status.
The project id is in the URL; everything else is read back from the project on disk.
"""

import streamlit as st

from tracking.project.expiry import expire_on_start
from tracking.ui.shell import ensure_project, refresh_sidebar, render_sidebar

st.set_page_config(page_title="Landslide Scar Tracker", page_icon="⛰️", layout="wide")

PAGES = [
    st.Page("pages/1_scenes.py", title="Scenes", icon=":material/photo_library:", default=True),
    st.Page("pages/2_prompt.py", title="Prompt", icon=":material/draw:"),
    st.Page("pages/3_track.py", title="Track", icon=":material/play_circle:"),
    st.Page("pages/4_review.py", title="Review and correct", icon=":material/rule:"),
    st.Page("pages/5_analysis.py", title="Analysis", icon=":material/monitoring:"),
    st.Page("pages/6_export.py", title="Export and report", icon=":material/download:"),
]

page = st.navigation(PAGES)
# projects idle past the TTL go, at most once an hour (tracking.core.settings, tracking.project.expiry)
expire_on_start()
project = ensure_project()
status = render_sidebar(project)
page.run()
refresh_sidebar(status, project)
