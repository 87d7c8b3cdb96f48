import datetime as dt
import warnings

import numpy as np
import pytest
import rasterio
from affine import Affine

from tests.helpers.scenes import ramp, write_geotiff, write_png, write_truncated_geotiff
from tracking.core.errors import InputError
from tracking.ingest.scenes import open_scene


@pytest.mark.parametrize("dtype, nodata", [("uint8", 0), ("uint16", 65535), ("int16", -9999),
                                           ("float32", -9999.0), ("float64", np.nan)])
def test_geotiff_of_each_dtype_with_nodata(tmp_path, dtype, nodata):
    t = Affine(5.0, 0.0, 300000.0, 0.0, -5.0, 3500000.0)
    path = write_geotiff(tmp_path / f"site_20190614_{dtype}.tif", ramp(5, 12, 18, dtype),
                         transform=t, nodata=nodata)
    s = open_scene(path)
    assert (s.band_count, s.dtype, s.width, s.height) == (5, dtype, 18, 12)
    assert s.crs.to_epsg() == 32648 and s.transform == t and s.georeferenced
    assert s.pixel_size == 5.0
    assert (np.isnan(s.nodata) if np.isnan(nodata) else s.nodata == nodata)
    assert s.date == dt.date(2019, 6, 14) and s.date_source == "filename"


def test_no_nodata_and_band_descriptions(tmp_path):
    path = write_geotiff(tmp_path / "a_2019-06-14.tif", ramp(4), band_names=["blue", "green", "red", "nir"])
    s = open_scene(path)
    assert s.nodata is None
    assert s.band_names == ("blue", "green", "red", "nir")
    plain = open_scene(write_geotiff(tmp_path / "b_2019-06-14.tif", ramp(2)))
    assert plain.band_names == ("", "")


def test_geographic_crs_is_accepted(tmp_path):
    t = Affine(0.0001, 0.0, 103.5, 0.0, -0.0001, 31.0)
    s = open_scene(write_geotiff(tmp_path / "g_20190614.tif", ramp(3), crs="EPSG:4326", transform=t))
    assert s.crs.is_geographic and s.transform == t


def test_sensor_and_date_from_product_name(tmp_path):
    name = "S2A_MSIL2A_20180614T035541_N0208_R004_T48RUU_20180614T082305.tif"
    s = open_scene(write_geotiff(tmp_path / name, ramp(12)))
    assert (s.date, s.sensor, s.date_source) == (dt.date(2018, 6, 14), "Sentinel-2", "filename")
    s = open_scene(write_geotiff(tmp_path / "landsat_stack.tif", ramp(3)))
    assert (s.date, s.sensor, s.date_source) == (None, "Landsat", "")


def test_date_precedence_manifest_then_name_then_tags(tmp_path):
    tags = {"TIFFTAG_DATETIME": "2017:03:04 10:00:00"}
    named = write_geotiff(tmp_path / "scene_20190614.tif", ramp(3), tags=tags)
    tagged = write_geotiff(tmp_path / "scene.tif", ramp(3), tags=tags)
    assert open_scene(tagged).date == dt.date(2017, 3, 4)
    assert open_scene(tagged).date_source == "tiff-tag"
    assert open_scene(named).date == dt.date(2019, 6, 14)
    manifest = {"scene_20190614.tif": dt.date(2015, 1, 1)}
    s = open_scene(named, manifest)
    assert (s.date, s.date_source) == (dt.date(2015, 1, 1), "manifest")
    assert open_scene(tagged, manifest).date_source == "tiff-tag"  # not in the manifest


def test_acquisition_tag_in_imagery_domain(tmp_path):
    path = write_geotiff(tmp_path / "scene.tif", ramp(3))
    with rasterio.open(path, "r+") as dst:
        dst.update_tags(ns="IMAGERY", ACQUISITIONDATETIME="2016-08-09T03:00:00Z")
    assert open_scene(path).date == dt.date(2016, 8, 9)


@pytest.mark.parametrize("fmt, suffix", [("PNG", ".png"), ("JPEG", ".jpg")])
def test_png_and_jpeg_are_pixel_grids(tmp_path, fmt, suffix):
    path = write_png(tmp_path / f"photo_2020-05-06{suffix}", fmt=fmt)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NotGeoreferencedWarning must be silenced
        s = open_scene(path)
    assert s.crs is None and not s.georeferenced
    assert s.transform == Affine.identity()
    assert (s.band_count, s.dtype, s.width, s.height) == (3, "uint8", 20, 16)
    assert s.date == dt.date(2020, 5, 6)
    assert not list(tmp_path.glob("*.aux.xml"))


def test_plain_tiff_without_georeferencing(tmp_path):
    s = open_scene(write_geotiff(tmp_path / "scan_20200101.tif", ramp(1), crs=None))
    assert s.crs is None and s.transform == Affine.identity() and s.band_count == 1


def test_text_file_named_tif(tmp_path):
    path = tmp_path / "notes.tif"
    path.write_text("0 0 1\n1 0 2\n0 1 3\n1 1 4\n")  # GDAL would open this as an XYZ grid
    with pytest.raises(InputError, match=r"^notes\.tif is not a GeoTIFF, PNG or JPEG image\.$"):
        open_scene(path)


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.tif"
    path.touch()
    with pytest.raises(InputError, match=r"^empty\.tif is empty \(0 bytes\)\.$"):
        open_scene(path)


@pytest.mark.parametrize("fraction", [0.9, 0.6, 0.3])
def test_truncated_geotiff(tmp_path, fraction):
    path = write_truncated_geotiff(tmp_path / "cut.tif", fraction)
    with pytest.raises(InputError, match=r"^cut\.tif (is truncated|could not be read)"):
        open_scene(path)


def test_truncated_tiled_compressed_geotiff(tmp_path):
    data = (np.random.default_rng(1).random((4, 64, 64)) * 4000).astype("uint16")
    path = tmp_path / "tiled.tif"
    with rasterio.open(path, "w", driver="GTiff", width=64, height=64, count=4, dtype="uint16",
                       crs="EPSG:32648", transform=Affine(10, 0, 0, 0, -10, 0), tiled=True,
                       blockxsize=16, blockysize=16, compress="deflate", interleave="band") as dst:
        dst.write(data)
    assert open_scene(path).band_count == 4
    raw = path.read_bytes()
    path.write_bytes(raw[: int(len(raw) * 0.8)])
    with pytest.raises(InputError, match="tiled.tif"):
        open_scene(path)


@pytest.mark.parametrize("fmt, suffix", [("PNG", ".png"), ("JPEG", ".jpg")])
def test_truncated_png_and_jpeg(tmp_path, fmt, suffix):
    rgb = (np.random.default_rng(2).random((60, 80, 3)) * 255).astype("uint8")
    path = write_png(tmp_path / f"cut{suffix}", rgb, fmt=fmt)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(InputError, match=f"cut{suffix} is truncated"):
        open_scene(path)


def test_garbage_after_tiff_magic(tmp_path):
    path = tmp_path / "fake.tif"
    path.write_bytes(b"II*\x00" + bytes(range(256)) * 4)
    with pytest.raises(InputError, match=r"^fake\.tif could not be read as a GeoTIFF"):
        open_scene(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="gone.tif could not be opened"):
        open_scene(tmp_path / "gone.tif")
