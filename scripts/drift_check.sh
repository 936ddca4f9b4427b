#!/usr/bin/env bash
# Drift check: install the NEWEST versions pyproject.toml's ranges allow into a fresh venv and
# run lint and the whole suite there. `.ci/run` always installs the lock (requirements/dev.lock),
# so an upstream release that breaks logsieve shows here first, before the lock is refreshed
# and before a user's unpinned `pip install` meets it.
#   bash scripts/drift_check.sh [VENV_DIR]     (default: a temporary directory, removed after)
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
venv="${1:-$(mktemp -d)/drift-venv}"
python3 -m venv "$venv"
# shellcheck disable=SC1091
. "$venv/bin/activate"
pip install --quiet --upgrade pip
pip install --quiet --upgrade --upgrade-strategy eager -e '.[dev,ray,redis,server]'
echo "== drift: versions that differ from the lock"
pip freeze --exclude-editable | sed 's/==/ /' | while read -r name version; do
    locked=$(grep -iE "^${name//[-_.]/[-_.]}==" requirements/dev.lock | sed 's/.*==\([^ ]*\).*/\1/' || true)
    if [ -n "$locked" ] && [ "$locked" != "$version" ]; then echo "  $name $locked -> $version"; fi
done
echo "== drift: lint and tests on the newest allowed versions"
ruff check src tests benchmarks
mypy
python -m pytest -q
