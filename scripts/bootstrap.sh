#!/usr/bin/env bash
# Prepare a fresh machine: the project virtualenv (.venv) with the package and its dev extras,
# and the pinned Pulumi CLI. Idempotent and fast on a rerun. Source it to get PATH and VENV set.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"

say() { printf '==> %s\n' "$*" >&2; }

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "bootstrap: Python >= 3.10 is required (found: $("$PYTHON" --version 2>&1))" >&2
  exit 1
fi

stamp_src="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)"
stamp="$VENV/.installed-$stamp_src"
if [ ! -f "$stamp" ]; then
  say "creating the virtualenv in .venv and installing pulumi-personal-data[dev]"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[dev]"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
else
  say "virtualenv .venv is up to date"
fi

say "installing or finding the pinned Pulumi CLI"
PULUMI_BIN_DIR="$("$ROOT/scripts/install-pulumi.sh" | tail -n 1)"
export PULUMI_PERSONAL_DATA_PULUMI_BIN_DIR="$PULUMI_BIN_DIR"
export PATH="$PULUMI_BIN_DIR:$VENV/bin:$PATH"
export VENV
