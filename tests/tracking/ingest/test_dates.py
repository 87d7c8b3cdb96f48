import datetime as dt

import pytest

from tracking.core.errors import InputError
from tracking.ingest.dates import (
    date_from_name,
    date_from_tags,
    lookup_date,
    parse_date_value,
    read_date_manifest,
    sensor_from_name,
)

D = dt.date


@pytest.mark.parametrize("name, date", [
    ("baige_20190614.tif", D(2019, 6, 14)),
    ("scene_2019-06-14.tif", D(2019, 6, 14)),
    ("scene_2019_06_14_ortho.tif", D(2019, 6, 14)),
    ("ortho.2020.05.06.png", D(2020, 5, 6)),
    ("20190614.jpg", D(2019, 6, 14)),
    ("DJI_20230514103045_0001.JPG", D(2023, 5, 14)),
    ("x20190614T101010.tif", D(2019, 6, 14)),
])
def test_plain_date_conventions(name, date):
    assert date_from_name(name)[0] == date


@pytest.mark.parametrize("name, date, sensor", [
    ("S2A_MSIL2A_20180614T035541_N0208_R004_T48RUU_20180701T082305.tif", D(2018, 6, 14), "Sentinel-2"),
    ("S2B_MSIL1C_20200102T040119_N0208_R004_T48RUU_20200102T061105.tif", D(2020, 1, 2), "Sentinel-2"),
    ("T48RUU_20180614T035541_B04_10m.tif", D(2018, 6, 14), "Sentinel-2"),
    ("LC08_L2SP_130039_20200612_20200824_02_T1.tif", D(2020, 6, 12), "Landsat"),
    ("LC09_L2SP_130039_20220305_20220307_02_T1_SR_B4.TIF", D(2022, 3, 5), "Landsat"),
    ("LE07_L1TP_130039_20030512_20200915_02_T1.tif", D(2003, 5, 12), "Landsat"),
    ("LT05_L2SP_130039_19980723_20200908_02_T1.tif", D(1998, 7, 23), "Landsat"),
    ("LC81300392020164LGN00.tif", D(2020, 6, 12), "Landsat"),
    ("20210315_103045_1009_3B_AnalyticMS_SR.tif", D(2021, 3, 15), "PlanetScope"),
    ("20210315_103045_12_2262_3B_AnalyticMS_SR_8b.tif", D(2021, 3, 15), "PlanetScope"),
    ("20210315_103045_ssc1_u0001_pansharpened.tif", D(2021, 3, 15), "SkySat"),
])
def test_product_names(name, date, sensor):
    assert date_from_name(name) == (date, sensor)


def test_landsat_uses_acquisition_not_processing_date():
    # the processing date comes second and must not win even though both are valid
    assert date_from_name("LC08_L1TP_130039_20150101_20170415_01_T1.tif")[0] == D(2015, 1, 1)


@pytest.mark.parametrize("name", [
    "tile_130039_v20_20191301.tif",  # month 13
    "scene_20190230.tif",  # 30 February
    "scene_19491231.tif",  # before 1950
    "scene_2999-01-01.tif",  # in the future
    "T48RUU_N0208_R004.tif",  # tile, baseline and orbit numbers only
    "img_123456789.tif",  # a 9-digit run is not a date
    "a_2019-06_14.tif",  # mixed separators
    "no_date_here.png",
])
def test_names_without_a_valid_date(name):
    assert date_from_name(name) is None


def test_digit_runs_around_a_date_are_ignored():
    assert date_from_name("site_130039_orbit_004_2019-06-14_v02.tif")[0] == D(2019, 6, 14)


def test_sensor_hints():
    assert sensor_from_name("sentinel2_stack.tif") == "Sentinel-2"
    assert sensor_from_name("landsat_mosaic.tif") == "Landsat"
    assert sensor_from_name("uav_ortho.tif") == "aerial"
    assert sensor_from_name("scene.tif") == ""


@pytest.mark.parametrize("tags, date", [
    ({"TIFFTAG_DATETIME": "2019:06:14 10:31:02"}, D(2019, 6, 14)),
    ({"ACQUISITION_DATE": "2018-05-01"}, D(2018, 5, 1)),
    ({"AcquisitionDate": "20180501"}, D(2018, 5, 1)),
    ({"acquisitionDateTime": "2018-05-01T03:04:05.123Z"}, D(2018, 5, 1)),
    ({"IMAGERY:ACQUISITIONDATETIME": "2017-01-02T00:00:00+00:00"}, D(2017, 1, 2)),
    ({"DATE_ACQUIRED": "2020/06/12"}, D(2020, 6, 12)),
    ({"SENSING_TIME": "2018-06-14T03:55:41.024Z"}, D(2018, 6, 14)),
    ({"PRODUCT_START_TIME": "2018-06-14T03:55:41.024Z"}, D(2018, 6, 14)),
    ({"DATATAKE_1_DATATAKE_SENSING_START": "x", "DATATAKE_SENSING_START": "2018-06-14T03:55:41Z"},
     D(2018, 6, 14)),
    ({"EXIF_DateTimeOriginal": "2022:08:30 12:00:00"}, D(2022, 8, 30)),
])
def test_date_from_tags(tags, date):
    assert date_from_tags(tags) == date


def test_acquisition_tag_beats_tiff_datetime_and_bad_values_are_skipped():
    tags = {"TIFFTAG_DATETIME": "2021:01:01 00:00:00", "SENSING_TIME": "not a date",
            "ACQUISITION_DATE": "2018-05-01"}
    assert date_from_tags(tags) == D(2018, 5, 1)
    assert date_from_tags({"TIFFTAG_DATETIME": "2019:13:01 00:00:00", "OTHER": "2019-01-01"}) is None
    assert date_from_tags({}) is None


def test_parse_date_value_rejects_trailing_garbage():
    assert parse_date_value("2019-06-14 10:00") == D(2019, 6, 14)
    assert parse_date_value("2019-06-14x") is None
    assert parse_date_value("14/06/2019") is None


def test_manifest_read_and_lookup(tmp_path):
    csv = tmp_path / "dates.csv"
    csv.write_text("File, Date,note\nscenes/a.tif,2019-06-14,x\nb.png,20200101,\n\nC.JPG,2021/03/05,\n",
                   encoding="utf-8-sig")
    dates = read_date_manifest(csv)
    assert dates == {"a.tif": D(2019, 6, 14), "b.png": D(2020, 1, 1), "C.JPG": D(2021, 3, 5)}
    assert lookup_date(dates, tmp_path / "x" / "a.tif") == D(2019, 6, 14)
    assert lookup_date(dates, "c.jpg") == D(2021, 3, 5)
    assert lookup_date(dates, "b.tif") == D(2020, 1, 1)  # matched by name without extension
    assert lookup_date(dates, "zzz.tif") is None
    assert lookup_date(None, "a.tif") is None


def test_manifest_bad_date_names_the_line(tmp_path):
    csv = tmp_path / "dates.csv"
    csv.write_text("file,date\na.tif,2019-06-14\nb.tif,2019-13-01\n")
    with pytest.raises(InputError, match=r"dates\.csv line 3: '2019-13-01'.*b\.tif"):
        read_date_manifest(csv)


def test_manifest_needs_header_and_consistent_rows(tmp_path):
    csv = tmp_path / "d.csv"
    csv.write_text("name,when\na.tif,2019-06-14\n")
    with pytest.raises(InputError, match="d.csv needs a header"):
        read_date_manifest(csv)
    csv.write_text("file,date\na.tif,2019-06-14\na.tif,2019-06-15\n")
    with pytest.raises(InputError, match="line 3: a.tif is listed twice"):
        read_date_manifest(csv)


@pytest.mark.parametrize("name, iso", [
    ("landslide-199210-ortho.png", "1992-10"), ("scar_1992-10.jpg", "1992-10"), ("Oct 1992.png", "1992-10"),
    ("199210.png", "1992-10"), ("slide_1992.png", "1992"),
])
def test_year_and_month_names_give_a_date_of_that_precision(name, iso):
    date, _ = date_from_name(name)
    assert date.isoformat() == iso


def test_manifest_accepts_months_and_years(tmp_path):
    csv = tmp_path / "dates.csv"
    csv.write_text("file,date\na.png,1992-10\nb.png,Oct 1994\nc.png,1996\nd.png,2019-06-14\n")
    dates = read_date_manifest(csv)
    assert {k: v.isoformat() for k, v in dates.items()} == {"a.png": "1992-10", "b.png": "1994-10",
                                                           "c.png": "1996", "d.png": "2019-06-14"}
    assert parse_date_value("1992-1") is None and parse_date_value("2019-13-01") is None
