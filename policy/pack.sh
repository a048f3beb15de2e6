#!/bin/sh
# Launches this policy pack as a binary analyzer plugin: `pulumi preview --policy-pack policy/pack.sh`.
#
# A Pulumi CLI without the Python language host (one built from Go modules) cannot run a policy
# pack directory; it can run an executable, which the engine starts with its address as the only
# argument. The Python SDK's own `pulumi.policy` module then boots the pack in this directory.
# With an official installation, `--policy-pack policy` (the directory) works as usual.
here="$(cd "$(dirname "$0")" && pwd)"
if [ -n "${PULUMI_RUNTIME_VIRTUALENV:-}" ] && [ -x "$PULUMI_RUNTIME_VIRTUALENV/bin/python" ]; then
    py="$PULUMI_RUNTIME_VIRTUALENV/bin/python"
else
    py="${PULUMI_PYTHON_CMD:-python3}"
fi
cd "$here" && exec "$py" -u -m pulumi.policy "$1" "$here"
