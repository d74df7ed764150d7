import django.utils.timezone
from django.db import migrations, models


def established_from_created(apps, schema_editor):
    """A group already in the portal was set up on the day it was entered, as far as the portal knows."""
    PartyGroup = apps.get_model("branches", "PartyGroup")
    groups = list(PartyGroup.objects.only("pk", "created_at"))
    for group in groups:
        group.established_on = django.utils.timezone.localdate(group.created_at)
    PartyGroup.objects.bulk_update(groups, ["established_on"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0001_initial_tree_members_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="partygroup",
            name="dissolved_on",
            field=models.DateField(
                blank=True,
                help_text="撤销当天起不再按党小组考核，组员转为不编入党小组。",
                null=True,
                verbose_name="撤销日期",
            ),
        ),
        migrations.AddField(
            model_name="partygroup",
            name="established_on",
            field=models.DateField(null=True, verbose_name="成立日期"),
        ),
        migrations.RunPython(established_from_created, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="partygroup",
            name="established_on",
            field=models.DateField(default=django.utils.timezone.localdate, verbose_name="成立日期"),
        ),
        migrations.AddConstraint(
            model_name="partygroup",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("dissolved_on__isnull", True), ("dissolved_on__gt", models.F("established_on")), _connector="OR"
                ),
                name="group_dissolved_after_established",
            ),
        ),
    ]
