"""SQLite persistence: profiles, removal requests, export operations, journal and metadata."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inbound_profiles (
    user_id TEXT PRIMARY KEY, user_principal_name TEXT NOT NULL, display_name TEXT NOT NULL,
    home_tenant_id TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'present'
);
CREATE TABLE IF NOT EXISTS outbound_tenants (
    user_id TEXT NOT NULL, tenant_id TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'present',
    PRIMARY KEY (user_id, tenant_id)
);
CREATE TABLE IF NOT EXISTS removal_requests (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, user_id TEXT NOT NULL, tenant_id TEXT,
    app_id TEXT, created_at REAL NOT NULL, process_at REAL, state TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS removal_pending ON removal_requests (state, process_at);
CREATE TABLE IF NOT EXISTS data_policy_operations (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, storage_location TEXT NOT NULL,
    app_id TEXT, submitted_at REAL NOT NULL, complete_at REAL
);
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, method TEXT NOT NULL,
    path TEXT NOT NULL, status INTEGER NOT NULL, client_request_id TEXT, request_id TEXT NOT NULL,
    app_id TEXT, operation TEXT NOT NULL
);
"""

# Journal rows are buffered and written with the next write transaction (or on read, or when
# this many are waiting) so that logging a request does not cost a commit of its own.
_JOURNAL_FLUSH_AT = 256


@dataclass(frozen=True)
class InboundRow:
    """One stored inbound shared user profile with its lifecycle state."""

    user_id: str
    user_principal_name: str
    display_name: str
    home_tenant_id: str
    state: str


@dataclass(frozen=True)
class RemovalRow:
    """One stored removal request."""

    id: str
    kind: str
    user_id: str
    tenant_id: str | None
    app_id: str | None
    created_at: float
    process_at: float | None
    state: str


@dataclass(frozen=True)
class OperationRow:
    """One stored export (dataPolicyOperation)."""

    id: str
    user_id: str
    storage_location: str
    app_id: str | None
    submitted_at: float
    complete_at: float | None


@dataclass(frozen=True)
class JournalRow:
    """One recorded request (never a token or an Authorization header)."""

    seq: int
    time: str
    method: str
    path: str
    status: int
    client_request_id: str | None
    request_id: str
    app_id: str | None
    operation: str


class Store:
    """A thread-safe SQLite store; a file database (WAL) when ``path`` is given, in memory otherwise."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        target = str(path) if path is not None else ":memory:"
        # One connection shared by all threads behind a lock: the server is a single event loop
        # and SQLite serialises writers anyway.
        self._conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        self._journal_buffer: list[tuple[str, str, str, int, str | None, str, str | None, str]] = []
        with self._lock:
            if path is not None:
                self._conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL is durable across process crashes in WAL mode and avoids an fsync per commit.
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(_SCHEMA)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                self._write_journal_buffer()
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _write_journal_buffer(self) -> None:
        if self._journal_buffer:
            self._conn.executemany(
                "INSERT INTO journal (time, method, path, status, client_request_id, request_id,"
                " app_id, operation) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                self._journal_buffer,
            )
            self._journal_buffer.clear()

    def close(self) -> None:
        """Flush buffered journal rows and close the connection."""
        with self._lock:
            self.flush()
            self._conn.close()

    def flush(self) -> None:
        """Write buffered journal rows now."""
        with self._lock:
            if self._journal_buffer:
                with self._tx():
                    pass

    # -- metadata ---------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """Return a metadata value, or None."""
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Set a metadata value."""
        with self._tx() as c:
            c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- bulk replace -----------------------------------------------------------------------
    def replace_all(
        self,
        *,
        inbound: Iterable[tuple[str, str, str, str]],
        outbound: Iterable[tuple[str, str]],
        meta: dict[str, str],
    ) -> None:
        """Drop every profile, request, operation and journal row and load the given data."""
        with self._tx() as c:
            self._journal_buffer.clear()
            for table in (
                "inbound_profiles",
                "outbound_tenants",
                "removal_requests",
                "data_policy_operations",
                "journal",
                "meta",
            ):
                c.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            c.executemany(
                "INSERT INTO inbound_profiles (user_id, user_principal_name, display_name,"
                " home_tenant_id) VALUES (?, ?, ?, ?)",
                inbound,
            )
            c.executemany("INSERT INTO outbound_tenants (user_id, tenant_id) VALUES (?, ?)", outbound)
            c.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())

    def add_inbound(self, rows: Sequence[tuple[str, str, str, str]]) -> None:
        """Insert (or replace) inbound profiles in the present state."""
        with self._tx() as c:
            c.executemany(
                "INSERT OR REPLACE INTO inbound_profiles (user_id, user_principal_name,"
                " display_name, home_tenant_id, state) VALUES (?, ?, ?, ?, 'present')",
                rows,
            )

    # -- inbound profiles -------------------------------------------------------------------
    def get_inbound(self, user_id: str) -> InboundRow | None:
        """Return one inbound profile in any state."""
        with self._lock:
            row = self._conn.execute(
                "SELECT user_id, user_principal_name, display_name, home_tenant_id, state"
                " FROM inbound_profiles WHERE user_id = ?",
                (user_id,),
            ).fetchone()
        return None if row is None else InboundRow(*row)

    def list_inbound(self, *, after: str | None, limit: int) -> list[InboundRow]:
        """Return up to ``limit`` visible (not removed) profiles ordered by user id, after a key."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT user_id, user_principal_name, display_name, home_tenant_id, state"
                " FROM inbound_profiles WHERE state != 'removed' AND user_id > ?"
                " ORDER BY user_id LIMIT ?",
                (after or "", limit),
            ).fetchall()
        return [InboundRow(*r) for r in rows]

    def queue_inbound_removal(self, request: RemovalRow) -> None:
        """Record a removal request and mark the profile pending, in one transaction."""
        with self._tx() as c:
            c.execute(
                "INSERT INTO removal_requests (id, kind, user_id, tenant_id, app_id, created_at,"
                " process_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    request.id,
                    request.kind,
                    request.user_id,
                    request.tenant_id,
                    request.app_id,
                    request.created_at,
                    request.process_at,
                    request.state,
                ),
            )
            if request.kind == "inbound":
                c.execute(
                    "UPDATE inbound_profiles SET state = 'pending' WHERE user_id = ?",
                    (request.user_id,),
                )
            else:
                c.execute(
                    "UPDATE outbound_tenants SET state = 'pending' WHERE user_id = ? AND tenant_id = ?",
                    (request.user_id, request.tenant_id),
                )

    # -- outbound profiles ------------------------------------------------------------------
    def outbound_tenants(self, user_id: str) -> list[tuple[str, str]]:
        """Return (tenant_id, state) for every tenant reference of one outbound user."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT tenant_id, state FROM outbound_tenants WHERE user_id = ? ORDER BY tenant_id",
                (user_id,),
            ).fetchall()
        return [(str(t), str(s)) for t, s in rows]

    def list_outbound(self, *, after: str | None, limit: int) -> list[str]:
        """Return outbound user ids that still have a tenant reference not removed."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT DISTINCT user_id FROM outbound_tenants WHERE state != 'removed'"
                " AND user_id > ? ORDER BY user_id LIMIT ?",
                (after or "", limit),
            ).fetchall()
        return [str(r[0]) for r in rows]

    # -- lifecycle --------------------------------------------------------------------------
    def next_due(self) -> float | None:
        """Return the earliest process_at among pending requests (None: nothing scheduled)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT MIN(process_at) FROM removal_requests WHERE state = 'pending'"
            ).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def complete_due(self, now: float | None) -> int:
        """Complete pending requests due at ``now`` (all pending when None); return how many."""
        with self._tx() as c:
            args: tuple[float, ...]
            if now is None:
                where, args = "state = 'pending'", ()
            else:
                where, args = "state = 'pending' AND process_at IS NOT NULL AND process_at <= ?", (now,)
            due = c.execute(
                f"SELECT id, kind, user_id, tenant_id FROM removal_requests WHERE {where}",  # noqa: S608
                args,
            ).fetchall()
            for req_id, kind, user_id, tenant_id in due:
                c.execute("UPDATE removal_requests SET state = 'completed' WHERE id = ?", (req_id,))
                if kind == "inbound":
                    c.execute("UPDATE inbound_profiles SET state = 'removed' WHERE user_id = ?", (user_id,))
                else:
                    c.execute(
                        "UPDATE outbound_tenants SET state = 'removed' WHERE user_id = ? AND tenant_id = ?",
                        (user_id, tenant_id),
                    )
        return len(due)

    # -- export operations ------------------------------------------------------------------
    def add_operation(self, op: OperationRow) -> None:
        """Record an export operation."""
        with self._tx() as c:
            c.execute(
                "INSERT INTO data_policy_operations (id, user_id, storage_location, app_id,"
                " submitted_at, complete_at) VALUES (?, ?, ?, ?, ?, ?)",
                (op.id, op.user_id, op.storage_location, op.app_id, op.submitted_at, op.complete_at),
            )

    def get_operation(self, op_id: str) -> OperationRow | None:
        """Return one export operation."""
        with self._lock:
            row = self._conn.execute(
                "SELECT id, user_id, storage_location, app_id, submitted_at, complete_at"
                " FROM data_policy_operations WHERE id = ?",
                (op_id,),
            ).fetchone()
        return None if row is None else OperationRow(*row)

    # -- journal ----------------------------------------------------------------------------
    def append_journal(
        self,
        *,
        time: str,
        method: str,
        path: str,
        status: int,
        client_request_id: str | None,
        request_id: str,
        app_id: str | None,
        operation: str,
    ) -> None:
        """Buffer one journal row; it is written with the next transaction."""
        with self._lock:
            self._journal_buffer.append(
                (time, method, path, status, client_request_id, request_id, app_id, operation)
            )
            if len(self._journal_buffer) >= _JOURNAL_FLUSH_AT:
                self.flush()

    def journal(self, *, after_seq: int = 0, limit: int = 10_000) -> list[JournalRow]:
        """Return journal rows with seq > after_seq, oldest first."""
        with self._lock:
            self.flush()
            rows = self._conn.execute(
                "SELECT seq, time, method, path, status, client_request_id, request_id, app_id,"
                " operation FROM journal WHERE seq > ? ORDER BY seq LIMIT ?",
                (after_seq, limit),
            ).fetchall()
        return [JournalRow(*r) for r in rows]

    def clear_journal(self) -> None:
        """Forget every journal row."""
        with self._tx() as c:
            c.execute("DELETE FROM journal")
