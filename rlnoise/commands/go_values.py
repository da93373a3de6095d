"""`rlnoise go-values`: the command-line entry of the Go tool `rlnoise.envs.go.values`.

It values every move of a small-board Go position by random playouts and writes a JSON table
(the tables shipped in `envs/go/tables/`). The flags, their checks and the table live with the
Go environment; a bad flag is reported like every command's input error.
"""

from __future__ import annotations

import argparse

from rlnoise.envs.go import values
from rlnoise.errors import UsageError
from rlnoise.files import check_file, write_json


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `go-values` subcommand and its flags."""
    parser = subparsers.add_parser(
        "go-values",
        help="value every move of a small-board Go position by random playouts",
        description="Estimate, for every legal move and for passing, the expected final "
        "Tromp-Taylor score margin (points, for the player to move) from random playouts that "
        "never fill their own eyes. Moves equivalent under the position's symmetries share "
        "their playouts. Writes a JSON table with everything needed to regenerate it.",
    )
    values.add_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Check the flags, then value the position and write the table; return the exit code."""
    try:
        values.check(args)
    except ValueError as error:
        raise UsageError(str(error)) from None
    if args.out is not None:
        check_file(args.out, "--out")
    data = values.value_position(args)
    if args.out is not None:
        write_json(args.out, data, indent=1)
        print(f"wrote {args.out}")
    return 0
