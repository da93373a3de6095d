"""`rlnoise check-env`: test an environment against the contract, one line per rule."""

from __future__ import annotations

import argparse

from rlnoise.config import Config
from rlnoise.flags import add_flags


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `check-env` subcommand."""
    parser = subparsers.add_parser(
        "check-env",
        help="test an environment against rlnoise's environment contract",
        description="Run every rule of the environment contract (rlnoise/contract.py) on ENV_ID, "
        "`Name-vN` or `my_pkg.my_module:Name-vN`: Gymnasium's env checker, the declarations, "
        "seed determinism, the native vector env, the symmetries, the mode labels, rendering, and "
        "a few training updates of every agent. Prints one line per rule; exits 1 if any fails.",
        epilog="For `my_module:Name-vN`, run it from the directory that holds my_module.py, or put that "
        "directory on PYTHONPATH. docs/adding-an-environment.md walks through writing one.",
    )
    parser.add_argument(
        "env_id", metavar="ENV_ID", help="environment id, `Name-vN` or `my_pkg.my_module:Name-vN`"
    )
    add_flags(parser, skip=tuple(name for name in Config.__dataclass_fields__ if name != "env_kwargs"))
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the checks, print `pass`, `warn` or `FAIL` per rule with its note or error; 0 if none fails."""
    from rlnoise.checks import run_checks
    from rlnoise.environments import check_env_id

    check_env_id(args.env_id)
    failed = 0
    for result in run_checks(args.env_id, args.env_kwargs):
        status = "FAIL" if not result.passed else "warn" if result.warning else "pass"
        print(f"{status}  {result.name:<22} {result.message}", flush=True)
        failed += not result.passed
    if not failed:
        from rlnoise.environments import make_env
        from rlnoise.evaluation import fixed_start

        if fixed_start(make_env(args.env_id, args.env_kwargs)):
            print(
                "note  start states           do not vary: every reset seed gives the same start, so an "
                "evaluation plays that one state contexts x samples times"
            )
    print(f"{args.env_id}: {'all rules pass' if not failed else f'{failed} rule(s) broken'}")
    return 1 if failed else 0
