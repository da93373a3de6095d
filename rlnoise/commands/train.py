"""`rlnoise train`: train one agent on one environment, log to TensorBoard, print a summary."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rlnoise.config import Config, add_flags, from_args, read_config
from rlnoise.errors import UsageError
from rlnoise.files import check_directory
from rlnoise.inputs import check_run
from rlnoise.names import flag_name


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `train` subcommand and its flags."""
    parser = subparsers.add_parser(
        "train",
        help="train one agent on one environment",
        description="Train one agent with REINFORCE (learned baseline, entropy bonus) and evaluate it "
        "both ways, sampled and deterministic. Results go to LOGDIR/RUN_NAME/.",
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
    if args.resume is None:
        config = from_args(args)
        check_run(config)
        check_directory(config.logdir, "--logdir")
    else:
        config = resumed_config(args)

    from rlnoise.metrics import EVALUATIONS  # torch: imported once the input is known to be good
    from rlnoise.report import table
    from rlnoise.train import resume, train

    result = train(config) if args.resume is None else resume(args.resume, trusted=None)
    print(f"\n{config.agent} on {config.env_id}, seed {config.seed}, {result['global_step']} steps")
    print(table({way: result[way] for way in EVALUATIONS}))
    print(f"\nrun directory: {result['directory']}  (tensorboard --logdir {config.logdir})")
    if result["interrupted"]:
        print(
            "interrupted: the model and evaluation above are from the step reached; "
            f"rlnoise train --resume {result['directory']} continues it",
            file=sys.stderr,
        )
        return 143 if result["stopped_by"] == "SIGTERM" else 130
    return 0


def resumed_config(args: argparse.Namespace) -> Config:
    """The checked settings of the run `--resume` names; no other training flag may be given."""
    given = sorted(getattr(args, "given", set()))
    if given:
        raise UsageError(f"--resume takes the run's own settings; drop {flag_name(given[0])}")
    config = read_config(Path(args.resume), None if args.trust_modules else set())
    check_run(config)
    return config
