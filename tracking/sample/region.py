"""A synthetic region: the sample's landslide placed several times in one larger scene stack.

The ``batch`` command's offline test bed. Each landslide is one synthetic world of the
sample generator (its own valley, land cover and landslide history), drawn on one tile
of a larger grid; every date shares one acquisition (sensor calibration, haze, noise and
co-registration shift), so each scene covers the whole region. ``generate_region`` writes::

    OUT/scenes/*.tif                one 4-band uint16 scene per date (B, G, R, NIR; x 10000; nodata 0)
    OUT/truth/<id>/YYYY-MM-DD.tif   uint8 scar mask of one landslide per date on the region grid
    OUT/inventory.gpkg              layer "landslides": id, date (when it was mapped), its outline
                                    on that date; in EPSG:4326 (a CRS unlike the scenes')
    OUT/region.json                 what was written: dates, tiles, each landslide's failure
    OUT/COMPLETE                    written last

Landslides fail at different dates and some are mapped on a later date than the first,
so the batch tracks both ways. Tiles past the last landslide hold no data.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from affine import Affine
from rasterio.crs import CRS

from tracking.core.atomic import write_json
from tracking.core.errors import InputError
from tracking.sample.series import MARKER, SampleSeries
from tracking.sample.synth import prompts as prompt_geom
from tracking.sample.synth.layout import CRS as CRS_NAME
from tracking.sample.synth.layout import ORIGIN, PIXEL_M
from tracking.sample.synth.render import World, build_world, render
from tracking.sample.synth.schedule import NAMINGS, Acquisition, draw_dates, failure_time, file_name
from tracking.sample.synth.sensor import calibrate, draw_radiometry, to_dn
from tracking.sample.synth.writer import write_scene, write_truth

REGION_VERSION = "region-v1"
DEFAULT_SEED, DEFAULT_LANDSLIDES, DEFAULT_DATES, DEFAULT_TILE = 11, 4, 6, 150
INVENTORY_LAYER = "landslides"


@dataclass
class SampleRegion:
    """Where a generated region lives: scenes, inventory, dates and the landslide ids."""

    root: Path
    scenes_dir: Path
    inventory_path: Path
    dates: list[dt.date]
    ids: list[str]

    def series(self, landslide_id: str) -> SampleSeries:
        """One landslide seen as a sample series (its truth folder), for ``series.truth_on_grid``."""
        return SampleSeries(self.root, self.scenes_dir, self.root / "truth" / landslide_id, self.dates,
                            self.inventory_path, self.inventory_path, self.inventory_path)


def _check(n_landslides: int, n_dates: int, tile: int) -> None:
    if not 1 <= n_landslides <= 64:
        raise InputError(f"A sample region holds 1 to 64 landslides, not {n_landslides}.")
    if not 4 <= n_dates <= 40:
        raise InputError(f"A sample region needs between 4 and 40 dates, not {n_dates}.")
    if not 96 <= tile <= 512:
        raise InputError(f"A region tile must be between 96 and 512 pixels, not {tile}.")


def tile_layout(n_landslides: int) -> tuple[int, int]:
    """(rows, columns) of tiles: as square as possible, columns first."""
    cols = math.ceil(math.sqrt(n_landslides))
    return math.ceil(n_landslides / cols), cols


def generate_region(out_dir: Path, seed: int = DEFAULT_SEED, n_landslides: int = DEFAULT_LANDSLIDES,
                    n_dates: int = DEFAULT_DATES, tile: int = DEFAULT_TILE) -> SampleRegion:
    """Write the region into ``out_dir`` (see the module doc); the same arguments give the same files."""
    _check(n_landslides, n_dates, tile)
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    (root / MARKER).unlink(missing_ok=True)
    streams = np.random.SeedSequence(seed).spawn(3 + n_landslides)
    acqs, years = _acquisitions(np.random.default_rng(streams[0]), n_dates)
    fail_rng = np.random.default_rng(streams[1])
    worlds, failures = [], []
    for k in range(n_landslides):
        rngs = [np.random.default_rng(s) for s in streams[3 + k].spawn(4)]
        failure_t = failure_time(fail_rng, years, 2 + k % (n_dates - 2))
        worlds.append(build_world(tile, rngs, years, failure_t))
        failures.append(failure_t)
    ids = [f"LS-{k + 1:02d}" for k in range(n_landslides)]
    region = SampleRegion(root, root / "scenes", root / "inventory.gpkg", [a.date for a in acqs], ids)
    scene_rng = np.random.default_rng(streams[2])
    scenes = [_write_scene(worlds, a, region, tile, scene_rng) for a in acqs]
    mapped = _write_truth(worlds, region, tile)
    _write_inventory(region, worlds, tile, mapped)
    write_json(root / "region.json", _manifest(seed, tile, region, scenes, failures, mapped, acqs))
    write_json(root / MARKER, {"version": REGION_VERSION, "seed": seed, "landslides": n_landslides,
                               "dates": n_dates, "tile": tile})
    return region


def _acquisitions(rng: np.random.Generator, n: int) -> tuple[list[Acquisition], list[float]]:
    """Sentinel-2 acquisitions on ``n`` irregular dates; fair-weather cumulus on one of them."""
    dates = draw_dates(rng, n)
    acqs = []
    for i, d in enumerate(dates):
        sensor = "Sentinel-2" + str(rng.choice(["A", "B"]))
        when = dt.datetime(d.year, d.month, d.day, 3, int(rng.integers(40, 50)), int(rng.integers(0, 60)))
        acq = Acquisition(i, when, sensor, NAMINGS[i % len(NAMINGS)])
        if i == n // 2 + 1:
            acq.clouds, acq.cloud_fraction = "cumulus", float(rng.uniform(0.02, 0.05))
        acq.file_name = file_name(acq, rng)
        acqs.append(acq)
    return acqs, [(d - dates[0]).days / 365.25 for d in dates]


def region_transform(tile: int, row: int = 0, col: int = 0) -> Affine:
    """The transform of the region grid (``row``, ``col`` = 0) or of one tile of it."""
    return Affine(PIXEL_M, 0.0, ORIGIN[0] + col * tile * PIXEL_M, 0.0, -PIXEL_M, ORIGIN[1] - row * tile * PIXEL_M)


def _place(n: int, tile: int) -> tuple[int, int, list[tuple[int, int]]]:
    rows, cols = tile_layout(n)
    return rows * tile, cols * tile, [(k // cols, k % cols) for k in range(n)]


def _write_scene(worlds: list[World], acq: Acquisition, region: SampleRegion, tile: int,
                 rng: np.random.Generator) -> dict:
    """Render every tile of one date with the date's calibration and write the region's scene."""
    height, width, cells = _place(len(worlds), tile)
    rad = draw_radiometry(acq.sensor, rng, reference=acq.index == 0)
    mosaic = np.zeros((4, height, width), np.float32)
    covered = np.zeros((height, width), bool)
    clouds = []
    for world, (r, c) in zip(worlds, cells):
        refl, facts = render(world, acq, rng)
        mosaic[:, r * tile:(r + 1) * tile, c * tile:(c + 1) * tile] = world.layout.crop(calibrate(refl, rad))
        covered[r * tile:(r + 1) * tile, c * tile:(c + 1) * tile] = True
        clouds.append(facts["cloud_fraction"])
    dn = to_dn(mosaic, rad, rng)
    dn[:, ~covered] = 0
    write_scene(region.scenes_dir / acq.file_name, dn, region_transform(tile), acq.when, acq.sensor)
    return {"file": acq.file_name, "date": acq.date.isoformat(), "sensor": acq.sensor,
            "width": width, "height": height, "cloud_fraction": round(float(np.mean(clouds)), 3),
            **rad.to_dict()}


def _mapped_index(k: int, n_dates: int) -> int:
    """The date index each landslide's inventory outline was mapped on: every second one mid-series."""
    return n_dates // 2 if k % 2 else 0


def _write_truth(worlds: list[World], region: SampleRegion, tile: int) -> list[int]:
    """Each landslide's true masks on the region grid; returns each one's mapped date index."""
    height, width, cells = _place(len(worlds), tile)
    mapped = []
    for k, (world, (r, c), lid) in enumerate(zip(worlds, cells, region.ids)):
        for day, state in zip(region.dates, world.states):
            mask = np.zeros((height, width), bool)
            mask[r * tile:(r + 1) * tile, c * tile:(c + 1) * tile] = world.layout.crop(state.mask)
            write_truth(region.series(lid).truth_path(day), mask, region_transform(tile))
        mapped.append(_mapped_index(k, len(region.dates)))
    return mapped


def _write_inventory(region: SampleRegion, worlds: list[World], tile: int, mapped: list[int]) -> None:
    """inventory.gpkg: each landslide's outline on its mapped date, in EPSG:4326, with a Date field."""
    import geopandas as gpd

    from tracking.exports.vector import write_gpkg

    _, _, cells = _place(len(worlds), tile)
    geoms, dates = [], []
    for world, (r, c), k in zip(worlds, cells, mapped):
        mask = world.layout.crop(world.states[k].mask)
        geoms.append(prompt_geom.outline(mask, region_transform(tile, r, c)))
        dates.append(region.dates[k])
    gdf = gpd.GeoDataFrame({"id": region.ids, "date": dates},
                           geometry=geoms, crs=CRS_NAME).to_crs("EPSG:4326")
    write_gpkg(region.inventory_path, gdf, layer=INVENTORY_LAYER)


def _manifest(seed: int, tile: int, region: SampleRegion, scenes: list[dict], failures: list[float],
              mapped: list[int], acqs: list[Acquisition]) -> dict:
    rows, cols = tile_layout(len(region.ids))
    start = acqs[0].date
    slides = []
    for k, lid in enumerate(region.ids):
        fail_day = start + dt.timedelta(days=round(failures[k] * 365.25))
        slides.append({"id": lid, "tile": [k // cols, k % cols], "failure_date": fail_day.isoformat(),
                       "mapped_on": region.dates[mapped[k]].isoformat(),
                       "truth": f"truth/{lid}/"})
    return {"version": REGION_VERSION, "generator": "tracking.sample.region.generate_region", "seed": seed,
            "crs": CRS_NAME, "pixel_size_m": PIXEL_M, "tile_px": tile, "tiles": [rows, cols],
            "grid": {"crs": CRS.from_string(CRS_NAME).to_string(), "transform": list(region_transform(tile))[:6],
                     "width": cols * tile, "height": rows * tile},
            "dates": [d.isoformat() for d in region.dates], "scenes": scenes, "landslides": slides,
            "inventory": {"file": region.inventory_path.name, "layer": INVENTORY_LAYER, "crs": "EPSG:4326",
                          "fields": {"id": "landslide id", "date": "the date the outline was mapped"}}}


def read_region(root: Path) -> SampleRegion:
    """The SampleRegion of a folder written by :func:`generate_region`."""
    root = Path(root)
    path = root / "region.json"
    try:
        manifest = json.loads(path.read_text())
        dates = [dt.date.fromisoformat(d) for d in manifest["dates"]]
        ids = [s["id"] for s in manifest["landslides"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path} is not a region description written by the region generator ({exc}).")
    return SampleRegion(root, root / "scenes", root / manifest["inventory"]["file"], dates, ids)
