"""From a timeline of scenes to harmonised frames on one grid, with per-frame quality.

Every scene that can be placed on the grid loads; each one that cannot (no overlap,
unreadable pixels, missing bands) becomes one problem sentence naming the file.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from tracking.core.errors import InputError
from tracking.core.frames import FrameQuality, Frames
from tracking.core.grid import Grid
from tracking.core.spectral import Spectral
from tracking.core.work import checkpoint
from tracking.ingest.composite import PRESETS, Composite, named_bands, resolve_composite, spectral_bands
from tracking.ingest.coregister import MIN_SHIFT, edge_image, measure_shift, shift_band, shift_mask, window
from tracking.ingest.georef import Georeference
from tracking.ingest.harmonise import (
    Radiometry,
    apply_stretch,
    common_scale_maps,
    declared_radiometry,
    match_histograms,
    stretch_limits,
    with_value_range,
)
from tracking.ingest.quality import QualityThresholds, assess_quality_masks, series_stats
from tracking.ingest.regrid import choose_grid, read_onto_grid
from tracking.ingest.scenes import Scene
from tracking.ingest.timeline import Timeline


@dataclass(frozen=True)
class FrameOptions:
    """How scenes become frames.

    composite: a preset key (see composite.PRESETS), "4,3,2" or a tuple of three 1-based
        bands; None for each scene's natural true colour.
    resolution: grid pixel size in metres (None: the finest input pixel size).
    reference: index in the timeline of the scene whose CRS and extent define the grid
        (and the co-registration and histogram matching target when that frame is good).
    aoi, aoi_crs: an area of interest (left, bottom, right, top) and its CRS
        (see gridding.choose_grid).
    georef: where plain images lie on the ground (pixel size, world files or corners and a
        CRS; see :mod:`tracking.ingest.georef`), None for pixels only.
    coregister: move each frame by the sub-pixel offset measured against the reference frame
        (see :mod:`tracking.ingest.coregister`).
    """

    composite: str | tuple[int, int, int] | None = None
    resolution: float | None = None
    reference: int = 0
    aoi: tuple[float, float, float, float] | None = None
    aoi_crs: str | None = None
    histogram_match: bool = False
    thresholds: QualityThresholds = field(default_factory=QualityThresholds)
    georef: Georeference | None = None
    coregister: bool = True

    def to_dict(self) -> dict:
        composite = list(self.composite) if isinstance(self.composite, tuple) else self.composite
        return {"composite": composite, "resolution": self.resolution, "reference": self.reference,
                "aoi": list(self.aoi) if self.aoi is not None else None, "aoi_crs": self.aoi_crs,
                "histogram_match": self.histogram_match, "thresholds": self.thresholds.to_dict(),
                "georef": self.georef.to_dict() if self.georef is not None else None,
                "coregister": self.coregister}

    @classmethod
    def from_dict(cls, d: dict) -> "FrameOptions":
        composite = d.get("composite")
        if isinstance(composite, (list, tuple)):
            composite = tuple(int(b) for b in composite)
        aoi = d.get("aoi")
        resolution = d.get("resolution")
        return cls(composite=composite,
                   resolution=float(resolution) if resolution is not None else None,
                   reference=int(d.get("reference", 0)),
                   aoi=tuple(float(v) for v in aoi) if aoi is not None else None,
                   aoi_crs=d.get("aoi_crs"), histogram_match=bool(d.get("histogram_match", False)),
                   thresholds=QualityThresholds.from_dict(d.get("thresholds") or {}),
                   georef=Georeference.from_dict(d.get("georef")),
                   # projects saved before co-registration existed keep their frames' meaning
                   coregister=bool(d.get("coregister", False)))


def quality_bands(scene: Scene, composite: Composite) -> tuple[int, int, int]:
    """The red, green, blue bands of ``scene`` that quality is judged on (1-based).

    Band names win; a false-colour preset uses its family's true colour; otherwise the
    displayed composite is taken as R, G, B.
    """
    named = named_bands(scene)
    if {"red", "green", "blue"} <= named.keys():
        return (named["red"], named["green"], named["blue"])
    family, _, kind = composite.key.partition("-")
    true = PRESETS.get(f"{family}-true") if kind == "false" else None
    if true is not None and max(true.bands) <= scene.band_count:
        return true.bands
    return composite.bands


@dataclass
class _Loaded:
    """Frames read so far, in preallocated stacks (no copy when they are sliced)."""

    display: np.ndarray  # (N, 3, H, W) float32
    valid: np.ndarray  # (N, H, W) bool
    judged: np.ndarray | None = None  # (N, 3, H, W) float32 when quality bands differ
    # Red, NIR, SWIR: name -> (N, H, W) float32, NaN where a scene lacks the band.
    spectral: dict[str, np.ndarray] = field(default_factory=dict)
    scenes: list[Scene] = field(default_factory=list)
    has_nir: list[bool] = field(default_factory=list)
    nir_scaled: bool = False  # NIR already on the common scale (with the display bands)
    radiometry: list[Radiometry] = field(default_factory=list)  # what each scene's values are
    bands: list[list[int]] = field(default_factory=list)  # 1-based bands read of each scene
    layouts: list[tuple] = field(default_factory=list)  # see _layout

    def add(self, scene: Scene, values: np.ndarray, valid: np.ndarray, bands: list[int],
            layout: tuple) -> None:
        i = len(self.scenes)
        display_idx, judged_idx, spectral_idx = layout
        self.display[i] = values[list(display_idx)]
        self.valid[i] = valid
        if judged_idx != display_idx:
            if self.judged is None:
                self.judged = self.display.copy()  # earlier frames: judged on what is shown
            self.judged[i] = values[list(judged_idx)]
        elif self.judged is not None:
            self.judged[i] = self.display[i]
        for name, pos in spectral_idx.items():
            if name not in self.spectral:
                self.spectral[name] = np.full(self.valid.shape, np.nan, np.float32)
            self.spectral[name][i] = values[pos]
        self.scenes.append(scene)
        self.has_nir.append("nir" in spectral_idx)
        radiometry = declared_radiometry(scene.path, scene.dtype)
        self.radiometry.append(with_value_range(radiometry, values, valid, bands))
        self.bands.append(list(bands))
        self.layouts.append(layout)

    def to_common_scale(self) -> None:
        """Bring every frame's values onto one radiometric scale (reflectance 0..1.x), in place.

        Nothing changes when every scene's displayed, judged and NIR bands get the same
        map (one family of scenes): one shared stretch per band treats them alike already.
        """
        maps = common_scale_maps(self.radiometry, self.bands)
        slots = [_slot_maps(m, bands, layout) for m, bands, layout in zip(maps, self.bands, self.layouts)]
        if len({rgb for rgb, _ in slots}) <= 1 and len({n for _, n in slots if n is not None}) <= 1:
            return
        for i, (rgb, nir) in enumerate(slots):
            targets = [(self.display[i, j], rgb[j]) for j in range(3)]
            if self.judged is not None:
                targets += [(self.judged[i, j], rgb[3 + j]) for j in range(3)]
            if nir is not None:
                targets.append((self.spectral["nir"][i], nir))
            _apply(targets)
        self.nir_scaled = True

    def spectral_on_common_scale(self, k: int) -> Spectral | None:
        """The red, NIR and SWIR bands of the first ``k`` frames on the common scale (reflectance
        0..1.x, whatever the display needed), or None when no scene held NIR or SWIR.

        Called after quality was judged (it reads NIR in the display bands' units); maps the
        stacks in place.
        """
        if not {"nir", "swir1", "swir2"} & self.spectral.keys():
            return None
        maps = common_scale_maps(self.radiometry, self.bands)
        for i, (m, bands, (_, _, where)) in enumerate(zip(maps, self.bands, self.layouts)):
            _apply([(self.spectral[name][i], m[bands[pos]]) for name, pos in where.items()
                    if not (name == "nir" and self.nir_scaled)])
        return Spectral({name: stack[:k] for name, stack in self.spectral.items()})


def _apply(targets: list[tuple[np.ndarray, tuple[float, float]]]) -> None:
    """band = band * gain + bias, in place, for each (band, (gain, bias))."""
    for band, (gain, bias) in targets:
        band *= np.float32(gain)
        band += np.float32(bias)


def _slot_maps(maps: dict[int, tuple[float, float]], bands: list[int], layout: tuple) -> tuple:
    """(gain, bias) of the display R, G, B then judged R, G, B bands, and of NIR (or None)."""
    display, judged, spectral = layout
    rgb = tuple(maps[bands[k]] for k in (*display, *judged))
    nir = spectral.get("nir")
    return rgb, (maps[bands[nir]] if nir is not None else None)


def build_frames(timeline: Timeline, options: FrameOptions = FrameOptions(),
                 progress: Callable[[int, int], None] | None = None) -> tuple[Frames, list[str]]:
    """Read every scene of ``timeline`` onto one grid and harmonise them into frames.

    Returns the Frames of the scenes that could be placed on the grid (dates, sources
    = file names, quality per frame) and one problem sentence per scene that could not.
    ``progress(done, total)`` is called after each scene. Raises InputError when the
    options are bad or no scene remains.
    """
    scenes = list(timeline.scenes)
    if not scenes:
        raise InputError("The timeline holds no scenes to turn into frames.")
    if not 0 <= options.reference < len(scenes):
        raise InputError(f"The reference scene number {options.reference + 1} is not in the series "
                         f"of {len(scenes)} scenes.")
    ref_scene = scenes[options.reference]
    problems: list[str] = []
    kept = _same_kind(scenes, ref_scene, problems)
    grid = choose_grid(kept, reference=kept.index(ref_scene), resolution=options.resolution,
                       aoi=options.aoi, aoi_crs=options.aoi_crs, georef=options.georef)
    if options.georef is not None and options.georef.mode == "world":
        kept = _placed_by_world_files(kept, grid, problems)
    failures: list[str] = []
    loaded = _read_all(kept, grid, options, failures, progress)
    if not loaded.scenes:
        first = (failures or problems or ["no scene matched the reference's kind"])[0].rstrip(".")
        raise InputError(f"None of the {len(scenes)} scenes could be placed on the grid (first problem: {first}).")
    problems += [f"{line.rstrip('.')}; it was left out." for line in failures]
    return _harmonise(loaded, grid, options, ref_scene, problems), problems


def _placed_by_world_files(scenes: list[Scene], grid: Grid, problems: list[str]) -> list[Scene]:
    """Plain scenes as georeferenced in the analyst's CRS by their own world files (warped onto
    the grid like any GeoTIFF); one without a world file is left out with a problem line."""
    placed = []
    for scene in scenes:
        if scene.georeferenced:
            placed.append(scene)
        elif scene.world_transform is None:
            problems.append(f"{scene.name} has no world file beside it; it was left out.")
        else:
            placed.append(dataclasses.replace(scene, crs=grid.crs, transform=scene.world_transform))
    return placed


def _same_kind(scenes: list[Scene], ref: Scene, problems: list[str]) -> list[Scene]:
    kept = []
    for scene in scenes:
        if scene.georeferenced == ref.georeferenced:
            kept.append(scene)
        elif ref.georeferenced:
            problems.append(f"{scene.name} has no coordinate reference system while the reference "
                            f"{ref.name} has one; it was left out.")
        else:
            problems.append(f"{scene.name} is georeferenced while the reference {ref.name} is a plain "
                            "image; it was left out.")
    return kept


def _layout(scene: Scene, options: FrameOptions) -> tuple[list[int], tuple]:
    """Bands to read (1-based) and where display, judged R, G, B and the spectral bands
    (name -> position, see ``composite.spectral_bands``) sit among them."""
    composite = resolve_composite(scene, options.composite)
    rgb = quality_bands(scene, composite)
    spectral = spectral_bands(scene, composite)
    bands = list(dict.fromkeys([*composite.bands, *rgb, *spectral.values()]))
    pos = {b: i for i, b in enumerate(bands)}
    display = tuple(pos[b] for b in composite.bands)
    judged = tuple(pos[b] for b in rgb)
    return bands, (display, judged, {name: pos[b] for name, b in spectral.items()})


def _read_all(scenes: Sequence[Scene], grid: Grid, options: FrameOptions, problems: list[str],
              progress: Callable[[int, int], None] | None) -> _Loaded:
    n, (h, w) = len(scenes), grid.shape
    loaded = _Loaded(display=np.empty((n, 3, h, w), np.float32), valid=np.zeros((n, h, w), bool))
    for done, scene in enumerate(scenes, start=1):
        try:
            bands, layout = _layout(scene, options)
            values, valid = read_onto_grid(scene, grid, bands)
        except InputError as exc:
            problems.append(str(exc))
        else:
            loaded.add(scene, values, valid, bands, layout)
            del values, valid
        if progress is not None:
            progress(done, n)
        checkpoint()  # between scenes: stop for a closed tab, a newer page run or a spent CPU budget
    return loaded


def _harmonise(loaded: _Loaded, grid: Grid, options: FrameOptions, ref_scene: Scene,
               problems: list[str]) -> Frames:
    k = len(loaded.scenes)
    loaded.to_common_scale()  # before quality: it judges brightness against the whole series
    display, valid = loaded.display[:k], loaded.valid[:k]
    judged = loaded.judged[:k] if loaded.judged is not None else display
    stats = series_stats(judged, valid)
    clear = np.empty_like(valid)  # the stretch is taken from land, not from cloud or snow
    quality = []
    for i in range(k):
        nir = loaded.spectral["nir"][i] if loaded.has_nir[i] else None
        q, covered = assess_quality_masks(judged[i], valid[i], nir, stats.for_frame(i), options.thresholds)
        quality.append(q)
        clear[i] = ~covered
    del stats
    target = _matching_target(loaded.scenes, quality, valid, ref_scene)
    # the stretch is taken before co-registration moves any frame, so the reference frame
    # comes out the same with it or without
    limits = stretch_limits(display, valid, sample=clear)
    if options.coregister and target is not None:
        quality = _coregister(loaded, k, clear, quality, target)
    images = apply_stretch(display, valid, limits)
    if options.histogram_match:
        if target is None:
            problems.append("Histogram matching was skipped: no good frame to match to.")
        else:
            images = match_histograms(images, valid, target)
    spectral = loaded.spectral_on_common_scale(k)
    if spectral is not None:
        for stack in spectral.bands.values():
            stack[~valid] = np.nan  # no data is no value, whatever the file held there
    return Frames(images=images, valid=valid.copy(), dates=[s.date for s in loaded.scenes],
                  sources=[s.name for s in loaded.scenes], grid=grid, quality=quality, spectral=spectral)


def _coregister(loaded: _Loaded, k: int, clear: np.ndarray, quality: list[FrameQuality],
                target: int) -> list[FrameQuality]:
    """Move each of the first ``k`` frames (display bands, spectral bands, valid and ``clear``
    masks, in place) onto frame ``target`` where the measured offset is trusted; the returned
    quality entries record the shift applied (``FrameQuality.shift``)."""
    display, valid = loaded.display[:k], loaded.valid[:k]
    part = window(valid.shape[1:])

    def edges(i: int) -> np.ndarray:
        return edge_image(display[i][(slice(None), *part)].mean(0), (valid[i] & clear[i])[part])

    reference = edges(target)
    out = []
    for i in range(k):
        if i == target:
            out.append(dataclasses.replace(quality[i], shift=(0.0, 0.0)))
            continue
        shift = measure_shift(reference, edges(i))
        if not shift.sure(valid.shape[1:]):
            out.append(quality[i])  # not measured surely: left where its georeferencing put it
            continue
        if shift.length < MIN_SHIFT:
            out.append(dataclasses.replace(quality[i], shift=(0.0, 0.0)))
            continue
        known = valid[i].copy()
        for c in range(display.shape[1]):
            display[i, c] = shift_band(display[i, c], shift, known)
        for stack in loaded.spectral.values():  # NaN outside the data comes back in _harmonise
            has = np.isfinite(stack[i]) & known
            if has.any():
                stack[i] = shift_band(stack[i], shift, has)
        valid[i], clear[i] = shift_mask(known, shift), shift_mask(clear[i], shift)
        out.append(dataclasses.replace(quality[i], shift=(round(shift.dx, 3), round(shift.dy, 3))))
    return out


def _matching_target(scenes: list[Scene], quality, valid: np.ndarray, ref_scene: Scene) -> int | None:
    """The reference scene's frame when it is good, else the good frame with the most data."""
    good = [i for i, q in enumerate(quality) if not q.bad and valid[i].any()]
    for i in good:
        if scenes[i] is ref_scene:
            return i
    return max(good, key=lambda i: (valid[i].mean(), -quality[i].cloud), default=None)
