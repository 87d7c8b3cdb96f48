"""Analysis: how the scar grew, where, and how well the track matches a reference."""

import streamlit as st

from tracking.analysis import compare
from tracking.core.errors import InputError
from tracking.project import downloads, references
from tracking.render import charts
from tracking.ui import analysis, maps
from tracking.ui.shell import use_app_navigation
from tracking.ui.state import report, require_project, require_track
from tracking.ui.units import unit_selector

use_app_navigation()  # before anything is drawn: a direct page URL still gets app.py around it
st.title("Analysis")
st.caption("Step 5 of 6 — scar area and growth over the real dates, the map of every outline, "
           "and accuracy against reference outlines.")
project = require_project()
frames, track = require_track(project, "Nothing to analyse yet: track the series on the **Track** page first.")
measures = analysis.measures(project, frames, track)
if not measures:
    st.warning("The track holds no tracked date yet; run it on the Track page.")
    st.stop()
units = unit_selector(frames.grid, "analysis:units")
analysis.show_headline(measures, units)

st.subheader("Growth over time")
c1, c2 = st.columns(2)
names = downloads.scar_names(project)
c1.plotly_chart(charts.area_chart(measures, units, names), key="chart:area")
c2.plotly_chart(charts.expansion_rate_chart(measures, units, names), key="chart:rate")
st.plotly_chart(charts.gain_loss_chart(measures, units), key="chart:gainloss")

st.subheader("Change between two dates")
dates = frames.dates
n = len(frames)
first, last = st.select_slider("Compare", options=list(range(n)), value=(0, n - 1), key="analysis:span",
                               format_func=lambda i: dates[i].isoformat())
if first == last:
    st.info("Pick two different dates to compare.")
else:
    change = compare.change_between(track, frames.grid, dates, first, last)
    analysis.change_metrics(change, units)
    w1, w2 = st.columns([3, 2])
    w1.plotly_chart(compare.change_chart(change, units), key="chart:change")
    before, after = compare.change_masks(track, change)
    w2.image(compare.change_image(frames.images[last], before, after),
             caption=f"Green: became scar · red: no longer scar · yellow: scar on both dates "
                     f"(on the {dates[last].isoformat()} scene)", width="stretch")

st.subheader("Map")
st.caption("The scene is the base layer (switch scenes top right); the dated outlines and the evolution map "
           "go on top. Hover an outline for its date and area. Drawn without any map service, offline too.")
fmap = analysis.cached_map(project, frames, track, units)
maps.show_map(fmap, key="analysis:map")
maps.date_legend(dates)

st.subheader("Accuracy against reference outlines")
analysis.reference_picker(project, frames.grid)
if references.reference_path(project) is not None:
    try:
        rows, unmatched = references.score(project, track, frames.grid, dates)
    except InputError as exc:
        report(exc)
    else:
        analysis.accuracy_results(rows, unmatched)
