"""The SAM2 tracking engine: the real sam2.1 video predictor behind the Engine contract.

Typical use (through ``tracking.run.session.TrackingSession``)::

    engine = Sam2Engine("tiny")                 # checkpoint found as in sam2_weights
    engine.load(frames)                         # (M, H, W, 3) uint8, good frames only
    engine.add_prompt(Prompt(0, 1, box=(10, 10, 60, 50)))
    for step in engine.propagate(0):            # one PropagationStep per frame
        ...
"""

from __future__ import annotations

import contextlib
import copy
import os
from pathlib import Path
from typing import Iterator

import numpy as np

from tracking.core.errors import InputError
from tracking.core.frames import check_frame_index, check_video
from tracking.core.prompt_rules import validate_prompt
from tracking.core.prompts import Prompt
from tracking.core.spectral import check_guidance
from tracking.engines.base import PropagationStep
from tracking.engines.sam2.feature_cache import CacheStats, FeatureCache, GiB
from tracking.engines.sam2.models import get_model
from tracking.engines.sam2.weights import require_checkpoint, sha256_file


class Sam2Engine:
    """SAM 2.1 video segmentation with per-frame caches for cheap corrections.

    model:       "tiny", "small", "base_plus" or "large".
    checkpoint:  a checkpoint file; None looks in $SAM2_CHECKPOINT, then the weights folder.
    device:      "auto" (cuda, mps, cpu), or a torch device name.
    image_size:  the model's square input size (default: the config's, 1024); a multiple of 64.
    cache_bytes: budget of the image-encoder feature cache; the memory-attention
                 cache gets ``memory_cache_bytes`` (default a quarter of it). 0 turns a cache off.
    """

    name = "sam2"

    def __init__(self, model: str = "tiny", checkpoint: str | os.PathLike | None = None, device: str = "auto",
                 image_size: int | None = None, cache_bytes: int = 2 * GiB, memory_cache_bytes: int | None = None):
        import torch

        from tracking.engines.device import resolve_device
        from tracking.engines.sam2.predictor import build_predictor

        self.spec = get_model(model)
        self.model = self.spec.name
        self.checkpoint: Path = require_checkpoint(self.spec, checkpoint)
        self.device = resolve_device(device)
        self.feature_cache = FeatureCache(cache_bytes)
        mem_budget = cache_bytes // 4 if memory_cache_bytes is None else memory_cache_bytes
        self.memory_cache = FeatureCache(mem_budget) if mem_budget > 0 else None
        self.predictor = build_predictor(self.spec, self.checkpoint, self.device, image_size,
                                         self.feature_cache, self.memory_cache)
        self.image_size = int(self.predictor.image_size)
        self._torch = torch
        self._sha256: str | None = None
        self._state: dict | None = None
        self._exact_masks: dict[tuple[int, int], np.ndarray] = {}
        self.vegetation_guidance = "none"

    def fork(self) -> "Sam2Engine":
        """A new engine for another session: the same loaded weights and caches, its own video state.

        The twin shares the predictor and the feature caches (keyed by frame content,
        so sessions on the same scenes share encoder work); callers must not run two
        twins at the same moment (``tracking.hosting.model_pool`` serialises them).
        """
        twin = copy.copy(self)
        twin._state = None
        twin._exact_masks = {}
        return twin

    # -- descriptive attributes ----------------------------------------------------
    @property
    def checkpoint_sha256(self) -> str:
        """SHA-256 of the checkpoint file (computed once, for manifests)."""
        if self._sha256 is None:
            self._sha256 = sha256_file(self.checkpoint)
        return self._sha256

    @property
    def cache_stats(self) -> CacheStats:
        """Hits, misses and bytes of the image-encoder feature cache."""
        return self.feature_cache.stats

    @property
    def memory_cache_stats(self) -> CacheStats | None:
        """Hits, misses and bytes of the memory-conditioned feature cache (None when off)."""
        return self.memory_cache.stats if self.memory_cache is not None else None

    @property
    def num_frames(self) -> int:
        return 0 if self._state is None else int(self._state["num_frames"])

    @property
    def object_ids(self) -> list[int]:
        return [] if self._state is None else list(self._state["obj_ids"])

    # -- the Engine contract ---------------------------------------------------------
    def load(self, images: np.ndarray, guidance: np.ndarray | None = None) -> None:
        """Start a new video. images: (M, H, W, 3) uint8. Drops all prompts and memory, keeps the caches.

        guidance (M, H, W, C) float32 vegetation cues (see the Engine contract) is checked
        and noted, not used: SAM2 was trained on RGB video and keeps its RGB frames, so its
        masks are the same with or without it (``vegetation_guidance`` says so in the provenance).
        """
        from tracking.engines.sam2.predictor import init_state_from_arrays

        images = check_video(images)
        self.vegetation_guidance = ("offered, not used (SAM2 sees the RGB video)"
                                    if check_guidance(guidance, images) is not None else "none")
        self._state = init_state_from_arrays(self.predictor, images)
        self._exact_masks.clear()

    def add_prompt(self, prompt: Prompt) -> PropagationStep:
        """Apply points, a box or a mask for one object on one frame; return that frame's masks.

        Points add to the object's earlier points on the frame; a box or a mask replaces them.
        A mask prompt comes back exactly as given.
        """
        state = self._require_state()
        validate_prompt(prompt, (self.num_frames, state["video_height"], state["video_width"]))
        f, oid = int(prompt.frame), int(prompt.object_id)
        with self._context():
            if prompt.mask is not None:
                _, obj_ids, masks = self.predictor.add_new_mask(state, f, oid, prompt.mask)
                self._exact_masks[(f, oid)] = prompt.mask.copy()
            else:
                box = None if prompt.box is None else np.asarray(prompt.box, np.float32)
                has_points = len(prompt.points) > 0
                _, obj_ids, masks = self.predictor.add_new_points_or_box(
                    state, f, oid,
                    points=prompt.points if has_points else None,
                    labels=prompt.labels if has_points else None,
                    clear_old_points=box is not None, box=box)
                self._exact_masks.pop((f, oid), None)
            return self._step(f, obj_ids, masks, temp=True)

    def clear_frame(self, frame: int, object_id: int | None = None) -> None:
        """Forget the prompts on one frame (all objects when ``object_id`` is None).

        An object left without any prompt anywhere is removed from the video.
        """
        state = self._require_state()
        f = self._check_frame(frame)
        targets = list(state["obj_ids"]) if object_id is None else [int(object_id)]
        with self._context():
            for oid in targets:
                if oid not in state["obj_id_to_idx"]:
                    continue
                self.predictor.clear_all_prompts_in_frame(state, f, oid, need_output=False)
                self._exact_masks.pop((f, oid), None)
                if not self._has_inputs(oid):
                    self.predictor.remove_object(state, oid, need_output=False)

    def propagate(self, start: int, reverse: bool = False) -> Iterator[PropagationStep]:
        """Yield one step per frame from ``start`` to the end (or to frame 0 when ``reverse``).

        Frames that hold a prompt yield its result (a mask prompt exactly). Closing the
        generator stops SAM2 cleanly; the frames already yielded stay in its memory.
        """
        state = self._require_state()
        start = self._check_frame(start)
        if not state["obj_ids"]:
            raise InputError("Add a prompt before tracking.")
        if reverse and start == 0:
            # SAM2 skips reverse tracking from frame 0; the contract still yields that frame.
            inner = self.predictor.propagate_in_video(state, start_frame_idx=0, max_frame_num_to_track=0)
        else:
            inner = self.predictor.propagate_in_video(state, start_frame_idx=start, reverse=reverse)
        try:
            while True:
                with self._context():
                    try:
                        frame, obj_ids, masks = next(inner)
                    except StopIteration:
                        return
                    step = self._step(frame, obj_ids, masks, temp=False)
                yield step
        finally:
            inner.close()

    # -- helpers -----------------------------------------------------------------------
    def _require_state(self) -> dict:
        if self._state is None:
            raise RuntimeError("call load(images) before prompting or propagating")
        return self._state

    def _check_frame(self, frame: int) -> int:
        return check_frame_index(frame, self.num_frames)

    def _context(self):
        """inference_mode, plus bfloat16 autocast on CUDA only (never on the CPU)."""
        stack = contextlib.ExitStack()
        stack.enter_context(self._torch.inference_mode())
        if self.device.type == "cuda":
            stack.enter_context(self._torch.autocast("cuda", dtype=self._torch.bfloat16))
        return stack

    def _has_inputs(self, oid: int) -> bool:
        idx = self._state["obj_id_to_idx"][oid]
        return bool(self._state["point_inputs_per_obj"][idx] or self._state["mask_inputs_per_obj"][idx])

    def _step(self, frame: int, obj_ids: list, masks, temp: bool) -> PropagationStep:
        """PropagationStep from SAM2's (N, 1, H, W) mask logits at video resolution."""
        binary = (masks[:, 0] > 0.0).cpu().numpy()
        out_masks, conf = {}, {}
        for idx, oid in enumerate(obj_ids):
            oid = int(oid)
            out = self._stored_output(idx, frame, temp)
            exact = self._exact_masks.get((frame, oid))
            if exact is not None and (temp or self._is_cond(idx, frame)):
                out_masks[oid] = exact.copy()
            else:
                out_masks[oid] = binary[idx]
            conf[oid] = 0.0 if out is None else float(self._torch.sigmoid(out["object_score_logits"].float()).max())
        return PropagationStep(frame, out_masks, conf)

    def _stored_output(self, idx: int, frame: int, temp: bool) -> dict | None:
        dicts = []
        if temp:
            t = self._state["temp_output_dict_per_obj"][idx]
            dicts += [t["cond_frame_outputs"], t["non_cond_frame_outputs"]]
        o = self._state["output_dict_per_obj"][idx]
        dicts += [o["cond_frame_outputs"], o["non_cond_frame_outputs"]]
        for d in dicts:
            if frame in d:
                return d[frame]
        return None

    def _is_cond(self, idx: int, frame: int) -> bool:
        return frame in self._state["output_dict_per_obj"][idx]["cond_frame_outputs"]
