"""``python -m tracking batch`` end to end on a LocalCluster of 2 worker processes.

The synthetic region (4 landslides, 6 dates, one scene stack), a corrupt scene among the
scenes and a landslide outside them: every real landslide must match its truth, the
failures must be sentences in failures.csv, and a rerun must skip what is finished.
"""

from __future__ import annotations

import csv
import json

import geopandas as gpd
import numpy as np
import pyogrio
import pytest

from tests.helpers.batch_region import CORRUPT_NAME, FAR_ID, make_batch_inputs, mask_iou
from tracking.cli.main import build_parser, main
from tracking.exports.output_folder import load_track_output
from tracking.exports.report import external_urls
from tracking.sample.series import truth_on_grid

#: the baseline's mean IoU per landslide on this region is 0.78 to 0.92 (its worst single date 0.44)
MIN_MEAN_IOU, MIN_DATE_IOU = 0.7, 0.3


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    return make_batch_inputs(tmp_path_factory.mktemp("batch"))


def batch_args(inputs, out, *extra, workers="2"):
    return ["batch", str(inputs.inventory), str(inputs.scenes), "--out", str(out), "--engine", "baseline",
            *(["--workers", workers] if workers else []), *extra]


@pytest.fixture(scope="module")
def first_run(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    assert main(batch_args(inputs, out)) == 0
    return out


def read_failures(out):
    with open(out / "failures.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_landslide_matches_its_truth(inputs, first_run):
    region = inputs.region
    for lid in region.ids:
        grid, dates, track = load_track_output(first_run / lid)
        assert dates == region.dates  # the corrupt scene is left out, every real date is there
        truth = truth_on_grid(region.series(lid), grid)
        ious = [mask_iou(track.objects[1].masks[i], truth[d]) for i, d in enumerate(dates)]
        assert np.mean(ious) >= MIN_MEAN_IOU, (lid, ious)
        assert min(ious) >= MIN_DATE_IOU, (lid, ious)
        assert sorted(p.name for p in (first_run / lid / "masks").iterdir()) == [f"{d}.tif" for d in dates]
        manifest = json.loads((first_run / lid / "manifest.json").read_text())
        written = {p.name for p in (first_run / lid).iterdir()}
        assert {"scars.gpkg", "metrics.csv", "report.html", "evolution.gif"} <= written
        assert manifest["prompts"][0]["has_mask"]


def test_the_outline_is_the_prompt_on_its_mapped_date(inputs, first_run):
    inventory = gpd.read_file(inputs.region.inventory_path)
    for lid, day in zip(inventory["id"], inventory["date"]):
        manifest = json.loads((first_run / lid / "manifest.json").read_text())
        assert manifest["prompts"][0]["date"] == day.date().isoformat()
        provenance = [f["provenance"]["1"] for f in manifest["frames"]]
        assert provenance.count("prompted") == 1 and "propagated" in provenance


def test_each_worker_loads_the_engine_once(inputs, first_run):
    log = json.loads((first_run / "batch.json").read_text())
    tracked = [s for s in log["landslides"] if s["status"] == "done"]
    assert len(tracked) == len(inputs.region.ids) and all(s["seconds"] > 0 for s in tracked)
    workers = {s["worker"] for s in tracked}
    assert 1 <= len(workers) <= 2 and all(w.startswith("tcp://") for w in workers)  # two worker processes
    assert all(log["workers"][w]["engine_loads"] == 1 for w in workers)
    assert all(log["workers"][w]["peak_rss_mb"] > 50 for w in workers)


def test_combined_geopackage_has_every_landslide_and_date(inputs, first_run):
    gdf = gpd.read_file(first_run / "inventory.gpkg")
    region = inputs.region
    assert len(gdf) == len(region.ids) * len(region.dates)
    assert sorted(set(gdf["id"])) == region.ids
    assert gdf.crs.to_epsg() == 4326  # the inventory's CRS
    info = pyogrio.read_info(first_run / "inventory.gpkg")
    assert dict(zip(info["fields"], info["ogr_types"]))["date"] == "OFTDate"
    assert {"area_m2", "change_m2", "rate_m2_per_day", "provenance"} <= set(gdf.columns)
    first = gdf[gdf["id"] == "LS-01"].sort_values("date")
    assert np.isnan(first["change_m2"].iloc[0]) and first["area_m2"].gt(0).all()
    assert np.allclose(first["change_m2"].iloc[1:], np.diff(first["area_m2"]))
    with open(first_run / "metrics.csv", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == len(gdf)


def test_failures_are_sentences_and_the_others_finish(first_run):
    rows = read_failures(first_run)
    far = [r for r in rows if r["id"] == FAR_ID]
    assert len(far) == 1 and "outside every scene" in far[0]["sentence"]
    corrupt = [r for r in rows if CORRUPT_NAME in r["sentence"]]
    assert len(corrupt) == 1 and corrupt[0]["id"] == ""
    assert not (first_run / FAR_ID).exists()


def test_report_ranks_every_landslide_offline(inputs, first_run):
    page = (first_run / "report.html").read_text()
    for lid in inputs.region.ids:
        assert f">{lid}<" in page
    assert "chart-small-multiples" in page and FAR_ID in page
    assert "+" in page.split("Ranked by growth")[1].split("Area over time")[0]  # a sudden change is flagged
    assert external_urls(page) == []


def test_rerun_on_a_running_cluster_skips_finished_landslides(inputs, first_run, capsys):
    from distributed import LocalCluster

    stamps = {lid: (first_run / lid / "manifest.json").stat().st_mtime_ns for lid in inputs.region.ids}
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        assert main(batch_args(inputs, first_run, "--scheduler", cluster.scheduler_address, workers=None)) == 0
    assert "0 landslides tracked, 4 already finished, 1 failed" in capsys.readouterr().out
    assert {lid: (first_run / lid / "manifest.json").stat().st_mtime_ns for lid in inputs.region.ids} == stamps
    assert len(gpd.read_file(first_run / "inventory.gpkg")) == 4 * len(inputs.region.dates)


def test_arguments_reuse_the_track_engine_options(inputs, tmp_path):
    from tracking.cli.batch import options_from

    args = build_parser().parse_args(batch_args(inputs, tmp_path, "--buffer", "150", "--image-size", "512",
                                                "--scheduler", "tcp://10.0.0.5:8786", "--date-field", "mapped",
                                                "--overwrite", "--histogram-match"))
    opts = options_from(args)
    assert (opts.buffer_m, opts.workers, opts.scheduler, opts.date_field) == (150, 2, "tcp://10.0.0.5:8786", "mapped")
    assert opts.overwrite and opts.frames.histogram_match
    assert (opts.engine.kind, opts.engine.image_size) == ("baseline", 512)


def test_unreachable_scheduler_is_one_sentence(inputs, tmp_path, capsys):
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        assert main(batch_args(inputs, tmp_path, "--scheduler", "tcp://127.0.0.1:9")) == 2
    assert "Could not reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
