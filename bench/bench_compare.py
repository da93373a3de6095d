"""Benchmark of `rlnoise compare`: its speed-up from parallel jobs, and what a picture adds to an evaluation.

Run: ``python bench/bench_compare.py [--env-id TwoBales-v0] [--seeds 1-5] [--rounds 3] [--skip-grid]``.
The sides of each comparison are timed in turn, round after round (`bench/timing.py`); each
figure is printed as its median and range over the rounds with the load average of its samples.

- evaluation and picture: in one process, after one untimed evaluation and picture (imports,
  caches), each round times one default evaluation of an untrained categorical policy (both
  ways, `--eval-contexts` x `--eval-samples` = 32 x 64 episodes, `rlnoise.evaluation.evaluate`)
  and one picture of it (`rlnoise.pictures.picture`, drawn off screen), and their ratio;
- grid: `python -m rlnoise.cli compare --env-id ENV --seeds SEEDS` (the default agents and
  settings) as a fresh process with `--jobs 1` and with `--jobs N` (the machine's cores), in
  turn: the wall seconds of each, the speed-up (the per-round ratio of the two), and compare's
  serial part with one job: its wall time less the seconds its runs took (start-up and the
  forkserver's imports before the first run, writing the results, the exit).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from timing import Figures, alternate, figure, ratio


def evaluation_and_picture(env_id: str, rounds: int) -> dict[str, list[Figures]]:
    """One default evaluation and one picture of an untrained categorical policy, in turn."""
    import gymnasium as gym
    import torch

    import rlnoise.envs  # noqa: F401  registers the built-in environments
    from rlnoise.config import Config
    from rlnoise.contract import mode_labels
    from rlnoise.evaluation import Evaluation, evaluate
    from rlnoise.pictures import picture
    from rlnoise.plan import build_policy, make_plan

    torch.set_num_threads(1)
    config = Config(env_id=env_id)
    env = gym.make(env_id)
    plan = make_plan(config, env)
    policy, adapter = build_policy(plan), plan.adapter
    evaluation = Evaluation(env_id, {}, mode_labels(env), config.eval_contexts, config.eval_samples, 1)
    played = evaluation.make_envs()
    _, episodes = evaluate(policy, adapter, evaluation, played, intervals=False)
    observations = episodes["sampled"].observations

    def evaluation_seconds() -> Figures:
        start = time.perf_counter()
        evaluate(policy, adapter, evaluation, played, intervals=False)
        return {"seconds": time.perf_counter() - start}

    def picture_seconds() -> Figures:
        start = time.perf_counter()
        picture(policy, adapter, env, observations, "bench")
        return {"seconds": time.perf_counter() - start}

    picture_seconds()  # matplotlib's import and first draw outside the timing
    return alternate({"evaluation": evaluation_seconds, "picture": picture_seconds}, rounds)


def grid_figures(env_id: str, seeds: str, jobs: int) -> Figures:
    """Wall seconds of `rlnoise compare` with defaults and `jobs` jobs as a fresh process, and the
    sum of its runs' seconds."""
    import subprocess

    with tempfile.TemporaryDirectory() as directory:
        logdir = Path(directory) / "grid"
        command = [sys.executable, "-m", "rlnoise.cli", "compare", "--env-id", env_id, "--seeds", seeds]
        start = time.perf_counter()
        subprocess.run(
            [*command, "--jobs", str(jobs), "--logdir", str(logdir)], check=True, capture_output=True
        )
        wall = time.perf_counter() - start
        runs = json.loads((logdir / "results.json").read_text())["runs"]
    return {"wall": wall, "runs": sum(run["seconds"] for run in runs)}


def main() -> None:
    """Print the figures."""
    from rlnoise.grid.backends import default_jobs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env-id", default="TwoBales-v0")
    parser.add_argument("--seeds", default="1-5")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the sides in turn (default 3)")
    parser.add_argument("--skip-grid", action="store_true", help="only time the evaluation and the picture")
    args = parser.parse_args()

    timed = evaluation_and_picture(args.env_id, args.rounds)
    evaluation, drawing = timed["evaluation"], timed["picture"]
    print(f"{args.env_id}, {args.rounds} rounds (seconds: median [range] (load average)):")
    print(f"  evaluation {figure(evaluation, 'seconds', 3)}   picture {figure(drawing, 'seconds', 3)}   "
          f"picture/evaluation {ratio(drawing, evaluation, 'seconds')}")  # fmt: skip
    cores = default_jobs()
    if args.skip_grid or cores < 2:
        return
    grids = alternate(
        {str(jobs): lambda jobs=jobs: grid_figures(args.env_id, args.seeds, jobs) for jobs in (1, cores)},
        args.rounds,
    )
    one, many = grids["1"], grids[str(cores)]
    for sample in one:
        sample["serial"] = sample["wall"] - sample["runs"]
    print(f"  compare --seeds {args.seeds}, 1 job: {figure(one, 'wall', 1)}   {cores} jobs: "
          f"{figure(many, 'wall', 1)}   speed-up {ratio(one, many, 'wall')}x")  # fmt: skip
    print(f"  compare's serial part with 1 job (wall less its runs' seconds): {figure(one, 'serial', 1)}")


if __name__ == "__main__":
    main()
