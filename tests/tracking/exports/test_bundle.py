"""Every export opens with geopandas or rasterio, with the right CRS and one row or band per date."""

from __future__ import annotations

import csv
import json
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from PIL import Image

from tests.helpers.frames import make_frames, pixel_grid, utm_grid
from tests.helpers.tracks import DATES, growing_track
from tracking.analysis.measures import evolution_map
from tracking.core.prompts import Prompt
from tracking.core.track import Provenance
from tracking.exports.bundle import export_all

ENGINE = {"engine": "baseline", "model": "colour model"}


@pytest.fixture(scope="module")
def utm_export(tmp_path_factory):
    out = tmp_path_factory.mktemp("export")
    grid = utm_grid(60, 40, pixel=10.0)
    frames = make_frames(grid=grid, dates=DATES, pattern="smooth", bad={2})
    track = growing_track(grid, DATES, [5, 8, 8, 12], second_object=True)
    track.objects[1].provenance[2] = Provenance.CARRIED
    reference = {DATES[0]: track.union(0), DATES[3]: track.objects[1].masks[2]}
    paths = export_all(out, frames, track, ENGINE, [Prompt(0, 1, points=[[20, 20]], labels=[1])],
                       reference=reference, shapefile=True)
    return out, paths, frames, track


def test_export_all_writes_every_file_atomically(utm_export):
    out, paths, _, _ = utm_export
    assert set(paths) == {"gpkg", "geojson", "shapefile", "masks", "metrics", "evolution_tif", "evolution_png",
                          "gif", "accuracy", "report"}
    for p in paths.values():
        assert p.parent == out and p.stat().st_size > 0
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_gpkg_layer_scars_one_row_per_date_and_object_in_grid_crs(utm_export):
    _, paths, frames, track = utm_export
    gdf = gpd.read_file(paths["gpkg"], layer="scars")
    assert gdf.crs.to_epsg() == 32648
    assert len(gdf) == len(DATES) * 2
    for col in ("date", "object", "area_m2", "perimeter_m", "gain_m2", "loss_m2", "provenance", "engine"):
        assert col in gdf.columns
    assert sorted(set(pd.to_datetime(gdf["date"]).dt.date)) == DATES
    import sqlite3

    with sqlite3.connect(paths["gpkg"]) as db:  # a real DATE field, not TEXT (QGIS's temporal controller)
        types = {row[1]: row[2] for row in db.execute("PRAGMA table_info(scars)")}
    assert types["date"] == "DATE"
    one = gdf[gdf["object"] == 1].sort_values("date")
    areas = [track.objects[1].masks[i].sum() * 100.0 for i in range(len(DATES))]
    np.testing.assert_allclose(one["area_m2"], areas)
    # The geometry is the measured outline: within half a pixel (5 m) of the pixel edges, so its area
    # differs from the pixel area by less than 5 m x perimeter (in practice under a quarter of that);
    # its length is perimeter_m.
    assert np.all(np.abs(one.geometry.area - areas) < 5.0 * one["perimeter_m"] * 0.25)
    np.testing.assert_allclose(one.geometry.area, areas, rtol=0.04)
    np.testing.assert_allclose(one.geometry.length, one["perimeter_m"], rtol=1e-9)
    assert list(one["provenance"]) == ["prompted", "propagated", "carried", "propagated"]
    assert set(gdf["engine"]) == {"baseline"}
    assert one["gain_m2"].isna().iloc[0] and one["gain_m2"].iloc[1] > 0


def test_geojson_is_wgs84_and_matches_gpkg(utm_export):
    _, paths, _, _ = utm_export
    gj = gpd.read_file(paths["geojson"])
    assert gj.crs.to_epsg() == 4326
    assert len(gj) == len(DATES) * 2
    lon, lat = gj.geometry.iloc[0].centroid.coords[0]
    assert 100 < lon < 106 and 29 < lat < 32  # UTM 48N near x = 400 km, y = 3400 km
    back = gj.to_crs(32648)
    gpkg = gpd.read_file(paths["gpkg"], layer="scars")
    np.testing.assert_allclose(back.geometry.area, gpkg.geometry.area, rtol=1e-4)


def test_zipped_shapefile_opens_with_crs(utm_export):
    _, paths, _, _ = utm_export
    with zipfile.ZipFile(paths["shapefile"]) as zf:
        names = set(zf.namelist())
    assert {"scars.shp", "scars.shx", "scars.dbf", "scars.prj"} <= names
    shp = gpd.read_file(f"zip://{paths['shapefile']}!scars.shp")
    assert shp.crs.to_epsg() == 32648 and len(shp) == len(DATES) * 2
    assert "perim_m" in shp.columns


def test_masks_geotiff_one_band_per_date(utm_export):
    _, paths, _, track = utm_export
    with rasterio.open(paths["masks"]) as src:
        assert src.count == len(DATES) and src.dtypes[0] == "uint8"
        assert src.crs.to_epsg() == 32648
        assert list(src.descriptions) == [d.isoformat() for d in DATES]
        data = src.read()
    for i in range(len(DATES)):
        np.testing.assert_array_equal(data[i], track.label_image(i))
    assert set(np.unique(data)) == {0, 1, 2}


def test_evolution_map_geotiff_and_png(utm_export):
    _, paths, _, track = utm_export
    with rasterio.open(paths["evolution_tif"]) as src:
        assert src.crs.to_epsg() == 32648 and src.count == 1 and src.nodata == -1
        np.testing.assert_array_equal(src.read(1), evolution_map(track))
        assert src.tags()["DATE_3"] == DATES[3].isoformat()
    with Image.open(paths["evolution_png"]) as im:
        assert im.format == "PNG" and im.width > 300


def test_metrics_and_accuracy_csv(utm_export):
    _, paths, _, _ = utm_export
    with open(paths["metrics"], newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(DATES) * 2
    assert rows[0]["date"] == DATES[0].isoformat() and rows[0]["gain_m2"] == ""
    assert float(rows[1]["days"]) == (DATES[1] - DATES[0]).days
    with open(paths["accuracy"], newline="") as fh:
        acc = list(csv.DictReader(fh))
    assert [r["date"] for r in acc] == [DATES[0].isoformat(), DATES[3].isoformat(), "mean"]
    assert float(acc[0]["iou"]) == 1.0 and float(acc[1]["iou"]) < 1.0
    assert float(acc[2]["iou"]) == pytest.approx((1.0 + float(acc[1]["iou"])) / 2)


def test_gif_has_one_frame_per_date_with_outline_colour(utm_export):
    _, paths, _, _ = utm_export
    with Image.open(paths["gif"]) as im:
        assert im.n_frames == len(DATES)
        im.seek(len(DATES) - 1)
        rgb = np.asarray(im.convert("RGB"))
    red = (rgb[..., 0] > 200) & (rgb[..., 1] < 80) & (rgb[..., 2] < 80)
    assert red.sum() > 50  # the object 1 outline is drawn


def test_pixel_grid_exports_carry_no_crs(tmp_path):
    grid = pixel_grid(30, 20)
    frames = make_frames(grid=grid, dates=DATES[:2], pattern="smooth")
    track = growing_track(grid, DATES[:2], [3, 5])
    paths = export_all(tmp_path, frames, track, ENGINE, [])
    gdf = gpd.read_file(paths["gpkg"], layer="scars")
    assert gdf.crs is None and len(gdf) == 2
    # every column says pixels: nothing named in metres on a grid without a ground size
    assert {"area_px2", "perimeter_px", "gain_px2", "loss_px2"} <= set(gdf.columns)
    assert not [c for c in gdf.columns if c.endswith(("_m", "_m2"))]
    assert "perim_px" in gpd.read_file(f"zip://{paths['shapefile']}!scars.shp").columns if "shapefile" in paths \
        else True
    assert json.loads(paths["geojson"].read_text())["name"] == "scars"  # not the temporary file's name
    with rasterio.open(paths["masks"]) as src:
        assert src.crs is None and src.count == 2
    with open(paths["metrics"], newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["units"] for r in rows} == {"px"}
    assert float(rows[0]["area_px2"]) == track.objects[1].masks[0].sum()
    assert not [c for c in rows[0] if c.endswith(("_m", "_m2", "_ha")) or "_m2_" in c]
    assert "px²" in paths["report"].read_text(encoding="utf-8")
    assert "no CRS is claimed" in paths["report"].read_text(encoding="utf-8")
