"""Cloud, snow and nodata fractions judged against the series, for 8-bit, 16-bit and float data."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers.landscape import quality_series
from tracking.ingest.quality import QualityThresholds, assess_quality, series_stats

FORMATS = ("uint16", "float", "uint8")


def _assess(rgb, nir, valid=None, thresholds=QualityThresholds()):
    valid = np.ones((rgb.shape[0],) + rgb.shape[2:], bool) if valid is None else valid
    stats = series_stats(rgb, valid)
    return [assess_quality(rgb[i], valid[i], None if nir is None else nir[i], stats.for_frame(i), thresholds)
            for i in range(len(rgb))]


@pytest.mark.parametrize("fmt", FORMATS)
def test_cloudy_frame_is_flagged_and_scar_and_road_are_not(fmt):
    rgb, nir, truth = quality_series(fmt, clouds={2: 0.45, 4: 0.12})
    quality = _assess(rgb, nir)
    cloudy = quality[2]
    assert cloudy.bad and cloudy.reasons and cloudy.reasons[0].startswith("cloud ")
    assert abs(cloudy.cloud - truth[2].mean()) < 0.1
    assert 0.05 < quality[4].cloud < 0.2 and not quality[4].bad
    for i in (0, 1, 3, 5):  # bright bare scar and a bright road in every frame
        assert quality[i].cloud < 0.01 and quality[i].snow < 0.01 and not quality[i].bad, (i, quality[i])


@pytest.mark.parametrize("fmt", FORMATS)
def test_fresh_bright_rock_scar_is_not_cloud(fmt):
    rgb, nir, _ = quality_series(fmt, rock_from=3)
    for i, q in enumerate(_assess(rgb, nir)):
        assert q.cloud < 0.01 and q.snow < 0.01, (i, q)


def test_single_clear_frame_with_scar_and_road_is_clear():
    rgb, nir, _ = quality_series("uint16", n=1)
    q = _assess(rgb, nir)[0]
    assert q.cloud == 0.0 and q.snow == 0.0 and not q.bad


@pytest.mark.parametrize("fmt", ("uint16", "float"))
def test_snow_is_told_from_cloud_with_nir(fmt):
    rgb, nir, truth = quality_series(fmt, snow={1: 0.4}, clouds={4: 0.4})
    quality = _assess(rgb, nir)
    assert abs(quality[1].snow - truth[1].mean()) < 0.08 and quality[1].cloud < 0.02
    assert quality[1].bad and quality[1].reasons == (f"snow {quality[1].snow:.0%} > 30%",)
    assert quality[4].cloud > 0.3 and quality[4].snow < 0.02


def test_nodata_fraction_and_thresholds():
    rgb, nir, _ = quality_series("uint16", n=3, clouds={1: 0.4})
    valid = np.ones((3,) + rgb.shape[2:], bool)
    valid[0, :, : int(rgb.shape[3] * 0.6)] = False
    rgb[0][:, ~valid[0]] = 0
    quality = _assess(rgb, nir, valid)
    assert abs(quality[0].nodata - 0.6) < 0.01
    assert quality[0].bad and quality[0].reasons == ("nodata 60% > 50%",)
    assert quality[1].nodata == 0.0 and quality[1].bad
    lenient = _assess(rgb, nir, valid, QualityThresholds(cloud=0.6, snow=0.3, nodata=0.7))
    assert not lenient[0].bad and not lenient[1].bad
    empty = assess_quality(rgb[0], np.zeros_like(valid[0]), None, series_stats(rgb, valid))
    assert empty.nodata == 1.0 and empty.cloud == 0.0 and empty.bad


def test_thresholds_round_trip():
    t = QualityThresholds(cloud=0.2, snow=0.4, nodata=0.1)
    assert QualityThresholds.from_dict(t.to_dict()) == t
    assert QualityThresholds.from_dict({}) == QualityThresholds()
