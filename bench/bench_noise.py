"""What each noise source (rlnoise/noise.py) costs in training speed, against the plain agent.

Trains the regression agent in this process with each source on and without any, the runs
interleaved round after round (the machine is shared: compare figures of the same run), with
evaluation pushed to the end and made tiny, so the seconds are those of training. Prints, per
source, the median seconds of a run over the rounds and the ratio to the plain agent's median
(`time/plain`, 1.00 = free).

Usage: python bench/bench_noise.py [--env-id ID] [--updates N] [--rounds R]
"""

from __future__ import annotations

import argparse
import tempfile
import time

from timing import alternate, figure, ratio

SOURCES = {
    "plain": {},
    "dropout 0.1": {"dropout": 0.1},
    "param-noise 0.1": {"param_noise": 0.1},
    "noisy-net": {"noisy_net": True},
    "grad-noise 0.01": {"grad_noise": 0.01},
    "init symmetric": {"init": "symmetric"},
}


def run_seconds(env_id: str, updates: int, logdir: str, settings: dict) -> float:
    """Wall seconds of one seeded training run of `updates` updates, evaluation made tiny."""
    from rlnoise.config import Config
    from rlnoise.environments import make_env
    from rlnoise.train import train

    env = make_env(env_id, {})
    steps = env.spec.max_episode_steps or 1
    config = Config(
        env_id=env_id,
        agent="regression",
        logdir=logdir,
        total_timesteps=updates * 1024 * steps,
        eval_every=updates + 1,
        eval_contexts=2,
        eval_samples=2,
        **settings,
    )
    start = time.perf_counter()
    train(config, progress=False)
    return time.perf_counter() - start


def main() -> None:
    """Time every source, round after round, and print the medians, ranges and ratios."""
    from rlnoise import envs  # noqa: F401  registers the built-in environments

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env-id", default="TwoBales-v0")
    parser.add_argument("--updates", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as logdir:
        run_seconds(args.env_id, 2, logdir, {})  # warm-up: imports, first allocations
        sides = {
            name: lambda settings=settings: {"s": run_seconds(args.env_id, args.updates, logdir, settings)}
            for name, settings in SOURCES.items()
        }
        samples = alternate(sides, args.rounds)
    print(f"{args.env_id}, regression agent, {args.updates} updates x 1024 envs, median [range] (load "
          f"average) of {args.rounds} rounds")  # fmt: skip
    for name, values in samples.items():
        print(f"{name:<18} {figure(values, 's')}   time/plain {ratio(values, samples['plain'], 's')}")


if __name__ == "__main__":
    main()
