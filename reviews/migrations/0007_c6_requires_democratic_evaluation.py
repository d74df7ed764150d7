"""Rule C6 becomes 组织生活会 held AND 民主评议党员 decided (seed §二.3), as a new version of the rule in force from
2026-01-01; the old version ends the day before, so the years already judged keep the rule they were judged by.

The data is written out here so that this migration never changes.
"""

import datetime

from django.db import migrations

CUT = datetime.date(2026, 1, 1)
NEW = {
    "title": "每年召开一次组织生活会，开展民主评议党员",
    "source": "《实施方案》二.3：民主生活会和组织生活会要严肃认真开展批评和自我批评；要坚持开展民主评议党员",
    "condition": "with_democratic_evaluation",
    "missing_text": "未召开组织生活会或未完成民主评议党员",
}


def revise(apps, schema_editor):
    Rule = apps.get_model("reviews", "Rule")
    current = Rule.objects.filter(
        rule_set__code="beijing-2017", code="C6", scope="branch", effective_to__isnull=True
    ).first()
    if current is None or current.condition == NEW["condition"]:
        return
    if current.effective_from >= CUT:  # not in force before the cut: edited in place, as rule_revise does
        for name, value in NEW.items():
            setattr(current, name, value)
        current.save()
        return
    current.effective_to = CUT - datetime.timedelta(days=1)
    current.save(update_fields=["effective_to"])
    Rule.objects.create(
        rule_set_id=current.rule_set_id,
        code=current.code,
        scope=current.scope,
        categories=current.categories,
        period=current.period,
        kinds=current.kinds,
        min_count=current.min_count,
        window_start_month=current.window_start_month,
        window_start_day=current.window_start_day,
        window_end_month=current.window_end_month,
        window_end_day=current.window_end_day,
        effective_from=CUT,
        previous=current,
        **NEW,
    )


def unrevise(apps, schema_editor):
    Rule = apps.get_model("reviews", "Rule")
    for rule in Rule.objects.filter(rule_set__code="beijing-2017", code="C6", condition=NEW["condition"]):
        previous = rule.previous
        if previous is None or rule.results.exists():
            continue
        rule.delete()
        previous.effective_to = None
        previous.save(update_fields=["effective_to"])


class Migration(migrations.Migration):
    dependencies = [("reviews", "0006_add_democratic_evaluation_condition")]

    operations = [migrations.RunPython(revise, unrevise)]
