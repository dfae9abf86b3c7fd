"""Where the project's files live, and which database a command uses."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_DB = DATA_DIR / "lscsb.duckdb"
DB_ENV_VAR = "LSCSB_DB"


def resolve_db_path(cli_value: str | os.PathLike | None = None) -> Path:
    """The database path: ``--db`` if given, else ``$LSCSB_DB``, else ``data/lscsb.duckdb``."""
    if cli_value:
        return Path(cli_value)
    env_value = os.environ.get(DB_ENV_VAR)
    if env_value:
        return Path(env_value)
    return DEFAULT_DB


def beside_database(db_path: str | os.PathLike | None, env_var: str, suffix: str) -> Path:
    """``$env_var`` if set, else the file ``<database stem><suffix>`` next to the database (commentary, access)."""
    configured = os.environ.get(env_var)
    if configured:
        return Path(configured)
    database = resolve_db_path(db_path)
    return database.with_name(f"{database.stem}{suffix}")


def env_flag(name: str) -> bool:
    """True when a deployment switch such as ``LSCSB_PUBLIC`` is set to 1/true/yes."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}
