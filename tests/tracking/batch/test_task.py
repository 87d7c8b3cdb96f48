"""One landslide's task, run in this process: its folder, skipping when finished, failures as sentences."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from tracking.batch.inventory import read_inventory
from tracking.batch.task import DONE, FAILED, SKIPPED, LandslideTask, run_landslide
from tracking.batch.worker import EngineSettings
from tracking.ingest.build import FrameOptions
from tracking.ingest.timeline import build_timeline
from tracking.sample.region import generate_region


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    return generate_region(tmp_path_factory.mktemp("region"), n_landslides=2, n_dates=4, tile=120)


def task_for(region, out: Path, k: int = 0, **kw) -> LandslideTask:
    slide = read_inventory(region.inventory_path).landslides[k]
    timeline = build_timeline([region.scenes_dir], out / ".work")
    return LandslideTask(slide, timeline, str(out), 150.0, FrameOptions(), EngineSettings("baseline"), **kw)


def test_a_landslide_is_tracked_into_its_folder_then_skipped(region, tmp_path):
    result = run_landslide(task_for(region, tmp_path))
    assert (result.status, result.sentence, result.n_dates) == (DONE, "", len(region.dates))
    folder = tmp_path / "LS-01"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [f["date"] for f in manifest["frames"]] == [d.isoformat() for d in region.dates]
    assert len(result.rows) == len(region.dates) and {r["id"] for r in result.rows} == {"LS-01"}
    assert result.rows[0]["outline"] and "UTM zone 48N" in result.rows[0]["grid_crs"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".LS-01")] == []  # no temporary left
    stamp = (folder / "manifest.json").stat().st_mtime_ns

    again = run_landslide(task_for(region, tmp_path))
    assert again.status == SKIPPED and len(again.rows) == len(region.dates)
    assert (folder / "manifest.json").stat().st_mtime_ns == stamp

    redone = run_landslide(task_for(region, tmp_path, overwrite=True))
    assert redone.status == DONE and (folder / "manifest.json").stat().st_mtime_ns != stamp


def test_an_unexpected_error_is_a_failure_sentence_and_leaves_no_folder(region, tmp_path, monkeypatch):
    import tracking.run.stages

    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(tracking.run.stages, "run_and_write", broken)
    result = run_landslide(task_for(region, tmp_path, k=1))
    assert result.status == FAILED and result.sentence == "Unexpected error (ValueError: boom)."
    assert not (tmp_path / "LS-02").exists()
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".LS-02")] == []


def test_sam2_landslides_share_one_model_per_process(region, tmp_path, sam2_checkpoint):
    """Two landslides with SAM2 (random weights, small input): one model load for both."""
    from tests.helpers.sam2_weights import SAM2_IMAGE_SIZE
    from tracking.batch.worker import cached_engine

    cached_engine.cache_clear()
    settings = EngineSettings("sam2", checkpoint=str(sam2_checkpoint), device="cpu", image_size=SAM2_IMAGE_SIZE)
    results = [run_landslide(dataclasses.replace(task_for(region, tmp_path, k=k), engine=settings)) for k in (0, 1)]
    assert [r.status for r in results] == [DONE, DONE], [r.sentence for r in results]
    assert [r.engine_loads for r in results] == [1, 1]
    manifest = json.loads((tmp_path / "LS-02" / "manifest.json").read_text())
    assert manifest["engine"]["engine"] == "sam2"
