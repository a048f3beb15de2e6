"""Answers refresh's one question, "does this profile still exist?", cheaply for many removals.

A refresh calls read() once per removal, four at a time. The first few reads each GET their
profile. Once a refresh has asked more than ``list_after`` times, one paged listing of all inbound
profiles answers the rest: at 1000 removals that is a handful of list pages instead of 1000 GETs.
The provider process lives for a single Pulumi operation, so the listing is never older than the
refresh that took it; a removal finishing during the refresh is seen by the next one.
"""

from __future__ import annotations

import threading

from .errors import GraphBadRequestError, GraphNotFoundError
from .graph_client import GraphClient

__all__ = ["ProfileProbe"]

#: Graph's usual largest page; the listing falls back to the default page size if refused.
LIST_PAGE_SIZE = 999


class ProfileProbe:
    """Thread-safe existence checks for inbound shared user profiles (ids only).

    Args:
        client: the provider's Graph client.
        list_after: how many single GETs to make before switching to one listing.
    """

    def __init__(self, client: GraphClient, *, list_after: int = 16) -> None:
        self._client = client
        self._list_after = list_after
        self._count_lock = threading.Lock()
        self._list_lock = threading.Lock()
        self._asked = 0
        self._existing: frozenset[str] | None = None

    def exists(self, user_id: str) -> bool:
        """True while the profile exists; False once Graph answers 404 or no longer lists it.

        Raises GraphError subclasses (for example GraphPermissionError) for the caller to handle.
        """
        with self._count_lock:
            self._asked += 1
            use_listing = self._asked > self._list_after
        if not use_listing:
            try:
                self._client.get_inbound_profile(user_id)
            except GraphNotFoundError:
                return False
            return True
        return user_id.lower() in self._listing()

    def _listing(self) -> frozenset[str]:
        with self._list_lock:
            if self._existing is None:
                try:
                    profiles = list(self._client.list_inbound_profiles(page_size=LIST_PAGE_SIZE))
                except GraphBadRequestError:
                    profiles = list(self._client.list_inbound_profiles())
                self._existing = frozenset(p.user_id for p in profiles)
            return self._existing
