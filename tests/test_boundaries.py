"""The data layer stands alone: it never imports streamlit, and every module imports cleanly."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_importing_every_lscsb_data_module_never_imports_streamlit():
    script = (
        "import importlib, pkgutil, sys\n"
        "import lscsb_data\n"
        "for module in pkgutil.walk_packages(lscsb_data.__path__, 'lscsb_data.'):\n"
        "    if module.name != 'lscsb_data.__main__':\n"
        "        importlib.import_module(module.name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.'))\n"
        "print(len(list(pkgutil.walk_packages(lscsb_data.__path__, 'lscsb_data.'))))\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr or "lscsb_data imported streamlit"
    assert int(result.stdout.strip()) >= 30


def test_no_sql_in_pages_or_app():
    """Pages call the named query API; SQL lives in lscsb_data."""
    offenders = []
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py"))]:
        text = path.read_text().upper()
        if any(token in text for token in ("SELECT ", ".EXECUTE(", "DUCKDB.CONNECT(")):
            offenders.append(path.name)
    assert offenders == []
