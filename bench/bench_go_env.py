"""GoOpening speed: environment steps per second, single env, native vector env and SyncVectorEnv.

Prints, for both reward sources (`table`: a lookup; `playout`: one random 7x7 playout per step),
each figure's median and range over `--rounds` rounds (the three ways timed in turn,
`bench/timing.py`) with the load average of its samples:
- the single environment (`reset` + `step`, one episode per step);
- `GoOpeningVectorEnv` and gymnasium's `SyncVectorEnv` over the single env, both at
  `--num-envs` copies, and their ratio.
Random actions, every point and pass alike. `go_env_figures` is importable (e.g. by bench_go.py).

Usage: python bench/bench_go_env.py [--env-id GoOpening-v0] [--num-envs 1024] [--seconds 3] [--rounds 3]
"""

from __future__ import annotations

import argparse
import time

import gymnasium as gym
import numpy as np
from timing import alternate, figure, ratio, vector_steps_per_second

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


def go_env_figures(env_id: str, num_envs: int, seconds: float, reward_source: str) -> dict[str, float]:
    """Steps per second of the single env, the native vector env and SyncVectorEnv."""
    single = gym.make(env_id, reward_source=reward_source)
    native = gym.make_vec(
        env_id, num_envs, vectorization_mode="vector_entry_point", reward_source=reward_source
    )
    sync = make_sync_vector_env(env_id, num_envs, {"reward_source": reward_source})
    return {
        "single": single_steps_per_second(single, seconds),
        "native": vector_steps_per_second(native, seconds),
        "sync": vector_steps_per_second(sync, seconds),
    }


def main() -> None:
    """Measure and print every figure, the three ways in turn, round after round."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env-id", default="GoOpening-v0", help="a GoOpening environment")
    parser.add_argument("--num-envs", type=int, default=1024, help="copies stepped together")
    parser.add_argument("--seconds", type=float, default=3.0, help="time spent on each figure")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the sides in turn (default 3)")
    args = parser.parse_args()
    print(f"{args.env_id} steps/s ({args.num_envs} copies for the vector envs), median [range] "
          f"(load average) of {args.rounds} rounds")  # fmt: skip
    for reward_source in ("table", "playout"):
        single = gym.make(args.env_id, reward_source=reward_source)
        native = gym.make_vec(
            args.env_id, args.num_envs, vectorization_mode="vector_entry_point", reward_source=reward_source
        )
        sync = make_sync_vector_env(args.env_id, args.num_envs, {"reward_source": reward_source})
        samples = alternate(
            {
                "single": lambda env=single: {"steps/s": single_steps_per_second(env, args.seconds)},
                "native": lambda env=native: {"steps/s": vector_steps_per_second(env, args.seconds)},
                "sync": lambda env=sync: {"steps/s": vector_steps_per_second(env, args.seconds)},
            },
            args.rounds,
        )
        print(f"{reward_source}: single env {figure(samples['single'], 'steps/s', 0)}   native vector "
              f"{figure(samples['native'], 'steps/s', 0)}   SyncVectorEnv "
              f"{figure(samples['sync'], 'steps/s', 0)}   native/sync "
              f"{ratio(samples['native'], samples['sync'], 'steps/s')}x")  # fmt: skip


if __name__ == "__main__":
    main()
