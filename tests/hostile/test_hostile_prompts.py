"""Malformed, hostile and misplaced outline (prompt) files on a hosted server: one test per case.

Each case goes through the Prompt page's path (tracking.project.uploads.save_prompt_file,
then prompts_from_file on a project whose frames were built from uploads), asserts
the sentence the analyst sees, that the project's prompts are unchanged, and that
nothing was written outside the project folder.
"""

from __future__ import annotations

import json

import pytest
from shapely.geometry import box

from tracking.core.prompts import Prompt
from tracking.engines.baseline.engine import BaselineEngine
from tracking.project import uploads, workflow
from tracking.run.session import TrackingSession

from . import corpus
from .harness import refused, scene_bytes, snapshot

# The scenes cover x 400000..400320 m, y 3399760..3400000 m in EPSG:32648 (10 m pixels).
INSIDE = corpus.square(400050, 3399800, 100)
UTM = "EPSG:32648"


@pytest.fixture
def framed(hosted):
    hosted.upload(dict([scene_bytes("20200101"), scene_bytes("20200601")]))
    hosted.build()
    workflow.set_prompts(hosted.project, [Prompt(0, 1, box=(2, 2, 9, 9))])
    hosted.before = snapshot(hosted.root, hosted.project.root)  # the frames are in; now the outline arrives
    return hosted


def load_outline(framed, name: str, data: bytes):
    path = uploads.save_prompt_file(framed.project, name, data)
    return workflow.prompts_from_file(framed.project, path)


def assert_prompts_unchanged(framed) -> None:
    kept = framed.project.load_prompts()
    assert len(kept) == 1 and kept[0].box == (2.0, 2.0, 9.0, 9.0)


CASES = {
    "not_json": ("bad.geojson", b"{not json", "bad.geojson could not be read as a vector file; it may be damaged."),
    "json_not_geojson": ("hello.geojson", json.dumps({"hello": 1}).encode(),
                         "hello.geojson could not be read as a vector file; it may be damaged."),
    "empty_file": ("empty.geojson", b"", "empty.geojson could not be read as a vector file; it may be damaged."),
    "line_geometry": ("line.geojson", corpus.geojson([corpus.feature(
        {"type": "LineString", "coordinates": [[400010, 3399990], [400100, 3399900]]})], UTM),
        "line.geojson holds a LineString; prompts must be points or polygons."),
    "date_not_in_series": ("date.geojson", corpus.geojson([corpus.feature(INSIDE, date="2019-01-01")], UTM),
                           "date.geojson puts a prompt on 2019-01-01, which is not a date of the series."),
    "bad_date": ("when.geojson", corpus.geojson([corpus.feature(INSIDE, date="last spring")], UTM),
                 "when.geojson has a date 'last spring' that is not YYYY-MM-DD."),
    "label_not_a_number": ("label.geojson", corpus.geojson([corpus.feature(
        {"type": "Point", "coordinates": [400100, 3399900]}, label="yes")], UTM),
        "label.geojson has a 'label' value 'yes' that is not a whole number."),
    "null_geometry": ("null.geojson", corpus.geojson([{"type": "Feature", "properties": {}, "geometry": None}], UTM),
                      "null.geojson holds no prompt inside the scenes (check its CRS and extent)."),
    "nan_coordinates": ("nan.geojson", b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
                        b'"geometry":{"type":"Point","coordinates":[NaN, 1]}}]}',
                        "nan.geojson holds no prompt inside the scenes (check its CRS and extent)."),
    "fake_geopackage": ("text.gpkg", b"SQLite format 3\x00 but not really",
                        "text.gpkg could not be read as a vector file; it may be damaged."),
    "wrong_extension": ("outline.kml", b"<kml/>",
                        "outline.kml is not an outline file; use GeoJSON, GeoPackage or a zipped Shapefile."),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_geojson_and_geopackage(framed, case):
    name, data, expect = CASES[case]
    assert refused(lambda: load_outline(framed, name, data)) == expect
    assert_prompts_unchanged(framed)
    framed.assert_nothing_outside()


@pytest.mark.parametrize("case", ["no_shp", "two_shp", "garbage_shp"])
def test_malformed_zipped_shapefile(framed, case):
    shp = corpus.real_shapefile_members(framed.project.root / "scratch", box(400050, 3399800, 400150, 3399900))
    members = {"no_shp": {"outline.dbf": shp["outline.dbf"]},
               "two_shp": {"a.shp": shp["outline.shp"], "b/b.shp": shp["outline.shp"]},
               "garbage_shp": {"outline.shp": b"garbage" * 10, "outline.shx": b"x", "outline.dbf": b"y"}}[case]
    expect = {"no_shp": "outline.zip must hold exactly one .shp file.",
              "two_shp": "outline.zip must hold exactly one .shp file.",
              "garbage_shp": "outline.zip could not be read as a vector file; it may be damaged."}[case]
    assert refused(lambda: load_outline(framed, "outline.zip", corpus.zip_bytes(members))) == expect
    assert_prompts_unchanged(framed)
    framed.assert_nothing_outside()


def test_zipped_shapefile_with_escaping_member_names_is_read_flat(framed):
    shp = corpus.real_shapefile_members(framed.project.root / "scratch", box(400050, 3399800, 400150, 3399900))
    slip = corpus.zip_bytes({f"../../{k}": v for k, v in shp.items()})
    prompts = load_outline(framed, "slip.zip", slip)
    assert [(p.frame, p.kind) for p in prompts] == [(0, "mask")] and prompts[0].mask.sum() == 100
    assert not list(framed.root.glob("outline.*")) and not list(framed.root.parent.glob("outline.*"))
    framed.assert_nothing_outside()


def test_zipped_shapefile_bomb_is_refused_before_reading(framed, monkeypatch):
    monkeypatch.setenv("LANDSLIDE_UPLOAD_MB", "2")
    shp = corpus.real_shapefile_members(framed.project.root / "scratch", box(400050, 3399800, 400150, 3399900))
    bomb = corpus.zip_bytes({**shp, "outline.dbf": shp["outline.dbf"] + b"\x00" * (8 << 20)})
    assert len(bomb) < 100_000
    assert refused(lambda: load_outline(framed, "bomb.zip", bomb)) == (
        "bomb.zip would unpack to 8.4 MB, more than the 2.0 MB allowed for an outline file.")
    assert not (framed.project.root / "prompt_files" / "bomb.zip").exists()
    framed.assert_nothing_outside()


@pytest.mark.parametrize("case, data", [
    ("polygon_far_away_same_crs", corpus.geojson([corpus.feature(corpus.square(900000, 1000000, 100))], UTM)),
    ("polygon_in_paris_lonlat", corpus.geojson([corpus.feature(corpus.square(2.35, 48.85, 0.01))])),
    ("points_south_of_the_scenes", corpus.geojson([corpus.feature({"type": "Point", "coordinates": [400100, 3300000]}),
                                                   corpus.feature({"type": "Point", "coordinates": [400100, 3399000]})],
                                                  UTM)),
    ("box_beside_the_scenes", corpus.geojson([corpus.feature(corpus.square(400400, 3399800, 50), kind="box")], UTM)),
])
def test_prompts_outside_the_scenes(framed, case, data):
    assert refused(lambda: load_outline(framed, f"{case}.geojson", data)) == (
        f"{case}.geojson holds no prompt inside the scenes (check its CRS and extent).")
    assert_prompts_unchanged(framed)
    framed.assert_nothing_outside()


def test_drawn_prompt_outside_the_frame_is_refused_by_the_session(framed):
    session = TrackingSession(BaselineEngine(), framed.project.load_frames())
    assert refused(lambda: session.add_prompt(Prompt(0, 1, points=[(500, 5)], labels=[1]))) == (
        "A prompt point lies outside the frame; draw it on the image.")
    assert refused(lambda: session.add_prompt(Prompt(0, 1, box=(100, 100, 140, 140)))) == (
        "The prompt box lies outside the frame; draw it on the image.")
    assert refused(lambda: workflow.set_prompts(framed.project, [Prompt(9, 1, box=(1, 1, 5, 5))])) == (
        "The prompt names frame 10, but the series has 2 frames.")
    assert_prompts_unchanged(framed)
    framed.assert_nothing_outside()
