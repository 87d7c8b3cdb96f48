"""Review and correction of a tracked series: the logic behind the Review page.

A correction is a prompt (clicks, a box or a mask) on any frame after tracking.
It is applied to the live ``TrackingSession`` at once (the corrected frame's
mask comes back right away), saved to the project with an undo snapshot of the
state before it, and then re-propagated forward (or backward) from that frame.

The project on disk is the source of truth: a session cached by the dashboard
is only valid while the project's prompt and track files are the ones it last
wrote (``state_token``); after an undo, or a change made elsewhere, the caller
rebuilds the session with ``open_session``.
"""

from __future__ import annotations

import hashlib
import math
from typing import Callable

import numpy as np

from tracking.core.errors import InputError
from tracking.core.prompt_rules import check_point_totals, validate_prompt
from tracking.core.prompts import Prompt
from tracking.core.stamps import stamp_text
from tracking.core.track import Provenance, Track
from tracking.engines.base import Engine
from tracking.project.folder import Project
from tracking.render.canvas_geometry import CanvasScale, canvas_to_prompt
from tracking.run.session import Progress, TrackingSession
from tracking.run.stages import run_stages

#: Provenances the analyst made by hand; the review order puts these frames last.
_BY_HAND = (Provenance.PROMPTED, Provenance.CORRECTED)
_STATE_FILES = ("prompts.json", "prompt_masks.npz", "track.npz")
_FRAME_FILES = ("frames.npz", "frames.json")


# -- tokens: is a cached session still the project's state? -------------------
def _files_token(project: Project, names: tuple[str, ...]) -> str:
    """A short digest of the named files' sizes and modification times (cheap, no reading)."""
    parts = [stamp_text(project.root / name) for name in names]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


def frames_token(project: Project) -> str:
    """Changes whenever the project's frames are rewritten (new scenes, options or exclusions)."""
    return _files_token(project, _FRAME_FILES)


def state_token(project: Project) -> str:
    """Changes whenever the project's prompts or masks are rewritten (a correction, a run, an undo)."""
    return _files_token(project, _STATE_FILES)


# -- the session ------------------------------------------------------------------
def open_session(project: Project, engine: Engine) -> TrackingSession:
    """Rebuild the tracking session of a project from its saved frames, prompts and masks.

    The engine is loaded with the frames, every saved prompt (first prompts and
    corrections, in order) is replayed, and the saved track is adopted as is.
    Raises InputError when the project has no frames or no tracked masks yet.
    """
    frames = project.load_frames()
    if frames is None:
        raise InputError("This project has no frames yet; add scenes on the Scenes page.")
    track = project.load_track()
    if track is None:
        raise InputError("This project has not been tracked yet; run it on the Track page.")
    session = TrackingSession(engine, frames)
    session.resume(project.load_prompts(), track)
    return session


def apply_correction(project: Project, session: TrackingSession, prompt: Prompt) -> np.ndarray:
    """Apply one correction on ``prompt.frame`` and save it; returns that frame's (H, W) bool mask.

    The state on disk before the correction is kept for ``undo``. Clicks refine
    the mask the analyst sees: the first click on a frame goes in together with
    that frame's current mask as a mask prompt (``with_base``), later clicks add
    to it; a box or a mask replaces them. Only the corrected frame changes here;
    ``repropagate`` carries the change to the other frames.
    """
    for step in with_base(session, prompt):
        # add_prompt validates first: a refused correction leaves no undo step. Should the
        # engine fail after a base went in, the session no longer matches the project
        # (the caller drops it and reopens it with open_session).
        mask = session.add_prompt(step)
    project.push_history()
    project.save_prompts(session.prompts)
    project.save_track(session.track)
    return mask


def with_base(session: TrackingSession, prompt: Prompt) -> list[Prompt]:
    """The prompts a correction becomes: ``[prompt]``, or its frame's current mask first.

    SAM2 refines a tracked frame's own output when clicked; an engine rebuilt from
    saved prompts has no such output, so the first click on a frame with no prompt
    of that object carries the mask the analyst is looking at as a mask prompt,
    and the click refines it (the same in a live and a rebuilt session, and on replay).
    """
    validate_prompt(prompt, session.frames)  # a refused click must not leave its base mask behind
    check_point_totals([*session.prompts, prompt])  # clicks on a frame add up
    if prompt.mask is not None or prompt.box is not None or not len(prompt.points):
        return [prompt]
    if any(p.frame == prompt.frame and p.object_id == prompt.object_id for p in session.prompts):
        return [prompt]
    obj = session.track.objects.get(prompt.object_id)
    f = prompt.frame
    if obj is None or session.frames.bad[f] or not (obj.masks[f] & session.frames.valid[f]).any():
        return [prompt]  # nothing to refine where the scene has data
    return [Prompt(f, prompt.object_id, mask=obj.masks[f].copy()), prompt]


def repropagate(project: Project, session: TrackingSession, start: int, direction: str = "forward",
                progress_cb: Callable[[Progress], None] | None = None,
                should_cancel: Callable[[], bool] | None = None) -> Track:
    """Propagate again from frame ``start`` and save the masks; returns the session's Track.

    direction: "forward" (frames after ``start``), "backward" (frames before it)
    or "both"; frames outside the swept range keep their masks. ``progress_cb``
    gets each Progress; when ``should_cancel()`` turns true the sweep stops, and
    the frames done so far are kept and saved (also when the caller is
    interrupted by an exception).
    """
    run_stages(session, [(start, [], direction)], None if progress_cb is None else (lambda s: progress_cb(s.progress)),
               should_cancel, save=project.save_track, save_every=None)
    return session.track


def undo(project: Project) -> bool:
    """Restore the prompts and masks from before the last correction; False when there is none.

    A session cached before the undo no longer matches the project (its
    ``state_token`` changed): rebuild it with ``open_session``.
    """
    return project.undo()


def can_undo(project: Project) -> bool:
    """Whether the project has a saved state to go back to."""
    return bool(project.history())


# -- from a drawing to a correction -------------------------------------------------
#: Correction tools of the Review page: clicks, a box, or a brush that paints or erases.
TOOLS = ("scar", "not_scar", "box", "paint", "erase")


def correction_prompt(json_data: dict | None, scale: CanvasScale, tool: str, frame: int,
                      current: np.ndarray, object_id: int = 1) -> Prompt | None:
    """The correction a canvas drawing asks for, or None when nothing usable was drawn.

    tool: one of ``TOOLS``. Clicks keep their label ("scar" = 1, "not_scar" = 0,
    whatever their colour); "box" takes the last box drawn; "paint" adds the brush
    strokes to ``current`` (the frame's (H, W) bool mask) and "erase" removes
    them, giving a mask prompt (SAM2 returns a mask prompt unchanged).
    """
    if tool not in TOOLS:
        raise ValueError(f"unknown tool {tool!r}")
    drawn = canvas_to_prompt(json_data, scale, frame, object_id)
    if drawn is None:
        return None
    if tool in ("paint", "erase"):
        if drawn.mask is None:
            return None
        mask = (current | drawn.mask) if tool == "paint" else (current & ~drawn.mask)
        return Prompt(frame, object_id, mask=mask)
    if tool == "box":
        return Prompt(frame, object_id, box=drawn.box) if drawn.box is not None else None
    if not len(drawn.points):
        return None
    label = 1 if tool == "scar" else 0
    return Prompt(frame, object_id, drawn.points, np.full(len(drawn.points), label, np.int32))


# -- what to look at first ----------------------------------------------------------
def frame_status(track: Track, frame: int) -> tuple[Provenance, float]:
    """The provenance and confidence shown for one frame over all objects.

    With several objects the weakest wins: the lowest confidence, and the
    provenance of that object (NaN confidence counts as lowest).
    """
    worst: tuple[float, Provenance] | None = None
    for oid in sorted(track.objects):
        obj = track.objects[oid]
        conf = float(obj.confidence[frame])
        key = -1.0 if math.isnan(conf) else conf
        if worst is None or key < worst[0]:
            worst = (key, obj.provenance[frame])
    if worst is None:
        return Provenance.NONE, math.nan
    return worst[1], (math.nan if worst[0] < 0 else worst[0])


def review_order(track: Track) -> list[int]:
    """Frame indices in the order an analyst should review them: low confidence first.

    Frames never tracked (NaN confidence) come first, then the rest by rising
    confidence; frames the analyst prompted or corrected by hand come last.
    Ties keep date order.
    """
    def key(i: int) -> tuple[int, float, int]:
        prov, conf = frame_status(track, i)
        return (int(prov in _BY_HAND), -1.0 if math.isnan(conf) else conf, i)

    return sorted(range(track.n_frames), key=key)


def review_rows(track: Track, dates: list) -> list[dict]:
    """One row per frame in ``review_order``: frame, date, provenance, confidence, area_px."""
    rows = []
    for i in review_order(track):
        prov, conf = frame_status(track, i)
        rows.append({"frame": i, "date": dates[i], "provenance": prov.value,
                     "confidence": conf, "area_px": int(track.union(i).sum())})
    return rows
