"""A real SAM 2.1 tiny checkpoint with random weights (fixture: tests/tracking/conftest.py).

Meta's weights cannot be downloaded here, so the model is built from the official
sam2.1 tiny Hydra config at a small image size, its random weights are saved in
the official checkpoint format (``{"model": state_dict}``), and the engine loads
that file through the same code a user's checkpoint takes.
"""

from __future__ import annotations

from pathlib import Path

SAM2_IMAGE_SIZE = 128  # smallest size sam2.1 tiny accepts; encoder ~0.05 s per frame on a CPU


def save_random_checkpoint(path: Path, image_size: int = SAM2_IMAGE_SIZE, seed: int = 0) -> Path:
    """Build sam2.1 tiny from its official config with random weights and save it like Meta does."""
    import torch
    from sam2.build_sam import build_sam2_video_predictor

    torch.manual_seed(seed)
    model = build_sam2_video_predictor("configs/sam2.1/sam2.1_hiera_t.yaml", None, device="cpu",
                                       hydra_overrides_extra=[f"++model.image_size={image_size}"])
    torch.save({"model": model.state_dict()}, path)
    return path
