"""Small Streamlit helpers shared by the pages: progress bars and problem lists."""

from __future__ import annotations

from typing import Callable

import streamlit as st

from tracking.ui.state import plain

#: Problem lines shown one by one; more are counted (a zip of thousands of bad files
#: must not make every page slow).
SHOWN_PROBLEMS = 50


def progress_callback(label: str) -> tuple[Callable, object]:
    """(callback, bar): the callback takes (done, total[, message]) or a Progress-like object."""
    bar = st.progress(0.0, text=label)

    def update(*args, **kwargs) -> None:
        done = total = None
        message = kwargs.get("message", "")
        if len(args) == 1 and hasattr(args[0], "done"):
            done, total = args[0].done, args[0].total
        elif len(args) >= 2:
            done, total = args[0], args[1]
            message = args[2] if len(args) > 2 else message
        elif "done" in kwargs:
            done, total = kwargs["done"], kwargs.get("total")
        if done is None or not total:
            return
        text = f"{label} {int(done)}/{int(total)}" + (f" — {message}" if message else "")
        bar.progress(min(1.0, max(0.0, float(done) / float(total))), text=text)

    return update, bar


def problems(lines: list[str], what: str = "while reading the scenes") -> None:
    """One collapsed warning listing the problem lines (nothing when there are none).

    Each line is shown as written (file names are never read as Markdown); past
    SHOWN_PROBLEMS lines, one more line counts the rest.
    """
    if not lines:
        return
    with st.expander(f"⚠️ {len(lines):,} problem{'s' if len(lines) > 1 else ''} {what}"):
        st.markdown("\n".join(f"- {plain(line)}" for line in lines[:SHOWN_PROBLEMS]))
        if len(lines) > SHOWN_PROBLEMS:
            st.caption(f"… and {len(lines) - SHOWN_PROBLEMS:,} more.")
