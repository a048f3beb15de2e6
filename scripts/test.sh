#!/usr/bin/env bash
# The whole test suite: ruff, mypy --strict, then pytest (emulator, provider and end-to-end
# tests through the real Pulumi CLI). Extra arguments go to pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/bootstrap.sh
source "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"

echo "==> ruff"
"$VENV/bin/ruff" check .
echo "==> mypy --strict"
"$VENV/bin/mypy"
echo "==> pytest"
exec "$VENV/bin/pytest" -n "${PYTEST_WORKERS:-2}" "$@"
