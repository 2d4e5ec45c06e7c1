"""Statistics: set-based SQL over the run relation."""
