"""Files the whole test run shares, made once whichever xdist worker asks first."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path


def built_once(tmp_path_factory, name: str, make) -> Path:
    """``make(path)`` run once for the whole test run, whichever worker asks first; the others wait for it.

    The file lives in the folder every xdist worker's temporary folder sits in; what ``make`` writes must be
    treated as read-only (copy it to change it)."""
    root = tmp_path_factory.getbasetemp()
    shared = root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root
    path = shared / "built-once" / name
    path.parent.mkdir(exist_ok=True)
    with open(shared / f"built-once-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            make(path)
    return path
