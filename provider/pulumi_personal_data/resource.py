"""The PersonalDataRemoval resource and its typed arguments: the schema users write in programs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi
import pulumi.dynamic

from .provider import RemovalProvider

__all__ = ["TYPE_TOKEN", "PersonalDataRemoval", "PersonalDataRemovalArgs"]

#: The resource type token policy packs match on.
TYPE_TOKEN = "pulumi-python:dynamic/personaldata:PersonalDataRemoval"

# One provider instance for every resource; it carries no state, so sharing it is free.
_PROVIDER = RemovalProvider()


@dataclass
class PersonalDataRemovalArgs:
    """Inputs of a :class:`PersonalDataRemoval`.

    Attributes:
        user_id: object id (GUID) of the external user whose profile was shared into this tenant
            through B2B direct connect. Normalised to lower case. Changing it replaces the
            resource, which requests a removal for the new user.
        reason: free text for the audit trail, such as a ticket reference (at most 500
            characters, no e-mail addresses). Stored in state, never sent to Graph. Changing it
            updates in place.
        fail_if_missing: when true, a profile that does not exist fails the update; when false
            (default) it is recorded with status ``not_found`` and a warning.
        expected_home_tenant_id: safety interlock. When set, the profile is read first and the
            removal is refused, sending nothing, unless its ``homeTenantId`` matches.
    """

    user_id: pulumi.Input[str]
    reason: pulumi.Input[str] | None = None
    fail_if_missing: pulumi.Input[bool] | None = None
    expected_home_tenant_id: pulumi.Input[str] | None = None

    def to_props(self) -> dict[str, Any]:
        """The property bag handed to the engine (unset optionals become defaults or absent)."""
        props: dict[str, Any] = {
            "user_id": self.user_id,
            "fail_if_missing": False if self.fail_if_missing is None else self.fail_if_missing,
            "reason": self.reason,
            "expected_home_tenant_id": self.expected_home_tenant_id,
        }
        # Outputs are declared so they are typed attributes; the provider fills them.
        for name in PersonalDataRemoval.OUTPUT_NAMES:
            props.setdefault(name, None)
        return props


class PersonalDataRemoval(pulumi.dynamic.Resource, module="personaldata", name="PersonalDataRemoval"):
    """A request to Microsoft Graph to remove the personal data of an inbound shared user profile.

    Creating it sends ``POST /directory/inboundSharedUserProfiles/{userId}/removePersonalData``
    exactly once. Refresh, repeated ``pulumi up``, previews and provider upgrades never send it
    again. Deleting the resource sends nothing: a removal cannot be undone.

    Outputs:
        status: ``requested`` (Graph accepted the request), ``completed`` (a refresh found the
            profile gone) or ``not_found`` (no such profile at create time; nothing requested).
        requested_at: UTC ISO-8601 time Graph accepted the request.
        request_id, client_request_id: Graph's and our ids of that request (audit evidence).
        completed_at: UTC ISO-8601 time a refresh first saw the profile gone.

    Type token: ``pulumi-python:dynamic/personaldata:PersonalDataRemoval``.
    """

    OUTPUT_NAMES: ClassVar[tuple[str, ...]] = (
        "status",
        "requested_at",
        "request_id",
        "client_request_id",
        "completed_at",
    )

    user_id: pulumi.Output[str]
    reason: pulumi.Output[str | None]
    fail_if_missing: pulumi.Output[bool]
    expected_home_tenant_id: pulumi.Output[str | None]
    status: pulumi.Output[str]
    requested_at: pulumi.Output[str | None]
    request_id: pulumi.Output[str | None]
    client_request_id: pulumi.Output[str | None]
    completed_at: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        args: PersonalDataRemovalArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a removal request.

        Args:
            resource_name: the Pulumi name, unique in the stack; a stable name such as
                ``removal-<user_id>`` keeps the resource when rows are reordered.
            args: the inputs, see :class:`PersonalDataRemovalArgs`.
            opts: standard resource options (``protect``, ``depends_on``, ...).
        """
        super().__init__(_PROVIDER, resource_name, args.to_props(), opts)
