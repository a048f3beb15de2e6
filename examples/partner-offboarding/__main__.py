"""When a partnership ends, every inbound profile whose home tenant is the partner's gets a removal.

The program lists inbound shared user profiles through Graph (GET only, following paging) while
planning, keeps those of `partnerTenantId`, and declares one removal each, with the partner tenant
as the `expected_home_tenant_id` interlock: a profile that moved tenants is refused, not removed.
"""

import pulumi

from pulumi_personal_data import PersonalDataRemoval, PersonalDataRemovalArgs
from pulumi_personal_data.profiles import inbound_profiles

config = pulumi.Config("partner-offboarding")
partner = config.require("partnerTenantId")
ticket = config.require("ticket")

profiles = inbound_profiles(home_tenant_id=partner, page_size=config.get_int("pageSize"))
removals = [
    PersonalDataRemoval(
        f"removal-{profile.user_id}",
        PersonalDataRemovalArgs(
            user_id=profile.user_id,
            reason=f"{ticket} partnership ended",
            expected_home_tenant_id=partner,
        ),
    )
    for profile in profiles
]

pulumi.export("partnerProfiles", len(removals))
