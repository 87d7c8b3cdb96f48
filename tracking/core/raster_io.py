"""Opening rasters: one place that knows a pixel grid (PNG, JPEG, plain TIFF) is not an error.

GDAL warns ``NotGeoreferencedWarning`` for every file without a CRS and transform. For this product
such files are ordinary inputs (pixel grids) and outputs (masks of a pixel grid), so the warning is
silenced here, and only here, around the open.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import rasterio
from rasterio.errors import NotGeoreferencedWarning


@contextmanager
def open_raster(path: str | Path, mode: str = "r", **kwargs) -> Iterator[rasterio.io.DatasetReader]:
    """``rasterio.open(path, mode, **kwargs)`` as a context manager, quiet about missing georeferencing."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path, mode, **kwargs) as dataset:
            yield dataset
