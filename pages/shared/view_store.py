"""The view cache every process of the app shares: each view's figures and chart specs, pickled to files beside the
database, so a view drawn by one process (one replica of ``make serve``, or the prerender) is cheap for all of them.

Layout: ``<database>.views/<version>/<function>/<key>.pickle`` (``$LSCSB_VIEW_CACHE`` names another folder, or
``off``). ``version`` is the database file's identity (path, inode, mtime, size) and the app's own code, so a data load
(which replaces the file) or a new release starts an empty folder and the old ones are removed; nothing is ever read
for a database or code it was not made from. Files are written to a temporary name and renamed (atomic on one file
system), so a reader sees a whole file or none, and are readable by this user only (the figures are as unprotected as
the database next to them). The folder is a cache: deleting it at any time is safe, and a file that cannot be read or
written is simply computed again. At most ``$LSCSB_VIEW_CACHE_MB`` (default 512) MB is written per database version.

Loading a pickle runs code named in it, so the folder must be as trusted as the database: only this user writes there.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import os
import pickle
import shutil
import tempfile
import threading
from pathlib import Path

_CODE_ROOTS = ("lscsb_data", "pages", "app.py")
# why: a folder's size is summed only every so many writes, so checking the budget costs little
_BUDGET_CHECK_EVERY = 100


@functools.cache
def _code_version() -> str:
    """A digest of the app's Python code: a new release never reads views an older one pickled."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for name in _CODE_ROOTS:
        base = root / name
        for path in sorted([base] if base.is_file() else base.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _root(database: str) -> Path | None:
    chosen = os.environ.get("LSCSB_VIEW_CACHE", "").strip()
    if chosen.lower() == "off":
        return None
    return Path(chosen) if chosen else Path(f"{database}.views")


def _budget() -> int:
    try:
        return int(float(os.environ.get("LSCSB_VIEW_CACHE_MB", "512")) * 2**20)
    except ValueError:
        return 512 * 2**20


class _Folder:
    """One database version's folder: made (and the other versions' removed) on first use, with a write budget."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._writes = 0
        self.full = False
        self.usable = True
        try:
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
            for other in path.parent.iterdir():
                if other.is_dir() and other.name != path.name:
                    shutil.rmtree(other, ignore_errors=True)
        except OSError:
            self.usable = False

    def wrote(self) -> None:
        with self._lock:
            self._writes += 1
            if self._writes % _BUDGET_CHECK_EVERY:
                return
        size = sum(entry.stat().st_size for entry in self.path.rglob("*.pickle") if entry.is_file())
        self.full = size > _budget()


_folders: dict[tuple, _Folder | None] = {}
_folders_lock = threading.Lock()


def _folder(ident: tuple) -> _Folder | None:
    with _folders_lock:
        if ident not in _folders:
            root = _root(ident[0])
            version = hashlib.sha256(repr((tuple(ident), _code_version())).encode()).hexdigest()[:24]
            _folders[ident] = None if root is None else _Folder(root / version)
        found = _folders[ident]
    return found if found is not None and found.usable else None


def _read(path: Path):
    try:
        with open(path, "rb") as file:
            return True, pickle.load(file)
    except FileNotFoundError:
        return False, None
    except Exception:  # a file from an interrupted disk or another library version: computed again
        return False, None


def _write(folder: _Folder, path: Path, value) -> None:
    if folder.full:
        return
    try:
        path.parent.mkdir(exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return
    folder.wrote()


def shared(ident_of=lambda arguments: arguments["ident"], skip: tuple[str, ...] = ()):
    """Decorate a view function so its result is kept in the shared folder, keyed by its name and arguments.

    ``ident_of(arguments)`` is the database identity the result depends on; arguments named in ``skip`` (callables
    Streamlit does not hash either) are left out of the key.
    """
    def decorate(function):
        signature = inspect.signature(function)

        @functools.wraps(function)
        def call(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            arguments = bound.arguments
            ident = ident_of(arguments)
            folder = _folder(tuple(ident)) if ident else None
            if folder is None:
                return function(*args, **kwargs)
            key = repr([(name, value) for name, value in arguments.items() if name not in skip])
            path = folder.path / function.__name__ / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.pickle"
            found, value = _read(path)
            if found:
                return value
            value = function(*args, **kwargs)
            _write(folder, path, value)
            return value

        return call

    return decorate


# why: the steps of the prerender are shared out between the processes by claims, each a file made only if absent
_CLAIMS = ".prerender"
DONE_MARK = ".prerendered"


def claim(ident: tuple, step: str) -> bool:
    """Whether this process is the first to claim the prerender ``step`` of the database version (no folder: always)."""
    folder = _folder(tuple(ident))
    if folder is None:
        return True
    try:
        (folder.path / _CLAIMS).mkdir(exist_ok=True, mode=0o700)
        os.close(os.open(folder.path / _CLAIMS / step, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return False
    except OSError:
        return True
    return True


def finished(ident: tuple, step: str, *, of: int) -> None:
    """Record the claimed ``step`` as drawn; the process that finishes the last of ``of`` steps marks the folder done
    (``DONE_MARK``, holding the number of steps), which is how a benchmark knows every view is prerendered."""
    folder = _folder(tuple(ident))
    if folder is None:
        return
    with contextlib.suppress(OSError):
        claims = folder.path / _CLAIMS
        (claims / f"{step}.done").touch(mode=0o600)
        if sum(1 for _ in claims.glob("*.done")) >= of:
            (folder.path / DONE_MARK).write_text(f"{of}\n")


def prerender_progress(root: Path) -> tuple[int, int | None]:
    """Steps drawn so far under a view-cache folder ``root`` (every database version in it) and, once every step is
    drawn, how many there were (None before)."""
    drawn = sum(1 for _ in root.glob(f"*/{_CLAIMS}/*.done"))
    mark = next(root.glob(f"*/{DONE_MARK}"), None)
    return drawn, (int(mark.read_text()) if mark else None)
