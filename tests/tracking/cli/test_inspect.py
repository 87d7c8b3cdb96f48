"""``python -m tracking inspect``: timeline table, quality flags, problems and the grid."""

from __future__ import annotations

import numpy as np
from affine import Affine

from tests.helpers.landscape import write_series
from tests.helpers.scenes import write_geotiff
from tracking.cli.main import main


def _table_line(out: str, needle: str) -> str:
    return next(line for line in out.splitlines() if needle in line)


def test_inspect_prints_timeline_quality_problems_and_grid(tmp_path, capsys):
    folder = tmp_path / "scenes"
    write_series(folder, n=4, clouds={2: 0.45})
    (folder / "broken_20210101.tif").write_text("not an image")
    write_geotiff(folder / "far_20190301.tif", np.full((4, 20, 20), 700, np.uint16),
                  transform=Affine(10.0, 0, 700000.0, 0, -10.0, 3000000.0))
    assert main(["inspect", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "Timeline: 5 dated scene(s), 4 on the grid, 1 flagged bad" in out
    for header in ("date", "file", "CRS", "size", "cloud %", "snow %", "nodata %", "flags"):
        assert header in out.splitlines()[1]
    cloudy = _table_line(out, "scene_20200715.tif")
    assert cloudy.startswith("2020-07-15") and "EPSG:32648" in cloudy and "160 x 160" in cloudy
    assert "BAD: cloud" in cloudy
    assert _table_line(out, "scene_20180715.tif").endswith("ok")
    assert "left out" in _table_line(out, "far_20190301.tif")
    problems = out[out.index("Problems (2):"):]
    assert "broken_20210101.tif" in problems and "far_20190301.tif does not overlap" in problems
    assert ("Grid: EPSG:32648, 10 m pixels, 160 x 160 pixels (1.60 x 1.60 km), "
            "bounds 400000.00, 3398400.00, 401600.00, 3400000.00") in out


def test_inspect_options_shape_the_grid(tmp_path, capsys):
    folder = tmp_path / "scenes"
    write_series(folder, n=2)
    code = main(["inspect", str(folder), "--aoi", "400200,3398800,400800,3399600", "--aoi-crs", "EPSG:32648",
                 "--resolution", "20", "--composite", "bgrn-false"])
    assert code == 0
    out = capsys.readouterr().out
    assert "Grid: EPSG:32648, 20 m pixels, 30 x 40 pixels (0.60 x 0.80 km)" in out
    assert "Problems: none" in out


def test_inspect_reports_bad_input_in_one_sentence(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["inspect", str(empty)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "empty" in err and len(err.strip().splitlines()) == 1
    folder = tmp_path / "scenes"
    write_series(folder, n=2)
    assert main(["inspect", str(folder), "--composite", "9,9,9"]) == 2
    assert "band" in capsys.readouterr().err


def test_inspect_says_which_frames_carry_nir(tmp_path, capsys):
    from tests.helpers.scenes import ramp

    folder = tmp_path / "scenes"
    write_series(folder, n=2)  # B, G, R, NIR
    write_geotiff(folder / "rgb_20220715.tif", ramp(3, 160, 160) * 20)  # R, G, B only
    assert main(["inspect", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "NIR/SWIR" in out.splitlines()[1]
    assert " NIR " in _table_line(out, "scene_20180715.tif") and " none " in _table_line(out, "rgb_20220715.tif")
    assert "Vegetation guidance: NIR on 2 of 3 frames" in out


def test_inspect_of_rgb_scenes_says_there_is_no_vegetation_guidance(tmp_path, capsys):
    from tests.helpers.scenes import write_png

    for year in (2019, 2020):
        write_png(tmp_path / "s" / f"a_{year}0601.png")
    assert main(["inspect", str(tmp_path / "s")]) == 0
    assert "Vegetation guidance: none (no frame carries NIR or SWIR" in capsys.readouterr().out
