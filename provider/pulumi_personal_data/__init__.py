"""Pulumi dynamic provider for Microsoft Graph personal-data removal requests.

Declare a departed external user and the provider asks Microsoft Graph, exactly once, to remove
the personal data of their inbound shared user profile::

    from pulumi_personal_data import PersonalDataRemoval, PersonalDataRemovalArgs

    PersonalDataRemoval(
        "removal-c228b2ae-c4fb-4eda-9620-7e73dddd1cac",
        PersonalDataRemovalArgs(user_id="c228b2ae-c4fb-4eda-9620-7e73dddd1cac", reason="HR-1234"),
    )
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import (
    ConfigurationError,
    CredentialError,
    GraphAuthenticationError,
    GraphBadRequestError,
    GraphConnectionError,
    GraphError,
    GraphNotFoundError,
    GraphPermissionError,
    GraphTransientError,
    HomeTenantMismatchError,
    InputValidationError,
    NoCredentialError,
    PersonalDataError,
)
from .provider import RemovalProvider
from .resource import TYPE_TOKEN, PersonalDataRemoval, PersonalDataRemovalArgs
from .state import RemovalStatus

__all__ = [
    "TYPE_TOKEN",
    "ConfigurationError",
    "CredentialError",
    "GraphAuthenticationError",
    "GraphBadRequestError",
    "GraphConnectionError",
    "GraphError",
    "GraphNotFoundError",
    "GraphPermissionError",
    "GraphTransientError",
    "HomeTenantMismatchError",
    "InputValidationError",
    "NoCredentialError",
    "PersonalDataError",
    "PersonalDataRemoval",
    "PersonalDataRemovalArgs",
    "RemovalProvider",
    "RemovalStatus",
    "__version__",
]
