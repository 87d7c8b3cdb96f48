"""The sidebar's engine line follows the factory's rule for the project's engine choice."""

from __future__ import annotations

from tracking.engines import factory
from tracking.ui.shell import engine_line


def test_engine_line_for_each_choice(weights_folder):
    line = {kind: engine_line(factory.engine_status("tiny", kind=kind)) for kind in factory.ENGINE_KINDS}
    assert line["auto"] == "Engine: baseline (no SAM2 checkpoint)."
    assert line["baseline"] == "Engine: weights-free baseline (chosen on the Track page)."
    assert line["sam2"] == "Engine: SAM2 tiny chosen, but its checkpoint is missing (see the Track page)."
    (weights_folder / "sam2.1_hiera_tiny.pt").write_bytes(b"weights")
    assert engine_line(factory.engine_status("tiny", kind="auto")).startswith("Engine: SAM2 tiny checkpoint present")
    assert engine_line(factory.engine_status("tiny", kind="baseline")).startswith("Engine: weights-free baseline")
