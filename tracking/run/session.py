"""A tracking session: one engine, one set of frames, the Track they build together.

The session removes bad frames before the engine sees them, maps frame indices,
records provenance, and fills bad frames from their nearest good neighbour.
Like SAM2's demo backend, it keeps inference state per session, apart from any UI.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from tracking.core.errors import InputError
from tracking.core.frames import Frames, check_frame_index
from tracking.core.prompt_rules import validate_prompt
from tracking.core.prompts import Prompt
from tracking.core.track import Provenance, Track
from tracking.engines.base import Engine, PropagationStep


@dataclass
class Progress:
    """One propagated frame: ``done`` of ``total`` frames, ``frame`` in full-series indices."""

    done: int
    total: int
    frame: int
    seconds: float


@dataclass
class TrackingSession:
    """One engine tracking one series: prompts in, a Track out (see the module docstring)."""

    engine: Engine
    frames: Frames
    track: Track = field(init=False)
    prompts: list[Prompt] = field(default_factory=list, init=False)
    timings: dict[str, float] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.good = self.frames.good_indices
        if not self.good:
            raise InputError("Every frame is flagged bad (cloud, snow, nodata or excluded), "
                             "so there is nothing to track.")
        self._local = {g: i for i, g in enumerate(self.good)}
        t0 = time.perf_counter()
        self.engine.load(self.frames.images[self.good], guidance=self.frames.guidance(self.good))
        self.timings["load_s"] = time.perf_counter() - t0
        self.track = Track.empty(len(self.frames), self.frames.shape)
        self._tracked = False

    # -- prompts -------------------------------------------------------------
    def add_prompt(self, prompt: Prompt) -> np.ndarray:
        """Apply a prompt (first prompt or a correction) and return its frame's (H, W) mask.

        A prompt on a bad frame can only be a mask: it is set as is and not fed to the engine.
        """
        validate_prompt(prompt, self.frames)
        prov = Provenance.CORRECTED if self._tracked else Provenance.PROMPTED
        obj = self.track.obj(prompt.object_id)
        if prompt.frame not in self._local:
            if prompt.mask is None:
                raise InputError(
                    f"Frame {prompt.frame + 1} ({self.frames.dates[prompt.frame]}) is left out of tracking; "
                    "include it on the Scenes page or correct it with a mask.")
            obj.masks[prompt.frame] = prompt.mask
            obj.provenance[prompt.frame] = prov
            obj.confidence[prompt.frame] = 1.0
        else:
            local = Prompt(self._local[prompt.frame], prompt.object_id, prompt.points, prompt.labels,
                           prompt.box, prompt.mask)
            step = self.engine.add_prompt(local)
            self._store(step, prompt.frame, {prompt.object_id: prov}, default=None)
        self.prompts.append(prompt)
        return obj.masks[prompt.frame].copy()

    def resume(self, prompts: list[Prompt], track: Track | None) -> None:
        """Rebuild a session from a saved project: replay ``prompts``, then adopt ``track``.

        The engine gets every prompt again (so a later correction or re-propagation
        starts from them), then the saved masks, provenance and confidence replace
        what the replay made. When ``track`` holds tracked frames, later prompts count
        as corrections.
        """
        for prompt in prompts:
            self.add_prompt(prompt)
        if track is not None:
            if track.n_frames != len(self.frames) or tuple(track.shape) != self.frames.shape:
                raise InputError("The saved masks do not match the frames; track the series again.")
            self.track = track.copy()
            self._tracked = any(p != Provenance.NONE and p != Provenance.PROMPTED
                                for obj in track.objects.values() for p in obj.provenance)

    # -- propagation ---------------------------------------------------------
    def propagate(self, start: int | None = None, direction: str = "both") -> Iterator[Progress]:
        """Propagate from full-series frame ``start`` (default: the earliest prompt).

        direction: "forward", "backward" or "both". Frames outside the swept range keep
        their masks. Yields Progress per frame; closing the generator cancels, and every
        frame done so far stays in ``track``.
        """
        if not self.prompts:
            raise InputError("Add a prompt before tracking.")
        if direction not in ("forward", "backward", "both"):
            raise ValueError(f"unknown direction {direction!r}")
        start = min(p.frame for p in self.prompts) if start is None else check_frame_index(start, len(self.frames))
        local_start = self._nearest_good(start)
        runs = []
        if direction in ("forward", "both"):
            runs.append((local_start, False, len(self.good) - local_start))
        if direction in ("backward", "both") and local_start > 0:
            runs.append((local_start, True, local_start + 1))
        total = sum(r[2] for r in runs)
        done = 0
        t0 = time.perf_counter()
        for begin, reverse, _ in runs:
            for step in self.engine.propagate(begin, reverse=reverse):
                full = self.good[step.frame]
                self._store(step, full, {}, default=Provenance.PROPAGATED)
                done += 1
                yield Progress(done, total, full, time.perf_counter() - t0)
            self._fill_bad_frames()
        self._tracked = True
        self.timings["propagate_s"] = time.perf_counter() - t0

    def run(self) -> Track:
        """Propagate over the whole series, consuming the progress."""
        for _ in self.propagate():
            pass
        return self.track

    def _nearest_good(self, frame: int) -> int:
        """Local engine index of ``frame``, or of the next good frame after it (else before it)."""
        after = [i for i, g in enumerate(self.good) if g >= frame]
        return after[0] if after else len(self.good) - 1

    def _store(self, step: PropagationStep, full: int, prov: dict, default: Provenance | None) -> None:
        for oid, mask in step.masks.items():
            obj = self.track.obj(oid)
            p = prov.get(oid)
            if p is None and obj.provenance[full] not in (Provenance.PROMPTED, Provenance.CORRECTED):
                p = default  # a frame the analyst prompted keeps its provenance when propagation passes it
            obj.masks[full] = mask
            obj.confidence[full] = float(step.confidence.get(oid, np.nan))
            if p is not None:
                obj.provenance[full] = p

    def _fill_bad_frames(self) -> None:
        """Give each bad frame the mask of its nearest good frame (earlier one on ties), marked CARRIED."""
        good = np.array(self.good)
        for i in range(len(self.frames)):
            if i in self._local:
                continue
            j = int(good[np.argmin(np.abs(good - i) + (good > i) * 0.5)])
            for obj in self.track.objects.values():
                if obj.provenance[i] in (Provenance.PROMPTED, Provenance.CORRECTED):
                    continue  # the analyst drew this bad frame's mask by hand
                obj.masks[i] = obj.masks[j]
                obj.provenance[i] = Provenance.CARRIED
                obj.confidence[i] = obj.confidence[j]
