"""Photos, scans and documents attached to meetings."""
