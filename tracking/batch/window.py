"""The window read around one landslide: its outline buffered in metres, and the frame it is prompted on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely
from pyproj import Transformer
from rasterio.crs import CRS
from rasterio.features import rasterize
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from tracking.core.errors import InputError
from tracking.core.frames import Frames
from tracking.core.prompts import Prompt
from tracking.ingest.scenes import Scene

if TYPE_CHECKING:  # annotations only: the inventory reprojects point outlines with this module
    from tracking.batch.inventory import Landslide


@dataclass(frozen=True)
class Window:
    """bounds: (left, bottom, right, top) in ``crs`` (WKT, metric), the outline buffered by ``buffer_m``."""

    bounds: tuple[float, float, float, float]
    crs: str


def reproject(geom: BaseGeometry, src: str, dst: str) -> BaseGeometry:
    """``geom`` from CRS ``src`` to ``dst`` (any form pyproj reads: WKT, "EPSG:4326", ...)."""
    if CRS.from_user_input(src) == CRS.from_user_input(dst):
        return geom
    return shapely.transform(geom, Transformer.from_crs(src, dst, always_xy=True).transform, interleaved=False)


def metric_crs(geom: BaseGeometry, crs: str) -> str:
    """``crs`` when it is projected in metres, else the UTM zone (WKT) of the geometry's centre."""
    from tracking.ingest.regrid import is_metric, utm_crs_for

    if is_metric(CRS.from_user_input(crs)):
        return crs
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(geom.centroid.x, geom.centroid.y)
    return utm_crs_for(lon, lat).to_wkt()


def landslide_window(slide: Landslide, buffer_m: float) -> Window:
    """The outline's bounds grown by ``buffer_m`` metres on every side, in a metric CRS."""
    if not buffer_m >= 0:
        raise InputError(f"The buffer {buffer_m} is not a non-negative number of metres.")
    crs = metric_crs(slide.outline, slide.crs)
    left, bottom, right, top = reproject(slide.outline, slide.crs, crs).bounds
    return Window((left - buffer_m, bottom - buffer_m, right + buffer_m, top + buffer_m), crs)


def check_covered(slide: Landslide, window: Window, scenes: list[Scene]) -> None:
    """InputError unless the landslide's outline overlaps at least one scene's footprint."""
    for scene in scenes:
        if scene.crs is None:
            continue
        footprint = box(*scene.bounds)
        if reproject(slide.outline, slide.crs, scene.crs.to_wkt()).intersects(footprint):
            return
    raise InputError(f"Landslide {slide.id} lies outside every scene (its outline overlaps none of the "
                     f"{len(scenes)} scenes' footprints); check its coordinates and the inventory's CRS.")


def prompt_frame(frames: Frames, day: dt.date | None) -> int:
    """The good frame nearest to ``day`` (earlier on ties); the first good frame when ``day`` is None."""
    good = frames.good_indices
    if not good:
        raise InputError("Every frame of the window is flagged bad (cloud, snow or no data), so there is "
                         "nothing to track.")
    if day is None:
        return good[0]
    return min(good, key=lambda i: (abs((frames.dates[i] - day).days), frames.dates[i]))


def outline_prompt(slide: Landslide, frames: Frames) -> tuple[Prompt, str | None]:
    """The outline as a mask prompt (object 1) on the frame nearest its date, and a note when the
    date had to move (the outline was mapped on a day without a good scene)."""
    grid = frames.grid
    if grid.crs is None:
        raise InputError("The scenes have no coordinate reference system, so an inventory cannot be placed "
                         "on them.")
    outline = reproject(slide.outline, slide.crs, grid.crs.to_wkt())
    mask = rasterize([(outline, 1)], out_shape=grid.shape, transform=grid.transform, fill=0, dtype="uint8") > 0
    if not mask.any():
        raise InputError(f"Landslide {slide.id}'s outline covers no pixel of the scenes' grid (is it smaller "
                         "than a pixel?).")
    frame = prompt_frame(frames, slide.date)
    note = None
    if slide.date is not None and frames.dates[frame] != slide.date:
        note = (f"The outline of landslide {slide.id} was mapped on {slide.date}; it was placed on the "
                f"nearest good scene date, {frames.dates[frame]}.")
    return Prompt(frame, 1, mask=np.asarray(mask, bool)), note
