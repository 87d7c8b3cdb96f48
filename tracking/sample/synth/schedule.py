"""The acquisitions: dates, sensors, file names, and which one is cloudy, snowy, or off-grid."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

START = dt.date(2017, 4, 1)
END = dt.date(2025, 10, 31)
REFERENCE_GRID = "reference"
OTHER_GRID = "landsat-15m"
NAMINGS = ("s2_product", "ymd_compact", "ymd_dash", "s2_tile", "ymd_underscore")


@dataclass
class Acquisition:
    """One scene of the series and how it was taken."""

    index: int
    when: dt.datetime  # UTC
    sensor: str
    naming: str
    file_name: str = ""
    grid: str = REFERENCE_GRID
    clouds: str = "none"  # "none", "cumulus" or "overcast"
    cloud_fraction: float = 0.0
    snow: bool = False
    nodata_edge: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def date(self) -> dt.date:
        return self.when.date()


def greenness(day: dt.date) -> float:
    """0 in the dry winter, 1 in the monsoon summer (leaf-out in April, senescence in October)."""
    doy = day.timetuple().tm_yday
    up = 1.0 / (1.0 + math.exp(-(doy - 112) / 9.0))
    down = 1.0 / (1.0 + math.exp(-(doy - 295) / 11.0))
    return max(0.0, up - down)


def draw_dates(rng: np.random.Generator, n: int) -> list[dt.date]:
    """n distinct dates between 2017 and 2025 with irregular gaps (at least 30 days apart).

    Drawn again until the series holds a summer date and a mid-winter date after
    the first one (the cloudy and the snowy scene need them).
    """
    span = (END - START).days
    step = span / (n - 1)
    for _ in range(500):
        days = np.linspace(0, span, n) + rng.uniform(-0.4, 0.4, n) * step
        days = np.sort(np.clip(days, 0, span)).round()
        if np.diff(days).min() < 30:
            continue
        dates = [START + dt.timedelta(days=int(d)) for d in days]
        if greenness(dates[0]) > 0.2 and greenness(dates[0]) < 0.8:
            continue  # no prompt on a half-green spring or autumn day
        summer = any(greenness(d) > 0.9 for d in dates[1:-1])
        winter = any(d.month in (12, 1, 2) for d in dates[1:])
        if summer and winter:
            return dates
    raise RuntimeError("could not draw a date series")  # pragma: no cover


def _days_from_mid_january(day: dt.date) -> int:
    off = abs(day.timetuple().tm_yday - 15)
    return min(off, 365 - off)


def _pick(prefs: list[int], taken: set[int], n: int) -> int:
    for i in prefs:
        if 0 < i < n and i not in taken:
            taken.add(i)
            return i
    raise RuntimeError("no free scene for a role")  # pragma: no cover


def failure_time(rng: np.random.Generator, years: list[float], k_fail: int) -> float:
    """When the slope fails (years after the first date): 40-70 % of the way from date
    ``k_fail - 1`` to date ``k_fail``, so scene ``k_fail`` is the first to show the failure."""
    return years[k_fail - 1] + float(rng.uniform(0.4, 0.7)) * (years[k_fail] - years[k_fail - 1])


def plan(rng: np.random.Generator, n: int) -> tuple[list[Acquisition], float]:
    """(acquisitions in date order, failure time in years after the first date)."""
    dates = draw_dates(rng, n)
    years = [(d - dates[0]).days / 365.25 for d in dates]
    k_fail = max(2, round(0.42 * n))
    failure_t = failure_time(rng, years, k_fail)
    taken: set[int] = set()
    by_green = sorted(range(1, n - 1), key=lambda i: -greenness(dates[i]))
    cloudy = _pick([i for i in by_green if i != k_fail], taken, n)
    by_winter = sorted((i for i in range(1, n) if dates[i].month in (12, 1, 2)),
                       key=lambda i: _days_from_mid_january(dates[i]))
    snowy = _pick(by_winter, taken, n)
    other = _pick([3, 2, 4, 5, 1], taken, n)
    planet = _pick([k_fail + 2, k_fail + 3, k_fail + 1, k_fail + 4], taken, n)
    tag_only = _pick([n - 2, n - 3, n - 4, n - 5], taken, n)
    edge = _pick([k_fail + 4, k_fail + 5, k_fail + 3, n - 1, n - 4], taken, n)
    cumulus = [i for i in range(1, n) if i not in taken and i != k_fail and greenness(dates[i]) > 0.3][:2]

    acqs = []
    for i, d in enumerate(dates):
        naming = NAMINGS[i % len(NAMINGS)] if i else "s2_product"
        sensor = "Sentinel-2" + str(rng.choice(["A", "B"]))
        hhmm = (3, int(rng.integers(40, 50)))
        if i == other:
            naming, sensor, hhmm = "landsat", ("Landsat-9" if d.year >= 2022 else "Landsat-8"), (3, 38)
        elif i == planet:
            naming, sensor, hhmm = "planetscope", "PlanetScope", (3, int(rng.integers(5, 20)))
        elif i == tag_only:
            naming, sensor, hhmm = "tag_only", "archive", (4, 5)
        when = dt.datetime(d.year, d.month, d.day, hhmm[0], hhmm[1], int(rng.integers(0, 60)))
        acq = Acquisition(i, when, sensor, naming, grid=OTHER_GRID if i == other else REFERENCE_GRID)
        if i == cloudy:
            acq.clouds, acq.cloud_fraction = "overcast", float(rng.uniform(0.55, 0.7))
        elif i in cumulus:
            acq.clouds, acq.cloud_fraction = "cumulus", float(rng.uniform(0.02, 0.05))
        acq.snow = i == snowy
        acq.nodata_edge = i == edge
        acq.file_name = file_name(acq, rng)
        acqs.append(acq)
    return acqs, failure_t


def _s2_baseline(d: dt.date) -> str:
    for limit, name in ((dt.date(2018, 11, 6), "N0206"), (dt.date(2019, 12, 1), "N0213"),
                        (dt.date(2021, 7, 1), "N0214"), (dt.date(2022, 1, 25), "N0301"),
                        (dt.date(2022, 12, 6), "N0400"), (dt.date(2024, 1, 1), "N0509")):
        if d < limit:
            return name
    return "N0510"


def file_name(acq: Acquisition, rng: np.random.Generator) -> str:
    """A file name in the convention ``acq.naming`` (real products' patterns)."""
    w = acq.when
    if acq.naming == "s2_product":
        done = w + dt.timedelta(hours=int(rng.integers(2, 6)), minutes=int(rng.integers(0, 60)))
        return (f"S2{acq.sensor[-1]}_MSIL2A_{w:%Y%m%dT%H%M%S}_{_s2_baseline(w.date())}_R104_T48RUU_"
                f"{done:%Y%m%dT%H%M%S}.tif")
    if acq.naming == "s2_tile":
        return f"T48RUU_{w:%Y%m%dT%H%M%S}_BGRN_10m.tif"
    if acq.naming == "ymd_compact":
        return f"{w:%Y%m%d}_l2a_bgrn.tif"
    if acq.naming == "ymd_dash":
        return f"wenchuan_slide_{w:%Y-%m-%d}.tif"
    if acq.naming == "ymd_underscore":
        return f"scene_{w:%Y_%m_%d}.tif"
    if acq.naming == "planetscope":
        return f"{w:%Y%m%d_%H%M%S}_2416_3B_AnalyticMS_SR.tif"
    if acq.naming == "landsat":
        done = w + dt.timedelta(days=int(rng.integers(8, 17)))
        return f"LC0{acq.sensor[-1]}_L2SP_130038_{w:%Y%m%d}_{done:%Y%m%d}_02_T1_SR.tif"
    if acq.naming == "tag_only":
        return "ortho_archive_scene.tif"
    raise ValueError(acq.naming)
