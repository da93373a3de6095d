"""Policy families behind one interface (`rlnoise.agents.base.Policy`), found by name.

The registry holds entry-point strings, `"module:Class"`, so listing or checking agent names
imports no torch; `load` imports the module that defines the policy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rlnoise.agents.base import Policy

AGENTS: dict[str, str] = {
    "regression": "rlnoise.agents.regression:RegressionPolicy",
    "categorical": "rlnoise.agents.categorical:CategoricalPolicy",
}


def register(name: str, entry_point: str) -> None:
    """Make a policy class, given as `"module:Class"`, available under `name`."""
    AGENTS[name] = entry_point


def load(name: str) -> type[Policy]:
    """The policy class registered under `name` (a `my_module:name` is resolved by rlnoise first)."""
    module, _, attribute = AGENTS[name].partition(":")
    return getattr(importlib.import_module(module), attribute)
