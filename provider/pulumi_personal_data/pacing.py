"""Shared throttling state: once Graph answers 429, no worker thread sends into that quota early.

The provider's four worker threads share one Graph quota per app and tenant. If each thread only
honoured the ``Retry-After`` of its own 429, the other three would keep sending requests Graph is
bound to refuse, each costing a round trip and a place in the quota's accounting. A
:class:`ThrottleGate` makes a ``Retry-After`` apply to every thread, and while throttled lets them
through one at a time, spaced by the last ``Retry-After`` (capped), so a bucket that refills
gradually is used as it refills instead of being raced for. Each answer below 500 other than a
429 halves the spacing, so a recovered quota is used at full speed again within a few requests.

Reads and writes have separate quotas in Graph, so :class:`GraphClient` keeps one gate for each.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["ThrottleGate", "TurnTooFar"]


class TurnTooFar(Exception):
    """The next turn is further away than the caller may wait; ``delay`` says how far, in seconds."""

    def __init__(self, delay: float) -> None:
        super().__init__(f"the next turn is {delay:.3f} s away")
        self.delay = delay


class ThrottleGate:
    """Thread-safe "not before" time and spacing derived from Graph's ``Retry-After`` answers.

    Args:
        max_spacing: cap on the gap between two threads' turns while throttled, in seconds;
            a long ``Retry-After`` still delays everyone, but the release after it is not
            stretched to one request per ``Retry-After``.
        clock, sleep: injectable for tests; monotonic time by default.
    """

    def __init__(
        self,
        *,
        max_spacing: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._max_spacing = max_spacing
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._not_before = 0.0  # the next free turn
        self._blocked_until = 0.0  # set by 429s only: no turn may start before it
        self._spacing = 0.0

    def wait_turn(self, max_wait: float = float("inf")) -> float:
        """Block until this thread may send; return the seconds waited (0.0 when not throttled).

        Raises :class:`TurnTooFar` at once, without taking a turn, when the turn is further away
        than ``max_wait`` (the caller's remaining deadline), so the caller can fail with its retry
        policy's bounds rather than sleep past them. A 429 seen by another thread while this one
        sleeps moves its turn after the new ``Retry-After``.
        """
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                start = max(now, self._not_before)
                if start > now and start - now > max_wait - waited:
                    raise TurnTooFar(start - now)
                if self._spacing > 0.0:
                    self._not_before = start + self._spacing  # the next thread's turn comes after
            delay = start - now
            if delay <= 0.0:
                return waited
            self._sleep(delay)
            waited += delay
            with self._lock:
                # Keep the turn unless a 429 that arrived meanwhile blocks past it.
                if self._blocked_until <= start:
                    return waited

    def throttled(self, retry_after: float) -> None:
        """Graph answered 429 with ``Retry-After``: nobody sends before it passes."""
        with self._lock:
            until = self._clock() + retry_after
            self._blocked_until = max(self._blocked_until, until)
            self._not_before = max(self._not_before, until)
            self._spacing = min(max(retry_after, 0.0), self._max_spacing)

    def passed(self) -> None:
        """Graph answered without throttling: halve the spacing (it ends below 1 ms)."""
        with self._lock:
            self._spacing = self._spacing / 2 if self._spacing >= 0.002 else 0.0

    @property
    def spacing(self) -> float:
        """The current gap between turns in seconds (0.0 when not throttled)."""
        with self._lock:
            return self._spacing
