"""Fault injection (by rate or exact sequence) and token-bucket throttling per app and tenant."""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FAULT_KINDS = ("429", "500", "503", "504", "reset", "400", "401", "403")
_SEQUENCE_KINDS = (*FAULT_KINDS, "ok")


class ConfigError(ValueError):
    """A fault or throttle configuration is invalid; ``field_name`` names the offending field."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")
        self.field_name = field_name
        self.problem = problem


def format_seconds(seconds: float) -> str:
    """Retry-After text: integral seconds as '3', fractional as '2.128' (never below 0.001)."""
    seconds = max(seconds, 0.001)
    if float(seconds).is_integer():
        return str(int(seconds))
    return f"{seconds:.3f}".rstrip("0").rstrip(".")


def _float(doc: Mapping[str, Any], key: str, default: float, *, lo: float, hi: float) -> float:
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise ConfigError(key, f"must be a number between {lo} and {hi}")
    return float(value)


def _kinds(
    doc: Mapping[str, Any], key: str, allowed: tuple[str, ...], default: tuple[str, ...]
) -> tuple[str, ...]:
    value = doc.get(key, list(default))
    if not isinstance(value, list):
        raise ConfigError(key, "must be a list")
    out = tuple(str(v) for v in value)
    bad = [v for v in out if v not in allowed]
    if bad:
        raise ConfigError(key, f"unknown kinds {bad}; allowed: {list(allowed)}")
    return out


@dataclass(frozen=True)
class FaultSpec:
    """What to inject: a sequence consumed first, then faults at ``rate``, plus added latency."""

    rate: float = 0.0
    kinds: tuple[str, ...] = ("429",)
    sequence: tuple[str, ...] = ()
    retry_after: str | None = "1"
    retry_after_on_5xx: bool = False
    latency_ms: float = 0.0
    methods: tuple[str, ...] = ()  # empty: every method
    batch_items: bool = False  # also inject 429/5xx into individual $batch items
    seed: int | None = None

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> FaultSpec:
        """Validate the control API's JSON form."""
        known = {
            "rate",
            "kinds",
            "sequence",
            "retryAfter",
            "retryAfterOn5xx",
            "latencyMs",
            "methods",
            "batchItems",
            "seed",
        }
        unknown = set(doc) - known
        if unknown:
            raise ConfigError(sorted(unknown)[0], f"unknown field; known: {sorted(known)}")
        retry_after = doc.get("retryAfter", "1")
        if retry_after is not None:
            retry_after = str(retry_after)
            try:
                if float(retry_after) < 0 or math.isnan(float(retry_after)):
                    raise ValueError(retry_after)
            except ValueError:
                raise ConfigError("retryAfter", "must be a non-negative number or null") from None
        methods = doc.get("methods", [])
        if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
            raise ConfigError("methods", "must be a list of HTTP methods")
        seed = doc.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ConfigError("seed", "must be an integer")
        kinds = _kinds(doc, "kinds", FAULT_KINDS, ("429",))
        rate = _float(doc, "rate", 0.0, lo=0.0, hi=1.0)
        if rate > 0 and not kinds:
            raise ConfigError("kinds", "must not be empty when rate > 0")
        return cls(
            rate=rate,
            kinds=kinds,
            sequence=_kinds(doc, "sequence", _SEQUENCE_KINDS, ()),
            retry_after=retry_after,
            retry_after_on_5xx=bool(doc.get("retryAfterOn5xx", False)),
            latency_ms=_float(doc, "latencyMs", 0.0, lo=0.0, hi=600_000.0),
            methods=tuple(m.upper() for m in methods),
            batch_items=bool(doc.get("batchItems", False)),
            seed=seed,
        )

    def to_json(self) -> dict[str, Any]:
        """The control API's JSON form."""
        return {
            "rate": self.rate,
            "kinds": list(self.kinds),
            "sequence": list(self.sequence),
            "retryAfter": self.retry_after,
            "retryAfterOn5xx": self.retry_after_on_5xx,
            "latencyMs": self.latency_ms,
            "methods": list(self.methods),
            "batchItems": self.batch_items,
            "seed": self.seed,
        }


@dataclass(frozen=True)
class Fault:
    """One decision: the fault kind to inject and the Retry-After to send with it (if any)."""

    kind: str
    retry_after: str | None


class FaultInjector:
    """Thread-safe holder of the active FaultSpec, deciding per request."""

    def __init__(self, spec: FaultSpec | None = None) -> None:
        self._lock = threading.Lock()
        self._spec: FaultSpec | None = None
        self._sequence: list[str] = []
        self._random = random.Random()  # noqa: S311 - fault dice, not security
        self.configure(spec)

    @property
    def spec(self) -> FaultSpec | None:
        """The active specification (None: no faults)."""
        return self._spec

    def configure(self, spec: FaultSpec | None) -> None:
        """Replace the active specification; restarts its sequence."""
        with self._lock:
            self._spec = spec
            self._sequence = list(spec.sequence) if spec else []
            self._random = random.Random(spec.seed if spec else None)  # noqa: S311

    def latency(self, method: str) -> float:
        """Seconds of latency to add to a request with this method."""
        spec = self._spec
        if spec is None or not spec.latency_ms or (spec.methods and method not in spec.methods):
            return 0.0
        return spec.latency_ms / 1000.0

    def decide(self, method: str, *, batch_item: bool = False) -> Fault | None:
        """Return the fault for the next request with ``method``, or None to serve it normally."""
        spec = self._spec
        if spec is None or (spec.methods and method not in spec.methods):
            return None
        if batch_item and not spec.batch_items:
            return None
        with self._lock:
            if self._sequence:
                kind = self._sequence.pop(0)
            elif spec.rate and self._random.random() < spec.rate:
                kind = self._random.choice(spec.kinds)
            else:
                return None
        if kind == "ok" or (batch_item and kind == "reset"):
            return None
        with_retry = kind == "429" or (spec.retry_after_on_5xx and kind in ("503", "504"))
        return Fault(kind, spec.retry_after if with_retry else None)


@dataclass(frozen=True)
class ThrottleSpec:
    """Token-bucket limits per app and tenant; None disables a bucket."""

    writes_per_second: float | None = None
    write_burst: float | None = None
    reads_per_second: float | None = None
    read_burst: float | None = None

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> ThrottleSpec:
        """Validate the control API's JSON form."""
        known = {"writesPerSecond", "writeBurst", "readsPerSecond", "readBurst"}
        unknown = set(doc) - known
        if unknown:
            raise ConfigError(sorted(unknown)[0], f"unknown field; known: {sorted(known)}")
        values: dict[str, float | None] = {}
        for key in known:
            value = doc.get(key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0
            ):
                raise ConfigError(key, "must be a positive number or null")
            values[key] = None if value is None else float(value)
        return cls(
            writes_per_second=values["writesPerSecond"],
            write_burst=values["writeBurst"],
            reads_per_second=values["readsPerSecond"],
            read_burst=values["readBurst"],
        )

    def to_json(self) -> dict[str, Any]:
        """The control API's JSON form."""
        return {
            "writesPerSecond": self.writes_per_second,
            "writeBurst": self.write_burst,
            "readsPerSecond": self.reads_per_second,
            "readBurst": self.read_burst,
        }


@dataclass(frozen=True)
class ThrottleDecision:
    """Outcome of one bucket check: allowed or not, the headers to send, and Retry-After."""

    allowed: bool
    headers: dict[str, str] = field(default_factory=dict)
    retry_after: str | None = None


@dataclass
class _Bucket:
    tokens: float
    updated: float


class Throttle:
    """Token buckets keyed by (tenant, app, read|write); refills continuously at the configured rate."""

    def __init__(self, spec: ThrottleSpec | None = None) -> None:
        self._lock = threading.Lock()
        self._spec: ThrottleSpec | None = spec
        self._buckets: dict[tuple[str, str, str], _Bucket] = {}

    @property
    def spec(self) -> ThrottleSpec | None:
        """The active limits (None: unlimited)."""
        return self._spec

    def configure(self, spec: ThrottleSpec | None) -> None:
        """Replace the limits and refill every bucket."""
        with self._lock:
            self._spec = spec
            self._buckets.clear()

    def check(
        self, *, tenant_id: str, app_id: str, write: bool, now: float | None = None
    ) -> ThrottleDecision:
        """Take one token from the caller's bucket, or say how long to wait."""
        spec = self._spec
        if spec is None:
            return ThrottleDecision(True)
        rate = spec.writes_per_second if write else spec.reads_per_second
        if rate is None:
            return ThrottleDecision(True)
        capacity = (spec.write_burst if write else spec.read_burst) or rate
        kind = "WriteLimit" if write else "ReadLimit"
        now = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.setdefault((tenant_id, app_id, kind), _Bucket(capacity, now))
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                used = (capacity - bucket.tokens) / capacity
                headers = {}
                # Graph only reports usage once 80% of the limit is consumed.
                if used >= 0.8:
                    headers["x-ms-throttle-limit-percentage"] = f"{used:.1f}"
                return ThrottleDecision(True, headers)
            wait = (1.0 - bucket.tokens) / rate
        retry_after = format_seconds(math.ceil(wait * 1000) / 1000)
        return ThrottleDecision(
            False,
            {
                "x-ms-throttle-limit-percentage": f"{1.0 + (1.0 - bucket.tokens) / capacity:.1f}",
                "x-ms-throttle-scope": f"Tenant_Application/{kind}/{tenant_id}/{app_id}",
                "x-ms-throttle-information": "ResourceUnitLimitExceeded",
            },
            retry_after,
        )
