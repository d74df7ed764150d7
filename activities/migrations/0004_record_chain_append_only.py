"""The record chain is append-only in the database itself: UPDATE and DELETE on activities_recordchainentry are
refused by a trigger (PostgreSQL: a PL/pgSQL function raising an error; SQLite: RAISE(ABORT)). Signatures, not the
trigger, make tampering evident; the trigger keeps a mistaken or naive write from touching the chain at all.

On SQLite, a later migration that rebuilds this table (Django's SQLite schema editor copies it into a new table)
drops the triggers: such a migration must create them again (tests/activities/test_record_chain.py checks that
they are in place)."""

from django.db import migrations

TABLE = "activities_recordchainentry"
MESSAGE = "activities_recordchainentry is append-only: UPDATE and DELETE are refused"

POSTGRESQL_FORWARD = [
    f"""
    CREATE FUNCTION record_chain_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE} (%)', TG_OP USING ERRCODE = 'restrict_violation';
    END;
    $$
    """,
    f"""
    CREATE TRIGGER record_chain_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION record_chain_refuse_change()
    """,
]
POSTGRESQL_REVERSE = [
    f"DROP TRIGGER IF EXISTS record_chain_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS record_chain_refuse_change()",
]
SQLITE_FORWARD = [
    f"CREATE TRIGGER record_chain_no_update BEFORE UPDATE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER record_chain_no_delete BEFORE DELETE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS record_chain_no_update",
    "DROP TRIGGER IF EXISTS record_chain_no_delete",
]
STATEMENTS = {
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_REVERSE),
    "sqlite": (SQLITE_FORWARD, SQLITE_REVERSE),
}


def _run(schema_editor, *, forward: bool) -> None:
    statements = STATEMENTS.get(schema_editor.connection.vendor)
    if statements is None:  # another database: no trigger; the signatures still make tampering evident
        return
    for statement in statements[0] if forward else statements[1]:
        schema_editor.execute(statement, params=None)


def install(apps, schema_editor) -> None:
    _run(schema_editor, forward=True)


def remove(apps, schema_editor) -> None:
    _run(schema_editor, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0003_add_record_chain_entry"),
    ]

    operations = [
        migrations.RunPython(install, remove, elidable=False),
    ]
