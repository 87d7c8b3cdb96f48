"""``python -m tracking inspect SCENES...``: the timeline, each frame's quality and the chosen grid."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from tracking.cli import arguments
from tracking.core.frames import Frames
from tracking.core.grid import Grid
from tracking.ingest.timeline import Timeline


def add_parser(sub) -> argparse.ArgumentParser:
    """Add the ``inspect`` sub-command and its options to ``sub``."""
    p = sub.add_parser("inspect", help="show the timeline, frame quality and the grid",
                       description="Read the scenes (files, folders or zips), order them by date, bring them "
                                   "onto one grid and print the timeline with each frame's quality flags, "
                                   "the problems met, and the grid chosen.")
    p.add_argument("scenes", nargs="+", type=Path, help="scene files, folders or zip archives")
    p.add_argument("--aoi", type=arguments.aoi, help="area of interest MINX,MINY,MAXX,MAXY (see --aoi-crs)")
    p.add_argument("--aoi-crs", default=None,
                   help="CRS of --aoi, e.g. EPSG:4326 (default: lon/lat when the numbers fit, else the "
                        "reference scene's CRS)")
    p.add_argument("--resolution", type=float, help="grid pixel size in metres (default: finest input)")
    p.add_argument("--composite", help="band composite: a preset (rgb, bgrn-true, bgrn-false, s2-true, ...) "
                                       "or three band numbers like 4,3,2")
    p.add_argument("--reference", type=int, default=1,
                   help="number (1 = earliest) of the scene whose CRS and extent define the grid")
    p.set_defaults(func=run)
    return p


def _pct(value: float) -> str:
    return f"{100 * value:.1f}"


def timeline_rows(timeline: Timeline, frames: Frames) -> list[dict[str, str]]:
    """One row of text per timeline scene: date, file, CRS, size, the bands beyond RGB it carries
    (NIR, SWIR: vegetation guidance), the co-registration shift (px), cloud/snow/nodata % and flags."""
    placed = {name: i for i, name in enumerate(frames.sources)}
    rows = []
    for scene in timeline.scenes:
        i = placed.get(scene.name)
        row = {"date": scene.date.isoformat() if scene.date else "", "file": scene.name,
               "CRS": scene.crs.to_string() if scene.crs is not None else "none (pixels)",
               "size": f"{scene.width} x {scene.height}", "NIR/SWIR": "", "shift px": "", "cloud %": "",
               "snow %": "", "nodata %": ""}
        if i is not None:
            carried = frames.spectral.carried_names(i) if frames.spectral is not None else []
            row["NIR/SWIR"] = ", ".join(name.upper() for name in carried) or "none"
        if i is None:
            row["flags"] = "left out (see problems)"
        else:
            q = frames.quality[i]
            row.update({"shift px": q.shift_text(), "cloud %": _pct(q.cloud), "snow %": _pct(q.snow),
                        "nodata %": _pct(q.nodata), "flags": ("BAD: " + "; ".join(q.reasons)) if q.bad else "ok"})
        rows.append(row)
    return rows


def format_table(rows: list[dict[str, str]]) -> str:
    """Rows of text as a fixed-width table (numbers right-aligned)."""
    if not rows:
        return ""
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in columns}
    right = {"cloud %", "snow %", "nodata %"}

    def line(values: dict[str, str]) -> str:
        return "  ".join(values[c].rjust(widths[c]) if c in right else values[c].ljust(widths[c])
                         for c in columns).rstrip()

    header = line({c: c for c in columns})
    return "\n".join([header, "-" * len(header)] + [line(r) for r in rows])


def spectral_summary(frames: Frames) -> str:
    """One line: how many frames carry NIR (and SWIR), i.e. whether the baseline gets NDVI guidance."""
    n = len(frames)
    if frames.spectral is None:
        return f"Vegetation guidance: none (no frame carries NIR or SWIR; the tracker sees the RGB of all {n})"
    parts = [f"{name.upper()} on {int(frames.spectral.carries(name).sum())} of {n} frames"
             for name in ("nir", "swir1", "swir2") if name in frames.spectral.bands]
    return "Vegetation guidance: " + ", ".join(parts) + " (NDVI for the baseline tracker; SAM2 sees the RGB)"


def describe_grid(grid: Grid) -> str:
    """The grid in words: CRS, pixel size, size in pixels and ground units, bounds."""
    left, bottom, right, top = grid.bounds
    if not grid.is_metric:
        return (f"Grid: pixel grid (no CRS), {grid.width} x {grid.height} pixels, "
                f"bounds {left:g}, {bottom:g}, {right:g}, {top:g} (pixels)")
    px, py = grid.pixel_size
    size = f"{px:g} m" if px == py else f"{px:g} x {py:g} m"
    crs = grid.crs.to_string() if grid.crs is not None else "no CRS (ground pixel size only)"
    return (f"Grid: {crs}, {size} pixels, {grid.width} x {grid.height} pixels "
            f"({grid.width * px / 1000:.2f} x {grid.height * py / 1000:.2f} km), "
            f"bounds {left:.2f}, {bottom:.2f}, {right:.2f}, {top:.2f} (left, bottom, right, top)")


def run(args: argparse.Namespace) -> int:
    """Print the timeline, each frame's quality flags, the problems met and the grid chosen."""
    from tracking.ingest.build import FrameOptions, build_frames
    from tracking.ingest.timeline import build_timeline

    options = FrameOptions(composite=args.composite, resolution=args.resolution,
                           reference=args.reference - 1, aoi=args.aoi, aoi_crs=args.aoi_crs)
    with tempfile.TemporaryDirectory(prefix="landslide-inspect-") as work:
        timeline = build_timeline(args.scenes, Path(work))
        frames, problems = build_frames(timeline, options)
    problems = list(timeline.problems) + list(problems)
    n_bad = int(frames.bad.sum())
    print(f"Timeline: {len(timeline.scenes)} dated scene(s), {len(frames)} on the grid, {n_bad} flagged bad")
    print(format_table(timeline_rows(timeline, frames)))
    print(spectral_summary(frames))
    print()
    if problems:
        print(f"Problems ({len(problems)}):")
        for line in problems:
            print(f"  - {line}")
    else:
        print("Problems: none")
    print()
    print(describe_grid(frames.grid))
    return 0
