"""`rlnoise train`: train one agent on one environment, log to TensorBoard, print a summary."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from rlnoise.config import Config
from rlnoise.errors import UsageError
from rlnoise.files import check_directory
from rlnoise.flags import add_flags, from_args, resumable_config
from rlnoise.names import command_path, flag_name
from rlnoise.plan import make_plan
from rlnoise.startup import uncollected


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `train` subcommand and its flags."""
    parser = subparsers.add_parser(
        "train",
        help="train one agent on one environment",
        description="Train one agent with REINFORCE (learned baseline, entropy bonus), PPO or behaviour "
        "cloning (--algo) and evaluate it both ways, sampled and deterministic. "
        "Results go to LOGDIR/RUN_NAME/.",
    )
    add_flags(parser)
    parser.add_argument(
        "--resume",
        metavar="RUN_DIR",
        help="continue an unfinished run from its last checkpoint, with the settings of its config.json "
        "(no other training flag); it ends with the figures the run would have had uninterrupted "
        "(default: none, train a new run)",
    )
    parser.add_argument(
        "--trust-modules",
        action="store_true",
        help="with --resume: let the run's config.json import the `module:Name` env id or agent it names "
        "(default: off)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Train (or resume) as the flags say, print the summary table, and return the exit code."""
    settings = run_settings(args)
    with uncollected():  # planning imports torch, and then the training code
        plan = make_plan(settings, given=getattr(args, "given", set()))
        config = plan.config
        if args.resume is None:
            check_directory(config.logdir, "--logdir")
        directory = Path(config.logdir) / str(config.run_name) if args.resume is None else Path(args.resume)

        from rlnoise.capacity import capacity_lines
        from rlnoise.hogwild import staleness_lines
        from rlnoise.metrics import EVALUATIONS, env_figures_line  # torch: once the input is known good
        from rlnoise.report import table
        from rlnoise.signals import EXIT_CODES, exit_code, interrupt, stop_on_signals
        from rlnoise.train import train

    continues = f"{shlex.join([command_path('rlnoise'), 'train', '--resume', str(directory)])} continues it"
    # Ctrl-C or SIGTERM: the run stops before its next update and saves what it reached (`stopping`
    # says so); a second one interrupts the saving, the run is marked interrupted, and the
    # --resume command is printed below.
    with stop_on_signals(repeat=interrupt, tell=stopping) as stop:
        try:
            result = train(plan, directory=None if args.resume is None else directory, stop=stop)
        except KeyboardInterrupt as error:  # a second signal, while the run evaluated or saved
            kept = f"; {continues}" if (directory / "config.json").is_file() else ""
            print(f"rlnoise train: interrupted while saving{kept}", file=sys.stderr)
            return exit_code(error)
    print(f"\n{config.agent} on {config.env_id}, seed {config.seed}, {result['global_step']} steps")
    print(table({way: result[way] for way in EVALUATIONS}))
    print("\n".join([*env_figures_line(result), *capacity_lines(result), *staleness_lines(result)]))
    board = shlex.join([command_path("tensorboard"), "--logdir", result["directory"]])
    print(f"\nrun directory: {result['directory']}  (TensorBoard: {board})")
    if result["interrupted"]:
        print(
            f"interrupted: the model and evaluation above are from the step reached; {continues}",
            file=sys.stderr,
        )
        return EXIT_CODES[result["stopped_by"]]
    return 0


def stopping(name: str) -> None:
    """Say, on the first Ctrl-C or SIGTERM, what the run does now."""
    print(
        f"\nrlnoise train: {name}: stopping; the run evaluates and saves what it reached "
        "(a second signal interrupts the saving)",
        file=sys.stderr,
    )


def run_settings(args: argparse.Namespace) -> Config:
    """The settings the flags give, or with `--resume` the checked settings of the unfinished run it
    names (no other training flag may be given then)."""
    if args.resume is None:
        return from_args(args)
    given = sorted(getattr(args, "given", set()))
    if given:
        raise UsageError(f"--resume takes the run's own settings; drop {flag_name(given[0])}")
    return resumable_config(Path(args.resume), None if args.trust_modules else set())
