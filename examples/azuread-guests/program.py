"""Active partner users get a guest invitation (pulumi-azuread); departed ones get a removal request."""

from __future__ import annotations

import pulumi
import pulumi_azuread as azuread
from partners import PARTNER_USERS, PartnerUser

from pulumi_personal_data import PersonalDataRemoval, PersonalDataRemovalArgs


def declare(users: list[PartnerUser], partner_tenant_id: str) -> list[pulumi.CustomResource]:
    """One azuread.Invitation per active user, one PersonalDataRemoval per departed user."""
    declared: list[pulumi.CustomResource] = []
    for user in users:
        if user.active:
            invitation = azuread.Invitation(
                f"guest-{user.key}",
                user_email_address=user.invite_email,
                redirect_url="https://myapps.microsoft.com",
            )
            declared.append(invitation)
        else:
            removal = PersonalDataRemoval(
                f"removal-{user.key}",
                PersonalDataRemovalArgs(
                    user_id=user.object_id,
                    reason=f"{user.ticket} left the partner programme",
                    expected_home_tenant_id=partner_tenant_id,
                ),
            )
            declared.append(removal)
    return declared


def main() -> None:
    """The stack program."""
    config = pulumi.Config("azuread-guests")
    declare(PARTNER_USERS, config.require("partnerTenantId"))
