"""The outputs of a PersonalDataRemoval: the removal's status and its audit evidence."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from .inputs import RemovalInputs

__all__ = ["RemovalOutputs", "RemovalStatus", "utc_now"]


class RemovalStatus(str, enum.Enum):
    """Where a removal stands, as last observed by the provider.

    - ``requested``: Graph accepted the POST (204); the removal is queued on Microsoft's side.
    - ``completed``: a later refresh found the profile gone (GET 404): the data has been removed.
    - ``not_found``: at create time the profile did not exist, so nothing was requested
      (only possible with ``fail_if_missing = false``).
    """

    REQUESTED = "requested"
    COMPLETED = "completed"
    NOT_FOUND = "not_found"


def utc_now() -> str:
    """The current UTC time as ISO-8601 with seconds precision and a ``Z`` suffix."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class RemovalOutputs:
    """The full output property bag of a PersonalDataRemoval (inputs included, as Pulumi expects).

    No user principal name, display name or other personal data is ever part of it.
    """

    inputs: RemovalInputs
    status: RemovalStatus
    requested_at: str | None = None
    request_id: str | None = None
    client_request_id: str | None = None
    completed_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The outputs as stored in Pulumi state."""
        out = self.inputs.to_dict()
        out.update(
            status=self.status.value,
            requested_at=self.requested_at,
            request_id=self.request_id,
            client_request_id=self.client_request_id,
            completed_at=self.completed_at,
        )
        return out

    def with_inputs(self, inputs: RemovalInputs) -> RemovalOutputs:
        """The same removal evidence with updated (non-replacing) inputs."""
        return replace(self, inputs=inputs)

    @classmethod
    def from_props(cls, inputs: RemovalInputs, props: Mapping[str, Any]) -> RemovalOutputs:
        """Rebuild outputs from a state property bag; unknown statuses are kept as ``requested``."""
        try:
            status = RemovalStatus(props.get("status", RemovalStatus.REQUESTED.value))
        except ValueError:
            status = RemovalStatus.REQUESTED

        def text(key: str) -> str | None:
            value = props.get(key)
            return value if isinstance(value, str) else None

        return cls(
            inputs=inputs,
            status=status,
            requested_at=text("requested_at"),
            request_id=text("request_id"),
            client_request_id=text("client_request_id"),
            completed_at=text("completed_at"),
        )
