"""Argument types shared by the sub-commands: comma-separated numbers with a clear refusal."""

from __future__ import annotations

import argparse


def numbers(text: str, n: int, what: str) -> tuple[float, ...]:
    """``n`` comma-separated numbers from ``text`` (spaces allowed), else an argparse error naming ``what``."""
    try:
        values = tuple(float(v) for v in text.replace(" ", "").split(","))
    except ValueError:
        values = ()
    if len(values) != n:
        raise argparse.ArgumentTypeError(f"{what} needs {n} comma-separated numbers, got '{text}'")
    return values


def box(text: str) -> tuple[float, float, float, float]:
    """X0,Y0,X1,Y1."""
    return numbers(text, 4, "a box")  # type: ignore[return-value]


def aoi(text: str) -> tuple[float, float, float, float]:
    """MINX,MINY,MAXX,MAXY."""
    return numbers(text, 4, "an area of interest")  # type: ignore[return-value]


def point(text: str) -> tuple[float, float, int]:
    """X,Y,LABEL with LABEL 1 (scar) or 0 (not scar)."""
    x, y, label = numbers(text, 3, "a point")
    if label not in (0, 1):
        raise argparse.ArgumentTypeError(f"a point's label is 1 (scar) or 0 (not scar), got {label:g}")
    return x, y, int(label)
