"""Files the analyst uploads: safe base names, stored inside the project and nowhere else.

Scene files (images, zip archives, a dates .csv) go to ``project.uploads``; outline
files for prompts to ``prompt_files/``. Each file is screened against the server's
limits (:mod:`tracking.hosting.limits`) before it is written.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Sequence

from tracking.core.atomic import write_bytes
from tracking.core.errors import InputError
from tracking.ingest.sources import SCENE_SUFFIXES, SIDECAR_SUFFIXES, clean_name, shown_name
from tracking.project.folder import Project

UPLOAD_SUFFIXES = SCENE_SUFFIXES + SIDECAR_SUFFIXES + (".zip", ".csv")
PROMPT_FILE_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip")


def safe_name(name: str) -> str:
    """The base name of an uploaded file, safe to write in a project folder.

    Any directory part (``../``, ``C:\\``, ``/etc/``) is dropped, odd characters become
    "_", and hidden or empty names are refused with an InputError naming the file.
    """
    raw = str(name or "")
    if raw.endswith(("/", "\\")):  # a folder, not a file
        raise InputError(f"The file name '{shown_name(raw)}' names a folder; upload the files inside it, "
                         f"or a zip.")
    base = clean_name(PureWindowsPath(PurePosixPath(raw.replace("\x00", "")).name).name)
    if not base or base in (".", "..") or base.startswith("."):
        raise InputError(f"The file name '{shown_name(raw)}' cannot be used; rename the file and upload it "
                         f"again.")
    return base


def add_uploads(project: Project, files: Sequence[tuple[str, bytes]]) -> tuple[list[str], list[str]]:
    """Store uploaded scene files (images, zip archives, a dates .csv) in ``project.uploads``.

    Returns (names saved, one sentence per file refused). A file of the same name
    replaces the earlier upload. Nothing is written outside the uploads folder.
    The server's limits (:func:`tracking.hosting.limits.screen_uploads`) refuse a file too
    large or declaring too many pixels, and raise InputError for a batch too big.
    """
    from tracking.hosting.limits import screen_uploads

    files, problems = screen_uploads(project, files)
    saved = []
    for name, data in files:
        try:
            clean = safe_name(name)
        except InputError as exc:
            problems.append(str(exc))
            continue
        if not clean.lower().endswith(UPLOAD_SUFFIXES):
            problems.append(f"{clean} is not a scene file (use GeoTIFF, PNG, JPEG, their world files "
                            f"or .aux.xml, a .zip of them, or a dates .csv).")
            continue
        if clean.lower() in {s.lower() for s in saved}:  # two names that clean alike: keep both
            first, clean = clean, _numbered(clean, saved)
            problems.append(f"Two files of this upload become {first} once odd characters are replaced; "
                            f"the second was saved as {clean}.")
        write_bytes(project.uploads / clean, bytes(data))
        saved.append(clean)
    if saved:
        project.meta.sources = sorted(set(project.meta.sources) | set(saved))
        project.save()
    return saved, problems


def _numbered(name: str, taken: Sequence[str]) -> str:
    """``stem_2.ext``, ``stem_3.ext``... : the first that no name in ``taken`` is (in any case)."""
    path, used, n = Path(name), {t.lower() for t in taken}, 2
    while f"{path.stem}_{n}{path.suffix}".lower() in used:
        n += 1
    return f"{path.stem}_{n}{path.suffix}"


def remove_upload(project: Project, name: str) -> None:
    """Delete one uploaded file (by its base name) from the project."""
    path = project.uploads / safe_name(name)
    path.unlink(missing_ok=True)
    project.meta.sources = [s for s in project.meta.sources if s != path.name]
    project.save()


def uploaded_files(project: Project) -> list[str]:
    """Names of the project's uploaded files, sorted (hidden files left out)."""
    return sorted(p.name for p in project.uploads.iterdir() if p.is_file() and not p.name.startswith("."))


def save_prompt_file(project: Project, name: str, data: bytes) -> Path:
    """Store an uploaded outline file in the project (``prompt_files/``) and return its path."""
    clean = safe_name(name)
    if not clean.lower().endswith(PROMPT_FILE_SUFFIXES):
        raise InputError(f"{clean} is not an outline file; use GeoJSON, GeoPackage or a zipped Shapefile.")
    from tracking.hosting.limits import check_outline_upload

    check_outline_upload(clean, data)  # the server's size limits, zip members included
    path = project.folder("prompt_files") / clean
    write_bytes(path, bytes(data))
    return path
