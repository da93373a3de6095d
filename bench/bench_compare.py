"""Benchmark of `rlnoise compare`: parallel speed-up, and what the pictures add to an evaluation.

Run: ``python bench/bench_compare.py [--env-id TwoBales-v0] [--seeds 1-5] [--skip-grid]``.
Every figure is measured in the same run, on this machine, so compare figures of one run only.

- evaluation vs picture: seconds of one evaluation (both modes, 32 x 32 episodes) and of one
  picture of the same policy, and their ratio (the picture's share of each evaluation);
- grid: wall seconds of `rlnoise compare` with the default settings and agents, first with
  one job, then with one job per core, and the speed-up; and compare's own time with one job,
  its wall time less the seconds its runs took (start-up, the worker's imports, the results).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path


def evaluation_and_picture_seconds(env_id: str, repeats: int = 5) -> tuple[float, float]:
    """Seconds of one evaluation and of one picture, for an untrained categorical policy."""
    import gymnasium as gym
    import torch

    from rlnoise import envs  # noqa: F401
    from rlnoise.config import Config
    from rlnoise.contract import mode_labels
    from rlnoise.evaluation import Evaluation, evaluate
    from rlnoise.pictures import picture
    from rlnoise.train import build_policy

    torch.set_num_threads(1)
    config = Config(env_id=env_id)
    env = gym.make(env_id)
    policy, adapter = build_policy(config, env)

    def once() -> tuple[float, float]:
        start = time.perf_counter()
        _, episodes = evaluate(policy, adapter, Evaluation(env_id, {}, mode_labels(env), 32, 32, 1))
        middle = time.perf_counter()
        picture(policy, adapter, env, episodes["sampled"].observations, "bench")
        return middle - start, time.perf_counter() - middle

    once()  # imports and caches outside the timing
    timings = [once() for _ in range(repeats)]
    return min(t[0] for t in timings), min(t[1] for t in timings)


def grid_seconds(env_id: str, seeds: str, jobs: int) -> tuple[float, list[float]]:
    """Wall seconds of `rlnoise compare` with defaults and `jobs` jobs, and each run's seconds."""
    from rlnoise.cli import main

    with tempfile.TemporaryDirectory() as directory:
        logdir = Path(directory) / "grid"
        start = time.perf_counter()
        code = main(
            ["compare", "--env-id", env_id, "--seeds", seeds, "--jobs", str(jobs), "--logdir", str(logdir)]
        )
        seconds = time.perf_counter() - start
        if code != 0:
            raise SystemExit(f"rlnoise compare exited with {code}")
        runs = json.loads((logdir / "results.json").read_text())["runs"]
    return seconds, [run["seconds"] for run in runs]


def main() -> None:
    """Print the figures."""
    from rlnoise.sweep import default_jobs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env-id", default="TwoBales-v0")
    parser.add_argument("--seeds", default="1-5")
    parser.add_argument("--skip-grid", action="store_true", help="only time the evaluation and the picture")
    args = parser.parse_args()

    evaluation, drawing = evaluation_and_picture_seconds(args.env_id)
    print(f"{args.env_id}: evaluation {evaluation:.3f} s, picture {drawing:.3f} s, "
          f"picture / evaluation {drawing / evaluation:.2f}")  # fmt: skip
    if args.skip_grid:
        return
    cores = default_jobs()
    results = {jobs: grid_seconds(args.env_id, args.seeds, jobs) for jobs in sorted({1, cores})}
    for jobs, (seconds, runs) in results.items():
        print(f"compare, seeds {args.seeds}, {jobs} job(s): {seconds:.1f} s wall, "
              f"runs {min(runs):.1f}-{max(runs):.1f} s each")  # fmt: skip
    seconds, runs = results[1]
    print(f"compare's own time, 1 job (wall less its runs' seconds): {seconds - sum(runs):.1f} s, "
          f"{(seconds - sum(runs)) / len(runs):.2f} s per run")  # fmt: skip
    if cores > 1:
        print(f"speed-up with {cores} jobs: {results[1][0] / results[cores][0]:.2f}x")


if __name__ == "__main__":
    main()
