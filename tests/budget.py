"""How many examples a property test draws: a fifth of its full count in the default run
(the suite's CPU budget), all of them with `CUSTINFO_THOROUGH=1` (before a release, or
after touching a fast path: `CUSTINFO_THOROUGH=1 pytest tests/test_import_fastpath.py`)."""

from __future__ import annotations

import os

THOROUGH = os.environ.get("CUSTINFO_THOROUGH") == "1"


def examples(full: int) -> int:
    """`full` examples when thorough, else a fifth of them (at least 20)."""
    return full if THOROUGH else max(20, full // 5)
