"""Four worker threads (as in the provider process) share one provider and one connection pool."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorServer
from tests.support import configured_provider, removal_posts, stack_config

pytestmark = pytest.mark.usefixtures("trust_emulator")


def test_four_threads_200_removals_one_accepted_post_each(
    emulator: EmulatorServer, control: EmulatorControl
) -> None:
    users = control.generate_profiles(200)
    provider = configured_provider(stack_config(emulator))
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda uid: provider.create({"user_id": uid}), users))

    assert sorted(r.id for r in results) == sorted(users)
    assert {(r.outs or {})["status"] for r in results} == {"requested"}
    accepted = Counter(e.path.rsplit("/", 2)[-2] for e in removal_posts(control) if e.status == 204)
    assert accepted == Counter(users)
    # Each request got its own client-request-id, and each output names its own request.
    ids = [(r.outs or {})["client_request_id"] for r in results]
    assert len(set(ids)) == 200


def test_concurrent_retries_under_faults_still_one_acceptance_each(
    emulator: EmulatorServer, control: EmulatorControl
) -> None:
    users = control.generate_profiles(60)
    control.set_faults(
        {
            "rate": 0.3,
            "kinds": ["429", "503", "504", "reset"],
            "retryAfter": "0.05",
            "seed": 7,
            "methods": ["POST"],
        }
    )
    provider = configured_provider(stack_config(emulator, **{"personaldata:maxAttempts": "12"}))
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda uid: provider.create({"user_id": uid}), users))
    assert {(r.outs or {})["status"] for r in results} == {"requested"}
    accepted = Counter(e.path.rsplit("/", 2)[-2] for e in removal_posts(control) if e.status == 204)
    assert set(accepted) == set(users)
    assert max(accepted.values()) == 1
