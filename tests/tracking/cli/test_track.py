"""``python -m tracking track`` end to end on a small generated sample: baseline and real SAM2."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import rasterio

from tests.helpers.sam2_weights import SAM2_IMAGE_SIZE
from tracking.cli.main import main
from tracking.sample.series import generate_sample, truth_on_grid


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return generate_sample(tmp_path_factory.mktemp("sample"), seed=3, size=96, n_dates=12)


@pytest.fixture(autouse=True)
def no_installed_weights(tmp_path, monkeypatch):
    """Never pick up a checkpoint a developer happens to have installed."""
    monkeypatch.delenv("SAM2_CHECKPOINT", raising=False)
    monkeypatch.setenv("LANDSLIDE_SAM2_DIR", str(tmp_path / "no-weights"))


def read_manifest(out):
    return json.loads((out / "manifest.json").read_text())


def test_baseline_run_writes_masks_manifest_and_exports(sample, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["track", str(sample.scenes_dir), "--prompt", str(sample.prompt_path), "--out", str(out),
                 "--engine", "auto"]) == 0
    said = capsys.readouterr().out
    assert "weights-free baseline" in said and "weights download tiny" in said
    manifest = read_manifest(out)
    assert manifest["engine"]["engine"] == "baseline"
    dates = [f["date"] for f in manifest["frames"]]
    assert dates == sorted(dates) and len(dates) == 12
    assert sum(f["skipped"] for f in manifest["frames"]) >= 1  # the cloudy date
    assert manifest["frames"][0]["provenance"] == {"1": "prompted"}
    assert manifest["prompts"][0]["has_mask"] and manifest["grid"]["crs"] == "EPSG:32648"

    from tracking.core.grid import Grid

    grid = Grid.from_dict(manifest["grid"])
    truth = truth_on_grid(sample, grid)
    ious = []
    for d in dates:
        with rasterio.open(out / "masks" / f"{d}.tif") as src:
            assert src.crs.to_epsg() == 32648 and src.dtypes[0] == "uint8"
            pred = src.read(1) > 0
        ref = truth[np.datetime64(d).astype(object)]
        ious.append((pred & ref).sum() / max(1, (pred | ref).sum()))
    assert np.mean(ious) > 0.75
    assert len(gpd.read_file(out / "scars.gpkg", layer="scars")) == 12
    assert (out / "report.html").exists() and (out / "evolution.gif").exists()


def test_box_and_points_on_the_command_line(sample, tmp_path):
    out = tmp_path / "out"
    assert main(["track", str(sample.scenes_dir), "--out", str(out), "--engine", "baseline",
                 "--box", "30,30,60,55", "--point", "45,42,1", "--point", "5,5,0"]) == 0
    (prompt,) = read_manifest(out)["prompts"]
    assert prompt["box"] == [30, 30, 60, 55] and prompt["labels"] == [1, 0]


def test_sam2_without_checkpoint_names_the_download_command(sample, tmp_path, capsys):
    code = main(["track", str(sample.scenes_dir), "--prompt", str(sample.prompt_path), "--out",
                 str(tmp_path / "o"), "--engine", "sam2"])
    err = capsys.readouterr().err
    assert code == 2 and "python -m tracking weights download tiny" in err
    assert err.count("\n") == 1  # one sentence, no traceback


def test_no_prompt_and_bad_point_are_refused(sample, tmp_path, capsys):
    assert main(["track", str(sample.scenes_dir), "--out", str(tmp_path / "o"), "--engine", "baseline"]) == 2
    assert "Give a prompt" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["track", str(sample.scenes_dir), "--out", str(tmp_path / "o"), "--point", "1,2,7"])


def test_real_sam2_from_a_checkpoint_file(sample, tmp_path, sam2_checkpoint):
    out = tmp_path / "out"
    assert main(["track", str(sample.scenes_dir), "--prompt", str(sample.prompt_box_path), "--out", str(out),
                 "--engine", "sam2", "--checkpoint", str(sam2_checkpoint), "--device", "cpu",
                 "--image-size", str(SAM2_IMAGE_SIZE)]) == 0
    manifest = read_manifest(out)
    engine = manifest["engine"]
    assert engine["engine"] == "sam2" and engine["device"] == "cpu" and len(engine["checkpoint_sha256"]) == 64
    provs = [f["provenance"].get("1") for f in manifest["frames"]]
    assert provs[0] == "prompted" and "carried" in provs and set(provs) <= {"prompted", "propagated", "carried"}
    assert len(list((out / "masks").glob("*.tif"))) == 12
