"""Run a whole tracking job: prompts in date order, propagation with progress, outputs on disk.

``run_stages`` is the one stage loop: the command line (``track_series``), the Track
page (:mod:`tracking.project.runs`) and re-propagation after a correction
(:mod:`tracking.project.corrections`) all drive the session through it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tracking.core.frames import Frames
from tracking.core.prompts import Prompt
from tracking.core.track import Track
from tracking.core.work import checkpoint
from tracking.engines.base import Engine
from tracking.run.session import Progress, TrackingSession

ProgressCallback = Callable[[Progress], None]
#: A stage: (full-series frame, the prompts to add there first, "both" / "forward" / "backward").
Stage = tuple[int, list[Prompt], str]
#: Save the masks every this many frames or seconds (whichever comes first) during a run.
SAVE_EVERY_FRAMES = 4
SAVE_EVERY_S = 5.0


def prompt_stages(prompts: list[Prompt]) -> list[Stage]:
    """(frame, its prompts, direction) in date order.

    Prompts on the earliest prompted date start the track (propagated both ways); prompts on
    later dates act as corrections, each followed by re-propagation forward from its frame.
    """
    frames = sorted({p.frame for p in prompts})
    return [(f, [p for p in prompts if p.frame == f], "both" if i == 0 else "forward")
            for i, f in enumerate(frames)]


@dataclass
class StageStep:
    """One propagated frame of a staged run: stage ``stage`` of ``stages`` (from 1), and its Progress."""

    stage: int
    stages: int
    progress: Progress


def run_stages(session: TrackingSession, stages: list[Stage],
               on_step: Callable[[StageStep], None] | None = None,
               should_cancel: Callable[[], bool] | None = None,
               save: Callable[[Track], None] | None = None,
               save_every: tuple[int, float] | None = (SAVE_EVERY_FRAMES, SAVE_EVERY_S)) -> bool:
    """Run ``stages`` in ``session``: the one stage loop of the command line, the Track page and corrections.

    Each stage adds its prompts to the session, then propagates from its frame in its
    direction (``prompt_stages`` for a whole run; ``[(frame, [], direction)]`` to
    re-propagate after a correction). ``on_step`` hears every frame; ``should_cancel()``
    is asked after each frame and, once true, stops the run with every frame done so
    far kept in ``session.track``. ``save(track)`` runs every ``save_every`` (frames,
    seconds), whichever comes first (None: no saving on the way), and always at the end,
    also after a cancel or an error. Returns True when every stage ran to its end.
    """
    last_save, since_save = time.perf_counter(), 0
    try:
        for number, (frame, stage_prompts, direction) in enumerate(stages, start=1):
            for p in stage_prompts:
                session.add_prompt(p)
            steps = session.propagate(frame, direction)
            try:
                for prog in steps:
                    if on_step is not None:
                        on_step(StageStep(number, len(stages), prog))
                    since_save += 1
                    if save is not None and save_every is not None and (
                            since_save >= save_every[0] or time.perf_counter() - last_save > save_every[1]):
                        save(session.track)
                        last_save, since_save = time.perf_counter(), 0
                    if should_cancel is not None and should_cancel():
                        return False
                    checkpoint()  # a closed tab, a newer page run or a spent CPU budget stops here
            finally:
                steps.close()
        return True
    finally:
        if save is not None:
            save(session.track)


def track_series(engine: Engine, frames: Frames, prompts: list[Prompt],
                 progress: ProgressCallback | None = None) -> TrackingSession:
    """Run every stage of ``prompt_stages`` in one session (no saving, no cancelling)."""
    session = TrackingSession(engine, frames)
    run_stages(session, prompt_stages(prompts), None if progress is None else (lambda s: progress(s.progress)))
    return session


def run_and_write(out_dir: Path, frames: Frames, prompts: list[Prompt], engine: Engine, problems: list[str],
                  timings: dict, reference: Path | None = None, shapefile: bool = False,
                  show_progress: bool = True) -> dict[str, Path]:
    """Track with a terminal progress bar (unless ``show_progress`` is False, e.g. on a batch
    worker), then write masks, manifest and every export."""
    from tqdm import tqdm

    from tracking.engines.factory import engine_provenance
    from tracking.exports.bundle import export_all
    from tracking.exports.output_folder import build_manifest, write_date_masks, write_manifest

    t0 = time.perf_counter()
    with tqdm(total=None, unit="frame", desc="tracking", disable=not show_progress) as bar:
        def show(p: Progress) -> None:
            bar.total = p.total
            bar.n = p.done
            bar.set_postfix_str(frames.dates[p.frame].isoformat())
            bar.refresh()

        session = track_series(engine, frames, prompts, show)
    timings = {**timings, **session.timings, "track_s": time.perf_counter() - t0}
    info = engine_provenance(engine)
    write_date_masks(out_dir, frames, session.track)
    ref = None
    if reference is not None:
        from tracking.analysis.reference import load_reference

        ref = load_reference(reference, frames.grid)
    written = export_all(out_dir, frames, session.track, info, session.prompts, reference=ref, shapefile=shapefile)
    write_manifest(out_dir, build_manifest(frames, session.track, info, session.prompts, timings, problems))
    return written
