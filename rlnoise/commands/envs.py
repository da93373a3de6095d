"""`rlnoise envs`: list the registered environments, without importing torch."""

from __future__ import annotations

import argparse
from typing import Any

from rlnoise.names import import_user_module

OWN_PACKAGE = "rlnoise.envs."
MODES_WIDTH = 40


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `envs` subcommand."""
    parser = subparsers.add_parser(
        "envs",
        help="list the registered environments",
        description="List rlnoise's environments, and those that the named modules register, with their "
        "action space, declared modes and a one-line description. Imports the environments' modules, "
        "not torch.",
    )
    parser.add_argument(
        "modules",
        nargs="*",
        metavar="MODULE",
        help="also list the environments this module registers (e.g. my_pkg.my_envs)",
    )
    parser.set_defaults(run=run)


def env_row(env_id: str) -> dict[str, str]:
    """An environment's action space, declared modes and the first line of its docstring."""
    import gymnasium as gym

    from rlnoise.contract import action_coordinates, mode_labels

    try:
        env = gym.make(env_id, disable_env_checker=True)
    except Exception as error:  # a broken user environment still gets its row
        return {"action space": "?", "modes": "?", "description": f"cannot be made: {error}"}
    space = str(env.action_space)
    if action_coordinates(env) is not None:
        space += " + coordinates"
    modes = ", ".join(mode_labels(env)) or "(none declared)"
    if len(modes) > MODES_WIDTH:
        modes = f"{modes[: MODES_WIDTH - 8].rsplit(', ', 1)[0]}, ... ({len(mode_labels(env))})"
    doc = (type(env.unwrapped).__doc__ or "").strip()
    env.close()
    return {"action space": space, "modes": modes, "description": doc.splitlines()[0] if doc else ""}


def listed(spec: Any, added: set[str]) -> bool:
    """Whether an environment is rlnoise's own or registered by a module named on the command line."""
    return spec.id in added or (
        isinstance(spec.entry_point, str) and spec.entry_point.startswith(OWN_PACKAGE)
    )


def run(args: argparse.Namespace) -> int:
    """Print the table of environments; return the exit code."""
    import gymnasium as gym

    from rlnoise.report import table

    before = set(gym.registry)
    for module in args.modules:
        import_user_module(module)
    added = set(gym.registry) - before
    rows = {spec.id: env_row(spec.id) for spec in gym.registry.values() if listed(spec, added)}
    print(table(rows, "id", ("action space", "modes", "description")))
    return 0
