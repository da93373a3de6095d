"""Policy families behind one interface (`rlnoise.agents.base.Policy`), found by name.

The registry holds entry-point strings, `"module:Class"`, and each agent's own settings, so
listing agents, checking their names and building their flags imports no torch; `load` imports
the module that defines the policy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from rlnoise.config import POSITIVE, Config, Setting

if TYPE_CHECKING:
    from rlnoise.agents.base import Policy

AGENTS: dict[str, str] = {}
SETTINGS: dict[str, tuple[Setting, ...]] = {}
"""Each agent's own settings, by agent name: the keyword arguments its constructor takes."""

RESERVED = ("agents", "seeds", "jobs", "resume", "backend", "address", "vary", "trust_modules")
"""Flags of the commands themselves, which no agent setting may be named after."""


def register(name: str, entry_point: str, settings: tuple[Setting, ...] = ()) -> None:
    """Make a policy class, given as `"module:Class"`, available under `name`, with its own settings.

    Each setting becomes a flag of `train`, `compare` and `sweep` (`--components` for
    `components`) and reaches the constructor as a keyword argument of that name. Agents may share
    a setting name when they give it the same type.
    """
    for setting in settings:
        if setting.name in Config.__dataclass_fields__ or setting.name in RESERVED:
            raise ValueError(f"agent {name!r}: setting {setting.name!r} is already a flag of rlnoise")
        shared = declared().get(setting.name)
        if shared is not None and type(shared[0].default) is not type(setting.default):
            raise ValueError(f"agent {name!r}: setting {setting.name!r} has another type in {shared[1][0]}")
    AGENTS[name] = entry_point
    SETTINGS[name] = settings


def load(name: str) -> type[Policy]:
    """The policy class registered under `name` (a `my_module:name` is resolved by rlnoise first)."""
    module, _, attribute = AGENTS[name].partition(":")
    return getattr(importlib.import_module(module), attribute)


def declared() -> dict[str, tuple[Setting, list[str]]]:
    """Every registered agent setting, by name: its declaration and the agents that take it."""
    result: dict[str, tuple[Setting, list[str]]] = {}
    for agent, settings in SETTINGS.items():
        for setting in settings:
            result.setdefault(setting.name, (setting, []))[1].append(agent)
    return result


def settings_of(name: str, given: dict[str, Any]) -> dict[str, Any]:
    """The values of agent `name`'s own settings: those in `given`, else their defaults."""
    return {setting.name: given.get(setting.name, setting.default) for setting in SETTINGS.get(name, ())}


register("regression", "rlnoise.agents.regression:RegressionPolicy")
register(
    "gaussian",
    "rlnoise.agents.gaussian:GaussianPolicy",
    (
        Setting(
            "state_std",
            False,
            "the network outputs the spread in each state (off: a state-independent "
            "spread: one learned parameter per action coordinate, as in CleanRL and SB3)",
        ),
        Setting("max_spread", 0.3, "cap of the learned standard deviation", POSITIVE),
    ),
)
register(
    "mixture",
    "rlnoise.agents.mixture:MixturePolicy",
    (
        Setting("components", 4, "number of Gaussian components", POSITIVE),
        Setting("min_spread", 0.02, "floor of each component's standard deviation", POSITIVE),
        Setting("max_spread", 0.3, "cap of each component's standard deviation", POSITIVE),
    ),
)
register(
    "flow",
    "rlnoise.agents.flow:FlowPolicy",
    (Setting("transforms", 2, "spline transforms stacked in the flow", POSITIVE),),
)
register("categorical", "rlnoise.agents.categorical:CategoricalPolicy")
