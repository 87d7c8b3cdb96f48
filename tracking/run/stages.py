"""Run a whole tracking job: prompts in date order, propagation with progress, outputs on disk."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from tracking.engines.base import Engine
from tracking.core.frames import Frames
from tracking.core.prompts import Prompt
from tracking.run.session import Progress, TrackingSession

ProgressCallback = Callable[[Progress], None]


def prompt_stages(prompts: list[Prompt]) -> list[tuple[int, list[Prompt], str]]:
    """(frame, its prompts, direction) in date order.

    Prompts on the earliest prompted date start the track (propagated both ways); prompts on
    later dates act as corrections, each followed by re-propagation forward from its frame.
    """
    frames = sorted({p.frame for p in prompts})
    return [(f, [p for p in prompts if p.frame == f], "both" if i == 0 else "forward")
            for i, f in enumerate(frames)]


def track_series(engine: Engine, frames: Frames, prompts: list[Prompt],
                 progress: ProgressCallback | None = None) -> TrackingSession:
    """Run every stage of ``prompt_stages`` in one session."""
    session = TrackingSession(engine, frames)
    for frame, stage, direction in prompt_stages(prompts):
        for p in stage:
            session.add_prompt(p)
        _consume(session.propagate(frame, direction), progress)
    return session


def _consume(steps, progress: ProgressCallback | None) -> None:
    for step in steps:
        if progress is not None:
            progress(step)


def run_and_write(out_dir: Path, frames: Frames, prompts: list[Prompt], engine: Engine, problems: list[str],
                  timings: dict, reference: Path | None = None, shapefile: bool = False) -> dict[str, Path]:
    """Track with a terminal progress bar, then write masks, manifest and every export."""
    from tqdm import tqdm

    from tracking.engines.factory import engine_info
    from tracking.exports.bundle import export_all
    from tracking.exports.output_folder import build_manifest, write_date_masks, write_manifest

    t0 = time.perf_counter()
    with tqdm(total=None, unit="frame", desc="tracking") as bar:
        def show(p: Progress) -> None:
            bar.total = p.total
            bar.n = p.done
            bar.set_postfix_str(frames.dates[p.frame].isoformat())
            bar.refresh()

        session = track_series(engine, frames, prompts, show)
    timings = {**timings, **session.timings, "track_s": time.perf_counter() - t0}
    info = engine_info(engine)
    write_date_masks(out_dir, frames, session.track)
    ref = None
    if reference is not None:
        from tracking.analysis.reference import load_reference

        ref = load_reference(reference, frames.grid)
    written = export_all(out_dir, frames, session.track, info, session.prompts, reference=ref, shapefile=shapefile)
    write_manifest(out_dir, build_manifest(frames, session.track, info, session.prompts, timings, problems))
    return written
