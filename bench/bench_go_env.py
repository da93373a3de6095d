"""GoOpening speed: environment steps per second, single env, native vector env and SyncVectorEnv.

Prints, from one run (the machine is shared, so compare figures of the same run), for both
reward modes (`table`: a lookup; `playout`: one random 7x7 playout per step):
- the single environment (`reset` + `step`, one episode per step);
- `GoOpeningVectorEnv` and gymnasium's `SyncVectorEnv` over the single env, both at
  `--num-envs` copies, and their ratio.
Random actions, every point and pass alike. `go_env_figures` is importable (e.g. by bench_go.py).

Usage: python bench/bench_go_env.py [--env-id GoOpening-v0] [--num-envs 1024] [--seconds 3]
"""

from __future__ import annotations

import argparse
import time

import gymnasium as gym
import numpy as np
from timing import vector_steps_per_second

from rlnoise import envs  # noqa: F401  registers the Go environments
from rlnoise.environments import make_sync_vector_env


def single_steps_per_second(env: gym.Env, seconds: float) -> float:
    """Episodes (one step each) per second of the single env: reset, then a random move."""
    env.reset(seed=0)
    actions = np.random.default_rng(0).integers(0, env.action_space.n, size=1000)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for action in actions[:100]:
            env.reset()
            env.step(action)
        steps += 100
    return steps / (time.perf_counter() - start)


def go_env_figures(env_id: str, num_envs: int, seconds: float, reward_mode: str) -> dict[str, float]:
    """Steps per second of the single env, the native vector env and SyncVectorEnv."""
    single = gym.make(env_id, reward_mode=reward_mode)
    native = gym.make_vec(env_id, num_envs, vectorization_mode="vector_entry_point", reward_mode=reward_mode)
    sync = make_sync_vector_env(env_id, num_envs, {"reward_mode": reward_mode})
    return {
        "single": single_steps_per_second(single, seconds),
        "native": vector_steps_per_second(native, seconds),
        "sync": vector_steps_per_second(sync, seconds),
    }


def main() -> None:
    """Measure and print every figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env-id", default="GoOpening-v0", help="a GoOpening environment")
    parser.add_argument("--num-envs", type=int, default=1024, help="copies stepped together")
    parser.add_argument("--seconds", type=float, default=3.0, help="time spent on each figure")
    args = parser.parse_args()
    print(f"{args.env_id} steps/s ({args.num_envs} copies for the vector envs)")
    print(f"{'reward':>8} {'single env':>12} {'native vector':>14} {'SyncVectorEnv':>14} {'native/sync':>12}")
    for reward_mode in ("table", "playout"):
        figures = go_env_figures(args.env_id, args.num_envs, args.seconds, reward_mode)
        single, native, sync = figures["single"], figures["native"], figures["sync"]
        print(f"{reward_mode:>8} {single:>12,.0f} {native:>14,.0f} {sync:>14,.0f} {native / sync:>11.1f}x")


if __name__ == "__main__":
    main()
