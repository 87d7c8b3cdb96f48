"""``python -m tracking weights list | download MODEL``: the SAM 2.1 checkpoints on this machine."""

from __future__ import annotations

import argparse
import os

from tracking.engines.sam2.models import model_names
from tracking.engines.sam2.weights import ENV_CHECKPOINT, ENV_DIR, download, list_weights, weights_dir


def add_parser(subparsers) -> None:
    """Add the ``weights`` sub-command (``list``, ``download MODEL``) to ``subparsers``."""
    parser = subparsers.add_parser(
        "weights", help="list or download SAM 2.1 checkpoints",
        description=f"SAM 2.1 checkpoints live in ${ENV_DIR} (default ~/.cache/landslide-tracker/sam2); "
                    f"${ENV_CHECKPOINT} or --checkpoint can name any other file.")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("list", help="show which checkpoints are present")
    get = sub.add_parser("download", help="download a checkpoint from Meta's official address")
    get.add_argument("model", nargs="?", default="tiny", help=f"one of {', '.join(model_names())} (default tiny)")
    get.add_argument("--dir", default=None, help="folder to save into (default: the weights folder)")
    get.add_argument("--force", action="store_true", help="download again even if a complete file is present")
    get.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """List the checkpoints present, or download one."""
    if args.action == "list":
        return _list()
    path = download(args.model, args.dir, progress=not args.quiet, force=args.force)
    print(f"{path} ({path.stat().st_size / 1e6:.1f} MB) is ready.")
    return 0


def _list() -> int:
    entries = list_weights()
    print(f"SAM 2.1 checkpoints in {weights_dir()}:")
    for entry in entries:
        if entry.complete:
            state = "present"
        elif entry.present:
            state = f"INCOMPLETE ({entry.size_bytes} of {entry.model.size_bytes} bytes)"
        else:
            state = "missing"
        print(f"  {entry.model.name:<10} {entry.model.filename:<28} {entry.model.size_mb:7.1f} MB  {state}")
    if os.environ.get(ENV_CHECKPOINT):
        print(f"${ENV_CHECKPOINT} names {os.environ[ENV_CHECKPOINT]}, which is used instead.")
    elif not any(e.complete for e in entries):
        print("Get one with: python -m tracking weights download tiny")
    return 0
