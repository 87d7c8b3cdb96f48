"""The batch report: ranking, sudden changes, small multiples, failures; offline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tracking.batch.combine import growth_summary
from tracking.batch.inventory import Inventory
from tracking.batch.report import MAX_PANELS, build_batch_report, small_multiples
from tracking.batch.task import DONE, FAILED, LandslideResult
from tracking.exports.report import external_urls

D = [dt.date(2020, 1, 1), dt.date(2021, 1, 1), dt.date(2022, 1, 1)]


def rows(lid, areas):
    return [{"id": lid, "date": d, "object": 1, "area_m2": a, "units": "m"} for d, a in zip(D, areas)]


def page_for(n: int) -> str:
    data = [r for k in range(n)
            for r in rows(f"LS-{k:03d}", [10_000, 10_000 + 100 * k, 30_000 if k == 1 else 12_000 - 1_000 * k])]
    results = [LandslideResult(f"LS-{k:03d}", f"LS-{k:03d}", DONE) for k in range(n)]
    results.append(LandslideResult("LS-X", "LS-X", FAILED, sentence="LS-X lies outside every scene."))
    inv = Inventory(Path("inventory.gpkg"), "", [])
    return build_batch_report(growth_summary(data), results, [("LS-X", "LS-X lies outside every scene."),
                                                               ("", "bad.tif could not be read.")], inv, D)


def test_the_page_ranks_flags_and_lists_failures_offline():
    page = page_for(3)
    ranking = page.split("Ranked by growth")[1].split("Area over time")[0]
    assert ranking.index(">LS-001<") < ranking.index(">LS-000<") < ranking.index(">LS-002<")
    assert "2021-01-01 → 2022-01-01 (+197%)" in ranking  # LS-001 jumps from 1.01 to 3 ha
    assert "LS-X lies outside every scene." in page and "(scenes)" in page
    assert "chart-small-multiples" in page and external_urls(page) == []


def test_small_multiples_show_at_most_max_panels():
    growth = growth_summary([r for k in range(MAX_PANELS + 5) for r in rows(f"L{k}", [1, 2, 3])])
    fig = small_multiples(growth)
    assert len(fig.layout.annotations) == MAX_PANELS  # one title per panel
    assert f"the {MAX_PANELS} largest growths of {MAX_PANELS + 5}" in page_for(MAX_PANELS + 5)
