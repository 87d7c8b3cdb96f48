"""Static map images (PNG bytes, matplotlib): the evolution map and the dated outlines.

Uses matplotlib's object API (``Figure``), never pyplot, so no global backend
state is touched and it runs headless.
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from tracking.core.track import Track

#: Above this many dates a colour bar replaces the legend.
MAX_LEGEND_ENTRIES = 16


def date_colors(n: int) -> list[str]:
    """n hex colours from early (dark violet) to late (yellow) along 'plasma'."""
    cmap = colormaps["plasma"]
    return ["#%02x%02x%02x" % tuple(int(255 * c) for c in cmap(t)[:3])
            for t in (np.linspace(0.05, 0.9, n) if n > 1 else [0.5])]


def _figure(shape: tuple[int, int]) -> tuple[Figure, object]:
    h, w = shape
    width_in = 8.0
    fig = Figure(figsize=(width_in + 2.5, max(3.0, width_in * h / max(w, 1))), dpi=100)
    ax = fig.add_axes((0.02, 0.02, width_in / (width_in + 2.5) - 0.03, 0.96))
    ax.set_axis_off()
    return fig, ax


def _to_png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", pad_inches=0.15)
    return buf.getvalue()


def _legend_or_colorbar(fig: Figure, ax, colors: list[str], labels: list[str], title: str,
                        handles: list) -> None:
    if len(labels) <= MAX_LEGEND_ENTRIES:
        ax.legend(handles=handles, title=title, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  fontsize=8, title_fontsize=9, frameon=False)
        return
    cmap = ListedColormap(colors)
    norm = BoundaryNorm(np.arange(len(colors) + 1) - 0.5, len(colors))
    mappable = ScalarMappable(norm=norm, cmap=cmap)
    cbar = fig.colorbar(mappable, ax=ax, fraction=0.05, pad=0.02)
    step = max(1, len(labels) // MAX_LEGEND_ENTRIES)
    cbar.set_ticks(list(range(0, len(labels), step)))
    cbar.set_ticklabels(labels[::step], fontsize=7)
    cbar.set_label(title)


def evolution_png(evolution: np.ndarray, dates: list[dt.date], background: np.ndarray | None = None) -> bytes:
    """PNG of the evolution map: each pixel coloured by the date it first became scar.

    evolution: (H, W) int16, -1 never scar. background: optional (H, W, 3) uint8 shown greyed beneath.
    """
    fig, ax = _figure(evolution.shape)
    if background is not None:
        ax.imshow(background.mean(axis=-1), cmap="gray", vmin=0, vmax=255, alpha=0.6, interpolation="nearest")
    colors = date_colors(len(dates))
    shown = np.ma.masked_less(evolution, 0)
    cmap = ListedColormap(colors)
    ax.imshow(shown, cmap=cmap, norm=BoundaryNorm(np.arange(len(dates) + 1) - 0.5, len(dates)),
              interpolation="nearest")
    labels = [d.isoformat() for d in dates]
    handles = [Patch(color=c, label=lab) for c, lab in zip(colors, labels)]
    _legend_or_colorbar(fig, ax, colors, labels, "first scar date", handles)
    ax.set_title("Scar evolution: date each pixel first became scar", fontsize=10)
    return _to_png(fig)


def outline_map_png(image: np.ndarray, track: Track, dates: list[dt.date]) -> bytes:
    """PNG of ``image`` (H, W, 3) uint8 with the outline of every date (all objects), coloured by date."""
    fig, ax = _figure(image.shape[:2])
    ax.imshow(image, interpolation="nearest")
    colors = date_colors(len(dates))
    handles = []
    for i, (date, color) in enumerate(zip(dates, colors)):
        mask = track.union(i)
        if mask.any() and not mask.all():
            ax.contour(mask.astype(np.float32), levels=[0.5], colors=[color], linewidths=1.2)
        handles.append(Line2D([0], [0], color=color, lw=2, label=date.isoformat()))
    _legend_or_colorbar(fig, ax, colors, [d.isoformat() for d in dates], "scar outline", handles)
    ax.set_title(f"Scar outlines on the last frame ({dates[-1].isoformat()})" if dates else "Scar outlines",
                 fontsize=10)
    return _to_png(fig)
