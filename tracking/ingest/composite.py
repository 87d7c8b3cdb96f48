"""Band composites: which three bands of a scene become the red, green and blue of a frame."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracking.core.errors import InputError
from tracking.ingest.scenes import Scene


@dataclass(frozen=True)
class Composite:
    """Three 1-based band indexes shown as red, green, blue."""

    key: str
    label: str
    bands: tuple[int, int, int]


PRESETS: dict[str, Composite] = {c.key: c for c in (
    Composite("rgb", "True colour, 3-band R,G,B (1,2,3)", (1, 2, 3)),
    Composite("bgrn-true", "True colour, 4-band B,G,R,NIR (3,2,1)", (3, 2, 1)),
    Composite("bgrn-false", "False colour NIR,R,G, 4-band B,G,R,NIR (4,3,2)", (4, 3, 2)),
    Composite("rgbn-true", "True colour, 4-band R,G,B,NIR (1,2,3)", (1, 2, 3)),
    Composite("rgbn-false", "False colour NIR,R,G, 4-band R,G,B,NIR (4,1,2)", (4, 1, 2)),
    Composite("s2-true", "Sentinel-2 true colour B4,B3,B2", (4, 3, 2)),
    Composite("s2-false", "Sentinel-2 false colour B8,B4,B3", (8, 4, 3)),
    Composite("landsat-true", "Landsat 8/9 true colour B4,B3,B2", (4, 3, 2)),
    Composite("landsat-false", "Landsat 8/9 false colour B5,B4,B3", (5, 4, 3)),
    Composite("grey", "Grey, band 1", (1, 1, 1)),
)}

# Where each preset family keeps its near-infrared band (1-based).
_FAMILY_NIR = {"bgrn": 4, "rgbn": 4, "s2": 8, "landsat": 5}

# Band descriptions, normalised (lower case, letters and digits only) -> colour.
_NAME_COLOURS = {
    "red": "red", "r": "red", "b04": "red", "b4": "red",
    "green": "green", "g": "green", "b03": "green", "b3": "green",
    "blue": "blue", "b": "blue", "b02": "blue", "b2": "blue",
    "nir": "nir", "nearinfrared": "nir", "nir1": "nir", "b08": "nir", "b8": "nir",
    "swir1": "swir1", "swir16": "swir1", "b11": "swir1",
    "swir2": "swir2", "swir22": "swir2", "b12": "swir2",
}

# Where each preset family keeps its short-wave infrared bands (1-based), by band count:
# Sentinel-2 L2A stacks (12 bands, no B10) and L1C stacks (13 bands); Landsat 8/9 B6, B7.
_FAMILY_SWIR = {("s2", 12): (11, 12), ("s2", 13): (12, 13), ("landsat", 7): (6, 7)}


def _colour_of(name: str) -> str | None:
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    for prefix in ("sr", "toa", "band"):  # "SR_B4", "band_red"
        if key.startswith(prefix) and key[len(prefix):] in _NAME_COLOURS:
            key = key[len(prefix):]
    return _NAME_COLOURS.get(key)


def named_bands(scene: Scene) -> dict[str, int]:
    """{"red"|"green"|"blue"|"nir"|"swir1"|"swir2": 1-based index} found in the scene's band descriptions."""
    found: dict[str, int] = {}
    for index, name in enumerate(scene.band_names, start=1):
        colour = _colour_of(name) if name else None
        if colour and colour not in found:
            found[colour] = index
    return found


def nir_band(scene: Scene, composite: Composite) -> int | None:
    """The near-infrared band index of ``scene``, or None when unknown.

    Band descriptions win; otherwise the composite's preset family says (B,G,R,NIR
    and R,G,B,NIR -> 4, Sentinel-2 -> 8, Landsat 8/9 -> 5).
    """
    index = named_bands(scene).get("nir")
    if index is None:
        index = _FAMILY_NIR.get(composite.key.split("-", 1)[0])
    return index if index is not None and index <= scene.band_count else None


def spectral_bands(scene: Scene, composite: Composite) -> dict[str, int]:
    """{"red", "nir", "swir1", "swir2": 1-based index} of the bands ``scene`` holds for the
    vegetation indices; {} when it holds neither NIR nor SWIR.

    Band descriptions win; otherwise the composite's preset family says (red from its true
    colour, NIR as :func:`nir_band`, SWIR for Sentinel-2 stacks of 12 or 13 bands and
    Landsat 8/9 stacks of at least 7).
    """
    named = named_bands(scene)
    family = composite.key.split("-", 1)[0]
    found = {k: v for k, v in named.items() if k in ("red", "nir", "swir1", "swir2")}
    nir = nir_band(scene, composite)
    if nir is not None:
        found.setdefault("nir", nir)
    true = PRESETS.get(f"{family}-true")
    if true is not None:
        found.setdefault("red", true.bands[0])
    count = min(scene.band_count, 7) if family == "landsat" else scene.band_count
    for name, index in zip(("swir1", "swir2"), _FAMILY_SWIR.get((family, count), ())):
        found.setdefault(name, index)
    found = {k: v for k, v in found.items() if 1 <= v <= scene.band_count}
    return found if {"nir", "swir1", "swir2"} & found.keys() else {}


def _from_names(scene: Scene) -> Composite | None:
    found = named_bands(scene)
    if not {"red", "green", "blue"} <= found.keys():
        return None
    bands = (found["red"], found["green"], found["blue"])
    for preset in PRESETS.values():
        if preset.bands == bands and preset.key != "landsat-true":
            return preset
    return Composite(_fmt(bands), f"True colour from band names ({_fmt(bands)})", bands)


def _fmt(bands: tuple[int, int, int]) -> str:
    return ",".join(str(b) for b in bands)


def default_composite(scene: Scene) -> Composite:
    """The natural true-colour composite for ``scene``.

    Band descriptions (red/green/blue, B04/B03/B02) decide when present; otherwise the
    band count: 1-2 -> grey, 3 -> rgb, 4 -> bgrn-true (PNG/JPEG: rgb, the 4th is alpha),
    5-11 -> bands 3,2,1 (B,G,R first, as in RapidEye/MicaSense), >= 12 -> s2-true.
    """
    named = _from_names(scene)
    if named is not None:
        return named
    n = scene.band_count
    if n <= 2:
        return PRESETS["grey"]
    if n == 3 or scene.path.suffix.lower() in (".png", ".jpg", ".jpeg"):
        return PRESETS["rgb"]
    if n == 4:
        return PRESETS["bgrn-true"]
    if n >= 12:
        return PRESETS["s2-true"]
    return Composite("3,2,1", "True colour, bands 3,2,1 (assumed B,G,R first)", (3, 2, 1))


def parse_bands(text: str) -> tuple[int, int, int] | None:
    """(r, g, b) from text like "4,3,2" or "4 3 2", or None when it is not three integers."""
    parts = [p for p in re.split(r"[\s,;/]+", text.strip()) if p]
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    return (int(parts[0]), int(parts[1]), int(parts[2]))


def resolve_composite(scene: Scene, key: str | tuple[int, int, int] | None) -> Composite:
    """The composite for ``key`` checked against ``scene``.

    ``key`` is None (the scene's default), a preset key (see PRESETS), text like
    "4,3,2" or a tuple of three 1-based band indexes. Raises InputError naming the file
    when the scene lacks a requested band, or naming the key when it is unknown.
    """
    if key is None:
        composite = default_composite(scene)
    elif isinstance(key, str):
        composite = PRESETS.get(key.strip().lower())
        bands = parse_bands(key) if composite is None else None
        if composite is None and bands is None:
            raise InputError(f"Unknown band composite '{key}'; use one of {', '.join(PRESETS)} "
                             f"or three band numbers like 4,3,2.")
        if composite is None:
            composite = Composite(_fmt(bands), f"Bands {_fmt(bands)}", bands)
    else:
        bands = tuple(int(b) for b in key)
        if len(bands) != 3:
            raise InputError(f"A band composite needs three band numbers, got {len(bands)}.")
        composite = Composite(_fmt(bands), f"Bands {_fmt(bands)}", bands)  # type: ignore[arg-type]
    if min(composite.bands) < 1 or max(composite.bands) > scene.band_count:
        missing = [b for b in composite.bands if b < 1 or b > scene.band_count][0]
        raise InputError(f"{scene.name} has {scene.band_count} band(s), so the composite "
                         f"'{composite.label}' cannot use band {missing}.")
    return composite
