"""TwoBales speed: native vector env against gymnasium's SyncVectorEnv, and training steps/s.

Prints, from one run (the machine is shared, so compare figures of the same run):
- environment steps per second of `TwoBalesVectorEnv` and of `SyncVectorEnv` over the single
  env, both at `--num-envs` copies, stepping random actions, and their ratio;
- each agent's training steps per second with the default settings (`rlnoise train`).

Usage: python bench/bench_two_bales.py [--num-envs 1024] [--seconds 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import gymnasium as gym
from timing import vector_steps_per_second

from rlnoise import envs  # noqa: F401  registers TwoBales-v0


def training_steps_per_second(agent: str) -> float:
    """Environment steps per second of a default training run of `agent`, evaluations included."""
    from rlnoise.config import Config
    from rlnoise.train import train

    with tempfile.TemporaryDirectory() as logdir:
        config = Config(agent=agent, logdir=logdir)
        start = time.perf_counter()
        result = train(config, progress=False)
        return result["global_step"] / (time.perf_counter() - start)


def main() -> None:
    """Measure and print every figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-envs", type=int, default=1024, help="copies stepped together")
    parser.add_argument("--seconds", type=float, default=3.0, help="time spent on each env figure")
    args = parser.parse_args()
    native = vector_steps_per_second(gym.make_vec("TwoBales-v0", args.num_envs), args.seconds)
    sync = vector_steps_per_second(
        gym.make_vec("TwoBales-v0", args.num_envs, vectorization_mode="sync"), args.seconds
    )
    print(f"env steps/s at {args.num_envs} envs: native {native:,.0f}  SyncVectorEnv {sync:,.0f}  "
          f"ratio {native / sync:.1f}x")  # fmt: skip
    for agent in ("regression", "categorical"):
        steps_per_second = training_steps_per_second(agent)
        print(f"training steps/s, {agent} (defaults, evaluations included): {steps_per_second:,.0f}")


if __name__ == "__main__":
    main()
