"""The contract every tracking engine keeps.

An engine sees only a contiguous video of *good* frames (bad frames are removed
by ``tracking.run.session``), indexed 0..M-1. It keeps per-video state between
calls, like SAM2's inference state, so corrections are cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Protocol

import numpy as np

from tracking.core.prompts import Prompt


@dataclass
class PropagationStep:
    """The engine's output on one frame.

    masks:      object id -> (H, W) bool
    confidence: object id -> float in 0..1
    """

    frame: int
    masks: dict[int, np.ndarray]
    confidence: dict[int, float]


class Engine(Protocol):
    """The contract every tracking engine keeps: load a video, take prompts, propagate."""

    name: str  # "sam2" or "baseline"

    def load(self, images: np.ndarray, guidance: np.ndarray | None = None) -> None:
        """Start a new video. images: (M, H, W, 3) uint8. Drops all prompts and memory.

        guidance: optional (M, H, W, C) float32 per-pixel cues of the same frames in about
        -1..1, NDVI first (see ``Frames.guidance``), NaN where unknown; an engine may use it
        (the baseline does) or keep to the RGB (SAM2 does), and says which in its provenance.
        """

    def add_prompt(self, prompt: Prompt) -> PropagationStep:
        """Add points/box/mask for one object on one frame (local index ``prompt.frame``).

        Points add to earlier points of the same object on that frame; a box or a mask
        replaces that object's earlier prompt there. Returns the masks of every object
        on that frame right away (SAM2 semantics: a mask prompt comes back unchanged).
        """

    def clear_frame(self, frame: int, object_id: int | None = None) -> None:
        """Forget the prompts on one frame (all objects when ``object_id`` is None)."""

    def propagate(self, start: int, reverse: bool = False) -> Iterator[PropagationStep]:
        """Yield one step per frame from ``start`` forward (or backward when ``reverse``).

        A frame that holds a prompt yields the prompt's mask. Stopping the iteration
        (``close()``) cancels cleanly; steps already yielded stay valid.
        """
