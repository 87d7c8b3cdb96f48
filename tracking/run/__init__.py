"""tracking.run."""
