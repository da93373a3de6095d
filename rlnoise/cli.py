"""The `rlnoise` command: one subcommand per module in `rlnoise.commands`.

Each command module exposes `add_parser(subparsers)` and `run(args) -> int`, and imports
nothing heavy at module level, so `rlnoise --help` and `rlnoise envs` start without torch.
A user mistake is reported as one line on stderr with exit code 2, a run that could not finish
(a file it could not write, a diverged training) as one line with exit code 1, never as a traceback.
SIGTERM stops a command as Ctrl-C does (it raises `Terminated`, a KeyboardInterrupt): exit 143.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from rlnoise.errors import RunError, UsageError
from rlnoise.flags import import_agents
from rlnoise.signals import exit_code, install_handlers

COMMANDS = ("train", "evaluate", "compare", "sweep", "envs", "check-env", "go-values")


class Parser(argparse.ArgumentParser):
    """An argument parser that reports a usage error as one line and exits with code 2."""

    def error(self, message: str) -> NoReturn:
        """Print `prog: error: message` and exit 2."""
        self.exit(2, f"{self.prog}: error: {message}\n")


class Version(argparse.Action):
    """`--version`: print the package version and the commit of rlnoise's source, then exit 0."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> NoReturn:
        """Print `rlnoise VERSION (commit COMMIT)` and exit."""
        from rlnoise.manifest import provenance

        made = provenance()
        commit = f" (commit {made['commit']})" if made["commit"] else ""
        print(f"rlnoise {made['version']}{commit}")
        parser.exit(0)


def build_parser() -> Parser:
    """The parser of `rlnoise` and all its subcommands."""
    parser = Parser(prog="rlnoise", description="Train and compare stochastic and deterministic policies.")
    parser.add_argument(
        "--version",
        action=Version,
        nargs=0,
        help="print the version (and the git commit of a checkout) and exit",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"rlnoise.commands.{name.replace('-', '_')}").add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `rlnoise` with `argv` (default: the command line); return the exit code."""
    from rlnoise import envs  # noqa: F401  registers the built-in environments (light: entry points only)

    argv = sys.argv[1:] if argv is None else list(argv)
    command = f"rlnoise {argv[0]}" if argv and argv[0] in COMMANDS else "rlnoise"
    try:
        import_agents(argv)  # a `my_module:name` agent's own settings become flags
    except UsageError as error:
        print(f"{command}: error: {error}", file=sys.stderr)
        return 2
    install_handlers()  # SIGTERM stops a command as Ctrl-C does (rlnoise.signals)
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except KeyboardInterrupt as error:  # while parsing, or a second Ctrl-C or SIGTERM while a run saves
        print(f"{command}: interrupted", file=sys.stderr)
        return exit_code(error)
    except UsageError as error:
        print(f"{command}: error: {error}", file=sys.stderr)
        return 2
    except RunError as error:
        print(f"{command}: error: {error}", file=sys.stderr)
        return 1


def run(argv: Sequence[str] | None = None) -> NoReturn:
    """The `rlnoise` program: `main`, then, when it succeeded, an exit without the interpreter's
    teardown (freeing torch and every module takes most of a second): every file a command writes,
    its TensorBoard events too, is closed by then, and its workers have exited. What is registered
    to run at exit still runs first (multiprocessing's removes its temporary directory, which holds
    the workers' server's socket)."""
    code = main(argv)
    if code != 0:
        sys.exit(code)
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(0)


if __name__ == "__main__":
    run()
