"""The rows that data migrations load (default rules, dues brackets, rating rubric, weak-branch criteria).

A transactional test's flush removes them; a test that needs them after such a flush puts them back with
`default_data_install()` (each installer is idempotent).
"""

import importlib

from django.apps import apps

DEFAULT_DATA = (
    ("reviews.migrations.0002_default_rule_sets", "install"),
    ("activities.migrations.0008_load_default_dues_rules", "install"),
    ("reviews.migrations.0026_default_rating_rubric", "add_default_rubric"),
    ("reviews.migrations.0029_default_weak_criteria", "add_defaults"),
)


def default_data_install() -> None:
    for module, function in DEFAULT_DATA:
        getattr(importlib.import_module(module), function)(apps, None)
