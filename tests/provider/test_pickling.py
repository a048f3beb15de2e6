"""The serialized provider: tiny, by reference, secret-free after configure, loadable in a fresh process."""

from __future__ import annotations

import base64
import subprocess
import sys

from pulumi.dynamic.dynamic import serialize_provider

from pulumi_personal_data import RemovalProvider
from pulumi_personal_data.resource import _PROVIDER
from tests.support import TENANT_ID, WRITER, configured_provider


def test_serialized_provider_is_a_small_reference() -> None:
    text = serialize_provider(RemovalProvider())
    assert len(text) < 200
    raw = base64.b64decode(text)
    assert b"pulumi_personal_data.provider" in raw and b"RemovalProvider" in raw
    assert b"def " not in raw and b"requests" not in raw  # by reference, not by value


def test_configure_adds_nothing_to_the_pickle() -> None:
    secret = WRITER["secrets"][0]
    provider = configured_provider(
        {
            "azuread:tenantId": TENANT_ID,
            "azuread:clientId": WRITER["appId"],
            "azuread:clientSecret": secret,
            "personaldata:accessToken": "eyJhbGciOiJub25lIn0.e30.secret-token",
        }
    )
    after = serialize_provider(provider)
    assert after == serialize_provider(RemovalProvider())
    raw = base64.b64decode(after)
    assert secret.encode() not in raw and b"secret-token" not in raw


def test_the_shared_provider_is_not_a_secret_and_loads_in_a_fresh_process() -> None:
    assert RemovalProvider.serialize_as_secret_always is False
    text = serialize_provider(_PROVIDER)
    code = (
        "import base64, sys, dill; p = dill.loads(base64.b64decode(sys.argv[1])); "
        "print(type(p).__module__ + '.' + type(p).__name__, p._runtime)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, text], check=True, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.strip() == "pulumi_personal_data.provider.RemovalProvider None"


def test_serializing_for_thousands_of_resources_does_not_recurse() -> None:
    # pulumi's serialize_provider leaves one more wrapper around pickle._Pickler._batch_setitems
    # per call; state dicts walk all of them. Run in a fresh process so earlier tests don't count.
    code = (
        "from pulumi.dynamic.dynamic import serialize_provider\n"
        "from pulumi_personal_data.resource import _PROVIDER\n"
        "sizes = {len(serialize_provider(_PROVIDER)) for _ in range(3000)}\n"
        "print(sorted(sizes))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-500:]
    assert len(out.stdout.strip().strip("[]").split(",")) == 1  # the same bytes every time
