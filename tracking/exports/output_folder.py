"""The ``track`` command's output folder, written and read back (for ``evaluate`` and ``batch``).

Layout: ``OUT/manifest.json`` with ``"grid"`` (``Grid.to_dict``) and ``"frames"``,
a list of ``{"date": "YYYY-MM-DD", ...}`` in frame order (an optional
``"provenance"`` per frame: one value, or ``{object id: value}``), and
``OUT/masks/YYYY-MM-DD.tif``: uint8 on the grid, 0 = background, else the object id.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
from rasterio.errors import RasterioIOError

from tracking.core.acqdate import from_iso
from tracking.core.atomic import atomic_path, write_json
from tracking.core.errors import InputError
from tracking.core.frames import Frames
from tracking.core.grid import Grid
from tracking.core.prompts import Prompt
from tracking.core.raster_io import open_raster
from tracking.core.track import Provenance, Track
from tracking.exports.report_provenance import software_versions


def write_date_masks(out_dir: Path, frames: Frames, track: Track) -> list[Path]:
    """``out_dir/masks/YYYY-MM-DD.tif``: (H, W) uint8 on the grid, 0 = background, else the object id."""
    folder = Path(out_dir) / "masks"
    folder.mkdir(parents=True, exist_ok=True)
    grid = frames.grid
    profile = {"driver": "GTiff", "width": grid.width, "height": grid.height, "count": 1, "dtype": "uint8",
               "compress": "deflate", "nodata": None}
    if grid.crs is not None:
        profile.update(crs=grid.crs, transform=grid.transform)
    paths = []
    for i, date in enumerate(frames.dates):
        path = folder / f"{date.isoformat()}.tif"
        with atomic_path(path) as tmp, open_raster(tmp, "w", **profile) as dst:
            dst.write(track.label_image(i), 1)
            dst.update_tags(DATE=date.isoformat(), SOURCE=frames.sources[i])
        paths.append(path)
    return paths


def build_manifest(frames: Frames, track: Track, engine_info: dict, prompts: list[Prompt],
                   timings: dict, problems: list[str]) -> dict:
    """Everything needed to trust and reproduce a run, as JSON-ready data."""
    rows = []
    bad = frames.bad
    for i, date in enumerate(frames.dates):
        rows.append({
            "index": i,
            "date": date.isoformat(),
            "source": frames.sources[i],
            "quality": frames.quality[i].to_dict(),
            "skipped": bool(bad[i]),
            "provenance": {str(oid): obj.provenance[i].value for oid, obj in track.objects.items()},
            "confidence": {str(oid): _finite(obj.confidence[i]) for oid, obj in track.objects.items()},
            "area_px": {str(oid): int(obj.masks[i].sum()) for oid, obj in track.objects.items()},
        })
    return {
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "grid": frames.grid.to_dict(),
        "frames": rows,
        "engine": engine_info,
        "prompts": [{**p.to_dict(), "date": frames.dates[p.frame].isoformat()} for p in prompts],
        "timings": {k: round(float(v), 3) for k, v in timings.items()},
        "problems": problems,
        "software": software_versions(),
    }


def write_manifest(out_dir: Path, manifest: dict) -> Path:
    """Write ``manifest.json`` into ``out_dir`` atomically and return its path."""
    path = Path(out_dir) / "manifest.json"
    write_json(path, manifest)
    return path


def _finite(v) -> float | None:
    v = float(v)
    return None if np.isnan(v) else round(v, 4)


def load_track_output(out_dir: str | Path) -> tuple[Grid, list[dt.date], Track]:
    """(grid, frame dates, track) from a ``track`` output folder.

    A frame without a mask file is left untracked (provenance NONE).
    """
    out_dir = Path(out_dir)
    manifest_path = out_dir / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text())
        grid = Grid.from_dict(manifest["grid"])
        frames = manifest["frames"]
        dates = [from_iso(str(f["date"])) for f in frames]
    except FileNotFoundError as exc:
        raise InputError(f"{manifest_path} is missing: is {out_dir} the output folder of the track command?") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{manifest_path} is not a track manifest (it needs a grid and dated frames).") from exc
    labels = [_read_labels(out_dir / "masks" / f"{d.isoformat()}.tif", grid) for d in dates]
    ids = sorted({int(v) for lab in labels if lab is not None for v in np.unique(lab) if v})
    track = Track.empty(len(dates), grid.shape)
    for oid in ids:
        obj = track.obj(oid)
        for i, lab in enumerate(labels):
            if lab is None:
                continue
            obj.masks[i] = lab == oid
            obj.provenance[i] = _provenance(frames[i].get("provenance"), oid)
            obj.confidence[i] = _confidence(frames[i].get("confidence"), oid)
    return grid, dates, track


def _read_labels(path: Path, grid: Grid) -> np.ndarray | None:
    if not path.exists():
        return None
    try:
        with open_raster(path) as src:
            labels = src.read(1)
    except RasterioIOError as exc:
        raise InputError(f"The mask {path.name} cannot be read as a raster.") from exc
    if labels.shape != grid.shape:
        raise InputError(f"The mask {path.name} is {labels.shape[1]}x{labels.shape[0]} pixels, "
                         f"but the manifest's grid is {grid.width}x{grid.height}.")
    return labels


def _per_object(value, oid: int):
    if isinstance(value, dict):
        return value.get(str(oid), value.get(oid))
    return value


def _provenance(value, oid: int) -> Provenance:
    """The recorded provenance; a mask file without one counts as propagated (the tracker wrote it)."""
    value = _per_object(value, oid)
    try:
        return Provenance(value) if value is not None else Provenance.PROPAGATED
    except ValueError:
        return Provenance.PROPAGATED


def _confidence(value, oid: int) -> float:
    value = _per_object(value, oid)
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")
