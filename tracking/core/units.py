"""Units of area and rate: how every chart, table, tooltip, report and file names an area.

One rule says what a grid is measured in (``Grid.is_metric``): metres when the
grid has a known ground size, pixels otherwise. The measures hold areas in the
grid's base unit (m² on a metric grid, px² on a pixel grid) and rates per day;
this module turns those into the analyst's choice:

- area unit: m², ha or km² on a metric grid; always px² on a pixel grid (a
  choice of ha there is ignored, never converted with a made-up pixel size);
- rate period: per day or per year (365.25 days, so leap years average out).

Files (metrics.csv, GeoPackage) keep the base units so their columns never
change meaning with a display choice; only their names follow the grid
(``measures.export_columns``: ``area_m2`` becomes ``area_px2`` on a pixel grid).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tracking.core.grid import Grid

#: Days in the "per year" rate (the mean Gregorian year).
YEAR_DAYS = 365.25


@dataclass(frozen=True)
class AreaUnit:
    """One unit of area: ``size`` base units (m² or px²) make one of it."""

    key: str
    symbol: str
    size: float
    decimals: int
    name: str


AREA_UNITS: dict[str, AreaUnit] = {
    "m2": AreaUnit("m2", "m²", 1.0, 0, "square metres"),
    "ha": AreaUnit("ha", "ha", 10_000.0, 2, "hectares"),
    "km2": AreaUnit("km2", "km²", 1_000_000.0, 3, "square kilometres"),
    "px2": AreaUnit("px2", "px²", 1.0, 0, "square pixels"),
}
#: The choices on a metric grid, in the order a selector offers them.
METRIC_AREA_UNITS = ("m2", "ha", "km2")
#: Rate periods and their length in days.
RATE_PERIODS: dict[str, float] = {"day": 1.0, "year": YEAR_DAYS}
DEFAULT_AREA = "ha"
DEFAULT_PERIOD = "year"


def _number(value: float, decimals: int, signed: bool = False) -> str:
    """``value`` with thousands separators and ``decimals`` places; values that would keep fewer
    than 2 significant digits that way get 3 ("0.0365 ha/year", not "0.04")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    sign = "+" if signed and value > 0 else ""
    if value != 0 and abs(value) < 10.0 ** (1 - decimals):
        # 0.00042 km² rather than "0.000" (and never "4.2e-04" in a table)
        places = max(decimals, 2 - math.floor(math.log10(abs(value))))
        text = f"{value:.{places}f}".rstrip("0")
        whole, _, frac = text.partition(".")
        return f"{sign}{whole}.{frac.ljust(decimals, '0')}" if frac or decimals else f"{sign}{whole}"
    return f"{sign}{value:,.{decimals}f}"


@dataclass(frozen=True)
class Units:
    """How areas and rates are shown: an area unit and a rate period ("day" or "year").

    ``length`` is the grid's base length unit, "m" or "px" (``Grid.units``).
    """

    area: AreaUnit
    period: str
    length: str

    @property
    def metric(self) -> bool:
        return self.length == "m"

    @property
    def area_symbol(self) -> str:
        return self.area.symbol

    @property
    def rate_symbol(self) -> str:
        """E.g. "ha/year", "m²/day", "px²/day"."""
        return f"{self.area.symbol}/{self.period}"

    @property
    def length_symbol(self) -> str:
        return self.length

    def area_value(self, base: float) -> float:
        """An area in base units (m² or px²) in the chosen unit."""
        return base / self.area.size

    def rate_value(self, base_per_day: float) -> float:
        """A rate in base units per day in the chosen unit and period."""
        return base_per_day * RATE_PERIODS[self.period] / self.area.size

    def area_number(self, base: float, signed: bool = False) -> str:
        """An area in base units as text in the chosen unit, without the symbol ("1.23"; "–" if missing)."""
        return _number(self.area_value(base) if _finite(base) else math.nan, self.area.decimals, signed)

    def rate_number(self, base_per_day: float, signed: bool = False) -> str:
        """A rate in base units per day as text in the chosen unit and period, without the symbol."""
        value = self.rate_value(base_per_day) if _finite(base_per_day) else math.nan
        return _number(value, self.area.decimals + (1 if self.period == "day" else 0), signed)

    def fmt_area(self, base: float, signed: bool = False) -> str:
        """E.g. "1.23 ha", "+4,500 m²", "–" for a missing value."""
        text = self.area_number(base, signed)
        return text if text == "–" else f"{text} {self.area.symbol}"

    def fmt_rate(self, base_per_day: float, signed: bool = False) -> str:
        """E.g. "0.42 ha/year", "12.5 m²/day"."""
        text = self.rate_number(base_per_day, signed)
        return text if text == "–" else f"{text} {self.rate_symbol}"

    def area_title(self, what: str = "Area") -> str:
        """An axis or column title, e.g. "Area (ha)"."""
        return f"{what} ({self.area.symbol})"

    def rate_title(self, what: str = "Rate") -> str:
        return f"{what} ({self.rate_symbol})"

    def length_title(self, what: str) -> str:
        return f"{what} ({self.length})"

    @property
    def caption(self) -> str:
        """One sentence on what the figures are in, for the report and the pages."""
        if self.metric:
            return f"Areas in {self.area.name}, rates in {self.rate_symbol}."
        return ("Areas in square pixels and lengths in pixels: the images have no ground pixel size, "
                f"so no ground unit is claimed. Rates in {self.rate_symbol}.")


def _finite(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def choose(length: str, area: str | None = None, period: str | None = None) -> Units:
    """The units for a grid measured in ``length`` ("m" or "px") and the analyst's choice.

    On a pixel grid the area unit is always px²; an unknown choice falls back to
    the default (ha, per year).
    """
    if length not in ("m", "px"):
        raise ValueError(f"unknown length unit {length!r}")
    if length == "px":
        key = "px2"
    else:
        key = area if area in METRIC_AREA_UNITS else DEFAULT_AREA
    return Units(AREA_UNITS[key], period if period in RATE_PERIODS else DEFAULT_PERIOD, length)


def units_for(grid: Grid, area: str | None = None, period: str | None = None) -> Units:
    """The units in which ``grid``'s areas are shown (see ``choose``)."""
    return choose(grid.units, area, period)


def units_of_rows(rows: list[dict], area: str | None = None, period: str | None = None) -> Units:
    """The units for measures rows (their ``units`` key, "m" or "px"); metres when there are none."""
    return choose(rows[0].get("units", "m") if rows else "m", area, period)
