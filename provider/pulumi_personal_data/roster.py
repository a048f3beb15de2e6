"""The departed-users roster: a CSV file of (user_id, reason) rows, validated with line numbers.

Only the columns ``user_id`` and ``reason`` are accepted. An HR export with names or e-mail
addresses is refused rather than trimmed, so personal data cannot slip into a stack by accident.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from .errors import InputValidationError, PersonalDataError
from .inputs import REASON, USER_ID, normalize_guid, parse_inputs

__all__ = ["DepartedUser", "RosterError", "RosterProblem", "load_roster", "parse_roster"]

ALLOWED_COLUMNS = (USER_ID, REASON)


@dataclass(frozen=True)
class DepartedUser:
    """One validated roster row."""

    user_id: str
    reason: str | None
    line: int


@dataclass(frozen=True)
class RosterProblem:
    """One invalid roster row or header: where, which field, and what to do."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


class RosterError(PersonalDataError):
    """The roster file has invalid rows; ``problems`` lists every one of them.

    Attributes:
        source: the file name (or ``<text>``).
        problems: one RosterProblem per invalid row, in file order.
    """

    def __init__(self, source: str, problems: list[RosterProblem]) -> None:
        self.source = source
        self.problems = list(problems)
        listing = "\n  ".join(str(p) for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} invalid row(s); nothing was sent:\n  {listing}")


def _rows(text: str) -> list[tuple[int, list[str]]]:
    """CSV records with the file line each starts on; comment and blank lines are skipped."""
    # Comment lines become blank lines, so the csv module's line numbers stay true to the file.
    lines = ["" if line.lstrip().startswith("#") else line for line in text.splitlines()]
    reader = csv.reader(io.StringIO("\n".join(lines)))
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                records.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise RosterError("<csv>", [RosterProblem(start, "row", f"is not valid CSV ({exc})")]) from None
    return records


def parse_roster(text: str, *, source: str = "<text>") -> list[DepartedUser]:
    """Parse roster CSV text; raise RosterError listing every invalid row."""
    try:
        records = _rows(text)
    except RosterError as exc:
        raise RosterError(source, exc.problems) from None
    if not records:
        return []
    header_line, raw_header = records[0]
    header = [h.strip().lower() for h in raw_header]
    problems: list[RosterProblem] = []
    unknown = [h for h in header if h not in ALLOWED_COLUMNS]
    if USER_ID not in header or unknown or len(set(header)) != len(header):
        problems.append(
            RosterProblem(
                header_line,
                "header",
                f"columns must be {USER_ID} and optionally {REASON}, got {', '.join(header) or 'none'}; "
                "remove other columns (names and e-mail addresses must not enter the stack)",
            )
        )
        raise RosterError(source, problems)
    users: list[DepartedUser] = []
    seen: dict[str, int] = {}
    for line_no, row in records[1:]:
        if len(row) != len(header):
            problems.append(
                RosterProblem(
                    line_no,
                    "row",
                    f"has {len(row)} fields, expected {len(header)}; quote reasons containing commas",
                )
            )
            continue
        values = dict(zip(header, row, strict=True))
        raw_reason = values.get(REASON)
        reason = raw_reason.strip() if raw_reason is not None and raw_reason.strip() else None
        try:
            user_id = normalize_guid(USER_ID, values[USER_ID].strip())
            parse_inputs({USER_ID: user_id, REASON: reason})
        except InputValidationError as exc:
            problems.append(RosterProblem(line_no, exc.field, exc.reason))
            continue
        if user_id in seen:
            problems.append(
                RosterProblem(
                    line_no,
                    USER_ID,
                    f"{user_id} is listed again (first on line {seen[user_id]}); remove the duplicate",
                )
            )
            continue
        seen[user_id] = line_no
        users.append(DepartedUser(user_id=user_id, reason=reason, line=line_no))
    if problems:
        raise RosterError(source, problems)
    return users


def load_roster(path: Path) -> list[DepartedUser]:
    """Read and validate a roster file (UTF-8, an Excel byte-order mark is tolerated)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RosterError(
            str(path),
            [RosterProblem(0, "file", "does not exist; set offboarding:departedUsersFile to a CSV path")],
        ) from None
    return parse_roster(text, source=str(path))
