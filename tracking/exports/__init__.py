"""tracking.exports."""
