"""The apps' layers hold, and the check that guards them fails on a forbidden import (pyproject.toml,
[tool.importlinter]). Runs import-linter on a copy of the project so the working tree is never touched."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("portal", "branches", "notifications", "study", "activities", "reviews", "demo")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is installed by ./scripts/test")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def project_copy(tmp_path) -> Path:
    for app in APPS:
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_it_keeps_the_layers_of_the_project_as_it_is(project_copy):
    result = lint_imports(project_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Apps depend downward only KEPT" in result.stdout


@pytest.mark.parametrize(
    ("module", "source", "broken"),
    [
        ("branches/probe.py", "from reviews.models import Rule\n", "branches is not allowed to import reviews"),
        (
            "study/probe.py",
            "def late():\n    from activities.models import Meeting\n\n    return Meeting\n",
            "study is not allowed to import activities",
        ),
        ("portal/probe.py", "import branches.models\n", "portal is not allowed to import branches"),
        ("reviews/probe.py", "from demo import tree\n", "reviews is not allowed to import demo"),
    ],
)
def test_it_fails_on_an_upward_import_even_inside_a_function(project_copy, module, source, broken):
    (project_copy / module).write_text(source)
    result = lint_imports(project_copy)
    assert result.returncode != 0
    assert broken in result.stdout
