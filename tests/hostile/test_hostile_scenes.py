"""Hostile and broken scene uploads on a hosted server: one test per case.

Each case goes through the dashboard's upload path (tracking.project.uploads.add_uploads,
which screens against the server's limits, then rebuild_frames, which unpacks
archives and reads the scenes), asserts the sentence the analyst sees, and that
nothing was written outside the project folder.
"""

from __future__ import annotations

import numpy as np
import pytest

from tracking.core.settings import HOSTED_LIMITS
from tracking.ingest.headers import megapixels

from . import corpus
from .harness import one_sentence, refused, scene_bytes

LIMIT = megapixels(HOSTED_LIMITS.max_scene_pixels)


def good_pair() -> dict[str, bytes]:
    return dict([scene_bytes("20200101"), scene_bytes("20200601")])


def test_zip_slip_entries_are_skipped_and_written_nowhere(hosted):
    payload = scene_bytes("20200301")[1]
    saved, problems = hosted.upload({"scenes.zip": corpus.zip_slip(good_pair(), payload)})
    assert saved == ["scenes.zip"] and problems == []
    frames, problems = hosted.build()
    assert len(frames) == 2  # the two honest scenes
    outside = [p for p in problems if "points outside the archive folder" in p]
    assert len(outside) == 5, problems  # ../, /abs, C:, a/../../.., and the symbolic link
    for line in outside:
        one_sentence(line)
    assert not [p for p in hosted.root.rglob("evil*")] and not [p for p in hosted.root.rglob("link*")]
    hosted.assert_nothing_outside()


def test_zip_bomb_by_ratio_is_stopped_while_unpacking(hosted):
    bomb = corpus.zip_bomb_by_ratio(good_pair(), mb=20)
    assert len(bomb) < 100_000
    hosted.upload({"bomb.zip": bomb})
    frames, problems = hosted.build()
    assert len(frames) == 2
    assert any("bomb_20200401.tif' expands more than 200 times (a zip bomb?); skipped." in p for p in problems)
    assert hosted.project.disk_bytes() < 2_000_000  # the 20 MB never stayed on disk
    hosted.assert_nothing_outside()


def test_zip_bomb_by_total_size_is_refused_at_upload(hosted, monkeypatch):
    monkeypatch.setenv("LANDSLIDE_PROJECT_DISK_MB", "5")
    bomb = corpus.zip_bytes({f"part{i}_2020010{i}.tif": b"\x00" * (3 << 20) for i in range(1, 4)})
    message = refused(lambda: hosted.upload({"parts.zip": bomb}))
    assert message.startswith("This needs 9.4 MB of disk but the project has only")
    assert "of its 5.0 MB; remove some uploads or start a new project." in message
    assert not any(hosted.project.uploads.iterdir())
    hosted.assert_nothing_outside()


def test_zip_entry_lying_about_its_size_is_cut_off(hosted):
    """Python's zipfile reads no more than the header declares, so the entry ends short and fails its CRC."""
    liar = corpus.zip_lying_about_size("liar_20200501.tif", real=1 << 20, claimed=1000)
    hosted.upload({"liar.zip": liar, **good_pair()})
    frames, problems = hosted.build()
    assert len(frames) == 2
    assert any("liar_20200501.tif' is damaged (Bad CRC-32" in p for p in problems), problems
    assert not list(hosted.root.rglob("liar_20200501.tif"))
    hosted.assert_nothing_outside()


@pytest.mark.parametrize("name, data, size", [
    ("huge_20200101.tif", corpus.tiff_header(200_000, 200_000), "200,000 x 200,000"),
    ("huge_20200101.tif", corpus.tiff_header(200_000, 200_000, big=True), "200,000 x 200,000"),
    ("huge_20200101.png", corpus.png_header(100_000, 100_000), "100,000 x 100,000"),
    ("huge_20200101.jpg", corpus.jpeg_header(65_000, 65_000), "65,000 x 65,000"),
])
def test_raster_declaring_huge_dimensions_is_refused_before_storing(hosted, name, data, size):
    saved, problems = hosted.upload({name: data, **good_pair()})
    assert name not in saved and len(problems) == 1
    assert one_sentence(problems[0]).startswith(f"{name} declares {size} pixels")
    assert problems[0].endswith(f"more than the {LIMIT} allowed per scene.")
    assert not (hosted.project.uploads / name).exists()
    hosted.assert_nothing_outside()


def test_raster_declaring_huge_dimensions_inside_a_zip_is_refused_without_reading(hosted):
    archive = corpus.zip_bytes({"huge_20200301.tif": corpus.tiff_header(200_000, 200_000), **good_pair()})
    hosted.upload({"mixed.zip": archive})
    frames, problems = hosted.build()
    assert len(frames) == 2
    assert [p for p in problems if p.startswith("huge_20200301.tif declares 200,000 x 200,000 pixels")]
    hosted.assert_nothing_outside()


@pytest.mark.parametrize("case, name, expect", [
    ("html_as_tif", "page_20200301.tif", "page_20200301.tif is not a GeoTIFF, PNG or JPEG image."),
    ("zip_as_png", "photo_20200301.png", "photo_20200301.png is not a GeoTIFF, PNG or JPEG image."),
    ("empty_tif", "empty_20200301.tif", "empty_20200301.tif is empty (0 bytes)."),
    ("png_named_jpg_cut_short", "cut_20200301.jpg", "cut_20200301.jpg could not be read as a PNG image"),
    ("tiff_magic_then_junk", "junk_20200301.tif", "junk_20200301.tif could not be read as a GeoTIFF"),
    ("exe_as_jpeg", "prog_20200301.jpeg", "prog_20200301.jpeg is not a GeoTIFF, PNG or JPEG image."),
])
def test_file_pretending_to_be_an_image(hosted, case, name, expect):
    from tests.helpers.scenes import write_png

    png = write_png(hosted.project.root / "x.png").read_bytes()
    (hosted.project.root / "x.png").unlink()
    fake = corpus.impostors(png)[case]
    hosted.upload({name: fake, **good_pair()})
    frames, problems = hosted.build()
    assert len(frames) == 2
    assert [p for p in problems if p.startswith(expect)], problems
    # alone, the impostor gives one sentence and no frames
    hosted.project.uploads.joinpath("scene_20200101.tif").unlink()
    hosted.project.uploads.joinpath("scene_20200601.tif").unlink()
    message = refused(hosted.build)
    assert message.startswith("No usable dated scene in uploads: " + expect[:20])
    hosted.assert_nothing_outside()


def test_nan_only_scene_is_flagged_and_not_tracked(hosted):
    nan = scene_bytes("20210101", np.full((3, 24, 32), np.nan, np.float32))
    hosted.upload({**good_pair(), nan[0]: nan[1]})
    frames, _ = hosted.build()
    assert len(frames) == 3 and frames.quality[2].bad and frames.quality[1].bad is False
    assert frames.quality[2].reasons == ("nodata 100% > 50%",) and not frames.valid[2].any()
    assert frames.good_indices == [0, 1]
    hosted.assert_nothing_outside()


def test_nodata_only_series_gives_one_sentence_when_tracking(hosted):
    from tracking.core.prompts import Prompt
    from tracking.project import runs, workflow

    empty = [scene_bytes(d, np.zeros((3, 24, 32), np.uint16), nodata=0) for d in ("20200101", "20200601")]
    hosted.upload(dict(empty))
    frames, _ = hosted.build()
    assert all(q.bad for q in frames.quality) and not frames.valid.any()
    assert refused(lambda: workflow.set_prompts(hosted.project, [Prompt(0, 1, box=(4, 4, 12, 12))])) == (
        "The prompt on frame 1 lies wholly where the scene has no data; draw it on the imaged part of the frame.")
    assert hosted.project.load_prompts() == []
    hosted.project.save_prompts([Prompt(0, 1, box=(4, 4, 12, 12))])  # saved by a version without that rule
    message = refused(lambda: runs.run_tracking(hosted.project, "baseline"))
    assert message == ("Every frame is flagged bad (cloud, snow, nodata or excluded), so there is nothing "
                       "to track.")
    assert hosted.project.load_prompts()[0].box == (4.0, 4.0, 12.0, 12.0)  # the prompt is kept
    hosted.assert_nothing_outside()


def test_single_band_scenes_become_grey_frames(hosted):
    from tests.helpers.scenes import ramp

    grey = [scene_bytes(d, ramp(1, 24, 32, "uint8")) for d in ("20200101", "20200601")]
    hosted.upload(dict(grey))
    frames, problems = hosted.build()
    img = frames.images[0].astype(int)
    assert frames.images.shape == (2, 24, 32, 3) and problems == []
    assert (img[..., 0] == img[..., 1]).all() and (img[..., 1] == img[..., 2]).all() and img.std() > 20
    hosted.assert_nothing_outside()


def test_sixteen_bit_scenes_use_their_full_range(hosted):
    rng = np.random.default_rng(3)
    deep = [scene_bytes(d, rng.integers(0, 65535, (3, 24, 32)).astype(np.uint16)) for d in ("20200101", "20200601")]
    hosted.upload(dict(deep))
    frames, problems = hosted.build()
    assert frames.images.dtype == np.uint8 and problems == []
    assert frames.images.std() > 40 and frames.images.min() < 30 and frames.images.max() > 225
    hosted.assert_nothing_outside()


def test_reference_zip_bomb_is_refused_before_unpacking(hosted, monkeypatch):
    from tracking.project import references

    monkeypatch.setenv("LANDSLIDE_PROJECT_DISK_MB", "5")
    bomb = corpus.zip_bytes({f"2020-0{i}-01.tif": b"\x00" * (3 << 20) for i in range(1, 4)})
    message = refused(lambda: references.save_reference_upload(hosted.project, "truth.zip", bomb))
    assert message.startswith("This needs 9.4 MB of disk but the project has only")
    assert not (hosted.project.root / "reference").exists() or not any((hosted.project.root / "reference").iterdir())
    hosted.assert_nothing_outside()


def test_reference_zip_slip_lands_flat_inside_the_project(hosted):
    from tracking.project import references

    mask = scene_bytes("20200101", np.ones((1, 24, 32), np.uint8))[1]
    slip = corpus.zip_bytes({"../../2020-01-01.tif": mask, "/tmp/2020-06-01.tif": mask, "2021-01-01.tif": mask})
    path = references.save_reference_upload(hosted.project, "truth.zip", slip)
    assert hosted.project.root in path.parents
    assert sorted(p.name for p in path.iterdir()) == ["2021-01-01.tif"]
    hosted.assert_nothing_outside()
