"""The default 党费 brackets: 中共中央组织部《关于中国共产党党费收缴、使用和管理的规定》（2008）.

In-service members by monthly income after tax (≤ 3,000 元 0.5 %, 3,000–5,000 1 %, 5,000–10,000 1.5 %,
> 10,000 2 %); retired members by monthly pension (≤ 5,000 元 0.5 %, > 5,000 1 %); farmers 0.2–1 元 a month;
students, unemployed members and members on 低保 0.2 元 a month. Written out here so this migration never
changes; administrators add later versions as new rows with a later effective date.
"""

import datetime
from decimal import Decimal

from django.db import migrations

SOURCE = "中共中央组织部《关于中国共产党党费收缴、使用和管理的规定》（2008年）"
FROM = datetime.date(2008, 1, 1)
D = Decimal
RULES = [
    # category, lower (exclusive), upper (inclusive), rate %, fixed amount, fixed amount ceiling
    ("in_service", None, D("3000.00"), D("0.50"), None, None),
    ("in_service", D("3000.00"), D("5000.00"), D("1.00"), None, None),
    ("in_service", D("5000.00"), D("10000.00"), D("1.50"), None, None),
    ("in_service", D("10000.00"), None, D("2.00"), None, None),
    ("retired", None, D("5000.00"), D("0.50"), None, None),
    ("retired", D("5000.00"), None, D("1.00"), None, None),
    ("farmer", None, None, None, D("0.20"), D("1.00")),
    ("student", None, None, None, D("0.20"), None),
    ("unemployed", None, None, None, D("0.20"), None),
    ("low_income", None, None, None, D("0.20"), None),
]


def install(apps, schema_editor):
    DuesRule = apps.get_model("activities", "DuesRule")
    for category, lower, upper, rate, amount, amount_max in RULES:
        DuesRule.objects.get_or_create(
            category=category,
            effective_from=FROM,
            lower=lower,
            defaults={"upper": upper, "rate": rate, "amount": amount, "amount_max": amount_max, "source": SOURCE},
        )


def uninstall(apps, schema_editor):
    apps.get_model("activities", "DuesRule").objects.filter(effective_from=FROM, source=SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [("activities", "0007_add_dues")]

    operations = [migrations.RunPython(install, uninstall)]
