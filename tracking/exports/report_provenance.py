"""The provenance part of the report: engine, model, prompts, corrections, inputs, software."""

from __future__ import annotations

import platform
from importlib import metadata

import numpy as np

from tracking.core.frames import Frames
from tracking.core.prompts import Prompt
from tracking.core.track import Provenance, Track
from tracking.exports.htmltable import defang, table

SOFTWARE = ("numpy", "torch", "sam2", "rasterio", "streamlit", "plotly", "shapely", "geopandas", "pillow",
            "matplotlib", "scipy")


def software_versions() -> dict[str, str]:
    """Installed versions of the packages that shape the results ("not installed" when absent)."""
    out = {"python": platform.python_version()}
    for name in SOFTWARE:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def prompt_rows(prompts: list[Prompt], frames: Frames) -> list[dict]:
    """One row per prompt: date, object, kind, clicks, box, mask size."""
    rows = []
    for p in prompts:
        pos = int(np.count_nonzero(p.labels == 1))
        rows.append({
            "date": frames.dates[p.frame].isoformat() if 0 <= p.frame < len(frames) else f"frame {p.frame}",
            "object": p.object_id, "kind": p.kind,
            "points": f"{pos} positive, {len(p.labels) - pos} negative" if len(p.labels) else "",
            "box": ", ".join(f"{v:.0f}" for v in p.box) if p.box is not None else "",
            "mask_px": int(p.mask.sum()) if p.mask is not None else "",
        })
    return rows


def frame_rows(frames: Frames, track: Track) -> list[dict]:
    """One row per frame: date, source, co-registration shift (px), quality flags, provenance per object."""
    rows = []
    for i, d in enumerate(frames.dates):
        q = frames.quality[i]
        flags = "; ".join(q.reasons) if q.reasons else ("bad" if q.bad else "")
        if i in frames.excluded:
            flags = "; ".join(filter(None, [flags, "excluded by the analyst"]))
        prov = ", ".join(f"{oid}: {obj.provenance[i].value}" for oid, obj in sorted(track.objects.items()))
        rows.append({"date": d.isoformat(), "source": frames.sources[i], "shift": q.shift_text(), "flags": flags,
                     "provenance": prov})
    return rows


def _corrections(frames: Frames, track: Track) -> str:
    dates = sorted({frames.dates[i].isoformat() for obj in track.objects.values()
                    for i, p in enumerate(obj.provenance) if p == Provenance.CORRECTED})
    return ", ".join(dates) if dates else "none"


def provenance_section(frames: Frames, track: Track, engine_info: dict, prompts: list[Prompt]) -> str:
    """HTML: how the result was made (engine info as given, prompts, corrections, frames, versions)."""
    engine_rows = [{"key": k, "value": v if not isinstance(v, (dict, list)) else repr(v)}
                   for k, v in engine_info.items()]
    text = [("key", "Item", -1), ("value", "Value", -1)]
    versions = [{"key": k, "value": v} for k, v in software_versions().items()]
    return "".join([
        "<h2>Provenance</h2><h3>Engine</h3>",
        table(engine_rows, text) if engine_rows else "<p>No engine information was recorded.</p>",
        "<h3>Prompts</h3>",
        table(prompt_rows(prompts, frames), [("date", "Date", -1), ("object", "Object", -1),
                                              ("kind", "Kind", -1), ("points", "Points", -1),
                                              ("box", "Box (px)", -1), ("mask_px", "Mask px", -1)])
        if prompts else "<p>No prompts were recorded.</p>",
        f"<p>Dates corrected by the analyst: {defang(_corrections(frames, track))}.</p>",
        "<h3>Frames</h3>",
        table(frame_rows(frames, track), [("date", "Date", -1), ("source", "Source file", -1),
                                           ("shift", "Co-registration shift px (dx, dy)", -1),
                                           ("flags", "Quality flags", -1), ("provenance", "Provenance", -1)]),
        "<h3>Software</h3>", table(versions, text),
    ])
