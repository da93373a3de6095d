"""Every file rlnoise writes, written whole or not at all, and JSON that strict parsers read.

A file is written to a temporary file beside it (`.NAME.<pid>.<random>.partial`), flushed to
disk and renamed over `NAME` (`os.replace`, atomic on POSIX): a reader, or a crash, sees the
previous file or the new one, never half of one. JSON is strict: a non-finite float (`nan`,
`inf`) is written as `null`, so any JSON parser reads it.
"""

from __future__ import annotations

import json
import math
import os
import secrets
from pathlib import Path
from typing import Any

PARTIAL = ".partial"
"""The suffix of a temporary file that has not been renamed yet."""


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` atomically: through a temporary file in the same directory."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{PARTIAL}")
    try:
        with open(temporary, "xb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_text(path: str | Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically."""
    write_bytes(path, text.encode())


def strict(data: Any) -> Any:
    """`data` with every non-finite float replaced by None, as strict JSON has no NaN or Infinity."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: strict(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [strict(value) for value in data]
    return data


def write_json(path: str | Path, data: Any, indent: int = 2) -> None:
    """Write `data` as strict JSON (non-finite floats as `null`) to `path` atomically."""
    write_text(path, json.dumps(strict(data), indent=indent, allow_nan=False) + "\n")
