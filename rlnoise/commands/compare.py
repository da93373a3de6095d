"""`rlnoise compare`: train several agents over several seeds in parallel, and compare them.

The grid agents x seeds, with nothing varied: a sweep (`rlnoise.grid`) whose results are
`results.json`, `results.md` and `results.png` (`rlnoise.results`). Every run trains in its own
worker process (or Ray task) and writes its run directory, `<agent>__seed<seed>`, under one log
directory, so that `tensorboard --logdir LOGDIR` overlays them. The directory is locked while
the comparison writes it (`.lock`, see `rlnoise.files`).

Ctrl-C or SIGTERM stops the comparison: finished runs are kept, runs in flight save what they
reached (as `rlnoise train` does), runs not started are dropped, the results written say so,
and `--resume` finishes the grid.
"""

from __future__ import annotations

import argparse

from rlnoise.commands.sweep import add_grid_flags, run_grid


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `compare` subcommand: its own flags and every training flag."""
    parser = subparsers.add_parser(
        "compare",
        help="train several agents over several seeds in parallel and compare them",
        description="Train every agent with every seed (in parallel processes), each run in its own "
        "directory under LOGDIR, then write results.md, results.json and results.png there and print "
        "the comparison. Every training flag applies to all runs.",
    )
    add_grid_flags(parser, "compare")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Train the grid, write and print the comparison; return the exit code."""
    return run_grid(args, [], "compare")
