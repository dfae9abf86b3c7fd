-- The access file beside the database (SQLite): who has which role, and the audit trail (figures/access.py).
CREATE TABLE IF NOT EXISTS users (
    login        TEXT PRIMARY KEY,
    role         TEXT NOT NULL CHECK (role IN ('public', 'partner', 'analyst', 'admin')),
    default_area TEXT,
    added_by     TEXT NOT NULL,
    added_at     TEXT NOT NULL
);

-- why: append-only, so the trail says what happened even after a role or a figure has changed again
CREATE TABLE IF NOT EXISTS audit (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     TEXT NOT NULL,
    who    TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('load', 'replacement', 'build', 'commentary', 'role', 'profile')),
    what   TEXT NOT NULL,
    sha256 TEXT,
    detail TEXT
);
