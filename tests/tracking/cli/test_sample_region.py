"""``python -m tracking sample-region OUT``: the batch command's synthetic region from the command line."""

from __future__ import annotations

import json

from tracking.cli.main import main


def test_sample_region_writes_scenes_truth_and_inventory(tmp_path, capsys):
    assert main(["sample-region", str(tmp_path), "--landslides", "2", "--dates", "4", "--tile", "96"]) == 0
    out = capsys.readouterr().out
    assert "inventory of 2 landslides" in out and "python -m tracking batch" in out
    manifest = json.loads((tmp_path / "region.json").read_text())
    assert [s["id"] for s in manifest["landslides"]] == ["LS-01", "LS-02"]
    assert len(list((tmp_path / "scenes").iterdir())) == 4
    assert len(list((tmp_path / "truth" / "LS-02").iterdir())) == 4
    assert (tmp_path / "inventory.gpkg").is_file() and (tmp_path / "COMPLETE").is_file()


def test_a_bad_count_is_one_sentence(tmp_path, capsys):
    assert main(["sample-region", str(tmp_path), "--dates", "2"]) == 2
    assert "between 4 and 40 dates" in capsys.readouterr().err
