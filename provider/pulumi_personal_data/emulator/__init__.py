"""A local Microsoft Graph emulator (shared user profiles, removePersonalData) with a token endpoint."""

from __future__ import annotations

__all__ = ["EmulatorConfig", "EmulatorControl", "EmulatorServer"]

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .control_client import EmulatorControl
    from .server import EmulatorConfig, EmulatorServer


def __getattr__(name: str) -> Any:
    # Lazy so that importing the control client does not need the server's dependencies.
    if name in ("EmulatorConfig", "EmulatorServer"):
        from . import server

        return getattr(server, name)
    if name == "EmulatorControl":
        from .control_client import EmulatorControl

        return EmulatorControl
    raise AttributeError(name)
