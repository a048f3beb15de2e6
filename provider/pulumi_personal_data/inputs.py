"""Validation and normalisation of PersonalDataRemoval inputs, shared by check() and create().

Everything here is pure: it never performs I/O, so a rejected input is guaranteed to have sent
nothing to Microsoft Graph.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .errors import InputValidationError

__all__ = [
    "INPUT_FIELDS",
    "REASON_MAX_LENGTH",
    "RemovalInputs",
    "normalize_guid",
    "parse_inputs",
    "validate_inputs",
]

USER_ID: Final = "user_id"
REASON: Final = "reason"
FAIL_IF_MISSING: Final = "fail_if_missing"
EXPECTED_HOME_TENANT_ID: Final = "expected_home_tenant_id"

#: Every input property PersonalDataRemoval accepts; anything else is rejected by check().
INPUT_FIELDS: Final = (USER_ID, REASON, FAIL_IF_MISSING, EXPECTED_HOME_TENANT_ID)
#: Long enough for a ticket reference and a sentence; short enough to stay an audit note.
REASON_MAX_LENGTH: Final = 500

# Strict canonical GUID form only: a path segment built from anything looser (braces, urn:uuid:,
# percent-encoding, whitespace) could be read differently by a proxy or by Graph.
_GUID_RE: Final = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# A reason is an audit note, not a place for personal data: refuse things shaped like a UPN/email.
_EMAIL_RE: Final = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_NIL_GUID: Final = "00000000-0000-0000-0000-000000000000"
# The Pulumi engine's marker for a value not known until apply (preview); check() skips it.
UNKNOWN_SENTINEL: Final = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@dataclass(frozen=True)
class RemovalInputs:
    """The validated, normalised inputs of one PersonalDataRemoval."""

    user_id: str
    reason: str | None = None
    fail_if_missing: bool = False
    expected_home_tenant_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The inputs as the property bag Pulumi stores (absent optionals omitted)."""
        out: dict[str, Any] = {USER_ID: self.user_id, FAIL_IF_MISSING: self.fail_if_missing}
        if self.reason is not None:
            out[REASON] = self.reason
        if self.expected_home_tenant_id is not None:
            out[EXPECTED_HOME_TENANT_ID] = self.expected_home_tenant_id
        return out


def _describe(value: object) -> str:
    """A short, safe rendering of a rejected value for an error message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def normalize_guid(field: str, value: object) -> str:
    """Return ``value`` as a lower-case canonical GUID, or raise InputValidationError for ``field``.

    Only the 36-character ``8-4-4-4-12`` hexadecimal form is accepted; surrounding whitespace,
    braces, URL encoding and path characters are refused rather than repaired, because a silently
    repaired id is an id nobody reviewed.
    """
    if not isinstance(value, str):
        raise InputValidationError(
            field, f"must be a string GUID, got {type(value).__name__}; quote the object id"
        )
    if value != value.strip():
        raise InputValidationError(field, f"{_describe(value)} has leading or trailing whitespace; remove it")
    if not _GUID_RE.fullmatch(value):
        raise InputValidationError(
            field,
            f"{_describe(value)} is not a GUID; use the object id in the form "
            "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hexadecimal digits), as shown in Entra ID",
        )
    lowered = value.lower()
    if lowered == _NIL_GUID:
        raise InputValidationError(field, "the nil GUID is not a user; use the real object id")
    return lowered


def _validate_reason(value: object) -> str:
    if not isinstance(value, str):
        raise InputValidationError(
            REASON, f"must be a string, got {type(value).__name__}; for example 'HR-1234 contract ended'"
        )
    if len(value) > REASON_MAX_LENGTH:
        raise InputValidationError(
            REASON,
            f"is {len(value)} characters long; shorten it to at most {REASON_MAX_LENGTH} "
            "(a ticket reference is enough)",
        )
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in value):
        raise InputValidationError(
            REASON, "contains control or invisible formatting characters; use plain text on one line"
        )
    if _EMAIL_RE.search(value):
        raise InputValidationError(
            REASON,
            "looks like it contains an e-mail address or user principal name; personal data must "
            "not be stored in Pulumi state, so use a ticket reference instead",
        )
    return value


def parse_inputs(props: Mapping[str, Any]) -> RemovalInputs:
    """Validate and normalise a full property bag, raising on the first invalid field.

    Used by create(), where every value is known. check() uses :func:`validate_inputs` to report
    every failure at once.
    """
    failures = validate_inputs(props)
    if failures:
        raise failures[0]
    reason = props.get(REASON)
    expected = props.get(EXPECTED_HOME_TENANT_ID)
    return RemovalInputs(
        user_id=normalize_guid(USER_ID, props.get(USER_ID)),
        reason=reason if reason is None else _validate_reason(reason),
        fail_if_missing=bool(props.get(FAIL_IF_MISSING, False)),
        expected_home_tenant_id=(
            None if expected is None else normalize_guid(EXPECTED_HOME_TENANT_ID, expected)
        ),
    )


def validate_inputs(props: Mapping[str, Any]) -> list[InputValidationError]:
    """Return one InputValidationError per invalid field (empty when all are valid).

    Keys starting with ``__`` belong to the Pulumi SDK (``__provider``) and are ignored; values
    equal to the engine's unknown marker are skipped, since they are only known at apply time.
    """
    failures: list[InputValidationError] = []
    for key in sorted(props):
        if key.startswith("__") or key in INPUT_FIELDS:
            continue
        failures.append(
            InputValidationError(
                key,
                "is not an input of PersonalDataRemoval; the inputs are " + ", ".join(INPUT_FIELDS),
            )
        )

    def known(key: str) -> bool:
        return key in props and props[key] is not None and props[key] != UNKNOWN_SENTINEL

    if USER_ID not in props or props[USER_ID] is None:
        failures.append(InputValidationError(USER_ID, "is required: the external user's object id (a GUID)"))
    elif known(USER_ID):
        try:
            normalize_guid(USER_ID, props[USER_ID])
        except InputValidationError as exc:
            failures.append(exc)
    if known(REASON):
        try:
            _validate_reason(props[REASON])
        except InputValidationError as exc:
            failures.append(exc)
    if known(FAIL_IF_MISSING) and not isinstance(props[FAIL_IF_MISSING], bool):
        failures.append(
            InputValidationError(
                FAIL_IF_MISSING,
                f"must be true or false, got {_describe(props[FAIL_IF_MISSING])}",
            )
        )
    if known(EXPECTED_HOME_TENANT_ID):
        try:
            normalize_guid(EXPECTED_HOME_TENANT_ID, props[EXPECTED_HOME_TENANT_ID])
        except InputValidationError as exc:
            failures.append(exc)
    return failures
