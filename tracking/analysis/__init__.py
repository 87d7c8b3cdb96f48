"""tracking.analysis."""
