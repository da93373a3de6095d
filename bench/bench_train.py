"""A default `rlnoise train` against a minimal pure-torch loop of the same algorithm.

Both sides train the same algorithm on the same work: REINFORCE with a learned baseline, an
entropy bonus and discounted returns, a categorical policy and baseline of the same tanh network,
the env's own `training_defaults` (environment count, steps, learning rate, entropy coefficient,
bins, advantage normalisation) as on the command line, one thread. The yardstick is
`bench/torch_loop.py` (torch, numpy and gymnasium alone; no evaluation, logging or checks). Every
round times, in turn:

- `run fresh`: `python -m rlnoise.cli train --env-id ENV` as a fresh process, from its start to its
  exit (imports, the evaluations every 100 updates and the final one, pictures, TensorBoard, files);
- `loop fresh`: `python bench/torch_loop.py` with the same settings as a fresh process, start to exit;
- `run warm`: the same default run trained by a process that trained a one-update run before
  (its imports and first calls paid, as each worker of `compare` and `sweep` is after its first
  run), seconds of `rlnoise.train.train`; and `hot`, in the same process, a run without
  intermediate evaluations, seconds until its final evaluation begins (building the envs and the
  networks, and training: acting, stepping, the loss, backward, Adam, logging);
- `loop warm`: the loop's training, in a process that trained one update before.

Printed per environment: each figure's median and range over the rounds with the load average
of its samples, and the ratios (median and range of the per-round ratios): `fresh` (run fresh
over loop fresh, the issue's 1.25x), `warm` (run warm over loop warm) and `hot` (hot over loop
warm, the issue's 1.1x); and the one-time start-up of each side, fresh less warm (imports,
first calls and the process's exit).

Usage: python bench/bench_train.py [--rounds 3] [--total-timesteps N] [--envs ID,ID,...]
(the environment guide's `fork:Fork-v0` and `plane:Plane-v0`, MultiGoal's single env without its
vector env, can be named too).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from timing import Figures, alternate, figure, fresh_figures, process_seconds, ratio

BENCH = Path(__file__).resolve().parent
GUIDE = BENCH.parent / "docs" / "adding-an-environment.md"
PLANE = """import gymnasium as gym

gym.register("Plane-v0", entry_point="rlnoise.envs.multi_goal:MultiGoalEnv", max_episode_steps={steps})
"""
ENVS = ("TwoBales-v0", "GoOpening-v0", "MultiGoal-v0")

WARM = """
import json, sys, time
from dataclasses import replace
sys.path.insert(0, {bench!r})
from bench_train import settings
import rlnoise.run
from rlnoise.train import train
config = settings({env_id!r}, {total!r})
train(replace(config, total_timesteps=1, eval_every=1, logdir="warm-up"), progress=False)
start = time.perf_counter()
train(replace(config, logdir="warm"), progress=False)
warm = time.perf_counter() - start
finish, reached = rlnoise.run.Run.finish, []
rlnoise.run.Run.finish = lambda run: (reached.append(time.perf_counter()), finish(run))[1]
start = time.perf_counter()
train(replace(config, logdir="hot", eval_every=10**9), progress=False)
print(json.dumps({{"warm": warm, "hot": reached[0] - start}}))
"""


def write_modules(directory: Path) -> None:
    """The guide's fork.py (its first Python block) and plane.py, in `directory`."""
    import gymnasium as gym

    from rlnoise import envs  # noqa: F401

    fork = re.search(r"```python\n# fork.py\n(.*?)```", GUIDE.read_text(), re.S).group(1)
    (directory / "fork.py").write_text(fork)
    steps = gym.spec("MultiGoal-v0").max_episode_steps
    (directory / "plane.py").write_text(PLANE.format(steps=steps))


def settings(env_id: str, total: int | None):
    """The run's `Config` as the command line builds it (the env's training_defaults applied)."""
    from rlnoise.cli import build_parser
    from rlnoise.flags import from_args

    arguments = ["train", "--env-id", env_id, *(["--total-timesteps", str(total)] if total else [])]
    return from_args(build_parser().parse_args(arguments))


def loop_command(config, num_steps: int, warm: bool) -> list[str]:
    """The pure-torch loop's command line with the run's settings."""
    options = {
        "--env-id": config.env_id,
        "--num-envs": config.num_envs,
        "--num-steps": num_steps,
        "--total-timesteps": config.total_timesteps,
        "--learning-rate": config.learning_rate,
        "--ent-coef": config.ent_coef,
        "--gamma": config.gamma,
        "--hidden": config.hidden,
        "--seed": config.seed,
        **({"--bins": config.bins} if config.bins else {}),
    }
    flags = [*(["--norm-adv"] if config.norm_adv else []), *(["--warm"] if warm else [])]
    return [sys.executable, str(BENCH / "torch_loop.py"), *(f"{k}={v}" for k, v in options.items()), *flags]


def sides(config, num_steps: int, total: int | None, directory: Path) -> dict[str, Callable[[], Figures]]:
    """The four sides of the module's docstring, each run in `directory`."""
    extra = ["--total-timesteps", str(total)] if total else []
    train = [
        sys.executable,
        "-m",
        "rlnoise.cli",
        "train",
        "--env-id",
        config.env_id,
        "--logdir",
        "runs",
        *extra,
    ]
    warm = WARM.format(bench=str(BENCH), env_id=config.env_id, total=total)
    return {
        "run fresh": lambda: process_seconds(train, directory),
        "loop fresh": lambda: fresh_figures(loop_command(config, num_steps, False), directory),
        "run warm": lambda: fresh_figures([sys.executable, "-c", warm], directory),
        "loop warm": lambda: fresh_figures(loop_command(config, num_steps, True), directory),
    }


def main() -> None:
    """Time every environment's sides in alternation and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the sides in turn (default 3)")
    parser.add_argument("--total-timesteps", type=int, help="override every run's length (default: its own)")
    parser.add_argument("--envs", default=",".join(ENVS), help="comma-separated env ids")
    args = parser.parse_args()

    from rlnoise.environments import check_env_id

    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        write_modules(directory)
        sys.path.insert(0, name)
        for env_id in args.envs.split(","):
            config = settings(env_id, args.total_timesteps)
            num_steps = config.num_steps or check_env_id(env_id).max_episode_steps or 1
            samples = alternate(sides(config, num_steps, args.total_timesteps, directory), args.rounds)
            run, loop = samples["run fresh"], samples["loop fresh"]
            run_warm, loop_warm = samples["run warm"], samples["loop warm"]
            for sample, warm_sample in zip(run, run_warm, strict=True):
                sample["start-up"] = sample["wall"] - warm_sample["warm"]
            for sample, warm_sample in zip(loop, loop_warm, strict=True):
                sample["start-up"] = sample["wall"] - warm_sample["train"]
            print(f"{env_id}: {config.total_timesteps} steps, {config.num_envs} envs x {num_steps} steps, "
                  f"{args.rounds} rounds (seconds: median [range] (load average))")  # fmt: skip
            print(f"  fresh process   run {figure(run, 'wall')}   loop {figure(loop, 'wall')}   "
                  f"run/loop {ratio(run, loop, 'wall')}")  # fmt: skip
            print(f"  warm process    run {figure(run_warm, 'warm')}   loop {figure(loop_warm, 'train')}   "
                  f"run/loop {ratio(run_warm, loop_warm, 'warm', 'train')}")  # fmt: skip
            print(f"  hot loop        run {figure(run_warm, 'hot')}   loop {figure(loop_warm, 'train')}   "
                  f"run/loop {ratio(run_warm, loop_warm, 'hot', 'train')}")  # fmt: skip
            print(f"  start-up (fresh less warm: imports, first calls, exit)   "
                  f"run {figure(run, 'start-up')}   loop {figure(loop, 'start-up')}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
