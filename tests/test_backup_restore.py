"""scripts/backup and scripts/restore on PostgreSQL: a backup of the seeded demo restores into a fresh database
where verify_records passes and ID numbers decrypt with the kept key; a wrong key fails loudly, never quietly."""

import io
import os
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from tests.default_data import default_data_install

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="backups are pg_dump/pg_restore: PostgreSQL only"),
    pytest.mark.django_db(transaction=True),
]


def run(command: list[str], *, database: str, media: Path, **extra: str) -> subprocess.CompletedProcess:
    settings_dict = connection.settings_dict
    host, port, user = settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"] or "5432", settings_dict["USER"]
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": f"postgres://{user}@{host}:{port}/{database}",
        "MEDIA_ROOT": str(media),
        **extra,
    }
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600)


@pytest.fixture
def fresh_database():
    name = f"test_restore_{uuid.uuid4().hex[:10]}"
    params = connection.get_connection_params()
    params["dbname"] = "postgres"
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_it_restores_a_verified_backup_and_refuses_the_wrong_keys(tmp_path, fresh_database):
    default_data_install()  # a transactional test before this one may have flushed the data migrations' rows
    call_command("seed_demo", "--branches=3", "--seed=7", stdout=io.StringIO())
    media = tmp_path / "media"
    media.mkdir()
    (media / "meetings").mkdir()
    (media / "meetings" / "照片.jpg").write_bytes(b"\xff\xd8 a photo")
    backup = tmp_path / "backup"

    made = run(["scripts/backup", str(backup)], database=connection.settings_dict["NAME"], media=media)
    assert made.returncode == 0, made.stderr
    assert {path.name for path in backup.iterdir()} == {"database.dump", "media.tar", "KEYS.txt"}
    assert "FIELD_ENCRYPTION_KEY" in (backup / "KEYS.txt").read_text()

    restored_media = tmp_path / "restored-media"
    restored = run(["scripts/restore", str(backup)], database=fresh_database, media=restored_media)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "ID numbers decrypted and matched" in restored.stdout and "Restored and verified." in restored.stdout
    assert (restored_media / "meetings" / "照片.jpg").read_bytes() == b"\xff\xd8 a photo"

    # A second restore into the now full database is refused unless forced.
    again = run(["scripts/restore", str(backup)], database=fresh_database, media=restored_media)
    assert again.returncode != 0 and "is not empty" in again.stderr

    wrong_field_key = Fernet.generate_key().decode()
    checked = run(
        [".venv/bin/python", "manage.py", "check_keys"],
        database=fresh_database,
        media=restored_media,
        FIELD_ENCRYPTION_KEY=wrong_field_key,
    )
    assert checked.returncode != 0
    assert "FIELD_ENCRYPTION_KEY 无法读取" in checked.stderr

    verified = run(
        [".venv/bin/python", "manage.py", "verify_records"],
        database=fresh_database,
        media=restored_media,
        RECORDS_SIGNING_KEY="a-wrong-records-signing-key-0123456789abcdef",
    )
    assert verified.returncode != 0
    assert "RECORDS_SIGNING_KEY" in verified.stdout + verified.stderr
