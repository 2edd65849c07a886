#!/usr/bin/env bash
# Create .venv with Python 3.10, install the locked dependencies and the project (editable). Idempotent: when
# requirements.txt and constraints.txt are unchanged since the last install it does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
stamp="$venv/.installed"
want=$(cat requirements.txt constraints.txt pyproject.toml | sha256sum | cut -d' ' -f1)

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then
  python=$(scripts/find-python.sh)
  echo "Creating $venv with $python"
  rm -rf "$venv"
  "$python" -m venv "$venv"
fi

echo "Installing dependencies (first time: a few minutes; TensorFlow is large)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pip==24.3.1"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
# The project itself, editable: `import bot` works from every script and test without any
# sys.path edit; setuptools comes from the environment, so nothing more is downloaded.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
"$venv/bin/python" -m pip check
echo "$want" > "$stamp"
