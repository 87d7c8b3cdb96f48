"""Tracking engines: SAM2 video propagation and the weights-free baseline."""

from .base import Engine, PropagationStep

__all__ = ["Engine", "PropagationStep"]
