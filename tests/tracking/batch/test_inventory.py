"""Reading a landslide inventory: outlines or points with a radius, any CRS, ids, dates, clear refusals."""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from tracking.batch.inventory import read_inventory
from tracking.core.errors import InputError


def write(tmp_path, data: dict, geoms, crs="EPSG:32648", name="inv.gpkg"):
    path = tmp_path / name
    gpd.GeoDataFrame(data, geometry=geoms, crs=crs).to_file(path)
    return path


def test_outlines_with_ids_and_dates(tmp_path):
    path = write(tmp_path, {"id": ["a", "b"], "date": ["2020-05-01", None]},
                 [box(0, 0, 100, 100), box(500, 0, 600, 80)])
    inv = read_inventory(path)
    assert [s.id for s in inv.landslides] == ["a", "b"]
    assert inv.landslides[0].date == dt.date(2020, 5, 1) and inv.landslides[1].date is None
    assert inv.landslides[0].outline.area == pytest.approx(10_000)
    assert "32648" in inv.crs or "UTM zone 48N" in inv.crs


def test_points_become_circles_in_metres_even_in_degrees(tmp_path):
    path = write(tmp_path, {"code": [17, 18], "radius_m": [None, 50.0]},
                 [Point(103.46, 31.04), Point(103.47, 31.05)], crs="EPSG:4326", name="pts.geojson")
    inv = read_inventory(path, id_field="code", radius_m=120)
    first, second = inv.landslides
    assert (first.id, first.folder) == ("17", "17")
    assert first.outline.area == pytest.approx(math.pi * 120 ** 2, rel=0.01)  # drawn in the UTM zone
    assert second.outline.area == pytest.approx(math.pi * 50 ** 2, rel=0.01)  # its own radius wins
    assert "UTM zone 48N" in first.crs


def test_unsafe_ids_become_safe_folder_names(tmp_path):
    path = write(tmp_path, {"id": ["slide 12/b"]}, [box(0, 0, 10, 10)])
    assert read_inventory(path).landslides[0].folder == "slide_12_b"


@pytest.mark.parametrize("data, geoms, kwargs, words", [
    ({"name": ["a"]}, [box(0, 0, 1, 1)], {}, "no id field 'id' (fields: name)"),
    ({"id": ["a", "a"]}, [box(0, 0, 1, 1), box(2, 2, 3, 3)], {}, "names landslide a twice"),
    ({"id": ["a/b", "a_b"]}, [box(0, 0, 1, 1), box(2, 2, 3, 3)], {}, "one output folder name"),
    ({"id": ["a"], "date": ["May 2020"]}, [box(0, 0, 1, 1)], {}, "date 'May 2020' that is not YYYY-MM-DD"),
    ({"id": ["a"]}, [Point(0, 0)], {}, "is a point: give its radius"),
    ({"id": ["a"]}, [LineString([(0, 0), (1, 1)])], {}, "is a LineString"),
    ({"id": ["a"]}, [box(0, 0, 1, 1)], {"date_field": "mapped"}, "no date field 'mapped'"),
    ({"id": ["a"], "radius_m": [-5.0]}, [Point(0, 0)], {}, "radius '-5.0' that is not a positive"),
])
def test_bad_inventories_are_one_sentence(tmp_path, data, geoms, kwargs, words):
    path = write(tmp_path, data, geoms)
    with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")):
        read_inventory(path, **kwargs)


def test_a_file_without_crs_is_refused(tmp_path):
    path = write(tmp_path, {"id": ["a"]}, [box(0, 0, 1, 1)], crs=None)
    with pytest.raises(InputError, match="no coordinate reference system"):
        read_inventory(path)
