#!/usr/bin/env bash
# The main job: the offboarding stack through the real Pulumi CLI against the local Graph emulator.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/bootstrap.sh
source "$ROOT/scripts/bootstrap.sh"
exec "$VENV/bin/python" "$ROOT/scripts/demo.py" "$@"
