"""tracking.hosting."""
