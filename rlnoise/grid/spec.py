"""The grid: its axes, its cells, their settings and names, the command that trains it again, and
the identity that `--resume` checks.

A `Grid` is a base `Config`, the agents, the seeds and any number of `Axis`: a training setting
(`sigma`, `ent_coef`, ...), an agent's own setting (`components`) or an env keyword argument
(`env.half_gap`) with its values. Every `Cell` is one run with its own directory under the
grid's directory, named by `rlnoise.names.run_name`:
`<agent>__<name>=<value>__...__seed<seed>` (`<agent>__seed<seed>` with nothing varied).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import shlex
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from rlnoise.config import Check, Config
from rlnoise.errors import UsageError
from rlnoise.files import parse_json
from rlnoise.flags import TYPES, env_defaults, flag_type, for_agent
from rlnoise.names import flag_name, run_name
from rlnoise.plan import make_plan

OWN_FLAGS = ("agent", "seed", "run_name", "logdir")
"""`Config` fields that a grid sets itself, per run or for the whole grid."""
NOT_VARIED = (*OWN_FLAGS, "env_id", "env_kwargs", "agent_settings")
"""`Config` fields `--vary` does not take: `--agents` and `--seeds` span those, `env.KEY` the kwargs."""
ENV = "env."
SIGNIFICANT = 4
"""Significant digits of the values a range generates, so that names and commands stay short."""
MAX_RUNS = 10_000
"""The most runs a grid may have (each is a directory, a process start and minutes of training);
a range, a seed list and the whole grid are checked against it before any is built."""


@dataclass(frozen=True)
class Axis:
    """A varied setting: a `Config` field or `env.KEY`, its values, and whether they form a log range."""

    name: str
    values: tuple[Any, ...]
    log: bool = False
    text: str = ""
    """The values as given on the command line."""


def numeric(values: Sequence[Any]) -> bool:
    """Whether every value is a number (not a boolean)."""
    return all(isinstance(value, int | float) and not isinstance(value, bool) for value in values)


def setting_name(name: str) -> str:
    """The setting `--vary` names: a `Config` field (`ent-coef` or `ent_coef`), an agent's own
    setting (`components`) or `env.KEY`."""
    from rlnoise import agents

    if name.startswith(ENV) and name[len(ENV) :].replace("-", "_").isidentifier():
        return ENV + name[len(ENV) :].replace("-", "_")
    field_name = name.replace("-", "_")
    valid = [item.name for item in fields(Config) if item.name not in NOT_VARIED] + list(agents.declared())
    if field_name in valid:
        return field_name
    import difflib

    if field_name in NOT_VARIED:
        raise ValueError(f"{name} is not varied with --vary: use --agents, --seeds or env.KEY")
    matches = difflib.get_close_matches(field_name, valid, n=2)
    hint = f"did you mean {' or '.join(matches)}? " if matches else ""
    raise ValueError(f"unknown setting {name!r}; {hint}valid: {', '.join(valid)}, or env.KEY")


def declaration(name: str) -> tuple[type, Check | None, str]:
    """The type, check and help of a `Config` field or of an agent's own setting named `name`."""
    from rlnoise import agents

    own = agents.declared().get(name)
    if own is not None:
        return type(own[0].default), own[0].check, own[0].help
    item = next(item for item in fields(Config) if item.name == name)
    return TYPES.get(item.type, bool), item.metadata.get("check"), item.metadata["help"]


def range_values(text: str) -> tuple[list[float], bool] | None:
    """The values of `a:b:n` (linear) or `log:a:b:n`, and whether they are logarithmic; None if no
    range. Whole numbers when `a` and `b` are written as whole numbers and every value is one."""
    import numpy as np

    parts = text.split(":")
    if len(parts) == 1:
        return None
    log = parts[0] == "log"
    numbers = parts[1:] if log else parts
    try:
        if len(numbers) != 3:
            raise ValueError
        first, last, count = float(numbers[0]), float(numbers[1]), int(numbers[2])
        if count < 2 or not (math.isfinite(first) and math.isfinite(last)) or first == last:
            raise ValueError
        if log and (first <= 0 or last <= 0):
            raise ValueError
    except ValueError:
        raise ValueError(
            f"malformed range {text!r}: expected a:b:n or log:a:b:n, with n >= 2, a != b "
            "(and a, b > 0 for log)"
        ) from None
    if count > MAX_RUNS:
        raise ValueError(f"range {text!r} has {count:,} values; a grid holds at most {MAX_RUNS:,} runs")
    values = np.geomspace(first, last, count) if log else np.linspace(first, last, count)
    rounded = [float(f"{value:.{SIGNIFICANT}g}") for value in values]
    if all(part.strip().lstrip("-").isdigit() for part in numbers[:2]) and all(
        v.is_integer() for v in rounded
    ):
        return [
            int(value) for value in rounded
        ], log  # whole ends, whole steps: whole numbers (env.table_seed=1:8:8)
    return rounded, log


def env_value(text: str) -> Any:
    """An env keyword argument's value: a JSON number, boolean or null, else the text itself."""
    try:
        return parse_json(text)
    except ValueError:
        return text


def parse_axis(text: str) -> Axis:
    """An `Axis` from `NAME=VALUES`: a list `0.1,0.2`, a range `0.1:1.2:12` or `log:0.001:1:10`.

    Each value of a `Config` setting passes the setting's own check; raises ValueError with one line.
    """
    name, equals, values_text = text.partition("=")
    if not equals or not name.strip() or not values_text.strip():
        raise ValueError(f"expected NAME=VALUES, such as sigma=0.1,0.2 or sigma=log:0.1:1:5, got {text!r}")
    name = setting_name(name.strip())
    generated = range_values(values_text.strip())
    texts = [part.strip() for part in values_text.split(",")] if generated is None else None
    if texts is not None and not all(texts):
        raise ValueError(f"empty value in {text!r}")
    if name.startswith(ENV):
        values = [env_value(part) for part in texts] if texts is not None else generated[0]
    else:
        kind, check, _ = declaration(name)
        if kind is bool:
            raise ValueError(f"{name} is a switch: compare --{name} and --no-{name} with two sweeps")
        parse = flag_type(kind, check)
        numbers = generated[0] if generated is not None else None
        texts = texts or [str(round(value)) if kind is int else repr(value) for value in numbers]
        try:
            values = [parse(part) for part in texts]
        except argparse.ArgumentTypeError as error:  # the setting's own check
            raise ValueError(f"{name}: {error}") from None
    if len(set(map(json.dumps, values))) < len(values):
        raise ValueError(f"{name} takes a value twice in {text!r}")
    return Axis(name, tuple(values), log=bool(generated and generated[1]), text=values_text.strip())


def with_settings(base: Config, point: dict[str, Any]) -> Config:
    """`base` with the settings of `point`: `Config` fields, agents' own settings and `env.KEY` env
    keyword arguments."""
    from rlnoise import agents

    own = agents.declared()
    env_kwargs = {name[len(ENV) :]: value for name, value in point.items() if name.startswith(ENV)}
    agent_settings = {name: value for name, value in point.items() if name in own}
    settings = {name: value for name, value in point.items() if not name.startswith(ENV) and name not in own}
    return replace(
        base,
        **settings,
        env_kwargs={**base.env_kwargs, **env_kwargs},
        agent_settings={**base.agent_settings, **agent_settings},
    )


@dataclass(frozen=True)
class Cell:
    """One cell of the grid, trained as one run: its settings and its varied values."""

    config: Config
    point: dict[str, Any]

    @property
    def directory(self) -> Path:
        """The run's directory."""
        return Path(self.config.logdir) / str(self.config.run_name)


@dataclass
class Grid:
    """Agents x seeds x the product of the axes' values, around one base `Config`."""

    base: Config
    agents: list[str]
    seeds: list[int]
    axes: list[Axis] = field(default_factory=list)
    refine: int = 0
    """Rounds of `--refine`: values added to the first axis where a share crosses one half."""
    added: tuple[Any, ...] = ()
    """The first axis's values that refinement added (found again from the runs on resume)."""

    def points(self) -> list[dict[str, Any]]:
        """Every combination of the varied values, the first axis varying slowest."""
        names = [axis.name for axis in self.axes]
        return [dict(zip(names, values, strict=True)) for values in itertools.product(*self.values())]

    def values(self) -> list[tuple[Any, ...]]:
        """Each axis's values, the first with those refinement added, in order."""
        values = [axis.values for axis in self.axes]
        if self.added:
            values[0] = tuple(sorted({*values[0], *self.added}))
        return values

    def cells(self, directory: Path) -> list[Cell]:
        """Every cell, its run's directory under `directory`: agent, then point, then seed."""
        cells = []
        for agent, point, seed in itertools.product(self.agents, self.points(), self.seeds):
            config = replace(
                for_agent(with_settings(self.base, point), agent),
                seed=seed,
                run_name=run_name(agent, seed, settings=point),
                logdir=str(directory),
            )
            cells.append(Cell(config, point))
        return cells

    def settings(self) -> dict[str, Any]:
        """The base settings that every run shares (without those the grid sets itself)."""
        return {key: value for key, value in asdict(self.base).items() if key not in OWN_FLAGS}

    def identity(self) -> dict[str, Any]:
        """What a directory's results must record for `resume` to continue this grid there."""
        vary = {"vary": [asdict(axis) for axis in self.axes]} if self.axes else {}
        refine = {"refine": self.refine} if self.refine else {}
        return json.loads(
            json.dumps(
                {"agents": self.agents, "seeds": self.seeds, **vary, **refine, "settings": self.settings()}
            )
        )

    def check(self) -> None:
        """Raise a UsageError unless the grid has at most `MAX_RUNS` runs, every agent takes every
        agent setting varied and every run passes the checks of `rlnoise train` (no run starts)."""
        from rlnoise import agents
        from rlnoise.names import resolve

        size = len(self.agents) * len(self.seeds) * math.prod(len(axis.values) for axis in self.axes)
        if size > MAX_RUNS:
            raise UsageError(
                f"this grid has {size:,} runs; at most {MAX_RUNS:,} (fewer values, seeds or agents)"
            )
        first = self.axes[0] if self.axes else None
        if self.refine and not (first is not None and numeric(first.values)):
            raise UsageError(f"--refine needs numbers to bisect along the first --vary, not {first.text}")
        own = agents.declared()
        for axis in (axis for axis in self.axes if axis.name in own):
            takers = own[axis.name][1]
            others = [agent for agent in self.agents if resolve(agent, "agent") not in takers]
            if others:
                raise UsageError(
                    f"--vary {axis.name}: a setting of agent {', '.join(takers)}, not of {', '.join(others)}"
                )
        for agent, point in itertools.product(self.agents, self.points()):
            make_plan(for_agent(with_settings(self.base, point), agent))

    def command(self, name: str) -> str:
        """The `rlnoise <name>` command that trains this grid again: every setting that differs from
        what the command line gives when its flag is left out (the env's training_defaults, else
        rlnoise's own)."""
        base = self.base
        parts = ["rlnoise", name, "--env-id", base.env_id, "--agents", ",".join(self.agents)]
        parts += ["--seeds", ",".join(map(str, self.seeds))]
        for axis in self.axes:
            parts += ["--vary", f"{axis.name}={axis.text}"]
        if self.refine:
            parts += ["--refine", str(self.refine)]
        defaults = replace(Config(), **env_defaults(base.env_id, base.env_kwargs))
        for item in fields(Config):
            value = getattr(base, item.name)
            if item.name in (*OWN_FLAGS, "env_id") or value == getattr(defaults, item.name):
                continue
            if item.name == "agent_settings":
                parts += [part for name, given in value.items() for part in flag_words(name, given)]
                continue
            parts += flag_words(item.name, value)
        return shlex.join(parts)


def flag_words(name: str, value: Any) -> list[str]:
    """The command-line words that give setting `name` the value `value`."""
    flag = flag_name(name)[2:]
    if isinstance(value, bool):
        return [f"--{flag}" if value else f"--no-{flag}"]
    return [f"--{flag}", json.dumps(value) if isinstance(value, dict) else str(value)]
