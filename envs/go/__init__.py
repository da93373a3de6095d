"""Small-board Go: the engine (`rlnoise.envs.go.engine`), the move evaluator
(`rlnoise.envs.go.evaluator`), the `go-values` tool (`rlnoise.envs.go.values`) and the value
tables it made (`envs/go/tables/*.json`).

Only the standard library is imported here, so `import rlnoise.envs.go` does not load numba.
"""

from __future__ import annotations

from pathlib import Path

TABLES_DIR = Path(__file__).parent / "tables"
