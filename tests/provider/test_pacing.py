"""ThrottleGate: a Retry-After holds back every thread, and the release after it is spaced."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorServer
from pulumi_personal_data.pacing import ThrottleGate
from tests.support import PROFILE_IDS, configured_provider, removal_posts, stack_config


class FakeClock:
    """Time that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_unthrottled_turns_never_wait() -> None:
    clock = FakeClock()
    gate = ThrottleGate(clock=clock, sleep=clock.sleep)
    assert [gate.wait_turn() for _ in range(5)] == [0.0] * 5
    assert clock.slept == []


def test_retry_after_holds_everyone_then_spaces_the_release() -> None:
    clock = FakeClock()
    gate = ThrottleGate(clock=clock, sleep=clock.sleep)
    gate.throttled(0.05)
    # Four threads asking at the same instant get turns 50 ms apart, the first after Retry-After.
    turns = []
    for _ in range(4):
        start = clock.now
        gate.wait_turn()
        turns.append(round(clock.now - start, 6))
        clock.now = start  # the next thread asked at the same moment
    assert turns == [0.05, 0.1, 0.15, 0.2]


def test_long_retry_after_is_honoured_but_spacing_is_capped() -> None:
    clock = FakeClock()
    gate = ThrottleGate(max_spacing=0.25, clock=clock, sleep=clock.sleep)
    gate.throttled(10.0)
    assert gate.spacing == 0.25
    assert gate.wait_turn() == pytest.approx(10.0)
    assert gate.wait_turn() == pytest.approx(0.25)


def test_unthrottled_answers_halve_the_spacing_until_it_is_gone() -> None:
    clock = FakeClock()
    gate = ThrottleGate(clock=clock, sleep=clock.sleep)
    gate.throttled(0.2)
    spacings = []
    while gate.spacing:
        gate.passed()
        spacings.append(gate.spacing)
    assert spacings[:3] == [0.1, 0.05, 0.025]
    assert spacings[-1] == 0.0 and len(spacings) < 10


def test_a_later_shorter_retry_after_never_shortens_the_wait() -> None:
    clock = FakeClock()
    gate = ThrottleGate(clock=clock, sleep=clock.sleep)
    gate.throttled(2.0)
    gate.throttled(0.1)
    assert gate.wait_turn() == pytest.approx(2.0)


@pytest.mark.usefixtures("trust_emulator")
def test_one_threads_429_holds_back_the_other_threads(
    emulator: EmulatorServer, control: EmulatorControl
) -> None:
    """Through the real client: after a 429 with Retry-After, no other thread's POST arrives early."""
    control.set_faults({"sequence": ["429"], "retryAfter": "0.5", "methods": ["POST"]})
    provider = configured_provider(stack_config(emulator))
    first = threading.Thread(target=provider.create, args=({"user_id": PROFILE_IDS[0]},))
    first.start()
    deadline = time.monotonic() + 10
    while not removal_posts(control) and time.monotonic() < deadline:
        time.sleep(0.005)
    others = [threading.Thread(target=provider.create, args=({"user_id": uid},)) for uid in PROFILE_IDS[1:4]]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join(timeout=30)

    posts = removal_posts(control)
    assert [e.status for e in posts].count(429) == 1 and len(posts) == 5
    throttled_at = dt.datetime.fromisoformat(posts[0].time.replace("Z", "+00:00"))
    assert posts[0].status == 429
    for later in posts[1:]:
        sent = dt.datetime.fromisoformat(later.time.replace("Z", "+00:00"))
        assert (sent - throttled_at).total_seconds() >= 0.5, "a thread sent before Retry-After passed"
