"""Provider settings (endpoint, authority, retries, timeouts) resolved from stack config and environment.

Stack config reaches a dynamic provider in ``configure()`` as a flat mapping of
``namespace:key`` names; this module reads it through a plain getter so tests can pass a dict.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import config_keys as keys
from .endpoint import validate_endpoint
from .errors import ConfigurationError
from .retry import RetryPolicy

__all__ = ["ConfigGetter", "ProviderSettings", "parse_bool", "resolve_settings"]

#: Reads one fully qualified stack config key (``personaldata:endpoint``); None when unset.
ConfigGetter = Callable[[str], Any]


def parse_bool(value: Any, *, field_name: str) -> bool | None:
    """Interpret a config or environment value as a boolean, None when unset or empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ConfigurationError(field_name, f"{value!r} is not a boolean", "use true or false")


def _number(value: Any, *, field_name: str, minimum: float) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigurationError(field_name, f"{value!r} is not a number", "use a number") from None
    if math.isnan(number) or number < minimum:
        raise ConfigurationError(field_name, f"{value!r} is below {minimum}", f"use at least {minimum}")
    return number


@dataclass(frozen=True)
class ProviderSettings:
    """Everything about how to reach Graph, except credentials."""

    endpoint: str = keys.DEFAULT_GRAPH_ENDPOINT
    authority_host: str = keys.DEFAULT_AUTHORITY_HOST
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    connect_timeout: float = 10.0
    read_timeout: float = 60.0


def resolve_settings(config: ConfigGetter, environ: Mapping[str, str]) -> ProviderSettings:
    """Build ProviderSettings: our config namespace first, then environment variables.

    Raises ConfigurationError naming the key when a value is invalid, or when the azuread
    ``environment`` names a national cloud where the removal API does not exist.
    """

    def own(key: str) -> Any:
        value = config(f"{keys.NAMESPACE}:{key}")
        return None if value == "" else value

    for source, value in (
        (
            f"{keys.AZUREAD_NAMESPACE}:{keys.ENVIRONMENT[0]}",
            config(f"{keys.AZUREAD_NAMESPACE}:{keys.ENVIRONMENT[0]}"),
        ),
        (keys.ENVIRONMENT[1], environ.get(keys.ENVIRONMENT[1])),
    ):
        if value and str(value).strip().lower() in keys.UNSUPPORTED_ENVIRONMENTS:
            raise ConfigurationError(
                source,
                f"{value!r}: Microsoft documents the shared-user-profile APIs as unavailable in "
                "US Government and China clouds",
                "use the global cloud (environment 'public')",
            )

    endpoint_field = f"{keys.NAMESPACE}:{keys.ENDPOINT}"
    endpoint = own(keys.ENDPOINT)
    if endpoint is None and environ.get(keys.ENV_ENDPOINT):
        endpoint, endpoint_field = environ[keys.ENV_ENDPOINT], keys.ENV_ENDPOINT
    endpoint = validate_endpoint(str(endpoint or keys.DEFAULT_GRAPH_ENDPOINT), field=endpoint_field)

    authority_field = f"{keys.NAMESPACE}:{keys.AUTHORITY_HOST}"
    authority = own(keys.AUTHORITY_HOST)
    for env_name in (keys.ENV_AUTHORITY_HOST, keys.ENV_AZURE_AUTHORITY_HOST):
        if authority is None and environ.get(env_name):
            authority, authority_field = environ[env_name], env_name
    authority = validate_endpoint(str(authority or keys.DEFAULT_AUTHORITY_HOST), field=authority_field)

    attempts = _number(
        own(keys.MAX_ATTEMPTS) or environ.get(keys.ENV_MAX_ATTEMPTS),
        field_name=f"{keys.NAMESPACE}:{keys.MAX_ATTEMPTS}",
        minimum=1,
    )
    deadline = _number(
        own(keys.RETRY_DEADLINE) or environ.get(keys.ENV_RETRY_DEADLINE),
        field_name=f"{keys.NAMESPACE}:{keys.RETRY_DEADLINE}",
        minimum=0.001,
    )
    connect = _number(
        own(keys.CONNECT_TIMEOUT), field_name=f"{keys.NAMESPACE}:{keys.CONNECT_TIMEOUT}", minimum=0.1
    )
    read = _number(own(keys.READ_TIMEOUT), field_name=f"{keys.NAMESPACE}:{keys.READ_TIMEOUT}", minimum=0.1)
    default_retry = RetryPolicy()
    return ProviderSettings(
        endpoint=endpoint,
        authority_host=authority,
        retry=RetryPolicy(
            max_attempts=int(attempts) if attempts is not None else default_retry.max_attempts,
            deadline_seconds=deadline if deadline is not None else default_retry.deadline_seconds,
        ),
        connect_timeout=connect if connect is not None else 10.0,
        read_timeout=read if read is not None else 60.0,
    )
