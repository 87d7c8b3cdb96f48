"""The project's downloads, written once per state of the track.

``exports.export_all`` writes every export (GeoPackage, GeoJSON, zipped
Shapefile, multi-band GeoTIFF, metrics.csv, GIF, evolution map, report). It
takes seconds, so the Export page only calls it when what it depends on
changed: the frames, the masks, the prompts, the reference and the engine. A
digest of those is written last, in ``exports/exports.json``; an interrupted
export leaves no digest and is simply made again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from tracking.analysis.reference import load_reference
from tracking.core.atomic import write_json
from tracking.core.errors import InputError
from tracking.core.stamps import stamp_text
from tracking.core.units import Units
from tracking.project.folder import Project
from tracking.project.references import reference_path

_MANIFEST = "exports.json"

#: kind -> (label, MIME type, one line on what it is), in the order the page offers them.
EXPORTS: dict[str, tuple[str, str, str]] = {
    "report": ("HTML report", "text/html", "One self-contained page: summary, charts, map, table, provenance."),
    "gpkg": ("GeoPackage", "application/geopackage+sqlite3", "Outlines, one row per date and object."),
    "geojson": ("GeoJSON", "application/geo+json", "The same outlines in EPSG:4326."),
    "shapefile": ("Shapefile (zip)", "application/zip", "The same outlines as a zipped Shapefile."),
    "masks": ("Masks GeoTIFF", "image/tiff",
              "One band per date: 0 = background, else the object id; dates in the band descriptions."),
    "metrics": ("metrics.csv", "text/csv", "Area, growth and displacement per date and object."),
    "accuracy": ("accuracy.csv", "text/csv", "Scores against the reference outlines."),
    "gif": ("Evolution GIF", "image/gif", "The frames with the outline and date on each."),
    "evolution_png": ("Evolution map PNG", "image/png", "Each pixel coloured by the date it became scar."),
    "evolution_tif": ("Evolution map GeoTIFF", "image/tiff", "Frame index each pixel first became scar."),
}


_POSITIONED = ("gpkg", "geojson", "shapefile", "masks", "evolution_tif")


def describe(kind: str, grid) -> str:
    """The one line on an export, true to ``grid``: no CRS is claimed for images without one."""
    what = EXPORTS.get(kind, ("", "", ""))[2]
    if grid.crs is None and kind in _POSITIONED:
        where = ("metres from the image's bottom-left corner" if grid.is_metric
                 else "pixel coordinates (column, row)")
        what = what.replace(" in EPSG:4326", "").rstrip(".") + f", in {where}; no CRS."
    return what


@dataclass
class ExportSet:
    """The files ready for download ({kind: path}), whether they were just made, and a note
    (one sentence, e.g. why the accuracy figures are missing) or ""."""

    paths: dict[str, Path]
    fresh: bool
    note: str = ""


def _file_digest(path: Path | None) -> str:
    if path is None or not path.exists():
        return "-"
    if path.is_dir():
        return ",".join(stamp_text(p) for p in sorted(path.iterdir()))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def recorded_engine_provenance(project: Project) -> dict:
    """What made the track, from the last run's saved record (for the report and the vector exports)."""
    run = project.meta.run
    if run is None:
        return {"engine": "unknown"}
    info = dict(run.engine_info or {"engine": run.engine or "unknown"})
    if run.note:
        info["note"] = run.note
    return info


def scar_names(project: Project) -> dict[int, str]:
    """{object id: name} of the project's scars (:mod:`tracking.project.objects`)."""
    from tracking.project.objects import scar_objects

    return {o.id: o.name for o in scar_objects(project)}


def exports_key(project: Project, shapefile: bool = True, units: Units | None = None) -> str:
    """Digest of everything the exports depend on (``units``: the report's unit choice)."""
    root = project.root
    parts = {name: _file_digest(root / name)
             for name in ("frames.json", "track.npz", "prompts.json", "prompt_masks.npz")}
    parts["frames"] = project.meta.frames_hash or _file_digest(root / "frames.npz")
    parts["reference"] = _file_digest(reference_path(project))
    parts["engine"] = recorded_engine_provenance(project)
    parts["shapefile"] = shapefile
    parts["units"] = [units.area.key, units.period] if units is not None else None
    parts["names"] = scar_names(project)
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def current_exports(project: Project, shapefile: bool = True, units: Units | None = None) -> ExportSet | None:
    """The exports on disk when they match the project as it is now (and ``units``), else None."""
    return _saved_exports(project, exports_key(project, shapefile, units))


def _saved_exports(project: Project, key: str) -> ExportSet | None:
    """The exports on disk when their manifest holds ``key`` and every file is there, else None."""
    manifest = project.exports / _MANIFEST
    try:
        saved = json.loads(manifest.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    if saved.get("key") != key:
        return None
    paths = {k: project.exports / name for k, name in saved.get("files", {}).items()}
    if not paths or not all(p.exists() for p in paths.values()):
        return None
    return ExportSet(paths, False, str(saved.get("note", "")))


def _reference_masks(project: Project, grid) -> tuple[dict | None, str]:
    """The project's reference on ``grid`` and "", or None and why it cannot be used."""
    path = reference_path(project)
    if path is None:
        return None, ""
    try:
        return load_reference(path, grid), ""
    except InputError as exc:
        return None, f"{exc} The exports were made without accuracy figures."


def ensure_exports(project: Project, shapefile: bool = True, units: Units | None = None) -> ExportSet:
    """The project's exports, made again only when the track (or anything else they show) changed.

    ``units``: the report's area unit and rate period (default ha per year; px² on a pixel grid).
    Raises InputError when the project has no frames or masks yet.
    """
    key = exports_key(project, shapefile, units)
    ready = _saved_exports(project, key)
    if ready is not None:
        return ready
    from tracking.exports.bundle import export_all

    frames, track = project.load_frames(), project.load_track()
    if frames is None or track is None or not track.objects:
        raise InputError("Nothing to export yet: track the series on the Track page first.")
    out = project.exports
    (out / _MANIFEST).unlink(missing_ok=True)
    for old in out.iterdir():
        if old.is_file():
            old.unlink()
    reference, note = _reference_masks(project, frames.grid)  # a bad reference costs only the accuracy
    paths = export_all(out, frames, track, recorded_engine_provenance(project), project.load_prompts(),
                       reference=reference, shapefile=shapefile, units=units, names=scar_names(project))
    write_json(out / _MANIFEST, {"key": key, "files": {k: Path(p).name for k, p in paths.items()}, "note": note})
    return ExportSet({k: Path(p) for k, p in paths.items()}, True, note)


def ordered(paths: dict[str, Path]) -> list[tuple[str, Path]]:
    """(kind, path) in the order of ``EXPORTS``, unknown kinds last."""
    known = [(k, paths[k]) for k in EXPORTS if k in paths]
    return known + [(k, p) for k, p in paths.items() if k not in EXPORTS]
