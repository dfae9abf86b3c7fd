"""The layers' import rules (pyproject.toml, [tool.importlinter]): figures and loaders never import the
presentation side; nothing in lscsb_data imports streamlit or the pages."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--config", str(root / "pyproject.toml"), "--no-cache"], cwd=root,
                          capture_output=True, text=True, env={"PYTHONPATH": str(root), "PATH": ""})


def test_the_import_contracts_hold():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_the_contracts_catch_a_figure_module_that_reads_the_presentation_side(tmp_path):
    shutil.copytree(ROOT / "lscsb_data", tmp_path / "lscsb_data", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    engine = tmp_path / "lscsb_data" / "figures" / "engine.py"
    engine.write_text(engine.read_text() + "\n\ndef _lazy():\n    from lscsb_data.presentation import charts  # noqa\n"
                      "    import streamlit  # noqa\n")
    result = lint(tmp_path)
    assert result.returncode != 0
    assert "2 broken" in result.stdout
