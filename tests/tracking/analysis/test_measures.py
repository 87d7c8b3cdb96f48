"""Scar measures: areas of known shapes, growth over real gaps, displacement, evolution map."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from tests.helpers.frames import pixel_grid, utm_grid
from tests.helpers.tracks import disc, rect
from tracking.analysis.measures import COLUMNS, evolution_map, scar_measures
from tracking.analysis.vectorize import mask_to_shape, scar_outline
from tracking.core.track import Provenance, Track

D0, D1, D2 = dt.date(2020, 1, 1), dt.date(2020, 1, 11), dt.date(2020, 3, 1)


def _track(masks: list[np.ndarray], prov: list[Provenance] | None = None) -> Track:
    track = Track.empty(len(masks), masks[0].shape)
    obj = track.obj(1)
    for i, m in enumerate(masks):
        obj.masks[i] = m
        obj.provenance[i] = (prov or [Provenance.PROPAGATED] * len(masks))[i]
        obj.confidence[i] = 0.5
    return track


def test_square_area_perimeter_axis_exact_on_utm_grid():
    grid = utm_grid(80, 60, pixel=10.0)
    square = rect(grid.shape, 10, 40, 20, 60)  # 30 x 40 px = 300 m x 400 m
    row = scar_measures(_track([square]), grid, [D0])[0]
    assert row["area_m2"] == pytest.approx(120_000.0, rel=1e-9)
    assert row["area_ha"] == pytest.approx(12.0)
    assert row["perimeter_m"] == pytest.approx(1400.0, rel=0.02)  # corners cut by under half a pixel
    assert row["main_axis_m"] == pytest.approx(400.0, rel=0.01)
    # Centroid of the square: column 40, row 25 -> x = 400000 + 400, y = 3400000 - 250.
    assert (row["centroid_x"], row["centroid_y"]) == pytest.approx((400_400.0, 3_399_750.0))
    assert row["units"] == "m" and list(row) == list(COLUMNS)


def test_disc_area_and_perimeter_within_tolerance_on_utm_grid():
    grid = utm_grid(120, 120, pixel=5.0)
    r_px = 40.0  # 200 m radius
    row = scar_measures(_track([disc(grid.shape, 60, 60, r_px)]), grid, [D0])[0]
    true_area = math.pi * 200.0 ** 2
    assert row["area_m2"] == pytest.approx(true_area, rel=0.01)
    # The outline is smoothed: within 5 % of the circumference (the pixel staircase is 27 % long).
    assert row["perimeter_m"] == pytest.approx(2 * math.pi * 200.0, rel=0.05)
    assert row["main_axis_m"] == pytest.approx(400.0, rel=0.03)


def test_gain_loss_net_rate_over_real_gap_and_footprint():
    grid = utm_grid(20, 20, pixel=2.0)  # 4 m² pixels
    a = rect(grid.shape, 0, 10, 0, 10)  # 100 px
    b = rect(grid.shape, 0, 10, 5, 15)  # 100 px, 50 shared
    c = rect(grid.shape, 0, 10, 5, 20)  # 150 px
    rows = scar_measures(_track([a, b, c]), grid, [D0, D1, D2])
    assert [r["date"] for r in rows] == [D0, D1, D2]
    first, second, third = rows
    for key in ("gain_m2", "loss_m2", "net_m2", "days", "expansion_rate_m2_per_day", "displacement_m"):
        assert math.isnan(first[key])
    assert second["gain_m2"] == 200.0 and second["loss_m2"] == 200.0 and second["net_m2"] == 0.0
    assert second["days"] == 10
    assert third["gain_m2"] == 200.0 and third["loss_m2"] == 0.0 and third["net_m2"] == 200.0
    assert third["days"] == (D2 - D1).days == 50
    assert third["expansion_rate_m2_per_day"] == pytest.approx(200.0 / 50)
    # Cumulative footprint: union so far (a | b = 150 px, then a | b | c = 200 px).
    assert [r["cumulative_m2"] for r in rows] == [400.0, 600.0, 800.0]


@pytest.mark.parametrize("shift, azimuth", [((0, 5), 90.0), ((-5, 0), 0.0), ((5, 0), 180.0), ((0, -5), 270.0)])
def test_displacement_direction_is_azimuth_from_north(shift, azimuth):
    grid = utm_grid(40, 40, pixel=10.0)
    a = rect(grid.shape, 15, 25, 15, 25)
    b = np.roll(a, shift, axis=(0, 1))  # rows down = south, columns right = east
    rows = scar_measures(_track([a, b]), grid, [D0, D1])
    assert rows[1]["displacement_m"] == pytest.approx(50.0)
    assert rows[1]["direction_deg"] == pytest.approx(azimuth)


def test_pixel_grid_reports_pixels_and_north_is_up():
    grid = pixel_grid(30, 30)
    a = rect(grid.shape, 10, 20, 10, 20)
    b = np.roll(a, -3, axis=0)  # moved up the image
    rows = scar_measures(_track([a, b]), grid, [D0, D1])
    assert rows[0]["area_m2"] == 100.0 and rows[0]["units"] == "px" and math.isnan(rows[0]["area_ha"])
    assert rows[1]["direction_deg"] == pytest.approx(0.0)
    assert rows[1]["displacement_m"] == pytest.approx(3.0)


def test_untracked_frames_are_left_out_and_empty_masks_measure_zero():
    grid = utm_grid(20, 20)
    a = rect(grid.shape, 0, 5, 0, 5)
    empty = np.zeros(grid.shape, bool)
    track = _track([a, empty, a], [Provenance.PROMPTED, Provenance.NONE, Provenance.PROPAGATED])
    rows = scar_measures(track, grid, [D0, D1, D2])
    assert [r["date"] for r in rows] == [D0, D2]
    assert rows[1]["days"] == (D2 - D0).days and rows[1]["gain_m2"] == 0.0
    assert rows[0]["provenance"] == "prompted" and rows[0]["confidence"] == pytest.approx(0.5)
    track2 = _track([a, empty])
    gone = scar_measures(track2, grid, [D0, D1])[1]
    assert gone["area_m2"] == 0.0 and gone["perimeter_m"] == 0.0 and gone["loss_m2"] == 2500.0
    assert math.isnan(gone["centroid_x"]) and math.isnan(gone["displacement_m"])


def test_two_objects_get_rows_each():
    grid = utm_grid(20, 20)
    track = _track([rect(grid.shape, 0, 5, 0, 5)])
    two = track.obj(2)
    two.masks[0] = rect(grid.shape, 10, 12, 10, 13)
    two.provenance[0] = Provenance.PROMPTED
    rows = scar_measures(track, grid, [D0])
    assert [(r["object"], r["area_m2"]) for r in rows] == [(1, 2500.0), (2, 600.0)]


def test_evolution_map_first_date_each_pixel_became_scar():
    shape = (4, 4)
    m0 = np.zeros(shape, bool)
    m0[0, 0] = True
    m1 = m0.copy()
    m1[0, 1] = True
    m2 = m1.copy()
    m2[0, 0] = False  # lost later: still first became scar on date 0
    m2[3, 3] = True
    evo = evolution_map(_track([m0, m1, m2]))
    expected = np.full(shape, -1, np.int16)
    expected[0, 0], expected[0, 1], expected[3, 3] = 0, 1, 2
    assert evo.dtype == np.int16
    np.testing.assert_array_equal(evo, expected)
    track = _track([m0, m1, m2])
    other = track.obj(2)
    other.masks[1, 2, 2] = True
    assert evolution_map(track)[2, 2] == 1
    assert evolution_map(track, object_id=1)[2, 2] == -1


def test_outline_stays_within_half_a_pixel_of_the_pixel_edges():
    grid = utm_grid(60, 60, pixel=10.0)
    mask = disc(grid.shape, 30, 30, 17) & ~disc(grid.shape, 33, 30, 4)  # a disc with a hole
    raw = mask_to_shape(mask, grid)
    smooth = mask_to_shape(mask, grid, smooth=True)
    simplified = scar_outline(mask, grid)
    assert raw.area == pytest.approx(mask.sum() * 100.0)
    assert smooth.hausdorff_distance(raw) <= 0.5 * 10.0 + 1e-6
    assert simplified.hausdorff_distance(smooth) <= 0.5 * 10.0 + 1e-6
    assert len(simplified.geoms[0].interiors) == 1
    assert abs(simplified.area - raw.area) / raw.area < 0.02
    with pytest.raises(ValueError):
        mask_to_shape(mask, grid, tolerance_px=0.8)


def _disc_scene_utm(path, center, radius_m, pixel=5.0, size=200):
    """A 4-band uint16 GeoTIFF in UTM 48N: a bright disc of ``radius_m`` around ``center`` (x, y)."""
    from affine import Affine

    from tests.helpers.scenes import write_geotiff

    x0, y0 = center[0] - size * pixel / 2, center[1] + size * pixel / 2
    transform = Affine(pixel, 0, x0, 0, -pixel, y0)
    cols, rows = np.meshgrid(np.arange(size) + 0.5, np.arange(size) + 0.5)
    xs, ys = x0 + cols * pixel, y0 - rows * pixel
    inside = (xs - center[0]) ** 2 + (ys - center[1]) ** 2 <= radius_m ** 2
    write_geotiff(path, _bands(inside), crs="EPSG:32648", transform=transform)


def _disc_scene_lonlat(path, center, radius_m, pixel_deg=4e-5, size=260):
    """The same disc (defined in UTM metres) sampled on an EPSG:4326 raster of ``pixel_deg`` degrees."""
    from affine import Affine
    from pyproj import Transformer

    from tests.helpers.scenes import write_geotiff

    to_ll = Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32648", always_xy=True)
    lon0, lat0 = to_ll.transform(*center)
    west, north = lon0 - size * pixel_deg / 2, lat0 + size * pixel_deg / 2
    transform = Affine(pixel_deg, 0, west, 0, -pixel_deg, north)
    cols, rows = np.meshgrid(np.arange(size) + 0.5, np.arange(size) + 0.5)
    xs, ys = to_utm.transform(west + cols * pixel_deg, north - rows * pixel_deg)
    inside = (xs - center[0]) ** 2 + (ys - center[1]) ** 2 <= radius_m ** 2
    write_geotiff(path, _bands(inside), crs="EPSG:4326", transform=transform)


def _bands(inside: np.ndarray) -> np.ndarray:
    """(4, H, W) uint16 reflectance: bright bare scar inside, darker vegetation outside."""
    yy, xx = np.mgrid[0:inside.shape[0], 0:inside.shape[1]]
    texture = ((xx * 7 + yy * 13) % 50).astype(np.uint16)
    bands = [np.where(inside, 2800, 500) + texture for _ in range(4)]
    return np.stack(bands).astype(np.uint16)


@pytest.mark.parametrize("kind", ["utm", "lonlat"])
def test_known_disc_area_through_build_frames_in_utm_and_geographic_scenes(tmp_path, kind):
    """The same 300 m disc, delivered in UTM or in EPSG:4326, measures within 1 % after gridding."""
    from tracking.ingest.build import FrameOptions, build_frames
    from tracking.ingest.timeline import build_timeline

    center, radius = (450_000.0, 3_300_000.0), 300.0
    scenes = tmp_path / "scenes"
    for date in ("2020-06-01", "2021-06-01"):
        path = scenes / f"scene_{date}.tif"
        if kind == "utm":
            _disc_scene_utm(path, center, radius)
        else:
            _disc_scene_lonlat(path, center, radius)
    timeline = build_timeline([scenes], tmp_path / "work")
    frames, _problems = build_frames(timeline, FrameOptions())
    assert frames.grid.crs is not None and frames.grid.crs.is_projected
    track = Track.empty(len(frames), frames.shape)
    obj = track.obj(1)
    for i in range(len(frames)):
        obj.masks[i] = (frames.images[i].astype(float).mean(axis=-1) > 127) & frames.valid[i]
        obj.provenance[i] = Provenance.PROPAGATED
    rows = scar_measures(track, frames.grid, frames.dates)
    assert len(rows) == 2
    for row in rows:
        assert row["area_m2"] == pytest.approx(math.pi * radius ** 2, rel=0.01)
        assert row["main_axis_m"] == pytest.approx(2 * radius, rel=0.03)


def test_simplified_outline_never_moves_more_than_half_a_pixel_on_ragged_masks():
    """Random speckled masks (holes, diagonal contacts, one-pixel islands): outlines stay valid and
    within half a pixel of the smoothed outline, which is within half a pixel of the pixel edges."""
    rng = np.random.default_rng(7)
    grid = utm_grid(24, 20, pixel=10.0)
    for _ in range(40):
        mask = rng.random(grid.shape) < rng.uniform(0.2, 0.8)
        raw = mask_to_shape(mask, grid)
        smooth = mask_to_shape(mask, grid, smooth=True)
        simplified = scar_outline(mask, grid)
        assert raw.is_valid and smooth.is_valid and simplified.is_valid
        assert raw.area == pytest.approx(mask.sum() * 100.0)
        assert smooth.hausdorff_distance(raw) <= 5.0 + 1e-6
        assert simplified.hausdorff_distance(smooth) <= 5.0 + 1e-6
