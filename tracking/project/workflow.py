"""The dashboard's steps as plain operations on a Project (no Streamlit).

Each operation reads what it needs from the project folder, does the work with
the engine-room modules, and saves the outcome back to the project before it
returns, so a page only calls one function and draws what comes back, and a
refresh (or a link opened later) finds everything where it was left.

Uploads are in :mod:`tracking.project.uploads`, tracking runs in :mod:`tracking.project.runs`
and the saved frames in :mod:`tracking.project.frames_store`; pages import those directly.

Settings live in ``project.meta`` (:class:`tracking.project.state.ProjectMeta`: frame
options, date fixes, exclusions, engine choice, frames hash, the last run); pages
change them only through the operations here (``rename``, ``choose_engine``,
``set_date``, ``set_excluded``...).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import shutil
import threading
from pathlib import Path, PurePosixPath, PureWindowsPath

import numpy as np

from tracking.core.acqdate import precision
from tracking.core.atomic import write_bytes
from tracking.core.errors import InputError
from tracking.core.frames import Frames
from tracking.core.memo import Memo
from tracking.core.prompt_rules import check_point_totals, validate_prompt
from tracking.core.prompts import Prompt
from tracking.core.stamps import stamp_text
from tracking.core.units import units_for
from tracking.project.folder import Project
from tracking.project.frames_store import frames_hash, load_frames, require_frames
from tracking.project.runs import run_key
from tracking.project.state import DEFAULT_NAME, EngineChoice, SamplePaths
from tracking.project.uploads import uploaded_files


# -- the sample -------------------------------------------------------------------
def load_sample(project: Project, options=None, progress=None):
    """Copy the built-in sample series into the project and build its frames.

    Returns (Frames, problems) like :func:`rebuild_frames`. The sample's truth masks
    and prompt files stay in the shared sample folder; their paths are noted in
    ``project.meta.sample`` for the accuracy and prompt steps.
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
    project.meta.sources = uploaded_files(project)
    project.meta.date_overrides = {}
    project.meta.excluded = []
    project.meta.sample = SamplePaths.of(sample)
    if project.meta.name == DEFAULT_NAME:
        project.meta.name = "Sample landslide"
    project.save()
    return rebuild_frames(project, options, progress)


def sample_date_count() -> int:
    """How many dates the built-in sample holds (read from the sample itself, made once if missing)."""
    from tracking.sample.series import ensure_sample

    return len(ensure_sample().dates)


# -- timeline and frames ----------------------------------------------------------
#: Timelines by (project folder, upload stamps, date fixes).
_TIMELINES = Memo(8)


def date_overrides(project: Project) -> dict[str, dt.date]:
    """{scene file name: acquisition date} the analyst fixed by hand (a copy)."""
    return dict(project.meta.date_overrides)


def timeline(project: Project):
    """The project's scenes in date order (:class:`tracking.ingest.timeline.Timeline`).

    Cached in this process by the upload files' names, sizes and times and the date fixes.
    Raises InputError when the project has no usable dated scene.
    """
    from tracking.ingest.timeline import build_timeline

    files = uploaded_files(project)
    if not files:
        raise InputError("This project has no scenes yet; upload scene files or load the sample.")
    stamp = [stamp_text(project.uploads / n) for n in files]
    key = (str(project.root), json.dumps(stamp), json.dumps(project.meta.date_overrides, sort_keys=True, default=str))
    cached = _TIMELINES.get(key)
    if cached is None:
        cached = build_timeline([project.uploads], project.work, date_overrides(project))
        _TIMELINES.put(key, cached)
    return cached


def undated_scenes(project: Project) -> list:
    """The readable uploaded scenes that have no date yet (also when none has one)."""
    from tracking.ingest.timeline import build_timeline

    try:
        return list(timeline(project).undated)
    except InputError:
        if not uploaded_files(project):
            return []
        return build_timeline([project.uploads], project.work, date_overrides(project), require_dated=False).undated


def frame_options(project: Project):
    """The project's saved :class:`tracking.ingest.build.FrameOptions` (defaults when none saved)."""
    return project.meta.options


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
    excluded = set(project.meta.excluded)
    frames.excluded = {i for i, s in enumerate(frames.sources) if _source_name(s) in excluded}
    digest = frames_hash(frames)
    if project.meta.frames_hash not in (None, digest):
        project.clear_results()
        project.meta.run = None
    project.save_frames(frames)
    project.meta.options = options
    project.meta.frames_hash = digest
    project.meta.problems = list(tl.problems) + [p for p in problems if p not in tl.problems]
    project.save()
    return frames, list(project.meta.problems)


def set_date(project: Project, file: str, date: dt.date | None, options=None, progress=None):
    """Fix (or, with None, forget the fix of) one scene's acquisition date; rebuilds the frames."""
    return set_dates(project, {file: date}, options, progress)


def set_dates(project: Project, dates: dict, options=None, progress=None):
    """Fix several scenes' dates ({file: date or None}) and rebuild the frames once."""
    fixes = dict(project.meta.date_overrides)
    for file, date in dates.items():
        name = _source_name(file)
        if date is None:
            fixes.pop(name, None)
        else:
            fixes[name] = date
    project.meta.date_overrides = fixes
    project.save()
    return rebuild_frames(project, options, progress)


def set_excluded(project: Project, index: int, excluded: bool) -> Frames:
    """Leave frame ``index`` out of tracking (or take it back in); saves the frames."""
    frames = require_frames(project)
    if not 0 <= index < len(frames):
        raise InputError(f"There is no frame {index + 1}; the series has {len(frames)} frames.")
    names = set(project.meta.excluded)
    name = _source_name(frames.sources[index])
    (names.add if excluded else names.discard)(name)
    project.meta.excluded = sorted(names)
    project.save()
    frames = dataclasses.replace(frames, excluded={i for i, s in enumerate(frames.sources)
                                                   if _source_name(s) in names})
    project.save_frames(frames)
    return frames


def rename(project: Project, name: str) -> bool:
    """Give the project a new name (spaces trimmed); a blank name keeps the old one. True when saved."""
    name = name.strip()
    if not name or name == project.meta.name:
        return False
    project.meta.name = name
    project.save()
    return True


def choose_engine(project: Project, kind: str, model: str, device: str) -> EngineChoice:
    """Save the analyst's engine choice (kind, SAM2 model, device) when it changed; returns it."""
    chosen = EngineChoice(kind, model, device)
    if chosen != project.meta.engine:
        project.meta.engine = chosen
        project.save()
    return chosen


def frame_rows(project: Project, frames: Frames) -> list[dict]:
    """One row per frame for the timeline table: date, file, sensor, the bands beyond RGB it
    carries (NIR, SWIR: the baseline's vegetation guidance), the co-registration shift,
    quality and flags."""
    try:
        scenes = {s.name: s for s in timeline(project).scenes}
    except InputError:
        scenes = {}
    rows = []
    for i, (date, src, q) in enumerate(zip(frames.dates, frames.sources, frames.quality)):
        scene = scenes.get(_source_name(src))
        flags = list(q.reasons) + (["excluded by hand"] if i in frames.excluded else [])
        rows.append({"frame": i + 1, "date": date, "file": _source_name(src),
                     "sensor": scene.sensor if scene else "", "bands": _bands(frames, i),
                     "shift px": q.shift_text(), "cloud %": round(100 * q.cloud, 1),
                     "snow %": round(100 * q.snow, 1), "nodata %": round(100 * q.nodata, 1),
                     "used": not (q.bad or i in frames.excluded), "flags": "; ".join(flags),
                     "date from": _date_from(scene, date)})
    return rows


def _bands(frames: Frames, index: int) -> str:
    """"RGB", or "RGB + NIR, SWIR1" for a frame that carries bands beyond its display RGB."""
    carried = frames.spectral.carried_names(index) if frames.spectral is not None else []
    return "RGB" + ("".join(f" + {name.upper()}" for name in carried))


def _date_from(scene, date) -> str:
    """Where the date came from, and "month 1992-10 only" when the day is not known."""
    source = scene.date_source if scene else ""
    known = precision(date)
    return source if known == "day" else f"{source}, {known} {date.isoformat()} only".lstrip(", ")


# -- thumbnails -------------------------------------------------------------------
def thumbnail(project: Project, frames: Frames, index: int, size: int = 128) -> bytes:
    """PNG bytes of frame ``index`` fitted into ``size`` x ``size`` pixels, cached in the project."""
    digest = project.meta.frames_hash or frames_hash(frames)
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
    """One small PNG per frame (see ``thumbnail``)."""
    return [thumbnail(project, frames, i, size) for i in range(len(frames))]


# -- prompts ----------------------------------------------------------------------
def set_prompts(project: Project, prompts: list[Prompt]) -> None:
    """Make ``prompts`` the project's starting prompts (earlier prompts and corrections go).

    Every prompt is checked against the frames first (:func:`validate_prompt`); one that
    does not fit raises InputError and the project's earlier prompts stay as they were.
    """
    frames = require_frames(project)
    for p in prompts:  # all checked before anything is saved: a refusal keeps the earlier prompts
        validate_prompt(p, frames)
    check_point_totals(prompts)
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
    run = project.meta.run
    if frames is None or not (project.root / "track.npz").exists():
        return status
    if run is None or not run.completed:
        status["track"] = "partial"
    elif run.key == run_key(project, frames, prompts, run.requested or "auto", run.model, run.device):
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
    which answers in well under a second on the sample. That baseline is kept per frame
    content (:data:`_PREVIEW_ENGINES`): the next prompt on the same frame reuses its
    features and superpixels (about half a preview's time on a 2048 px frame) after its
    prompts are forgotten, so the mask is the one a fresh engine makes.
    """
    frames = require_frames(project)
    validate_prompt(prompt, frames)
    if prompt.mask is not None:
        return prompt.mask.copy()
    local = Prompt(0, prompt.object_id, prompt.points, prompt.labels, prompt.box, None)
    guidance = frames.guidance([prompt.frame])
    if engine is not None:
        engine.load(frames.images[prompt.frame:prompt.frame + 1], guidance=guidance)
        step = engine.add_prompt(local)
    else:
        with _PREVIEW_LOCK:  # one engine per frame content, shared by the sessions of this process
            engine = _preview_engine(frames.images[prompt.frame], guidance)
            engine.clear_frame(0)
            step = engine.add_prompt(local)
    return np.asarray(step.masks.get(prompt.object_id, np.zeros(frames.shape, bool)), bool)


_PREVIEW_ENGINES = Memo(2)
_PREVIEW_LOCK = threading.Lock()


def _preview_engine(image: np.ndarray, guidance: np.ndarray | None = None):
    """A baseline engine loaded with ``image`` (H, W, 3) uint8 and its ``guidance`` (1, H, W, C)
    float32 (or None), cached by their content hash."""
    h = hashlib.sha256(np.ascontiguousarray(image).tobytes())
    if guidance is not None:
        h.update(np.ascontiguousarray(guidance).tobytes())
    key = h.hexdigest()
    engine = _PREVIEW_ENGINES.get(key)
    if engine is None:
        from tracking.engines.factory import make_engine

        engine, _ = make_engine("baseline")
        engine.load(image[None], guidance=guidance)
        _PREVIEW_ENGINES.put(key, engine)
    return engine


def track_rows(frames: Frames, track) -> list[dict]:
    """One row per frame for the Track page: date, how the mask was made, confidence, area.

    Area is in m² on a projected grid and px² on a pixel grid (the ``units`` key says which).
    """
    rows = []
    unit = units_for(frames.grid, "m2").area_symbol  # m², or px² on a pixel grid
    for i, date in enumerate(frames.dates):
        provs = sorted({o.provenance[i].value for o in track.objects.values()}) or ["none"]
        confs = [float(o.confidence[i]) for o in track.objects.values() if not np.isnan(o.confidence[i])]
        rows.append({"frame": i + 1, "date": date, "made": ", ".join(provs),
                     "confidence": min(confs) if confs else None,
                     "area": float(track.union(i).sum()) * frames.grid.pixel_area_m2, "units": unit})
    return rows
