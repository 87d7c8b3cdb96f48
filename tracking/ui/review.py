"""Pieces of the Review page: the review table, badges, views and the re-propagation job.

The logic (what a correction does, the review order) is in
``tracking.project.corrections``; here it is only drawn.
"""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

from tracking.core.frames import Frames
from tracking.core.track import Provenance, Track
from tracking.project import corrections
from tracking.project.folder import Project
from tracking.render.overlay import draw, object_color
from tracking.ui.sessions import LiveSession, forget
from tracking.ui.state import error_text, plain
from tracking.ui.work import heavy_work

BADGE = {  # provenance -> (label, st.badge colour, icon); colours follow tracking.render.charts
    Provenance.PROMPTED: ("prompted", "blue", ":material/ads_click:"),
    Provenance.PROPAGATED: ("propagated", "gray", ":material/moving:"),
    Provenance.CORRECTED: ("corrected", "red", ":material/edit:"),
    Provenance.CARRIED: ("carried over a bad frame", "orange", ":material/cloud:"),
    Provenance.NONE: ("not tracked", "gray", ":material/remove:"),
}
#: On-screen size of the two images: name -> (max width, max height) in CSS pixels.
VIEW_SIZES = {"small": (360, 420), "medium": (440, 520), "large": (600, 680)}
FRAME_KEY = "review:frame"
JOB_KEY = "review:job"
CANCEL_KEY = "review:cancelled"
FLASH_KEY = "review:flash"


# -- messages that outlive the extra reruns a freshly mounted canvas triggers ---------
def flash(kind: str, text: str) -> None:
    """Show ``text`` (st.info / st.error) on this date until the next action or date change."""
    st.session_state[FLASH_KEY] = (kind, text, st.session_state.get(FRAME_KEY))


def flash_error(exc: Exception) -> None:
    """One sentence for the analyst, as ``state.report`` shows it; the detail of a bug goes to the log."""
    flash("error", error_text(exc))


def clear_flash() -> None:
    """Forget the message shown by ``flash``."""
    st.session_state.pop(FLASH_KEY, None)


def show_flash() -> None:
    """Show the flashed message while the frame it was made on is still the one shown."""
    item = st.session_state.get(FLASH_KEY)
    if item is None:
        return
    kind, text, frame = item
    if frame != st.session_state.get(FRAME_KEY):
        clear_flash()
        return
    (st.error if kind == "error" else st.info)(plain(text))


def confidence_text(conf: float) -> str:
    """A confidence in words: "confidence 0.83", or "confidence –" when unknown."""
    return "confidence –" if math.isnan(conf) else f"confidence {conf:.2f}"


def badges(track: Track, frame: int) -> None:
    """Provenance and confidence of one frame, as two badges."""
    prov, conf = corrections.frame_status(track, frame)
    label, color, icon = BADGE[prov]
    low = not math.isnan(conf) and conf < 0.5
    st.markdown(f":{color}-badge[{icon} {label}] "
                f":{'orange' if low else 'green'}-badge[{confidence_text(conf)}]")


def jump_to(frame: int) -> None:
    """Make ``frame`` the frame the Review page shows on its next run."""
    st.session_state[FRAME_KEY] = int(frame)


def _table_key() -> str:
    return f"review:table:{st.session_state.get('review:table_n', 0)}"


def _on_table_select(rows: list[dict]) -> None:
    """Jump to the picked row, then start a fresh table (rows reorder after corrections,
    and a kept selection would then point at another date)."""
    sel = st.session_state.get(_table_key())
    picked = list(getattr(getattr(sel, "selection", None), "rows", []) or
                  ((sel or {}).get("selection", {}).get("rows", []) if isinstance(sel, dict) else []))
    if picked and 0 <= picked[0] < len(rows):
        jump_to(rows[picked[0]]["frame"])
    st.session_state["review:table_n"] = st.session_state.get("review:table_n", 0) + 1


def review_table(track: Track, frames: Frames, height: int = 260) -> None:
    """The frames in review order (low confidence first); picking a row jumps the slider to it."""
    rows = corrections.review_rows(track, frames.dates)
    shown = [{"date": str(r["date"]), "how": BADGE[Provenance(r["provenance"])][0].split(" ")[0],
              "confidence": None if math.isnan(r["confidence"]) else round(r["confidence"], 3)} for r in rows]
    st.dataframe(shown, hide_index=True, height=height, key=_table_key(), on_select=lambda: _on_table_select(rows),
                 selection_mode="single-row", width="stretch",
                 column_config={"date": st.column_config.TextColumn("Date", width="small"),
                                "how": st.column_config.TextColumn("How", width="small"),
                                "confidence": st.column_config.ProgressColumn(
                                    "Confidence", min_value=0.0, max_value=1.0, format="%.2f", width="small")})


def view(frames: Frames, track: Track, frame: int, size: tuple[int, int], opacity: float, fill: bool,
         edge: bool, extra_outline: np.ndarray | None = None,
         colors: dict[int, tuple[int, int, int]] | None = None) -> np.ndarray:
    """The frame at ``size`` (w, h) with every object's mask drawn, (h, w, 3) uint8.

    ``extra_outline`` (H, W) bool is drawn as a white outline only (e.g. the previous date's).
    ``colors``: {object id: RGB}, the scars' own colours (default ``overlay.object_color``).
    """
    colors = colors or {}
    masks = [(track.objects[oid].masks[frame], colors.get(oid) or object_color(oid)) for oid in sorted(track.objects)]
    w, h = size
    out = draw(frames.images[frame], masks, opacity=opacity, fill=fill, edge=edge, size=(h, w))
    if extra_outline is not None and extra_outline.any():
        out = draw(out, [(extra_outline, (255, 255, 255))], fill=False, edge=True, size=(h, w), edge_width=1)
    return out


def frame_caption(frames: Frames, frame: int) -> str:
    """A frame's caption: date, number, file name, and why it is left out, if it is."""
    q = frames.quality[frame]
    name = str(frames.sources[frame]).replace("\\", "/").rsplit("/", 1)[-1]
    text = f"{frames.dates[frame].isoformat()} · frame {frame + 1} of {len(frames)} · {name}"
    if frame in frames.excluded:
        text += " · left out by hand"
    elif q.bad:
        text += " · flagged: " + ", ".join(q.reasons or ("bad frame",))
    return text


def _cancel() -> None:
    st.session_state[CANCEL_KEY] = True


def queue_job(start: int, direction: str) -> None:
    """Ask for a re-propagation on the next run of the page (it runs before anything is drawn)."""
    clear_flash()
    st.session_state[JOB_KEY] = (int(start), direction)
    st.session_state[CANCEL_KEY] = False


def run_pending_job(project: Project, live: LiveSession, frames: Frames) -> None:
    """Run a queued re-propagation with a progress bar and a Cancel button.

    Cancel reruns the page, which stops the sweep; the frames done so far are saved.
    """
    job = st.session_state.pop(JOB_KEY, None)
    if st.session_state.pop(CANCEL_KEY, False):
        flash("info", "Re-propagation stopped. The dates done before the stop keep their new masks.")
    if job is None:
        return
    start, direction = job
    word = {"forward": "forward", "backward": "backward", "both": "both ways"}[direction]
    box = st.empty()
    panel = box.container(border=True)
    bar = panel.progress(0.0, text=f"Re-propagating {word} from {frames.dates[start]}…")
    panel.button("Cancel", key="review:cancel", on_click=_cancel, icon=":material/stop:")

    def progress(p) -> None:
        bar.progress(p.done / max(1, p.total),
                     text=f"Re-propagating {word}: {frames.dates[p.frame]} ({p.done} of {p.total} dates)")

    with live.lock:
        try:
            with heavy_work():  # stops with the tab; counts against a hosted visitor's CPU budget
                corrections.repropagate(project, live.session, start, direction, progress_cb=progress)
        except Exception as exc:  # one sentence in the page; the frames done so far are saved
            flash_error(exc)
            box.empty()
            return
        finally:
            live.mark_saved(project)
    box.empty()
    st.toast(f"Re-propagated {word} from {frames.dates[start]}.", icon=":material/check:")


def apply(project: Project, live: LiveSession, prompt, auto_forward: bool) -> bool:
    """Apply a correction; queue forward re-propagation when asked. True when it was applied."""
    with live.lock:
        try:
            with heavy_work():
                corrections.apply_correction(project, live.session, prompt)
        except Exception as exc:  # InputError (e.g. a click on a skipped frame) or an engine failure
            flash_error(exc)
            forget(project)  # part of it may have reached the engine: rebuild from the saved state
            return False
        live.mark_saved(project)
    clear_flash()
    if auto_forward and prompt.frame < len(live.session.frames) - 1:
        queue_job(prompt.frame, "forward")
    return True
