"""Plain images on the ground: pixel size, world files (and .aux.xml), corners and a CRS."""

from __future__ import annotations

import numpy as np
import pytest
from affine import Affine
from PIL import Image

from tracking.core.errors import InputError
from tracking.ingest.georef import Georeference, parse_crs, plain_grid
from tracking.ingest.scenes import open_scene


def test_no_georeference_is_a_pixel_grid():
    grid = plain_grid(300, 200, None)
    assert grid.crs is None and grid.units == "px" and grid.pixel_area_m2 == 1.0


@pytest.mark.parametrize("size", [0.5, 1.0, 2.5])
def test_a_pixel_size_makes_a_metric_grid_without_crs(size):
    grid = plain_grid(300, 200, Georeference(pixel_size_m=size))
    assert grid.crs is None and grid.units == "m"  # 1.0 m too: it is not the image's own transform
    assert grid.pixel_area_m2 == size * size and grid.bounds == (0.0, 0.0, 300 * size, 200 * size)


def test_corners_and_crs_span_the_reference_image():
    grid = plain_grid(300, 200, Georeference(crs="32648", corners=(500000, 3400000, 500600, 3400400)))
    assert grid.crs.to_epsg() == 32648 and grid.pixel_size == (2.0, 2.0)
    with pytest.raises(InputError, match="not a box"):
        plain_grid(300, 200, Georeference(crs="32648", corners=(500600, 3400000, 500000, 3400400)))


def test_degrees_and_unknown_crs_are_refused_in_one_sentence():
    with pytest.raises(InputError, match="not a projected CRS in metres"):
        parse_crs("4326")
    with pytest.raises(InputError, match="not a known coordinate reference system"):
        parse_crs("EPSG:999999")


def test_world_file_mode_needs_a_world_file():
    with pytest.raises(InputError, match="no world file"):
        plain_grid(300, 200, Georeference(crs="32648"), world=None, name="a.png")
    grid = plain_grid(300, 200, Georeference(crs="32648"), world=Affine(2, 0, 500000, 0, -2, 3400400))
    assert grid.bounds == (500000.0, 3400000.0, 500600.0, 3400400.0)


def test_world_file_and_aux_xml_beside_a_png_are_read(tmp_path):
    path = tmp_path / "shot.png"
    Image.fromarray(np.zeros((20, 30, 3), np.uint8)).save(path)
    (tmp_path / "shot.pgw").write_text("2\n0\n0\n-2\n500001\n3400039\n")
    scene = open_scene(path)
    assert not scene.georeferenced and scene.world_transform == Affine(2, 0, 500000, 0, -2, 3400040)
    (tmp_path / "shot.png.aux.xml").write_text(
        '<PAMDataset><SRS dataAxisToSRSAxisMapping="1,2">EPSG:32648</SRS></PAMDataset>')
    scene = open_scene(path)
    assert scene.georeferenced and scene.crs.to_epsg() == 32648  # the .aux.xml's CRS: a GeoTIFF-like scene
