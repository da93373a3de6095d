"""`rlnoise compare`: train several agents over several seeds in parallel, and compare them.

Every run of the grid (agents x seeds) trains in its own worker process (one torch thread each)
and writes its run directory, `<agent>__seed<seed>`, under one log directory, so that
`tensorboard --logdir LOGDIR` overlays them. Then, in that directory:

- `results.json`: the settings, every run's final figures and status, and per agent and
  evaluation mode each figure's mean, standard deviation (over seeds, numpy's `std`) and
  values, and every seed's outcome;
- `results.md`: the same as tables, with the command that reproduces them;
- `results.png`: each agent's picture (its first seed's `policy.png`) side by side, above its
  figures with their spread over seeds.

The directory is locked while the comparison writes it (`.lock`, see `rlnoise.files`): a second
`rlnoise compare` into it is refused at once.

Ctrl-C stops the comparison: finished runs are kept, runs in flight save what they reached
(as `rlnoise train` does), runs not started are dropped, and the results written say so.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import signal
import sys
import time
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

from rlnoise import metrics
from rlnoise.config import POSITIVE, SEED, Config, add_flags, env_defaults, flag_type, from_args
from rlnoise.files import check_directory, locked_directory, unique_suffix, write_json, write_text
from rlnoise.inputs import check_run
from rlnoise.metrics import MODES

FIGURES = ("return", *metrics.FIGURES)
OWN_FLAGS = ("agent", "seed", "run_name", "logdir")
"""`Config` fields that `compare` sets itself, per run or for the whole grid."""


def parse_seeds(text: str) -> list[int]:
    """Seeds from `1-5`, `1,2,3` or a mix such as `1-3,7`: distinct, in the order given."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            first, _, last = part.strip().partition("-")
            numbers = range(int(first), int(last or first) + 1)
            if not numbers or not (SEED.test(numbers[0]) and SEED.test(numbers[-1])):
                raise ValueError
            seeds += [seed for seed in numbers if seed not in seeds]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected seeds such as 1-5 or 1,2,3, each {SEED.valid}, got {text!r}"
        ) from None
    return seeds


def parse_agents(text: str) -> list[str]:
    """Agent names from a comma-separated list."""
    agents = [name.strip() for name in text.split(",") if name.strip()]
    if not agents:
        raise argparse.ArgumentTypeError(f"expected agent names such as regression,categorical, got {text!r}")
    return list(dict.fromkeys(agents))


def default_jobs() -> int:
    """The number of cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `compare` subcommand: its own flags and every training flag."""
    parser = subparsers.add_parser(
        "compare",
        help="train several agents over several seeds in parallel and compare them",
        description="Train every agent with every seed (in parallel processes), each run in its own "
        "directory under LOGDIR, then write results.md, results.json and results.png there and print "
        "the comparison. Every training flag applies to all runs.",
    )
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
        help="runs trained at once, one process each (default: the number of cores)",
    )
    parser.add_argument(
        "--logdir",
        help="directory of the comparison, new or empty (default: runs/compare-<env-id>-<time>-<tag>)",
    )
    add_flags(parser, skip=OWN_FLAGS)
    parser.set_defaults(run=run)


STOP: Any = None
"""In a worker: the event the main process sets on Ctrl-C, so that queued runs do not start."""


def start_worker(stop: Any) -> None:
    """Prepare a worker: the built-in environments registered, Ctrl-C heard only during runs.

    Each run sets its own torch thread count (`--threads`, default 1: one per worker).
    """
    global STOP
    STOP = stop
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import envs  # noqa: F401  registers the built-in environments


def train_one(settings: dict[str, Any]) -> dict[str, Any] | None:
    """Train one run in a worker (None if the comparison was stopped before it began).

    Ctrl-C stops the run as it stops `rlnoise train`: it evaluates and saves what it reached.
    """
    from rlnoise.train import train

    if STOP.is_set():
        return None
    start = time.perf_counter()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        result = train(Config(**settings), progress=False)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    return {**result, "seconds": time.perf_counter() - start}


def check_grid(base: Config, agents: list[str]) -> None:
    """Raise a UsageError unless every run of the grid passes the checks of `rlnoise train`."""
    for agent in agents:
        check_run(replace(base, agent=agent))


def file_name(name: str) -> str:
    """An env id or agent name (`my_pkg.my_module:Name-v0`) as a file name."""
    return name.replace(":", "_").replace("/", "_")


def logdir_path(path: str | None, env_id: str) -> Path:
    """The comparison's directory: the one given, or a new name under runs/."""
    return Path(path or f"runs/compare-{file_name(env_id)}-{unique_suffix()}")


def train_grid(configs: list[Config], jobs: int) -> tuple[list[dict[str, Any]], bool]:
    """Train every config in `jobs` worker processes with a progress bar; return runs and interrupted."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    from tqdm import tqdm

    runs = [
        {
            "agent": config.agent,
            "seed": config.seed,
            "directory": str(Path(config.logdir) / config.run_name),
            "status": "not started",
        }
        for config in configs
    ]
    workers = min(jobs, len(configs))
    bar = tqdm(total=len(configs), unit="run", desc=f"{configs[0].env_id}, {workers} jobs", file=sys.stderr)

    def collect(done: set) -> None:
        """Record the runs that have ended, and show them."""
        for future in done:
            entry = pending.pop(future)
            record(entry, future)
            if entry["status"] != "not started":
                bar.update()
                bar.write(describe(entry))

    interrupted = False
    context = multiprocessing.get_context("forkserver")
    stop = context.Event()
    with ProcessPoolExecutor(workers, mp_context=context, initializer=start_worker, initargs=(stop,)) as pool:
        pending = {
            pool.submit(train_one, asdict(config)): entry for config, entry in zip(configs, runs, strict=True)
        }
        try:
            while pending:
                collect(wait(pending, return_when=FIRST_COMPLETED).done)
        except KeyboardInterrupt:
            interrupted = True
            stop.set()
            for future in pending:
                future.cancel()
            collect(wait(pending).done)  # runs in flight got the Ctrl-C too: they stop and save
    bar.close()
    return runs, interrupted


def record(entry: dict[str, Any], future: Any) -> None:
    """Put a finished future's outcome into the run's entry."""
    if future.cancelled():
        return
    error = future.exception()
    if isinstance(error, KeyboardInterrupt):
        entry["status"] = "interrupted"
    elif error is not None:
        entry.update(status="failed", error=f"{type(error).__name__}: {error}")
    elif future.result() is not None:
        result = future.result()
        entry.update(
            status="interrupted" if result["interrupted"] else "finished",
            global_step=result["global_step"],
            seconds=round(result["seconds"], 1),
            **{mode: result[mode] for mode in MODES},
        )


def describe(entry: dict[str, Any]) -> str:
    """One line on a run that has ended."""
    name = f"{entry['agent']} seed {entry['seed']}"
    if entry["status"] != "finished":
        return f"{name}: {entry['status']}" + (f" ({entry['error']})" if "error" in entry else "")
    figures = ", ".join(
        f"{mode} {entry[mode]['outcome']} (return {entry[mode]['return']:.3f})" for mode in MODES
    )
    return f"{name}: {figures}, {entry['seconds']:.0f} s"


def spread(values: list[float]) -> dict[str, Any]:
    """Mean and standard deviation of the finite values, and all the values."""
    import numpy as np

    finite = np.array([value for value in values if not math.isnan(value)])
    mean = float(finite.mean()) if finite.size else float("nan")
    std = float(finite.std()) if finite.size else float("nan")
    return {"mean": mean, "std": std, "values": values}


def summarize(runs: list[dict[str, Any]], agents: list[str]) -> dict[str, Any]:
    """Per agent and evaluation mode: each figure over the finished seeds, and every seed's outcome."""
    summary: dict[str, Any] = {}
    for agent in agents:
        finished = [run for run in runs if run["agent"] == agent and run["status"] == "finished"]
        if finished:
            summary[agent] = {
                mode: {
                    "figures": {name: spread([run[mode][name] for run in finished]) for name in FIGURES},
                    "outcomes": {str(run["seed"]): run[mode]["outcome"] for run in finished},
                    "outcome_shares": {str(run["seed"]): run[mode]["outcome_shares"] for run in finished},
                }
                for mode in MODES
            }
    return summary


def format_spread(figure: dict[str, Any]) -> str:
    """`mean ± std`, or `nan` when no seed gave a number."""
    return "nan" if math.isnan(figure["mean"]) else f"{figure['mean']:.3f} ± {figure['std']:.3f}"


def rows(summary: dict[str, Any]) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """The rows of the figures table (mean ± std, outcome counts) and of the outcomes per seed, each
    with the outcomes of its start states."""
    from rlnoise.report import format_shares

    figures, outcomes = {}, {}
    for agent, modes in summary.items():
        for mode, entry in modes.items():
            name = f"{agent} {mode}"
            cells = {key: format_spread(value) for key, value in entry["figures"].items()}
            seeds = list(entry["outcomes"].values())
            counts = {outcome: seeds.count(outcome) for outcome in dict.fromkeys(seeds)}
            cells["outcome"] = ", ".join(
                f"{outcome} {count}/{len(seeds)}" for outcome, count in counts.items()
            )
            figures[name] = cells
            outcomes[name] = {
                f"seed {seed}": f"{outcome} ({format_shares(entry['outcome_shares'][seed])})"
                for seed, outcome in entry["outcomes"].items()
            }
    return figures, outcomes


def command(base: Config, agents: list[str], seeds: list[int]) -> str:
    """The `rlnoise compare` command that trains this grid again: every setting that differs from
    what the command line gives when its flag is left out (the env's training_defaults, else
    rlnoise's own)."""
    parts = ["rlnoise", "compare", "--env-id", base.env_id, "--agents", ",".join(agents)]
    parts += ["--seeds", ",".join(map(str, seeds))]
    defaults = replace(Config(), **env_defaults(base.env_id, base.env_kwargs))
    for item in fields(Config):
        value = getattr(base, item.name)
        if item.name in (*OWN_FLAGS, "env_id") or value == getattr(defaults, item.name):
            continue
        name = item.name.replace("_", "-")
        if isinstance(value, bool):
            parts.append(f"--{name}" if value else f"--no-{name}")
        else:
            parts += [f"--{name}", json.dumps(value) if isinstance(value, dict) else str(value)]
    return shlex.join(parts)


def write_results(
    directory: Path,
    base: Config,
    agents: list[str],
    seeds: list[int],
    runs: list[dict[str, Any]],
    interrupted: bool,
) -> str:
    """Write results.json, results.md and results.png; return the text tables."""
    from rlnoise.report import markdown, table

    summary = summarize(runs, agents)
    finished = sum(run["status"] == "finished" for run in runs)
    status = f"{finished} of {len(runs)} runs finished" + (
        " (interrupted: partial results)" if interrupted else ""
    )
    settings = {key: value for key, value in asdict(base).items() if key not in OWN_FLAGS}
    again = command(base, agents, seeds)
    results = {
        "command": again,
        "complete": finished == len(runs),
        "status": status,
        "agents": agents,
        "seeds": seeds,
        "settings": settings,
        "summary": summary,
        "runs": runs,
    }
    write_json(directory / "results.json", results)

    figures, outcomes = rows(summary)
    seed_columns = [f"seed {seed}" for seed in seeds]
    columns = (*FIGURES, "outcome")
    text = table(figures, "agent / evaluation", columns) + "\n\n"
    text += table(outcomes, "outcome per seed", seed_columns)
    lines = [
        f"# rlnoise compare: {base.env_id}",
        "",
        f"Command: `{again}`",
        "",
        f"{status}. Figures: mean ± standard deviation over seeds; the outcome counts seeds. Per seed: "
        "the run's outcome, and in brackets the outcomes of its start states (docs/design.md).",
        "",
        markdown(figures, "agent / evaluation", columns),
        "",
        markdown(outcomes, "outcome per seed", seed_columns),
        "",
        "![results](results.png)",
    ]
    write_text(directory / "results.md", "\n".join(lines) + "\n")

    from matplotlib.image import imread

    from rlnoise.pictures import results_picture, save_png

    pictures = {}
    for agent in summary:
        first = next(run for run in runs if run["agent"] == agent and run["status"] == "finished")
        picture_path = Path(first["directory"]) / "policy.png"
        if picture_path.exists():
            pictures[f"{agent} (seed {first['seed']})"] = imread(picture_path)[..., :3]
    if summary:
        title = f"{base.env_id}: {', '.join(summary)} over seeds {','.join(map(str, seeds))}"
        save_png(results_picture(pictures, summary, title), directory / "results.png")
    return text


def run(args: argparse.Namespace) -> int:
    """Train the grid, write and print the comparison; return the exit code."""
    base = from_args(args, agent=args.agents[0], logdir="")
    check_grid(base, args.agents)
    directory = logdir_path(args.logdir, base.env_id)
    check_directory(directory, "--logdir")
    configs = [
        replace(
            base, agent=agent, seed=seed, run_name=f"{file_name(agent)}__seed{seed}", logdir=str(directory)
        )
        for agent in args.agents
        for seed in args.seeds
    ]
    with locked_directory(directory, "--logdir"):
        start = time.perf_counter()
        runs, interrupted = train_grid(configs, args.jobs)
        seconds = time.perf_counter() - start
        text = write_results(directory, base, args.agents, args.seeds, runs, interrupted)
    grid = f"{', '.join(args.agents)} x seeds {','.join(map(str, args.seeds))}"
    jobs = min(args.jobs, len(configs))
    print(f"\n{base.env_id}: {len(configs)} runs ({grid}) in {seconds:.0f} s, {jobs} jobs\n")
    print(text)
    print(f"\nresults: {directory}/results.md, results.json, results.png")
    print(f"TensorBoard: tensorboard --logdir {directory}")
    if interrupted:
        finished = sum(run["status"] == "finished" for run in runs)
        print(
            f"interrupted: {finished} of {len(runs)} runs finished; the results are partial", file=sys.stderr
        )
        return 130
    return 1 if any(run["status"] == "failed" for run in runs) else 0
