"""The parts of the Track page: engine settings and status, the run with progress, the summary."""

from __future__ import annotations

import streamlit as st

from tracking.core.frames import Frames
from tracking.core.settings import current as current_settings
from tracking.core.track import Track
from tracking.project import runs, workflow
from tracking.project.folder import Project
from tracking.project.state import RunRecord
from tracking.render.canvas_geometry import canvas_size
from tracking.render.overlay import SCAR_COLOR, draw
from tracking.ui.shell import engine_status
from tracking.ui.state import report
from tracking.ui.units import current_units
from tracking.ui.work import heavy_work

ENGINES = {"auto": "Automatic (SAM2 when a checkpoint is present)", "sam2": "SAM2",
           "baseline": "Baseline (no weights)"}
MODELS = ["tiny", "small", "base_plus", "large"]
DEVICES = ["auto", "cpu", "cuda", "mps"]


def engine_settings(project: Project) -> tuple[str, str, str]:
    """(engine kind, model, device), saved as the project's engine choice when changed."""
    saved = project.meta.engine
    c1, c2, c3 = st.columns([3, 2, 2])
    kind = c1.radio("Engine", list(ENGINES), index=_index(list(ENGINES), saved.kind),
                    format_func=ENGINES.get, key="track:engine")
    model = c2.selectbox("SAM2 model", MODELS, index=_index(MODELS, saved.model),
                         key="track:model", disabled=kind == "baseline")
    device = c3.selectbox("Device", DEVICES, index=_index(DEVICES, saved.device),
                          key="track:device", disabled=kind == "baseline")
    workflow.choose_engine(project, kind, model, device)
    return kind, model, device


def _index(options: list[str], value: str) -> int:
    """Where ``value`` is in ``options``; the first (the default) for a value this release does not offer."""
    return options.index(value) if value in options else 0


def checkpoint_status(kind: str, model: str) -> None:
    """Whether the SAM2 checkpoint is there, how to get it, and a download button (not when
    hosted: there the page names the command for the server's operator)."""
    if kind == "baseline":
        st.caption("The baseline engine needs no model weights.")
        return
    status = engine_status(model)
    if status.get("present"):
        st.success(f"SAM2 {model} checkpoint present: `{status.get('checkpoint')}` (device {status.get('device')}).")
        return
    fallback = " The automatic engine uses the baseline until then." if kind == "auto" else ""
    if current_settings().hosted:  # a shared demo: visitors do not fetch files onto the server
        st.warning(f"No SAM2 {model} checkpoint on this server.{fallback} The server's operator can "
                   f"install it with `{status.get('download_command')}`.")
        return
    st.warning(f"No SAM2 {model} checkpoint on this machine.{fallback} Download it with "
               f"`{status.get('download_command')}`, or with the button (needs internet).")
    if st.button(f"Download the SAM2 {model} checkpoint", key="track:download"):
        from tracking.engines.sam2.weights import download

        with st.spinner(f"Downloading SAM2 {model}…"):
            try:
                path = download(model, progress=False, timeout=30)
            except Exception as exc:
                report(exc)
                return
        engine_status.clear()
        st.success(f"Saved {path}.")
        st.rerun()


def stop_earlier_run(project: Project) -> None:
    """Stop a run of this project still going (Streamlit starts a new page run before the old stops)."""
    if not runs.request_cancel(project):
        return
    with st.spinner("Stopping the run after the frame under way…"):
        stopped = runs.wait_until_stopped(project, timeout=600)
    if not stopped:
        st.warning("The earlier run is still finishing a frame; reload the page in a moment.")


def run(project: Project, frames: Frames, kind: str, model: str, device: str):
    """Track with a per-frame progress bar; returns the RunResult, or None on an error."""
    bar = st.progress(0.0, text="Starting the engine…")

    def show(p: runs.RunProgress) -> None:
        stage = f" (pass {p.stage} of {p.stages})" if p.stages > 1 else ""
        bar.progress(p.fraction, text=f"Tracked {p.done} of {p.total} usable frames{stage}: {p.date:%Y-%m-%d}, "
                                      f"{p.seconds:.1f} s")

    try:
        with heavy_work():  # stops with the tab; counts against a hosted visitor's CPU budget
            result = runs.run_tracking(project, kind, model, device, progress_cb=show,
                                       on_wait=lambda why: bar.progress(0.0, text=why or "Starting the engine…"))
    except Exception as exc:
        bar.empty()
        report(exc)
        return None
    bar.empty()
    return result


def summary(project: Project, frames: Frames, track: Track, cached: bool = False, cancelled: bool = False) -> None:
    """What the last run made: counts, time, engine, and each frame with its mask."""
    run = project.meta.run or RunRecord()
    if cached:
        st.info("Nothing changed since the last run (same frames, prompt and engine), so the saved "
                "results are shown at once.")
    if cancelled:
        st.warning(f"Tracking was cancelled after {run.frames_tracked} frames; they are kept. "
                   "Track again to finish.")
    elif not run.completed:
        st.warning("The last run was stopped before the end; the frames done are kept. Track again to finish.")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Frames tracked", f"{run.frames_tracked} of {len(frames)}")
    c2.metric("Time", f"{run.seconds:.1f} s")
    c3.metric("Carried over bad frames", run.carried)
    c4.metric("Engine", run.engine or "?")
    if run.note:
        st.caption(run.note)
    cols = st.columns(7)
    rows = workflow.track_rows(frames, track)
    made = [r["made"] for r in rows]
    thumb_w, thumb_h = canvas_size(frames.shape, 160, 160)
    for i in range(len(frames)):
        mask = track.union(i)
        image = draw(frames.images[i], [(mask, SCAR_COLOR)], opacity=0.3, size=(thumb_h, thumb_w))
        cols[i % 7].image(image, caption=f"{frames.dates[i]:%Y-%m-%d}", width="stretch")
    notes = []
    for word, label in (("prompted", "prompted"), ("corrected", "corrected"),
                        ("carried", "carried over a bad frame"), ("none", "not tracked")):
        days = [f"{frames.dates[i]:%Y-%m-%d}" for i, m in enumerate(made) if word in m.split(", ")]
        if days:
            notes.append(f"{label}: {date_list(days)}")
    text = "; ".join(notes)
    st.caption((text[:1].upper() + text[1:] + ". Every other frame was propagated.") if notes
               else "Every frame was propagated.")
    units = current_units(frames.grid)  # the Analysis page's choice (default ha; px² on a pixel grid)
    # dates as text: a month known only reads "1992-10", not a made-up day
    table = [{**{k: v for k, v in r.items() if k != "units"}, "date": str(r["date"]),
              "area": units.area_value(r["area"])} for r in rows]
    with st.expander("Per-frame table"):
        st.dataframe(table, hide_index=True, width="stretch",
                     column_config={"frame": st.column_config.NumberColumn("Frame", width="small"),
                                    "date": st.column_config.TextColumn("Date"),
                                    "made": st.column_config.TextColumn("Made by"),
                                    "area": st.column_config.NumberColumn(
                                        units.area_title(), format=f"%.{units.area.decimals}f"),
                                    "confidence": st.column_config.NumberColumn("Confidence", format="%.2f")})


def date_list(days: list[str], most: int = 6) -> str:
    """The dates written out, or their count and span when there are more than ``most``
    (a run stopped early on a long series leaves dozens untracked)."""
    if len(days) <= most:
        return ", ".join(days)
    return f"{len(days)} dates from {days[0]} to {days[-1]}"

