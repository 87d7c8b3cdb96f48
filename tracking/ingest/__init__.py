"""tracking.ingest."""
