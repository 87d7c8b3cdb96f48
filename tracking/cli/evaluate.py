"""``python -m tracking evaluate OUT --reference REF``: accuracy of a track output against reference outlines."""

from __future__ import annotations

import argparse
from pathlib import Path

from tracking.analysis.accuracy import METRICS, evaluate, mean_scores, unmatched_dates
from tracking.analysis.reference import load_reference
from tracking.exports.bundle import write_accuracy_csv
from tracking.exports.output_folder import load_track_output


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``evaluate`` sub-command and its options to ``subparsers``."""
    parser = subparsers.add_parser(
        "evaluate", help="score a track output against reference outlines",
        description="Compare the masks of a track output folder (OUT/masks/*.tif) with reference outlines "
                    "and write OUT/accuracy.csv.")
    parser.add_argument("out", type=Path, help="output folder of the track command")
    parser.add_argument("--reference", "-r", type=Path, required=True,
                        help="folder of dated mask rasters, or a vector file with a date column (any CRS)")
    parser.add_argument("--tolerance", type=float, default=2.0,
                        help="boundary F-score distance tolerance in pixels (default 2)")
    parser.set_defaults(func=run)
    return parser


def format_table(rows: list[dict]) -> str:
    """The per-date scores and their means as a fixed-width text table."""
    header = f"{'date':<10}  " + "  ".join(f"{m:>9}" for m in METRICS)
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(f"{r['date'].isoformat():<10}  " + "  ".join(f"{r[m]:>9.3f}" for m in METRICS))
    means = mean_scores(rows)
    lines.append("-" * len(header))
    lines.append(f"{'mean':<10}  " + "  ".join(f"{means[m]:>9.3f}" for m in METRICS))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Score the track output against the reference, print the table and write OUT/accuracy.csv."""
    grid, dates, track = load_track_output(args.out)
    reference = load_reference(args.reference, grid)
    rows = evaluate(track, reference, dates, tolerance_px=args.tolerance)
    print(format_table(rows))
    skipped = unmatched_dates(reference, dates)
    if skipped:
        print(f"{len(skipped)} reference date(s) not in the series, left out: "
              + ", ".join(d.isoformat() for d in skipped))
    path = write_accuracy_csv(Path(args.out) / "accuracy.csv", rows)
    print(f"wrote {path}")
    return 0
