"""tracking.render."""
