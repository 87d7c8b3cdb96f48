import datetime as dt

import pytest

from tests.helpers.scenes import ramp, write_geotiff, write_png, write_truncated_geotiff, write_zip
from tracking.core.errors import InputError
from tracking.ingest.timeline import Timeline, build_timeline

D = dt.date


def test_sorted_by_date_with_rows(tmp_path):
    src = tmp_path / "in"
    write_geotiff(src / "c_2021-03-01.tif", ramp(4))
    write_geotiff(src / "a_20190614.tif", ramp(4, dtype="float32"))
    write_png(src / "b_2020_01_02.png")
    t = build_timeline([src], tmp_path / "work")
    assert isinstance(t, Timeline) and len(t) == 3
    assert t.dates == [D(2019, 6, 14), D(2020, 1, 2), D(2021, 3, 1)]
    assert t.problems == []
    rows = t.to_rows()
    assert [r["file"] for r in rows] == ["a_20190614.tif", "b_2020_01_02.png", "c_2021-03-01.tif"]
    assert rows[0] == {"date": "2019-06-14", "file": "a_20190614.tif", "sensor": "", "bands": 4,
                       "dtype": "float32", "crs": "EPSG:32648", "size": "20 x 16",
                       "pixel size": "10 m", "date_source": "filename"}
    assert rows[1]["crs"] == "none (pixel grid)" and rows[1]["pixel size"] == "1 px"


def test_bad_input_corpus_each_named_and_good_files_load(tmp_path):
    src = tmp_path / "in"
    good = write_geotiff(src / "good_20190101.tif", ramp(3))
    (src / "notes_20190201.tif").write_text("not an image")
    (src / "zero_20190301.tif").touch()
    write_truncated_geotiff(src / "cut_20190401.tif")
    (src / "broken.zip").write_bytes(b"PK\x03\x04 nope")
    write_zip(src / "evil.zip", {"../x_20190501.tif": good, "inside_20190601.tif": good})
    write_zip(src / "bomb.zip", {"big_20190701.tif": bytes(3 * 1024 * 1024)})
    write_geotiff(src / "undated.tif", ramp(3))
    before = {p for p in tmp_path.rglob("*")}
    t = build_timeline([src], tmp_path / "work")
    assert [s.name for s in t.scenes] == ["good_20190101.tif", "inside_20190601.tif"]
    text = "\n".join(t.problems)
    for name in ("notes_20190201.tif", "zero_20190301.tif", "cut_20190401.tif", "broken.zip",
                 "'../x_20190501.tif'", "undated.tif"):
        assert name in text, name
    assert "undated.tif: no acquisition date found; add it to a dates.csv manifest" in text
    assert [s.name for s in t.undated] == ["undated.tif"]
    created = {p for p in tmp_path.rglob("*")} - before
    assert all((tmp_path / "work") in p.parents or p == tmp_path / "work" for p in created)
    assert not (tmp_path / "x_20190501.tif").exists()


def test_zip_bomb_with_default_limits_is_reported(tmp_path):
    good = write_geotiff(tmp_path / "good_20190101.tif", ramp(3))
    bomb = write_zip(tmp_path / "bomb.zip", {"big_20190701.tif": bytes(40 * 1024 * 1024)})
    t = build_timeline([good, bomb], tmp_path / "work")
    assert [s.name for s in t.scenes] == ["good_20190101.tif"]
    assert any("bomb.zip: entry 'big_20190701.tif' expands more than" in p for p in t.problems)


def test_duplicate_dates_keep_first_by_name(tmp_path):
    src = tmp_path / "in"
    write_geotiff(src / "b_20190614.tif", ramp(3))
    write_geotiff(src / "a_2019-06-14.tif", ramp(3))
    write_geotiff(src / "c_20200101.tif", ramp(3))
    t = build_timeline([src], tmp_path / "work")
    assert [s.name for s in t.scenes] == ["a_2019-06-14.tif", "c_20200101.tif"]
    assert [s.name for s in t.skipped] == ["b_20190614.tif"]
    assert t.problems == ["b_20190614.tif has the same date (2019-06-14) as a_2019-06-14.tif; skipped."]


def test_manifest_overrides_names_and_overrides_override_all(tmp_path):
    src = tmp_path / "in"
    write_geotiff(src / "a_20190614.tif", ramp(3))
    write_geotiff(src / "b.tif", ramp(3), tags={"TIFFTAG_DATETIME": "2018:01:01 00:00:00"})
    write_geotiff(src / "c.tif", ramp(3))
    (src / "dates.csv").write_text("file,date\na_20190614.tif,2017-05-05\nc.tif,2016-01-01\n")
    t = build_timeline([src], tmp_path / "work")
    assert [(s.name, s.date, s.date_source) for s in t.scenes] == [
        ("c.tif", D(2016, 1, 1), "manifest"), ("a_20190614.tif", D(2017, 5, 5), "manifest"),
        ("b.tif", D(2018, 1, 1), "tiff-tag")]
    t = build_timeline([src], tmp_path / "work", date_overrides={"b.tif": D(2015, 2, 2)})
    assert t.scenes[0].name == "b.tif"
    assert (t.scenes[0].date, t.scenes[0].date_source) == (D(2015, 2, 2), "manual")


def test_override_fixes_an_undated_file(tmp_path):
    src = tmp_path / "in"
    write_geotiff(src / "a_20190614.tif", ramp(3))
    write_geotiff(src / "nodate.tif", ramp(3))
    assert len(build_timeline([src], tmp_path / "w").undated) == 1
    t = build_timeline([src], tmp_path / "w", date_overrides={"nodate.tif": D(2020, 1, 1)})
    assert t.dates == [D(2019, 6, 14), D(2020, 1, 1)] and t.problems == [] and t.undated == []


def test_bad_manifest_is_a_problem_and_names_still_work(tmp_path):
    src = tmp_path / "in"
    write_geotiff(src / "a_20190614.tif", ramp(3))
    (src / "dates.csv").write_text("file,date\na_20190614.tif,14.06.2019\n")
    t = build_timeline([src], tmp_path / "work")
    assert t.dates == [D(2019, 6, 14)]
    assert t.problems[0].startswith("dates.csv line 2: '14.06.2019' is not a valid date")


def test_manifest_inside_a_zip(tmp_path):
    tif = write_geotiff(tmp_path / "x.tif", ramp(3))
    manifest = b"file,date\none.tif,2019-01-01\ntwo.tif,2018-01-01\n"
    archive = write_zip(tmp_path / "s.zip", {"s/one.tif": tif, "s/two.tif": tif, "s/dates.csv": manifest})
    t = build_timeline([archive], tmp_path / "work")
    assert [s.name for s in t.scenes] == ["two.tif", "one.tif"]


def test_nothing_valid_raises_a_summary(tmp_path):
    src = tmp_path / "in"
    (src).mkdir()
    (src / "a.tif").write_text("text")
    write_geotiff(src / "b.tif", ramp(3))
    with pytest.raises(InputError, match=r"No usable dated scene in in: .*a\.tif is not a GeoTIFF.*"
                                         r"b\.tif: no acquisition date"):
        build_timeline([src], tmp_path / "work")


def test_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="No scenes found in .*empty"):
        build_timeline([tmp_path / "empty"], tmp_path / "work")
