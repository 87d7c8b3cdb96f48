"""tracking.sample."""
