"""The contract's rules (`rlnoise.contract.RULES`) as plain checks, one function per rule.

Each check takes an environment id (`Name-vN` or `my_pkg.my_module:Name-vN`) and the
environment's keyword arguments, returns a short note on what it verified, and raises
`ContractError` (naming the rule broken and how to mend it) when the environment breaks the
rule, or `ContractWarning` when it leaves out something its runs will miss. `run_checks` runs
them all, as `rlnoise check-env` and `tests/test_contract.py` do. The checks live by what they
look at: `rlnoise.checks.declarations` the environment's interface, `rlnoise.checks.replay`
episodes played again, `rlnoise.checks.modes` the outcome labels, `rlnoise.checks.trains`
training (the only check that imports torch); `rlnoise.checks.base` holds what they share.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from rlnoise.checks.base import ContractWarning
from rlnoise.checks.declarations import check_declarations, check_gymnasium_api, check_render
from rlnoise.checks.modes import check_between, check_expert, check_modes
from rlnoise.checks.replay import check_seed_determinism, check_symmetries, check_vector_env
from rlnoise.checks.trains import check_trains
from rlnoise.contract import ContractError

CHECKS: dict[str, Callable[..., str]] = {
    "gymnasium-api": check_gymnasium_api,
    "declarations": check_declarations,
    "seed-determinism": check_seed_determinism,
    "vector-env": check_vector_env,
    "symmetries": check_symmetries,
    "modes": check_modes,
    "between": check_between,
    "expert": check_expert,
    "render": check_render,
    "trains": check_trains,
}


@dataclass
class Result:
    """The outcome of one check: passed or not, and its note, warning or error."""

    name: str
    passed: bool
    message: str
    warning: bool = False


def checks(agent_names: list[str]) -> list[tuple[str, str, Callable[[str, dict[str, Any]], str]]]:
    """Every check to run as `(name, rule, check)`: one per rule, the `trains` rule once per agent."""
    named = [(rule, rule, check) for rule, check in CHECKS.items() if rule != "trains"]
    named += [(f"trains ({agent})", "trains", partial(check_trains, agent=agent)) for agent in agent_names]
    return named


def run_checks(env_id: str, env_kwargs: dict[str, Any] | None = None) -> Iterator[Result]:
    """Run every check on the environment, yielding each result as it comes.

    A check that crashes (the environment raised an exception) fails its rule with that error; a
    `ContractWarning` passes it with a warning.
    """
    from rlnoise import agents

    for name, rule, check in checks(list(agents.AGENTS)):
        try:
            yield Result(name, True, check(env_id, env_kwargs or {}))
        except ContractWarning as warning:
            yield Result(name, True, str(warning), warning=True)
        except ContractError as error:
            yield Result(name, False, str(error))
        except Exception as error:
            yield Result(name, False, str(ContractError(rule, f"{type(error).__name__}: {error}")))
