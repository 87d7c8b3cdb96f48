"""Review and correct: step through the dates, fix any frame, carry the fix through time."""

import streamlit as st

from tracking.core.errors import InputError
from tracking.project import corrections
from tracking.project.objects import scar_objects
from tracking.render.canvas_geometry import canvas_size
from tracking.render.overlay import hex_to_rgb
from tracking.ui import brush, review, sessions
from tracking.ui.shell import use_app_navigation
from tracking.ui.state import report, require_project, require_track

use_app_navigation()  # before anything is drawn: a direct page URL still gets app.py around it
st.title("Review and correct")
st.caption("Step 4 of 6 — step through the dates, correct any frame with clicks, a box or the brush, "
           "and carry the correction through time.")
project = require_project()
frames, track = require_track(project, "Nothing to review yet: track the series on the **Track** page first.")
# What comes and goes (the engine spinner, the re-propagation progress, a message) lives in one
# slot, so everything below keeps its place from run to run: Streamlit shows the last run's
# elements by position until the new run replaces them, and a shift would show them twice.
notices = st.container()
with notices:
    try:
        live = sessions.live_session(project)
    except InputError as exc:
        report(exc)
        st.stop()
    review.run_pending_job(project, live, frames)
track = live.session.track
dates = frames.dates
n = len(frames)

if review.FRAME_KEY not in st.session_state or not 0 <= st.session_state[review.FRAME_KEY] < n:
    review.jump_to(corrections.review_order(track)[0])
with notices:
    review.show_flash()

top_left, top_right = st.columns([3, 2], gap="large")
with top_right:
    st.markdown("**Check these first** · lowest confidence on top; pick a row to jump to it")
    review.review_table(track, frames)
with top_left:
    frame = st.select_slider("Date", options=list(range(n)), key=review.FRAME_KEY,
                             format_func=lambda i: dates[i].isoformat())
    st.caption(review.frame_caption(frames, frame))
    review.badges(track, frame)
    c1, c2, c3 = st.columns(3)
    fill = c1.toggle("Fill", True, key="review:fill")
    edge = c2.toggle("Outline", True, key="review:edge")
    prev_outline = c3.toggle("Previous outline", False, key="review:prev",
                             help="Draw the previous date's outline in white on this date")
    c4, c5 = st.columns(2)
    opacity = c4.slider("Fill opacity", 0.0, 1.0, 0.35, 0.05, key="review:opacity")
    view_px = c5.select_slider("Image size", options=list(review.VIEW_SIZES), value="medium",
                               key="review:size", help="Size of the two images on screen")
    objects = sorted(track.objects)
    oid = objects[0]
    scars = scar_objects(project)
    colors = {o.id: hex_to_rgb(o.color) for o in scars if o.color}  # the colours picked on the Prompt page
    if len(objects) > 1:
        names = {o.id: o.name for o in scars}
        oid = st.selectbox("Scar to correct", objects, key="review:object",
                           format_func=lambda o: names.get(o, f"Scar {o}"))

size = canvas_size(frames.shape, *review.VIEW_SIZES[view_px])
t1, t2 = st.columns([4, 1], vertical_alignment="bottom")
with t1:
    tool = brush.tool_picker("review:tool")
brush_px = 12
if brush.TOOLS[tool][1] == "freedraw":
    brush_px = t2.slider("Brush size", 2, 60, 12, key="review:brush", help="In screen pixels")
left, right = st.columns(2, gap="medium")
with left:
    if frame > 0:
        st.markdown(f"**Previous date · {dates[frame - 1].isoformat()}**")
        st.image(review.view(frames, track, frame - 1, size, opacity, fill, edge, colors=colors), width=size[0])
        review.badges(track, frame - 1)
    else:
        st.markdown("**Previous date**")
        st.info("This is the first date of the series.")
with right:
    st.markdown(f"**This date · {dates[frame].isoformat()}** · draw on it to correct it")
    shown = review.view(frames, track, frame, size, opacity, fill, edge,
                        track.union(frame - 1) if prev_outline and frame > 0 else None, colors=colors)
    counter = st.session_state.setdefault("review:drawn", 0)
    prompt = brush.correction_canvas(shown, frames.shape, tool, frame, track.objects[oid].masks[frame],
                                     key=f"review:canvas:{frame}:{tool}:{counter}", brush_px=brush_px,
                                     object_id=oid)
    if prompt is not None:
        st.session_state["review:drawn"] = counter + 1  # a fresh canvas next time, whatever happens
        review.apply(project, live, prompt, st.session_state.get("review:auto", True))
        st.rerun()  # redraw with the corrected mask (or the reason it was refused) on a fresh canvas

st.divider()
st.markdown(f"**From {dates[frame].isoformat()}:**")
a1, a2, a3, a4 = st.columns(4, vertical_alignment="center")
if a1.button("Re-propagate forward", icon=":material/fast_forward:", disabled=frame >= n - 1,
             key="review:forward", help="Carry this date's mask to the later dates", width="stretch"):
    review.queue_job(frame, "forward")
    st.rerun()
if a2.button("Re-propagate backward", icon=":material/fast_rewind:", disabled=frame == 0,
             key="review:backward", help="Carry this date's mask to the earlier dates", width="stretch"):
    review.queue_job(frame, "backward")
    st.rerun()
if a3.button("Undo last correction", icon=":material/undo:", disabled=not corrections.can_undo(project),
             key="review:undo", help="Restore the masks and prompts from before the last correction",
             width="stretch"):
    corrections.undo(project)
    sessions.forget(project)
    review.clear_flash()
    st.toast("Undone.", icon=":material/undo:")
    st.rerun()
a4.toggle("Auto forward", True, key="review:auto",
          help="Re-propagate to the later dates right after each correction. Switch off to make several "
               "corrections first, then use Re-propagate.")
st.caption(live.engine_note)
