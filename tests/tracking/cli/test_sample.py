"""``python -m tracking sample``: writes the series and says what it wrote."""

from __future__ import annotations

import json

from tracking.cli.main import main


def test_sample_command_writes_and_reports(tmp_path, capsys):
    out = tmp_path / "sample"
    assert main(["sample", str(out), "--seed", "11", "--size", "64", "--dates", "12"]) == 0
    text = capsys.readouterr().out
    manifest = json.loads((out / "sample.json").read_text())
    assert manifest["seed"] == 11 and manifest["size"] == 64 and len(manifest["dates"]) == 12
    assert "wrote 12 scenes" in text
    for scene in manifest["scenes"]:
        assert (out / "scenes" / scene["file"]).is_file()
        assert scene["file"] in text
    assert len(list((out / "truth").glob("*.tif"))) == 12
    for name in ("prompt.geojson", "prompt_points.geojson", "prompt_box.geojson"):
        assert (out / name).is_file() and str(out / name) in text
    assert (out / "COMPLETE").is_file()
    assert "other grid" in text and "cloud" in text and manifest["events"]["failure_between"][0] in text


def test_sample_command_refuses_too_few_dates(tmp_path, capsys):
    assert main(["sample", str(tmp_path / "s"), "--size", "64", "--dates", "3"]) == 2
    err = capsys.readouterr().err
    assert "between 12 and 40 dates" in err and "Traceback" not in err
    assert not (tmp_path / "s" / "sample.json").exists()
