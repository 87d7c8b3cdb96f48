"""The dashboard's operations on a project: uploads, frames, exclusions, prompts, tracking runs."""

import dataclasses
import datetime as dt
import io

import numpy as np
import pytest
from PIL import Image

from tests.helpers.engines import GrowingEngine
from tests.helpers.frames import make_frames, with_nir
from tests.helpers.scenes import ramp, write_geotiff
from tracking.core.errors import InputError
from tracking.core.prompts import Prompt
from tracking.core.track import Provenance
from tracking.project import frames_store, runs, uploads, workflow
from tracking.project.folder import Project


def with_frames(project, n=6, size=32, bad=()):
    frames = make_frames(n, size, bad=bad)
    project.save_frames(frames)
    project.meta.frames_hash = frames_store.frames_hash(frames)
    project.save()
    return frames


def box_prompt(frame=0):
    return Prompt(frame, 1, box=(8, 8, 16, 16))


# -- timeline ---------------------------------------------------------------------
def test_timeline_reads_uploaded_scenes_with_date_fixes(project, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write_geotiff(src / "a_20200105.tif", ramp())
    write_geotiff(src / "b_20190301.tif", ramp())
    uploads.add_uploads(project, [(p.name, p.read_bytes()) for p in src.iterdir()])
    tl = workflow.timeline(project)
    assert [s.name for s in tl.scenes] == ["b_20190301.tif", "a_20200105.tif"]
    project.meta.date_overrides = {"a_20200105.tif": dt.date(2018, 6, 1)}
    tl = workflow.timeline(project)
    assert [s.name for s in tl.scenes] == ["a_20200105.tif", "b_20190301.tif"]
    assert tl.scenes[0].date_source == "manual"


def test_timeline_without_scenes_is_one_sentence(project):
    with pytest.raises(InputError, match="no scenes yet"):
        workflow.timeline(project)


# -- frames ----------------------------------------------------------------------
def test_set_excluded_is_saved_by_file_name(project):
    with_frames(project)
    frames = workflow.set_excluded(project, 2, True)
    assert frames.excluded == {2} and not frames.bad[1] and frames.bad[2]
    again = Project.open(project.root.parent, project.id)
    assert again.meta.excluded == ["s2.tif"] and again.load_frames().excluded == {2}
    assert workflow.set_excluded(again, 2, False).excluded == set()
    with pytest.raises(InputError, match="no frame 7"):
        workflow.set_excluded(again, 6, True)


def test_frame_rows_show_quality_and_flags(project):
    frames = with_frames(project, bad=(1,))
    frames = workflow.set_excluded(project, 3, True)
    rows = workflow.frame_rows(project, frames)
    assert [r["used"] for r in rows] == [True, False, True, False, True, True]
    assert rows[1]["cloud %"] == 90.0 and "cloud" in rows[1]["flags"]
    assert rows[3]["flags"] == "excluded by hand" and rows[0]["date"] == dt.date(2018, 1, 1)
    assert {r["bands"] for r in rows} == {"RGB"}
    assert {r["shift px"] for r in rows} == {"-"}  # frames made without co-registration


def test_frame_rows_show_the_co_registration_shift(project):
    frames = make_frames(3, 16)
    frames.quality[1] = dataclasses.replace(frames.quality[1], shift=(0.25, -0.18))
    frames.quality[2] = dataclasses.replace(frames.quality[2], shift=(0.0, 0.0))
    rows = workflow.frame_rows(project, frames)
    assert [r["shift px"] for r in rows] == ["-", "+0.25, -0.18", "0"]


def test_frame_rows_say_which_frames_carry_nir(project):
    frames = with_nir(make_frames(3, 16), missing=[1])
    rows = workflow.frame_rows(project, frames)
    assert [r["bands"] for r in rows] == ["RGB + NIR", "RGB", "RGB + NIR"]


def test_thumbnails_are_small_pngs_cached_on_disk(project):
    frames = with_frames(project, n=3, size=32)
    data = workflow.thumbnail(project, frames, 1, size=64)
    img = Image.open(io.BytesIO(data))
    assert img.format == "PNG" and img.size == (64, 64)
    assert np.array_equal(np.asarray(img.convert("RGB"))[::2, ::2], frames.images[1])  # crisp enlargement
    cached = list((project.root / "thumbs").glob("*_1_64.png"))
    assert len(cached) == 1
    cached[0].write_bytes(b"from cache")
    assert workflow.thumbnail(project, frames, 1, size=64) == b"from cache"
    assert len(workflow.thumbnails(project, frames, size=64)) == 3


# -- prompts ---------------------------------------------------------------------
def test_set_prompts_checks_against_frames(project):
    with pytest.raises(InputError, match="no frames"):
        workflow.set_prompts(project, [box_prompt()])
    with_frames(project, n=4)
    with pytest.raises(InputError, match="frame 9"):
        workflow.set_prompts(project, [box_prompt(8)])
    with pytest.raises(InputError, match="is 5x5 pixels, but the frames are 32x32"):
        workflow.set_prompts(project, [Prompt(0, 1, mask=np.ones((5, 5), bool))])
    workflow.set_prompts(project, [box_prompt(1)])
    assert project.load_prompts()[0].box == (8, 8, 16, 16)


@pytest.mark.parametrize("bad, sentence", [
    (Prompt(0, 1, points=[(40, 5)], labels=[1]), "A prompt point lies outside the frame; draw it on the image."),
    (Prompt(0, 1, box=(20, 20, 40, 30)), "The prompt box runs past the edge of the 32x32-pixel frame; "
                                         "draw it on the image."),
    (Prompt(0, 1, box=(3, 3, 4, 9)), "The prompt box is only 1x6 pixels; draw one at least 2 pixels wide and high "
                                     "around the scar."),
    (Prompt(0, 300, box=(3, 3, 9, 9)), "The object id 300 is not a whole number from 1 to 255."),
])
def test_set_prompts_refuses_a_prompt_that_does_not_fit_and_keeps_the_earlier_ones(project, bad, sentence):
    with_frames(project, n=3)
    workflow.set_prompts(project, [box_prompt(1)])
    history = len(project.history())
    with pytest.raises(InputError) as err:
        workflow.set_prompts(project, [box_prompt(0), bad])
    assert str(err.value) == sentence
    kept = project.load_prompts()
    assert [(p.frame, p.box) for p in kept] == [(1, (8.0, 8.0, 16.0, 16.0))]
    assert len(project.history()) == history  # nothing to undo: nothing changed


def test_set_prompts_refuses_a_prompt_on_nodata(project):
    frames = make_frames(3, 32)
    frames.valid[1, :, :16] = False  # the left half of the second scene has no data
    project.save_frames(frames)
    with pytest.raises(InputError, match="frame 2 lies wholly where the scene has no data"):
        workflow.set_prompts(project, [Prompt(1, 1, points=[(4, 4)], labels=[1])])
    assert project.load_prompts() == []
    workflow.set_prompts(project, [Prompt(1, 1, points=[(4, 4), (20, 4)], labels=[1, 1])])


def test_prompts_from_geojson_file(project):
    with_frames(project, n=3, size=32)
    grid = project.load_frames().grid
    x0, y0 = grid.transform @ (4, 4)
    x1, y1 = grid.transform @ (12, 12)
    geojson = ('{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:32648"}},'
               '"features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":'
               f'[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}}}]}}')
    path = uploads.save_prompt_file(project, "../outline.geojson", geojson.encode())
    assert path.parent == project.root / "prompt_files"
    prompts = workflow.prompts_from_file(project, path)
    assert prompts[0].mask[4:12, 4:12].all() and prompts[0].mask.sum() == 64
    assert project.load_prompts()[0].mask.sum() == 64
    with pytest.raises(InputError, match="not an outline"):
        uploads.save_prompt_file(project, "x.exe", b"")


# -- tracking runs ---------------------------------------------------------------
def test_run_tracking_saves_and_returns_cached_on_rerun(project):
    with_frames(project, n=6, bad=(4,))
    workflow.set_prompts(project, [box_prompt(0)])
    seen = []
    result = runs.run_tracking(project, "baseline", progress_cb=seen.append, engine=GrowingEngine())
    assert result.completed and not result.cached
    assert result.frames_tracked == 6 and result.carried == 1
    assert [p.done for p in seen] == list(range(1, 6)) and seen[-1].fraction == 1.0
    saved = project.load_track()
    assert saved.objects[1].provenance[4] == Provenance.CARRIED
    assert saved.objects[1].masks[3].sum() > saved.objects[1].masks[0].sum()
    engine = GrowingEngine()
    again = runs.run_tracking(Project.open(project.root.parent, project.id), "baseline", engine=engine)
    assert again.cached and not hasattr(engine, "seen")  # the engine was never loaded
    assert np.array_equal(again.track.objects[1].masks, saved.objects[1].masks)


def test_changed_inputs_invalidate_the_cache(project):
    with_frames(project, n=5)
    workflow.set_prompts(project, [box_prompt(0)])
    runs.run_tracking(project, "baseline", engine=GrowingEngine())
    workflow.set_excluded(project, 2, True)
    assert not runs.run_tracking(project, "baseline", engine=GrowingEngine()).cached
    workflow.set_prompts(project, [Prompt(0, 1, box=(4, 4, 20, 20))])
    assert not runs.run_tracking(project, "baseline", engine=GrowingEngine()).cached
    assert runs.run_tracking(project, "baseline", engine=GrowingEngine()).cached
    assert not runs.run_tracking(project, "baseline", device="cpu", engine=GrowingEngine()).cached


def test_cancel_keeps_the_frames_done_and_is_not_cached(project):
    with_frames(project, n=8)
    workflow.set_prompts(project, [box_prompt(0)])
    done = []
    result = runs.run_tracking(project, "baseline", progress_cb=done.append,
                                   should_cancel=lambda: len(done) >= 3, engine=GrowingEngine())
    assert not result.completed and result.frames_tracked == 3
    prov = project.load_track().objects[1].provenance
    assert prov[:3] == [Provenance.PROMPTED, Provenance.PROPAGATED, Provenance.PROPAGATED]
    assert prov[3:] == [Provenance.NONE] * 5
    assert not runs.run_tracking(project, "baseline", engine=GrowingEngine()).cached


class FailingEngine(GrowingEngine):
    def propagate(self, start, reverse=False):
        for i, step in enumerate(super().propagate(start, reverse)):
            if i == 4:
                raise RuntimeError("engine broke")
            yield step


def test_an_error_keeps_the_masks_made_and_the_prompts(project):
    with_frames(project, n=8)
    workflow.set_prompts(project, [box_prompt(0)])
    with pytest.raises(RuntimeError):
        runs.run_tracking(project, "baseline", engine=FailingEngine())
    track = project.load_track()
    assert sum(p == Provenance.PROPAGATED for p in track.objects[1].provenance) == 3
    assert len(project.load_prompts()) == 1
    assert not Project.open(project.root.parent, project.id).meta.run.completed


def test_later_prompts_act_as_corrections(project):
    with_frames(project, n=6)
    big = np.zeros((32, 32), bool)
    big[2:30, 2:30] = True
    workflow.set_prompts(project, [box_prompt(0), Prompt(3, 1, mask=big)])
    track = runs.run_tracking(project, "baseline", engine=GrowingEngine()).track
    assert track.objects[1].provenance[3] == Provenance.CORRECTED
    assert track.objects[1].masks[4].sum() > big.sum()  # re-propagated forward from the correction


def test_run_needs_frames_and_prompts(project):
    with pytest.raises(InputError, match="no frames"):
        runs.run_tracking(project, "baseline", engine=GrowingEngine())
    with_frames(project)
    with pytest.raises(InputError, match="prompt"):
        runs.run_tracking(project, "baseline", engine=GrowingEngine())


def test_project_status_follows_the_steps(project):
    assert workflow.project_status(project) == {"frames": 0, "prompts": 0, "track": "none", "good_frames": 0}
    with_frames(project, n=5, bad=(1,))
    workflow.set_prompts(project, [box_prompt(0)])
    assert workflow.project_status(project)["prompts"] == 1
    runs.run_tracking(project, "baseline", engine=GrowingEngine())
    status = workflow.project_status(project)
    assert status == {"frames": 5, "prompts": 1, "track": "current", "good_frames": 4}
    workflow.set_excluded(project, 3, True)
    assert workflow.project_status(project)["track"] == "outdated"
    runs.run_tracking(project, "baseline", should_cancel=lambda: True, engine=GrowingEngine())
    assert workflow.project_status(project)["track"] == "partial"


def test_preview_mask_runs_the_engine_on_one_frame_only(project):
    frames = with_frames(project, n=4)
    engine = GrowingEngine()
    mask = workflow.preview_mask(project, box_prompt(2), engine=engine)
    assert mask.shape == frames.shape and mask[8:16, 8:16].all() and mask.sum() == 64
    assert engine.n == 1 and engine.seen == [0]
    own = np.zeros(frames.shape, bool)
    own[1:3, 1:3] = True
    assert np.array_equal(workflow.preview_mask(project, Prompt(1, 1, mask=own)), own)
    assert project.load_prompts() == []


def test_track_rows_give_area_in_square_metres(project):
    frames = with_frames(project, n=4, bad=(2,))
    workflow.set_prompts(project, [box_prompt(0)])
    track = runs.run_tracking(project, "baseline", engine=GrowingEngine()).track
    rows = workflow.track_rows(frames, track)
    assert [r["made"] for r in rows] == ["prompted", "propagated", "carried", "propagated"]
    assert rows[0]["area"] == 64 * 100.0 and rows[0]["units"] == "m²"
    assert rows[2]["area"] == rows[1]["area"]


class SlowEngine(GrowingEngine):
    """Waits for the test's go-ahead before each frame, so a run can be caught half-way."""

    def __init__(self):
        import threading

        self.go = threading.Semaphore(0)

    def propagate(self, start, reverse=False):
        for step in super().propagate(start, reverse):
            self.go.acquire(timeout=10)
            yield step


def test_one_run_per_project_and_cancel_from_another_thread(project):
    import threading

    with_frames(project, n=8)
    workflow.set_prompts(project, [box_prompt(0)])
    engine, seen, out = SlowEngine(), [], {}
    worker = threading.Thread(target=lambda: out.setdefault("r", runs.run_tracking(
        project, "baseline", progress_cb=seen.append, engine=engine)))
    worker.start()
    engine.go.release(2)
    for _ in range(200):
        if len(seen) >= 2:
            break
        threading.Event().wait(0.01)
    assert runs.is_running(project)
    with pytest.raises(InputError, match="being tracked already"):
        runs.run_tracking(Project.open(project.root.parent, project.id), "baseline", engine=GrowingEngine())
    assert runs.request_cancel(project)
    engine.go.release(1)  # the frame under way finishes, then the run stops
    assert runs.wait_until_stopped(project, timeout=10)
    worker.join(10)
    assert not runs.is_running(project) and not runs.request_cancel(project)
    result = out["r"]
    assert not result.completed and result.frames_tracked == 3
    assert Project.open(project.root.parent, project.id).meta.run.frames_tracked == 3


def test_a_run_stopped_by_the_page_records_how_far_it_got(project):
    with_frames(project, n=8)
    workflow.set_prompts(project, [box_prompt(0)])

    class PageStopped(BaseException):
        pass

    def stop_at_three(p):
        if p.done == 3:
            raise PageStopped()

    with pytest.raises(PageStopped):
        runs.run_tracking(project, "baseline", progress_cb=stop_at_three, engine=GrowingEngine())
    run = Project.open(project.root.parent, project.id).meta.run
    assert not run.completed and run.frames_tracked == 3 and run.key is None
    assert not runs.is_running(project)
    assert sum(p != Provenance.NONE for p in project.load_track().objects[1].provenance) == 3


# -- settings ---------------------------------------------------------------------
def test_rename_trims_keeps_the_old_name_when_blank_and_saves(project):
    assert workflow.rename(project, "  Baige  ")
    assert not workflow.rename(project, "Baige") and not workflow.rename(project, "   ")
    assert Project.open(project.root.parent, project.id).meta.name == "Baige"


def test_choose_engine_saves_only_a_change(project):
    updated = project.meta.updated = "2000-01-01T00:00:00+00:00"
    assert workflow.choose_engine(project, "auto", "tiny", "auto") == project.meta.engine
    assert project.meta.updated == updated  # the defaults again: nothing written
    workflow.choose_engine(project, "sam2", "small", "cpu")
    engine = Project.open(project.root.parent, project.id).meta.engine
    assert (engine.kind, engine.model, engine.device) == ("sam2", "small", "cpu")
