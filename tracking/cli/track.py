"""``python -m tracking track``: scenes + prompt -> a mask per date, a manifest and the exports."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from tracking.cli import arguments
from tracking.core.errors import InputError
from tracking.core.prompts import Prompt
from tracking.engines.factory import ENGINE_KINDS


def add_parser(sub) -> None:
    """Add the ``track`` sub-command and its options to ``sub``."""
    p = sub.add_parser("track", help="track the scar through all dates",
                       description="Order the scenes by date, bring them onto one grid, and propagate the "
                                   "prompt through every date with SAM2 (or the weights-free baseline).")
    p.add_argument("scenes", nargs="+", type=Path, help="scene files, folders or zips")
    p.add_argument("--prompt", type=Path, help="GeoJSON/GeoPackage/Shapefile prompt (any CRS)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    add_engine_arguments(p)
    p.add_argument("--box", type=arguments.box, help="X0,Y0,X1,Y1 in grid pixels on the first frame")
    p.add_argument("--point", type=arguments.point, action="append", default=[],
                   help="X,Y,LABEL in grid pixels on the first frame (LABEL 1 = scar, 0 = not); repeatable")
    add_frame_arguments(p)
    p.add_argument("--aoi", type=arguments.aoi, help="area of interest MINX,MINY,MAXX,MAXY (see --aoi-crs)")
    p.add_argument("--aoi-crs", default=None, help="CRS of --aoi (default: the grid's)")
    p.add_argument("--reference", type=Path, help="reference outlines for accuracy (folder of masks or vector)")
    p.add_argument("--shapefile", action="store_true", help="also write a zipped Shapefile")
    p.set_defaults(func=run)


def add_engine_arguments(p) -> None:
    """--engine, --model, --checkpoint, --device, --image-size (shared with ``batch``)."""
    p.add_argument("--engine", choices=ENGINE_KINDS, default="auto")
    p.add_argument("--model", default="tiny", help="SAM2 model: tiny, small, base_plus, large")
    p.add_argument("--checkpoint", type=Path, help="SAM2 checkpoint file (.pt)")
    p.add_argument("--device", default="auto", help="auto, cuda, mps or cpu")
    p.add_argument("--image-size", type=int, help="SAM2 input size (default: the model's 1024; 512 is ~5x faster "
                                                  "on a CPU)")


def add_frame_arguments(p) -> None:
    """--composite, --resolution, --histogram-match, --no-coregister: how scenes become frames
    (shared with ``batch``)."""
    p.add_argument("--composite", help="band composite preset (rgb, bgrn-true, bgrn-false, s2-true, ...)")
    p.add_argument("--resolution", type=float, help="grid pixel size in metres (default: finest input)")
    p.add_argument("--histogram-match", action="store_true", help="match each frame's colours to the first")
    p.add_argument("--no-coregister", dest="coregister", action="store_false",
                   help="leave each scene where its georeferencing puts it (default: move it by the sub-pixel "
                        "offset measured against the reference scene)")


def gather_prompts(args, frames) -> list[Prompt]:
    """Prompts from --prompt, then --box/--point on the first frame; sorted by frame."""
    from tracking.ingest.prompt_files import read_prompt_file

    prompts: list[Prompt] = []
    if args.prompt is not None:
        prompts += read_prompt_file(args.prompt, frames.grid, frames.dates)
    if args.box is not None or args.point:
        pts = np.array([(x, y) for x, y, _ in args.point], np.float32).reshape(-1, 2)
        labels = np.array([lab for _, _, lab in args.point], np.int32)
        prompts.append(Prompt(0, 1, pts, labels, box=args.box))
    if not prompts:
        raise InputError("Give a prompt: --prompt FILE, --box X0,Y0,X1,Y1 or --point X,Y,LABEL.")
    return sorted(prompts, key=lambda p: p.frame)


def run(args) -> int:
    """Build the frames, track the prompt through every date and write the outputs to ``--out``."""
    from tracking.engines.factory import make_engine
    from tracking.ingest.build import FrameOptions, build_frames
    from tracking.ingest.timeline import build_timeline
    from tracking.run.stages import run_and_write

    t0 = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.out, prefix=".work-") as work:
        timeline = build_timeline(args.scenes, Path(work))
        options = FrameOptions(composite=args.composite, resolution=args.resolution, aoi=args.aoi,
                               aoi_crs=args.aoi_crs, histogram_match=args.histogram_match,
                               coregister=args.coregister)
        frames, problems = build_frames(timeline, options)
    problems = list(timeline.problems) + list(problems)
    for line in problems:
        print(f"warning: {line}")
    ingest_s = time.perf_counter() - t0
    prompts = gather_prompts(args, frames)
    engine, note = make_engine(args.engine, model=args.model, checkpoint=args.checkpoint, device=args.device,
                               image_size=args.image_size)
    print(note)
    written = run_and_write(args.out, frames, prompts, engine, problems, {"ingest_s": ingest_s},
                            reference=args.reference, shapefile=args.shapefile)
    print(f"wrote {len(frames)} dated masks and {len(written)} exports to {args.out}")
    return 0
