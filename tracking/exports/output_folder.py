"""The ``track`` command's output folder: one mask GeoTIFF per date and ``manifest.json``.

``tracking.exports.output_read.load_track_output`` reads it back (for ``evaluate``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from tracking.core.atomic import atomic_path, write_json
from tracking.core.frames import Frames
from tracking.core.prompts import Prompt
from tracking.exports.report_provenance import software_versions
from tracking.project.serialize import prompt_to_dict
from tracking.core.track import Track
from tracking.core.raster_io import open_raster


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
        "prompts": [{**prompt_to_dict(p), "date": frames.dates[p.frame].isoformat()} for p in prompts],
        "timings": {k: round(float(v), 3) for k, v in timings.items()},
        "problems": problems,
        "software": software_versions(),
    }


def write_manifest(out_dir: Path, manifest: dict) -> Path:
    path = Path(out_dir) / "manifest.json"
    write_json(path, manifest)
    return path


def _finite(v) -> float | None:
    v = float(v)
    return None if np.isnan(v) else round(v, 4)
