"""QR sign-in at a meeting."""
