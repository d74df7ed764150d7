"""A generated year of organisational life at district or city scale (`seed_demo --history`). Names with a
leading underscore are private to this package."""
