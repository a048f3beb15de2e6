"""When a partnership ends, every inbound profile whose home tenant is the partner's gets a removal.

The program lists inbound shared user profiles through Graph (GET only, following paging) while
planning, keeps those of `partnerTenantId`, and declares one removal each, with the partner tenant
as the `expected_home_tenant_id` interlock: a profile that moved tenants is refused, not removed.

Graph drops a profile from the list once its removal is done, so the listing alone would forget
earlier removals on a later run, and their records (the request ids) would leave the stack. The
program therefore also reads the user ids it declared last time from this stack's own outputs
(a StackReference to itself) and keeps declaring them: a rerun never drops a record.
"""

from typing import Any

import pulumi

from pulumi_personal_data import PersonalDataRemoval, PersonalDataRemovalArgs
from pulumi_personal_data.inputs import normalize_guid
from pulumi_personal_data.profiles import inbound_profiles

config = pulumi.Config("partner-offboarding")
# Validated and lower-cased as the provider does: a malformed id fails here, naming the key.
partner = normalize_guid("partner-offboarding:partnerTenantId", config.require("partnerTenantId"))
ticket = config.require("ticket")

profiles = inbound_profiles(home_tenant_id=partner, page_size=config.get_int("pageSize"))
listed = {profile.user_id for profile in profiles}
# This stack's outputs from its last update (none on the first); read-only, and known in previews.
previous = pulumi.StackReference(
    f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
).get_output("partner")


def declare(last: dict[str, Any] | None) -> dict[str, Any]:
    """Declare a removal for every listed or previously declared user; return what to remember."""
    remembered: list[str] = []
    if last:
        if last.get("tenantId") != partner:
            raise ValueError(
                f"partner-offboarding:partnerTenantId is {partner}, but this stack already offboarded "
                f"{last.get('tenantId')}: use one stack per partner (pulumi stack init <partner name>)"
            )
        remembered = list(last.get("userIds") or [])
    user_ids = sorted(listed | set(remembered))
    for user_id in user_ids:
        PersonalDataRemoval(
            f"removal-{user_id}",
            PersonalDataRemovalArgs(
                user_id=user_id,
                reason=f"{ticket} partnership ended",
                expected_home_tenant_id=partner,
            ),
        )
    return {"tenantId": partner, "userIds": user_ids}


# Resources are declared inside apply on purpose: the ids from the last update are only known once
# the engine has read this stack's outputs, which it does in previews too, so previews stay exact.
declared = previous.apply(declare)
pulumi.export("partner", declared)
pulumi.export("partnerProfiles", declared.apply(lambda d: len(d["userIds"])))
