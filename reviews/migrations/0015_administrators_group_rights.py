"""The 系统管理员 group gets the admin rights it lacked: meetings and attendance, talks and commitments,
notifications, rules and rule sets, compliance results, 民主评议 campaigns, grades and settings, 述职评议考核.

`branches.services.ADMINISTRATOR_PERMISSIONS` gives new administrators the same rights when their role is
granted; this brings the group of an existing database in step. The list is frozen here on purpose.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "系统管理员"


def _view(*models):
    return [f"view_{model}" for model in models]


RIGHTS = {
    "notifications": _view("notification", "reminder"),
    "activities": [
        *_view("meeting", "attendance", "meetingattachment", "meetingversion", "hearttalk", "commitment"),
        *_view("pioneerpost"),
        "change_meeting",
    ],
    "reviews": [
        *(f"{action}_{model}" for model in ("ruleset", "rule") for action in ("view", "add", "change", "delete")),
        *_view("complianceresult", "compliancerollup", "memberflag", "evaluationcampaign", "gradeproposal"),
        *_view("gradepolicy", "dutyreportround", "dutyreport", "dutyassessment"),
    ],
}


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
        # Permissions are created after the migrations run; models added in this run need them now.
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
        ("activities", "0005_add_democratic_evaluation_kind"),
        ("notifications", "0003_add_evaluation_pending_reminder"),
        ("reviews", "0014_add_duty_report_rounds"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
