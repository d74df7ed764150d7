"""Test helpers for the append-only record chain (activities_recordchainentry)."""

import importlib

from django.db import connection

from activities.models import RecordChainEntry

_migration = importlib.import_module("activities.migrations.0004_record_chain_append_only")


def chain_triggers() -> list[str]:
    """Names of the triggers on the chain table in this test database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [_migration.TABLE],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [_migration.TABLE]
            )
        return sorted(row[0] for row in cursor.fetchall())


def chain_wipe() -> None:
    """Delete every chain entry, as only a test may: the triggers are removed for the deletion and put back."""
    forward, reverse = _migration.STATEMENTS[connection.vendor]
    with connection.cursor() as cursor:
        for statement in reverse:
            cursor.execute(statement)
        RecordChainEntry.objects.all().delete()
        for statement in forward:
            cursor.execute(statement)
