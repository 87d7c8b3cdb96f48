"""Export and report: every file the analyst hands on, made once per state of the track."""

import streamlit as st

from tracking.exports.vector import position_note
from tracking.project import downloads
from tracking.ui.shell import use_app_navigation
from tracking.ui.state import report, require_project, require_track
from tracking.ui.units import current_units

use_app_navigation()  # before anything is drawn: a direct page URL still gets app.py around it
st.title("Export and report")
st.caption("Step 6 of 6 — GIS files, tables, the evolution map and animation, and a self-contained HTML "
           "report. They are made again only when the masks (or anything they show) change.")
project = require_project()
frames, track = require_track(project, "Nothing to export yet: track the series on the **Track** page first.")

units = current_units(frames.grid)  # the Analysis page's choice, for the report
exports = downloads.current_exports(project, units=units)
if exports is None:
    try:
        with st.spinner("Writing the exports and the report (a few seconds)…"):
            exports = downloads.ensure_exports(project, units=units)
    except Exception as exc:  # bad input or a failed writer: one sentence, the project stays as it is
        report(exc)
        st.stop()
else:
    st.caption("These files match the current masks.")
if exports.note:
    st.warning(exports.note)
ready = exports.paths
st.caption(position_note(frames.grid))
st.caption(f"The report gives areas in {units.area_symbol} and rates in {units.rate_symbol} (choose on the "
           "Analysis page); metrics.csv and the outline files keep "
           + ("m², metres and rates per day." if units.metric else "px², pixels and rates per day: the images "
              "have no ground pixel size."))

for kind, path in downloads.ordered(ready):
    label, mime, _ = downloads.EXPORTS.get(kind, (path.name, "application/octet-stream", ""))
    what = downloads.describe(kind, frames.grid)
    size_kb = path.stat().st_size / 1024
    c1, c2 = st.columns([2, 5], vertical_alignment="center")
    # data is read only when the button is pressed (the report and the GIF are megabytes)
    c1.download_button(label, data=lambda p=path: p.read_bytes(), file_name=path.name, mime=mime,
                       key=f"export:{kind}",
                       icon=":material/download:", on_click="ignore", width="stretch",
                       type="primary" if kind == "report" else "secondary")
    c2.markdown(f"`{path.name}` · {size_kb:,.0f} KB — {what}")

with st.expander("Preview: the evolution animation and map"):
    p1, p2 = st.columns(2)
    if "gif" in ready:
        p1.image(str(ready["gif"]), caption="evolution.gif", width="stretch")
    if "evolution_png" in ready:
        p2.image(str(ready["evolution_png"]), caption="evolution.png", width="stretch")
