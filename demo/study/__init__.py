"""The study demo: materials, templates, plans, tasks, self-study plans. Names with a leading underscore are
private to this package."""
