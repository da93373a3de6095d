"""The training algorithms, one module each, every one reading top to bottom.

Each module has `train(config, run)`: it builds what it optimises, then collects, computes its
loss and steps, leaning on `rlnoise.run.Run` for everything the algorithms share. This package
imports no torch, so `--help` and input checks can list the names.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

ALGORITHMS = ("reinforce", "ppo", "bc")
"""The names `--algo` takes; each is the module `rlnoise.algorithms.<name>`."""


def load(name: str) -> Callable[..., Any]:
    """The `train(config, run)` function of the algorithm called `name`."""
    return importlib.import_module(f"rlnoise.algorithms.{name}").train
