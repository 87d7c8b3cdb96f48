"""tracking.engines.baseline."""
