"""The retry policy for Microsoft Graph calls: which failures are retried, how long to wait, when to stop.

Built on tenacity rather than a hand-written loop. Retried: HTTP 429, 503 and 504 (what Microsoft's
own Graph SDKs retry) and connection failures. The wait honours ``Retry-After`` (fractional seconds
or an HTTP date); without it, exponential backoff with full jitter. Retries stop at
``max_attempts`` or when the next wait would cross ``deadline_seconds``, whichever comes first,
because dynamic providers get no custom timeouts or cancellation from the engine.

Throttling (429 with ``Retry-After``) is counted apart from failures: Graph says exactly when to
come back, so those waits are bounded by ``max_throttled_attempts`` and the deadline, not by the
smaller ``max_attempts`` for errors. A small random delay is added on top of ``Retry-After`` so the
provider's four worker threads do not all return at the same instant and collide again; the
client's :class:`~pulumi_personal_data.pacing.ThrottleGate` also holds the other threads back.

POST is retried on purpose: ``removePersonalData`` is idempotent on Graph's side (a repeated POST
while the removal is pending is accepted again), so a retry cannot create a second removal.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import tenacity

from .errors import GraphConnectionError, GraphTransientError

__all__ = ["RetryPolicy"]

_T = TypeVar("_T")
_LOG = logging.getLogger("pulumi_personal_data.retry")


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds and backoff for retrying transient Graph failures.

    Attributes:
        max_attempts: tries including the first, counting failures other than throttling
            (1 disables retries).
        max_throttled_attempts: tries answered with 429 + ``Retry-After`` before giving up.
        deadline_seconds: no retry starts later than this many seconds after the first try.
        backoff_base_seconds: scale of the exponential backoff when Graph gives no Retry-After.
        backoff_max_seconds: cap of a single backoff wait.
    """

    max_attempts: int = 8
    max_throttled_attempts: int = 100
    deadline_seconds: float = 300.0
    backoff_base_seconds: float = 0.5
    backoff_max_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.deadline_seconds <= 0:
            raise ValueError("deadline_seconds must be positive")

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, (int, float)) and retry_after >= 0:
            jitter = random.uniform(0.0, min(0.05 + 0.1 * retry_after, 1.0))  # noqa: S311 - not crypto
            return float(retry_after) + jitter
        backoff = tenacity.wait_random_exponential(
            multiplier=self.backoff_base_seconds, max=self.backoff_max_seconds
        )
        return float(backoff(state))

    @staticmethod
    def _throttled(state: tenacity.RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome is not None else None
        return isinstance(exc, GraphTransientError) and exc.status == 429 and exc.retry_after is not None

    def call(
        self,
        attempt: Callable[[], _T],
        *,
        sleep: Callable[[float], None] = time.sleep,
        describe: str = "request",
    ) -> _T:
        """Run ``attempt`` until it returns, raises a non-transient error, or the bounds are hit.

        ``attempt`` signals a retryable failure by raising GraphTransientError or
        GraphConnectionError; the last such error is re-raised when retries run out.
        """

        def before_sleep(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome is not None else None
            _LOG.info(
                "%s: attempt %d failed (%s); retrying in %.3fs",
                describe,
                state.attempt_number,
                type(exc).__name__ if exc else "unknown",
                state.upcoming_sleep,
            )

        counts = {"failed": 0, "throttled": 0}

        def stop(state: tenacity.RetryCallState) -> bool:
            kind = "throttled" if self._throttled(state) else "failed"
            counts[kind] += 1
            limit = self.max_throttled_attempts if kind == "throttled" else self.max_attempts
            if counts[kind] >= limit:
                return True
            # Stop now rather than sleep past the deadline: the caller gets the real error sooner.
            elapsed = time.monotonic() - state.start_time
            return elapsed + state.upcoming_sleep > self.deadline_seconds

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type((GraphTransientError, GraphConnectionError)),
            wait=self._wait,
            stop=stop,
            sleep=sleep,
            reraise=True,
            before_sleep=before_sleep,
        )
        return retrying(attempt)
