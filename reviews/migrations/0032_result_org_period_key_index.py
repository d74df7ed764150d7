"""A covering index for the 情况通报 (reviews.compliance.circular): the subtree's results of a few periods are
read from the subtree's organisations (path prefix index) into this index, index-only, instead of a scan of
the whole result table. PostgreSQL only (SQLite has no INCLUDE); not part of the model state."""

from django.db import migrations

INDEX = "result_org_key_cover_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON reviews_complianceresult (organization_id, period_key)"
            " INCLUDE (period_end, is_met)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0031_interviews"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
