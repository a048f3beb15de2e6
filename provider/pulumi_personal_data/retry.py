"""The retry policy for Microsoft Graph calls: which failures are retried, how long to wait, when to stop.

Built on tenacity rather than a hand-written loop. Retried: HTTP 429, 503 and 504 (what Microsoft's
own Graph SDKs retry) and connection failures. The wait honours ``Retry-After`` (fractional seconds
or an HTTP date); without it, exponential backoff with full jitter. Retries stop at
``max_attempts`` or when the next wait would cross ``deadline_seconds``, whichever comes first,
because dynamic providers get no custom timeouts or cancellation from the engine.

POST is retried on purpose: ``removePersonalData`` is idempotent on Graph's side (a repeated POST
while the removal is pending is accepted again), so a retry cannot create a second removal.
"""

from __future__ import annotations

import logging
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
        max_attempts: total tries including the first (1 disables retries).
        deadline_seconds: no retry starts later than this many seconds after the first try.
        backoff_base_seconds: scale of the exponential backoff when Graph gives no Retry-After.
        backoff_max_seconds: cap of a single backoff wait.
    """

    max_attempts: int = 8
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
            return float(retry_after)
        backoff = tenacity.wait_random_exponential(
            multiplier=self.backoff_base_seconds, max=self.backoff_max_seconds
        )
        return float(backoff(state))

    def _stop(self, state: tenacity.RetryCallState) -> bool:
        if state.attempt_number >= self.max_attempts:
            return True
        # Stop now rather than sleep past the deadline: the caller gets the real error sooner.
        elapsed = time.monotonic() - state.start_time
        return elapsed + state.upcoming_sleep > self.deadline_seconds

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

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type((GraphTransientError, GraphConnectionError)),
            wait=self._wait,
            stop=self._stop,
            sleep=sleep,
            reraise=True,
            before_sleep=before_sleep,
        )
        return retrying(attempt)
