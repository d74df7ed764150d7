"""Deployment files: the production configuration passes Django's deploy checks, the compose file is
valid and refuses to start without its secrets, the image installs what the set-up script installs."""

import base64
import http.server
import json
import re
import secrets
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings

from tests.test_settings import clean_environment

ROOT = Path(settings.BASE_DIR)
SECRETS = ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "RECORDS_SIGNING_KEY", "POSTGRES_PASSWORD", "EMAIL_HOST_PASSWORD")


def _env_example() -> dict[str, str]:
    """The uncommented `NAME=value` lines of .env.example."""
    values = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        match = re.match(r"([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            values[match.group(1)] = match.group(2)
    return values


def _production_env() -> dict[str, str]:
    """.env.example with its empty secrets filled in, as an operator does before the first start."""
    values = _env_example()
    values |= {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "RECORDS_SIGNING_KEY": secrets.token_hex(32),
        "POSTGRES_PASSWORD": secrets.token_hex(24),
        "EMAIL_HOST_PASSWORD": secrets.token_urlsafe(16),
    }
    return values


def _manage(*arguments: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=clean_environment(DJANGO_SETTINGS_MODULE="portal.settings.base", **environment),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_it_ships_no_secret_in_env_example():
    values = _env_example()
    for name in SECRETS:
        assert values.get(name) == "", f"{name} must be present and empty in .env.example"
    assert values["DEBUG"] == "false"
    assert values["PORTAL_MFA_REQUIRED"] == "true"


def test_it_passes_the_deploy_checks_with_the_production_configuration(tmp_path):
    environment = _production_env() | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "redis://redis:6379/0",
    }
    result = _manage("check", "--deploy", "--fail-level", "WARNING", environment=environment)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_it_fails_the_deploy_checks_with_debug_on(tmp_path):
    environment = _production_env() | {"DEBUG": "true", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", environment=environment)
    assert result.returncode != 0
    assert "security.W018" in result.stderr


def test_it_collects_static_files_as_the_image_build_does(tmp_path):
    """The Dockerfile runs collectstatic with hashed file names; a file that a stylesheet names but that is
    missing (a source map, a font) breaks it. Django's manifest storage does the same check as whitenoise's,
    without the compression that would make this test slow."""
    environment = _production_env() | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
    }
    result = _manage("collectstatic", "--noinput", "-v", "0", environment=environment)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text(encoding="utf-8"))
    assert "portal/css/portal.css" in manifest["paths"]


def _compose(tmp_path: Path, values: dict[str, str], *arguments: str) -> subprocess.CompletedProcess:
    """docker-compose on a copy of docker-compose.yml with this .env beside it (no Docker engine needed)."""
    executable = shutil.which("docker-compose")
    if executable is None:
        pytest.skip("docker-compose is not installed (./scripts/test installs Debian's docker-compose)")
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    (tmp_path / ".env").write_text("".join(f"{name}={value}\n" for name, value in values.items()), encoding="utf-8")
    return subprocess.run(
        [executable, "--project-directory", str(tmp_path), "-f", str(tmp_path / "docker-compose.yml"), *arguments],
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_validates_the_compose_file(tmp_path):
    result = _compose(tmp_path, _production_env(), "config", "-q")
    assert result.returncode == 0, result.stderr
    services = _compose(tmp_path, _production_env(), "config", "--services")
    assert set(services.stdout.split()) == {"postgres", "redis", "web", "worker", "beat"}


def test_it_gives_every_long_running_service_a_health_check(tmp_path):
    result = _compose(tmp_path, _production_env(), "config")
    assert result.returncode == 0, result.stderr
    blocks = re.split(r"^  (\w+):\n", result.stdout.split("\nvolumes:")[0], flags=re.M)
    services = dict(zip(blocks[1::2], blocks[2::2], strict=True))
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck:" in services[name], name
    assert "/app/scripts/healthcheck" in services["web"]
    assert "DEBUG: 'false'" in services["web"] or 'DEBUG: "false"' in services["web"]
    assert "REDIS_URL: redis://redis:6379/0" in services["worker"]


@pytest.mark.parametrize(
    "name", ["SECRET_KEY", "FIELD_ENCRYPTION_KEY", "RECORDS_SIGNING_KEY", "ALLOWED_HOSTS", "POSTGRES_PASSWORD"]
)
def test_it_refuses_to_start_the_compose_file_without_a_required_value(tmp_path, name):
    values = _production_env()
    del values[name]
    result = _compose(tmp_path, values, "config", "-q")
    assert result.returncode != 0
    assert f"set {name} in .env" in result.stderr


def test_it_installs_the_same_system_packages_in_the_image_as_the_set_up_script():
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    set_up = set(re.search(r"^RUNTIME_PACKAGES=\(([^)]*)\)", bootstrap, re.M).group(1).split())
    image = set(re.search(r"apt-get install -y --no-install-recommends ([^&]+)&&", dockerfile).group(1).split())
    assert {"fonts-noto-cjk", "libharfbuzz-subset0", "gettext"} <= set_up
    assert image == set_up


def test_it_keeps_secrets_and_local_state_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".env", ".venv", "db.sqlite3", "media/", ".git"} <= ignored


class _FakePortal(http.server.BaseHTTPRequestHandler):
    """Answers like /healthz/ with the status in `answer`, and remembers the Host header it got."""

    answer = 200
    hosts: list[str] = []

    def do_GET(self):
        type(self).hosts.append(self.headers["Host"])
        body = json.dumps({"status": "ok" if self.answer == 200 else "error"}).encode()
        self.send_response(self.answer)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_portal():
    server = http.server.HTTPServer(("127.0.0.1", 0), _FakePortal)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FakePortal.hosts = []
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def _healthcheck(url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "healthcheck"), url],
        env=clean_environment(ALLOWED_HOSTS=".portal.example.org,localhost"),
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize(("answer", "exit_code"), [(200, 0), (503, 1)])
def test_it_passes_the_container_health_check_only_on_200(fake_portal, monkeypatch, answer, exit_code):
    monkeypatch.setattr(_FakePortal, "answer", answer)
    result = _healthcheck(f"http://127.0.0.1:{fake_portal.server_port}/healthz/")
    assert result.returncode == exit_code, result.stdout + result.stderr
    assert result.stdout.startswith(str(answer))
    # Django answers only to ALLOWED_HOSTS, so the check names the first of them.
    assert _FakePortal.hosts == ["portal.example.org"]


def test_it_fails_the_container_health_check_when_nothing_answers():
    result = _healthcheck("http://127.0.0.1:1/healthz/")
    assert result.returncode == 1
    assert "unhealthy" in result.stdout
