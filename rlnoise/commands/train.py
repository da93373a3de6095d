"""`rlnoise train`: train one agent on one environment, log to TensorBoard, print a summary."""

from __future__ import annotations

import argparse
import sys

from rlnoise.config import add_flags, from_args
from rlnoise.files import check_directory
from rlnoise.inputs import check_run


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `train` subcommand and its flags."""
    parser = subparsers.add_parser(
        "train",
        help="train one agent on one environment",
        description="Train one agent with REINFORCE (learned baseline, entropy bonus) and evaluate it "
        "both ways, sampled and deterministic. Results go to LOGDIR/RUN_NAME/.",
    )
    add_flags(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Train as the flags say, print the summary table, and return the exit code."""
    config = from_args(args)
    check_run(config)
    check_directory(config.logdir, "--logdir")
    from rlnoise.metrics import MODES
    from rlnoise.report import table
    from rlnoise.train import train

    result = train(config)
    print(f"\n{config.agent} on {config.env_id}, seed {config.seed}, {result['global_step']} steps")
    print(table({mode: result[mode] for mode in MODES}))
    print(f"\nrun directory: {result['directory']}  (tensorboard --logdir {config.logdir})")
    if result["interrupted"]:
        print("interrupted: the model and evaluation above are from the step reached", file=sys.stderr)
        return 130
    return 0
