"""The one copy of the prompt rules: each refusal is one sentence, every valid prompt passes."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers.frames import make_frames
from tracking.core.errors import InputError
from tracking.core.prompt_rules import MAX_OBJECT_ID, points_inside, validate_prompt
from tracking.core.prompts import Prompt

H, W = 30, 40  # make_frames((H, W)): 4 frames of noise


def frames(nodata_left: bool = False):
    series = make_frames(4, (H, W))
    if nodata_left:
        series.valid[:, :, :W // 2] = False  # the left half of every scene has no data
    return series


def outline(shape=(H, W)) -> np.ndarray:
    m = np.zeros(shape, bool)
    m[5:15, 10:25] = True
    return m


@pytest.mark.parametrize("prompt", [
    Prompt(0, 1, points=[(0, 0), (W - 0.01, H - 0.01)], labels=[1, 0]),
    Prompt(3, 2, box=(0, 0, W, H)),
    Prompt(1, MAX_OBJECT_ID, box=(10, 10, 12, 12)),
    Prompt(2, 1, mask=outline()),
    Prompt(0, 1, points=[(5, 5)], labels=[1], box=(2, 2, 9, 9)),
])
def test_valid_prompts_pass_on_the_series_and_on_an_engine_video(prompt):
    series = frames()
    validate_prompt(prompt, series)
    validate_prompt(prompt, series.images)
    validate_prompt(prompt, series.images.shape)


@pytest.mark.parametrize("prompt, sentence", [
    (Prompt(4, 1, box=(1, 1, 5, 5)), "The prompt names frame 5, but the series has 4 frames."),
    (Prompt(-1, 1, box=(1, 1, 5, 5)), "The prompt names frame 0, but the series has 4 frames."),
    (Prompt(0, 0, box=(1, 1, 5, 5)), "The object id 0 is not a whole number from 1 to 255."),
    (Prompt(0, 256, box=(1, 1, 5, 5)), "The object id 256 is not a whole number from 1 to 255."),
    (Prompt(0, 1), "The prompt is empty: add a point, a box or an outline."),
    (Prompt(0, 1, points=[(W, 5)], labels=[1]), "A prompt point lies outside the frame; draw it on the image."),
    (Prompt(0, 1, points=[(5, -0.5)], labels=[1]), "A prompt point lies outside the frame; draw it on the image."),
    (Prompt(0, 1, points=[(5, 5)], labels=[2]), "A prompt point has label 2; use 1 for scar and 0 for not scar."),
    (Prompt(0, 1, box=(50, 5, 60, 9)), "The prompt box lies outside the frame; draw it on the image."),
    (Prompt(0, 1, box=(float("nan"), 5, 6, 9)), "The prompt box lies outside the frame; draw it on the image."),
    (Prompt(0, 1, box=(30, 5, 45, 9)),
     "The prompt box runs past the edge of the 40x30-pixel frame; draw it on the image."),
    (Prompt(0, 1, box=(10, 10, 11, 20)), "The prompt box is only 1x10 pixels; draw one at least 2 pixels wide and high "
                                         "around the scar."),
    (Prompt(0, 1, mask=outline((H, W + 1))),
     "The prompt outline is 41x30 pixels, but the frames are 40x30; draw it again."),
    (Prompt(0, 1, points=[(5, 5)], labels=[1], mask=np.zeros((H, W), bool)),
     "The prompt outline is empty; draw it around the scar."),
])
def test_each_broken_rule_is_one_sentence(prompt, sentence):
    with pytest.raises(InputError) as err:
        validate_prompt(prompt, frames())
    assert str(err.value) == sentence


@pytest.mark.parametrize("prompt", [
    Prompt(1, 1, points=[(3, 3), (10, 20)], labels=[1, 1]),
    Prompt(1, 1, box=(2, 2, 19, 29)),
    Prompt(1, 1, mask=outline() & (np.arange(W) < W // 2)[None, :]),
])
def test_a_prompt_wholly_on_nodata_is_refused(prompt):
    with pytest.raises(InputError, match="lies wholly where the scene has no data"):
        validate_prompt(prompt, frames(nodata_left=True))
    validate_prompt(prompt, frames(nodata_left=True).images)  # an engine sees pixels, not validity


@pytest.mark.parametrize("prompt", [
    Prompt(1, 1, points=[(3, 3), (30, 20)], labels=[1, 1]),  # one click on data is enough
    Prompt(1, 1, box=(2, 2, 21, 29)),  # the box reaches one column of data
    Prompt(1, 1, points=[(3, 3)], labels=[0]),  # a negative click marks no area
    Prompt(1, 1, mask=outline()),
])
def test_a_prompt_touching_data_passes(prompt):
    validate_prompt(prompt, frames(nodata_left=True))


def test_points_inside_counts_pixel_edges():
    pts = np.array([[0, 0], [W - 1e-3, H - 1e-3], [W, 0], [0, H], [-1e-3, 3]], np.float32)
    assert points_inside(pts, (H, W)).tolist() == [True, True, False, False, False]
