"""Sub-pixel co-registration of a series' frames onto its reference frame.

Scenes are placed on the grid by their georeferencing, which is good to a few tenths of a
pixel between Sentinel-2 dates and often worse between sensors (Landsat, PlanetScope,
archive aerials). A tracker compares dates pixel by pixel, so an offset of half a pixel
reads as change along every edge and moves the outline off the ground it belongs to.

Each frame's translation against the reference frame is measured by phase correlation
(Kuglin & Hines, 1975) of gradient magnitudes, which do not care about the sensor's
calibration or the season's colours, over the ground both frames show clear (no cloud,
snow or nodata), refined to ``1 / UPSAMPLE`` px by an upsampled DFT (Guizar-Sicairos et
al., 2008; ``skimage.registration``). A shift is applied only when its correlation peak
stands out from the rest of the surface (``MIN_PEAK``, a peak-to-sidelobe ratio) and is
larger than the measurement's precision (``MIN_SHIFT``): a frame
under cloud, or one whose ground changed beyond recognition, keeps the place its
georeferencing gave it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

# Peak-to-sidelobe ratio a correlation peak needs to be trusted. Measured on generated
# series (benchmarks/stress.py's configurations): frames of the same ground give 20-200
# (the low end on small, partly clouded frames), overcast or snow-covered frames 5-8, and
# unrelated textured ground up to about 10 (tests).
MIN_PEAK = 12.0
# Sub-pixel resolution of the measurement (1 / px).
UPSAMPLE = 20
# Shifts smaller than this (px) are left alone: the measurement is good to about a tenth.
MIN_SHIFT = 0.1
# Largest shift applied, as a share of the frame's shorter side: beyond it a peak is more
# likely a repeated pattern than a misplaced scene. A shift beyond LARGE_SHIFT px (more than
# sensors of one series are misplaced by) must stand out twice as far as MIN_PEAK.
MAX_SHIFT_SHARE = 0.05
LARGE_SHIFT = 2.0
# The offset is measured on the central part of a frame at most this many pixels across (a
# scene is shifted as a whole; at 2,048 px the whole frame took 2.5 s, the centre 0.6 s).
MAX_SIDE = 1024
# Pixels this close to unusable ground do not take part (their gradients are the edge's).
EDGE_PX = 3
# Width (cycles / px) of the Gaussian low-pass that weighs the normalised cross-power for the
# sub-pixel estimate: the highest frequencies carry the noise, the aliasing and the phase
# errors of earlier resampling. On generated series with known offsets it halved the median
# error (0.10 -> 0.05 px); the peak's significance is judged on the unweighted surface.
LOWPASS = 0.2


@dataclass(frozen=True)
class Shift:
    """A measured translation: (dy, dx) px that bring the frame onto the reference (apply
    with ``scipy.ndimage.shift``), and the peak-to-sidelobe ratio of the measurement."""

    dy: float
    dx: float
    peak: float

    @property
    def length(self) -> float:
        return float(np.hypot(self.dy, self.dx))

    def sure(self, shape: tuple[int, int]) -> bool:
        """Whether the peak stands out and the shift is plausible for a frame of ``shape``."""
        need = MIN_PEAK * (2.0 if self.length > LARGE_SHIFT else 1.0)
        return self.peak >= need and max(abs(self.dy), abs(self.dx)) <= MAX_SHIFT_SHARE * min(shape)


def window(shape: tuple[int, int]) -> tuple[slice, slice]:
    """The central part of a frame of ``shape`` the offset is measured on (``MAX_SIDE``)."""
    return tuple(slice(max(0, (n - MAX_SIDE) // 2), max(0, (n - MAX_SIDE) // 2) + min(n, MAX_SIDE))
                 for n in shape)


def edge_image(band: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """(H, W) float64: the gradient magnitude of ``band`` (H, W) over the ``usable`` (H, W)
    bool ground (zero elsewhere and near it), mean-free and tapered by a Hann window."""
    filled = np.where(usable, band, float(np.mean(band[usable])) if usable.any() else 0.0)
    smooth = ndi.gaussian_filter(np.asarray(filled, np.float64), 1.0)
    grad = np.hypot(ndi.sobel(smooth, 0), ndi.sobel(smooth, 1))
    inside = ndi.binary_erosion(usable, iterations=EDGE_PX)
    if not inside.any():
        return np.zeros(band.shape)
    grad = np.where(inside, grad - grad[inside].mean(), 0.0)
    h, w = band.shape
    return grad * np.outer(np.hanning(h), np.hanning(w))


def measure_shift(reference: np.ndarray, moving: np.ndarray) -> Shift:
    """The Shift that brings ``moving`` onto ``reference``, both (H, W) edge images
    (``edge_image``)."""
    from skimage.registration import phase_cross_correlation

    if not reference.any() or not moving.any():
        return Shift(0.0, 0.0, 0.0)  # no usable ground on one side: nothing measured
    cross = np.fft.fft2(reference)
    cross *= np.conj(np.fft.fft2(moving))
    cross /= np.maximum(np.abs(cross), 1e-12)  # the normalised cross-power spectrum
    surface = np.fft.ifft2(cross).real
    fy, fx = np.fft.fftfreq(reference.shape[0])[:, None], np.fft.fftfreq(reference.shape[1])[None, :]
    cross *= np.exp(-(fy ** 2 + fx ** 2) / (2 * LOWPASS ** 2))
    # skimage refines the peak of the product of its two spectra: hand it the weighted
    # cross-power and ones
    shift, _, _ = phase_cross_correlation(cross, np.ones_like(cross), upsample_factor=UPSAMPLE,
                                          space="fourier", normalization=None)
    return Shift(float(shift[0]), float(shift[1]), _peak_to_sidelobe(surface))


def _peak_to_sidelobe(surface: np.ndarray, exclude: int = 2) -> float:
    """(peak - mean) / std of a correlation ``surface`` away from its peak (``exclude`` px)."""
    py, px = np.unravel_index(int(np.argmax(surface)), surface.shape)
    rolled = np.roll(surface, (exclude - py, exclude - px), axis=(0, 1))
    side = np.ones(surface.shape, bool)
    side[:2 * exclude + 1, :2 * exclude + 1] = False
    rest = rolled[side]
    return float((surface[py, px] - rest.mean()) / max(float(rest.std()), 1e-12))


def shift_band(band: np.ndarray, shift: Shift, known: np.ndarray | None = None) -> np.ndarray:
    """(H, W) float32 ``band`` moved by ``shift`` (cubic spline). ``known``: (H, W) bool of
    the pixels holding data; the others take their nearest known value first, so that no
    nodata fill rings into the image."""
    band = np.asarray(band, np.float32)
    if known is not None and not known.all() and known.any():
        _, (iy, ix) = ndi.distance_transform_edt(~known, return_indices=True)
        band = band[iy, ix]
    return ndi.shift(band, (shift.dy, shift.dx), order=3, mode="nearest").astype(np.float32)


def shift_mask(mask: np.ndarray, shift: Shift) -> np.ndarray:
    """(H, W) bool: the pixels that lie wholly within ``mask`` after the shift. Beyond the
    frame's edge the mask goes on as at the edge (as the shifted bands do), so a frame full
    of data stays full."""
    return ndi.shift(mask.astype(np.float32), (shift.dy, shift.dx), order=1, mode="nearest") > 0.999
