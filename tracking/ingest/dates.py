"""Acquisition dates: from file names, from TIFF/GDAL metadata tags, from a manifest CSV.

Precedence (applied by :func:`tracking.ingest.scenes.open_scene`): manifest > file name > tags.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import BinaryIO, Iterator, Mapping, TextIO

from tracking.core.acqdate import partial_from_text, partial_from_value
from tracking.core.errors import InputError

MIN_YEAR = 1950

# Product-name conventions, most specific first. Each pattern's "d" group holds the
# acquisition date; digit runs of other lengths (tiles, orbits, versions) never match.
_PRODUCT_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # S2A_MSIL2A_20180614T035541_N0208_R004_T48RUU_20180614T082305
    (re.compile(r"(?<![A-Za-z0-9])S2[ABCD]_MSIL(?:1C|2A|2AP)_(?P<d>\d{8})T\d{6}", re.I), "Sentinel-2"),
    # S2A_OPER_MSI_L1C_TL_SGS__20180614T082305_A015436_T48RUU (old granule names: datatake via _A)
    (re.compile(r"(?<![A-Za-z0-9])S2[ABCD]_OPER_\w*?_V(?P<d>\d{8})T\d{6}", re.I), "Sentinel-2"),
    # T48RUU_20180614T035541_B04_10m (tile-style band files inside a .SAFE)
    (re.compile(r"(?<![A-Za-z0-9])T\d{2}[A-Z]{3}_(?P<d>\d{8})T\d{6}", re.I), "Sentinel-2"),
    # LC08_L2SP_130039_20200612_20200824_02_T1: the first date is the acquisition
    (re.compile(r"(?<![A-Za-z0-9])L[COTEM]0\d_L[0-9A-Z]{3}_\d{6}_(?P<d>\d{8})_\d{8}_\d{2}_"
                r"(?:T1|T2|RT|A1|A2)", re.I), "Landsat"),
    # 20210315_103045_1009_3B_AnalyticMS_SR, 20210315_103045_12_2262_3B_...
    (re.compile(r"(?<!\d)(?P<d>\d{8})_\d{6}(?:_\d{2})?_[0-9a-f]{4}_(?:3B|1B|BGRN|RGB|Analytic)", re.I),
     "PlanetScope"),
    # 20210315_103045_ssc1_u0001_... (SkySat, delivered by Planet)
    (re.compile(r"(?<!\d)(?P<d>\d{8})_\d{6}_ssc\d+(?:d\d)?_u\d{4}", re.I), "SkySat"),
)

# Landsat pre-collection scene IDs: LC81300392020164LGN00 (year + day of year).
_LANDSAT_SCENE_ID = re.compile(
    r"(?<![A-Za-z0-9])L[COTEM]\d\d{6}(?P<y>\d{4})(?P<j>\d{3})[A-Z]{3}\d{2}", re.I)

# Plain dates: YYYYMMDD (also YYYYMMDDHHMMSS and YYYYMMDDTHHMMSS), YYYY-MM-DD, YYYY_MM_DD, YYYY.MM.DD.
_PLAIN_DATE = re.compile(
    r"(?<!\d)(?P<y>\d{4})(?:(?P<sep>[-_.])(?P<m>\d{2})(?P=sep)(?P<d>\d{2})"
    r"|(?P<m2>\d{2})(?P<d2>\d{2})(?:\d{6})?)(?!\d)")

_SENSOR_HINTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"sentinel-?2|(?<![a-z0-9])s2[abcd]?(?![a-z0-9])", re.I), "Sentinel-2"),
    (re.compile(r"landsat|(?<![a-z0-9])l[cote]0\d(?![0-9])", re.I), "Landsat"),
    (re.compile(r"planetscope|psscene|(?<![a-z0-9])planet(?![a-z0-9])", re.I), "PlanetScope"),
    (re.compile(r"skysat", re.I), "SkySat"),
    (re.compile(r"aerial|ortho|uav|drone", re.I), "aerial"),
)

# Metadata keys, normalised (lower case, letters and digits only, namespace prefix removed),
# in order of trust: acquisition-time keys first, the generic TIFF DateTime last.
_TAG_KEYS: tuple[str, ...] = (
    "acquisitiondate", "acquisitiondatetime", "acquisitiontime", "acquisitionstarttime",
    "dateacquired", "sensingtime", "sensingdate", "sensingstart", "datatakesensingstart",
    "productstarttime", "startdatetime", "imagingdate", "imagingtime", "imagedate",
    "firstlineacquisitiontime", "acquiredat", "acquired", "exifdatetimeoriginal",
    "exifdatetimedigitized", "tifftagdatetime", "exifdatetime",
)

_TAG_VALUE = re.compile(
    r"^\s*(?P<y>\d{4})(?P<sep>[-:/._]?)(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?:[T ]\S.*)?\s*$")


def valid_date(year: int, month: int, day: int) -> dt.date | None:
    """The date if it is a real calendar day between 1950 and today, else None."""
    if year < MIN_YEAR:
        return None
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return None
    return date if date <= dt.date.today() else None


def date_from_name(name: str) -> tuple[dt.date, str] | None:
    """(acquisition date, sensor) parsed from a file name, or None when it holds no date.

    Sentinel-2, Landsat and PlanetScope/SkySat product names are recognised first (sensor
    set); otherwise the first plain YYYYMMDD, YYYY-MM-DD or YYYY_MM_DD that is a real
    date between 1950 and today is used, with the sensor guessed from keywords or "".
    """
    base = Path(name).name
    for pattern, sensor in _PRODUCT_PATTERNS:
        for match in pattern.finditer(base):
            date = _ymd(match.group("d"))
            if date is not None:
                return date, sensor
    for match in _LANDSAT_SCENE_ID.finditer(base):
        year, doy = int(match.group("y")), int(match.group("j"))
        if 1 <= doy <= 366:
            date = valid_date(year, 1, 1)
            if date is not None:
                date = date + dt.timedelta(days=doy - 1)
                if date.year == year and date <= dt.date.today():
                    return date, "Landsat"
    for match in _PLAIN_DATE.finditer(base):
        month, day = match.group("m") or match.group("m2"), match.group("d") or match.group("d2")
        date = valid_date(int(match.group("y")), int(month), int(day))
        if date is not None:
            return date, sensor_from_name(base)
    # Deliveries named by year and month (..-199210-.., Oct 1992) or year: kept at that precision.
    partial = partial_from_text(Path(base).stem)
    if partial is not None:
        return partial, sensor_from_name(base)
    return None


def sensor_from_name(name: str) -> str:
    """A sensor guess from keywords in a file name ("Sentinel-2", "Landsat", ...), or ""."""
    base = Path(name).name
    for pattern, sensor in _PRODUCT_PATTERNS:
        if pattern.search(base):
            return sensor
    if _LANDSAT_SCENE_ID.search(base):
        return "Landsat"
    for pattern, sensor in _SENSOR_HINTS:
        if pattern.search(base):
            return sensor
    return ""


def _ymd(digits: str) -> dt.date | None:
    return valid_date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))


def parse_date_value(value: str) -> dt.date | None:
    """A date from a metadata or CSV value: ISO 8601, "2019:06:14 10:31:02", 20190614, 2019/06/14;
    a month ("1992-10", "199210", "Oct 1992") or a year ("1992") as a PartialDate."""
    match = _TAG_VALUE.match(str(value))
    date = valid_date(int(match.group("y")), int(match.group("m")), int(match.group("d"))) if match else None
    if date is None and match is None or (match and not match.group("sep") and len(str(value).strip()) == 6):
        return partial_from_value(str(value))  # "1992-10", "199210", "Oct 1992", "1992": a month or a year
    return date


def _normalise_key(key: str) -> str:
    key = key.rsplit(":", 1)[-1]  # "IMAGERY:ACQUISITIONDATETIME" -> "ACQUISITIONDATETIME"
    return re.sub(r"[^a-z0-9]", "", key.lower())


def date_from_tags(tags: Mapping[str, str]) -> dt.date | None:
    """The acquisition date held in raster metadata tags, or None.

    Keys are matched case-insensitively and without punctuation, so ``ACQUISITION_DATE``,
    ``acquisitionDateTime`` and ``IMAGERY:ACQUISITIONDATETIME`` are all found. Acquisition
    keys are trusted before ``TIFFTAG_DATETIME`` (often the processing time).
    """
    by_key: dict[str, list[str]] = {}
    for key, value in tags.items():
        by_key.setdefault(_normalise_key(str(key)), []).append(str(value))
    for key in _TAG_KEYS:
        for value in by_key.get(key, ()):
            date = parse_date_value(value)
            if date is not None:
                return date
    return None


#: Longest line a dates manifest may have (a file name and a date); a file without line
#: breaks is refused at this length instead of being read whole into memory.
MAX_MANIFEST_LINE = 4096


def _lines(fh: TextIO) -> Iterator[str]:
    """The lines of ``fh`` one at a time; csv.Error on one longer than MAX_MANIFEST_LINE."""
    while line := fh.readline(MAX_MANIFEST_LINE + 1):
        if len(line) > MAX_MANIFEST_LINE:
            raise csv.Error(f"a line is longer than {MAX_MANIFEST_LINE:,} characters")
        yield line


def _open_text(source: Path | BinaryIO) -> TextIO:
    if hasattr(source, "read"):  # e.g. an entry of a zip archive, not yet extracted
        return io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    return open(source, newline="", encoding="utf-8-sig")


def is_date_manifest(source: Path | BinaryIO) -> bool:
    """True when ``source`` (a path, or a binary stream) is a CSV whose header has ``file`` and
    ``date`` columns; only the first line is read."""
    try:
        with _open_text(source) as fh:
            header = next(csv.reader(_lines(fh)), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    names = {h.strip().lower() for h in header}
    return {"file", "date"} <= names


def read_date_manifest(path: Path, max_rows: int | None = None) -> dict[str, dt.date]:
    """Read a ``file,date`` CSV into {file base name: date}, one line at a time.

    ``max_rows``: most file lines accepted (the number of scenes: a manifest listing
    more is wrong). Raises InputError naming the file and line at the first missing
    header, empty file name, bad date, file listed twice with different dates, line
    longer than MAX_MANIFEST_LINE, or line past ``max_rows``; nothing after it is read.
    """
    path = Path(path)
    try:
        with _open_text(path) as fh:
            return _read_rows(path.name, csv.reader(_lines(fh)), max_rows)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else exc
        raise InputError(f"The date manifest {path.name} could not be read ({reason}).") from None


def _read_rows(name: str, rows: Iterator[list[str]], max_rows: int | None) -> dict[str, dt.date]:
    header = [h.strip().lower() for h in next(rows, [])]
    if "file" not in header or "date" not in header:
        raise InputError(f"The date manifest {name} needs a header line 'file,date'.")
    i_file, i_date = header.index("file"), header.index("date")
    dates: dict[str, dt.date] = {}
    listed = 0
    for line_no, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        listed += 1
        if max_rows is not None and listed > max_rows:
            raise InputError(f"{name} line {line_no}: the manifest lists more files than the {max_rows:,} "
                             f"scene{'' if max_rows == 1 else 's'} found; list each scene once.")
        file = row[i_file].strip() if i_file < len(row) else ""
        raw = row[i_date].strip() if i_date < len(row) else ""
        if not file:
            raise InputError(f"{name} line {line_no}: the file name is empty.")
        date = parse_date_value(raw)
        if date is None:
            raise InputError(f"{name} line {line_no}: '{raw[:40]}' is not a valid date for {file[:120]} "
                             f"(use YYYY-MM-DD, or YYYY-MM for a month).")
        key = Path(file.replace("\\", "/")).name
        if key in dates and dates[key] != date:
            raise InputError(f"{name} line {line_no}: {key} is listed twice with different dates.")
        dates[key] = date
    return dates


def lookup_date(dates: Mapping[str, dt.date] | None, path: Path | str) -> dt.date | None:
    """The date for ``path`` in a {file name: date} mapping, or None.

    Matched by exact base name, then ignoring case, then by name without extension
    (so a manifest may say ``scene_a`` or ``scene_a.tif`` for ``scene_a.TIF``).
    """
    if not dates:
        return None
    name = Path(path).name
    if name in dates:
        return dates[name]
    folded = {Path(str(k)).name.lower(): v for k, v in dates.items()}
    if name.lower() in folded:
        return folded[name.lower()]
    stems = {Path(k).stem: v for k, v in folded.items()}
    return stems.get(Path(name).stem.lower())
