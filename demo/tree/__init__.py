"""The demo tree (市委 → 区委 → … → 党支部) with members and the demo logins. Names with a leading underscore
are private to this package."""
