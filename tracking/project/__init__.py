"""tracking.project."""
