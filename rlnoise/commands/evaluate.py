"""`rlnoise evaluate RUN_DIR`: reload a saved run and evaluate it both ways, sampled and deterministic."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rlnoise.config import POSITIVE, SEED, Config
from rlnoise.errors import UsageError, first_line
from rlnoise.files import check_file, write_json
from rlnoise.flags import flag_type, read_config
from rlnoise.manifest import read_manifest
from rlnoise.names import flag_name
from rlnoise.plan import Plan, make_plan

QUANTIZATIONS = {"int8": 8, "int4": 4}
"""The names `--quantize` takes, and the bits each gives a weight (`rlnoise.quantize`)."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `evaluate` subcommand and its flags."""
    parser = subparsers.add_parser(
        "evaluate",
        help="reload a saved run and evaluate it both ways",
        description="Reload a run written by `rlnoise train` or `rlnoise compare` (its config.json and "
        "model.pt, loaded as weights only) and evaluate it sampled and deterministic. With the run's own "
        "settings and seed it reproduces the run's final evaluation.json.",
    )
    parser.add_argument(
        "run_dir", metavar="RUN_DIR", help="the run directory (holds config.json and model.pt)"
    )
    parser.add_argument(
        "--contexts",
        type=flag_type(int, POSITIVE),
        help="distinct start states, reset seeds 0..N-1 (default: the run's --eval-contexts)",
    )
    parser.add_argument(
        "--samples",
        type=flag_type(int, POSITIVE),
        help="episodes played from each start state (default: the run's --eval-samples)",
    )
    parser.add_argument(
        "--seed", type=flag_type(int, SEED), help="seed of the sampling (default: the run's seed)"
    )
    parser.add_argument(
        "--quantize",
        choices=tuple(QUANTIZATIONS),
        help="evaluate the trained weights quantized: every weight matrix of the policy's linear layers "
        "rounded to 8 or 4 bits, per tensor, symmetric, dequantized to float (default: full precision)",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the figures to this JSON file")
    parser.add_argument(
        "--picture",
        metavar="PNG",
        help="also draw where the policy acts, as training draws it, to this PNG file (RUN_DIR/policy.png "
        "redraws the run's own picture with this version of rlnoise; then `compare --resume` redraws "
        "its results.png) (default: none)",
    )
    parser.add_argument(
        "--trust-modules",
        action="store_true",
        help="let the run's config.json import the modules its `module:Name` env id or agent names",
    )
    parser.add_argument("--env-id", help="the run's env id, to trust its module (must match config.json)")
    parser.add_argument("--agent", help="the run's agent, to trust its module (must match config.json)")
    parser.set_defaults(run=run)


def load_policy(directory: Path, plan: Plan) -> Any:
    """The run's policy, planned by `plan`, with the weights saved in `directory`."""
    import torch

    from rlnoise.gradients import finite
    from rlnoise.plan import build_policy
    from rlnoise.runfiles import read_torch

    config = plan.config
    torch.set_num_threads(config.threads)  # as in training, so the same seed gives the same figures
    path = directory / "model.pt"
    if not path.is_file():
        raise UsageError(f"{directory} has no model.pt: the run saved no weights")
    try:
        weights = read_torch(path, config.device)
    except ValueError as error:  # a truncated file, a foreign pickle, anything torch refuses
        raise UsageError(f"corrupted {path}: {error}") from None
    policy = build_policy(plan)
    try:
        policy.load_state_dict(weights)
    except (RuntimeError, TypeError, AttributeError) as error:
        raise UsageError(f"{path} does not fit the run's config.json: {first_line(error)}") from None
    if not finite(policy):
        raise UsageError(f"{path} holds non-finite weights: the run diverged")
    return policy  # in the `train()` state: sampled play keeps the network's noise sources


def run_config(directory: Path, args: argparse.Namespace) -> Config:
    """The run's settings (its config.json), its modules trusted as the flags say; a UsageError
    when `--env-id` or `--agent` does not match them."""
    trusted = None if args.trust_modules else {args.env_id, args.agent} - {None}
    config = read_config(directory, trusted)
    for name in ("env_id", "agent"):
        given = getattr(args, name)
        if given is not None and given != getattr(config, name):
            saved = getattr(config, name)
            raise UsageError(f"{flag_name(name)} {given} does not match the run's {name} {saved!r}")
    return config


def quantized(policy: Any, name: str | None) -> dict[str, Any]:
    """Quantize `policy`'s weights as `--quantize NAME` says (`rlnoise.quantize`) and return the
    figures that say so, `quantize` among them; nothing for None."""
    if name is None:
        return {}
    from rlnoise.quantize import quantize

    return {"quantize": name, **quantize(policy, QUANTIZATIONS[name])}


def run(args: argparse.Namespace) -> int:
    """Evaluate the run as the flags say, print the table, write the JSON; return the exit code."""
    json_path = Path(args.json) if args.json else None
    picture_path = Path(args.picture) if args.picture else None
    for path, flag in ((json_path, "--json"), (picture_path, "--picture")):
        if path is not None:
            check_file(path, flag)
    directory = Path(args.run_dir)
    config = run_config(directory, args)
    manifest = read_manifest(directory)
    if manifest is None or manifest["status"] != "complete":
        status = "its status is unknown" if manifest is None else f"it is {manifest['status']}"
        step = f", weights from step {manifest.get('weights_step')}" if manifest else ""
        print(f"rlnoise evaluate: note: {directory} is not a complete run ({status}{step})", file=sys.stderr)
    contexts = args.contexts or config.eval_contexts
    samples = args.samples or config.eval_samples
    plan = make_plan(config, episodes=contexts * samples)
    config, env, adapter = plan.config, plan.env, plan.adapter
    policy = load_policy(directory, plan)
    quantization = quantized(policy, args.quantize)

    from rlnoise.capacity import capacity_figures, capacity_lines, measured_tables, parameter_count
    from rlnoise.evaluation import EVALUATIONS, Evaluation, evaluate, own_generator
    from rlnoise.metrics import env_figures_line
    from rlnoise.report import table

    seed = config.seed if args.seed is None else args.seed
    evaluation = Evaluation.planned(
        env, config.env_id, config.env_kwargs, contexts, samples, seed, config.device
    )
    from rlnoise.noise import NoiseSources

    sources = NoiseSources(policy, config)
    with sources.evaluating():  # sampled play as in training's evaluation
        results, episodes = evaluate(policy, adapter, evaluation)
    capacity = {
        "parameters": parameter_count(policy),
        **capacity_figures(policy, measured_tables(plan), config.device, seed),  # as the run measured them
    }
    capacity.update(quantization)
    print(f"{config.agent} on {config.env_id}, run {directory}")
    starts = (
        "1 start state (the env's start does not vary)" if evaluation.fixed_start else f"{contexts} contexts"
    )
    print(f"evaluated on {starts} x {evaluation.samples} samples, seed {seed}")
    print(table({way: results[way] for way in EVALUATIONS}))
    print("\n".join([*env_figures_line(results), *capacity_lines(capacity)]))
    if json_path is not None:
        settings = {"run": str(directory), "contexts": contexts, "samples": samples, "seed": seed}
        write_json(json_path, {**settings, **results, **capacity})
    if picture_path is not None:
        from rlnoise.evaluator import run_picture
        from rlnoise.pictures import save_png, scenes_view

        step = (manifest or {}).get("weights_step", "?")
        with sources.evaluating(), own_generator(config.device, seed):  # as training draws it
            seen = scenes_view(policy, adapter, env, episodes["sampled"].observations, config.device)
        save_png(run_picture(config, step, seen), picture_path)
    return 0
