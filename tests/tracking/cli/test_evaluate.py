"""``python -m tracking evaluate OUT --reference REF`` on a folder the track command's writers made."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from tests.helpers.frames import make_frames, utm_grid
from tests.helpers.scenes import write_geotiff
from tests.helpers.tracks import DATES, rect
from tracking.cli.main import main
from tracking.core.track import Provenance, Track
from tracking.exports.output_folder import build_manifest, load_track_output, write_date_masks, write_manifest


def _track_output(out, grid):
    """A track output folder: object 1 is a 4x4 block on every date, object 2 a 2x2 block on date 1."""
    frames = make_frames(grid=grid, dates=DATES[:3], pattern="smooth")
    track = Track.empty(3, grid.shape)
    one = track.obj(1)
    for i in range(3):
        one.masks[i] = rect(grid.shape, 2, 6, 2, 6)
        one.provenance[i] = Provenance.PROMPTED if i == 0 else Provenance.PROPAGATED
        one.confidence[i] = 0.75
    two = track.obj(2)
    two.masks[1] = rect(grid.shape, 10, 12, 10, 12)
    two.provenance[1] = Provenance.CORRECTED
    write_date_masks(out, frames, track)
    write_manifest(out, build_manifest(frames, track, {"engine": "baseline"}, [], {}, []))
    return frames, track


def test_load_track_output_round_trips_the_track(tmp_path):
    grid = utm_grid(16, 16)
    frames, track = _track_output(tmp_path / "out", grid)
    got_grid, dates, got = load_track_output(tmp_path / "out")
    assert got_grid == grid and dates == DATES[:3]
    assert sorted(got.objects) == [1, 2]
    for oid in (1, 2):
        np.testing.assert_array_equal(got.objects[oid].masks, track.objects[oid].masks)
    assert got.objects[1].provenance == [Provenance.PROMPTED, Provenance.PROPAGATED, Provenance.PROPAGATED]
    assert got.objects[2].provenance[1] == Provenance.CORRECTED
    assert got.objects[1].confidence[0] == pytest.approx(0.75)


def test_evaluate_prints_table_and_writes_accuracy_csv(tmp_path, capsys):
    grid = utm_grid(16, 16)
    _track_output(tmp_path / "out", grid)
    ref = tmp_path / "ref"
    # Date 0: the reference is the 4x4 block shifted one column: TP 12, FP 4, FN 4 -> IoU 12/20.
    write_geotiff(ref / f"{DATES[0]:%Y%m%d}_ref.tif", rect(grid.shape, 2, 6, 3, 7).astype(np.uint8),
                  transform=grid.transform)
    # Date 1: exact (both objects).
    exact = (rect(grid.shape, 2, 6, 2, 6) | rect(grid.shape, 10, 12, 10, 12)).astype(np.uint8)
    write_geotiff(ref / f"{DATES[1].isoformat()}.tif", exact, transform=grid.transform)
    # A reference date that is not in the series is reported and left out.
    write_geotiff(ref / "2024-01-01.tif", exact, transform=grid.transform)
    code = main(["evaluate", str(tmp_path / "out"), "--reference", str(ref)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "iou" in printed and "mean" in printed and DATES[0].isoformat() in printed
    assert "2024-01-01" in printed
    with open(tmp_path / "out" / "accuracy.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["date"] for r in rows] == [DATES[0].isoformat(), DATES[1].isoformat(), "mean"]
    assert float(rows[0]["iou"]) == pytest.approx(12 / 20)
    assert float(rows[0]["precision"]) == pytest.approx(12 / 16)
    assert float(rows[1]["iou"]) == 1.0 and float(rows[1]["bf"]) == 1.0
    assert float(rows[2]["iou"]) == pytest.approx((12 / 20 + 1) / 2)


def test_evaluate_on_a_folder_without_manifest_fails_with_one_sentence(tmp_path, capsys):
    (tmp_path / "ref").mkdir()
    code = main(["evaluate", str(tmp_path), "--reference", str(tmp_path / "ref")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("error: ") and "manifest.json" in err and "\n" not in err


def test_manifest_with_a_mask_of_the_wrong_size_is_refused(tmp_path, capsys):
    grid = utm_grid(16, 16)
    _track_output(tmp_path / "out", grid)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    manifest["grid"]["width"] = 20
    (tmp_path / "out" / "manifest.json").write_text(json.dumps(manifest))
    write_geotiff(tmp_path / "ref" / "2018-06-01.tif", np.zeros((16, 20), np.uint8))
    code = main(["evaluate", str(tmp_path / "out"), "--reference", str(tmp_path / "ref")])
    assert code == 2 and "2018-06-01.tif" in capsys.readouterr().err
