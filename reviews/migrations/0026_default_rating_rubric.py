"""The default 星级评定 rubric: eight items from the portal's own records, five levels.

Source: seed §二.4, line 52 of liangxue-yizuo-beijing-2017.txt (开展党支部“星级评定”工作，通过实践创星、评级定星、
晋位升星等方式). The seed names the rating but no items, weights or thresholds: these are the portal's defaults,
which administrators replace with a new version from a later date.
"""

import datetime

from django.db import migrations

DEFAULT_NAME = "党支部星级评定标准（默认）"
DEFAULT_SOURCE = (
    "中共北京市委《关于推进“两学一做”学习教育常态化制度化的实施方案》（2017）二.4："
    "开展党支部“星级评定”工作，通过实践创星、评级定星、晋位升星等方式（原文第52行）"
)
DEFAULT_ITEMS = {
    "compliance": 30,
    "missed": 10,
    "plan_filed": 10,
    "study": 10,
    "talks": 10,
    "evaluation": 10,
    "problems": 10,
    "structure": 10,
}
DEFAULT_THRESHOLDS = [0, 60, 70, 80, 90]


def add_default_rubric(apps, schema_editor):
    RatingRubric = apps.get_model("reviews", "RatingRubric")
    RatingRubric.objects.get_or_create(
        organization=None,
        effective_from=datetime.date(2017, 1, 1),
        defaults={
            "name": DEFAULT_NAME,
            "source": DEFAULT_SOURCE,
            "items": DEFAULT_ITEMS,
            "thresholds": DEFAULT_THRESHOLDS,
        },
    )


def remove_default_rubric(apps, schema_editor):
    RatingRubric = apps.get_model("reviews", "RatingRubric")
    RatingRubric.objects.filter(organization=None, effective_from=datetime.date(2017, 1, 1), ratings=None).delete()


class Migration(migrations.Migration):
    dependencies = [("reviews", "0025_add_star_ratings")]

    operations = [migrations.RunPython(add_default_rubric, remove_default_rubric)]
