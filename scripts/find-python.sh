#!/bin/sh
# Print the path of a Python interpreter >= 3.12 (Django 6 needs it), or fail with a clear message.
# Looks at $PYTHON, the usual names on PATH, then pyenv and /usr/local installs.
set -u
check() {
    "$1" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}
for candidate in ${PYTHON:-} python3.14 python3.13 python3.12 python3 python \
    /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9] \
    "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && check "$candidate"; then
        command -v "$candidate"
        exit 0
    fi
done
echo "No Python >= 3.12 found. Install one (e.g. 'apt-get install python3.12' or pyenv) or set PYTHON=/path/to/python3.12." >&2
exit 1
