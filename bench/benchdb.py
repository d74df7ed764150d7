"""Set-up shared by the benchmark scripts: environment, database creation, Django.

The benchmarks run the production settings (`portal.settings.base`) with
DEBUG off, against the PostgreSQL database named by DATABASE_URL, which is
created when missing. Two-factor enrolment is switched off for the run
(PORTAL_MFA_REQUIRED=false): the benchmarks time pages, not the login.
"""

import os
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/lxyz_bench"


def configure_environment() -> str:
    """Environment for a production-like run; returns DATABASE_URL."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.base"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
    # Production settings refuse to start without it; filed records are signed during the runs.
    os.environ.setdefault("RECORDS_SIGNING_KEY", "bench-only-records-signing-key-0123456789abcdef")
    os.environ["PORTAL_MFA_REQUIRED"] = "false"
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    # No collectstatic needed: plain static storage (the manifest storage needs collected files).
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # whitenoise warns when STATIC_ROOT does not exist; the benchmarks serve nothing from it.
    static_root = Path(tempfile.gettempdir()) / "lxyz-bench-static"
    static_root.mkdir(exist_ok=True)
    os.environ["STATIC_ROOT"] = str(static_root)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return os.environ["DATABASE_URL"]


# Run first in a process that serves another checkout (bench_load's gunicorn for `--before`): the virtual
# environment's editable install maps the project's packages to the checkout it was made from, and would lend that
# checkout's modules (a template tag library, say) to the other one.
FORGET_EDITABLE_INSTALL = (
    "import sys; sys.meta_path[:] = [finder for finder in sys.meta_path if '__editable__' not in "
    "getattr(finder, '__module__', '') and '__editable__' not in getattr(finder, '__name__', '')]"
)


def use_checkout(path: Path) -> None:
    """Import the project's packages from `path` (another checkout) in this process, never from this one."""
    exec(FORGET_EDITABLE_INSTALL)  # noqa: S102  # our own constant
    global ROOT
    ROOT = path.resolve()
    sys.path.insert(0, str(ROOT))
    # Celery's Django fix-up puts the working directory first on sys.path when the app is made.
    os.chdir(ROOT)


def ensure_database(url: str, *, recreate: bool = False) -> None:
    """Create the PostgreSQL database named in `url` if it does not exist (drop it first if `recreate`)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(f"The benchmarks need PostgreSQL; DATABASE_URL is {url!r}.")
    name = parts.path.lstrip("/")
    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and recreate:
            connection.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def setup_django(*, migrate: bool = True) -> None:
    import django
    from django.core.management import call_command

    django.setup()
    if migrate:
        call_command("migrate", verbosity=0)


def postgres_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f", {int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
                break
    except OSError:
        pass
    load = ", load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    return f"{os.cpu_count()} CPUs ({cpu}){memory}, Python {sys.version.split()[0]}{load}"


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 20 runs is the 19th fastest)."""
    ordered = sorted(values)
    rank = max(1, -(-int(fraction * 100) * len(ordered) // 100))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)
