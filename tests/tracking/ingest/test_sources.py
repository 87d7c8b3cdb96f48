import os
import zipfile
from pathlib import Path

import pytest

from tests.helpers.scenes import ramp, write_geotiff, write_zip
from tracking.core.errors import InputError
from tracking.ingest.sources import ExtractLimits, collect_sources, extract_zip


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_folder_recursive_keeps_scene_types_and_ignores_others(tmp_path):
    src = tmp_path / "in"
    write_geotiff(src / "a_20190101.tif", ramp(3))
    write_geotiff(src / "sub" / "deeper" / "b_20200101.TIFF", ramp(3))
    for name in ("c.png", "d.jpg", "e.JPEG"):
        (src / name).write_bytes(b"x")
    for name in ("notes.txt", "a_20190101.tif.aux.xml", ".hidden.tif", "__MACOSX/._a.tif",
                 ".git/x.tif", "other.csv"):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text("name,value\n")
    listing = collect_sources([src], tmp_path / "work")
    assert sorted(p.name for p in listing.files) == ["a_20190101.tif", "b_20200101.TIFF", "c.png",
                                                      "d.jpg", "e.JPEG"]
    assert listing.manifest is None
    assert listing.problems == []


def test_manifest_found_and_single_files_accepted(tmp_path):
    tif = write_geotiff(tmp_path / "a.tif", ramp(3))
    manifest = tmp_path / "dates.csv"
    manifest.write_text("file,date\na.tif,2019-06-14\n")
    listing = collect_sources([tif, manifest, tif], tmp_path / "work")
    assert listing.files == [tif]  # given twice, listed once
    assert listing.manifest == manifest


def test_empty_folder_raises_naming_it(tmp_path):
    empty = tmp_path / "empty_folder"
    empty.mkdir()
    (empty / "readme.txt").write_text("nothing here")
    with pytest.raises(InputError, match="No scenes found in .*empty_folder"):
        collect_sources([empty], tmp_path / "work")


def test_missing_input_is_a_problem_not_a_crash(tmp_path):
    tif = write_geotiff(tmp_path / "a.tif", ramp(3))
    listing = collect_sources([tmp_path / "nope", tif], tmp_path / "work")
    assert listing.files == [tif]
    assert any("nope does not exist" in p for p in listing.problems)


def test_zip_extracted_into_workdir_with_folders(tmp_path):
    tif = write_geotiff(tmp_path / "src.tif", ramp(3))
    archive = write_zip(tmp_path / "scenes.zip", {
        "scenes/a_20190101.tif": tif, "scenes/sub/b_20200101.tif": tif,
        "dates.csv": b"file,date\na_20190101.tif,2019-01-02\n",
        "scenes/readme.txt": b"hello", "__MACOSX/scenes/._a_20190101.tif": b"junk",
    })
    work = tmp_path / "work"
    listing = collect_sources([archive], work)
    assert sorted(p.name for p in listing.files) == ["a_20190101.tif", "b_20200101.tif"]
    assert all(work in p.parents for p in listing.files)
    assert listing.files[0].read_bytes() == tif.read_bytes()
    assert listing.manifest is not None and listing.manifest.name == "dates.csv"
    assert not any("__MACOSX" in p for p in _tree(work)) and not any("readme" in p for p in _tree(work))
    assert listing.problems == ["scenes.zip: 1 file is not a scene or a dates manifest and was not used "
                                "(readme.txt)."]  # said, not extracted


def test_zip_slip_entries_are_refused_and_nothing_escapes(tmp_path):
    tif = write_geotiff(tmp_path / "src" / "src.tif", ramp(3))
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../x.tif", tif.read_bytes())
        zf.writestr("a/../../y.tif", tif.read_bytes())
        zf.writestr("/abs/z.tif", tif.read_bytes())
        zf.writestr("..\\w.tif", tif.read_bytes())
        link = zipfile.ZipInfo("link.tif")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")
        zf.writestr("good_20190101.tif", tif.read_bytes())
    before = _tree(tmp_path)
    work = tmp_path / "deep" / "work"
    listing = collect_sources([archive], work)
    assert [p.name for p in listing.files] == ["good_20190101.tif"]
    new = _tree(tmp_path) - before
    assert all(p.startswith(os.path.join("deep", "work")) or p == "deep" for p in new), new
    assert not (tmp_path / "deep" / "x.tif").exists() and not Path("/abs/z.tif").exists()
    skipped = [p for p in listing.problems if "evil.zip" in p]
    assert len(skipped) == 5
    assert any("'../x.tif' points outside" in p for p in skipped)


def test_corrupt_zip_is_a_problem_line(tmp_path):
    bad = tmp_path / "broken.zip"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    good = write_geotiff(tmp_path / "a.tif", ramp(3))
    listing = collect_sources([bad, good], tmp_path / "work")
    assert listing.files == [good]
    assert len(listing.problems) == 1 and listing.problems[0].startswith("broken.zip is not a readable zip")


def test_zip_with_damaged_entry_keeps_the_others(tmp_path):
    tif = write_geotiff(tmp_path / "src.tif", ramp(3, 64, 64))
    archive = write_zip(tmp_path / "part.zip", {"a.tif": tif, "b.tif": tif})
    raw = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("b.tif")
    start = info.header_offset + 30 + len("b.tif") + 10  # inside b.tif's compressed data
    raw[start:start + 40] = bytes(40)
    archive.write_bytes(bytes(raw))
    problems: list[str] = []
    out = extract_zip(archive, tmp_path / "work", problems=problems)
    assert [p.name for p in out] == ["a.tif"]
    assert len(problems) == 1 and "'b.tif' is damaged" in problems[0]
    assert not (tmp_path / "work" / "b.tif").exists()


def test_zip_bomb_ratio_is_refused(tmp_path):
    tif = write_geotiff(tmp_path / "src.tif", ramp(3))
    bomb = write_zip(tmp_path / "bomb.zip", {"big.tif": bytes(4 * 1024 * 1024), "ok_20190101.tif": tif})
    limits = ExtractLimits(max_ratio=50, ratio_floor_bytes=1024 * 1024)
    listing = collect_sources([bomb], tmp_path / "work", limits)
    assert [p.name for p in listing.files] == ["ok_20190101.tif"]
    assert any("bomb.zip: entry 'big.tif' expands more than 50 times" in p for p in listing.problems)
    assert not list((tmp_path / "work").rglob("big.tif*"))


def test_many_small_entries_bomb_is_stopped_by_the_overall_ratio(tmp_path):
    members = {f"s{i:02d}.tif": bytes(512 * 1024) for i in range(40)}  # 20 MiB of zeros
    archive = write_zip(tmp_path / "swarm.zip", members)
    problems: list[str] = []
    limits = ExtractLimits(max_ratio=100, ratio_floor_bytes=4 * 1024 * 1024)
    out = extract_zip(archive, tmp_path / "work", limits, problems)
    assert 0 < len(out) < 10  # each entry alone is under the floor; the sum is not
    assert len(problems) == 1 and "extraction stopped" in problems[0]
    written = sum(p.stat().st_size for p in (tmp_path / "work").rglob("*") if p.is_file())
    assert written == len(out) * 512 * 1024 <= 4 * 1024 * 1024


def test_zip_total_size_and_entry_count_limits(tmp_path):
    tif = write_geotiff(tmp_path / "src.tif", ramp(3))
    size = tif.stat().st_size
    archive = write_zip(tmp_path / "many.zip", {f"s{i}.tif": tif for i in range(4)})
    problems: list[str] = []
    out = extract_zip(archive, tmp_path / "w1", ExtractLimits(max_total_bytes=2 * size + 10), problems)
    assert len(out) == 2
    assert len(problems) == 1 and "size limit" in problems[0]
    problems = []
    assert extract_zip(archive, tmp_path / "w2", ExtractLimits(max_entries=3), problems) == []
    assert "lists 4 entries" in problems[0]


def test_zip_entry_lying_about_its_size_is_stopped(tmp_path):
    # an entry whose header claims 10 bytes but inflates to 2 MiB
    archive = write_zip(tmp_path / "liar.zip", {"x.tif": bytes(2 * 1024 * 1024)})
    raw = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("x.tif")
    real = info.file_size.to_bytes(4, "little")
    fake = (10).to_bytes(4, "little")
    raw = raw.replace(real, fake)  # local header and central directory
    archive.write_bytes(bytes(raw))
    problems: list[str] = []
    out = extract_zip(archive, tmp_path / "work", problems=problems)
    assert out == []
    assert len(problems) == 1
    assert not list((tmp_path / "work").rglob("x.tif*"))


def test_two_zips_with_the_same_name_do_not_collide(tmp_path):
    a = write_geotiff(tmp_path / "a.tif", ramp(3))
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    z1 = write_zip(tmp_path / "one" / "s.zip", {"a.tif": a})
    z2 = write_zip(tmp_path / "two" / "s.zip", {"a.tif": a})
    listing = collect_sources([z1, z2], tmp_path / "work")
    assert len(listing.files) == 2 and listing.files[0] != listing.files[1]
