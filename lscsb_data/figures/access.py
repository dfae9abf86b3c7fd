"""Who may see and do what: roles, the users an administrator names, and the audit trail.

Four roles, each including the one before it:

- ``public``: not signed in (or signed in without a role): the protected public figures only;
- ``partner``: every figure, unprotected;
- ``analyst``: a partner who may also load data and write commentary;
- ``admin``: an analyst who may also manage roles.

A signed-in person's role comes from the ``users`` table when an administrator has named them there
(``python -m lscsb_data users add``), else from the identity provider's claim named by
``$LSCSB_ROLE_CLAIM`` (e.g. ``roles``; a string or a list holding role names), else ``public``.
The table is keyed by the lower-cased e-mail address (else the provider's user name, else its
subject), and is only consulted for an address the provider says is verified when it says so at all.

Users and the audit trail are kept beside the database, as commentary is, in one SQLite file
(``$LSCSB_ACCESS``, else ``<database name>.access.sqlite``): ``build`` replaces the database file and
a ``load`` rewrites it, but neither touches this file, so roles and the trail survive both. SQLite
lets the app, the command line and several server processes read and append at once.

Without a sign-in provider the deployment runs as before sign-in existed: one viewer for everyone,
public when ``LSCSB_PUBLIC`` is set, loading with ``LSCSB_ALLOW_UPLOAD`` and commentary with
``LSCSB_ALLOW_EDIT`` (``deployment_viewer``).
"""
from __future__ import annotations

import contextlib
import getpass
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from lscsb_data.config import beside_database, env_flag

ROLES = ("public", "partner", "analyst", "admin")
ACCESS_ENV_VAR = "LSCSB_ACCESS"
ROLE_CLAIM_ENV_VAR = "LSCSB_ROLE_CLAIM"
SESSION_HOURS_ENV_VAR = "LSCSB_SESSION_HOURS"
DEFAULT_SESSION_HOURS = 12
ACTIONS = ("load", "replacement", "build", "commentary", "role", "profile")
AUDIT_COLUMNS = ["at", "who", "action", "what", "sha256", "detail"]
USER_COLUMNS = ["login", "role", "default_area", "added_by", "added_at"]
SCHEMA = Path(__file__).parent / "sql" / "access.sql"
MAX_LOGIN = 254


class AccessDenied(PermissionError):
    """The viewer's role does not allow what was asked."""


@dataclass(frozen=True)
class Viewer:
    """The person using the app, as the server has established them: never taken from the browser."""

    role: str
    login: str | None = None
    name: str | None = None
    default_area: str | None = None
    via: str = "deployment"
    can_upload: bool = False
    can_edit: bool = False

    @property
    def public(self) -> bool:
        return self.role == "public"

    @property
    def signed_in(self) -> bool:
        return self.login is not None

    @property
    def can_manage(self) -> bool:
        return self.role == "admin"

    @property
    def sees_audit(self) -> bool:
        return self.role in ("analyst", "admin")

    @property
    def who(self) -> str:
        """How the audit trail names this viewer."""
        return self.login or "deployment without sign-in"


PUBLIC = Viewer(role="public", via="signed out")


def for_role(role: str, **identity) -> Viewer:
    """A viewer with ``role`` and exactly that role's rights."""
    if role not in ROLES:
        raise ValueError(f"unknown role '{role}': expected one of {', '.join(ROLES)}")
    rank = ROLES.index(role)
    return Viewer(role=role, can_upload=rank >= ROLES.index("analyst"), can_edit=rank >= ROLES.index("analyst"), **identity)


def deployment_viewer() -> Viewer:
    """Everyone's viewer where no sign-in provider is configured: the deployment's switches decide."""
    if env_flag("LSCSB_PUBLIC"):
        return Viewer(role="public", via="deployment")
    return Viewer(role="partner", via="deployment", can_upload=env_flag("LSCSB_ALLOW_UPLOAD"),
                  can_edit=env_flag("LSCSB_ALLOW_EDIT"))


def login_of(claims: Mapping) -> str | None:
    """The key a person is known by: their e-mail address, else the provider's user name, else its subject."""
    for key in ("email", "preferred_username", "upn", "sub"):
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip().lower()[:MAX_LOGIN]
    return None


def role_from_claim(claims: Mapping, claim: str | None) -> str | None:
    """The highest role named in the provider's ``claim`` (a string or a list of strings), if any."""
    if not claim:
        return None
    value = claims.get(claim)
    values = [value] if isinstance(value, str) else list(value) if isinstance(value, (list, tuple)) else []
    named = [str(v).strip().lower() for v in values]
    found = [role for role in ROLES if role in named]
    return found[-1] if found else None


def session_expired(claims: Mapping, *, now: datetime | None = None, hours: float | None = None) -> bool:
    """Whether a sign-in is older than the deployment allows (``$LSCSB_SESSION_HOURS``, default 12),
    judged by when the provider issued its identity token; a token without that time is expired."""
    hours = hours if hours is not None else float(os.environ.get(SESSION_HOURS_ENV_VAR) or DEFAULT_SESSION_HOURS)
    issued = claims.get("iat")
    if isinstance(issued, bool) or not isinstance(issued, (int, float)):
        return True
    now = now or datetime.now(timezone.utc)
    return not (0 <= now.timestamp() - issued <= hours * 3600 + 60)


def signed_in_viewer(claims: Mapping, named: Callable[[str], dict | None], *, role_claim: str | None = None) -> Viewer:
    """The viewer for a verified sign-in: the users table first (``named(login)`` gives its row), then the
    provider's claim, else public."""
    login = login_of(claims)
    if login is None:
        return PUBLIC
    name = claims.get("name") if isinstance(claims.get("name"), str) else None
    # why: a provider that lets anyone claim an address says so with email_verified = false; such an
    # address is not the person the administrator named
    row = named(login) if claims.get("email_verified") is not False else None
    claim = role_claim if role_claim is not None else os.environ.get(ROLE_CLAIM_ENV_VAR)
    claimed = role_from_claim(claims, claim)
    if row is not None and row["role"] != "public":
        return for_role(row["role"], login=login, name=name, default_area=row["default_area"], via="users table")
    if row is not None and row["added_by"] != login:
        return Viewer(role="public", login=login, name=name, via="users table")
    if claimed is not None:
        return for_role(claimed, login=login, name=name, default_area=row["default_area"] if row else None,
                        via=f"claim '{claim}'")
    return Viewer(role="public", login=login, name=name, via="no role")


def require(viewer: Viewer, right: str) -> None:
    """Raise ``AccessDenied`` unless ``viewer`` has ``right`` (``upload``, ``edit``, ``manage`` or ``protected``)."""
    allowed = {"upload": viewer.can_upload, "edit": viewer.can_edit, "manage": viewer.can_manage,
               "protected": not viewer.public}
    if not allowed[right]:
        raise AccessDenied(f"{viewer.who} ({viewer.role}) may not {right.replace('protected', 'see unprotected figures')}")


# --- the store --------------------------------------------------------------------------------------------

def access_path(db_path: str | os.PathLike | None = None) -> Path:
    """``$LSCSB_ACCESS``, else ``<database stem>.access.sqlite`` next to the database."""
    return beside_database(db_path, ACCESS_ENV_VAR, ".access.sqlite")


@contextlib.contextmanager
def _store(path: str | os.PathLike, *, write: bool = True) -> Iterator[sqlite3.Connection]:
    """One short transaction on the access file (created with its tables on first write)."""
    path = Path(path)
    if write:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        if write:
            # why: readers (every server process) never wait for a writer, nor a writer for them
            con.execute("PRAGMA journal_mode = WAL")
            con.executescript(SCHEMA.read_text())
            con.execute("BEGIN IMMEDIATE")
        yield con
        if write:
            con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _clean_login(login: str) -> str:
    login = str(login or "").strip().lower()
    if not login or len(login) > MAX_LOGIN or any(c.isspace() for c in login):
        raise ValueError(f"'{login}' is not a sign-in name: expected an e-mail address such as jane.smith@leics.gov.uk")
    return login


def user(path: str | os.PathLike, login: str) -> dict | None:
    if not Path(path).exists():
        return None
    with _store(path, write=False) as con:
        row = con.execute(f"SELECT {', '.join(USER_COLUMNS)} FROM users WHERE login = ?", (login.lower(),)).fetchone()
    return dict(zip(USER_COLUMNS, row)) if row else None


def users(path: str | os.PathLike) -> pd.DataFrame:
    """Every named user, by login."""
    if not Path(path).exists():
        return pd.DataFrame(columns=USER_COLUMNS)
    with _store(path, write=False) as con:
        rows = con.execute(f"SELECT {', '.join(USER_COLUMNS)} FROM users ORDER BY login").fetchall()
    return pd.DataFrame(rows, columns=USER_COLUMNS)


def set_user(path: str | os.PathLike, login: str, role: str, *, by: str, default_area: str | None = None) -> dict:
    """Name ``login`` with ``role`` (and their default area), replacing what was held; recorded in the trail."""
    login = _clean_login(login)
    if role not in ROLES:
        raise ValueError(f"unknown role '{role}': expected one of {', '.join(ROLES)}")
    with _store(path) as con:
        before = con.execute("SELECT role, default_area FROM users WHERE login = ?", (login,)).fetchone()
        area = default_area if default_area is not None else (before[1] if before else None)
        con.execute(
            "INSERT INTO users (login, role, default_area, added_by, added_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (login) DO UPDATE SET role = excluded.role, default_area = excluded.default_area, "
            "added_by = excluded.added_by, added_at = excluded.added_at",
            (login, role, area or None, by, _now()),
        )
        change = f"{before[0]} to {role}" if before else f"added as {role}"
        _record(con, who=by, action="role", what=f"{login}: {change}",
                detail=f"default area {area}" if area else None)
    return user(path, login)


def remove_user(path: str | os.PathLike, login: str, *, by: str) -> bool:
    """Take ``login`` out of the table (their role then comes from the provider's claim, if any)."""
    login = _clean_login(login)
    with _store(path) as con:
        before = con.execute("SELECT role FROM users WHERE login = ?", (login,)).fetchone()
        if before is None:
            return False
        con.execute("DELETE FROM users WHERE login = ?", (login,))
        _record(con, who=by, action="role", what=f"{login}: removed (was {before[0]})")
    return True


def set_default_area(path: str | os.PathLike, viewer: Viewer, area: str | None) -> None:
    """A signed-in person's own choice of the area the dashboard opens on."""
    if not viewer.signed_in or viewer.public:
        raise AccessDenied("only a signed-in partner, analyst or administrator has a profile")
    with _store(path) as con:
        held = con.execute("SELECT role FROM users WHERE login = ?", (viewer.login,)).fetchone()
        if held is None:
            # why: a person whose role comes from a claim keeps taking it from the claim: the row they make
            # themselves holds their area and no role ('public', set by themselves; see signed_in_viewer)
            con.execute("INSERT INTO users (login, role, default_area, added_by, added_at) VALUES (?, 'public', ?, ?, ?)",
                        (viewer.login, area, viewer.login, _now()))
        else:
            con.execute("UPDATE users SET default_area = ? WHERE login = ?", (area, viewer.login))
        _record(con, who=viewer.login, action="profile", what=f"default area {area or 'none'}")


def record(path: str | os.PathLike, *, who: str, action: str, what: str, sha256: str | None = None,
           detail: str | None = None) -> None:
    """Append one entry to the audit trail."""
    with _store(path) as con:
        _record(con, who=who, action=action, what=what, sha256=sha256, detail=detail)


def record_many(path: str | os.PathLike, entries: Iterable[dict]) -> None:
    with _store(path) as con:
        for entry in entries:
            _record(con, **entry)


def _record(con: sqlite3.Connection, *, who: str, action: str, what: str, sha256: str | None = None,
            detail: str | None = None) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action '{action}'")
    con.execute("INSERT INTO audit (at, who, action, what, sha256, detail) VALUES (?, ?, ?, ?, ?, ?)",
                (_now(), who, action, what, sha256, detail))


def audit_trail(path: str | os.PathLike, *, limit: int | None = None) -> pd.DataFrame:
    """The audit trail, newest first."""
    if not Path(path).exists():
        return pd.DataFrame(columns=AUDIT_COLUMNS)
    with _store(path, write=False) as con:
        rows = con.execute(f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit ORDER BY id DESC LIMIT ?",
                           (-1 if limit is None else limit,)).fetchall()
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def command_line_user() -> str:
    """How the trail names a person at the command line: their account on the server."""
    try:
        return f"command line ({getpass.getuser()})"
    except (KeyError, OSError):
        return "command line"


def record_loads(db_path: str | os.PathLike, reports: Iterable, *, who: str) -> None:
    """One audit entry per file a load wrote: a load, or a replacement where it replaced stored figures."""
    entries = [
        {"who": who, "action": "replacement" if report.rows_replaced else "load",
         "what": f"{report.file} ({report.kind}): load {report.load_id}, {report.figures:,} figures"
                 + (f", {report.rows_replaced:,} replaced" if report.rows_replaced else ""),
         "sha256": report.sha256}
        for report in reports if not report.skipped
    ]
    if entries:
        record_many(access_path(db_path), entries)


def record_commentary(db_path: str | os.PathLike | None, saved: dict, *, who: str) -> None:
    """The audit entry for a commentary save (or withdrawal), with the SHA-256 of the text saved."""
    import hashlib

    what = f"{saved['scope']} {saved['subject']}, {saved['area_code']}, {saved['quarter']}: " + (
        "withdrawn" if not saved["text"].strip() else f"{len(saved['text']):,} characters, signed {saved['author']}")
    record(access_path(db_path), who=who, action="commentary", what=what,
           sha256=hashlib.sha256(saved["text"].encode("utf-8")).hexdigest())
