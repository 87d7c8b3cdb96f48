"""Limits refused with one sentence before any heavy work."""

import io
import zipfile

import numpy as np
import pytest

from tests.helpers.scenes import ramp, write_geotiff, write_png
from tests.hostile.corpus import png_header, tiff_header
from tracking.core.errors import InputError
from tracking.core.settings import Limits
from tracking.hosting import limits as L

SMALL = Limits(upload_mb=0.01, upload_total_mb=0.03, max_scenes=3, max_scene_pixels=10_000,
               max_grid_pixels=2_500, max_frames=5, project_disk_mb=0.05, project_ttl_days=1)


def zipped(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def one_sentence(exc) -> str:
    text = str(exc.value)
    assert "\n" not in text and text.endswith(".") and text.count(". ") == 0
    return text


def test_upload_size_per_file(project):
    with pytest.raises(InputError) as exc:
        L.check_uploads(project, [("../../big.tif", b"\0" * 20_000)], SMALL)
    assert one_sentence(exc) == "big.tif is 20 kB, more than the 10 kB allowed per file."


def test_upload_total_counts_earlier_uploads_but_not_replaced_ones(project):
    for name in ("a.tif", "b.tif"):
        (project.uploads / name).write_bytes(b"\0" * 9_000)
    L.check_uploads(project, [("a.tif", b"\0" * 9_000)], SMALL)  # replaces a.tif
    with pytest.raises(InputError, match="bring the project's uploads to 36 kB, more than the 30 kB allowed"):
        L.check_uploads(project, [("c.tif", b"\0" * 9_000), ("d.tif", b"\0" * 9_000)], SMALL)


def test_scene_count_includes_scenes_listed_in_zips(project):
    (project.uploads / "a.tif").write_bytes(b"\0")
    archive = zipped({"x/1.tif": b"1", "x/2.png": b"2", "x/3.JPG": b"3", "readme.txt": b"hi", "dates.csv": b"f,d"})
    with pytest.raises(InputError, match="would hold 4 scenes, more than the 3 allowed"):
        L.check_uploads(project, [("s.zip", archive)], SMALL)
    L.check_uploads(project, [("s.zip", zipped({"1.tif": b"1"}))], SMALL)


def test_zip_declared_unpacked_size_counts_against_the_disk(project):
    bomb = zipped({"big.tif": b"\0" * 200_000})  # 200 kB unpacked, a few hundred bytes packed
    assert len(bomb) < 2_000
    assert L.zip_scene_summary("bomb.zip", bomb) == (1, 200_000)
    with pytest.raises(InputError, match="disk but the project has only"):
        L.check_uploads(project, [("bomb.zip", bomb)], SMALL)


def test_unreadable_zip_passes_screening_and_is_counted_as_nothing(project):
    with pytest.raises(InputError, match="not a readable zip"):
        L.zip_scene_summary("s.zip", b"PK\x03\x04 garbage")
    kept, problems = L.screen_uploads(project, [("s.zip", b"PK\x03\x04 garbage")], SMALL)
    assert len(kept) == 1 and problems == []  # extraction reports it when the timeline is built


def test_huge_image_upload_refused_before_storing(project):
    with pytest.raises(InputError, match="scene.png declares 100,000 x 100,000"):
        L.check_uploads(project, [("scene.png", png_header(100_000, 100_000))], SMALL)
    assert not any(project.uploads.iterdir())


def test_frames_and_disk(project):
    L.check_frames(5, SMALL)
    with pytest.raises(InputError, match="6 frames, more than the 5"):
        L.check_frames(6, SMALL)
    L.check_disk(project, 1_000, SMALL)
    with pytest.raises(InputError, match="only"):
        L.check_disk(project, 60_000, SMALL)


def test_grid_limit_applies_when_choosing_the_grid(tmp_path, monkeypatch):
    """The server's limit reaches tracking.ingest.regrid.choose_grid (pixel grids and map grids)."""
    from tracking.ingest.regrid import choose_grid
    from tracking.ingest.scenes import open_scene

    monkeypatch.setenv("LANDSLIDE_MAX_GRID_PIXELS", "600")
    scene = open_scene(write_png(tmp_path / "p_20200101.png", np.zeros((20, 40, 3), np.uint8)))
    with pytest.raises(InputError, match="40 x 20 pixels"):
        choose_grid([scene])
    geo = open_scene(write_geotiff(tmp_path / "g_20200101.tif", ramp(3, 30, 30)))
    with pytest.raises(InputError, match="30 x 30 pixels"):
        choose_grid([geo])
    monkeypatch.setenv("LANDSLIDE_MAX_GRID_PIXELS", "900")
    assert choose_grid([geo]).width == 30


def test_open_scene_refuses_a_huge_header_without_reading(tmp_path, monkeypatch):
    from tracking.ingest.scenes import open_scene

    monkeypatch.setenv("LANDSLIDE_MAX_SCENE_PIXELS", "1000000")
    path = tmp_path / "s_20200101.tif"
    path.write_bytes(tiff_header(200_000, 200_000))
    with pytest.raises(InputError, match="s_20200101.tif declares 200,000 x 200,000 pixels"):
        open_scene(path)


def test_screen_uploads_refuses_files_one_by_one_and_keeps_the_rest(project):
    good = b"II*\x00" + b"\0" * 100
    kept, problems = L.screen_uploads(project, [
        ("ok.tif", good), ("huge.tif", tiff_header(1000, 1000)), ("fat.png", b"\x89PNG" + b"\0" * 20_000),
        ("dates.csv", b"file,date\n")], SMALL)
    assert [n for n, _ in kept] == ["ok.tif", "dates.csv"]
    assert [p.split(" ")[0] for p in problems] == ["huge.tif", "fat.png"]
    assert "declares 1,000 x 1,000 pixels" in problems[0] and "per file" in problems[1]


def test_outline_uploads_are_limited_by_size_and_unpacked_size():
    L.check_outline_upload("o.geojson", b"{}" * 100, SMALL)
    with pytest.raises(InputError, match="o.geojson is 20 kB, more than the 10 kB allowed per file."):
        L.check_outline_upload("o.geojson", b"x" * 20_000, SMALL)
    bomb = zipped({"o.shp": b"\0" * 50_000, "o.dbf": b"\0" * 50_000})
    assert len(bomb) < 10_000
    with pytest.raises(InputError, match="o.zip would unpack to 100 kB, more than the 10 kB allowed for an outline"):
        L.check_outline_upload("dir/o.zip", bomb, SMALL)
    L.check_outline_upload("broken.zip", b"PK nothing", SMALL)  # left to the reader's "damaged" sentence


def test_archive_upload_counts_its_unpacked_size_against_the_disk(project):
    L.check_archive_upload(project, "ref.zip", zipped({"2020-01-01.tif": b"\0" * 1000}), SMALL)
    bomb = zipped({f"2020-01-0{i}.tif": b"\0" * 30_000 for i in range(1, 4)})
    with pytest.raises(InputError, match="This needs 90 kB of disk but the project has only"):
        L.check_archive_upload(project, "ref.zip", bomb, SMALL)
    with pytest.raises(InputError, match="per file"):
        L.check_archive_upload(project, "ref.geojson", b" " * 20_000, SMALL)
