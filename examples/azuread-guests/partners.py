"""The partner roster of this example: who is active (gets a guest invitation) and who has left."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PartnerUser:
    """One partner user: the object id of their home-tenant account, their invite address, and state."""

    key: str  # a stable resource name suffix, never personal data
    object_id: str  # object id of the user in their home tenant (for the shared profile)
    invite_email: str  # needed by azuread.Invitation; lives in azuread's state, not in ours
    active: bool
    ticket: str = ""


PARTNER_USERS = [
    PartnerUser(
        "p1", "c228b2ae-c4fb-4eda-9620-7e73dddd1cac", "p1@partner.example", active=False, ticket="OFF-3001"
    ),
    PartnerUser("p2", "4bece0e4-5140-5a2b-b331-991bf0240f19", "p2@partner.example", active=True),
    PartnerUser("p3", "b056c58d-325d-56b1-bf35-31186d4ff7fd", "p3@partner.example", active=True),
    PartnerUser(
        "p4", "59e7bdad-5e22-5fc0-be1f-6e5bdaafc95d", "p4@partner.example", active=False, ticket="OFF-3002"
    ),
]
