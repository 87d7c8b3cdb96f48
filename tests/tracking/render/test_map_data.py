import datetime as dt

import numpy as np
import pytest
from affine import Affine
from pyproj import Transformer
from rasterio.crs import CRS
from shapely.geometry import shape

from tracking.core.grid import Grid
from tracking.core.track import Provenance, Track
from tracking.core.units import units_for
from tracking.render import map_data

UTM = CRS.from_epsg(32648)


def utm_grid(w=60, h=40, px=10.0):
    return Grid(UTM, Affine(px, 0, 400000, 0, -px, 3400000), w, h)


def pixel_grid(w=60, h=40):
    return Grid(None, Affine.identity(), w, h)


def to_wgs(x, y):
    return Transformer.from_crs(UTM, 4326, always_xy=True).transform(x, y)


def to_merc(lon, lat):
    return Transformer.from_crs(4326, 3857, always_xy=True).transform(lon, lat)


def test_map_crs_and_pixel_bounds():
    assert map_data.map_crs(utm_grid()) == "EPSG3857"
    assert map_data.map_crs(pixel_grid()) == "Simple"
    assert map_data.map_bounds(pixel_grid(60, 40)) == [[-40.0, 0.0], [0.0, 60.0]]


def test_map_bounds_contain_grid_corners():
    grid = utm_grid()
    (south, west), (north, east) = map_data.map_bounds(grid)
    x0, y0, x1, y1 = grid.bounds
    for x, y in [(x0, y0), (x0, y1), (x1, y0), (x1, y1)]:
        lon, lat = to_wgs(x, y)
        assert west - 1e-9 <= lon <= east + 1e-9 and south - 1e-9 <= lat <= north + 1e-9
    assert 103.5 < west < 104.5 and 30.5 < south < 31  # UTM 48N, 400 km E, 3400 km N: near 103.96 E, 30.7 N


def test_scene_overlay_puts_a_pixel_where_it_belongs():
    grid = utm_grid(80, 80)
    image = np.zeros((80, 80, 3), np.uint8)
    image[20:24, 50:54] = 255  # a bright 4x4 block
    ov = map_data.scene_overlay(image, None, grid)
    h, w = ov.rgba.shape[:2]
    (south, west), (north, east) = ov.bounds
    # Leaflet stretches the overlay linearly in Web Mercator between its corners.
    mw, ms = to_merc(west, south)
    me, mn = to_merc(east, north)
    bright = ov.rgba[..., 0] > 128
    rows, cols = np.nonzero(bright)
    mx = mw + (cols.mean() + 0.5) / w * (me - mw)
    my = mn - (rows.mean() + 0.5) / h * (mn - ms)
    cx, cy = grid.transform @ (52, 22)  # centre of the block in UTM
    ex, ey = to_merc(*to_wgs(cx, cy))
    pixel_m = (me - mw) / w
    assert abs(mx - ex) < 1.5 * pixel_m and abs(my - ey) < 1.5 * pixel_m


def test_scene_overlay_is_transparent_outside_valid_data():
    grid = pixel_grid(30, 20)
    image = np.full((20, 30, 3), 100, np.uint8)
    valid = np.ones((20, 30), bool)
    valid[:, :10] = False
    ov = map_data.scene_overlay(image, valid, grid)
    assert ov.bounds == [[-20.0, 0.0], [0.0, 30.0]]
    assert ov.rgba.shape == (20, 30, 4)
    assert (ov.rgba[:, :10, 3] == 0).all() and (ov.rgba[:, 10:, 3] == 255).all()


def test_large_grids_are_downsampled_for_display():
    grid = pixel_grid(500, 250)
    ov = map_data.scene_overlay(np.zeros((250, 500, 3), np.uint8), None, grid, max_px=100)
    assert ov.rgba.shape[:2] == (50, 100)
    assert ov.bounds == [[-250.0, 0.0], [0.0, 500.0]]  # same extent
    big = utm_grid(400, 300)
    ov = map_data.scene_overlay(np.zeros((300, 400, 3), np.uint8), None, big, max_px=120)
    assert max(ov.rgba.shape[:2]) <= 121


def test_evolution_overlay_uses_date_colours_without_blending():
    grid = utm_grid(40, 40)
    evo = np.full((40, 40), -1, np.int16)
    evo[5:15, 5:15] = 0
    evo[15:30, 5:30] = 2
    colors = ["#ff0000", "#00ff00", "#0000ff"]
    ov = map_data.evolution_overlay(evo, colors, grid, alpha=200)
    shown = ov.rgba[ov.rgba[..., 3] > 0]
    palette = {(255, 0, 0), (0, 0, 255)}
    assert {tuple(int(v) for v in px[:3]) for px in shown} == palette
    assert set(np.unique(ov.rgba[..., 3])) == {0, 200}


def make_track(n=3, shape=(40, 60)):
    track = Track.empty(n, shape)
    obj = track.obj(1)
    for i in range(n):
        obj.masks[i, 10:20, 10:20 + 5 * i] = True
        obj.provenance[i] = Provenance.PROPAGATED
    obj.provenance[0] = Provenance.PROMPTED
    return track


DATES = [dt.date(2019, 5, 1), dt.date(2020, 5, 1), dt.date(2021, 5, 1)]


def test_outline_features_one_per_tracked_date_in_lonlat():
    grid = utm_grid()
    track = make_track()
    track.objects[1].provenance[1] = Provenance.NONE  # never tracked: left out
    fc = map_data.outline_features(track, grid, DATES, colors=["#000001", "#000002", "#000003"])
    props = [f["properties"] for f in fc["features"]]
    assert [p["date"] for p in props] == ["2019-05-01", "2021-05-01"]
    assert [p["color"] for p in props] == ["#000001", "#000003"]
    assert props[0]["area"] == pytest.approx(100 * 100.0)
    assert props[1]["area_label"] == "2.00 ha"  # 10 x 20 pixels of 100 m²
    geom = shape(fc["features"][0]["geometry"])
    lon, lat = to_wgs(*(grid.transform @ (15, 15)))
    assert geom.contains(shape({"type": "Point", "coordinates": (lon, lat)}))
    (south, west), (north, east) = map_data.features_bounds(fc)
    assert west < lon < east and south < lat < north


def test_outline_features_on_a_pixel_grid_flip_rows():
    grid = pixel_grid()
    fc = map_data.outline_features(make_track(), grid, DATES)
    geom = shape(fc["features"][0]["geometry"])
    minx, miny, maxx, maxy = geom.bounds
    # rows 10..20 become y -20..-10; columns stay x (the outline is smoothed by half a pixel)
    assert minx == pytest.approx(10, abs=0.6) and maxx == pytest.approx(20, abs=0.6)
    assert miny == pytest.approx(-20, abs=0.6) and maxy == pytest.approx(-10, abs=0.6)
    assert fc["features"][0]["properties"]["area_label"] == "100 px²"
    assert len({f["properties"]["color"] for f in fc["features"]}) == 3


def test_features_bounds_none_when_empty():
    assert map_data.features_bounds({"type": "FeatureCollection", "features": []}) is None


def test_tooltip_area_follows_the_unit_choice():
    grid, track = utm_grid(), make_track()  # frame 2: 10 x 20 pixels of 100 m² = 20,000 m²
    labels = {key: map_data.outline_features(track, grid, DATES, units=units_for(grid, key))
              ["features"][2]["properties"]["area_label"] for key in ("m2", "ha", "km2")}
    assert labels == {"m2": "20,000 m²", "ha": "2.00 ha", "km2": "0.020 km²"}
    # a pixel grid says px² whatever the choice
    fc = map_data.outline_features(track, pixel_grid(), DATES, units=units_for(pixel_grid(), "ha"))
    assert fc["features"][2]["properties"]["area_label"] == "200 px²"


def test_plain_grids_fit_the_map_and_outlines_land_on_the_image():
    import datetime as dt

    from affine import Affine

    from tracking.core.grid import Grid
    from tracking.core.track import ObjectTrack, Provenance, Track
    from tracking.render import map_data

    for transform, unit in ((Affine.identity(), 1.0), (Affine(2.0, 0, 0, 0, -2.0, 2.0 * 662), 2.0)):
        grid = Grid(None, transform, 1300, 662)
        south, west = map_data.map_bounds(grid)[0]
        north, east = map_data.map_bounds(grid)[1]
        assert (east - west, north - south) == (1300 * unit, 662 * unit)
        zoom = map_data.zoom_range(grid)
        # the whole scene fits a ~900 px view at the start zoom, and one can zoom out from there
        assert zoom["minZoom"] < zoom["zoom"] and 1300 * unit * 2 ** zoom["zoom"] <= 900
        mask = np.zeros((662, 1300), bool)
        mask[10:60, 20:120] = True  # near the top left of the image
        obj = ObjectTrack(masks=mask[None], provenance=[Provenance.PROMPTED], confidence=np.ones(1))
        feats = map_data.outline_features(Track(1, (662, 1300), {1: obj}), grid, [dt.date(2020, 1, 1)])
        xs, ys = np.array(feats["features"][0]["geometry"]["coordinates"][0]).T
        assert west <= xs.min() and xs.max() <= west + 130 * unit
        assert north - 70 * unit <= ys.min() and ys.max() <= north  # at the top, not flipped to the bottom


def test_outline_tooltips_name_the_scar():
    import datetime as dt

    from affine import Affine

    from tracking.core.grid import Grid
    from tracking.core.track import ObjectTrack, Provenance, Track
    from tracking.render import map_data

    mask = np.zeros((1, 40, 60), bool)
    mask[0, 5:20, 5:30] = True
    objs = {oid: ObjectTrack(mask.copy(), [Provenance.PROMPTED], np.ones(1)) for oid in (1, 2)}
    feats = map_data.outline_features(Track(1, (40, 60), objs), Grid(None, Affine.identity(), 60, 40),
                                      [dt.date(2020, 1, 1)], names={2: "Toe slump"})
    assert [f["properties"]["scar"] for f in feats["features"]] == ["Scar 1", "Toe slump"]
