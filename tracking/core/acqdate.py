"""Acquisition dates known only to the month or the year, kept as such.

Deliveries are often named by year and month (``landslide-199210-ortho.png``,
``Oct 1992``). Such a date is a :class:`PartialDate`: a ``datetime.date`` placed
mid-period (the 15th of the month, 1 July of the year) so that gaps and rates
between dates are measured from the middle of the period, with a ``precision``
("month" or "year") that its text keeps: ``isoformat()`` and ``str()`` give
``"1992-10"`` or ``"1992"``, so every table, label and export shows what is
actually known. Day-precise dates stay plain ``datetime.date``.
"""

from __future__ import annotations

import datetime as dt
import re

MID_MONTH_DAY = 15
MID_YEAR = (7, 1)
MIN_YEAR = 1950

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


class PartialDate(dt.date):
    """A date known to the month or the year; it sorts and subtracts as its mid-period day."""

    __slots__ = ("precision",)

    def __new__(cls, year: int, month: int = 1, day: int = 1, precision: str = "month"):
        if precision not in ("month", "year"):
            raise ValueError(f"precision must be 'month' or 'year', not {precision!r}")
        month, day = (month, MID_MONTH_DAY) if precision == "month" else MID_YEAR
        self = super().__new__(cls, year, month, day)
        self.precision = precision
        return self

    def isoformat(self) -> str:
        return f"{self.year:04d}-{self.month:02d}" if self.precision == "month" else f"{self.year:04d}"

    __str__ = isoformat

    def __format__(self, spec: str) -> str:
        """strftime without the parts that are not known: "%Y-%m-%d" gives "1992-10" for a month
        and "1992" for a year, "%d %b %Y" gives "Oct 1992" or "1992"."""
        if not spec:
            return self.isoformat()
        unknown = "d" if self.precision == "month" else "dmbB"
        spec = re.sub(rf"%[{unknown}][-/ .,]?", "", spec).rstrip("-/ .,")
        return self.plain().strftime(spec)

    def __repr__(self) -> str:
        return f"PartialDate({self.isoformat()!r})"

    def __reduce__(self):
        return (PartialDate, (self.year, self.month, self.day, self.precision))

    def plain(self) -> dt.date:
        """The mid-period day as a plain ``datetime.date``."""
        return dt.date(self.year, self.month, self.day)

    def __add__(self, other):  # a shifted date is a day, not the same period
        return self.plain() + other

    __radd__ = __add__

    def __sub__(self, other):
        return self.plain() - other

    def replace(self, year=None, month=None, day=None):
        """A plain ``datetime.date``: replacing a part gives a day-precise date."""
        return self.plain().replace(
            **{k: v for k, v in (("year", year), ("month", month), ("day", day)) if v is not None})


def precision(day: dt.date) -> str:
    """"day", "month" or "year"."""
    return getattr(day, "precision", "day")


def _in_range(year: int, month: int = 1) -> bool:
    today = dt.date.today()
    return MIN_YEAR <= year and (year, month) <= (today.year, today.month) and 1 <= month <= 12


def month_date(year: int, month: int) -> PartialDate | None:
    """The month as a PartialDate, or None when it is not a real month between 1950 and now."""
    return PartialDate(year, month, precision="month") if _in_range(year, month) else None


def year_date(year: int) -> PartialDate | None:
    """The year as a PartialDate, or None when it is not between 1950 and this year."""
    return PartialDate(year, precision="year") if _in_range(year) else None


def from_iso(text: str) -> dt.date:
    """``"YYYY-MM-DD"``, ``"YYYY-MM"`` or ``"YYYY"`` (what ``isoformat`` wrote) back to a date;
    ValueError for anything else."""
    text = str(text).strip()
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return PartialDate(int(text[:4]), int(text[5:7]), precision="month")
    if re.fullmatch(r"\d{4}", text):
        return PartialDate(int(text), precision="year")
    return dt.date.fromisoformat(text[:10])


# Year and month in names: 199210, 1992-10, 1992_10, 1992.10 (not part of a longer digit run,
# and not followed by a day, which the day-precise patterns take first).
_YEAR_MONTH = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<sep>[-_.]?)(?P<m>0[1-9]|1[0-2])(?![-_.]?\d)")
# Oct 1992, October-1992, oct_1992, 1992 Oct
_MONTH_NAME = re.compile(
    r"(?<![A-Za-z])(?P<mn>" + "|".join(_MONTHS) + r")[a-z]*[\s_.-]*(?P<y>(?:19|20)\d{2})(?!\d)"
    r"|(?<!\d)(?P<y2>(?:19|20)\d{2})[\s_.-]*(?P<mn2>" + "|".join(_MONTHS) + r")(?![a-z]{0,6}\d)",
    re.I)
_YEAR_MONTH_VALUE = re.compile(r"(?:19|20)\d{2}[-_./]?(?:0[1-9]|1[0-2])")
# a year standing alone: not next to other digits, even across a separator (2019-06_14 is no year)
_YEAR = re.compile(r"(?<![\d.])(?<!\d[-_.])(?P<y>(?:19|20)\d{2})(?![-_.]?\d)")


def partial_from_value(text: str) -> PartialDate | None:
    """A table or metadata value that is a month or a year and nothing else ("1992-10",
    "199210", "1992/10", "Oct 1992", "1992"), or None."""
    text = str(text).strip()
    for pattern in (_MONTH_NAME, _YEAR_MONTH_VALUE, _YEAR):
        match = pattern.fullmatch(text)
        if match is not None:
            return partial_from_text(text.replace("/", "-"))
    return None


def partial_from_text(text: str, allow_year: bool = True) -> PartialDate | None:
    """A month (or, with ``allow_year``, a lone year) named in ``text``, or None.

    Month names come first (``Oct 1992``), then digits (``199210``, ``1992-10``), then a
    year on its own (``slide_1992.png``). Day-precise dates are not looked for here.
    """
    for match in _MONTH_NAME.finditer(text):
        name = (match.group("mn") or match.group("mn2")).lower()[:3]
        date = month_date(int(match.group("y") or match.group("y2")), _MONTHS.index(name) + 1)
        if date is not None:
            return date
    for match in _YEAR_MONTH.finditer(text):
        date = month_date(int(match.group("y")), int(match.group("m")))
        if date is not None:
            return date
    if allow_year:
        for match in _YEAR.finditer(text):
            date = year_date(int(match.group("y")))
            if date is not None:
                return date
    return None
