"""Analysts' commentary: narrative per indicator, area and financial quarter, and per theme.

Commentary is kept apart from the figures, in its own CSV file, because ``build`` replaces the
database file and a ``load`` rewrites it: neither ever touches the commentary file. The file is
``$LSCSB_COMMENTARY`` if set, else ``<database name>.commentary.csv`` beside the database (so
``data/lscsb.duckdb`` keeps its commentary in ``data/lscsb.commentary.csv``).

The file is append-only: every save adds a row with its author and time (UTC), and the newest row
for an indicator (or theme), area and quarter is the current commentary; saving empty text withdraws
it. Each save rewrites the file atomically under a lock, so two people saving at once lose nothing.
Writing needs ``LSCSB_ALLOW_EDIT=1`` and is never allowed in a public deployment (``editing_enabled``), or, where people sign in, an analyst's role. The text is stored and returned exactly as written; every
output shows it as plain text, never as HTML or markdown.
"""
from __future__ import annotations

import contextlib
import csv
import fcntl
import os
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from lscsb_data.figures import disclosure, periods
from lscsb_data.config import beside_database, env_flag

COMMENTARY_ENV_VAR = "LSCSB_COMMENTARY"
EDIT_ENV_VAR = "LSCSB_ALLOW_EDIT"
COLUMNS = ["comment_id", "scope", "subject", "area_code", "quarter", "text", "author", "written_at"]
SCOPES = ("indicator", "theme")
MAX_TEXT = 4000
MAX_AUTHOR = 80


class EditingDisabled(PermissionError):
    """Commentary can be written only where the deployment sets LSCSB_ALLOW_EDIT=1 and is not public."""


def commentary_path(db_path: str | os.PathLike | None = None) -> Path:
    """``$LSCSB_COMMENTARY``, else ``<database stem>.commentary.csv`` next to the database."""
    return beside_database(db_path, COMMENTARY_ENV_VAR, ".commentary.csv")


def editing_enabled(public: bool | None = None) -> bool:
    """Whether commentary may be written: the deployment allows it, and it is not public (``public``, else
    ``$LSCSB_PUBLIC``). The one check the app and the command line ask, so sign-in can later decide ``public``."""
    return env_flag(EDIT_ENV_VAR) and not disclosure.public_mode(public)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="str") for column in COLUMNS})


def read_all(path: str | os.PathLike) -> pd.DataFrame:
    """Every saved row, oldest first; every column is text, exactly as written."""
    path = Path(path)
    if not path.exists():
        return _empty()
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: not a commentary file (missing column(s) {', '.join(missing)})")
        rows = [{column: row[column] for column in COLUMNS} for row in reader]
    return pd.DataFrame(rows, columns=COLUMNS, dtype="str") if rows else _empty()


def comments(
    path: str | os.PathLike,
    *,
    area: str | None = None,
    quarter: str | None = None,
    scope: str | None = None,
    subject: str | None = None,
    history: bool = False,
) -> pd.DataFrame:
    """The current commentary (the newest row per scope, subject, area and quarter, unless withdrawn).

    With ``history`` every saved version is returned, newest first.
    """
    frame = read_all(path)
    for column, wanted in (("area_code", area), ("quarter", quarter), ("scope", scope), ("subject", subject)):
        if wanted is not None:
            frame = frame[frame[column] == wanted]
    frame = frame.iloc[::-1]
    if not history:
        frame = frame.drop_duplicates(["scope", "subject", "area_code", "quarter"])
        frame = frame[frame.text.str.strip() != ""]
    return frame.reset_index(drop=True)


def comment_for(path, *, scope: str, subject: str, area: str, quarter: str) -> dict | None:
    """The current commentary on one subject, or None."""
    found = comments(path, scope=scope, subject=subject, area=area, quarter=quarter)
    return None if found.empty else found.iloc[0].to_dict()


def add_comment(
    path: str | os.PathLike,
    *,
    scope: str,
    subject: str,
    area: str,
    quarter: str,
    text: str,
    author: str,
    now: datetime | None = None,
    allowed: bool | None = None,
) -> dict:
    """Save commentary (empty ``text`` withdraws it); raises ``EditingDisabled`` unless editing is
    ``allowed`` (the signed-in viewer's role, where the deployment signs people in), else enabled."""
    if not (editing_enabled() if allowed is None else allowed):
        reason = ("is off in a public deployment" if disclosure.public_mode()
                  else f"needs {EDIT_ENV_VAR}=1 in this deployment, or an analyst's role")
        raise EditingDisabled(f"editing commentary {reason}")
    row = _validated(scope=scope, subject=subject, area=area, quarter=quarter, text=text, author=author, now=now)
    path = Path(path)
    with _locked(path):
        existing = read_all(path)
        _write_atomically(path, [*existing.to_dict("records"), row])
    return row


def _validated(*, scope, subject, area, quarter, text, author, now) -> dict:
    if scope not in SCOPES:
        raise ValueError(f"unknown scope '{scope}': expected one of {', '.join(SCOPES)}")
    for name, value in (("subject", subject), ("area", area)):
        if not str(value or "").strip():
            raise ValueError(f"commentary needs a {name}")
    author = str(author or "").strip()
    if not author:
        raise ValueError("commentary needs an author")
    if len(author) > MAX_AUTHOR:
        raise ValueError(f"the author's name is longer than {MAX_AUTHOR} characters")
    text = str(text or "").replace("\r\n", "\n")
    if len(text) > MAX_TEXT:
        raise ValueError(f"the commentary is {len(text):,} characters long; the limit is {MAX_TEXT:,}")
    written = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return {
        "comment_id": uuid.uuid4().hex,
        "scope": scope,
        "subject": str(subject).strip(),
        "area_code": str(area).strip(),
        "quarter": periods.parse_quarter(quarter).label,
        "text": text,
        "author": author,
        "written_at": written.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on a sidecar file, so read-modify-write cycles never interleave."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write_atomically(path: Path, rows: list[dict]) -> None:
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, fieldnames=COLUMNS, quoting=csv.QUOTE_ALL)
            writer.writeheader()
            writer.writerows(rows)
            out.flush()
            os.fsync(out.fileno())
        # why: mkstemp creates the file private to its writer; readers (the app) may run as another user
        os.chmod(temp_name, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(temp_name, path)
    finally:
        Path(temp_name).unlink(missing_ok=True)


def signature(comment: dict) -> str:
    """"Jane Smith, 14 Apr 2020 09:30 UTC": who wrote the commentary and when."""
    written = datetime.strptime(comment["written_at"], "%Y-%m-%dT%H:%M:%SZ")
    return f"{comment['author']}, {written:%d %b %Y %H:%M} UTC"
