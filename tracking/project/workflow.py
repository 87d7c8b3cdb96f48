"""The dashboard's steps as plain operations on a Project (no Streamlit).

Each operation reads what it needs from the project folder, does the work with
the engine-room modules, and saves the outcome back to the project before it
returns, so a page only calls one function and draws what comes back, and a
refresh (or a link opened later) finds everything where it was left.

Uploads are in :mod:`tracking.project.uploads` and tracking runs in :mod:`tracking.project.runs`;
both are re-exported here so pages only import this module.

Settings live in ``project.meta``:

- ``options``: the frame options (:class:`tracking.ingest.build.FrameOptions` as a dict)
- ``date_overrides``: {file name: ISO date} fixed by the analyst
- ``excluded``: names of the source files the analyst left out
- ``frames_hash``: content hash of the saved frames (excluding exclusions)
- ``run``: the last tracking run (its cache key, engine, timings, outcome)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
import threading
from collections import OrderedDict
from pathlib import Path, PurePosixPath, PureWindowsPath

import numpy as np

from tracking.core.atomic import write_bytes
from tracking.core.errors import InputError
from tracking.core.frames import Frames
from tracking.project.folder import Project
from tracking.core.prompts import Prompt
from tracking.project.runs import (
    RunProgress,
    RunResult,
    cached_run,
    is_running,
    request_cancel,
    run_key,
    run_tracking,
    wait_until_stopped,
)
from tracking.project.uploads import (
    PROMPT_FILE_SUFFIXES,
    UPLOAD_SUFFIXES,
    add_uploads,
    remove_upload,
    safe_name,
    save_prompt_file,
    uploaded_files,
)


# -- the sample -------------------------------------------------------------------
def load_sample(project: Project, options=None, progress=None):
    """Copy the built-in sample series into the project and build its frames.

    Returns (Frames, problems) like :func:`rebuild_frames`. The sample's truth masks
    and prompt files stay in the shared sample folder; their paths are noted in
    ``project.meta["sample"]`` for the accuracy and prompt steps.
    """
    from tracking.sample.series import ensure_sample

    sample = ensure_sample()
    target = project.uploads
    for old in target.iterdir():
        if old.is_file():
            old.unlink()
    for src in sorted(Path(sample.scenes_dir).iterdir()):
        if src.is_file() and not src.name.startswith("."):
            shutil.copy2(src, target / src.name)
    project.meta["sources"] = uploaded_files(project)
    project.meta["date_overrides"] = {}
    project.meta["excluded"] = []
    project.meta["sample"] = {k: str(getattr(sample, k)) for k in
                              ("root", "truth_dir", "prompt_path", "prompt_points_path", "prompt_box_path")
                              if getattr(sample, k, None) is not None}
    if project.meta.get("name", "Untitled landslide") == "Untitled landslide":
        project.meta["name"] = "Sample landslide"
    project.save()
    return rebuild_frames(project, options, progress)


# -- timeline and frames ----------------------------------------------------------
_TIMELINES: OrderedDict = OrderedDict()
_FRAMES: OrderedDict = OrderedDict()
_LOCK = threading.Lock()


def _remember(cache: OrderedDict, key, value, size: int) -> None:
    with _LOCK:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > size:
            cache.popitem(last=False)


def _recall(cache: OrderedDict, key):
    with _LOCK:
        return cache.get(key)


def date_overrides(project: Project) -> dict[str, dt.date]:
    return {k: dt.date.fromisoformat(v) for k, v in project.meta.get("date_overrides", {}).items()}


def timeline(project: Project):
    """The project's scenes in date order (:class:`tracking.ingest.timeline.Timeline`).

    Cached in this process by the upload files' names, sizes and times and the date fixes.
    Raises InputError when the project has no usable dated scene.
    """
    from tracking.ingest.timeline import build_timeline

    files = uploaded_files(project)
    if not files:
        raise InputError("This project has no scenes yet; upload scene files or load the sample.")
    stamp = [(n, (project.uploads / n).stat().st_size, (project.uploads / n).stat().st_mtime_ns) for n in files]
    key = (str(project.root), json.dumps(stamp), json.dumps(project.meta.get("date_overrides", {}), sort_keys=True))
    cached = _recall(_TIMELINES, key)
    if cached is None:
        cached = build_timeline([project.uploads], project.work, date_overrides(project))
        _remember(_TIMELINES, key, cached, 8)
    return cached


def frame_options(project: Project):
    """The project's saved :class:`tracking.ingest.build.FrameOptions` (defaults when none saved)."""
    from tracking.ingest.build import FrameOptions

    saved = project.meta.get("options") or {}
    return FrameOptions.from_dict(saved) if saved else FrameOptions()


def frames_hash(frames: Frames) -> str:
    """Content hash of the frames (pixels, validity, dates, sources, grid, quality), not exclusions."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(frames.images).tobytes())
    h.update(np.packbits(frames.valid).tobytes())
    h.update(json.dumps({"dates": [d.isoformat() for d in frames.dates], "sources": frames.sources,
                         "grid": frames.grid.to_dict(), "quality": [q.to_dict() for q in frames.quality]},
                        sort_keys=True, default=str).encode())
    return h.hexdigest()


def _source_name(source: str) -> str:
    return PureWindowsPath(PurePosixPath(str(source)).name).name


def rebuild_frames(project: Project, options=None, progress=None) -> tuple[Frames, list[str]]:
    """Build the harmonised frames from the project's scenes and save them.

    ``options`` (FrameOptions; default the saved ones) are saved too. When the frames'
    content changes, prompts, masks and undo history are cleared (they no longer
    match the frames) and so is the tracking cache. Returns (frames, problems).
    """
    from tracking.ingest.build import build_frames

    options = options if options is not None else frame_options(project)
    tl = timeline(project)
    frames, problems = build_frames(tl, options, progress)
    excluded = set(project.meta.get("excluded", []))
    frames.excluded = {i for i, s in enumerate(frames.sources) if _source_name(s) in excluded}
    digest = frames_hash(frames)
    if project.meta.get("frames_hash") not in (None, digest):
        project.clear_results()
        project.meta.pop("run", None)
    project.save_frames(frames)
    project.meta["options"] = options.to_dict()
    project.meta["frames_hash"] = digest
    project.meta["problems"] = list(tl.problems) + [p for p in problems if p not in tl.problems]
    project.save()
    return frames, project.meta["problems"]


def load_frames(project: Project) -> Frames | None:
    """The saved frames, cached in this process by the frame files' sizes and times."""
    stamp = []
    for name in ("frames.npz", "frames.json"):
        path = project.root / name
        if not path.exists():
            return None
        st = path.stat()
        stamp.append((st.st_size, st.st_mtime_ns))
    key = (str(project.root), tuple(stamp))
    frames = _recall(_FRAMES, key)
    if frames is None:
        frames = project.load_frames()
        _remember(_FRAMES, key, frames, 4)
    return frames


def require_frames(project: Project) -> Frames:
    """``load_frames``, or an InputError when the project has no frames yet."""
    frames = load_frames(project)
    if frames is None:
        raise InputError("This project has no frames yet; upload scene files or load the sample.")
    return frames


def set_date(project: Project, file: str, date: dt.date | None, options=None, progress=None):
    """Fix (or, with None, forget the fix of) one scene's acquisition date; rebuilds the frames."""
    name = _source_name(file)
    fixes = dict(project.meta.get("date_overrides", {}))
    if date is None:
        fixes.pop(name, None)
    else:
        fixes[name] = date.isoformat()
    project.meta["date_overrides"] = fixes
    project.save()
    return rebuild_frames(project, options, progress)


def set_excluded(project: Project, index: int, excluded: bool) -> Frames:
    """Leave frame ``index`` out of tracking (or take it back in); saves the frames."""
    frames = require_frames(project)
    if not 0 <= index < len(frames):
        raise InputError(f"There is no frame {index + 1}; the series has {len(frames)} frames.")
    names = set(project.meta.get("excluded", []))
    name = _source_name(frames.sources[index])
    (names.add if excluded else names.discard)(name)
    project.meta["excluded"] = sorted(names)
    project.save()
    frames = Frames(frames.images, frames.valid, frames.dates, frames.sources, frames.grid, frames.quality,
                    {i for i, s in enumerate(frames.sources) if _source_name(s) in names})
    project.save_frames(frames)
    return frames


def frame_rows(project: Project, frames: Frames) -> list[dict]:
    """One row per frame for the timeline table: date, file, sensor, quality and flags."""
    try:
        scenes = {s.name: s for s in timeline(project).scenes}
    except InputError:
        scenes = {}
    rows = []
    for i, (date, src, q) in enumerate(zip(frames.dates, frames.sources, frames.quality)):
        scene = scenes.get(_source_name(src))
        flags = list(q.reasons) + (["excluded by hand"] if i in frames.excluded else [])
        rows.append({"frame": i + 1, "date": date, "file": _source_name(src),
                     "sensor": scene.sensor if scene else "", "cloud %": round(100 * q.cloud, 1),
                     "snow %": round(100 * q.snow, 1), "nodata %": round(100 * q.nodata, 1),
                     "used": not (q.bad or i in frames.excluded), "flags": "; ".join(flags),
                     "date from": scene.date_source if scene else ""})
    return rows


# -- thumbnails -------------------------------------------------------------------
def thumbnail(project: Project, frames: Frames, index: int, size: int = 128) -> bytes:
    """PNG bytes of frame ``index`` fitted into ``size`` x ``size`` pixels, cached in the project."""
    digest = project.meta.get("frames_hash") or frames_hash(frames)
    path = project.folder("thumbs") / f"{digest[:16]}_{index}_{size}.png"
    if path.exists():
        return path.read_bytes()
    from PIL import Image

    img = Image.fromarray(frames.images[index])
    img.thumbnail((size, size), Image.Resampling.LANCZOS if max(img.size) > size else Image.Resampling.NEAREST)
    if max(img.size) < size:  # small frames: enlarge with crisp pixels
        factor = size / max(img.size)
        img = img.resize((max(1, round(img.width * factor)), max(1, round(img.height * factor))),
                         Image.Resampling.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    data = buf.getvalue()
    for old in path.parent.glob("*.png"):
        if not old.name.startswith(digest[:16]):
            old.unlink(missing_ok=True)
    write_bytes(path, data)
    return data


def thumbnails(project: Project, frames: Frames, size: int = 128) -> list[bytes]:
    return [thumbnail(project, frames, i, size) for i in range(len(frames))]


# -- prompts ----------------------------------------------------------------------
def set_prompts(project: Project, prompts: list[Prompt]) -> None:
    """Make ``prompts`` the project's starting prompts (earlier prompts and corrections go)."""
    frames = require_frames(project)
    for p in prompts:
        if not 0 <= p.frame < len(frames):
            raise InputError(f"The prompt names frame {p.frame + 1}, but the series has {len(frames)} frames.")
        if p.mask is not None and p.mask.shape != frames.shape:
            raise InputError("The prompt outline does not match the frames; draw it again.")
        if p.empty:
            raise InputError("The prompt is empty: add a point, a box or an outline.")
    project.push_history()
    project.save_prompts(list(prompts))


def prompts_from_file(project: Project, path: str | Path) -> list[Prompt]:
    """Read prompts from a vector file (see :mod:`tracking.ingest.prompt_files`) and make them the project's."""
    from tracking.ingest.prompt_files import read_prompt_file

    frames = require_frames(project)
    prompts = read_prompt_file(Path(path), frames.grid, frames.dates)
    set_prompts(project, prompts)
    return prompts


# -- status -----------------------------------------------------------------------


def project_status(project: Project) -> dict:
    """What the sidebar shows: frame, prompt and track counts and the track's state.

    track is "none", "partial" (the last run was stopped), "current" (made from the
    present frames, prompts and engine settings), "corrected" (edited on the Review
    page since) or "outdated" (frames, exclusions or prompts changed since).
    """
    frames = load_frames(project)
    prompts = project.load_prompts() if frames is not None else []
    status = {"frames": len(frames) if frames is not None else 0, "prompts": len(prompts), "track": "none",
              "good_frames": len(frames.good_indices) if frames is not None else 0}
    run = project.meta.get("run") or {}
    if frames is None or not (project.root / "track.npz").exists():
        return status
    if not run.get("completed"):
        status["track"] = "partial"
    elif run.get("key") == run_key(project, frames, prompts, run.get("requested", "auto"),
                                   run.get("model", "tiny"), run.get("device", "auto")):
        status["track"] = "current"
    else:
        track = project.load_track()
        corrected = track is not None and any(p.value == "corrected" for o in track.objects.values()
                                              for p in o.provenance)
        status["track"] = "corrected" if corrected else "outdated"
    return status


def preview_mask(project: Project, prompt: Prompt, engine=None) -> np.ndarray:
    """(H, W) bool: the mask the engine makes of ``prompt`` on its own frame (nothing is saved).

    A mask prompt is its own preview. ``engine`` defaults to the weights-free baseline,
    which answers in well under a second on the sample.
    """
    frames = require_frames(project)
    if not 0 <= prompt.frame < len(frames):
        raise InputError(f"The prompt names frame {prompt.frame + 1}, but the series has {len(frames)} frames.")
    if prompt.mask is not None:
        return prompt.mask.copy()
    if engine is None:
        from tracking.engines.factory import make_engine

        engine, _ = make_engine("baseline")
    engine.load(frames.images[prompt.frame:prompt.frame + 1])
    local = Prompt(0, prompt.object_id, prompt.points, prompt.labels, prompt.box, None)
    step = engine.add_prompt(local)
    return np.asarray(step.masks.get(prompt.object_id, np.zeros(frames.shape, bool)), bool)


def track_rows(frames: Frames, track) -> list[dict]:
    """One row per frame for the Track page: date, how the mask was made, confidence, area.

    Area is in m² on a projected grid and px² on a pixel grid (the ``units`` key says which).
    """
    rows = []
    unit = "m²" if frames.grid.crs is not None else "px²"
    for i, date in enumerate(frames.dates):
        provs = sorted({o.provenance[i].value for o in track.objects.values()}) or ["none"]
        confs = [float(o.confidence[i]) for o in track.objects.values() if not np.isnan(o.confidence[i])]
        rows.append({"frame": i + 1, "date": date, "made": ", ".join(provs),
                     "confidence": min(confs) if confs else None,
                     "area": float(track.union(i).sum()) * frames.grid.pixel_area_m2, "units": unit})
    return rows
