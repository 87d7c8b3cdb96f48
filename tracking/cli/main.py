"""``python -m tracking``: the command line.

Each sub-command lives in ``tracking/cli/<name>.py`` (a dash in the name is ``_`` there) and exposes
``add_parser(subparsers)`` (which sets ``func``) so this file never grows.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from tracking.core.errors import InputError

COMMANDS = ("sample", "sample-region", "inspect", "track", "batch", "evaluate", "weights")


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m tracking`` parser with one sub-command per module of tracking.cli."""
    parser = argparse.ArgumentParser(prog="python -m tracking",
                                     description="Track a landslide scar through a time series of scenes.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        module_name = f"tracking.cli.{name.replace('-', '_')}"  # "sample-region" lives in sample_region.py
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; an InputError is one sentence on stderr and exit status 2."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return 130
