"""``python -m tracking batch INVENTORY SCENES --out OUT``: track every landslide of an inventory on Dask."""

from __future__ import annotations

from pathlib import Path

from tracking.batch.inventory import DEFAULT_DATE_FIELD, DEFAULT_ID_FIELD
from tracking.batch.job import DEFAULT_BUFFER_M
from tracking.cli.track import add_engine_arguments, add_frame_arguments


def add_parser(sub) -> None:
    """The ``batch`` sub-command: inventory, scenes, batch options, and the track command's engine options."""
    p = sub.add_parser("batch", help="track every landslide of an inventory (Dask distributed)",
                       description="Track each landslide of an inventory through one stack of large scenes: "
                                   "a window around its buffered outline, the outline as the prompt on its "
                                   "date, tracking both ways, then OUT/<id>/ as the track command writes it, "
                                   "and OUT/inventory.gpkg, metrics.csv, failures.csv and report.html. Runs on "
                                   "a local Dask cluster, or on a running one with --scheduler.")
    p.add_argument("inventory", type=Path, help="GeoPackage/GeoJSON/Shapefile of outlines (or points with a "
                                                "radius), any CRS")
    p.add_argument("scenes", nargs="+", type=Path, help="scene files, folders or zips covering the region")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--buffer", type=float, default=DEFAULT_BUFFER_M,
                   help=f"metres read around each outline (default {DEFAULT_BUFFER_M:g})")
    p.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://host:8786 "
                                       "(default: a local cluster)")
    p.add_argument("--workers", type=int, help="local worker processes (default: sized to this machine)")
    p.add_argument("--id-field", default=DEFAULT_ID_FIELD, help=f"inventory id field (default {DEFAULT_ID_FIELD})")
    p.add_argument("--date-field", default=DEFAULT_DATE_FIELD,
                   help=f"inventory field with the date each outline was mapped (default {DEFAULT_DATE_FIELD}; "
                        "without it, the first scene)")
    p.add_argument("--radius", type=float, help="radius in metres of point landslides without a radius_m field")
    p.add_argument("--overwrite", action="store_true", help="track landslides finished by an earlier run again")
    add_engine_arguments(p)
    add_frame_arguments(p)
    p.add_argument("--shapefile", action="store_true", help="also write each landslide's zipped Shapefile")
    p.set_defaults(func=run)


def options_from(args):
    """BatchOptions from the parsed arguments."""
    from tracking.batch.job import BatchOptions
    from tracking.batch.task import EngineSettings
    from tracking.ingest.build import FrameOptions

    frames = FrameOptions(composite=args.composite, resolution=args.resolution,
                          histogram_match=args.histogram_match, coregister=args.coregister)
    engine = EngineSettings(args.engine, args.model, str(args.checkpoint) if args.checkpoint else None,
                            args.device, args.image_size)
    return BatchOptions(args.inventory, list(args.scenes), args.out, buffer_m=args.buffer, scheduler=args.scheduler,
                        workers=args.workers, id_field=args.id_field, date_field=args.date_field,
                        radius_m=args.radius, overwrite=args.overwrite, shapefile=args.shapefile,
                        frames=frames, engine=engine)


def run(args) -> int:
    """Run the batch, print a summary line, the failures and the combined files."""
    from tracking.batch.job import run_batch, summary_line

    if args.scheduler and args.workers:
        print(f"note: --workers sizes a local cluster; the scheduler at {args.scheduler} uses its own workers.")
    summary = run_batch(options_from(args))
    print(summary_line(summary))
    for lid, sentence in summary.failures:
        print(f"  {lid or 'scenes'}: {sentence}")
    for kind in ("gpkg", "metrics", "failures", "report"):
        print(f"{kind}: {summary.paths[kind]}")
    return 0
