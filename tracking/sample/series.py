"""The sample series: the project's own synthetic landslide time series with true masks.

It is the dashboard's built-in default, the fixture of the tests and the benchmark
the trackers are judged on. ``generate_sample`` writes::

    OUT/scenes/*.tif          >= 12 scenes, 4-band uint16 reflectance x 10000 (B, G, R, NIR), nodata 0
    OUT/truth/YYYY-MM-DD.tif  uint8 scar mask per date on the reference grid (the first scene's)
    OUT/prompt.geojson        the first-date scar outline (Polygon, EPSG:32648)
    OUT/prompt_points.geojson 3 positive and 2 negative clicks on the first date
    OUT/prompt_box.geojson    the first-date scar's bounding box (kind = "box")
    OUT/sample.json           what was written and why (dates, sensors, distractors, events)
    OUT/COMPLETE              written last

The world itself is built in :mod:`tracking.sample.synth`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.crs import CRS
from rasterio.warp import Resampling, reproject

from tracking.core.atomic import write_json
from tracking.core.errors import InputError
from tracking.core.grid import Grid
from tracking.sample.synth import prompts as prompt_geom
from tracking.sample.synth.layout import CRS as CRS_NAME
from tracking.sample.synth.layout import LONLAT, PIXEL_M
from tracking.sample.synth.render import World, build_scar, build_world, render
from tracking.sample.synth.schedule import OTHER_GRID, Acquisition, plan
from tracking.sample.synth.sensor import (
    OTHER_PIXEL_M,
    calibrate,
    draw_radiometry,
    nodata_edge,
    to_dn,
    to_other_grid,
)
from tracking.sample.synth.writer import feature, write_geojson, write_scene, write_truth

SAMPLE_VERSION = "sample-v2"  # bump whenever the default sample's files change
MARKER = "COMPLETE"
DEFAULT_SEED, DEFAULT_SIZE, DEFAULT_DATES = 7, 256, 14
DISTRACTORS = {
    "road": "a concrete valley road on the west bank (buried by the deposit at the failure) and a "
            "switchback branch climbing the slope a few tens of metres from the scar's downstream flank",
    "outcrops": "bare rock outcrops on steep high ground (about 3 % of the area), one placed just "
                "upstream of the scar, with a spectrum close to the scar's",
    "river": "the river on the valley floor with gravel bars; higher and muddier in summer; pushed "
             "against the east bank by the deposition fan after the failure",
    "fields_village": "terraced fields (summer and winter crops, fallow, bright plastic tunnels) and a "
                      "village on the east-bank terrace; bare fields are bright in winter",
    "seasons": "green summers, brown dry winters, light snow above the scar in one winter scene",
    "clouds": "one frame mostly overcast with cloud shadows; fair-weather cumulus on a few others",
    "sensors": "per-scene gain, haze offset and noise; PlanetScope-like and archive scenes with their "
               "own band calibration; sub-pixel co-registration jitter; one scene with a no-data swath edge",
}


@dataclass
class SampleSeries:
    """Where a generated sample lives and its dates (one scene and one true mask per date)."""

    root: Path
    scenes_dir: Path
    truth_dir: Path
    dates: list[dt.date]
    prompt_path: Path
    prompt_points_path: Path
    prompt_box_path: Path

    def truth_path(self, day: dt.date) -> Path:
        return self.truth_dir / f"{day.isoformat()}.tif"


def _check(size: int, n_dates: int) -> None:
    if not 64 <= size <= 2048:
        raise InputError(f"The sample size must be between 64 and 2048 pixels, not {size}.")
    if not 12 <= n_dates <= 40:
        raise InputError(f"The sample needs between 12 and 40 dates, not {n_dates}.")


def _series(root: Path, dates: list[dt.date]) -> SampleSeries:
    return SampleSeries(root, root / "scenes", root / "truth", dates, root / "prompt.geojson",
                        root / "prompt_points.geojson", root / "prompt_box.geojson")


def generate_sample(out_dir: Path, seed: int = DEFAULT_SEED, size: int = DEFAULT_SIZE,
                    n_dates: int = DEFAULT_DATES) -> SampleSeries:
    """Write the sample series into ``out_dir`` and describe it; the same seed gives the same files."""
    _check(size, n_dates)
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    (root / MARKER).unlink(missing_ok=True)
    _remove_previous(root)
    streams, acqs, failure_t, years = _schedule(seed, n_dates)
    world = build_world(size, [np.random.default_rng(s) for s in streams[1:5]], years, failure_t)
    scene_rngs = [np.random.default_rng(s) for s in streams[5].spawn(n_dates)]
    series = _series(root, [a.date for a in acqs])
    scenes = [_write_acquisition(world, a, series.scenes_dir, r) for a, r in zip(acqs, scene_rngs)]
    truth = _write_truth(world, series)
    _write_prompts(world, series)
    manifest = _manifest(seed, size, acqs, failure_t, years, scenes, truth, series)
    write_json(root / "sample.json", manifest)
    write_json(root / MARKER, _marker(seed, size, n_dates))
    return series


def true_masks(seed: int = DEFAULT_SEED, size: int = DEFAULT_SIZE,
               n_dates: int = DEFAULT_DATES) -> dict[dt.date, np.ndarray]:
    """{date: (size, size) bool} the true masks :func:`generate_sample` writes for the same
    arguments, computed without the terrain, the land cover or any scene (nothing is written)."""
    _check(size, n_dates)
    streams, acqs, failure_t, years = _schedule(seed, n_dates)
    layout, _, states = build_scar(size, [np.random.default_rng(s) for s in streams[1:5]], years,
                                   failure_t)
    return {a.date: layout.crop(state.mask).copy() for a, state in zip(acqs, states)}


def _schedule(seed: int, n_dates: int) -> tuple[list[np.random.SeedSequence], list[Acquisition],
                                                 float, list[float]]:
    """(the seed's six streams, acquisitions, failure time, years since the first date of each)."""
    streams = np.random.SeedSequence(seed).spawn(6)
    acqs, failure_t = plan(np.random.default_rng(streams[0]), n_dates)
    years = [(a.date - acqs[0].date).days / 365.25 for a in acqs]
    return streams, acqs, failure_t, years


def _remove_previous(root: Path) -> None:
    """Delete the scenes and masks an earlier run listed in ``root/sample.json`` (and only those)."""
    try:
        old = json.loads((root / "sample.json").read_text())
        names = [root / "scenes" / Path(s["file"]).name for s in old["scenes"]]
        names += [root / "truth" / Path(t["file"]).name for t in old["truth"]]
    except (OSError, ValueError, KeyError, TypeError):
        return
    for path in names:
        path.unlink(missing_ok=True)


def _write_acquisition(world: World, acq: Acquisition, scenes_dir: Path,
                       rng: np.random.Generator) -> dict:
    layout = world.layout
    refl, facts = render(world, acq, rng)
    rad = draw_radiometry(acq.sensor, rng, reference=acq.index == 0)
    seen = calibrate(refl, rad)
    if acq.grid == OTHER_GRID:
        image, transform = to_other_grid(seen, layout)
    else:
        image, transform = layout.crop(seen), layout.reference_transform
    dn = to_dn(image, rad, rng)
    nodata = 0.0
    if acq.nodata_edge:
        edge = nodata_edge(dn.shape[1:], rng)
        dn[:, edge] = 0
        nodata = float(edge.mean())
    write_scene(scenes_dir / acq.file_name, dn, transform, acq.when, acq.sensor)
    return {"file": acq.file_name, "date": acq.date.isoformat(), "datetime": acq.when.isoformat() + "Z",
            "sensor": acq.sensor, "naming": acq.naming,
            "date_in": "TIFFTAG_DATETIME only" if acq.naming == "tag_only" else "file name and TIFFTAG_DATETIME",
            "grid": acq.grid, "pixel_size_m": OTHER_PIXEL_M if acq.grid == OTHER_GRID else PIXEL_M,
            "width": int(dn.shape[2]), "height": int(dn.shape[1]), "transform": list(transform)[:6],
            "clouds": acq.clouds, "nodata_fraction": round(nodata, 3), **facts, **rad.to_dict()}


def _write_truth(world: World, series: SampleSeries) -> list[dict]:
    out = []
    for day, state in zip(series.dates, world.states):
        mask = world.layout.crop(state.mask)
        write_truth(series.truth_path(day), mask, world.layout.reference_transform)
        out.append({"date": day.isoformat(), "file": f"truth/{day.isoformat()}.tif",
                    "area_m2": float(mask.sum()) * PIXEL_M * PIXEL_M})
    return out


def _write_prompts(world: World, series: SampleSeries) -> None:
    mask = world.layout.crop(world.states[0].mask)
    transform = world.layout.reference_transform
    day = series.dates[0].isoformat()
    poly = prompt_geom.outline(mask, transform)
    write_geojson(series.prompt_path, [feature(prompt_geom.polygon_geometry(poly), date=day, object=1)])
    positives, negatives = prompt_geom.click_pixels(mask)
    points = [feature(prompt_geom.pixel_to_point(r, c, transform), date=day, object=1, label=1)
              for r, c in positives]
    points += [feature(prompt_geom.pixel_to_point(r, c, transform), date=day, object=1, label=0)
               for r, c in negatives]
    write_geojson(series.prompt_points_path, points)
    write_geojson(series.prompt_box_path,
                  [feature(prompt_geom.bbox_polygon(mask, transform), date=day, object=1, kind="box")])


def _manifest(seed: int, size: int, acqs: list[Acquisition], failure_t: float, years: list[float],
              scenes: list[dict], truth: list[dict], series: SampleSeries) -> dict:
    k = next(i for i, y in enumerate(years) if y >= failure_t)
    failure_day = acqs[0].date + dt.timedelta(days=round(failure_t * 365.25))
    grid = Grid(CRS.from_string(CRS_NAME), Affine(*scenes[0]["transform"]), size, size)
    return {
        "version": SAMPLE_VERSION, "generator": "tracking.sample.series.generate_sample", "seed": seed,
        "size": size, "n_dates": len(acqs), "crs": CRS_NAME, "pixel_size_m": PIXEL_M,
        "location": {"lon": LONLAT[0], "lat": LONLAT[1],
                     "description": "synthetic valley modelled on the Min river near Wenchuan, Sichuan"},
        "reference_scene": scenes[0]["file"], "reference_grid": grid.to_dict(),
        "dates": [d.isoformat() for d in series.dates], "scenes": scenes, "truth": truth,
        "events": {"creep": [acqs[0].date.isoformat(), acqs[k - 1].date.isoformat()],
                   "failure_date": failure_day.isoformat(),
                   "failure_between": [acqs[k - 1].date.isoformat(), acqs[k].date.isoformat()],
                   "failure_index": k,
                   "after": "the crown retreats upslope and the flanks and the fan widen every year; "
                            "the oldest bare ground slowly revegetates"},
        "truth_meaning": "1 = the whole landslide scar (source area, runout track and deposition fan) where "
                         "it is on the ground; the scenes' co-registration jitter (jitter_px) is not applied",
        "prompts": {"polygon": series.prompt_path.name, "points": series.prompt_points_path.name,
                    "box": series.prompt_box_path.name, "date": series.dates[0].isoformat()},
        "distractors": DISTRACTORS,
    }


def _marker(seed: int, size: int, n_dates: int) -> dict:
    return {"version": SAMPLE_VERSION, "seed": seed, "size": size, "n_dates": n_dates}


def read_sample(root: Path) -> SampleSeries:
    """The SampleSeries of a folder written by :func:`generate_sample`."""
    root = Path(root)
    path = root / "sample.json"
    try:
        manifest = json.loads(path.read_text())
        dates = [dt.date.fromisoformat(d) for d in manifest["dates"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path} is not a sample description written by the sample generator ({exc}).")
    return _series(root, dates)


def default_cache_dir() -> Path:
    """Where the sample lives: $LANDSLIDE_SAMPLE_DIR, else a versioned folder in ~/.cache."""
    env = os.environ.get("LANDSLIDE_SAMPLE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "landslide-tracker" / SAMPLE_VERSION


def _is_complete(root: Path) -> bool:
    try:
        marker = json.loads((root / MARKER).read_text())
    except (OSError, ValueError):
        return False
    return marker == _marker(DEFAULT_SEED, DEFAULT_SIZE, DEFAULT_DATES) and (root / "sample.json").is_file()


def ensure_sample(cache_dir: Path | None = None) -> SampleSeries:
    """The default sample in ``cache_dir`` (default :func:`default_cache_dir`), generated once.

    A complete folder (its marker is written last) is reused; an incomplete or outdated
    one is replaced. Generation happens in a sibling temporary folder that is renamed
    into place, so concurrent callers never see half a sample.
    """
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    if _is_complete(root):
        return read_sample(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.", dir=root.parent))
    stale = root.with_name(f".{root.name}.stale-{uuid.uuid4().hex[:8]}")
    try:
        generate_sample(tmp, DEFAULT_SEED, DEFAULT_SIZE, DEFAULT_DATES)
        if _is_complete(root):  # another process finished first
            return read_sample(root)
        if root.exists():
            os.replace(root, stale)
        try:
            os.replace(tmp, root)
        except OSError:
            if not _is_complete(root):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(stale, ignore_errors=True)
    return read_sample(root)


def load_truth(series: SampleSeries) -> dict[dt.date, tuple[np.ndarray, Affine, CRS]]:
    """{date: (mask (H, W) bool, transform, crs)} of every true mask, on the reference grid."""
    out = {}
    for day in series.dates:
        path = series.truth_path(day)
        try:
            with rasterio.open(path) as src:
                out[day] = (src.read(1) > 0, src.transform, src.crs)
        except rasterio.errors.RasterioIOError as exc:
            raise InputError(f"The true mask {path} cannot be read ({exc}).")
    return out


def truth_on_grid(series: SampleSeries, grid: Grid) -> dict[dt.date, np.ndarray]:
    """{date: (H, W) bool} true masks resampled (nearest neighbour) onto ``grid``.

    A pixel grid without CRS must have the reference grid's shape (it then is that grid).
    """
    out = {}
    for day, (mask, transform, crs) in load_truth(series).items():
        if grid.crs is None:
            if mask.shape != grid.shape:
                raise InputError(f"The pixel grid {grid.shape} does not match the true masks in "
                                 f"{series.truth_dir} ({mask.shape}).")
            out[day] = mask.copy()
            continue
        dst = np.zeros(grid.shape, np.uint8)
        reproject(mask.astype(np.uint8), dst, src_transform=transform, src_crs=crs,
                  dst_transform=grid.transform, dst_crs=grid.crs, resampling=Resampling.nearest)
        out[day] = dst > 0
    return out
