"""tracking.engines.sam2."""
