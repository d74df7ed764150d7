"""Print the settings scripts/backup and scripts/restore need, as shell assignments (PG* variables for
pg_dump/pg_restore, MEDIA_ROOT), read from the same environment and .env as the portal itself."""

import shlex

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Print PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and MEDIA_ROOT as shell assignments."

    def handle(self, *args: object, **options: object) -> None:
        database = settings.DATABASES["default"]
        if "postgresql" not in database["ENGINE"]:
            raise CommandError(
                "备份需要 PostgreSQL（DATABASE_URL=postgres://…）；SQLite 数据库请直接复制其文件。"
                " Backups need PostgreSQL (DATABASE_URL=postgres://…); copy an SQLite file instead."
            )
        values = {
            "PGHOST": database.get("HOST") or "",
            "PGPORT": str(database.get("PORT") or ""),
            "PGUSER": database.get("USER") or "",
            "PGPASSWORD": database.get("PASSWORD") or "",
            "PGDATABASE": database["NAME"],
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        }
        for name, value in values.items():
            self.stdout.write(f"export {name}={shlex.quote(value)}")
