"""What a default `rlnoise train` costs beside the environment's own stepping and a bare torch loop.

Prints, from one run (the machine is shared, so compare figures of the same run), per environment:
- `train s`: the wall seconds of a default `rlnoise train` in a fresh process, start-up,
  evaluations and pictures included (the env's own training_defaults apply, as on the command
  line; `--total-timesteps` overrides the length of every run);
- `sync s`: the seconds gymnasium's `SyncVectorEnv` takes to step the same training steps with
  random actions (no policy), and `train/sync`, the figure issue 8 targets at <= 2 for an env
  without a native vector env;
- `loop steps/s`: a minimal pure-torch REINFORCE loop on the same vector env (1024 copies, the
  same categorical network, one Adam step per batch, no baseline, no evaluation, timed after its
  imports), and `run/loop`, a whole run's steps per second over the loop's (target >= 0.5);
- `warm s` and `warm/loop`: the same run trained by a process that has trained one before, as
  each worker of `compare` and `sweep` does after its first run (its imports paid: torch,
  `torch._dynamo`, which any torch optimiser imports, matplotlib and scipy).

The environments: `TwoBales-v0`, `GoOpening-v0` and `MultiGoal-v0` (native vector envs), the
environment guide's `fork:Fork-v0` and `plane:Plane-v0`, MultiGoal's single env registered
without its vector env (a 2-D Box env that steps through `SyncVectorEnv`, as a user's would).

Usage: python bench/bench_train.py [--total-timesteps N] [--envs ID,ID,...]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "adding-an-environment.md"
PLANE = """import gymnasium as gym

gym.register("Plane-v0", entry_point="rlnoise.envs.multi_goal:MultiGoalEnv", max_episode_steps={steps})
"""
ENVS = ("TwoBales-v0", "GoOpening-v0", "MultiGoal-v0", "fork:Fork-v0", "plane:Plane-v0")


def write_modules(directory: Path) -> None:
    """The guide's fork.py (its first Python block) and plane.py, in `directory`."""
    import gymnasium as gym

    from rlnoise import envs  # noqa: F401

    fork = re.search(r"```python\n# fork.py\n(.*?)```", GUIDE.read_text(), re.S).group(1)
    (directory / "fork.py").write_text(fork)
    steps = gym.spec("MultiGoal-v0").max_episode_steps
    (directory / "plane.py").write_text(PLANE.format(steps=steps))


def train_seconds(env_id: str, total: int | None, directory: Path) -> float:
    """Wall seconds of `rlnoise train` with default settings, in a fresh process run in `directory`."""
    extra = ["--total-timesteps", str(total)] if total else []
    command = [sys.executable, "-m", "rlnoise.cli", "train", "--env-id", env_id, "--logdir", "runs", *extra]
    start = time.perf_counter()
    subprocess.run(command, cwd=directory, check=True, capture_output=True)
    return time.perf_counter() - start


WARM = """
import sys, time
from dataclasses import replace
sys.path.insert(0, ".")
from bench_train import settings
from rlnoise.train import train
config = settings({env_id!r}, {total!r})
train(replace(config, total_timesteps=1, eval_every=1, logdir="warm-up"), progress=False)
start = time.perf_counter()
train(config, progress=False)
print(time.perf_counter() - start)
"""


def warm_seconds(env_id: str, total: int | None, directory: Path) -> float:
    """Wall seconds of the same run in a process that has trained a one-update run before."""
    script = WARM.format(env_id=env_id, total=total)
    bench = str(Path(__file__).resolve().parent)
    command = [sys.executable, "-c", f"import sys; sys.path.insert(0, {bench!r})\n{script}"]
    done = subprocess.run(command, cwd=directory, check=True, capture_output=True, text=True)
    return float(done.stdout.split()[-1])


def settings(env_id: str, total: int | None):
    """The run's `Config` as the command line builds it (the env's training_defaults applied)."""
    from rlnoise.cli import build_parser
    from rlnoise.config import from_args

    arguments = ["train", "--env-id", env_id, *(["--total-timesteps", str(total)] if total else [])]
    return from_args(build_parser().parse_args(arguments))


def sync_seconds(config, num_steps: int) -> float:
    """Seconds `SyncVectorEnv` takes to step the run's training steps with random actions."""
    from rlnoise.environments import make_sync_vector_env

    vector = make_sync_vector_env(config.env_id, config.num_envs, config.env_kwargs)
    vector.reset(seed=0)
    vector.action_space.seed(0)
    batches = max(1, config.total_timesteps // (config.num_envs * num_steps)) * num_steps
    start = time.perf_counter()
    for _ in range(batches):
        vector.step(vector.action_space.sample())
    return time.perf_counter() - start


def loop_steps_per_second(config, num_steps: int, seconds: float = 10.0) -> float:
    """Steps per second of a bare REINFORCE loop: sample, step, one Adam step per batch."""
    import gymnasium as gym
    import torch

    from rlnoise.environments import make_vector_env
    from rlnoise.evaluation import observation_tensor
    from rlnoise.train import build_policy

    torch.manual_seed(0)
    torch.set_num_threads(config.threads)
    policy, adapter = build_policy(config, gym.make(config.env_id, **config.env_kwargs))
    optimizer = torch.optim.Adam(policy.parameters(), lr=config.learning_rate)
    vector = make_vector_env(config.env_id, 1024, config.env_kwargs)
    observation, _ = vector.reset(seed=0)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        observations, outputs, rewards = [], [], []
        for _ in range(num_steps):
            observations.append(observation_tensor(observation, "cpu"))
            with torch.no_grad():
                outputs.append(policy.distribution(observations[-1]).sample())
            observation, reward, _, _, _ = vector.step(adapter.to_env(outputs[-1].numpy()))
            rewards.append(torch.as_tensor(reward, dtype=torch.float32))
        returns = torch.stack(rewards).flip(0).cumsum(0).flip(0)
        log_prob = policy.distribution(torch.cat(observations)).log_prob(torch.cat(outputs))
        loss = -(log_prob * returns.reshape(-1)).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        steps += 1024 * num_steps
    return steps / (time.perf_counter() - start)


def main() -> None:
    """Measure every environment and print one row each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total-timesteps", type=int, help="override every run's length (default: its own)")
    parser.add_argument("--envs", default=",".join(ENVS), help="comma-separated env ids")
    args = parser.parse_args()

    from rlnoise.environments import check_env_id

    columns = ("steps", "train s", "sync s", "train/sync", "loop steps/s", "run/loop", "warm s", "warm/loop")
    print(f"{'env':<16}", *(f"{name:>12}" for name in columns))
    with tempfile.TemporaryDirectory() as directory:
        write_modules(Path(directory))
        sys.path.insert(0, directory)
        for env_id in args.envs.split(","):
            config = settings(env_id, args.total_timesteps)
            num_steps = config.num_steps or check_env_id(env_id).max_episode_steps or 1
            seconds = train_seconds(env_id, args.total_timesteps, Path(directory))
            sync = sync_seconds(config, num_steps)
            loop = loop_steps_per_second(config, num_steps)
            warm = warm_seconds(env_id, args.total_timesteps, Path(directory))
            run = config.total_timesteps / seconds
            row = (config.total_timesteps, f"{seconds:.1f}", f"{sync:.1f}", f"{seconds / sync:.2f}")
            warm_run = config.total_timesteps / warm
            row += (f"{loop:.0f}", f"{run / loop:.2f}", f"{warm:.1f}", f"{warm_run / loop:.2f}")
            print(f"{env_id:<16}", *(f"{value:>12}" for value in row), flush=True)


if __name__ == "__main__":
    main()
