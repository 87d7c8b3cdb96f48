"""The landslide: a scar that creeps, fails, then keeps growing, and how it looks.

Geometry is given in the valley coordinates of :mod:`tracking.sample.synth.layout`
relative to the landslide axis: ``u`` upslope from the river, ``v`` along the
valley. Three parts, each an implicit shape (inside where its normalised
distance is below 1, with fractal noise on the distance for lobate edges):

- the source area, a head-wide ellipse on the slope: small and slowly growing
  while the slope creeps, then much larger at the failure, after which its crown
  retreats upslope and its flanks widen a little every year;
- the runout track from the source down to the valley floor (after the failure);
- the deposition fan on the valley floor, which crosses the river's old channel
  and pushes the river against the far bank (after the failure).

The noise may cut a part's rim into islands or a gap through it, so the
shapes alone do not make one body. Each part has a core the noise never
removes (the inner part of the source and of the fan, and the track's centre
band from the fan's centre up to the source's centre), and the cores of a date
form one connected body. The true mask of a date is the piece of the union of
all parts up to that date that holds this core and the previous date's mask
(it never shrinks, never jumps, and stays one body), with holes filled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from tracking.sample.synth import spectra
from tracking.sample.synth.layout import Layout
from tracking.sample.synth.noise import fractal_noise, smoothstep, uniform01

#: normalised distance inside which the source area and the fan are never cut by the edge noise
CORE = 0.5


@dataclass
class ScarState:
    """The scar on one date; arrays are (Hw, Ww) on the world grid."""

    t: float  # years since the first date
    mask: np.ndarray  # bool, the truth
    disturbed: np.ndarray  # float32 year (same clock as t) each scar pixel was last laid bare
    source: np.ndarray  # float32 0..1, 1 in the source area (rock and soil), 0 on track/fan
    dz: np.ndarray  # float32 elevation change in metres (depletion < 0, deposit > 0)
    river_shift: np.ndarray  # float32 pixels the river is pushed towards the east bank


class ScarModel:
    """The landslide of one world; ``failure_t`` is the failure time in years."""

    def __init__(self, layout: Layout, rng: np.random.Generator, failure_t: float) -> None:
        self.layout = layout
        self.failure_t = failure_t
        p, q = layout.coords
        self.u, self.v = p, q - layout.scar_q
        shape = layout.world_shape
        # band-limited so that the scar's size and mean look do not depend on the grid size
        lobes = max(12.0, layout.s(0.2))
        self.edge = fractal_noise(shape, rng, beta=2.7, min_period=5, max_period=lobes)
        self.edge_fan = fractal_noise(shape, rng, beta=2.7, min_period=5, max_period=lobes)
        self.tex_fine = fractal_noise(shape, rng, beta=1.4, min_period=1.5, max_period=12)
        self.tex_mid = fractal_noise(shape, rng, beta=2.4, min_period=2, max_period=16)
        self.tex_blocks = fractal_noise(shape, rng, beta=0.8, min_period=1.2, max_period=8)
        self.reveg = uniform01(fractal_noise(shape, rng, beta=3.0, min_period=5, max_period=lobes))
        wobble = fractal_noise(shape, rng, beta=3.5, min_period=6)
        self.rills = smoothstep(0.75, 0.98, np.cos(2 * np.pi * self.v / layout.s(0.025) + 1.5 * wobble))

    # -- geometry --------------------------------------------------------------------------

    def _source(self, t: float) -> tuple[np.ndarray, float, float]:
        """(normalised distance, centre u, semi-axis a) of the source area."""
        plain, pc, a = self._source_plain(t)
        return plain + 0.2 * self.edge, pc, a

    def _source_plain(self, t: float) -> tuple[np.ndarray, float, float]:
        """(normalised distance without edge noise, centre u, semi-axis a) of the source area."""
        s = self.layout.s
        if t < self.failure_t:
            a, b, toe = s(0.075) * (1 + 0.05 * t), s(0.045) * (1 + 0.04 * t), s(0.245)
        else:
            dt = t - self.failure_t
            a, b, toe = s(0.125) + s(0.007) * dt, s(0.066) + s(0.003) * dt, s(0.19)
        pc = toe + a
        along = (self.u - pc) / a
        width = b * np.clip(1.0 + 0.25 * along, 0.6, 1.4)
        return np.sqrt(along ** 2 + (self.v / width) ** 2), pc, a

    def _fan(self, t: float) -> tuple[np.ndarray, tuple[float, float, float, float]]:
        plain, geometry = self._fan_plain(t)
        return plain + 0.12 * self.edge_fan, geometry

    def _fan_plain(self, t: float) -> tuple[np.ndarray, tuple[float, float, float, float]]:
        """(normalised distance without edge noise, (centre u, centre v, semi-axis u, semi-axis v))."""
        s = self.layout.s
        dt = t - self.failure_t
        uc, vc = s(0.018), s(0.02)
        ua, va = s(0.042) + s(0.002) * dt, s(0.085) + s(0.004) * dt
        return np.sqrt(((self.u - uc) / ua) ** 2 + ((self.v - vc) / va) ** 2), (uc, vc, ua, va)

    def _track_axis(self, t: float) -> tuple[np.ndarray, np.ndarray, float, float]:
        """(centre line v, half width, lowest u, highest u) of the runout track; arrays (Hw, Ww)."""
        s = self.layout.s
        dt = t - self.failure_t
        lo, hi = s(0.04), s(0.21)
        frac = np.clip((self.u - lo) / (hi - lo), 0.0, 1.0)
        centre = s(0.012) * np.sin(frac * np.pi * 1.3)
        half = s(0.028) + s(0.016) * frac + s(0.0015) * dt
        return centre, half, lo, hi

    def _track(self, t: float) -> np.ndarray:
        centre, half, lo, hi = self._track_axis(t)
        d = np.abs(self.v - centre) / half + 0.2 * self.edge
        return np.where((self.u >= lo) & (self.u <= hi), d, np.inf)

    def raw_mask(self, t: float) -> np.ndarray:
        """The scar's shape at time ``t`` before accumulation, (Hw, Ww) bool."""
        d, _, _ = self._source(t)
        if t >= self.failure_t:
            d = np.minimum(d, np.minimum(self._track(t), self._fan(t)[0]))
        return d < 1.0

    def core(self, t: float) -> np.ndarray:
        """The scar's one connected body at time ``t`` that the edge noise never removes, (Hw, Ww) bool.

        The inner half of the source area; after the failure also the inner half of the fan
        and the track's centre band (half its width, at least 1.2 pixels either side so that
        it stays 4-connected at any size) from the fan's centre to the source's centre.
        """
        plain, pc, _ = self._source_plain(t)
        core = plain < CORE
        if t >= self.failure_t:
            fan, (uc, _, _, _) = self._fan_plain(t)
            centre, half, _, _ = self._track_axis(t)
            band = np.abs(self.v - centre) < np.maximum(0.5 * half, 1.2)
            core |= (fan < CORE) | (band & (self.u >= uc) & (self.u <= pc))
        return core

    # -- evolution -------------------------------------------------------------------------

    def evolve(self, times: list[float]) -> list[ScarState]:
        """The scar on every date (times ascending, years since the first date)."""
        states: list[ScarState] = []
        prev = np.zeros(self.layout.world_shape, bool)
        disturbed = np.full(self.layout.world_shape, np.inf, np.float32)
        for t in times:
            core = self.core(t)
            mask = _body(self.raw_mask(t) | prev | core, core | prev)
            fresh = mask & ~prev
            stamp = t if not states else 0.5 * (states[-1].t + t)  # laid bare since the last date
            if t >= self.failure_t and states and states[-1].t < self.failure_t:
                fresh, stamp = mask, self.failure_t  # the failure lays the whole slide bare again
            disturbed = np.where(fresh, np.float32(stamp), disturbed).astype(np.float32)
            states.append(self._state(t, mask, disturbed))
            prev = mask
        return states

    def _state(self, t: float, mask: np.ndarray, disturbed: np.ndarray) -> ScarState:
        d_src, pc, a = self._source(t)
        source = smoothstep(1.3, 0.9, d_src) if t >= self.failure_t else np.ones_like(d_src)
        if t < self.failure_t:
            dz = -3.0 * np.clip(1.0 - d_src, 0.0, 1.0)
            shift = np.zeros_like(d_src)
        else:
            d_fan, (uc, vc, ua, va) = self._fan(t)
            dz = -24.0 * np.sqrt(np.clip(1.0 - d_src, 0.0, 1.0)) + 9.0 * np.clip(1.0 - d_fan, 0.0, 1.0)
            bump = np.exp(-(((self.v - vc) / (1.15 * va)) ** 2))
            shift = (ua - uc + 3.0) * bump
        return ScarState(t, mask, disturbed.copy(), source.astype(np.float32),
                         dz.astype(np.float32), shift.astype(np.float32))

    # -- appearance ------------------------------------------------------------------------

    def reflectance(self, state: ScarState, green: float) -> tuple[np.ndarray, np.ndarray]:
        """(reflectance (4, Hw, Ww) float32, coverage (Hw, Ww) float32 0..1) of the scar."""
        age = np.where(state.mask, state.t - state.disturbed, 0.0)
        src = state.source
        rock = smoothstep(0.2, 1.3, self.tex_mid + 1.2 * src * smoothstep(0.5, 0.9, self._crown(state.t)))
        wet = (1.0 - src) * smoothstep(0.0, 1.5, -self.tex_mid + 0.8 * smoothstep(0.06, 0.0, self.u / self.layout.size))
        soil = np.clip(1.0 - rock - wet, 0.0, 1.0)
        bare = soil[None] * spectra.SCAR_SOIL + rock[None] * spectra.SCAR_ROCK + wet[None] * spectra.SCAR_WET
        bare = bare * (1.0 + 0.13 * self.tex_fine + 0.08 * self.tex_blocks)[None]
        bare = bare * (1.0 - 0.22 * self.rills * src)[None]
        bare = bare * (1.0 + 0.08 * smoothstep(0.6, 0.0, age))[None]  # fresh debris is brighter
        if state.t < self.failure_t:  # a creeping slope: cracks and slumps among the grass, opening up
            veg = np.clip(0.24 - 0.03 * state.t + 0.18 * self.tex_mid, 0.05, 0.6)
        else:  # the oldest bare ground slowly greens again, in patches
            veg = np.clip(0.055 * age * (0.3 + 1.4 * self.reveg), 0.0, 0.45)
        meadow = spectra.season_mix(green, spectra.MEADOW_SUMMER, spectra.MEADOW_WINTER)
        refl = spectra.mix(veg.astype(np.float32), meadow, bare)
        coverage = ndimage.gaussian_filter(state.mask.astype(np.float32), 0.55)
        coverage = np.where(state.mask, np.maximum(coverage, 0.55), np.minimum(coverage, 0.35))
        return refl.astype(np.float32), coverage.astype(np.float32)

    def _crown(self, t: float) -> np.ndarray:
        """0..1 position along the source area, 1 at the crown (head scarp)."""
        _, pc, a = self._source(t)
        return np.clip(0.5 + 0.5 * (self.u - pc) / a, 0.0, 1.0)


def _body(shape: np.ndarray, anchor: np.ndarray) -> np.ndarray:
    """The pieces of ``shape`` that touch ``anchor`` (inside ``shape``), holes filled; (H, W) bool."""
    labels, _ = ndimage.label(shape)
    keep = np.unique(labels[anchor & shape])
    return ndimage.binary_fill_holes(np.isin(labels, keep[keep > 0]))
