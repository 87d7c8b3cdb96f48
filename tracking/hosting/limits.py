"""Limits checked before any heavy work, each refused with one sentence (InputError).

Every check takes the :class:`tracking.core.settings.Limits` to apply, or reads the
server's (:func:`tracking.core.settings.current`) when given None. The checks only look
at sizes, counts and file headers, never at pixels:

- :func:`screen_uploads`: a batch of uploaded files (sizes, scene count, headers, disk);
- :func:`check_outline_upload`: an uploaded outline (prompt) file, zipped or not;
- :func:`check_archive_upload`: any other upload (a reference) against the project's disk;
- :func:`check_scene_count`, :func:`check_frames`, :func:`check_disk`.

A scene's declared size (:mod:`tracking.ingest.headers`) and the analysis grid
(:func:`tracking.ingest.regrid.check_grid`) are checked where scenes are read.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Sequence

from tracking.core.errors import InputError
from tracking.core.settings import Limits, limits_or_current
from tracking.ingest.headers import HEADER_BYTES, check_scene_header_bytes
from tracking.ingest.sources import SCENE_SUFFIXES, ignored


def mb(n_bytes: float) -> str:
    """Bytes as a short figure for messages ("20 kB", "1.5 MB", "200 MB")."""
    if n_bytes < 1_000_000:
        return f"{n_bytes / 1e3:.0f} kB"
    value = n_bytes / 1e6
    return f"{value:.1f} MB" if value < 10 else f"{value:,.0f} MB"


# -- uploads ---------------------------------------------------------------------------
def check_upload_size(name: str, size: int, limits: Limits | None = None) -> None:
    """Refuse one uploaded file larger than ``upload_mb``."""
    lim = limits_or_current(limits)
    if size > lim.upload_bytes:
        raise InputError(f"{name} is {mb(size)}, more than the {mb(lim.upload_bytes)} allowed per file.")


def screen_uploads(project, files: Sequence[tuple[str, bytes]],
                   limits: Limits | None = None) -> tuple[list[tuple[str, bytes]], list[str]]:
    """Screen a batch of uploads for ``project`` before anything is stored.

    files: (file name as the browser sent it, content). Returns (the files that may be
    stored, one sentence per file refused): a file over ``upload_mb``, or a scene whose
    header declares more than ``max_scene_pixels``. Raises
    InputError when the batch as a whole would take the project past
    ``upload_total_mb``, ``max_scenes`` or ``project_disk_mb`` (zip archives count the
    scenes they list and the bytes they declare unpacked). A file named like an
    earlier upload replaces it, so the earlier one is not counted.
    """
    lim = limits_or_current(limits)
    uploads = Path(project.root) / "uploads"
    existing = {p.name: p for p in uploads.iterdir() if p.is_file()} if uploads.is_dir() else {}
    kept, problems = [], []
    new_bytes = unpacked = new_scenes = 0
    for name, data in files:
        base = _base_name(name)
        try:
            scenes, declared = _screen_one(base, data, lim)
        except InputError as exc:
            problems.append(str(exc))
            continue
        kept.append((name, data))
        new_scenes += scenes
        unpacked += declared
        new_bytes += len(data)
        existing.pop(base, None)  # replaced by this upload
    kept_bytes = sum(p.stat().st_size for p in existing.values())
    if kept_bytes + new_bytes > lim.upload_total_bytes:
        raise InputError(f"These files would bring the project's uploads to {mb(kept_bytes + new_bytes)}, "
                         f"more than the {mb(lim.upload_total_bytes)} allowed.")
    kept_scenes = sum(_scenes_in(p) for p in existing.values())
    check_scene_count(kept_scenes + new_scenes, lim, what="With these files the project")
    check_disk(project, new_bytes + unpacked, lim)
    return kept, problems


def check_uploads(project, files: Sequence[tuple[str, bytes]], limits: Limits | None = None) -> None:
    """As :func:`screen_uploads`, but any refused file refuses the whole batch (InputError)."""
    _, problems = screen_uploads(project, files, limits)
    if problems:
        raise InputError(problems[0])


def _base_name(name: str) -> str:
    return PurePosixPath(str(name).replace("\\", "/")).name or str(name)


def _screen_one(base: str, data: bytes, lim: Limits) -> tuple[int, int]:
    """(scenes in one uploaded file, bytes a zip declares unpacked); InputError when refused."""
    check_upload_size(base, len(data), lim)
    suffix = Path(base).suffix.lower()
    if suffix in SCENE_SUFFIXES:
        check_scene_header_bytes(base, bytes(data[:HEADER_BYTES]), lim)
        return 1, 0
    if suffix == ".zip":
        try:
            return zip_scene_summary(base, data)
        except InputError:  # unreadable: nothing can be extracted; the timeline reports it
            return 0, 0
    return 0, 0


def check_outline_upload(name: str, data: bytes, limits: Limits | None = None) -> None:
    """Refuse an uploaded outline (prompt) file over ``upload_mb``, or a zip declaring more unpacked.

    The zipped Shapefile reader holds its members in memory, and never reads more
    of a member than the archive declares, so the declared total bounds that memory.
    """
    lim = limits_or_current(limits)
    base = _base_name(name)
    check_upload_size(base, len(data), lim)
    if Path(base).suffix.lower() != ".zip":
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            declared = sum(max(0, i.file_size) for i in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # the reader says it is damaged
    if declared > lim.upload_bytes:
        raise InputError(f"{base} would unpack to {mb(declared)}, more than the {mb(lim.upload_bytes)} "
                         f"allowed for an outline file.")


def check_archive_upload(project, name: str, data: bytes, limits: Limits | None = None) -> None:
    """Refuse an uploaded file (e.g. a reference zip of masks) over ``upload_mb``, or one whose
    size, plus what a zip declares unpacked, exceeds the disk ``project`` has left."""
    lim = limits_or_current(limits)
    base = _base_name(name)
    check_upload_size(base, len(data), lim)
    unpacked = 0
    if Path(base).suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                unpacked = sum(max(0, i.file_size) for i in zf.infolist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            unpacked = 0  # the reader says it is damaged
    check_disk(project, len(data) + unpacked, lim)


def _scenes_in(path: Path) -> int:
    suffix = path.suffix.lower()
    if suffix in SCENE_SUFFIXES:
        return 1
    if suffix == ".zip":
        try:
            return zip_scene_summary(path.name, path)[0]
        except InputError:
            return 0
    return 0


def zip_scene_summary(name: str, data: bytes | Path) -> tuple[int, int]:
    """(scene entries listed, bytes every entry declares unpacked) from a zip's central directory.

    Nothing is decompressed. Extraction (:func:`tracking.ingest.sources.extract_zip`) never
    writes more than an entry declares, so the declared total bounds the disk it uses; it
    writes only the scenes and a dates manifest, but every entry counts here, so that no
    archive is accepted for more than the project may hold.
    """
    try:
        src: BinaryIO | Path = io.BytesIO(data) if isinstance(data, (bytes, bytearray, memoryview)) else data
        with zipfile.ZipFile(src) as zf:
            names = [(i, PurePosixPath(i.filename.replace("\\", "/"))) for i in zf.infolist() if not i.is_dir()]
            scenes = [i for i, p in names if p.suffix.lower() in SCENE_SUFFIXES and not ignored(p)]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise InputError(f"{name} is not a readable zip archive.") from None
    return len(scenes), sum(max(0, i.file_size) for i, _ in names)


# -- counts and sizes ------------------------------------------------------------------
def check_scene_count(n: int, limits: Limits | None = None, what: str = "The project") -> None:
    """Refuse (InputError) more than ``max_scenes`` scenes in ``what``."""
    lim = limits_or_current(limits)
    if n > lim.max_scenes:
        raise InputError(f"{what} would hold {n} scenes, more than the {lim.max_scenes} allowed.")


def check_frames(n: int, limits: Limits | None = None) -> None:
    """Refuse a tracking run over more than ``max_frames`` frames."""
    lim = limits_or_current(limits)
    if n > lim.max_frames:
        raise InputError(f"The series has {n} frames, more than the {lim.max_frames} one run may track; "
                         f"exclude some frames on the Scenes page.")


def check_disk(project, adding: int = 0, limits: Limits | None = None) -> None:
    """Refuse work that would take ``project``'s folder past ``project_disk_mb``."""
    lim = limits_or_current(limits)
    used = project.disk_bytes()
    if used + adding > lim.project_disk_bytes:
        left = max(0, lim.project_disk_bytes - used)
        raise InputError(f"This needs {mb(adding)} of disk but the project has only {mb(left)} left "
                         f"of its {mb(lim.project_disk_bytes)}; remove some uploads or start a new project.")
