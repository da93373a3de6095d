"""TwoBales speed: native vector env against gymnasium's SyncVectorEnv, and each agent's training speed.

The sides of each comparison are timed in turn, round after round (`bench/timing.py`); each
figure is printed as its median and range over the rounds with the load average of its samples.

- env steps per second of `TwoBalesVectorEnv` and of `SyncVectorEnv` over the single env, both at
  `--num-envs` copies, stepping random actions for `--seconds` each, and their ratio;
- each agent's training steps per second with the default settings (`rlnoise.train.train` in this
  process, evaluations, pictures and files included), the regression and the categorical agent in
  turn, after one untimed one-update run of each that pays every import and first call (torch,
  matplotlib, scipy.stats), so that neither agent's figure pays them.

Usage: python bench/bench_two_bales.py [--num-envs 1024] [--seconds 3] [--rounds 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from functools import partial

import gymnasium as gym
from timing import Figures, alternate, figure, ratio, vector_steps_per_second

from rlnoise import envs  # noqa: F401  registers TwoBales-v0

AGENTS = ("regression", "categorical")


def training_steps_per_second(agent: str, total_timesteps: int | None = None) -> Figures:
    """Environment steps per second of a default training run of `agent`, evaluations included."""
    from rlnoise.config import Config
    from rlnoise.train import train

    with tempfile.TemporaryDirectory() as logdir:
        config = Config(agent=agent, logdir=logdir)
        if total_timesteps is not None:
            config = replace(config, total_timesteps=total_timesteps, eval_every=1)
        start = time.perf_counter()
        result = train(config, progress=False)
        return {"steps/s": result["global_step"] / (time.perf_counter() - start)}


def main() -> None:
    """Measure and print every figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-envs", type=int, default=1024, help="copies stepped together")
    parser.add_argument("--seconds", type=float, default=3.0, help="time spent on each env figure")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the sides in turn (default 3)")
    args = parser.parse_args()
    native = gym.make_vec("TwoBales-v0", args.num_envs)
    sync = gym.make_vec("TwoBales-v0", args.num_envs, vectorization_mode="sync")
    steps = alternate(
        {
            "native": lambda: {"steps/s": vector_steps_per_second(native, args.seconds)},
            "sync": lambda: {"steps/s": vector_steps_per_second(sync, args.seconds)},
        },
        args.rounds,
    )
    print(f"median [range] (load average) over {args.rounds} rounds")
    print(f"env steps/s at {args.num_envs} envs: native {figure(steps['native'], 'steps/s', 0)}   "
          f"SyncVectorEnv {figure(steps['sync'], 'steps/s', 0)}   "
          f"native/sync {ratio(steps['native'], steps['sync'], 'steps/s')}x")  # fmt: skip
    for agent in AGENTS:
        training_steps_per_second(agent, total_timesteps=1)  # imports and first calls, untimed
    training = alternate({agent: partial(training_steps_per_second, agent) for agent in AGENTS}, args.rounds)
    for agent in AGENTS:
        print(f"training steps/s, {agent} (defaults, evaluations included): "
              f"{figure(training[agent], 'steps/s', 0)}")  # fmt: skip


if __name__ == "__main__":
    main()
