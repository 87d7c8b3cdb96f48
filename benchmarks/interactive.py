"""Interactive segmentation with the weights-free baseline: the standard click protocol.

    python benchmarks/interactive.py [--sizes 512 1024] [--images 1 2 ...] [--max-clicks 20]
                                     [--seeds 1 2 3] [--series-size 256] [--skip-sichuan]
                                     [--skip-series] [--no-grabcut] [--picture PNG]

(a) ../shared/data/sichuan (12 real aerial scars with masks; Zeng et al., Science Data Bank,
    doi:10.11922/sciencedb.j00001.00222, CC BY 4.0), each image resized to each size.
    Box alone: the true mask's bounding box through ``BaselineEngine.add_prompt``, against
    OpenCV GrabCut (5 iterations) from the same box in the same run (opencv-python-headless,
    requirements-dev.txt), and their ratio.
    Clicks (Xu et al. 2016; RITM, Sofiiuk et al. 2022): a simulated analyst clicks at the
    deepest interior point of the largest error region (positive on a miss, negative on a
    leak; the first click by the same rule on an empty mask), up to ``--max-clicks``, each
    click one ``add_prompt`` on the same engine. NoC@85 / NoC@90: clicks until IoU >= 0.85 /
    0.90 (``--max-clicks`` when never), IoU after 1, 3 and 5 clicks; from clicks alone and
    from box + clicks. Seconds per box and per click are wall time with the frame's
    superpixels already computed (the first prompt on a frame computes them once; that time
    is printed apart); the machine is shared, so wall times are pessimistic, and the CPU seconds
    of the process (single-threaded work) are printed beside them.
    Loose boxes: the same box grown by 10 % and 20 % of its longer side on every side (as an
    analyst draws it), ours and GrabCut's, box alone.
    Where each outline lies against the image's strongest edge (``edge_offset``, mean over
    the images: 0 on the edge, +k when the edge lies k px outside it): ours from the box,
    GrabCut's and the reference masks'.
    ``--picture``: a PNG of the three weakest images at the largest size, box alone: the
    true outline, ours, GrabCut's and the box, the IoUs in the captions.
(b) Series: the project's sample (``tracking.sample``) for each seed, tracked from its
    first-date box; then the analyst clicks on the date with the lowest IoU (same click rule)
    and the session re-propagates from there, until every good date reaches IoU 0.9 (or
    ``--series-clicks`` clicks). Prints the clicks needed and the IoU before and after.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracking.core.prompts import Prompt
from tracking.engines.baseline.appearance import rgb_to_lab
from tracking.engines.baseline.engine import BaselineEngine
from tracking.engines.baseline.shapes import iou
from tracking.ingest.build import FrameOptions, build_frames
from tracking.ingest.prompt_files import read_prompt_file
from tracking.ingest.timeline import build_timeline
from tracking.run.session import TrackingSession
from tracking.sample.series import generate_sample, truth_on_grid

SICHUAN = ROOT.parent / "shared" / "data" / "sichuan"
THRESHOLDS = (0.85, 0.90)
# Margins of the loose boxes (a share of the tight box's longer side on every side).
LOOSE = (0.1, 0.2)


# -- the click protocol -----------------------------------------------------------------

def next_click(truth: np.ndarray, pred: np.ndarray) -> tuple[float, float, int] | None:
    """(x, y, label) of the next simulated click, or None when ``pred`` equals ``truth``.

    truth, pred: (H, W) bool. Misses (truth & ~pred) and leaks (pred & ~truth) compete by the
    depth of their deepest pixel (distance transform; the frame's edge counts as boundary);
    the click lands there, label 1 on a miss, 0 on a leak.
    """
    miss = ndimage.distance_transform_edt(np.pad(truth & ~pred, 1))[1:-1, 1:-1]
    leak = ndimage.distance_transform_edt(np.pad(pred & ~truth, 1))[1:-1, 1:-1]
    if miss.max() == 0 and leak.max() == 0:
        return None
    positive = miss.max() >= leak.max()
    depth = miss if positive else leak
    y, x = np.unravel_index(int(np.argmax(depth)), depth.shape)
    return float(x), float(y), int(positive)


def clicks_to(ious: list[float], threshold: float, max_clicks: int) -> int:
    """Number of clicks until the IoU first reaches ``threshold`` (``max_clicks`` if never)."""
    return next((k for k, v in enumerate(ious, 1) if v >= threshold), max_clicks)


@dataclass
class ClickRun:
    """IoU after each click (K,), wall and CPU seconds per click, the IoU before the first
    click, and the share of the frame the first click's mask covers."""

    ious: list[float]
    seconds: list[float]
    start_iou: float
    first_share: float
    cpu: list[float]


def click_run(engine: BaselineEngine, truth: np.ndarray, start: np.ndarray | None, max_clicks: int,
              object_id: int = 1) -> ClickRun:
    """Click object ``object_id`` on frame 0 of a loaded engine ``max_clicks`` times."""
    pred = np.zeros(truth.shape, bool) if start is None else start
    ious, seconds, shares, cpu = [], [], [], []
    for _ in range(max_clicks):
        click = next_click(truth, pred)
        if click is None:
            ious.append(1.0)
            seconds.append(0.0)
            cpu.append(0.0)
            continue
        x, y, label = click
        t0, c0 = time.perf_counter(), time.process_time()
        step = engine.add_prompt(Prompt(0, object_id, points=[[x, y]], labels=[label]))
        seconds.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        pred = step.masks.get(object_id, np.zeros(truth.shape, bool))
        ious.append(iou(pred, truth))
        shares.append(float(pred.mean()))
    return ClickRun(ious, seconds, 0.0 if start is None else iou(start, truth), shares[0] if shares else 0.0, cpu)


# -- (a) Sichuan ------------------------------------------------------------------------

def load_image(stem: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(size, size, 3) uint8 image and (size, size) bool mask of one Sichuan sample."""
    image = Image.open(SICHUAN / "images" / f"{stem}.png").convert("RGB").resize((size, size), Image.BILINEAR)
    mask = Image.open(SICHUAN / "masks" / f"{stem}.png").convert("L").resize((size, size), Image.NEAREST)
    return np.asarray(image), np.asarray(mask) > 127


def bounding_box(mask: np.ndarray) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of the mask's pixels (inclusive pixel indices)."""
    ys, xs = np.nonzero(mask)
    return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())


def grabcut(image: np.ndarray, box: tuple[float, float, float, float], iterations: int = 5) -> np.ndarray | None:
    """OpenCV GrabCut from ``box``; None without OpenCV. A box reaching the frame's edge is
    kept one pixel inside it (GrabCut needs some background outside its rectangle)."""
    try:
        import cv2
    except ImportError:
        return None
    h, w = image.shape[:2]
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    x0, y0, x1, y1 = max(x0, 1), max(y0, 1), min(x1, w - 2), min(y1, h - 2)
    mask = np.zeros((h, w), np.uint8)
    cv2.setNumThreads(1)
    cv2.grabCut(np.ascontiguousarray(image[..., ::-1]), mask, (x0, y0, x1 - x0 + 1, y1 - y0 + 1),
                np.zeros((1, 65)), np.zeros((1, 65)), iterations, cv2.GC_INIT_WITH_RECT)
    return (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)


def loose_box(box: tuple[float, float, float, float], margin: float,
              shape: tuple[int, int]) -> tuple[float, float, float, float]:
    """``box`` grown by ``margin`` of its longer side on every side, cut at the frame."""
    x0, y0, x1, y1 = box
    m = margin * max(x1 - x0, y1 - y0)
    return max(0.0, x0 - m), max(0.0, y0 - m), min(shape[1] - 1.0, x1 + m), min(shape[0] - 1.0, y1 + m)


def edge_offset(image: np.ndarray, mask: np.ndarray, reach: int = 5) -> int:
    """Where an outline lies against the image's strongest edge: the k in -reach..reach for
    which the outline of ``mask`` grown by k px (shrunk for k < 0) runs along the highest mean
    gradient of L* (Sobel, after a 1 px Gaussian). 0: on the edge; k > 0: the edge lies k px
    outside the outline (the outline is drawn inside it)."""
    lab = rgb_to_lab(image)
    light = ndimage.gaussian_filter(lab[..., 0], 1.0)
    grad = np.hypot(ndimage.sobel(light, 0), ndimage.sobel(light, 1))
    means = []
    for k in range(-reach, reach + 1):
        grown = (ndimage.binary_dilation(mask, iterations=k) if k > 0 else
                 ndimage.binary_erosion(mask, iterations=-k) if k < 0 else mask)
        rim = grown & ~ndimage.binary_erosion(grown)
        means.append(grad[rim].mean() if rim.any() else 0.0)
    return int(np.argmax(means)) - reach


def sichuan_image(stem: str, size: int, max_clicks: int, use_grabcut: bool) -> dict:
    """Box alone, GrabCut, clicks alone and box + clicks on one image; a row of figures."""
    image, truth = load_image(stem, size)
    box = bounding_box(truth)
    row: dict = {"image": stem}
    engine = BaselineEngine()
    engine.load(image[None])
    # Objects on one frame are independent: object 3 takes the first prompt (which computes
    # the frame's features once), object 1 the timed box and its clicks, object 2 clicks alone.
    t0 = time.perf_counter()
    engine.add_prompt(Prompt(0, 3, box=box))
    first = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    boxed = engine.add_prompt(Prompt(0, 1, box=box)).masks[1]
    row["box_s"], row["box_cpu"] = time.perf_counter() - t0, time.process_time() - c0
    row["features_s"] = max(first - row["box_s"], 0.0)
    row["box"] = iou(boxed, truth)
    row["box_mask"], row["truth"], row["rect"] = boxed, truth, box
    row["box_clicks"] = click_run(engine, truth, boxed, max_clicks, object_id=1)
    row["clicks"] = click_run(engine, truth, None, max_clicks, object_id=2)
    gc = grabcut(image, box) if use_grabcut else None
    row["grabcut"] = None if gc is None else iou(gc, truth)
    row["grabcut_mask"] = gc
    row["loose"], row["loose_grabcut"] = {}, {}
    for k, margin in enumerate(LOOSE):
        grown = loose_box(box, margin, image.shape[:2])
        row["loose"][margin] = iou(engine.add_prompt(Prompt(0, 4 + k, box=grown)).masks[4 + k], truth)
        loose_gc = grabcut(image, grown) if use_grabcut else None
        row["loose_grabcut"][margin] = None if loose_gc is None else iou(loose_gc, truth)
    row["edge"] = {"ours (box)": edge_offset(image, boxed), "reference": edge_offset(image, truth)}
    if gc is not None and gc.any():
        row["edge"]["GrabCut"] = edge_offset(image, gc)
    return row


def print_sichuan(size: int, rows: list[dict], max_clicks: int) -> None:
    """Per-image table and the means for one size."""
    print(f"\n(a) Sichuan, {len(rows)} images at {size} px (max {max_clicks} clicks; NoC = {max_clicks} "
          "when never reached)")
    print("  image          box  grabcut | clicks: NoC85 NoC90 IoU@1 IoU@3 IoU@5 | box+clicks: NoC85 NoC90 "
          "IoU@1 IoU@3 IoU@5 | s/click")
    for r in rows:
        c, b = r["clicks"], r["box_clicks"]
        gc = "   -  " if r["grabcut"] is None else f"{r['grabcut']:.3f}"
        print(f"  {r['image']:13s} {r['box']:.3f}  {gc}  | {_click_cells(c, max_clicks)} | "
              f"{_click_cells(b, max_clicks)} | {np.mean(c.seconds + b.seconds):.2f}")
    box = np.mean([r["box"] for r in rows])
    gcs = [r["grabcut"] for r in rows if r["grabcut"] is not None]
    print(f"  mean box IoU {box:.3f}" + (f", GrabCut {np.mean(gcs):.3f}, ratio {box / np.mean(gcs):.2f}"
                                          if len(gcs) == len(rows) else ""))
    for margin in LOOSE:
        ours = np.mean([r["loose"][margin] for r in rows])
        gcl = [r["loose_grabcut"][margin] for r in rows if r["loose_grabcut"][margin] is not None]
        print(f"  loose box (+{margin:.0%} of its side on every side): mean IoU {ours:.3f}"
              + (f", GrabCut {np.mean(gcl):.3f}, ratio {ours / np.mean(gcl):.2f}" if len(gcl) == len(rows) else ""))
    for key, name in (("clicks", "clicks alone"), ("box_clicks", "box + clicks")):
        runs = [r[key] for r in rows]
        noc = [np.mean([clicks_to(c.ious, t, max_clicks) for c in runs]) for t in THRESHOLDS]
        at = [np.mean([c.ious[k - 1] for c in runs]) for k in (1, 3, 5)]
        drops = sum(int(np.sum(np.diff([c.start_iou] + c.ious) < -0.1)) for c in runs)
        print(f"  {name:13s} NoC@85 {noc[0]:.2f}  NoC@90 {noc[1]:.2f}  IoU after 1/3/5 clicks "
              f"{at[0]:.3f} / {at[1]:.3f} / {at[2]:.3f}  (clicks lowering IoU by > 0.1: {drops})")
    offsets = {name: np.mean([r["edge"][name] for r in rows if name in r["edge"]]) for name in rows[0]["edge"]}
    print("  where outlines lie against the image's strongest edge (px; > 0: the edge lies outside the "
          "outline): " + ", ".join(f"{name} {v:+.2f}" for name, v in offsets.items()))
    whole = sum(int(r["clicks"].first_share > 0.95) for r in rows)
    print(f"  one click marked more than 95 % of the frame on {whole} of {len(rows)} images")
    secs = [s for r in rows for s in r["clicks"].seconds + r["box_clicks"].seconds if s > 0]
    cpu = [s for r in rows for s in r["clicks"].cpu + r["box_clicks"].cpu if s > 0]
    print(f"  CPU seconds of this process (what a machine to itself takes): box "
          f"{np.mean([r['box_cpu'] for r in rows]):.2f}, click {np.mean(cpu):.2f} (p90 {np.percentile(cpu, 90):.2f})")
    print(f"  wall seconds: frame features (once) {np.mean([r['features_s'] for r in rows]):.2f}, "
          f"box {np.mean([r['box_s'] for r in rows]):.2f} (max {np.max([r['box_s'] for r in rows]):.2f}), "
          f"click {np.mean(secs):.2f} (p90 {np.percentile(secs, 90):.2f})")


def _click_cells(run: ClickRun, max_clicks: int) -> str:
    noc = [clicks_to(run.ious, t, max_clicks) for t in THRESHOLDS]
    return f"{noc[0]:5d} {noc[1]:5d} {run.ious[0]:.3f} {run.ious[2]:.3f} {run.ious[4]:.3f}"


# -- the weakest cases, as a picture ----------------------------------------------------

TILE = 384
# Drawn in this order: the true outline last, so it shows where the others miss it.
COLOURS = {"GrabCut": (0, 200, 255), "baseline (ours)": (255, 0, 255), "true outline": (255, 221, 0),
           "box": (255, 255, 255)}
CREDIT = ("Images and scar masks: Zeng et al., Science Data Bank, doi:10.11922/sciencedb.j00001.00222, "
          "CC BY 4.0")


def weakest_picture(rows: list[dict], size: int, path: Path, count: int = 3) -> None:
    """Write a PNG panel of the ``count`` images with the lowest box-alone IoU: each tile
    (``TILE`` px) shows the true outline, ours, GrabCut's and the box, a caption the IoUs;
    a legend and the data's credit run along the bottom (palette PNG, a few hundred KB)."""
    from PIL import ImageDraw, ImageFont

    weakest = sorted(rows, key=lambda r: r["box"])[:count]
    font, small = ImageFont.load_default(14), ImageFont.load_default(12)
    cap, foot = 40, 44
    panel = Image.new("RGB", (TILE * len(weakest), TILE + cap + foot), (20, 20, 20))
    draw = ImageDraw.Draw(panel)
    for k, r in enumerate(weakest):
        image, _ = load_image(r["image"], size)
        tile = np.asarray(Image.fromarray(image).resize((TILE, TILE), Image.BILINEAR)).copy()
        masks = {"GrabCut": r.get("grabcut_mask"), "baseline (ours)": r["box_mask"], "true outline": r["truth"]}
        for name, mask in masks.items():
            if mask is not None:
                tile[_outline(mask)] = COLOURS[name]
        panel.paste(Image.fromarray(tile), (k * TILE, 0))
        f = TILE / size
        x0, y0, x1, y1 = r["rect"]
        draw.rectangle([k * TILE + x0 * f, y0 * f, k * TILE + (x1 + 1) * f - 1, (y1 + 1) * f - 1],
                       outline=COLOURS["box"], width=1)
        gc = "-" if r["grabcut"] is None else f"{r['grabcut']:.3f}"
        draw.text((k * TILE + 6, TILE + 3), f"{r['image']}, {size} px, box alone", fill=(235, 235, 235), font=font)
        draw.text((k * TILE + 6, TILE + 21), f"IoU: baseline {r['box']:.3f}, GrabCut {gc}", fill=(235, 235, 235),
                  font=font)
    x = 6
    for name, colour in COLOURS.items():
        draw.rectangle([x, TILE + cap + 4, x + 11, TILE + cap + 15], fill=colour)
        draw.text((x + 16, TILE + cap + 2), name, fill=(235, 235, 235), font=small)
        x += 30 + int(draw.textlength(name, font=small))
    draw.text((6, TILE + cap + 24), CREDIT, fill=(200, 200, 200), font=small)
    path.parent.mkdir(parents=True, exist_ok=True)
    panel.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(f"  the {len(weakest)} weakest images at {size} px ({', '.join(r['image'] for r in weakest)}) -> {path}")


def _outline(mask: np.ndarray) -> np.ndarray:
    """(TILE, TILE) bool: a 2 px outline of the (H, W) bool ``mask`` resized to the tile."""
    small = np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).resize((TILE, TILE), Image.NEAREST)) > 127
    edge = small & ~ndimage.binary_erosion(small, border_value=1)
    return ndimage.binary_dilation(edge)


# -- (b) series -------------------------------------------------------------------------

def series_run(seed: int, size: int, work: Path, max_clicks: int) -> dict:
    """Track the sample from its first-date box, then click + re-propagate until every good
    date reaches IoU 0.9; returns the clicks used and the IoU per date before and after."""
    series = generate_sample(work / f"sample_{seed}_{size}", seed=seed, size=size)
    frames, _ = build_frames(build_timeline([series.scenes_dir], work / f"tl_{seed}_{size}"), FrameOptions())
    truth = [truth_on_grid(series, frames.grid)[d] for d in frames.dates]
    session = TrackingSession(BaselineEngine(), frames)
    for prompt in read_prompt_file(series.prompt_box_path, frames.grid, frames.dates):
        session.add_prompt(prompt)
    t0 = time.perf_counter()
    session.run()
    good = frames.good_indices

    def scores() -> list[float]:
        return [iou(session.track.objects[1].masks[i], truth[i]) for i in range(len(frames))]

    before = scores()
    clicks = 0
    while clicks < max_clicks:
        now = scores()
        worst = min(good, key=lambda i: now[i])
        if now[worst] >= 0.9:
            break
        x, y, label = next_click(truth[worst], session.track.objects[1].masks[worst])
        session.add_prompt(Prompt(worst, points=[[x, y]], labels=[label]))
        for _ in session.propagate(worst, direction="forward"):
            pass
        clicks += 1
    after = scores()
    return {"seed": seed, "clicks": clicks, "before": before, "after": after, "good": good,
            "seconds": time.perf_counter() - t0, "reached": min(after[i] for i in good) >= 0.9}


def print_series(rows: list[dict], size: int, max_clicks: int) -> None:
    """Print part (b): clicks needed per seed and the IoU over good dates before and after them."""
    print(f"\n(b) Sample series at {size} px: first-date box, then clicks on the worst date with "
          f"re-propagation until every good date has IoU >= 0.9 (at most {max_clicks} clicks)")
    for r in rows:
        g = r["good"]
        print(f"  seed {r['seed']}: {r['clicks']:2d} clicks{'' if r['reached'] else ' (not reached)'}; "
              f"mean / min IoU over good dates {np.mean([r['before'][i] for i in g]):.3f} / "
              f"{min(r['before'][i] for i in g):.3f} -> {np.mean([r['after'][i] for i in g]):.3f} / "
              f"{min(r['after'][i] for i in g):.3f}  ({r['seconds']:.0f} s)")
    print(f"  mean clicks {np.mean([r['clicks'] for r in rows]):.1f}; reached on "
          f"{sum(r['reached'] for r in rows)} of {len(rows)} seeds")


def main() -> None:
    """Run the parts asked for on the command line and print their figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[512, 1024])
    ap.add_argument("--images", type=int, nargs="+", default=list(range(1, 13)))
    ap.add_argument("--max-clicks", type=int, default=20)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--series-size", type=int, default=256)
    ap.add_argument("--series-clicks", type=int, default=30)
    ap.add_argument("--skip-sichuan", action="store_true")
    ap.add_argument("--skip-series", action="store_true")
    ap.add_argument("--no-grabcut", action="store_true")
    ap.add_argument("--picture", type=Path, default=None,
                    help="write a PNG of the 3 weakest box-alone cases at the largest size (e.g. "
                         "docs/img/weakest_cases.png)")
    args = ap.parse_args()
    print(time.strftime("run of %Y-%m-%d %H:%M UTC", time.gmtime()))
    if not args.skip_sichuan:
        for size in args.sizes:
            rows = [sichuan_image(f"Landslide{i:03d}", size, args.max_clicks, not args.no_grabcut)
                    for i in args.images]
            print_sichuan(size, rows, args.max_clicks)
            if args.picture is not None and size == max(args.sizes):
                weakest_picture(rows, size, args.picture)
    if not args.skip_series:
        with tempfile.TemporaryDirectory() as tmp:
            rows = [series_run(s, args.series_size, Path(tmp), args.series_clicks) for s in args.seeds]
        print_series(rows, args.series_size, args.series_clicks)


if __name__ == "__main__":
    main()
