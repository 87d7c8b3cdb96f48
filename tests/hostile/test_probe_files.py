"""Issue 13, the files an outside probe sent a hosted server: sizes that lie, names that attack.

Each case goes through the dashboard's upload path (add_uploads, then rebuild_frames)
on a hosted project and asserts what the analyst sees: one sentence, no server path,
no name that Markdown could turn into a link, and the good files of a batch kept.
"""

from __future__ import annotations

import time
import tracemalloc

import pytest

from tracking.core.errors import InputError
from tracking.ingest.dates import read_date_manifest
from tracking.project import uploads

from . import corpus
from .harness import one_sentence, refused

DATES = ["2020-01-05", "2020-02-05", "2020-03-05", "2020-04-05", "2020-05-05", "2020-06-05"]


def no_server_path(text: str, hosted) -> str:
    assert str(hosted.root) not in text and "/uploads" not in text and "/work/" not in text, text
    return text


# -- disk: every entry counts, only scenes and a manifest are unpacked ------------------
def test_a_huge_non_scene_entry_counts_against_the_disk_limit(hosted):
    archive = corpus.zip_declaring({"a_20200101.png": corpus.png_bytes(), "notes.csv": b"x" * 10},
                                   {"notes.csv": 3_000_000_000})
    message = refused(lambda: hosted.upload({"scenes.zip": archive}))
    assert message.startswith("This needs 3,000 MB of disk but the project has only"), message
    assert not any(hosted.project.uploads.iterdir())


def test_only_scenes_and_a_dates_manifest_are_unpacked(hosted):
    archive = corpus.zip_bytes({"a_20200101.png": corpus.png_bytes(1), "b_20200201.png": corpus.png_bytes(2),
                                "notes.csv": b"just,notes\n1,2\n", "dates.csv": b"file,date\n",
                                "readme.txt": b"hello", "inner.zip": corpus.zip_bytes({"c.png": b"x"})})
    hosted.upload({"scenes.zip": archive})
    frames, problems = hosted.build()
    assert len(frames) == 2
    unpacked = sorted(p.name for p in hosted.project.work.rglob("*") if p.is_file())
    assert unpacked == ["a_20200101.png", "b_20200201.png", "dates.csv"]
    assert "scenes.zip: inner.zip is a zip inside the archive and was not opened; unzip it and upload the " \
           "scenes inside." in problems
    assert "scenes.zip: 2 files are not scenes or a dates manifest and were not used (notes.csv, readme.txt)." \
        in problems


def test_thousands_of_csv_files_are_one_summarised_line(hosted):
    entries = {f"f{i:04d}.csv": b"a,b\n1,2\n" for i in range(9_999)}
    entries["a_20200101.png"] = corpus.png_bytes()
    hosted.upload({"many.zip": corpus.zip_bytes(entries)})
    t0 = time.perf_counter()
    frames, problems = hosted.build()
    assert time.perf_counter() - t0 < 20
    assert len(frames) == 1
    assert problems == ["many.zip: 9,999 files are not scenes or a dates manifest and were not used "
                        "(f0000.csv, f0001.csv, f0002.csv and 9,996 more)."]
    assert sum(1 for p in hosted.project.work.rglob("*") if p.is_file()) == 1


# -- the per-scene pixel limit, whatever integer type the TIFF uses ---------------------
@pytest.mark.parametrize("size_type", [4, 9], ids=["LONG", "SLONG"])
def test_a_tiff_declaring_60000_squared_is_refused_in_any_integer_type(hosted, size_type):
    saved, problems = hosted.upload({"big_20200101.tif": corpus.tiff_header(60_000, 60_000, size_type=size_type)})
    assert saved == [] and len(problems) == 1
    assert one_sentence(problems[0]).startswith("big_20200101.tif declares 60,000 x 60,000 pixels (3,600 megapixels)")


@pytest.mark.parametrize("size", [(-5, 100), (0, 100), (100, -32768)])
def test_a_tiff_declaring_a_negative_or_zero_size_is_refused(hosted, size):
    size_type = 8 if min(size) < -1000 else 9
    saved, problems = hosted.upload({"odd_20200101.tif": corpus.tiff_header(*size, size_type=size_type)})
    assert saved == [] and len(problems) == 1
    assert "it is not a readable scene" in one_sentence(problems[0])


# -- memory: a dates manifest is streamed and stops early -------------------------------
def test_a_huge_dates_manifest_is_refused_at_its_first_bad_line_in_little_memory(tmp_path):
    path = tmp_path / "dates.csv"
    path.write_bytes(b"file,date\n" + b"a,b\n" * 3_000_000)  # 12 MB
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="dates.csv line 2: 'b' is not a valid date for a"):
            read_date_manifest(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000, peak  # reading the whole file first took hundreds of MB


def test_a_dates_manifest_longer_than_the_scenes_stops_at_the_cap(tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text("file,date\n" + "".join(f"s{i}.tif,2020-01-{1 + i % 28:02d}\n" for i in range(500_000)))
    t0 = time.perf_counter()
    with pytest.raises(InputError, match=r"dates.csv line 5: the manifest lists more files than the 3 scenes"):
        read_date_manifest(path, max_rows=3)
    assert time.perf_counter() - t0 < 0.5


def test_a_dates_manifest_without_line_breaks_is_not_read_whole(tmp_path):
    path = tmp_path / "dates.csv"
    path.write_bytes(b"file,date\n" + b"x" * 20_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="could not be read"):
            read_date_manifest(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000, peak


# -- names: no server path, no lost zip, no Markdown, no silent replacement --------------
def test_no_scenes_is_one_sentence_without_a_server_path(hosted):
    hosted.upload({"notes.csv": b"just,notes\n"})
    message = refused(hosted.build)
    assert message.startswith("No scenes found in uploads"), message
    no_server_path(message, hosted)


def test_one_overlong_entry_name_loses_only_itself(hosted):
    entries = {f"s_{d}.png": corpus.png_bytes(i) for i, d in enumerate(DATES)}
    entries["A" * 250 + "_2020-07-05.png"] = corpus.png_bytes(9)  # 265 characters
    hosted.upload({"long.zip": corpus.zip_bytes(entries)})
    frames, problems = hosted.build()
    assert len(frames) == 7  # the long name is shortened, its date kept, so even it loads
    assert all(len(s) <= 120 for s in frames.sources)
    assert [s for s in frames.sources if s.startswith("AAAA")][0].endswith("A_2020-07-05.png")
    for line in problems:
        no_server_path(one_sentence(line), hosted)


def test_link_and_image_entry_names_are_cleaned(hosted):
    entries = {"[Session expired - click to log in](https:evil.example) 2021-01-01.png": corpus.png_bytes(1),
               "![pixel](https:evil.example) 2021-02-01.png": corpus.png_bytes(2),
               "![pixel](https:evil.example) 2021-02-01 copy.png": corpus.png_bytes(3)}
    hosted.upload({"names.zip": corpus.zip_bytes(entries)})
    frames, problems = hosted.build()
    assert len(frames) == 2
    for text in frames.sources:
        assert not any(c in text for c in "[]()!"), text
    for text in problems:
        assert not any(c in text for c in "[]!") and "](" not in text, text
    assert any("has the same date (2021-02-01)" in p for p in problems)


def test_two_entries_that_clean_alike_are_both_kept_and_said(hosted):
    entries = {"x?2020-07-19.png": corpus.png_bytes(1), "x*2020-07-19.png": corpus.png_bytes(2),
               "y_2020-08-19.png": corpus.png_bytes(3)}
    hosted.upload({"alike.zip": corpus.zip_bytes(entries)})
    frames, problems = hosted.build()
    unpacked = sorted(p.name for p in hosted.project.work.rglob("*.png"))
    assert unpacked == ["x_2020-07-19.png", "x_2020-07-19_2.png", "y_2020-08-19.png"]
    assert ("alike.zip: entry 'x_2020-07-19.png' has the same name as another entry once odd characters are "
            "replaced; it was kept as x_2020-07-19_2.png.") in problems


def test_two_uploads_that_clean_alike_do_not_replace_each_other(hosted):
    saved, problems = hosted.upload({"x?2020-07-19.png": corpus.png_bytes(1),
                                     "x*2020-07-19.png": corpus.png_bytes(2)})
    assert saved == ["x_2020-07-19.png", "x_2020-07-19_2.png"]
    assert problems == ["Two files of this upload become x_2020-07-19.png once odd characters are replaced; "
                        "the second was saved as x_2020-07-19_2.png."]
    assert (hosted.project.uploads / "x_2020-07-19.png").read_bytes() == corpus.png_bytes(1)
    assert (hosted.project.uploads / "x_2020-07-19_2.png").read_bytes() == corpus.png_bytes(2)


def test_an_unusable_upload_name_is_shown_cleaned():
    with pytest.raises(InputError) as info:
        uploads.safe_name("[a](https:evil.example)/")
    assert not any(c in str(info.value) for c in "[]()"), info.value

