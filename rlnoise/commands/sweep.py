"""`rlnoise sweep`: train agents x seeds x varied settings in parallel, and draw the phase diagram.

The grid, its backends and its files are `rlnoise.grid`, `rlnoise.phase` and
`rlnoise.results`; this module parses the flags (shared with `rlnoise compare`, the grid with
nothing varied) and prints what the grid gave.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from rlnoise.config import POSITIVE, SEED
from rlnoise.flags import add_flags, check_algo_flags, check_taken, flag_type, from_args
from rlnoise.grid.spec import Axis, Grid

if TYPE_CHECKING:
    from rlnoise.grid.scheduler import CellRecord


def parse_seeds(text: str) -> list[int]:
    """Seeds from `1-5`, `1,2,3` or a mix such as `1-3,7`: distinct, in the order given."""
    from rlnoise.grid.spec import MAX_RUNS

    seeds: dict[int, None] = {}
    try:
        for part in text.split(","):
            first, _, last = part.strip().partition("-")
            numbers = range(int(first), int(last or first) + 1)
            if not numbers or not (SEED.test(numbers[0]) and SEED.test(numbers[-1])):
                raise ValueError
            if len(seeds) + len(numbers) > MAX_RUNS:
                raise argparse.ArgumentTypeError(f"{text!r} names more seeds than a grid's {MAX_RUNS:,} runs")
            seeds.update(dict.fromkeys(numbers))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected seeds such as 1-5 or 1,2,3, each {SEED.valid}, got {text!r}"
        ) from None
    return list(seeds)


def parse_agents(text: str) -> list[str]:
    """Agent names from a comma-separated list."""
    agents = [name.strip() for name in text.split(",") if name.strip()]
    if not agents:
        raise argparse.ArgumentTypeError(f"expected agent names such as regression,categorical, got {text!r}")
    return list(dict.fromkeys(agents))


def parse_vary(text: str) -> Axis:
    """A `--vary NAME=VALUES` flag as an `Axis` (an argparse type: a mistake is one line, exit 2)."""
    from rlnoise.grid.spec import parse_axis

    try:
        return parse_axis(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_grid_flags(parser: argparse.ArgumentParser, name: str) -> None:
    """The flags of a grid: agents, seeds, jobs, log directory, backend, resume, and every training flag."""
    from rlnoise.grid.backends import default_jobs
    from rlnoise.grid.spec import OWN_FLAGS

    parser.add_argument(
        "--agents",
        type=parse_agents,
        default="regression,categorical",
        help='comma-separated agent names (default: "regression,categorical")',
    )
    parser.add_argument(
        "--seeds", type=parse_seeds, default="1-5", help='seeds, such as 1-5 or 1,2,3 (default: "1-5")'
    )
    parser.add_argument(
        "--jobs",
        type=flag_type(int, POSITIVE),
        default=default_jobs(),
        help="runs trained at once, one process each; with a local Ray, its CPUs "
        "(default: the number of cores)",
    )
    parser.add_argument(
        "--logdir",
        help=f"directory of the {name}, new or empty (default: runs/{name}-<env-id>-<time>-<tag>)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the grid in --logdir: train only its runs without a complete evaluation, "
        "an interrupted run from its checkpoint (default: off)",
    )
    parser.add_argument(
        "--backend",
        choices=("local", "ray"),
        default="local",
        help="local: worker processes on this machine; ray: one Ray task per run (pip install -e '.[ray]') "
        "(default: local)",
    )
    parser.add_argument(
        "--address",
        help="with --backend ray: the Ray cluster to join, e.g. auto (default: start a local Ray)",
    )
    add_flags(parser, skip=OWN_FLAGS)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `sweep` subcommand: --vary, the grid's flags and every training flag."""
    parser = subparsers.add_parser(
        "sweep",
        help="train agents x seeds x varied settings in parallel and draw the phase diagram",
        description="Train every agent with every seed at every combination of the varied settings, each "
        "run in its own directory under LOGDIR, then write sweep.md, sweep.json and phase.png there (the "
        "outcome and figures against the settings, beside what theory predicts) and print the tables.",
    )
    parser.add_argument(
        "--vary",
        action="append",
        type=parse_vary,
        required=True,
        metavar="NAME=VALUES",
        help="a setting to vary (repeatable): a training setting (sigma, ent_coef or ent-coef, ...), "
        "a setting that every agent named takes (components), or an env keyword argument env.KEY; "
        "VALUES a list 0.1,0.2,0.4, a linear range 0.1:1.2:12 or a log range log:0.001:1:10 (12 and 10 "
        "values) (default: none; at least one)",
    )
    parser.add_argument(
        "--refine",
        type=non_negative_int,
        default=0,
        metavar="K",
        help="after the grid, up to K rounds that add the midpoint of the two values of the first "
        "varied setting between which a share of start states crosses one half (the geometric "
        "midpoint on a log range), train them and measure again; resumable like the grid (default: "
        "0, none)",
    )
    add_grid_flags(parser, "sweep")
    parser.set_defaults(run=run)


def non_negative_int(text: str) -> int:
    """An integer of 0 or more, else an argparse error that says so."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    """Train the sweep, write and print its results; return the exit code."""
    return run_grid(args, args.vary, "sweep")


def refine(
    grid: Grid, records: list[CellRecord], directory: Path, args: argparse.Namespace
) -> tuple[Grid, list[CellRecord], KeyboardInterrupt | None]:
    """Up to `grid.refine` rounds: add the first axis's midpoints where a share crosses one half
    (`rlnoise.phase.refined_values`), train them; the grid grown, all its records, any interrupt.
    A resumed sweep finds each round's points again from the same runs, and reads them back."""
    from rlnoise.grid.backends import make_backend
    from rlnoise.grid.scheduler import records_json, train_grid
    from rlnoise.phase import refined_values
    from rlnoise.results import write_started

    interrupt = None
    for _ in range(grid.refine):
        added = refined_values(grid, records_json(records))
        if not added:
            break
        grid = replace(grid, added=(*grid.added, *added))
        cells = grid.cells(directory)
        known = {Path(record.directory).name: record.seconds for record in records}
        backend = make_backend(args.backend, min(args.jobs, len(cells)), ("rlnoise.envs",), args.address)
        records, interrupt = train_grid(
            cells, backend, known, on_change=partial(write_started, directory, grid)
        )
        if interrupt is not None:
            break
    return grid, records, interrupt


def checked_grid(args: argparse.Namespace, axes: list[Axis]) -> Grid:
    """The grid the flags give, once it and every flag given pass their checks (a UsageError if not)."""
    from rlnoise.environments import make_env
    from rlnoise.errors import UsageError
    from rlnoise.grid.backends import check_async_workers, import_ray
    from rlnoise.plan import check_used

    names = [axis.name for axis in axes]
    if len(set(names)) < len(names):
        raise UsageError(f"--vary names a setting twice: {', '.join(names)}")
    base = from_args(args, agent=args.agents[0], logdir="")
    check_taken(args.agents, base.agent_settings)
    grid = Grid(base, args.agents, args.seeds, axes, refine=getattr(args, "refine", 0))
    grid.check()
    varied = {*getattr(args, "given", set()), *names}
    algos = next((list(axis.values) for axis in axes if axis.name == "algo"), [base.algo])
    check_algo_flags(algos, varied)
    check_used(base, varied, args.agents, make_env(base.env_id, base.env_kwargs))
    check_async_workers(grid, args.backend, args.jobs)
    if args.address and args.backend != "ray":
        raise UsageError("--address joins a Ray cluster: give it with --backend ray")
    if args.backend == "ray":
        import_ray()
    return grid


def run_grid(args: argparse.Namespace, axes: list[Axis], name: str) -> int:
    """Check the grid, train it (or continue it), write its results and print them; the exit code."""
    from rlnoise.grid.backends import make_backend, start_server

    if args.backend == "local":  # first thing: its imports overlap the grid's checks (and these imports)
        start_server()
    from rlnoise.errors import UsageError
    from rlnoise.files import check_directory, locked_directory, unique_suffix
    from rlnoise.grid.scheduler import read_previous, train_grid
    from rlnoise.names import command_path, file_name
    from rlnoise.results import import_beside_workers, json_name, write_comparison, write_started, write_sweep
    from rlnoise.signals import exit_code
    from rlnoise.startup import uncollected

    with uncollected():  # the checks import torch
        grid = checked_grid(args, axes)  # a grid that fails its checks ends the server with the command
    base = grid.base
    if args.resume and not args.logdir:
        raise UsageError("--resume needs --logdir, the directory of the grid to continue")
    directory = Path(args.logdir or f"runs/{name}-{file_name(base.env_id)}-{unique_suffix()}")
    check_directory(directory, "--logdir")
    previous = read_previous(directory / json_name(grid), grid, "--logdir") if args.resume else None
    cells = grid.cells(directory)
    with locked_directory(directory, "--logdir", reuse=args.resume):
        start = time.perf_counter()
        import_beside_workers()
        backend = make_backend(args.backend, min(args.jobs, len(cells)), ("rlnoise.envs",), args.address)
        records, interrupt = train_grid(
            cells, backend, previous, on_change=partial(write_started, directory, grid)
        )
        if interrupt is None and grid.refine:
            grid, records, interrupt = refine(grid, records, directory, args)
        seconds = time.perf_counter() - start
        write = write_sweep if axes else write_comparison
        text = write(directory, grid, records, interrupt is not None)
    shape = f"{', '.join(args.agents)} x seeds {','.join(map(str, args.seeds))}"
    shape += "".join(f" x {axis.name} ({len(axis.values)} values)" for axis in axes)
    print(f"\n{base.env_id}: {len(cells)} runs ({shape}) in {seconds:.0f} s, {backend.description}\n")
    print(text)
    files = "sweep.md, sweep.json, phase.png" if axes else "results.md, results.json, results.png"
    print(f"\nresults: {directory}/{files}")
    print(f"TensorBoard: {shlex.join([command_path('tensorboard'), '--logdir', str(directory)])}")
    if interrupt is not None:
        finished = sum(record.status == "finished" for record in records)
        words = [command_path("rlnoise"), *shlex.split(grid.command(name))[1:], "--logdir", str(directory)]
        again = shlex.join([*words, "--resume"])
        print(
            f"interrupted: {finished} of {len(records)} runs finished; the results are partial. "
            f"To finish the grid: {again}",
            file=sys.stderr,
        )
        return exit_code(interrupt)
    return 1 if any(record.status == "failed" for record in records) else 0
