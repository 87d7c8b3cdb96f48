"""The one video check and the one frame-index check of the series, the session and the engines."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers.frames import make_frames
from tracking.core.errors import InputError
from tracking.core.frames import Frames, check_frame_index, check_video


def test_check_video_accepts_an_n_h_w_3_uint8_video():
    video = np.zeros((2, 5, 6, 3), np.uint8)
    assert check_video(video) is video
    assert check_video(list(video)).shape == (2, 5, 6, 3)


@pytest.mark.parametrize("images", [
    np.zeros((2, 5, 6, 3), np.float32),
    np.zeros((2, 5, 6), np.uint8),
    np.zeros((2, 5, 6, 4), np.uint8),
    np.zeros((0, 5, 6, 3), np.uint8),
])
def test_check_video_refuses_anything_else_with_a_sentence(images):
    with pytest.raises(InputError, match=r"must be a non-empty \(N, H, W, 3\) uint8 video"):
        check_video(images)


def test_frames_take_the_same_check():
    series = make_frames(2, 8)
    with pytest.raises(InputError, match=r"\(N, H, W, 3\) uint8 video, not a \(2, 8, 8, 3\) float32"):
        Frames(series.images.astype(np.float32), series.valid, series.dates, series.sources, series.grid,
               series.quality)


def test_check_frame_index():
    assert check_frame_index(np.int64(2), 3) == 2
    with pytest.raises(InputError, match=r"^There is no frame 4; the series has 3 frames\.$"):
        check_frame_index(3, 3)
    with pytest.raises(InputError, match=r"^The prompt names frame 0, but the series has 3 frames\.$"):
        check_frame_index(-1, 3, prompt=True)
    with pytest.raises(InputError, match="not a whole number"):
        check_frame_index(1.5, 3)
