"""``python -m tracking sample-region OUT_DIR``: a synthetic region with an inventory, for ``batch``."""

from __future__ import annotations

from pathlib import Path

from tracking.sample.region import DEFAULT_DATES, DEFAULT_LANDSLIDES, DEFAULT_SEED, DEFAULT_TILE, generate_region


def add_parser(sub) -> None:
    """The ``sample-region`` sub-command."""
    p = sub.add_parser("sample-region", help="write a synthetic region (several landslides) and its inventory",
                       description="Write a synthetic region for the batch command: the sample's landslide "
                                   "placed several times in one larger scene stack, a true mask per landslide "
                                   "and date, and an inventory of their outlines.")
    p.add_argument("out_dir", type=Path, help="folder to write into (created if missing)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    p.add_argument("--landslides", type=int, default=DEFAULT_LANDSLIDES,
                   help=f"number of landslides, 1 to 64 (default {DEFAULT_LANDSLIDES})")
    p.add_argument("--dates", type=int, default=DEFAULT_DATES,
                   help=f"number of dates, 4 to 40 (default {DEFAULT_DATES})")
    p.add_argument("--tile", type=int, default=DEFAULT_TILE,
                   help=f"pixels (10 m) per landslide's tile, 96 to 512 (default {DEFAULT_TILE})")
    p.set_defaults(func=run)


def run(args) -> int:
    """Write the region and say where everything is."""
    region = generate_region(args.out_dir, seed=args.seed, n_landslides=args.landslides, n_dates=args.dates,
                             tile=args.tile)
    print(f"wrote {len(region.dates)} scenes to {region.scenes_dir} ({region.dates[0]} to {region.dates[-1]})")
    print(f"inventory of {len(region.ids)} landslides: {region.inventory_path}")
    print(f"true masks per landslide in {region.root / 'truth'}; description: {region.root / 'region.json'}")
    print(f"try: python -m tracking batch {region.inventory_path} {region.scenes_dir} --out OUT")
    return 0
