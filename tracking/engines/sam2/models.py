"""The SAM 2.1 models by name: Hydra config, checkpoint file, official address, size.

The four checkpoints Meta published on 2024-09-28 (``sam2.1_hiera_*.pt``), each
paired with the Hydra config that ships inside the ``sam2`` package.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracking.core.errors import InputError

BASE_URL = "https://dl.fbaipublicfiles.com/segment_anything_2/092824"


@dataclass(frozen=True)
class Sam2Model:
    """One SAM 2.1 model.

    name:       our short name ("tiny", "small", "base_plus", "large").
    config:     Hydra config name inside the sam2 package.
    filename:   checkpoint file name, as Meta publishes it.
    size_bytes: exact size of the official checkpoint file.
    url:        where to download it.
    """

    name: str
    config: str
    filename: str
    size_bytes: int
    url: str

    @property
    def size_mb(self) -> float:
        return self.size_bytes / 1e6


def _model(name: str, short: str, stem: str, size: int) -> Sam2Model:
    filename = f"sam2.1_hiera_{stem}.pt"
    return Sam2Model(name, f"configs/sam2.1/sam2.1_hiera_{short}.yaml", filename, size, f"{BASE_URL}/{filename}")


MODELS: dict[str, Sam2Model] = {
    "tiny": _model("tiny", "t", "tiny", 156_008_466),
    "small": _model("small", "s", "small", 184_416_285),
    "base_plus": _model("base_plus", "b+", "base_plus", 323_606_802),
    "large": _model("large", "l", "large", 898_083_611),
}

_ALIASES = {"t": "tiny", "s": "small", "b+": "base_plus", "base+": "base_plus", "base-plus": "base_plus",
            "baseplus": "base_plus", "base": "base_plus", "l": "large"}


def model_names() -> list[str]:
    """The names of the SAM 2.1 models, smallest first."""
    return list(MODELS)


def get_model(name: str | Sam2Model) -> Sam2Model:
    """The model called ``name`` (case-insensitive; "base+" and "base-plus" mean "base_plus")."""
    if isinstance(name, Sam2Model):
        return name
    key = str(name).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in MODELS:
        raise InputError(f"There is no SAM2 model called {name!r}; choose one of {', '.join(MODELS)}.")
    return MODELS[key]
