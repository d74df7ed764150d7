"""The audit log (等保 2.0): who did or read what, append-only, kept AUDIT_RETENTION_DAYS (docs/security.md)."""
