"""ThrottleGate: a Retry-After holds back every thread, and the release after it is spaced."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from pulumi_personal_data import GraphNotFoundError, GraphTransientError
from pulumi_personal_data.credentials import CachedTokenProvider, resolve_credential
from pulumi_personal_data.emulator.control_client import EmulatorControl
from pulumi_personal_data.emulator.server import EmulatorServer
from pulumi_personal_data.graph_client import GraphClient
from pulumi_personal_data.pacing import ThrottleGate, TurnTooFar
from pulumi_personal_data.settings import resolve_settings
from tests.support import PROFILE_IDS, removal_posts, stack_config


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


def test_a_turn_beyond_max_wait_is_refused_at_once_without_taking_it() -> None:
    clock = FakeClock()
    gate = ThrottleGate(clock=clock, sleep=clock.sleep)
    gate.throttled(30.0)
    with pytest.raises(TurnTooFar) as caught:
        gate.wait_turn(max_wait=5.0)
    assert caught.value.delay == pytest.approx(30.0)
    assert clock.slept == []
    assert gate.wait_turn() == pytest.approx(30.0)  # the refused call reserved no slot


def test_a_newer_retry_after_moves_a_sleeping_turn() -> None:
    clock = FakeClock()
    gates: list[ThrottleGate] = []

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if len(clock.slept) == 1:
            gates[0].throttled(1.0)  # another thread's 429 arrives while this one sleeps

    gate = ThrottleGate(clock=clock, sleep=sleep)
    gates.append(gate)
    gate.throttled(0.1)
    assert gate.wait_turn() == pytest.approx(1.1)  # 0.1 s, then the new 1.0 s from that moment
    assert clock.slept == [0.1, 1.0]


def test_a_newer_shorter_retry_after_keeps_a_sleeping_turn() -> None:
    """A 429 that blocks only until before this thread's turn must not send it to the back."""
    clock = FakeClock()
    gates: list[ThrottleGate] = []

    def sleep(seconds: float) -> None:
        clock.sleep(seconds / 2)
        if len(clock.slept) == 1:
            gates[0].throttled(0.2)  # an in-flight request's 429 lands halfway through the wait
        clock.now += seconds / 2

    gate = ThrottleGate(clock=clock, sleep=sleep)
    gates.append(gate)
    gate.throttled(1.0)
    assert gate.wait_turn() == pytest.approx(1.0)
    assert len(clock.slept) == 1


def test_a_turn_refused_after_a_requeue_counts_the_time_already_waited() -> None:
    clock = FakeClock()
    gates: list[ThrottleGate] = []

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if len(clock.slept) == 1:
            gates[0].throttled(3.0)  # after 1 s of waiting, 3 s more are needed

    gate = ThrottleGate(clock=clock, sleep=sleep)
    gates.append(gate)
    gate.throttled(1.0)
    with pytest.raises(TurnTooFar):
        gate.wait_turn(max_wait=3.5)  # 1 + 3 > 3.5, though 3 alone would fit
    assert clock.slept == [1.0]


def test_an_unthrottled_gate_never_invents_a_wait_even_past_the_deadline() -> None:
    clock = FakeClock()
    gate = ThrottleGate(clock=clock, sleep=clock.sleep)
    assert gate.wait_turn(max_wait=-0.001) == 0.0  # a retry that overslept its deadline still sends


def client_for(emulator: EmulatorServer, **extra: str) -> GraphClient:
    config = stack_config(emulator, **extra)
    settings = resolve_settings(config.get, {})
    credential = resolve_credential(config.get, {}, authority_host=settings.authority_host)
    return GraphClient(settings.endpoint, CachedTokenProvider(credential), retry=settings.retry)


@pytest.mark.usefixtures("trust_emulator")
def test_one_threads_429_holds_back_the_other_threads(
    emulator: EmulatorServer, control: EmulatorControl
) -> None:
    """Through the real client: after a 429 with Retry-After, no other thread's POST arrives early."""
    control.set_faults({"sequence": ["429"], "retryAfter": "0.5", "methods": ["POST"]})
    client = client_for(emulator)
    first = threading.Thread(target=client.remove_inbound_personal_data, args=(PROFILE_IDS[0],))
    first.start()
    deadline = time.monotonic() + 10
    while not client.throttle_gate("POST").spacing and time.monotonic() < deadline:
        time.sleep(0.001)
    others = [
        threading.Thread(target=client.remove_inbound_personal_data, args=(uid,)) for uid in PROFILE_IDS[1:4]
    ]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join(timeout=30)
    client.close()

    posts = removal_posts(control)
    assert [e.status for e in posts].count(429) == 1 and len(posts) == 5
    throttled_at = dt.datetime.fromisoformat(posts[0].time.replace("Z", "+00:00"))
    assert posts[0].status == 429
    for later in posts[1:]:
        sent = dt.datetime.fromisoformat(later.time.replace("Z", "+00:00"))
        assert (sent - throttled_at).total_seconds() >= 0.5, "a thread sent before Retry-After passed"


@pytest.mark.usefixtures("trust_emulator")
def test_a_retry_after_past_the_deadline_fails_the_other_threads_fast(
    emulator: EmulatorServer, control: EmulatorControl
) -> None:
    """Nobody sleeps past the retry deadline at the gate: the engine gives providers no timeout."""
    control.set_faults({"sequence": ["429"], "retryAfter": "60", "methods": ["POST"]})
    client = client_for(emulator, **{"personaldata:retryDeadlineSeconds": "5"})
    with pytest.raises(GraphTransientError) as first:
        client.remove_inbound_personal_data(PROFILE_IDS[0])
    started = time.monotonic()
    with pytest.raises(GraphTransientError) as held:
        client.remove_inbound_personal_data(PROFILE_IDS[1])
    assert time.monotonic() - started < 2.0
    client.close()
    assert held.value.status == 429
    assert held.value.request_id == first.value.request_id  # the 429 that set the wait, as evidence
    assert "not sent" in held.value.graph_message
    assert len(removal_posts(control)) == 1


@pytest.mark.usefixtures("trust_emulator")
def test_answers_other_than_429_end_the_spacing(emulator: EmulatorServer, control: EmulatorControl) -> None:
    control.set_faults({"sequence": ["429"], "retryAfter": "0.1", "methods": ["GET"]})
    client = client_for(emulator)
    with pytest.raises(GraphNotFoundError):  # 429, then a 404 after the wait
        client.get_inbound_profile("00000000-0000-4000-8000-000000000000")
    gate = client.throttle_gate("GET")
    assert 0.0 < gate.spacing < 0.1  # the 404 halved it
    for _ in range(8):
        with pytest.raises(GraphNotFoundError):
            client.get_inbound_profile("00000000-0000-4000-8000-000000000000")
    client.close()
    assert gate.spacing == 0.0
    assert client.throttle_gate("POST").spacing == 0.0  # the write quota was never throttled
