"""The headline figures of a track: first and last area, net change, growth and mean rate.

One definition, shown by the dashboard and written in the report:

- each object is taken from its own first tracked date to its own last (an
  object first tracked on a later date adds no sudden "growth"; a run stopped
  half way ends on the last date it tracked, not on the last scene);
- net change = sum over objects of (area on its last date - area on its first);
- mean rate = sum over objects of (its net change / the real days between its
  first and last dates), so it is the combined rate of every object (for one
  object simply net change / days);
- dates are taken as given (a month-precision date is whatever date the
  timeline gave it).

Areas are in the grid's base unit (m², or px² on a pixel grid, see ``units``);
``tracking.core.units`` shows them in the analyst's unit.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ObjectSpan:
    """One object from its first tracked date to its last; areas in base units."""

    object_id: int
    first_date: dt.date
    last_date: dt.date
    area_first: float
    area_last: float
    n_dates: int

    @property
    def net(self) -> float:
        return self.area_last - self.area_first

    @property
    def days(self) -> int:
        return (self.last_date - self.first_date).days

    @property
    def rate_per_day(self) -> float:
        """Net change per day (NaN when the object has a single date)."""
        return self.net / self.days if self.days > 0 else math.nan


@dataclass(frozen=True)
class Headline:
    """Figures over the whole track (all objects), areas in base units (``units``: "m" or "px").

    ``first_date``/``last_date`` are the earliest and latest tracked dates,
    ``n_dates`` how many distinct dates were tracked.
    """

    objects: tuple[ObjectSpan, ...]
    first_date: dt.date
    last_date: dt.date
    n_dates: int
    units: str

    @property
    def area_first(self) -> float:
        """Sum of every object's area on its first tracked date."""
        return sum(o.area_first for o in self.objects)

    @property
    def area_last(self) -> float:
        """Sum of every object's area on its last tracked date."""
        return sum(o.area_last for o in self.objects)

    @property
    def net(self) -> float:
        return sum(o.net for o in self.objects)

    @property
    def days(self) -> int:
        """Days from the first to the last tracked date."""
        return (self.last_date - self.first_date).days

    @property
    def rate_per_day(self) -> float:
        """Sum of the objects' mean rates (NaN when no object has two dates)."""
        rates = [o.rate_per_day for o in self.objects if not math.isnan(o.rate_per_day)]
        return sum(rates) if rates else math.nan

    @property
    def growth_pct(self) -> float:
        """Net change as a percentage of the first area (NaN when that was empty)."""
        return 100.0 * self.net / self.area_first if self.area_first else math.nan


def headline(rows: list[dict]) -> Headline | None:
    """The headline of ``measures.scar_measures`` rows (or None when nothing was tracked).

    rows: dicts with at least date, object, area_m2 and units; any order.
    """
    rows = [dict(r) for r in (rows.to_dict("records") if hasattr(rows, "to_dict") else rows)]
    if not rows:
        return None
    spans = []
    for oid in sorted({int(r["object"]) for r in rows}):
        mine = sorted((r for r in rows if int(r["object"]) == oid), key=lambda r: r["date"])
        spans.append(ObjectSpan(oid, mine[0]["date"], mine[-1]["date"], float(mine[0]["area_m2"]),
                                float(mine[-1]["area_m2"]), len(mine)))
    dates = {r["date"] for r in rows}
    return Headline(tuple(spans), min(dates), max(dates), len(dates), str(rows[0].get("units", "m")))
