"""Device choice: auto prefers CUDA, then MPS, then the CPU; explicit devices must exist."""

from __future__ import annotations

import pytest
import torch

from tracking.core.errors import InputError
from tracking.engines.device import resolve_device


def test_auto_picks_the_best_available():
    device = resolve_device("auto")
    if torch.cuda.is_available():
        assert device.type == "cuda"
    elif torch.backends.mps.is_available():
        assert device.type == "mps"
    else:
        assert device.type == "cpu"
    assert resolve_device(None) == device


def test_cpu_is_always_there():
    assert resolve_device("CPU") == torch.device("cpu")


def test_missing_or_unknown_devices_are_input_errors():
    if torch.cuda.is_available():
        assert resolve_device("cuda").type == "cuda"
        with pytest.raises(InputError, match="CUDA GPU"):
            resolve_device(f"cuda:{torch.cuda.device_count()}")
    else:
        with pytest.raises(InputError, match="no CUDA GPU"):
            resolve_device("cuda")
    with pytest.raises(InputError, match="Unknown device 'tpu9'"):
        resolve_device("tpu9")
