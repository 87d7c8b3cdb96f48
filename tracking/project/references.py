"""The reference outlines a project is scored against: uploaded, stored, and read back.

An analyst uploads either a zip of dated mask rasters (``2019-06-14.tif`` ...),
a zipped Shapefile, or a single vector file (GeoJSON, GeoPackage) with a date
column. The upload is kept in the project's ``reference/`` folder (zips of masks
are extracted there safely, flat), and ``project.meta.reference`` names it
relative to the project, so the Analysis and Export pages and a later session
all use the same reference. A sample project can use the sample's true masks.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

from tracking.analysis.accuracy import evaluate, unmatched_dates
from tracking.analysis.reference import RASTER_SUFFIXES, load_reference
from tracking.core.atomic import write_bytes
from tracking.core.errors import InputError
from tracking.core.grid import Grid
from tracking.core.track import Track
from tracking.ingest.sources import extract_zip
from tracking.project.folder import Project

UPLOAD_SUFFIXES = (".zip", ".geojson", ".json", ".gpkg")


def _clean_name(name: str) -> str:
    from tracking.project.uploads import safe_name

    return safe_name(name)


def _is_shapefile_zip(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return any(n.lower().endswith(".shp") for n in zf.namelist())
    except (zipfile.BadZipFile, OSError):
        raise InputError(f"{path.name} is not a readable zip archive.") from None


def save_reference_upload(project: Project, name: str, data: bytes, grid: Grid | None = None) -> Path:
    """Store an uploaded reference in the project and make it the project's reference.

    Returns the stored path (a folder of masks, or a vector file). Raises
    InputError naming the file when it is not a usable reference; with ``grid``
    the reference is also read onto it first, and refused (and not kept) when
    that fails.
    """
    clean = _clean_name(name)
    if not clean.lower().endswith(UPLOAD_SUFFIXES):
        raise InputError(f"{clean} is not a reference file; upload a zip of dated mask rasters, a zipped "
                         "Shapefile, a GeoJSON or a GeoPackage with a date column.")
    from tracking.hosting.limits import check_archive_upload

    check_archive_upload(project, clean, data)  # the server's limits, what a zip unpacks to included
    folder = project.folder("reference")
    for old in folder.iterdir():  # one reference at a time
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    path = folder / clean
    write_bytes(path, bytes(data))
    try:
        if path.suffix.lower() == ".zip" and not _is_shapefile_zip(path):
            path = _extract_masks(path, folder / (path.stem + "_masks"))
        if grid is not None:
            load_reference(path, grid)
    except InputError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _set(project, path)
    return path


def _extract_masks(archive: Path, target: Path) -> Path:
    """Extract the mask rasters of ``archive`` into ``target`` (flat: nested folders are lifted)."""
    problems: list[str] = []
    files = [p for p in extract_zip(archive, target, problems=problems) if p.suffix.lower() in RASTER_SUFFIXES]
    archive.unlink(missing_ok=True)
    if not files:
        reason = f" ({problems[0]})" if problems else ""
        raise InputError(f"{archive.name} holds no mask rasters (.tif, .png) and no Shapefile{reason}.")
    for path in files:
        if path.parent != target:
            dest = target / path.name
            if dest.exists():
                raise InputError(f"{archive.name} holds two masks named {path.name}; give each date its own name.")
            path.replace(dest)
    for sub in [p for p in target.iterdir() if p.is_dir()]:
        shutil.rmtree(sub, ignore_errors=True)
    return target


def _set(project: Project, path: Path) -> None:
    try:
        value = str(path.relative_to(project.root))
    except ValueError:
        value = str(path)
    project.meta.reference = value
    project.save()


def use_sample_truth(project: Project) -> Path:
    """Make the sample's true masks the reference of a project made from the sample."""
    truth = sample_truth(project)
    if truth is None:
        raise InputError("This project was not made from the sample, so it has no true masks to compare with.")
    _set(project, truth)
    return truth


def sample_truth(project: Project) -> Path | None:
    """The sample's true masks folder of a project made from the sample, or None (not one, or gone)."""
    sample = project.meta.sample
    truth = sample.truth_dir if sample is not None else None
    return truth if truth is not None and truth.is_dir() else None


def reference_path(project: Project) -> Path | None:
    """The project's reference (folder or vector file), or None when none is set or it is gone."""
    value = project.meta.reference
    if not value:
        return None
    path = Path(value)
    path = path if path.is_absolute() else project.root / path
    return path if path.exists() else None


def clear_reference(project: Project) -> None:
    """Forget the project's reference outlines, on disk too."""
    project.meta.reference = None
    project.save()
    shutil.rmtree(project.root / "reference", ignore_errors=True)


def score(project: Project, track: Track, grid: Grid, dates: list[dt.date]) -> tuple[list[dict], list[dt.date]]:
    """(accuracy rows per matched date, reference dates not in the series) for the project's reference.

    Raises InputError when no reference is set or it cannot be used.
    """
    path = reference_path(project)
    if path is None:
        raise InputError("No reference outlines yet: upload them first.")
    masks = load_reference(path, grid)
    return evaluate(track, masks, dates), unmatched_dates(masks, dates)

