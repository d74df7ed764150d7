"""The default criteria for suggesting a branch as 软弱涣散 (reviews.weak_branches), in force from 2017-01-01 (the seed's year).

Source: seed §二.4 (line 52) “持续整顿软弱涣散党支部”. The thresholds are local practice that administrators change
by adding a new version in the admin: secretary vacant for more than 3 months; committee term ended more than
0 days ago without 换届 (threshold 1 day); share of rule-periods met below 60% in 2 consecutive closed quarters;
at least 1 overdue problem in the ledger; an inspection finding "发现问题" in the last 12 months.
"""

import datetime

from django.db import migrations

SOURCE = "《实施方案》二.4“开展党支部‘星级评定’工作……持续整顿软弱涣散党支部”"
DEFAULTS = [
    ("secretary_vacant", 3, 2),
    ("term_overdue", 1, 2),
    ("low_compliance", 60, 2),
    ("problems_overdue", 1, 2),
    ("inspection_problem", 12, 2),
]


def add_defaults(apps, schema_editor):
    WeakCriterion = apps.get_model("reviews", "WeakCriterion")
    for code, threshold, quarters in DEFAULTS:
        if not WeakCriterion.objects.filter(code=code).exists():
            WeakCriterion.objects.create(
                code=code,
                threshold=threshold,
                quarters=quarters,
                source=SOURCE,
                effective_from=datetime.date(2017, 1, 1),
            )


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0028_add_weak_branch_rectification"),
    ]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
