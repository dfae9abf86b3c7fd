"""The test suite's own layout: the modules scheduled first across the xdist workers are modules that exist."""
from __future__ import annotations

from tests.conftest import ROOT, SLOWEST_MODULES_FIRST


def test_every_module_scheduled_first_is_a_test_module():
    assert SLOWEST_MODULES_FIRST and len(set(SLOWEST_MODULES_FIRST)) == len(SLOWEST_MODULES_FIRST)
    assert [name for name in SLOWEST_MODULES_FIRST if not (ROOT / name).is_file()] == []
