"""The SAM2 engine driving the real sam2.1 video predictor (random weights, 128 px).

With random weights the masks are arbitrary, so the tests check structure,
provenance, frames left untouched, cache counters, mask-prompt exactness, and
that the caches change nothing: results equal SAM2's own predictor's.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import torch

from tests.helpers.frames import blob_images, make_frames
from tests.helpers.sam2_weights import SAM2_IMAGE_SIZE
from tracking.core.errors import InputError
from tracking.core.prompts import Prompt
from tracking.core.track import Provenance
from tracking.engines.sam2.engine import Sam2Engine
from tracking.engines.sam2.models import get_model
from tracking.engines.sam2.predictor import CachingVideoPredictor, build_predictor, init_state_from_arrays
from tracking.run.session import TrackingSession

H, W = 40, 56


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    """One torch thread: as fast on this tiny model, and no spinning threads on a busy machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def engine(sam2_checkpoint):
    return Sam2Engine("tiny", checkpoint=sam2_checkpoint, device="cpu", image_size=SAM2_IMAGE_SIZE)


@pytest.fixture(scope="module")
def bare(sam2_checkpoint):
    """SAM2's own SAM2VideoPredictor with the same weights and settings, no caches."""
    return build_predictor(get_model("tiny"), sam2_checkpoint, torch.device("cpu"), SAM2_IMAGE_SIZE)


def _box_prompt(frame: int = 0, oid: int = 1) -> Prompt:
    return Prompt(frame, oid, box=(12, 8, 36, 30))


def _disk(cy: int = 20, cx: int = 25, r: int = 9) -> np.ndarray:
    yy, xx = np.mgrid[:H, :W]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r


def test_engine_loads_the_checkpoint_file_like_a_users(engine, sam2_checkpoint):
    assert engine.name == "sam2" and engine.model == "tiny"
    assert engine.checkpoint == sam2_checkpoint and engine.device.type == "cpu"
    assert engine.image_size == SAM2_IMAGE_SIZE
    assert engine.checkpoint_sha256 == hashlib.sha256(sam2_checkpoint.read_bytes()).hexdigest()
    assert isinstance(engine.predictor, CachingVideoPredictor)
    saved = torch.load(sam2_checkpoint, map_location="cpu", weights_only=True)["model"]
    key = next(iter(saved))
    assert torch.equal(engine.predictor.state_dict()[key], saved[key])


def test_points_prompt_adds_points_and_box_replaces_them(engine):
    engine.load(blob_images(6, H, W))
    step = engine.add_prompt(Prompt(1, 1, points=[[20, 20]], labels=[1]))
    assert step.frame == 1 and set(step.masks) == {1}
    assert step.masks[1].shape == (H, W) and step.masks[1].dtype == bool
    assert 0.0 <= step.confidence[1] <= 1.0
    engine.add_prompt(Prompt(1, 1, points=[[40, 30]], labels=[0]))
    inputs = engine._state["point_inputs_per_obj"][0][1]
    assert inputs["point_labels"].tolist() == [[1, 0]]
    # Coordinates are scaled from frame pixels to the model's square input.
    assert inputs["point_coords"][0, 0].tolist() == pytest.approx([20 / W * SAM2_IMAGE_SIZE, 20 / H * SAM2_IMAGE_SIZE])
    engine.add_prompt(Prompt(1, 1, box=(5, 5, 30, 25)))
    assert engine._state["point_inputs_per_obj"][0][1]["point_labels"].tolist() == [[2, 3]]


def test_box_prompt_returns_a_mask_of_the_frame_size(engine):
    engine.load(blob_images(6, H, W))
    step = engine.add_prompt(_box_prompt(2))
    assert step.frame == 2 and step.masks[1].shape == (H, W) and step.masks[1].dtype == bool
    coords = engine._state["point_inputs_per_obj"][0][2]["point_coords"][0]
    assert coords.flatten().tolist() == pytest.approx([12 / W * 128, 8 / H * 128, 36 / W * 128, 30 / H * 128])


def test_mask_prompt_comes_back_exactly_on_its_frame(engine):
    engine.load(blob_images(6, H, W))
    mask = _disk()
    mask[3, 50] = True  # a lone pixel no resampling would keep
    step = engine.add_prompt(Prompt(0, 1, mask=mask))
    assert np.array_equal(step.masks[1], mask)
    assert step.confidence[1] > 0.99
    steps = list(engine.propagate(0))
    assert np.array_equal(steps[0].masks[1], mask)
    with pytest.raises(InputError, match="frames are 56x40"):
        engine.add_prompt(Prompt(0, 1, mask=np.ones((10, 10), bool)))


def test_propagation_yields_every_frame_and_equals_sam2s_own_predictor(engine, bare):
    images = blob_images(6, H, W, seed=3)
    engine.load(images)
    engine.add_prompt(_box_prompt(0))
    steps = list(engine.propagate(0))
    assert [s.frame for s in steps] == list(range(6))
    for s in steps:
        assert set(s.masks) == {1} and s.masks[1].shape == (H, W) and s.masks[1].dtype == bool
        assert 0.0 <= s.confidence[1] <= 1.0

    state = init_state_from_arrays(bare, images)
    bare.add_new_points_or_box(state, 0, 1, box=np.array([12, 8, 36, 30], np.float32))
    expected = {f: (m[0, 0] > 0).numpy() for f, _, m in bare.propagate_in_video(state, start_frame_idx=0)}
    for s in steps:
        assert np.array_equal(s.masks[1], expected[s.frame])


def test_click_on_a_tracked_frame_hits_both_caches_and_matches_sam2(engine, bare):
    images = blob_images(6, H, W, seed=4)
    engine.load(images)
    engine.add_prompt(_box_prompt(0))
    list(engine.propagate(0))
    feats, mem = engine.cache_stats, engine.memory_cache_stats
    step = engine.add_prompt(Prompt(3, 1, points=[[30, 20]], labels=[0]))
    assert engine.cache_stats.misses == feats.misses  # no image encoder run
    assert engine.cache_stats.hits > feats.hits
    assert engine.memory_cache_stats.hits == mem.hits + 1  # no memory attention run either

    state = init_state_from_arrays(bare, images)
    bare.add_new_points_or_box(state, 0, 1, box=np.array([12, 8, 36, 30], np.float32))
    list(bare.propagate_in_video(state, start_frame_idx=0))
    _, _, logits = bare.add_new_points_or_box(state, 3, 1, points=np.array([[30, 20]], np.float32),
                                              labels=np.array([0], np.int32), clear_old_points=False)
    assert np.array_equal(step.masks[1], (logits[0, 0] > 0).numpy())


def test_repropagating_unchanged_memory_runs_neither_encoder_nor_attention(engine):
    engine.load(blob_images(6, H, W, seed=5))
    engine.add_prompt(_box_prompt(0))
    first = list(engine.propagate(0))
    feats, mem = engine.cache_stats, engine.memory_cache_stats
    again = list(engine.propagate(0))
    assert engine.cache_stats.misses == feats.misses
    assert engine.memory_cache_stats.misses == mem.misses
    assert all(np.array_equal(a.masks[1], b.masks[1]) for a, b in zip(first, again))


def test_correction_at_k_leaves_earlier_frames_untouched_and_persists(engine):
    frames = make_frames(6, (H, W), pattern="blob", seed=6)
    session = TrackingSession(engine, frames)
    session.add_prompt(_box_prompt(0))
    session.run()
    before = session.track.copy()
    misses = engine.cache_stats.misses
    k = 3
    corrected = session.add_prompt(Prompt(k, 1, points=[[45, 10], [20, 20]], labels=[1, 0]))
    done = [p.frame for p in session.propagate(start=k, direction="forward")]
    obj = session.track.objects[1]
    assert done == [3, 4, 5]
    assert np.array_equal(obj.masks[:k], before.objects[1].masks[:k])
    assert obj.provenance[:k] == before.objects[1].provenance[:k]
    assert obj.provenance[k] == Provenance.CORRECTED
    assert obj.provenance[k + 1:] == [Provenance.PROPAGATED] * 2
    assert np.array_equal(obj.masks[k], corrected)  # re-propagation keeps the correction
    assert engine.cache_stats.misses == misses  # every frame had been encoded already


def test_backward_propagation_runs_from_the_prompt_to_frame_zero(engine):
    engine.load(blob_images(6, H, W, seed=7))
    mask = _disk(cx=30)
    engine.add_prompt(Prompt(3, 1, mask=mask))
    steps = list(engine.propagate(3, reverse=True))
    assert [s.frame for s in steps] == [3, 2, 1, 0]
    assert np.array_equal(steps[0].masks[1], mask)
    assert all(s.masks[1].shape == (H, W) for s in steps)
    assert [s.frame for s in engine.propagate(0, reverse=True)] == [0]


def test_two_objects_each_frame_reports_both(engine):
    engine.load(blob_images(6, H, W, seed=8))
    engine.add_prompt(_box_prompt(0, oid=1))
    disk = _disk(cy=12, cx=44, r=6)
    step = engine.add_prompt(Prompt(2, 2, mask=disk))  # object 2 starts on a later frame
    assert set(step.masks) == {1, 2} and np.array_equal(step.masks[2], disk)
    steps = list(engine.propagate(0))
    assert [s.frame for s in steps] == list(range(6))
    assert all(set(s.masks) == {1, 2} and set(s.confidence) == {1, 2} for s in steps)
    assert np.array_equal(steps[2].masks[2], disk)
    assert engine.object_ids == [1, 2]


def test_flagged_bad_frame_is_skipped_and_carried(engine):
    frames = make_frames(6, (H, W), pattern="blob", bad=(2,), seed=9)
    session = TrackingSession(engine, frames)
    assert engine.num_frames == 5
    session.add_prompt(_box_prompt(0))
    track = session.run()
    obj = track.objects[1]
    assert obj.provenance[2] == Provenance.CARRIED
    assert np.array_equal(obj.masks[2], obj.masks[1])
    assert [p for i, p in enumerate(obj.provenance) if i != 2] == [Provenance.PROMPTED] + [Provenance.PROPAGATED] * 4


def test_closing_the_generator_cancels_and_the_engine_stays_usable(engine):
    frames = make_frames(6, (H, W), pattern="blob", seed=10)
    session = TrackingSession(engine, frames)
    session.add_prompt(_box_prompt(0))
    progress = session.propagate(direction="forward")
    next(progress), next(progress)
    progress.close()
    prov = session.track.objects[1].provenance
    assert prov[:2] == [Provenance.PROMPTED, Provenance.PROPAGATED] and prov[2:] == [Provenance.NONE] * 4
    assert [s.frame for s in engine.propagate(0)] == list(range(6))


def test_clear_frame_forgets_prompts_and_objects_without_any(engine):
    engine.load(blob_images(6, H, W, seed=11))
    engine.add_prompt(_box_prompt(0, oid=1))
    engine.add_prompt(Prompt(1, 1, points=[[20, 20]], labels=[1]))
    engine.add_prompt(Prompt(4, 2, points=[[10, 10]], labels=[1]))
    engine.clear_frame(1)
    assert 1 not in engine._state["point_inputs_per_obj"][0]
    engine.clear_frame(4, object_id=2)
    assert engine.object_ids == [1]
    assert [s.frame for s in engine.propagate(0)] == list(range(6))


def test_bad_input_is_an_input_error(engine):
    engine.load(blob_images(3, H, W))
    with pytest.raises(InputError, match="Add a prompt"):
        next(engine.propagate(0))
    with pytest.raises(InputError, match="names frame 4, but the series has 3 frames"):
        engine.add_prompt(Prompt(3, 1, points=[[1, 1]], labels=[1]))


def test_missing_checkpoint_names_the_download_command(tmp_path, monkeypatch):
    monkeypatch.setenv("LANDSLIDE_SAM2_DIR", str(tmp_path))
    monkeypatch.delenv("SAM2_CHECKPOINT", raising=False)
    with pytest.raises(InputError, match="python -m tracking weights download tiny"):
        Sam2Engine("tiny", device="cpu")


@pytest.mark.parametrize("content", [b"this is not a checkpoint", "no-model-key"])
def test_corrupt_checkpoint_is_one_sentence(tmp_path, content):
    path = tmp_path / "sam2.1_hiera_tiny.pt"
    if content == "no-model-key":
        torch.save({"weights": {}}, path)
    else:
        path.write_bytes(content)
    with pytest.raises(InputError) as err:
        Sam2Engine("tiny", checkpoint=path, device="cpu", image_size=SAM2_IMAGE_SIZE)
    message = str(err.value)
    assert str(path) in message and "weights download tiny" in message and "\n" not in message


def test_small_budget_evicts_but_changes_no_result(engine, sam2_checkpoint):
    images = blob_images(6, H, W, seed=12)
    engine.load(images)
    engine.add_prompt(_box_prompt(0))
    reference = [s.masks[1] for s in engine.propagate(0)]
    budget = 600 * 1024  # two frames of 128 px encoder features (256 KiB each)
    small = Sam2Engine("tiny", checkpoint=sam2_checkpoint, device="cpu", image_size=SAM2_IMAGE_SIZE,
                       cache_bytes=budget, memory_cache_bytes=0)
    assert small.memory_cache_stats is None
    small.load(images)
    small.add_prompt(_box_prompt(0))
    masks = [s.masks[1] for s in small.propagate(0)]
    assert all(np.array_equal(a, b) for a, b in zip(masks, reference))
    assert small.cache_stats.bytes <= budget and small.cache_stats.entries == 2
    misses = small.cache_stats.misses
    small.add_prompt(Prompt(1, 1, points=[[30, 20]], labels=[0]))  # frame 1 was evicted
    assert small.cache_stats.misses == misses + 1


def test_vegetation_guidance_is_accepted_and_the_rgb_video_kept(engine):
    images = blob_images(4, H, W, seed=5)
    engine.load(images)
    engine.add_prompt(_box_prompt(0))
    plain = [s.masks[1] for s in engine.propagate(0)]
    assert engine.vegetation_guidance == "none"
    guidance = np.random.default_rng(0).uniform(-1, 1, (4, H, W, 1)).astype(np.float32)
    engine.load(images, guidance=guidance)
    engine.add_prompt(_box_prompt(0))
    guided = [s.masks[1] for s in engine.propagate(0)]
    assert all(np.array_equal(a, b) for a, b in zip(plain, guided))  # SAM2 sees the RGB alone
    assert engine.vegetation_guidance.startswith("offered, not used")
    with pytest.raises(InputError, match="vegetation guidance"):
        engine.load(images, guidance=guidance[:2])
