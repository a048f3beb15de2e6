"""Builds the policy pack; the validators live in validators.py."""

import validators as v
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ResourceValidationPolicy,
    StackValidationPolicy,
)

PolicyPack(
    name="personal-data-removals",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        ResourceValidationPolicy(
            name=v.REASON_REQUIRED,
            description="Every PersonalDataRemoval carries a reason (the audit trail).",
            validate=v.require_reason,
        ),
        ResourceValidationPolicy(
            name=v.PROTECTED_USERS,
            description="User ids listed in the pack's config can never get a removal.",
            validate=v.protect_users,
            config_schema=PolicyConfigSchema(properties=v.PROTECTED_USERS_SCHEMA),
        ),
        StackValidationPolicy(
            name=v.REMOVAL_CAP,
            description="At most maxRemovalsPerUpdate new removals in one update (checked in preview).",
            validate=v.cap_removals,
            config_schema=PolicyConfigSchema(properties=v.REMOVAL_CAP_SCHEMA),
        ),
        ResourceValidationPolicy(
            name=v.OFFICIAL_ENDPOINT,
            description="The Graph endpoint is https://graph.microsoft.com or loopback.",
            validate=v.official_endpoint,
        ),
        ResourceValidationPolicy(
            name=v.EXPECTED_TENANTS,
            description="When expectedHomeTenantIds is set, every removal uses one as its interlock.",
            validate=v.expected_home_tenant,
            config_schema=PolicyConfigSchema(properties=v.EXPECTED_TENANTS_SCHEMA),
        ),
    ],
)
