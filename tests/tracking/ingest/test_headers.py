"""A scene's first bytes: the size it declares, read and checked without decoding a pixel."""

import struct
import tracemalloc

import numpy as np
import pytest

from tests.helpers.scenes import ramp, write_geotiff, write_png
from tests.hostile.corpus import jpeg_header, png_header, tiff_header
from tracking.core.errors import InputError
from tracking.core.settings import Limits
from tracking.ingest import headers as H
from tracking.ingest.regrid import check_grid

SMALL = Limits(upload_mb=0.01, upload_total_mb=0.03, max_scenes=3, max_scene_pixels=10_000,
               max_grid_pixels=2_500, max_frames=5, project_disk_mb=0.05, project_ttl_days=1)


def one_sentence(exc) -> str:
    text = str(exc.value)
    assert "\n" not in text and text.endswith(".") and text.count(". ") == 0
    return text


@pytest.mark.parametrize("data, kind", [
    (tiff_header(200_000, 200_000), "tiff"), (tiff_header(200_000, 200_000, big=True), "bigtiff"),
    (png_header(100_000, 100_000), "png"), (jpeg_header(60_000, 50_000), "jpeg"),
])
def test_huge_declared_sizes_are_read_from_the_header(data, kind):
    w, h = H.declared_size(data)
    assert w * h >= 3_000_000_000, kind
    with pytest.raises(InputError) as exc:
        H.check_scene_header_bytes(f"big.{kind}", data, SMALL)
    assert f"big.{kind} declares" in one_sentence(exc) and "allowed per scene" in str(exc.value)


def test_real_files_report_their_true_size(tmp_path):
    tif = write_geotiff(tmp_path / "a.tif", ramp(3, 21, 33), tiled=True)
    png = write_png(tmp_path / "b.png", np.zeros((9, 14, 3), np.uint8))
    jpg = write_png(tmp_path / "c.jpg", np.zeros((9, 14, 3), np.uint8), fmt="JPEG")
    assert H.declared_size(tif.read_bytes()) == (33, 21)
    assert H.declared_size(png.read_bytes()) == (14, 9)
    assert H.declared_size(jpg.read_bytes()) == (14, 9)
    H.check_scene_header(tif, SMALL)  # 693 pixels: fine
    assert H.declared_size(b"not an image at all") is None


def test_scene_header_within_the_limit_passes_and_beyond_it_fails(tmp_path):
    path = tmp_path / "s.tif"
    path.write_bytes(tiff_header(100, 100))
    H.check_scene_header(path, SMALL)  # exactly 10 000 pixels
    path.write_bytes(tiff_header(101, 100))
    with pytest.raises(InputError, match=r"s.tif declares 101 x 100 pixels"):
        H.check_scene_header(path, SMALL)


def _tiff_with_ifd_at(offset: int, width: int, height: int) -> bytes:
    """A little-endian classic TIFF whose only IFD (width and length tags) starts at ``offset``."""
    ifd = struct.pack("<H", 2) + struct.pack("<HHII", 256, 4, 1, width) + struct.pack("<HHII", 257, 4, 1, height)
    return b"II*\x00" + struct.pack("<I", offset) + b"\x00" * (offset - 8) + ifd + struct.pack("<I", 0)


def test_an_ifd_stored_past_the_first_megabyte_is_read_from_the_file(tmp_path):
    path = tmp_path / "late.tif"
    path.write_bytes(_tiff_with_ifd_at((1 << 20) + 100, 101, 100))
    assert H.declared_size(path.read_bytes()[:64], path) == (101, 100)
    with pytest.raises(InputError, match=r"late.tif declares 101 x 100 pixels"):
        H.check_scene_header(path, SMALL)


def test_an_ifd_offset_far_past_the_file_end_costs_no_memory(tmp_path):
    path = tmp_path / "liar.tif"  # 72 bytes claiming its IFD lies 3 GB in
    path.write_bytes(b"II*\x00" + struct.pack("<I", 3_000_000_000) + b"\x00" * 64)
    tracemalloc.start()
    try:
        H.check_scene_header(path, SMALL)  # nothing to parse: open_scene judges the file
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20


def test_grid_limit():
    check_grid(50, 50, SMALL)
    with pytest.raises(InputError, match="51 x 50 pixels"):
        check_grid(51, 50, SMALL)
