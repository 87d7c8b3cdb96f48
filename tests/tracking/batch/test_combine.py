"""Combining landslides: growth ranking, sudden changes, failure rows, the combined GeoPackage."""

from __future__ import annotations

import datetime as dt

import pytest
from rasterio.crs import CRS
from shapely.geometry import box

from tracking.batch.combine import SUDDEN_SHARE, combined_frame, growth_summary

D = [dt.date(2020, 1, 1), dt.date(2021, 1, 1), dt.date(2022, 1, 1)]


def rows(lid, areas):
    return [{"id": lid, "date": d, "object": 1, "area_m2": a, "units": "m"} for d, a in zip(D, areas)]


def test_growth_ranks_by_net_growth_and_flags_sudden_change():
    ranked = growth_summary(rows("slow", [100, 120, 140]) + rows("jump", [100, 110, 400])
                            + rows("shrink", [90, 80, 70]))
    assert [g.id for g in ranked] == ["jump", "slow", "shrink"]
    jump = ranked[0]
    assert jump.head.net == 300 and jump.head.growth_pct == pytest.approx(300)
    assert jump.sudden == [(D[1], D[2], pytest.approx(290 / 110))]
    assert ranked[1].sudden == [] and ranked[2].sudden == []
    edge = growth_summary(rows("edge", [100, 100 * (1 + SUDDEN_SHARE), 200]))[0]
    assert [s[:2] for s in edge.sudden] == []  # exactly the share is not sudden; +33 % neither


def test_the_combined_frame_is_in_the_inventory_crs():
    utm = "EPSG:32648"
    rs = [{"id": "a", "date": D[0], "area_m2": 100.0, "net_m2": float("nan"), "expansion_rate_m2_per_day": float("nan"),
           "provenance": "prompted", "gain_m2": float("nan"), "loss_m2": float("nan"), "confidence": 1.0,
           "outline": box(400000, 3400000, 400010, 3400010).wkb,
           "grid_crs": CRS.from_string(utm).to_wkt()}]
    gdf = combined_frame(rs, "EPSG:4326")
    assert gdf.crs.to_epsg() == 4326 and gdf["grid_crs"].iloc[0] == utm
    assert gdf["change_m2"].isna().iloc[0] and 100 < gdf.geometry.iloc[0].centroid.x < 110

