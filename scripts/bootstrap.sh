# Shared set-up for scripts/start and scripts/test (sourced, not run on its own).
#
# Every step is idempotent and quick when there is nothing to do: system packages are
# installed only when missing, Python packages only when pyproject.toml changed since
# the last install.

PORTAL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$PORTAL_ROOT/.venv"
cd "$PORTAL_ROOT"

# What the portal needs at run time: a CJK font, harfbuzz-subset and pango (WeasyPrint PDFs),
# gettext (compilemessages). The Dockerfile installs the same list; tests/test_deploy.py checks it.
RUNTIME_PACKAGES=(fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 gettext)
# What only the tests need: the browser Playwright drives, docker-compose to validate
# docker-compose.yml, poppler-utils to read generated PDFs.
TEST_PACKAGES=(chromium docker-compose poppler-utils)

say() { printf '==> %s\n' "$*"; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# ensure_system_packages PACKAGE...: apt-get install those that are missing (update once, first).
ensure_system_packages() {
  local missing=() package
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$package")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0

  command -v apt-get >/dev/null 2>&1 ||
    die "missing system packages: ${missing[*]}. These scripts install them with apt-get on Debian/Ubuntu; elsewhere install them by hand."
  local as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 ||
      die "missing system packages: ${missing[*]}. Run this script as root or install sudo, or install them yourself: apt-get install --no-install-recommends ${missing[*]}"
    as_root=(sudo)
  fi
  say "Installing system packages: ${missing[*]}"
  if [ -z "${PORTAL_APT_UPDATED:-}" ]; then
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    PORTAL_APT_UPDATED=1
  fi
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

python_is_recent() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

# find_python: set PYTHON to an interpreter >= 3.12; the version in .python-version through pyenv first.
find_python() {
  local wanted pyenv_bin prefix candidate
  wanted="$(tr -d '[:space:]' <.python-version 2>/dev/null || true)"
  pyenv_bin="$(command -v pyenv 2>/dev/null || true)"
  if [ -z "$pyenv_bin" ] && [ -x "${PYENV_ROOT:-$HOME/.pyenv}/bin/pyenv" ]; then
    pyenv_bin="${PYENV_ROOT:-$HOME/.pyenv}/bin/pyenv"
  fi
  if [ -n "$wanted" ] && [ -n "$pyenv_bin" ]; then
    prefix="$("$pyenv_bin" prefix "$wanted" 2>/dev/null || true)"
    if [ -n "$prefix" ] && python_is_recent "$prefix/bin/python3"; then
      PYTHON="$prefix/bin/python3"
      return 0
    fi
  fi
  for candidate in python3.13 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && python_is_recent "$candidate"; then
      PYTHON="$("$candidate" -c 'import sys; print(sys.executable)')"
      return 0
    fi
  done
  die "no Python 3.12 or newer found (the portal runs on Django 6, which needs it; .python-version asks for ${wanted:-3.13}).
  Install one, then run this script again:
    - with pyenv: pyenv install 3.13
    - Debian 13 or Ubuntu 24.04 and newer: apt-get install python3 python3-venv
    - Debian 12 ships Python 3.11 only: use pyenv."
}

# ensure_venv: .venv with the project installed (editable, with the dev extras).
ensure_venv() {
  if [ -x "$VENV/bin/python" ] && ! python_is_recent "$VENV/bin/python"; then
    say "Removing .venv: its Python is older than 3.12"
    rm -rf "$VENV"
  fi
  if ! "$VENV/bin/python" -c 'import pip' >/dev/null 2>&1; then
    find_python
    say "Creating .venv with $("$PYTHON" --version) ($PYTHON)"
    "$PYTHON" -m venv --clear "$VENV" ||
      die "could not create .venv with $PYTHON. On Debian/Ubuntu the venv module is a package of its own: apt-get install python3-venv (or python3.X-venv for that version)."
  fi
  local stamp="$VENV/.portal-install-stamp" wanted
  wanted="$({
    cat pyproject.toml
    "$VENV/bin/python" --version
  } | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null || true)" != "$wanted" ]; then
    say "Installing Python packages into .venv (pyproject.toml changed since the last install)"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -e ".[dev]"
    printf '%s\n' "$wanted" >"$stamp"
  fi
}

# compile_messages: build the .mo catalogues when the project has translations.
compile_messages() {
  if [ -n "$(find locale -name '*.po' -print -quit 2>/dev/null)" ]; then
    say "Compiling translations"
    "$VENV/bin/python" manage.py compilemessages --ignore=.venv -v 0
  fi
}
