"""Shared test set-up: the built-in environments registered, as the command layer does."""

import json
from pathlib import Path
from typing import Any

from rlnoise import envs  # noqa: F401  registers the built-in environments with gymnasium


def refuse_constant(name: str) -> Any:
    """A strict JSON parser's answer to `NaN`, `Infinity` and `-Infinity`: refuse them."""
    raise ValueError(f"not strict JSON: {name}")


def read_strict_json(path: Path) -> Any:
    """The JSON in `path`, read as a strict parser reads it (no NaN, no Infinity)."""
    return json.loads(Path(path).read_text(), parse_constant=refuse_constant)


def messages(stderr: str) -> list[str]:
    """The lines a terminal shows of `stderr` at the end: a progress bar erased by `\\r` is gone."""
    shown = (line.rsplit("\r", 1)[-1] for line in stderr.split("\n"))
    return [line for line in shown if line.strip()]


def refused(command: list[str], capsys: Any) -> tuple[int, list[str]]:
    """Run `rlnoise COMMAND` in this process; return its exit code and its stderr's lines."""
    from rlnoise.cli import main

    try:
        code = main(command)
    except SystemExit as exit:  # argparse's own refusals
        code = exit.code
    return code, capsys.readouterr().err.splitlines()
