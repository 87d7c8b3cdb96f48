"""tracking.core."""
