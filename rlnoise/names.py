"""Names: `module:Name` env ids and agents, run directories and flags, each rule in one place.

An env id or agent name may be `my_pkg.my_module:Name`. `resolve` imports that module once per
process (it registers `Name`) and returns `Name`; the commands call it where they check their
inputs, and `rlnoise.train` calls it for a run started without a command (a `compare` worker, a
library call), where the import has not happened yet. Imports nothing heavy.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from rlnoise.errors import UsageError, first_line

RESOLVED: dict[str, str] = {}
"""The names resolved in this process, `my_module:Name` -> `Name`: each module is imported once."""


def resolve(name: str, kind: str) -> str:
    """Import the module of `my_pkg.my_module:Name` (it registers `Name`) and return `Name`.

    The module is found on the usual path and in the current directory, as `python -m` finds
    it; processes started later (the workers of `compare`) inherit that path. A module that
    cannot be imported, or that raises on import, is a UsageError; a plain `Name` is returned as
    it is.
    """
    if name in RESOLVED:
        return RESOLVED[name]
    module, colon, short = name.rpartition(":")
    if colon and not (short and all(part.isidentifier() for part in module.split("."))):
        raise UsageError(f"{kind} {name!r} is not `Name` or `my_pkg.my_module:Name`")
    if module:
        import_user_module(module, f" of {kind} {name!r}")
    RESOLVED[name] = short
    return short


def import_user_module(module: str, of: str = "") -> None:
    """Import a user's module from the usual path or the current directory, as `python -m` finds it;
    a module that cannot be imported or raises on import is a UsageError (`of` says whose it is)."""
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        importlib.import_module(module)
    except ImportError as error:
        raise UsageError(
            f"cannot import module {module!r}{of}: {error} "
            "(run from the directory that holds it, or add that directory to PYTHONPATH)"
        ) from None
    except Exception as error:  # the user's module raised while it was imported
        raise UsageError(
            f"module {module!r}{of} raised {type(error).__name__} on import: {first_line(error)}"
        ) from None


def file_name(name: object) -> str:
    """An env id, agent name (`my_pkg.my_module:Name-v0`) or setting value as a plain file name."""
    return str(name).replace(":", "_").replace("/", "_")


def run_name(
    agent: str,
    seed: int,
    env_id: str | None = None,
    suffix: str | None = None,
    settings: Mapping[str, object] | None = None,
) -> str:
    """A run directory's name: `<agent>__seed<seed>`, after `<env>__` and before `__<suffix>` when
    given (a single run names its env and its time; a grid's runs share both), with a grid cell's
    varied `settings` between agent and seed as `<name>=<value>__...`."""
    parts = [file_name(env_id)] if env_id else []
    varied = [f"{name}={file_name(value)}" for name, value in (settings or {}).items()]
    parts += [file_name(agent), *varied, f"seed{seed}"]
    return "__".join([*parts, suffix] if suffix else parts)


def flag_name(name: str) -> str:
    """The command-line flag of a setting: `--env-id` for `env_id`."""
    return f"--{name.replace('_', '-')}"


def command_path(name: str) -> str:
    """How a fresh shell runs the console script `name` (`tensorboard`, `rlnoise`): its path beside
    this Python (`.venv/bin/tensorboard`, relative to the working directory when inside it), as a
    virtual environment that is not activated has it; the bare name when it is not there."""
    beside = Path(sys.executable).parent / name
    if not beside.is_file():
        return name
    return str(beside.relative_to(Path.cwd())) if beside.is_relative_to(Path.cwd()) else str(beside)
