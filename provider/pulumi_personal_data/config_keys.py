"""Every configuration key and environment variable the provider reads, defined once."""

from __future__ import annotations

from typing import Final

#: This provider's own Pulumi config namespace (``pulumi config set personaldata:endpoint ...``).
NAMESPACE: Final = "personaldata"
#: The namespace pulumi-azuread users already configure.
AZUREAD_NAMESPACE: Final = "azuread"

DEFAULT_GRAPH_ENDPOINT: Final = "https://graph.microsoft.com/beta"
DEFAULT_AUTHORITY_HOST: Final = "https://login.microsoftonline.com"
GRAPH_SCOPE: Final = "https://graph.microsoft.com/.default"
#: The audience GitHub Actions and Entra workload identity federation agree on.
FEDERATED_TOKEN_AUDIENCE: Final = "api://AzureADTokenExchange"

# Settings that only exist in our own namespace (and as environment variables).
ENDPOINT: Final = "endpoint"
AUTHORITY_HOST: Final = "authorityHost"
ACCESS_TOKEN: Final = "accessToken"
MAX_ATTEMPTS: Final = "maxAttempts"
RETRY_DEADLINE: Final = "retryDeadlineSeconds"
CONNECT_TIMEOUT: Final = "connectTimeoutSeconds"
READ_TIMEOUT: Final = "readTimeoutSeconds"

ENV_ENDPOINT: Final = "PULUMI_PERSONAL_DATA_ENDPOINT"
ENV_AUTHORITY_HOST: Final = "PULUMI_PERSONAL_DATA_AUTHORITY_HOST"
ENV_ACCESS_TOKEN: Final = "PULUMI_PERSONAL_DATA_ACCESS_TOKEN"
ENV_MAX_ATTEMPTS: Final = "PULUMI_PERSONAL_DATA_MAX_ATTEMPTS"
ENV_RETRY_DEADLINE: Final = "PULUMI_PERSONAL_DATA_RETRY_DEADLINE_SECONDS"
ENV_LOG_LEVEL: Final = "PULUMI_PERSONAL_DATA_LOG_LEVEL"

# Credential keys shared by our namespace, the azuread namespace and (as ARM_*) the environment.
# Each entry: (config key, ARM_* environment variable).
TENANT_ID: Final = ("tenantId", "ARM_TENANT_ID")
CLIENT_ID: Final = ("clientId", "ARM_CLIENT_ID")
CLIENT_SECRET: Final = ("clientSecret", "ARM_CLIENT_SECRET")
CLIENT_CERTIFICATE_PATH: Final = ("clientCertificatePath", "ARM_CLIENT_CERTIFICATE_PATH")
CLIENT_CERTIFICATE_PASSWORD: Final = (
    "clientCertificatePassword",
    "ARM_CLIENT_CERTIFICATE_PASSWORD",
)
USE_OIDC: Final = ("useOidc", "ARM_USE_OIDC")
OIDC_TOKEN: Final = ("oidcToken", "ARM_OIDC_TOKEN")
OIDC_TOKEN_FILE_PATH: Final = ("oidcTokenFilePath", "ARM_OIDC_TOKEN_FILE_PATH")
OIDC_REQUEST_TOKEN: Final = ("oidcRequestToken", "ARM_OIDC_REQUEST_TOKEN")
OIDC_REQUEST_URL: Final = ("oidcRequestUrl", "ARM_OIDC_REQUEST_URL")
USE_MSI: Final = ("useMsi", "ARM_USE_MSI")
USE_CLI: Final = ("useCli", "ARM_USE_CLI")
ENVIRONMENT: Final = ("environment", "ARM_ENVIRONMENT")

CREDENTIAL_KEYS: Final = (
    TENANT_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    CLIENT_CERTIFICATE_PATH,
    CLIENT_CERTIFICATE_PASSWORD,
    USE_OIDC,
    OIDC_TOKEN,
    OIDC_TOKEN_FILE_PATH,
    OIDC_REQUEST_TOKEN,
    OIDC_REQUEST_URL,
    USE_MSI,
    USE_CLI,
    ENVIRONMENT,
)

# GitHub Actions exposes its OIDC token endpoint under these names.
ENV_ACTIONS_ID_TOKEN_REQUEST_URL: Final = "ACTIONS_ID_TOKEN_REQUEST_URL"
ENV_ACTIONS_ID_TOKEN_REQUEST_TOKEN: Final = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"

# azure-identity's own variables (source (d)).
ENV_AZURE_TENANT_ID: Final = "AZURE_TENANT_ID"
ENV_AZURE_CLIENT_ID: Final = "AZURE_CLIENT_ID"
ENV_AZURE_CLIENT_SECRET: Final = "AZURE_CLIENT_SECRET"
ENV_AZURE_FEDERATED_TOKEN_FILE: Final = "AZURE_FEDERATED_TOKEN_FILE"
ENV_AZURE_AUTHORITY_HOST: Final = "AZURE_AUTHORITY_HOST"
#: Variables whose presence means a managed identity endpoint really exists on this host.
MANAGED_IDENTITY_ENV_MARKERS: Final = ("IDENTITY_ENDPOINT", "MSI_ENDPOINT")

#: Graph hosts per azuread ``environment``; removePersonalData is documented as global-only.
SUPPORTED_ENVIRONMENTS: Final = ("public", "global", "")
UNSUPPORTED_ENVIRONMENTS: Final = ("usgovernment", "usgovernmentl4", "usgovernmentl5", "dod", "china")
