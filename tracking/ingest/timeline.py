"""The timeline: every readable, dated scene ordered by acquisition date."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from tracking.core.errors import InputError
from tracking.ingest.dates import lookup_date, read_date_manifest
from tracking.ingest.scenes import Scene, open_scene
from tracking.ingest.sources import collect_sources

NO_DATE = "no acquisition date found; add it to a dates.csv manifest or fix it on the Scenes page."


@dataclass
class Timeline:
    """Scenes sorted by (date, file name), with one line per problem met on the way.

    ``undated`` holds readable scenes without a date (listed in ``problems`` too) so a
    page can offer to fix their dates; ``skipped`` the scenes dropped as duplicate dates.
    """

    scenes: list[Scene]
    problems: list[str] = field(default_factory=list)
    undated: list[Scene] = field(default_factory=list)
    skipped: list[Scene] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.scenes)

    @property
    def dates(self) -> list[dt.date]:
        return [s.date for s in self.scenes]  # type: ignore[misc]

    def to_rows(self) -> list[dict]:
        """One dict per scene for tables: date, file, sensor, bands, dtype, crs, size,
        pixel size, date_source."""
        return [_row(s) for s in self.scenes]


def _row(scene: Scene) -> dict:
    crs = scene.crs.to_string() if scene.crs is not None else "none (pixel grid)"
    if scene.crs is None:
        unit = "px"
    elif scene.crs.is_geographic:
        unit = "°"
    else:
        unit = "m"
    return {
        "date": scene.date.isoformat() if scene.date else "",
        "file": scene.name,
        "sensor": scene.sensor,
        "bands": scene.band_count,
        "dtype": scene.dtype,
        "crs": crs,
        "size": f"{scene.width} x {scene.height}",
        "pixel size": f"{scene.pixel_size:.6g} {unit}",
        "date_source": scene.date_source,
    }


def build_timeline(inputs: Sequence[Path], workdir: Path,
                   date_overrides: Mapping[str, dt.date] | None = None, require_dated: bool = True) -> Timeline:
    """Collect, open and order the scenes in ``inputs`` (files, folders, zip archives).

    ``date_overrides`` ({file name: date}, e.g. the analyst's fixes) win over the
    manifest, the file name and the tags (date_source "manual"). Each bad file, undated
    file and duplicate date is one line in ``problems`` and the rest still load. Raises
    InputError when no readable, dated scene remains (unless not ``require_dated``: then the
    timeline may be empty, its ``undated`` scenes still listed for a date editor).
    """
    listing = collect_sources(inputs, workdir)
    problems = list(listing.problems)
    manifest: dict[str, dt.date] = {}
    if listing.manifest is not None:
        try:
            manifest = read_date_manifest(listing.manifest, max_rows=len(listing.files))
        except InputError as exc:
            problems.append(f"{exc} The manifest was not used.")
    dated: list[Scene] = []
    undated: list[Scene] = []
    for path in listing.files:
        try:
            scene = open_scene(path, manifest)
        except InputError as exc:
            problems.append(str(exc))
            continue
        override = lookup_date(date_overrides, path)
        if override is not None:
            scene = dataclasses.replace(scene, date=override, date_source="manual")
        if scene.date is None:
            undated.append(scene)
            problems.append(f"{scene.name}: {NO_DATE}")
        else:
            dated.append(scene)
    kept, skipped = _drop_duplicate_dates(dated, problems)
    if not kept and require_dated:
        raise InputError(_nothing_left(inputs, problems))
    return Timeline(scenes=kept, problems=problems, undated=undated, skipped=skipped)


def _drop_duplicate_dates(scenes: list[Scene], problems: list[str]) -> tuple[list[Scene], list[Scene]]:
    """Keep the first scene (by file name) of each date; report the others by name."""
    kept: list[Scene] = []
    skipped: list[Scene] = []
    for scene in sorted(scenes, key=lambda s: (s.date, s.name, str(s.path))):
        if kept and kept[-1].date == scene.date:
            skipped.append(scene)
            problems.append(f"{scene.name} has the same date ({scene.date}) as {kept[-1].name}; "
                            f"skipped.")
        else:
            kept.append(scene)
    return kept, skipped


def _nothing_left(inputs: Sequence[Path], problems: list[str]) -> str:
    names = ", ".join(Path(p).name or str(p) for p in inputs)
    shown = " ".join(problems[:3])
    more = f" (and {len(problems) - 3} more problems)" if len(problems) > 3 else ""
    return f"No usable dated scene in {names}: {shown}{more}"
