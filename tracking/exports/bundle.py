"""Everything the analyst hands on, written in one call (the ``track`` command and the dashboard).

Files in ``out_dir`` (keys of the returned dict in brackets):

- ``scars.gpkg`` [gpkg]: layer ``scars``, one row per date and object, grid CRS;
- ``scars.geojson`` [geojson]: the same in EPSG:4326;
- ``scars_shp.zip`` [shapefile]: the same as a zipped Shapefile, only on request;
- ``masks.tif`` [masks]: one uint8 band per date (0 background, else object id);
- ``metrics.csv`` [metrics]: ``measures.scar_measures`` rows;
- ``evolution.tif`` / ``evolution.png`` [evolution_tif, evolution_png]: first date each pixel was scar;
- ``evolution.gif`` [gif]: the frames with outlines and dates;
- ``accuracy.csv`` [accuracy]: only with a reference;
- ``report.html`` [report]: the self-contained report.

On a pixel grid (no CRS) the files carry no CRS and areas are px² (``units`` column).
Every file is written atomically.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from pathlib import Path

from tracking.analysis.accuracy import METRICS, evaluate, mean_scores
from tracking.analysis.measures import evolution_map, export_columns, scar_measures
from tracking.analysis.reference import load_reference
from tracking.core.atomic import write_bytes
from tracking.core.frames import Frames
from tracking.core.prompts import Prompt
from tracking.core.track import Track
from tracking.core.units import Units
from tracking.exports.raster import write_evolution_tif, write_masks_tif
from tracking.exports.report import write_report
from tracking.exports.vector import scars_frame, write_geojson, write_gpkg, write_shapefile_zip
from tracking.render.animation import write_evolution_gif
from tracking.render.map_images import evolution_png


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


def rows_to_csv(rows: list[dict], columns: list[str] | tuple[str, ...]) -> bytes:
    """CSV bytes with a header; NaN and None become empty cells, dates ISO."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([_cell(r.get(c)) for c in columns])
    return buf.getvalue().encode("utf-8")


def write_metrics_csv(path: str | Path, measures: list[dict], scars: dict[int, str] | None = None) -> Path:
    """One row per date and object; on a pixel grid the metric columns are named in pixels.
    ``scars`` ({object id: name}) adds a ``scar`` column after ``object``."""
    names = export_columns(measures[0]["units"] if measures else "m")
    rows = [{names[k]: v for k, v in row.items() if k in names} for row in measures]
    columns = list(names.values())
    if scars:
        for row in rows:
            row["scar"] = scars.get(int(row["object"]), f"Scar {row['object']}")
        columns.insert(columns.index("object") + 1, "scar")
    write_bytes(path, rows_to_csv(rows, columns))
    return Path(path)


def write_accuracy_csv(path: str | Path, rows: list[dict]) -> Path:
    """Per-date scores and a last row ``mean``."""
    columns = ("date", *METRICS, "pred_px", "ref_px")
    write_bytes(path, rows_to_csv(list(rows) + [{"date": "mean", **mean_scores(rows)}], columns))
    return Path(path)


def export_all(out_dir: str | Path, frames: Frames, track: Track, engine_info: dict, prompts: list[Prompt],
               reference=None, shapefile: bool = False, units: Units | None = None,
               names: dict[int, str] | None = None) -> dict[str, Path]:
    """Write every export into ``out_dir`` and return {kind: path}.

    ``reference`` is None, a path (folder of dated masks or a vector file, see
    ``reference.load_reference``) or an already loaded {date: (H, W) bool}.
    ``units`` is the report's choice of area unit and rate period (default ha per
    year); the data files keep base units (m², per day; px² on a pixel grid).
    ``names``: {object id: the scar's name}, written beside the object id in the outline files.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    grid, dates = frames.grid, frames.dates
    outlines: dict = {}
    measures = scar_measures(track, grid, dates, outlines)
    gdf = scars_frame(track, grid, dates, measures, str(engine_info.get("engine", "")), outlines, names)
    paths = {
        "gpkg": write_gpkg(out / "scars.gpkg", gdf),
        "geojson": write_geojson(out / "scars.geojson", gdf),
        "masks": write_masks_tif(out / "masks.tif", track, grid, dates),
        "metrics": write_metrics_csv(out / "metrics.csv", measures, names),
    }
    if shapefile:
        paths["shapefile"] = write_shapefile_zip(out / "scars_shp.zip", gdf)
    evo = evolution_map(track)
    paths["evolution_tif"] = write_evolution_tif(out / "evolution.tif", evo, grid, dates)
    evo_png = evolution_png(evo, dates, frames.images[-1])
    write_bytes(out / "evolution.png", evo_png)
    paths["evolution_png"] = out / "evolution.png"
    paths["gif"] = write_evolution_gif(out / "evolution.gif", frames, track)
    accuracy = None
    if reference is not None:
        ref = reference if isinstance(reference, dict) else load_reference(reference, grid)
        accuracy = evaluate(track, ref, dates)  # evaluate reads each mask as bool
        paths["accuracy"] = write_accuracy_csv(out / "accuracy.csv", accuracy)
    paths["report"] = write_report(out / "report.html", frames, track, measures, engine_info, prompts, accuracy,
                                   evo_png, units, names)
    return paths
