"""The spectral bands of a series beside its display RGB: red, near-infrared and short-wave infrared.

The display frames are stretched uint8 pictures; the indices that tell vegetation
from bare ground (NDVI above all: a slope failure strips the cover, and the NIR
drops with it) need the bands on a reflectance-like scale. Ingest keeps them here,
one common scale per band across the series (``tracking.ingest.harmonise``), NaN
where a frame lacks the band or has no data. Values are held as float16 (about 3
significant digits, far finer than any sensor's noise): 20 frames of 2,048 px with
red and NIR take 320 MB instead of 640, and the saved file loads back bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from tracking.core.errors import InputError

#: The bands a Spectral may hold, in the order they are stored.
BAND_NAMES = ("red", "nir", "swir1", "swir2")
#: Each index is the normalised difference of NIR and this band.
INDEX_BANDS = {"ndvi": "red", "ndmi": "swir1", "nbr": "swir2"}
#: Largest magnitude kept (float16 tops out at 65504); reflectance never comes near it.
_LIMIT = 60000.0


def _as_float16(values: np.ndarray) -> np.ndarray:
    """(N, H, W) -> float16, clipped to what float16 holds (NaN kept)."""
    arr = np.asarray(values)
    if arr.dtype == np.float16:
        return arr
    return np.clip(np.asarray(arr, np.float32), -_LIMIT, _LIMIT).astype(np.float16)


def normalized_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(a - b) / (a + b) as float32 in -1..1; NaN where either is NaN or a + b is not positive."""
    with np.errstate(invalid="ignore", divide="ignore"):
        total = a + b
        out = np.where(total > 1e-6, (a - b) / np.where(total > 1e-6, total, 1.0), np.nan)
    return np.clip(out, -1.0, 1.0).astype(np.float32)


@dataclass
class Spectral:
    """Named bands of N frames on one grid.

    bands: name (one of ``BAND_NAMES``) -> (N, H, W) float16 on one reflectance-like scale
    per band across the series; NaN where a frame lacks the band or the pixel has no data.
    Read them as float32 through ``band``.
    Red is kept beside NIR or SWIR (the indices need it), never alone.
    """

    bands: dict[str, np.ndarray]

    def __post_init__(self) -> None:
        unknown = set(self.bands) - set(BAND_NAMES)
        if unknown:
            raise ValueError(f"unknown spectral bands {sorted(unknown)}; use {BAND_NAMES}")
        if not self.bands or set(self.bands) == {"red"}:
            raise ValueError("a Spectral needs NIR or SWIR beside red")
        shapes = {np.shape(v) for v in self.bands.values()}
        if len(shapes) != 1 or len(next(iter(shapes))) != 3:
            raise ValueError("every spectral band must be one (N, H, W) array of the same shape")
        self.bands = {k: _as_float16(self.bands[k]) for k in BAND_NAMES if k in self.bands}

    def __len__(self) -> int:
        return next(iter(self.bands.values())).shape[0]

    @property
    def shape(self) -> tuple[int, int]:
        return next(iter(self.bands.values())).shape[1:]

    def band(self, name: str, indices: Sequence[int] | None = None) -> np.ndarray:
        """(M, H, W) float32 of band ``name`` for frames ``indices`` (default all); all NaN when
        the series lacks it."""
        sel = list(range(len(self))) if indices is None else list(indices)
        got = self.bands.get(name)
        if got is None:
            return np.full((len(sel),) + self.shape, np.nan, np.float32)
        return (got if indices is None else got[sel]).astype(np.float32)

    def carries(self, name: str) -> np.ndarray:
        """(N,) bool: frames that hold any value of band ``name``."""
        got = self.bands.get(name)
        if got is None:
            return np.zeros(len(self), bool)
        return np.isfinite(got).reshape(len(got), -1).any(1)

    def index(self, name: str, indices: Sequence[int] | None = None) -> np.ndarray:
        """(M, H, W) float32 index ``name`` (see ``INDEX_BANDS``) of frames ``indices`` (default
        all): (NIR - band) / (NIR + band), NaN where unknown."""
        return normalized_difference(self.band("nir", indices), self.band(INDEX_BANDS[name], indices))

    def ndvi(self) -> np.ndarray:
        """(N, H, W) float32 normalised difference vegetation index (NIR - red) / (NIR + red), NaN where unknown."""
        return self.index("ndvi")

    def ndmi(self) -> np.ndarray:
        """(N, H, W) float32 moisture index (NIR - SWIR1) / (NIR + SWIR1), NaN where unknown."""
        return self.index("ndmi")

    def nbr(self) -> np.ndarray:
        """(N, H, W) float32 normalised burn ratio (NIR - SWIR2) / (NIR + SWIR2), NaN where unknown."""
        return self.index("nbr")

    def index_names(self) -> tuple[str, ...]:
        """The indices ``guidance`` gives, in order: NDVI, then NDMI and NBR when SWIR is held."""
        return ("ndvi",) + (("ndmi",) if "swir1" in self.bands else ()) + (("nbr",) if "swir2" in self.bands else ())

    def guidance(self, indices: Sequence[int] | None = None,
                 valid: np.ndarray | None = None) -> np.ndarray:
        """(M, H, W, C) float32 per-pixel cues in -1..1 for frames ``indices`` (default all).

        The one rule of what an engine is given beside the RGB: the channels of
        ``index_names`` (NDVI first), NaN where unknown or where ``valid`` (N, H, W) bool,
        the series' validity, is False.
        """
        sel = list(range(len(self))) if indices is None else list(indices)
        names = self.index_names()
        out = np.empty((len(sel),) + self.shape + (len(names),), np.float32)
        for c, name in enumerate(names):  # one channel at a time keeps temporaries small
            out[..., c] = self.index(name, sel)
        if valid is not None:
            out[~np.asarray(valid)[sel]] = np.nan
        return out

    def subset(self, indices: Sequence[int]) -> "Spectral":
        """The frames ``indices`` (a new Spectral, in that order)."""
        idx = list(indices)
        return Spectral({k: v[idx] for k, v in self.bands.items()})

    def carried_names(self, frame: int) -> list[str]:
        """The bands beyond red that frame ``frame`` holds (e.g. ["nir", "swir1"])."""
        return [k for k in BAND_NAMES[1:] if k in self.bands and bool(np.isfinite(self.bands[k][frame]).any())]


def check_guidance(guidance, images: np.ndarray) -> np.ndarray | None:
    """``guidance`` as (M, H, W, C) float32 matching ``images`` (M, H, W, 3), None for none,
    or InputError saying what it is instead. The one check every engine's ``load`` makes."""
    if guidance is None:
        return None
    arr = np.asarray(guidance)
    if arr.ndim != 4 or arr.shape[:3] != images.shape[:3] or arr.shape[3] < 1 or arr.dtype.kind != "f":
        raise InputError(f"The vegetation guidance must be a float (M, H, W, C) array for the {images.shape[:3]} "
                         f"frames, not a {arr.shape} {arr.dtype} array.")
    return arr.astype(np.float32, copy=False)
