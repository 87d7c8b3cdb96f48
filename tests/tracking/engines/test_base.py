"""The Engine contract both engines keep at their entry: one video check, one frame-index and prompt check."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers.frames import blob_images
from tests.helpers.sam2_weights import SAM2_IMAGE_SIZE
from tracking.core.errors import InputError
from tracking.core.prompts import Prompt

H, W = 40, 56


@pytest.fixture(params=["baseline", "sam2"])
def engine(request):
    if request.param == "baseline":
        from tracking.engines.baseline.engine import BaselineEngine

        return BaselineEngine()
    import torch

    from tracking.engines.sam2.engine import Sam2Engine

    before = torch.get_num_threads()
    torch.set_num_threads(1)  # as fast on this tiny model, and no spinning threads on a busy machine
    request.addfinalizer(lambda: torch.set_num_threads(before))
    checkpoint = request.getfixturevalue("sam2_checkpoint")
    return Sam2Engine("tiny", checkpoint=checkpoint, device="cpu", image_size=SAM2_IMAGE_SIZE)


@pytest.mark.parametrize("images", [np.zeros((2, H, W, 3), np.float32), np.zeros((2, H, W), np.uint8),
                                    np.zeros((0, H, W, 3), np.uint8)])
def test_a_video_that_is_not_n_h_w_3_uint8_is_an_input_error(engine, images):
    with pytest.raises(InputError, match=r"non-empty \(N, H, W, 3\) uint8 video"):
        engine.load(images)


def test_a_bad_frame_index_is_an_input_error_not_an_index_error(engine):
    engine.load(blob_images(3, H, W))
    with pytest.raises(InputError, match=r"^The prompt names frame 4, but the series has 3 frames\.$"):
        engine.add_prompt(Prompt(3, 1, box=(5, 5, 20, 20)))
    engine.add_prompt(Prompt(0, 1, box=(5, 5, 20, 20)))
    with pytest.raises(InputError, match=r"^There is no frame 6; the series has 3 frames\.$"):
        next(iter(engine.propagate(5)))


@pytest.mark.parametrize("prompt, words", [
    (Prompt(0, 1, points=[(W + 3, 5)], labels=[1]), "point lies outside the frame"),
    (Prompt(0, 1, box=(50, 5, 70, 20)), "runs past the edge"),
    (Prompt(0, 1, mask=np.ones((H, W + 1), bool)), "frames are 56x40"),
    (Prompt(0, 1), "The prompt is empty"),
])
def test_both_engines_refuse_a_bad_prompt_with_the_same_sentence(engine, prompt, words):
    engine.load(blob_images(2, H, W))
    with pytest.raises(InputError, match=words):
        engine.add_prompt(prompt)
