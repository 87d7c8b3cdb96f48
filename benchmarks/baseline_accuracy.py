"""Accuracy and speed of the weights-free baseline engine.

    python benchmarks/baseline_accuracy.py [--seeds 7] [--size 256] [--sichuan-size 512]
                                           [--skip-sample] [--skip-sichuan]

(a) The project's sample series (``tracking.sample.series``), tracked through
    ``TrackingSession`` from its first-date prompt given three ways: the outline (a
    mask prompt), its bounding box, and its three positive and two negative clicks.
    Prints IoU per date against the true masks, the mean over the tracked dates (the
    prompted first date left out) and frames per second of propagation.
(b) ../shared/data/sichuan: 12 real aerial images of landslides with scar masks
    (Zeng et al., Science Data Bank, doi:10.11922/sciencedb.j00001.00222, CC BY 4.0),
    one date each, resized to ``--sichuan-size``. Prompt = the true mask's bounding
    box; prompt = 3 positive clicks at interior maxima of the mask's distance
    transform and 2 negative clicks at the maxima of the background's distance to the
    scar inside the scar's box (grown by a fifth). Prints IoU per image and the mean.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracking.core.prompts import Prompt
from tracking.engines.baseline.engine import BaselineEngine
from tracking.engines.baseline.shapes import iou
from tracking.ingest.build import FrameOptions, build_frames
from tracking.ingest.prompt_files import read_prompt_file
from tracking.ingest.timeline import build_timeline
from tracking.run.session import TrackingSession
from tracking.sample.series import generate_sample, truth_on_grid

SICHUAN = ROOT.parent / "shared" / "data" / "sichuan"


# -- (a) the sample series ------------------------------------------------------------

def sample_run(seed: int, size: int, work: Path) -> list[dict]:
    """Track the sample from each of its three first-date prompts; one row per prompt."""
    series = generate_sample(work / f"sample_{seed}_{size}", seed=seed, size=size)
    frames, _ = build_frames(build_timeline([series.scenes_dir], work / f"tl_{seed}_{size}"), FrameOptions())
    truth = truth_on_grid(series, frames.grid)
    rows = []
    for kind, path in (("mask", series.prompt_path), ("box", series.prompt_box_path),
                       ("points", series.prompt_points_path)):
        session = TrackingSession(BaselineEngine(), frames)
        for prompt in read_prompt_file(path, frames.grid, frames.dates):
            session.add_prompt(prompt)
        t0 = time.perf_counter()
        track = session.run()
        seconds = time.perf_counter() - t0
        ious = [iou(track.objects[1].masks[i], truth[d]) for i, d in enumerate(frames.dates)]
        rows.append({"seed": seed, "size": size, "prompt": kind, "ious": ious, "dates": frames.dates,
                     "bad": [i for i in range(len(frames)) if frames.bad[i]],
                     "fps": len(frames.good_indices) / seconds})
    return rows


def print_sample(rows: list[dict]) -> None:
    """Print the IoU of every date of each sample run, and the mean per prompt kind."""
    print("\n(a) Sample series: IoU per date (first date = the prompt; * = cloudy frame, carried over)")
    for r in rows:
        head = f"seed {r['seed']} {r['size']} px, {r['prompt']:6s}"
        cells = " ".join(f"{v:.2f}{'*' if i in r['bad'] else ' '}" for i, v in enumerate(r["ious"]))
        print(f"  {head}  mean {np.mean(r['ious'][1:]):.3f}  {r['fps']:5.1f} frames/s  |  {cells}")
    for kind in ("mask", "box", "points"):
        means = [np.mean(r["ious"][1:]) for r in rows if r["prompt"] == kind]
        print(f"  mean over seeds, {kind:6s} prompt: {np.mean(means):.3f}")


# -- (b) Sichuan single images --------------------------------------------------------

def interior_points(mask: np.ndarray, n: int) -> np.ndarray:
    """(n, 2) (x, y) maxima of the mask's distance transform, each suppressing its own disc."""
    dist = ndimage.distance_transform_edt(mask)
    yy, xx = np.mgrid[:mask.shape[0], :mask.shape[1]]
    points = []
    for _ in range(n):
        y, x = np.unravel_index(int(np.argmax(dist)), dist.shape)
        if dist[y, x] <= 0:
            break
        points.append((x, y))
        dist = np.where(np.hypot(yy - y, xx - x) <= max(dist[y, x], 3.0), 0.0, dist)
    return np.array(points, np.float32)


def outside_points(mask: np.ndarray, n: int) -> np.ndarray:
    """(n, 2) background clicks: maxima of the distance to the scar within its grown box."""
    ys, xs = np.nonzero(mask)
    gy, gx = int(0.2 * (np.ptp(ys) + 1)), int(0.2 * (np.ptp(xs) + 1))
    window = np.zeros(mask.shape, bool)
    window[max(0, ys.min() - gy):ys.max() + gy + 1, max(0, xs.min() - gx):xs.max() + gx + 1] = True
    return interior_points(window & ~mask, n)


def sichuan_run(size: int) -> list[dict]:
    """Segment each Sichuan aerial image from a box and from points; IoU and seconds per image."""
    rows = []
    for path in sorted((SICHUAN / "images").glob("*.png")):
        image = np.asarray(Image.open(path).convert("RGB").resize((size, size), Image.BILINEAR))
        truth = np.asarray(Image.open(SICHUAN / "masks" / path.name).convert("L").resize(
            (size, size), Image.NEAREST)) > 127
        ys, xs = np.nonzero(truth)
        pos, neg = interior_points(truth, 3), outside_points(truth, 2)
        prompts = {"box": Prompt(0, box=(xs.min(), ys.min(), xs.max(), ys.max())),
                   "points": Prompt(0, points=np.concatenate([pos, neg]),
                                    labels=[1] * len(pos) + [0] * len(neg))}
        row = {"image": path.stem}
        for kind, prompt in prompts.items():
            engine = BaselineEngine()
            engine.load(image[None])
            t0 = time.perf_counter()
            mask = engine.add_prompt(prompt).masks.get(1, np.zeros_like(truth))
            row[kind] = iou(mask, truth)
            row[kind + "_s"] = time.perf_counter() - t0
        rows.append(row)
    return rows


def print_sichuan(rows: list[dict], size: int) -> None:
    """Print the Sichuan table: IoU and seconds per image for box and point prompts, and the means."""
    print(f"\n(b) Sichuan aerial images at {size} x {size} px (CC BY 4.0, Zeng et al.): IoU of the first mask")
    print(f"  {'image':14s} {'box':>6s} {'s':>5s}  {'points':>6s} {'s':>5s}")
    for r in rows:
        print(f"  {r['image']:14s} {r['box']:6.3f} {r['box_s']:5.1f}  {r['points']:6.3f} {r['points_s']:5.1f}")
    print(f"  {'mean':14s} {np.mean([r['box'] for r in rows]):6.3f}        "
          f"{np.mean([r['points'] for r in rows]):6.3f}")


def main() -> None:
    """Run the sample and the Sichuan parts asked for on the command line and print their figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[7])
    ap.add_argument("--size", type=int, nargs="+", default=[256])
    ap.add_argument("--sichuan-size", type=int, default=512)
    ap.add_argument("--skip-sample", action="store_true")
    ap.add_argument("--skip-sichuan", action="store_true")
    args = ap.parse_args()
    if not args.skip_sample:
        with tempfile.TemporaryDirectory() as tmp:
            rows = [r for seed in args.seeds for size in args.size for r in sample_run(seed, size, Path(tmp))]
        print_sample(rows)
    if not args.skip_sichuan:
        if SICHUAN.is_dir():
            print_sichuan(sichuan_run(args.sichuan_size), args.sichuan_size)
        else:
            print(f"\n(b) skipped: {SICHUAN} is not there")


if __name__ == "__main__":
    main()
