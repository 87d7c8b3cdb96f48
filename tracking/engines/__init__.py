"""Tracking engines: SAM2 video propagation and the weights-free baseline."""

from tracking.engines.base import Engine, PropagationStep

__all__ = ["Engine", "PropagationStep"]
