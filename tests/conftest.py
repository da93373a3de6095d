"""Shared test set-up: the built-in environments registered, as the command layer does."""

import json
from pathlib import Path
from typing import Any

import envs  # noqa: F401  registers the built-in environments with gymnasium


def refuse_constant(name: str) -> Any:
    """A strict JSON parser's answer to `NaN`, `Infinity` and `-Infinity`: refuse them."""
    raise ValueError(f"not strict JSON: {name}")


def read_strict_json(path: Path) -> Any:
    """The JSON in `path`, read as a strict parser reads it (no NaN, no Infinity)."""
    return json.loads(Path(path).read_text(), parse_constant=refuse_constant)
