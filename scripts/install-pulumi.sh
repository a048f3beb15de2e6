#!/usr/bin/env bash
# Install (or find) the pinned Pulumi CLI and the Python dynamic-provider shim; print the bin dir.
#
# Order of preference:
#   1. a `pulumi` already on PATH at the pinned version (with its plugins beside it);
#   2. a previous install in the cache directory (a rerun takes well under 5 seconds);
#   3. with `go` available: a build from Go modules through tools/pulumi-cli (the wrapper module
#      that pins github.com/pulumi/pulumi/pkg/v3), version stamped with -ldflags, the shims copied
#      from the sdk/v3 module and marked executable;
#   4. otherwise the official installer script.
# The last line of stdout is the directory holding `pulumi`; progress goes to stderr.
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-3.276.0}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_ROOT="${PULUMI_PERSONAL_DATA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-personal-data}"
DEST="$CACHE_ROOT/pulumi-v$PULUMI_VERSION"
BIN="$DEST/bin"
SHIM=pulumi-resource-pulumi-python

log() { printf 'install-pulumi: %s\n' "$*" >&2; }

complete() {  # $1 = bin dir; true when it holds the pinned CLI and the shim
  [ -x "$1/pulumi" ] && [ -x "$1/$SHIM" ] && [ "$("$1/pulumi" version 2>/dev/null)" = "v$PULUMI_VERSION" ]
}

if command -v pulumi >/dev/null 2>&1; then
  onpath="$(dirname "$(command -v pulumi)")"
  if complete "$onpath" || { [ "$(pulumi version 2>/dev/null)" = "v$PULUMI_VERSION" ] && command -v "$SHIM" >/dev/null; }; then
    log "using pulumi v$PULUMI_VERSION from PATH ($onpath)"
    echo "$onpath"
    exit 0
  fi
fi

if complete "$BIN"; then
  log "using cached pulumi v$PULUMI_VERSION ($BIN)"
  echo "$BIN"
  exit 0
fi

mkdir -p "$BIN"
if command -v go >/dev/null 2>&1; then
  log "building pulumi v$PULUMI_VERSION from Go modules (first run only; several minutes on 2 cores)"
  cd "$ROOT/tools/pulumi-cli"
  go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  sdkdir="$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
  for f in "python/dist/$SHIM" "python/cmd/pulumi-language-python-exec"; do
    install -m 0755 "$sdkdir/$f" "$BIN/$(basename "$f")"
  done
  mv "$BIN/pulumi.tmp" "$BIN/pulumi"
else
  log "no go toolchain; using the official installer for v$PULUMI_VERSION"
  curl -fsSL https://get.pulumi.com | sh -s -- --version "$PULUMI_VERSION" --install-root "$DEST" --no-edit-path >&2
fi

if ! complete "$BIN"; then
  log "installation at $BIN is incomplete"
  exit 1
fi
log "installed pulumi $("$BIN/pulumi" version) into $BIN"
echo "$BIN"
