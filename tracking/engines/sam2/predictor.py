"""SAM2's video predictor fed from arrays, with per-frame caches.

Three things SAM2VideoPredictor (sam2 1.1.0) lacks for interactive tracking of a
few dozen satellite frames:

- ``init_state_from_arrays``: an inference state built from our harmonised
  (M, H, W, 3) uint8 frames, resized and normalised exactly as SAM2's own
  ``load_video_frames`` does, without the JPEG round trip.
- ``CachingVideoPredictor._get_image_feature``: SAM2 keeps only the last frame's
  encoder output; here every frame's output is kept in a FeatureCache (LRU with a
  byte budget), keyed by the frame's content, so a frame seen before never runs
  the image encoder again (even after the video is reloaded without a bad frame).
- ``CachingVideoPredictor._prepare_memory_conditioned_features``: the memory
  attention output of each frame is kept too, keyed by the exact set of memory
  entries it attended to (every stored output gets a unique id). A click on a
  tracked frame whose memory bank has not changed since propagation then runs
  only the prompt encoder and mask decoder.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from collections import OrderedDict

import numpy as np
import torch
from PIL import Image
from sam2.build_sam import build_sam2_video_predictor
from sam2.sam2_video_predictor import SAM2VideoPredictor

from tracking.core.errors import InputError
from tracking.core.frames import check_video
from tracking.engines.sam2.feature_cache import FeatureCache
from tracking.engines.sam2.models import Sam2Model
from tracking.engines.sam2.weights import download_command

IMG_MEAN = (0.485, 0.456, 0.406)  # as in sam2.utils.misc.load_video_frames
IMG_STD = (0.229, 0.224, 0.225)
_UIDS = itertools.count(1)


class ArrayVideo:
    """Frames resized to the model's square input, normalised on access.

    Holds (M, S, S, 3) uint8 (a quarter of SAM2's float32 copy); ``video[i]`` is
    the (3, S, S) float32 tensor SAM2's loader would have produced for frame i.
    ``keys[i]`` identifies frame i's content (and the input size) for caches.
    """

    def __init__(self, images: np.ndarray, image_size: int, device: torch.device):
        images = check_video(images)
        self.image_size = int(image_size)
        self.device = device
        self.height, self.width = int(images.shape[1]), int(images.shape[2])
        # PIL's default resampling, as sam2.utils.misc._load_img_as_tensor.
        self.frames = np.stack([np.asarray(Image.fromarray(f).resize((image_size, image_size))) for f in images])
        self.keys = [(self.image_size, hashlib.blake2b(np.ascontiguousarray(f).tobytes(), digest_size=16,
                                                       person=b"sam2frame").hexdigest()) for f in images]
        self._mean = torch.tensor(IMG_MEAN, dtype=torch.float32, device=device)[:, None, None]
        self._std = torch.tensor(IMG_STD, dtype=torch.float32, device=device)[:, None, None]

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, index: int) -> torch.Tensor:
        x = torch.from_numpy(self.frames[index]).permute(2, 0, 1)
        img = (x.double() / 255.0).float().to(self.device)  # SAM2 divides in float64 (on the CPU: MPS has none)
        return (img - self._mean) / self._std


@torch.inference_mode()
def init_state_from_arrays(predictor: SAM2VideoPredictor, images: np.ndarray,
                           offload_state_to_cpu: bool = False) -> dict:
    """An inference state like ``SAM2VideoPredictor.init_state`` (sam2 1.1.0), from arrays.

    images: (M, H, W, 3) uint8. Masks come back at (H, W). Unlike init_state this
    does not encode frame 0 up front (the caches make the first click pay for it).
    """
    device = predictor.device
    video = ArrayVideo(images, predictor.image_size, device)
    state: dict = {
        "images": video,
        "frame_keys": video.keys,
        "num_frames": len(video),
        "offload_video_to_cpu": True,
        "offload_state_to_cpu": offload_state_to_cpu,
        "video_height": video.height,
        "video_width": video.width,
        "device": device,
        "storage_device": torch.device("cpu") if offload_state_to_cpu else device,
        "point_inputs_per_obj": {},
        "mask_inputs_per_obj": {},
        "cached_features": {},
        "constants": {},
        "obj_id_to_idx": OrderedDict(),
        "obj_idx_to_id": OrderedDict(),
        "obj_ids": [],
        "output_dict_per_obj": {},
        "temp_output_dict_per_obj": {},
        "frames_tracked_per_obj": {},
    }
    return state


class CachingVideoPredictor(SAM2VideoPredictor):
    """SAM2VideoPredictor with an encoder-feature cache and a memory-attention cache.

    Made from a built SAM2VideoPredictor by ``attach_caches`` (no new weights).
    """

    feature_cache: FeatureCache
    memory_cache: FeatureCache | None
    _frame_ctx: tuple | None = None

    @classmethod
    def attach_caches(cls, predictor: SAM2VideoPredictor, feature_cache: FeatureCache,
                      memory_cache: FeatureCache | None) -> "CachingVideoPredictor":
        predictor.__class__ = cls
        predictor.feature_cache = feature_cache
        predictor.memory_cache = memory_cache
        predictor._pos_enc = {}
        predictor._frame_ctx = None
        return predictor

    # -- image encoder features: every frame, within a byte budget -------------
    def _get_image_feature(self, inference_state, frame_idx, batch_size):
        """As SAM2's, but looks every frame up in ``feature_cache`` (keyed by content).

        The first returned item (the input image) is None: sam2 1.1.0's callers discard it.
        """
        key = inference_state["frame_keys"][frame_idx]
        fpn = self.feature_cache.get(key)
        if fpn is None:
            device = inference_state["device"]
            image = inference_state["images"][frame_idx].to(device).float().unsqueeze(0)
            backbone_out = self.forward_image(image)
            fpn = list(backbone_out["backbone_fpn"])
            self.feature_cache.put(key, fpn)
        pos = self._positional_encodings(fpn)
        expanded = {"backbone_fpn": [f.expand(batch_size, -1, -1, -1) for f in fpn],
                    "vision_pos_enc": [p.expand(batch_size, -1, -1, -1) for p in pos]}
        return (None,) + self._prepare_backbone_features(expanded)

    def _positional_encodings(self, fpn: list) -> list:
        """The sine encodings of each feature level; they depend only on its shape, so one copy serves all frames."""
        key = tuple((tuple(f.shape[1:]), f.dtype, f.device.type) for f in fpn)
        if key not in self._pos_enc:
            encode = self.image_encoder.neck.position_encoding
            self._pos_enc[key] = [encode(f[:1]).to(f.dtype) for f in fpn]
        return self._pos_enc[key]

    # -- memory-conditioned features: valid while the attended memory is the same --
    def _run_single_frame_inference(self, inference_state, output_dict, frame_idx, batch_size,
                                    is_init_cond_frame, point_inputs, mask_inputs, reverse,
                                    run_mem_encoder, prev_sam_mask_logits=None):
        """As SAM2's; a plain propagation step whose memory is unchanged returns its earlier output.

        Returning the very same output (same id) keeps the next frames' memory
        signatures unchanged too, so re-propagating an object nothing changed for is free.
        """
        ctx = (inference_state["frame_keys"][frame_idx], inference_state["num_frames"])
        key = None
        plain = point_inputs is None and mask_inputs is None and prev_sam_mask_logits is None
        if self.memory_cache is not None and plain and run_mem_encoder and not is_init_cond_frame:
            signature = self._memory_signature(frame_idx, output_dict, reverse)
            if signature is not None:
                key = ("step", ctx, frame_idx, bool(reverse), batch_size, signature)
                hit = self.memory_cache.get(key)
                if hit is not None:
                    return hit, hit["pred_masks"].to(inference_state["device"])
        self._frame_ctx = ctx
        try:
            out, masks = super()._run_single_frame_inference(
                inference_state, output_dict, frame_idx, batch_size, is_init_cond_frame, point_inputs,
                mask_inputs, reverse, run_mem_encoder, prev_sam_mask_logits)
        finally:
            self._frame_ctx = None
        out["maskmem_features"] = self._memory_dtype(out["maskmem_features"])
        out["uid"] = next(_UIDS)  # identifies this output wherever it is later used as memory
        if key is not None:
            self.memory_cache.put(key, out)
        return out, masks

    def _run_memory_encoder(self, inference_state, frame_idx, batch_size, high_res_masks,
                            object_score_logits, is_mask_from_pts):
        features, pos = super()._run_memory_encoder(inference_state, frame_idx, batch_size, high_res_masks,
                                                    object_score_logits, is_mask_from_pts)
        return self._memory_dtype(features), pos

    def _memory_dtype(self, features):
        """SAM2 stores memories in bfloat16, which only CUDA autocast mixes with float32 weights.

        Without autocast, memory attention fails when a frame's memory holds no float32
        object pointer (an object tracked on a frame before its first prompt). The
        bfloat16 values are kept, widened to float32, exactly as torch.cat widens them
        when pointers are present.
        """
        if features is None or features.dtype != torch.bfloat16:
            return features
        if torch.is_autocast_enabled(features.device.type):
            return features
        return features.float()

    def _prepare_memory_conditioned_features(self, frame_idx, is_init_cond_frame, current_vision_feats,
                                             current_vision_pos_embeds, feat_sizes, output_dict, num_frames,
                                             track_in_reverse=False):
        args = (frame_idx, is_init_cond_frame, current_vision_feats, current_vision_pos_embeds, feat_sizes,
                output_dict, num_frames, track_in_reverse)
        if self.memory_cache is None or is_init_cond_frame or self._frame_ctx is None:
            return super()._prepare_memory_conditioned_features(*args)
        signature = self._memory_signature(frame_idx, output_dict, track_in_reverse)
        if signature is None:
            return super()._prepare_memory_conditioned_features(*args)
        key = ("attn", self._frame_ctx, frame_idx, bool(track_in_reverse), current_vision_feats[-1].size(1),
               signature)
        hit = self.memory_cache.get(key)
        if hit is not None:
            return hit
        pix_feat = super()._prepare_memory_conditioned_features(*args)
        self.memory_cache.put(key, pix_feat)
        return pix_feat

    def _memory_signature(self, frame_idx: int, output_dict: dict, reverse: bool) -> tuple | None:
        """Ids of every stored output the memory attention of ``frame_idx`` can read.

        A superset of what SAM2 selects: all conditioning outputs, and the
        non-conditioning outputs of the frames before it (after it when tracking in
        reverse) within reach of the spatial memory and the object pointers.
        None when an output has no id (then nothing is cached).
        """
        try:
            cond = tuple(sorted((t, out["uid"]) for t, out in output_dict["cond_frame_outputs"].items()))
            reach = max(self.max_obj_ptrs_in_encoder,
                        self.memory_temporal_stride_for_eval * self.num_maskmem + 2)
            step = 1 if reverse else -1
            non_cond = output_dict["non_cond_frame_outputs"]
            near = tuple((t, non_cond[t]["uid"]) for t in range(frame_idx + step, frame_idx + step * (reach + 1), step)
                         if t in non_cond)
        except KeyError:
            return None
        return cond, near


def build_predictor(spec: Sam2Model, checkpoint, device: torch.device, image_size: int | None = None,
                    feature_cache: FeatureCache | None = None,
                    memory_cache: FeatureCache | None = None) -> SAM2VideoPredictor:
    """Build the official sam2.1 video predictor for ``spec`` and load ``checkpoint`` into it.

    With a ``feature_cache`` the predictor becomes a CachingVideoPredictor; without
    one it stays SAM2's own class (the benchmarks' baseline). Corrections made on a
    tracked frame become conditioning frames (``add_all_frames_to_correct_as_cond``),
    so re-propagation keeps them instead of overwriting them (sam2 issues #546, #731).
    """
    _quiet_sam2()
    overrides = ["++model.add_all_frames_to_correct_as_cond=true"]
    if image_size is not None:
        if image_size % 64 or image_size < 128:
            raise InputError(f"The SAM2 image size must be a multiple of 64 and at least 128, not {image_size}.")
        overrides.append(f"++model.image_size={int(image_size)}")
    previous = logging.root.manager.disable
    logging.disable(logging.ERROR)  # sam2 logs every missing key of a wrong checkpoint
    try:
        predictor = build_sam2_video_predictor(spec.config, str(checkpoint), device=str(device),
                                               hydra_overrides_extra=overrides)
    except Exception as exc:  # torch.load / load_state_dict fail in many ways on a bad file
        if "out of memory" in str(exc).lower():
            raise
        raise InputError(f"The SAM2 checkpoint {checkpoint} is not a valid {spec.filename} "
                         f"({type(exc).__name__}); download it again with `{download_command(spec)}`.") from exc
    finally:
        logging.disable(previous)
    if feature_cache is not None:
        CachingVideoPredictor.attach_caches(predictor, feature_cache, memory_cache)
    return predictor


def _quiet_sam2() -> None:
    """Silence what sam2 prints on every call that our callers say better themselves.

    propagate_in_video draws a tqdm bar per call (the session reports progress per
    frame), and without the optional CUDA extension every hole-filling call warns
    that it skipped (harmless, see DESIGN.md).
    """
    import warnings

    import sam2.sam2_video_predictor as module

    warnings.filterwarnings("ignore", message=r"cannot import name '_C' from 'sam2'", category=UserWarning)
    if not getattr(module.tqdm, "_landslide_quiet", False):
        def quiet(iterable=None, *args, **kwargs):
            return iterable

        quiet._landslide_quiet = True
        module.tqdm = quiet
