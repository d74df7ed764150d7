"""The 系统管理员 group may view (and export, 年度导出) the 党费 payments (`DuesPayment`).

`branches.services.ADMINISTRATOR_PERMISSIONS` gives new administrators the same right when their role is
granted; this brings the group of an existing database in step. The list is frozen here on purpose.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "系统管理员"
RIGHTS = {"activities": ["view_duespayment"]}


def _permissions(apps):
    Permission = apps.get_model("auth", "Permission")
    for app_label, codenames in RIGHTS.items():
        yield from Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=GROUP).first()
    if group is None:
        return  # no administrator yet: the first role grant creates the group with these rights
    for app_label in RIGHTS:
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("activities", "0010_add_dues_reduction_approval"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
