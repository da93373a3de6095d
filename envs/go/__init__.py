"""Small-board Go: the engine (`envs.go.engine`), the move evaluator (`envs.go.evaluator`) and
the shipped value tables (`envs/go/tables/*.json`, made by `rlnoise go-values`).

Only the standard library is imported here, so `import envs.go` does not load numba.
"""

from __future__ import annotations

import json
from pathlib import Path

TABLES_DIR = Path(__file__).parent / "tables"


def load_table(name: str) -> dict:
    """A shipped value table by file name, e.g. "go7_tengen_komi9.json", as written by go-values."""
    return json.loads((TABLES_DIR / name).read_text())
