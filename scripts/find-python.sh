#!/usr/bin/env bash
# Print the path of a working Python 3.10 (Rasa 3.6 supports 3.8 to 3.10; we standardise on 3.10).
# Order: $PYTHON if set, python3.10 on PATH, pyenv's installed 3.10.x, then common locations.
# A pyenv shim that exists but is not selected fails the check and is skipped.
set -u

works() { [ -n "$1" ] && "$1" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; }

candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null)
  for dir in $(ls -d "$root"/versions/3.10.* 2>/dev/null | sort -V -r); do
    candidates+=("$dir/bin/python3.10")
  done
fi
candidates+=("$HOME/.pyenv/versions/3.10.13/bin/python3.10" /usr/local/bin/python3.10 /usr/bin/python3.10)

for candidate in "${candidates[@]}"; do
  if works "$candidate"; then
    echo "$candidate"
    exit 0
  fi
done

cat >&2 <<'MSG'
error: no Python 3.10 found. Rasa 3.6 needs Python 3.10 (3.11 and newer are not supported).
Install one of:
  - pyenv:   pyenv install 3.10.13        (then run make again; no need to select it)
  - Debian/Ubuntu: apt-get install python3.10 python3.10-venv   (where your release has it)
or point to an existing interpreter:   make test PYTHON=/path/to/python3.10
MSG
exit 1
